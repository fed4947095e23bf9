"""The governance-graph nodes and edges a finding is about, for drawings to mark.

A finding carries the edges of the graph paths its evidence walked (`Finding.edges`,
which the JSON and SARIF reports write and so stay as they are); most findings walk no
path but are still about organisations, bodies, activities and relations: the element
a `for` rule is about, the place the finding is located at, the values its evidence
compares, the data it misses. `marks` finds those in the graph from the finding's own
data and the proposal's positions, without evaluating anything again:

- the node or edge declared at the finding's path, or its element's node;
- the nodes and edges of the graph paths its evidence shows (`GraphTrace`);
- the nodes and edges whose declaration holds a value its evidence compared (`left_at`,
  `right_at`) or a path it misses, following only the parts of the evidence that came
  out as the whole did (the failing children of an `all`, the false ones of an `and`);
- the edges declared inside the finding's element whose ends are both marked (the
  chair of the body, the lead of the activity).

The programme node, which every element belongs to, is marked only when the finding
is located at the proposal as a whole and nothing narrower is found.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import attrs

from ..base.span import Span
from ..engine.findings import Evidence, Finding
from ..graph.governance import GovernanceGraph
from ..graph.parts import PROGRAM
from ..proposal.model import Path, Proposal
from ..rulesets.edits import parse_path


@attrs.frozen
class Marks:
    """Node keys and edge ids, each in graph order."""

    nodes: tuple[str, ...] = ()
    edges: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes or self.edges)


@attrs.frozen
class _Place:
    kind: str  # node | edge
    ident: str | int
    path: Path
    span: Span


class Marker:
    """Marks findings of one proposal on its graph (positions are indexed once)."""

    def __init__(self, graph: GovernanceGraph, proposal: Proposal | None = None) -> None:
        self.graph = graph
        self.proposal = proposal
        self.places: list[_Place] = []
        self.by_path: dict[Path, _Place] = {}
        self.under: dict[Path, list[_Place]] = {}  # the places declared below each path
        #: the path of each position, so that a span found in evidence is looked up, not
        #: searched for (the first path that has it: the outermost)
        self.path_at: dict[Span, Path] = {}
        if proposal is not None:
            for path, span in proposal.positions.items():
                if path and path[-1] != "<key>":
                    self.path_at.setdefault(span, path)
        for key in graph.nodes():
            node = graph.node(key)
            if node is None or key == PROGRAM:
                continue
            self._add(_Place("node", key, tuple(node.path), self._span(node.path)))
        self.edges = graph.all_edges()
        for edge in self.edges:
            self._add(_Place("edge", edge.id, tuple(edge.path), self._span(edge.path)))
        self.order = {key: i for i, key in enumerate(graph.nodes())}

    def _add(self, place: _Place) -> None:
        self.places.append(place)
        self.by_path.setdefault(place.path, place)
        for end in range(1, len(place.path)):
            self.under.setdefault(place.path[:end], []).append(place)

    def _span(self, path: Path) -> Span:
        if self.proposal is None or not path:
            return Span("", 0, 0)
        span = self.proposal.positions.get(tuple(path))
        return span if span is not None else Span("", 0, 0)

    # --- lookups ---------------------------------------------------------------------------

    def _at_path(self, path: Path | None) -> _Place | None:
        """The node or edge declared at `path` or at its nearest ancestor that is one."""
        if not path:
            return None
        p = tuple(path)
        while p:
            place = self.by_path.get(p)
            if place is not None:
                return place
            p = p[:-1]
        return None

    def _holding(self, span: Span | None) -> _Place | None:
        """The narrowest node or edge whose declaration holds `span`."""
        if span is None or span.line <= 0 or self.proposal is None:
            return None
        if span.file != self.proposal.file:
            return None
        path = self.path_at.get(span)
        if path is not None:
            return self._at_path(path)
        best: _Place | None = None
        for place in self.places:
            if place.span.line > 0 and _holds(place.span, span) and (
                    best is None or _holds(best.span, place.span)):
                best = place
        return best

    def _held(self, span: Span | None) -> Iterator[_Place]:
        """The edges declared inside `span` (a list of role holders, say), when it holds
        no whole element."""
        if span is None or span.line <= 0 or self.proposal is None or \
                span.file != self.proposal.file or span.end_line <= 0:
            return
        path = self.path_at.get(span)
        if path is not None:
            inside = [place for place in self.under.get(path, ()) if place.span != span]
        else:
            inside = [place for place in self.places
                      if place.span.line > 0 and place.span != span and _holds(span, place.span)]
        if any(place.kind == "node" for place in inside):
            return  # a span that holds whole elements says nothing about one of them
        yield from inside

    # --- marking ---------------------------------------------------------------------------

    def marks(self, finding: Finding) -> Marks:
        nodes: list[str] = []
        edges: list[int] = list(finding.edges)

        def take(place: _Place | None) -> None:
            if place is None:
                return
            if place.kind == "node":
                nodes.append(str(place.ident))
            else:
                edges.append(int(place.ident))

        own_path = parse_path(finding.path) if finding.path else None
        own = self._at_path(own_path)
        if own is None and finding.element is not None:
            key = self.graph.key_for(finding.element)
            if key is not None and key != PROGRAM:
                own = _Place("node", key, tuple(self.graph.node(key).path),  # type: ignore[union-attr]
                             self._span(self.graph.node(key).path))  # type: ignore[union-attr]
        if own is None:
            own = self._holding(finding.span)
        take(own)
        for ev in _at_fault(finding.evidence):
            if ev.graph is not None:
                for hop in ev.graph.hops:
                    if hop.node in self.graph and hop.node != PROGRAM:
                        nodes.append(hop.node)
                    if hop.edge is not None:
                        edges.append(hop.edge)
            for span in (ev.left_at, ev.right_at):
                take(self._holding(span))
                for place in self._held(span):
                    take(place)
            for missing in ev.missing:
                take(self._at_path(parse_path(missing)))
        for missing in finding.missing:
            take(self._at_path(parse_path(missing)))
        marked_nodes = set(nodes)
        count = len(self.edges)
        marked_edges = {e for e in edges if 0 <= e < count}
        for e in marked_edges:  # the ends of a marked relation are what it relates
            edge = self.edges[e]
            marked_nodes.update(k for k in (edge.source, edge.target)
                                if k != PROGRAM and k in self.graph)
        if own is not None:  # the element's own relations between what is marked
            ends = marked_nodes | {PROGRAM}
            for place in (self.under.get(own.path, []) +
                          ([own] if own.kind == "edge" else [])):
                if place.kind != "edge":
                    continue
                edge = self.edges[int(place.ident)]
                if edge.source in ends and edge.target in ends and \
                        (edge.source in marked_nodes or edge.target in marked_nodes):
                    marked_edges.add(edge.id)
        if not marked_nodes and not marked_edges and own_path == () and PROGRAM in self.graph:
            marked_nodes.add(PROGRAM)
        order = self.order
        return Marks(tuple(sorted(marked_nodes, key=lambda k: order.get(k, len(order)))),
                     tuple(sorted(marked_edges)))


def marks_of(graph: GovernanceGraph, proposal: Proposal | None,
             findings: Iterable[Finding]) -> list[Marks]:
    """The marks of each finding, in order."""
    marker = Marker(graph, proposal)
    return [marker.marks(f) for f in findings]


def _at_fault(evidence: Sequence[Evidence]) -> Iterator[Evidence]:
    """The parts of the evidence that came out as the whole did: each top part, then
    the children that share their parent's result (all of them when none does)."""
    stack = list(reversed(evidence))
    while stack:
        ev = stack.pop()
        yield ev
        same = [c for c in ev.children if c.result == ev.result]
        stack.extend(reversed(same or list(ev.children)))


def _holds(outer: Span, inner: Span) -> bool:
    """Whether `outer` covers `inner` (a span without an end covers its start only)."""
    o_end = (outer.end_line, outer.end_column) if outer.end_line > 0 else \
        (outer.line, outer.column)
    i_end = (inner.end_line, inner.end_column) if inner.end_line > 0 else \
        (inner.line, inner.column)
    return (outer.line, outer.column) <= (inner.line, inner.column) and i_end <= o_end


__all__ = ["Marker", "Marks", "marks_of"]
