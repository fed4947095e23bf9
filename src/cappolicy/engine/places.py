"""Where a finding is: the path of the value at a span of the proposal.

A finding located by its evidence (the value at fault) has a Span; the report names
the path of the proposal that value is at, the first whose span it is. Where no two
paths share a span (model.UniquePositions: a file with no alias), that is the path the
span was found at, which explaining keeps as it locates values (`place`,
Explainer.at); otherwise, in a file with an alias, an IATI activity or a proposal
given through the API, the span is looked up among all the proposal's places.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ..base.span import Span
from ..proposal.model import Proposal, format_path, unique_spans
from .runtime import Context

#: ctx.memo's key for the spans findings were located at, by id (Explainer.placed)
_PLACED = object()


def placed(ctx: Context) -> dict[int, tuple[Span, tuple[Any, ...]]]:
    """The spans findings of this evaluation were located at, by id, each with the
    path it is the span of (Explainer.placed)."""
    found: dict[int, tuple[Span, tuple[Any, ...]]] | None = ctx.memo.get(_PLACED)
    if found is None:
        found = ctx.memo[_PLACED] = {}
    return found


def place(ctx: Context, proposal: Proposal, path: tuple[Any, ...]) -> Span:
    """proposal.span_of(path), kept with its path among the spans placed (span_path)."""
    return located(placed(ctx), proposal, path)


def located(spans: dict[int, tuple[Span, tuple[Any, ...]]] | None, proposal: Proposal,
            path: tuple[Any, ...]) -> Span:
    """proposal.span_of(path), kept with the path it is the span of in `spans` (if any)."""
    found, span = proposal.place_of(path)
    if spans is not None:
        spans[id(span)] = span, found
    return span


def span_path(ctx: Context, proposal: Proposal, span: Span) -> str:
    """The proposal path of the value at `span`: a finding names a place, not a line.
    The first path whose span it is (a mapping key's excepted). Where no two paths
    share a span (model.UniquePositions), that is the one path the span was found
    at, when explaining found it (place, Explainer.at); else it is looked up in an
    index of the proposal's places made once an evaluation, when a finding first asks."""
    if unique_spans(proposal.positions):
        spans = ctx.memo.get(_PLACED)
        found = spans.get(id(span)) if spans is not None else None
        if found is not None and found[0] is span:
            return format_path(found[1])
    find = ctx.memo.get(_PLACES)
    if find is None:
        find = ctx.memo[_PLACES] = _place_finder(proposal)
    return format_path(find(span))


#: a position's line, read in C
_LINE = attrgetter("line")


def _place_finder(proposal: Proposal) -> Callable[[Span], tuple[Any, ...]]:
    """span -> the first path whose span it is, keys excepted (else ()). When every
    position is a Span already (a proposal read from JSON, or given through the API),
    the paths on the span's line are compared, found in a list of the lines made in C,
    which costs a fraction of indexing every place; else from _places' index."""
    positions = proposal.positions
    if getattr(positions, "raw", None) is None:
        values = list(positions.values())
        try:
            lines = list(map(_LINE, values))
        except AttributeError:  # a position that is not a Span
            pass
        else:
            paths = list(positions)

            def on_its_line(span: Span) -> tuple[Any, ...]:
                key = (span.file, span.line, span.column, span.end_line, span.end_column)
                line = span.line
                i = -1
                while True:
                    try:
                        i = lines.index(line, i + 1)
                    except ValueError:
                        return ()
                    path = paths[i]
                    at = values[i]
                    if (at.file, at.line, at.column, at.end_line, at.end_column) == key \
                            and not (path and path[-1] == "<key>"):
                        return path
            return on_its_line
    places = _places(proposal)
    return lambda span: places.get(
        (span.file, span.line, span.column, span.end_line, span.end_column), ())


#: ctx.memo's key for the index of the proposal's places (a key no closure can be)
_PLACES = object()


def _places(proposal: Proposal) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """(file, line, column, end line, end column) -> the first path there, keys excepted;
    read from the spans' parts as loading left them, without making a Span of each."""
    positions = proposal.positions
    raw = getattr(positions, "raw", None)
    parts = raw.items() if isinstance(raw, dict) else positions.items()
    file = getattr(positions, "file", proposal.file)
    places: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for path, at in parts:
        if path and path[-1] == "<key>":
            continue
        if type(at) is tuple:  # counted from 0, as libyaml's marks count
            key = (file, at[0] + 1, at[1] + 1, at[2] + 1, at[3] + 1)
        elif isinstance(at, Span):
            key = (at.file, at.line, at.column, at.end_line, at.end_column)
        else:  # libyaml's scalar node
            start, end = at.start_mark, at.end_mark
            key = (file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)
        places.setdefault(key, path)
    return places
