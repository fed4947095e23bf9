"""The loaded proposal: plain values plus a side table of their source positions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base.errors import Diagnostic
from ..base.record import Record
from ..base.span import Span

_set = object.__setattr__

Path = tuple[Any, ...]  # keys (str, or int years) and list indices (int)


def format_path(path: Path) -> str:
    """`activities[1].data_flows[0].to`: how a finding names a place in a proposal."""
    out = ""
    for step in path:
        if isinstance(step, int) and not isinstance(step, bool):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out or "(proposal)"


class UniquePositions(dict):  # type: ignore[type-arg]
    """Positions (path -> Span) in which no two paths but a key's share a span: those
    of a file with no alias in it, where every value is written once. A finding that
    knows the path its span was found at then names that path, without looking for the
    first path with that span among all of them (evaluate._span_path)."""

    __slots__ = ()
    unique = True


def unique_spans(positions: Mapping[Path, Span]) -> bool:
    """Whether no two paths of `positions` (keys' aside) share a span."""
    return getattr(positions, "unique", False) is True


class Proposal(Record):
    """A proposal in format v1 (a record: base/record.py).

    `data` holds plain Python values (dict, list, str, int, float, bool,
    datetime.date); `positions` maps a path to the span of the value there (for a
    mapping key, `path + ("<key>",)` maps to the key's span). Proposals are equal when
    their file and data are."""

    __slots__ = ("file", "data", "positions", "warnings", "readable")
    UNCOMPARED = frozenset({"positions", "warnings", "readable"})
    UNSHOWN = frozenset({"positions", "readable"})
    file: str
    data: Mapping[str, Any]
    positions: Mapping[Path, Span]
    warnings: tuple[Diagnostic, ...]
    #: `data` as rules read it under the default placeholder words, and the placeholders
    #: left out (placeholders.readable): made once when the proposal is loaded, so that
    #: evaluating it against a ruleset that keeps the default words walks nothing again
    readable: tuple[Mapping[str, Any], Mapping[Path, str]] | None

    def __init__(self, file: str, data: Mapping[str, Any],
                 positions: Mapping[Path, Span] | None = None,
                 warnings: tuple[Diagnostic, ...] = (),
                 readable: tuple[Mapping[str, Any], Mapping[Path, str]] | None = None) -> None:
        _set(self, "file", file)
        _set(self, "data", data)
        _set(self, "positions", {} if positions is None else positions)
        _set(self, "warnings", warnings)
        _set(self, "readable", readable)

    @property
    def id(self) -> str:
        return str(self.data.get("id", "?"))

    @property
    def host_country(self) -> str | None:
        value = self.data.get("host_country")
        return value if isinstance(value, str) else None

    def span_of(self, path: Path) -> Span:
        """The span of the value at `path`, or of its nearest located ancestor."""
        return self.place_of(path)[1]

    def place_of(self, path: Path) -> tuple[Path, Span]:
        """span_of(path), with the path it is the span of: `path` or the ancestor."""
        p = tuple(path)
        while p:
            span = self.positions.get(p)
            if span is not None:
                return p, span
            p = p[:-1]
        return (), self.positions.get((), Span(self.file, 1, 1))

    def lookup(self, path: Path) -> Any:
        """The value at `path`, or None when any step is missing."""
        node: Any = self.data
        for step in path:
            if isinstance(node, Mapping):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
            else:
                return None
            if node is None:
                return None
        return node
