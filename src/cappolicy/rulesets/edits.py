"""Edits to a proposal's data, kept traceable: `set` and `remove` by path, the edited
data written out as YAML (so that it is loaded and validated like any proposal file), and
spans in that written-out text moved back to where each value came from: the original
proposal, or the line of the edit that wrote it. Rule tests (ruletest.py) use them.

    proposal --proposal_origin--> Origin tree     edits (paths, values, their spans)
        copy_data / copy_origin --apply_edits--> edited data + Origin tree
        --emit_yaml--> text, one value a line --load--> Proposal --Remap--> findings located
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..base.errors import Diagnostic, did_you_mean
from ..base.record import replace
from ..base.span import Span
from ..engine.findings import Evidence, Finding, GraphTrace
from ..proposal.model import Proposal, format_path
from ..proposal.nodes import Node

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_PATH = re.compile(rf"{_NAME}(?:\.{_NAME}|\[[0-9]+\])*")
_STEP = re.compile(rf"({_NAME})|\[([0-9]+)\]")


class EditError(Exception):
    """Edits that cannot be made (CP433), each a located diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = tuple(diagnostics)


class _Located(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _deref(node: Node) -> Node:
    while node.kind == "alias":
        node = node.value
    return node


@attrs.define(eq=False)
class Origin:
    """Where a value of an edited proposal comes from: its span (in the base proposal or
    in the test file), its key's span, and the same for its parts."""

    span: Span
    key_span: Span | None = None
    kids: dict[Any, Origin] | list[Origin] | None = None


@attrs.frozen(eq=False)
class Edit:
    """`set` (path, value) or `remove` (path), as written in a file (a rule test case)."""

    op: str  # set | remove
    path: tuple[Any, ...]
    text: str  # the path as written
    span: Span  # of the path in the test file
    value: Any = None
    origin: Origin | None = None  # spans of the value's parts, for `set`


def parse_path(text: str) -> tuple[Any, ...] | None:
    """`funding.sources[1].by_year` -> ("funding", "sources", 1, "by_year"); None if not a path."""
    if not _PATH.fullmatch(text):
        return None
    return tuple(m.group(1) if m.group(1) else int(m.group(2)) for m in _STEP.finditer(text))


# --- origins -------------------------------------------------------------------------------


def node_origin(node: Node, key_span: Span | None = None) -> Origin:
    """Where a value written in a YAML file (an edit's value) and each of its parts are."""
    node = _deref(node)
    if node.kind == "map":
        return Origin(node.span, key_span, {_deref(k).value: node_origin(v, _deref(k).span)
                                            for k, v in node.value})
    if node.kind == "seq":
        return Origin(node.span, key_span, [node_origin(item) for item in node.value])
    return Origin(node.span, key_span)


def proposal_origin(value: Any, path: tuple[Any, ...], proposal: Proposal, parent: Span) -> Origin:
    """Where the proposal's `value` at `path` and each of its parts are (`parent` for a
    value the proposal has no position for)."""
    span = proposal.positions.get(path, parent)
    key_span = proposal.positions.get((*path, "<key>"))
    if isinstance(value, Mapping):
        return Origin(span, key_span, {k: proposal_origin(v, (*path, k), proposal, span)
                                       for k, v in value.items()})
    if isinstance(value, list):
        return Origin(span, key_span, [proposal_origin(v, (*path, i), proposal, span)
                                       for i, v in enumerate(value)])
    return Origin(span, key_span)


def copy_data(value: Any) -> Any:
    """A copy of plain data deep enough to edit: mappings and lists copied, values shared."""
    if isinstance(value, Mapping):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    return value


def copy_origin(origin: Origin, key_span: Span | None = None) -> Origin:
    kids = origin.kids
    copied: dict[Any, Origin] | list[Origin] | None = (
        {k: copy_origin(v) for k, v in kids.items()} if isinstance(kids, dict)
        else [copy_origin(v) for v in kids] if isinstance(kids, list) else None)
    return Origin(origin.span, key_span or origin.key_span, copied)


def origin_at(root: Origin, path: Sequence[Any]) -> Span:
    """The span the value (or, for a path ending in "<key>", the key) at `path` came from."""
    key = bool(path) and path[-1] == "<key>"
    node = root
    for step in path[:-1] if key else path:
        kids = node.kids
        nxt = None
        if isinstance(kids, dict):
            nxt = kids.get(step)
        elif isinstance(kids, list) and isinstance(step, int) and 0 <= step < len(kids):
            nxt = kids[step]
        if nxt is None:
            return node.span
        node = nxt
    return (node.key_span or node.span) if key else node.span


def path_at(span: Span | None, lines: Mapping[int, tuple[Any, ...]]) -> tuple[Any, ...] | None:
    """The path a diagnostic about the written-out proposal is about. Each line states one
    value; a span over several lines is a mapping or list, which starts on the line of its
    first entry: its path is that entry's parent."""
    if span is None or span.line not in lines:
        return None
    path = lines[span.line]
    return path[:-1] if span.end_line > span.line else path


# --- edits ---------------------------------------------------------------------------------


def apply_edits(data: dict[str, Any], origin: Origin, edits: Iterable[Edit]) -> None:
    """Make the `set`s in order, then the `remove`s, in `data` and `origin` alike; every
    path names a place in the data as the `set`s leave it, so removing several elements of
    one list works as written. Raises EditError naming every edit that cannot be made."""
    errors: list[Diagnostic] = []
    doomed: dict[int, tuple[Any, Origin, list[Any]]] = {}
    for edit in sorted(edits, key=lambda e: e.op != "set"):
        try:
            parent, oparent, key = _locate(data, origin, edit)
        except _Located as exc:
            errors.append(exc.diagnostic)
            continue
        if edit.op == "set":
            assert edit.origin is not None
            value, vorigin = copy_data(edit.value), copy_origin(edit.origin, edit.span)
            if isinstance(parent, list):
                if key == len(parent):
                    parent.append(value)
                    oparent.kids.append(vorigin)  # type: ignore[union-attr]
                else:
                    parent[key] = value
                    oparent.kids[key] = vorigin  # type: ignore[index]
            else:
                parent[key] = value
                oparent.kids[key] = vorigin  # type: ignore[index]
        else:
            entry = doomed.setdefault(id(parent), (parent, oparent, []))
            if key not in entry[2]:
                entry[2].append(key)
    if errors:
        raise EditError(errors)
    for parent, oparent, keys in doomed.values():
        for key in sorted(keys, reverse=True) if isinstance(parent, list) else keys:
            del parent[key]
            del oparent.kids[key]  # type: ignore[union-attr]


def _locate(data: Any, origin: Origin, edit: Edit) -> tuple[Any, Origin, Any]:
    """The container holding the edit's last step, its origin, and the last step; raises
    _Located (CP433) when a step does not exist (for `set`, the last may be new)."""
    node, onode = data, origin
    steps = edit.path
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        where = format_path(steps[:depth]) if depth else "the proposal"
        if isinstance(node, Mapping):
            if step not in node and not (last and edit.op == "set"):
                names = [k for k in node if isinstance(k, str)]
                best = did_you_mean(str(step), names)
                raise _Located(Diagnostic(
                    "CP433", f"cannot {edit.op} {edit.text}: {where} has no "
                    f"{'key' if isinstance(step, int) else 'field'} {step!r}", edit.span,
                    f"did you mean '{best}'?" if best and not isinstance(step, int) else
                    _present(node, where, edit)))
        elif isinstance(node, list):
            if not isinstance(step, int):
                raise _Located(Diagnostic(
                    "CP433", f"cannot {edit.op} {edit.text}: {where} is a list", edit.span,
                    f"pick an element first: {where}[0].{step}"))
            limit = len(node) + (1 if last and edit.op == "set" else 0)
            if step >= limit:
                size = f"{len(node)} element" + ("" if len(node) == 1 else "s")
                raise _Located(Diagnostic(
                    "CP433", f"cannot {edit.op} {edit.text}: {where} has {size}", edit.span,
                    f"set {where}[{len(node)}] to add one at the end" if edit.op == "set"
                    else f"its elements are {where}[0] to {where}[{len(node) - 1}]"
                    if node else f"{where} is empty"))
        else:
            raise _Located(Diagnostic(
                "CP433", f"cannot {edit.op} {edit.text}: {where} is a single value, not a "
                "mapping or a list", edit.span, f"set {where} itself"))
        if last:
            return node, onode, step
        node = node[step]
        kids = onode.kids
        onode = kids[step] if kids is not None else onode
    raise _Located(Diagnostic("CP433", f"cannot {edit.op} the whole proposal", edit.span))


def _present(node: Mapping[Any, Any], where: str, edit: Edit) -> str:
    if edit.op == "set":
        return f"set {where} itself, with every field it needs"
    keys = ", ".join(str(k) for k in node) or "nothing"
    return f"{where} has {keys}"


# --- writing the edited data as YAML -------------------------------------------------------


def emit_yaml(data: Mapping[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Block-style YAML for proposal data, one value per line, every string double-quoted
    (so that no text is read back as a number, date or boolean); with the path each line
    states."""
    lines: list[str] = []
    paths: list[tuple[Any, ...]] = []
    _emit(data, (), 0, lines, paths)
    return lines, paths


def _emit(value: Any, path: tuple[Any, ...], indent: int, lines: list[str],
          paths: list[tuple[Any, ...]]) -> None:
    pad = " " * indent
    items: Iterable[tuple[str, Any, Any]] = (
        ((f"{_scalar(k)}:", k, v) for k, v in value.items()) if isinstance(value, Mapping)
        else (("-", i, v) for i, v in enumerate(value)))
    for lead, step, item in items:
        here = (*path, step)
        if isinstance(item, (Mapping, list)) and item:
            lines.append(pad + lead)
            paths.append(here)
            _emit(item, here, indent + 2, lines, paths)
        else:
            empty = "{}" if isinstance(item, Mapping) else "[]" if isinstance(item, list) else None
            lines.append(f"{pad}{lead} {empty or _scalar(item)}")
            paths.append(here)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return _quote(str(value))


def _quote(text: str) -> str:
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():  # never a surrogate, U+FEFF, U+FFFE or a line separator
            out.append(ch)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


# --- locating findings of an edited proposal -----------------------------------------------


class Remap:
    """Moves spans in the written-out proposal to where their values came from."""

    def __init__(self, proposal: Proposal, origin: Origin, lines: Mapping[int, tuple[Any, ...]]):
        self.file = proposal.file
        self.origin = origin
        self.lines = lines
        self.paths: dict[Span, tuple[Any, ...]] = {}
        for path, span in proposal.positions.items():
            self.paths.setdefault(span, path)

    def span(self, span: Span) -> Span:
        if span.file != self.file:
            return span
        path = self.paths.get(span)
        if path is None:
            path = self.lines.get(span.line, ())
        return origin_at(self.origin, path)

    def maybe(self, span: Span | None) -> Span | None:
        return None if span is None else self.span(span)

    def finding(self, f: Finding) -> Finding:
        span = self.span(f.span)
        path = f"line {span.line}" if f.path == f"line {f.span.line}" else f.path
        return replace(f, file=span.file, span=span, path=path,
                            evidence=tuple(self.evidence(e) for e in f.evidence))

    def evidence(self, e: Evidence) -> Evidence:
        return replace(e, left_at=self.maybe(e.left_at), right_at=self.maybe(e.right_at),
                            children=tuple(self.evidence(c) for c in e.children),
                            graph=self.graph(e.graph))

    def graph(self, g: GraphTrace | None) -> GraphTrace | None:
        if g is None:
            return None
        hops = tuple(replace(h, at=self.maybe(h.at), edge_at=self.maybe(h.edge_at))
                     for h in g.hops)
        return replace(g, hops=hops)
