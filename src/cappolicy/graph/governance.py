"""The governance graph of a proposal: who funds, chairs, leads, decides and
answers to whom, and where data goes.

Built from a proposal in format v1 (see the design card): one node for the
programme, one per organisation, governance body and activity; one edge per fact
that links two of them, each keeping the proposal path of the field that stated
it. The queries the rule language asks (reachability along chosen edge kinds in
either direction, with the witness path or the frontier; successors and
predecessors; cycles) are here, each linear in the size of the graph.

The graph is held in plain adjacency dicts, laid out as networkx's MultiDiGraph lays
its out (neighbours in the order first linked, then the edges to each), so that
every query walks edges in the same order networkx would; `networkx()` gives a copy
as a networkx graph. networkx is imported there only, and in no other module:
importing it takes longer (over 100 ms) than checking a proposal does.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..base.record import replace
from ..lang.values import EvalProblem, total
from ..proposal.model import Path
from .parts import (
    EDGE_KINDS,
    PROGRAM,
    Adjacency,
    Condition,
    Edge,
    NodeInfo,
    Search,
    Step,
    strongly_connected,
)


class GovernanceGraph:
    """A multi-digraph of the programme, its organisations, bodies and activities."""

    def __init__(self, proposal_id: str = "", host_country: str | None = None,
                 title: str = "") -> None:
        self.proposal_id = proposal_id
        self.host_country = host_country
        self.title = title
        self._out: Adjacency = {}
        self._in: Adjacency = {}
        self._nodes: dict[str, NodeInfo] = {}
        self._edges: list[Edge] = []
        self._by_kind: dict[str, list[Edge]] = {}
        self.notes: list[str] = []  # what building could not link, for `cappolicy graph`
        self.ids: dict[str, dict[str, str]] = {}  # category -> element id -> node key

    # ------------------------------------------------------------ building

    def add_node(self, key: str, summary: Mapping[str, Any], element: Mapping[str, Any],
                 path: Path) -> NodeInfo:
        info = NodeInfo(key, summary, element, path)
        self._nodes[key] = info
        self._out.setdefault(key, {})
        self._in.setdefault(key, {})
        return info

    def add_edge(self, kind: str, source: str, target: str, attrs_: Mapping[str, Any],
                 path: Path) -> Edge:
        edge = Edge(len(self._edges), kind, source, target, attrs_, path)
        self._edges.append(edge)
        self._by_kind.setdefault(kind, []).append(edge)
        # as setdefault(key, {}) in this order would, without making a dict to throw away
        # when the node has one (it has: nodes are added first)
        out, into = self._out, self._in
        if source not in out:
            out[source] = {}
        if target not in into:
            into[target] = {}
        if target not in out:
            out[target] = {}
        if source not in into:
            into[source] = {}
        out[source].setdefault(target, []).append(edge)
        into[target].setdefault(source, []).append(edge)
        return edge

    # ------------------------------------------------------------ reading

    def __contains__(self, key: object) -> bool:
        return key in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def node(self, key: str) -> NodeInfo | None:
        return self._nodes.get(key)

    def key_for(self, ident: str, categories: Iterable[str] | None = None) -> str | None:
        """The node key of an element id, looked up in the given categories (an
        activity whose id is also an organisation's has a prefixed key)."""
        for category in categories or ("organisation", "body", "activity"):
            key = self.ids.get(category, {}).get(ident)
            if key is not None:
                return key
        return ident if ident in self._nodes else None

    def nodes(self, kinds: Iterable[str] | None = None) -> list[str]:
        """Node keys in proposal order; `kinds` filters by category or kind."""
        if kinds is None:
            return list(self._nodes)
        wanted = set(kinds)
        return [k for k, n in self._nodes.items()
                if n.category in wanted or n.summary.get("kind") in wanted]

    def edges(self, kinds: Iterable[str] | None = None, source: str | None = None,
              target: str | None = None) -> list[Edge]:
        """Edges in the order they were stated, filtered by kind and endpoints."""
        if source is not None and source not in self._nodes:
            return []
        if target is not None and target not in self._nodes:
            return []
        if source is not None:
            pool: Iterable[Edge] = (e for es in self._out[source].values() for e in es)
        elif target is not None:
            pool = (e for es in self._in[target].values() for e in es)
        elif kinds is not None:
            wanted_kinds = set(kinds)
            pool = (e for k in EDGE_KINDS + tuple(sorted(set(self._by_kind) - set(EDGE_KINDS)))
                    if k in wanted_kinds for e in self._by_kind.get(k, ()))
            return sorted(pool, key=lambda e: e.id)
        else:
            return list(self._edges)
        wanted = set(kinds) if kinds is not None else None
        out = [e for e in pool if (wanted is None or e.kind in wanted)
               and (target is None or e.target == target)]
        out.sort(key=lambda e: e.id)
        return out

    def all_edges(self) -> list[Edge]:
        return list(self._edges)

    def steps_from(self, key: str, steps: Sequence[Step] | None) -> Iterator[tuple[str, Edge]]:
        """(neighbour, edge) for every edge of the chosen kinds leaving `key`
        (forward steps) or entering it (reverse steps). No steps: every edge, forwards."""
        if steps is None:
            for nbr, edges in self._out.get(key, {}).items():
                for edge in edges:
                    yield nbr, edge
            return
        forward = {s.kind for s in steps if not s.reverse}
        backward = {s.kind for s in steps if s.reverse}
        if forward:
            for nbr, edges in self._out.get(key, {}).items():
                for edge in edges:
                    if edge.kind in forward:
                        yield nbr, edge
        if backward:
            for nbr, edges in self._in.get(key, {}).items():
                for edge in edges:
                    if edge.kind in backward:
                        yield nbr, edge

    def successors(self, key: str, steps: Sequence[Step] | None = None) -> list[str]:
        if key not in self._nodes:
            return []
        return list(dict.fromkeys(n for n, _ in self.steps_from(key, steps)))

    def predecessors(self, key: str, steps: Sequence[Step] | None = None) -> list[str]:
        if key not in self._nodes:
            return []
        flipped = [Step(k, True) for k in EDGE_KINDS] if steps is None else \
            [Step(s.kind, not s.reverse) for s in steps]
        if steps is None:
            flipped += [Step(k, True) for k in self._by_kind if k not in EDGE_KINDS]
        return list(dict.fromkeys(n for n, _ in self.steps_from(key, flipped)))

    # ------------------------------------------------------------ queries

    def search(self, start: str, target: Condition | str,
               steps: Sequence[Step] | None = None, *, limit: int | None = None,
               through: Condition | None = None) -> Search:
        """Breadth-first search from `start` (which counts as reached) for a node
        meeting `target`: a node key, or a condition answering True, False or
        anything else for "cannot tell". Visits each node and edge at most once.
        Given `through`, it walks on from a node other than the start only when the
        condition is true of it. A node it cannot tell about (`unsure`) is not passed
        through either; but when no node meeting the target is found, a second search
        passing them too tells whether a walk through one might have met it: then the
        answer is "cannot tell" (they are `undecided`), not "no".
        With a `limit`, it stops once it has reached that many nodes (`complete` False):
        what an explanation shows of a search, at a cost that does not grow with the graph.
        Many searches towards one target: `reach`, which searches once for all."""
        first = self._search(start, target, steps, limit, through)
        if first.found is not None or not first.unsure or through is None:
            return first
        second = self._search(start, target, steps, None, lambda k: through(k) is not False)
        if second.found is None and not second.undecided:
            return first  # no walk through them meets the target either
        return replace(first, undecided=tuple(dict.fromkeys((*first.undecided,
                                                             *first.unsure))))

    def _search(self, start: str, target: Condition | str, steps: Sequence[Step] | None,
                limit: int | None, through: Condition | None) -> Search:
        """One breadth-first search (search), passing only nodes `through` is true of."""
        steps_t = tuple(steps) if steps is not None else ()
        if start not in self._nodes:
            return Search(start, steps_t, None, (), (), (), ())
        test: Condition
        if isinstance(target, str):
            goal = target

            def test(key: str) -> Any:
                return key == goal
        else:
            test = target
        parent: dict[str, Edge | None] = {start: None}
        order: list[str] = []
        stopped: list[str] = []
        undecided: list[str] = []
        blocked: list[str] = []
        unsure: list[str] = []
        queue = deque([start])
        cut = False
        while queue and not cut:
            key = queue.popleft()
            order.append(key)
            verdict = test(key)
            if verdict is True:
                return Search(start, steps_t, key, self._trace(parent, key), (), (), ())
            if verdict is not False:
                undecided.append(key)
            if through is not None and key != start:
                passes = through(key)
                if passes is not True:
                    (blocked if passes is False else unsure).append(key)
                    continue
            moved = False
            for nbr, edge in self.steps_from(key, steps):
                moved = True
                if nbr not in parent:
                    if limit is not None and len(parent) >= limit:
                        cut = True
                        break
                    parent[nbr] = edge
                    queue.append(nbr)
            if not moved:
                stopped.append(key)
        order += queue  # reached when the search was cut, not yet looked at
        tree = tuple(e for k in order[1:] if (e := parent[k]) is not None)
        return Search(start, steps_t, None, (), tuple(order), tuple(stopped), tuple(undecided),
                      tree, not cut, tuple(blocked), tuple(unsure))

    def reach(self, target: Condition, steps: Sequence[Step] | None = None,
              through: Condition | None = None) -> Reach:
        """Whether each node reaches a node meeting `target` along `steps` (passing only
        through nodes `through` is true of, if given), for every node at once: the
        conditions asked of each node once, then one breadth-first search backwards from
        all the nodes meeting the target (and one from those it cannot tell about).
        Linear in the size of the graph, however many nodes are asked about."""
        return Reach(self, target, tuple(steps) if steps is not None else None, through)

    def _backwards(self, sources: Iterable[str], steps: Sequence[Step] | None,
                   passable: Callable[[str], bool] | None = None) -> dict[str, int]:
        """node -> the fewest steps from it to one of `sources` (0 for the sources), for
        every node from which a walk along `steps` reaches one (its nodes between the
        two `passable`, if given): a breadth-first search from all the sources at once
        along the steps turned round."""
        dist: dict[str, int] = {}
        queue: deque[str] = deque()
        for key in sources:
            if key not in dist:
                dist[key] = 0
                queue.append(key)
        if steps is None:
            forward: set[str] | None = None
            backward: set[str] = set()
        else:
            forward = {s.kind for s in steps if not s.reverse}
            backward = {s.kind for s in steps if s.reverse}
        while queue:
            key = queue.popleft()
            if passable is not None and dist[key] and not passable(key):
                continue  # reached, but no walk goes on through it
            d = dist[key] + 1
            if forward is None or forward:  # p -kind-> key, walked forwards from p
                for p, edges in self._in.get(key, {}).items():
                    if p not in dist and (forward is None or any(
                            e.kind in forward for e in edges)):
                        dist[p] = d
                        queue.append(p)
            if backward:  # key -kind-> p, walked backwards from p
                for p, edges in self._out.get(key, {}).items():
                    if p not in dist and any(e.kind in backward for e in edges):
                        dist[p] = d
                        queue.append(p)
        return dist

    def _trace(self, parent: Mapping[str, Edge | None], key: str) -> tuple[Edge, ...]:
        path: list[Edge] = []
        while (edge := parent[key]) is not None:
            path.append(edge)
            key = edge.target if edge.source == key else edge.source
        path.reverse()
        return tuple(path)

    def reachable(self, start: str, steps: Sequence[Step] | None = None) -> list[str]:
        """Every node reachable from `start` (itself first), breadth-first."""
        return list(self.search(start, _never, steps).reached)

    def walk(self, edges: Sequence[Edge], start: str | None = None) -> list[str]:
        """The nodes a walk along `edges` visits, from `start` (default: for a cycle
        from `cycles`, its first node in proposal order), each edge taken in whichever
        direction continues the walk."""
        if not edges:
            return [] if start is None else [start]
        if start is None:
            ends = {e.source for e in edges} | {e.target for e in edges}
            start = next(k for k in self._nodes if k in ends)
        nodes = [start]
        for edge in edges:
            nodes.append(edge.target if edge.source == nodes[-1] else edge.source)
        return nodes

    def cycles(self, steps: Sequence[Step] | None = None) -> list[tuple[Edge, ...]]:
        """One cycle per group of nodes that reach each other along `steps`
        (a strongly connected component with an edge inside it), each as its
        edges. Linear: components by Tarjan's algorithm, then one search in each."""
        view: dict[str, dict[str, None]] = {key: {} for key in self._nodes}
        chosen: dict[tuple[str, str], Edge] = {}
        for key in self._nodes:
            for nbr, edge in self.steps_from(key, steps):
                if (key, nbr) not in chosen:
                    chosen[(key, nbr)] = edge
                    view[key][nbr] = None
                    view.setdefault(nbr, {})
        order = {k: i for i, k in enumerate(self._nodes)}
        out: list[tuple[Edge, ...]] = []
        for component in strongly_connected(view):
            first = min(component, key=order.__getitem__)
            if len(component) == 1 and (first, first) not in chosen:
                continue
            out.append(self._cycle_through(first, component, chosen, view))
        out.sort(key=lambda cycle: min(order[e.source] for e in cycle))
        return out

    def _cycle_through(self, start: str, component: set[str],
                       chosen: Mapping[tuple[str, str], Edge],
                       view: Mapping[str, Mapping[str, None]]) -> tuple[Edge, ...]:
        if (start, start) in chosen:
            return (chosen[(start, start)],)
        parent: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            key = queue.popleft()
            for nbr in view[key]:
                if nbr == start:
                    hops = [(key, start)]
                    while parent[key] is not None:
                        prev = parent[key]
                        assert prev is not None
                        hops.append((prev, key))
                        key = prev
                    return tuple(chosen[h] for h in reversed(hops))
                if nbr in component and nbr not in parent:
                    parent[nbr] = key
                    queue.append(nbr)
        raise AssertionError("a strongly connected component without a cycle")  # pragma: no cover

    # ------------------------------------------------------------ identity

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GovernanceGraph):
            return NotImplemented
        return (self.proposal_id, self.host_country, self.title) == \
            (other.proposal_id, other.host_country, other.title) \
            and list(self._nodes.values()) == list(other._nodes.values()) \
            and self._edges == other._edges

    __hash__ = None  # type: ignore[assignment]

    def networkx(self) -> Any:
        """A copy as a plain networkx MultiDiGraph (node and edge attributes as dicts)."""
        import networkx as nx

        g = nx.MultiDiGraph()
        for key, info in self._nodes.items():
            g.add_node(key, **info.summary)
        for e in self._edges:
            g.add_edge(e.source, e.target, key=e.id, kind=e.kind, **e.attrs)
        return g


def _never(key: str) -> bool:
    return False


class Reach:
    """Every node's answer to "does a walk along these steps reach a node meeting the
    target?", from one search backwards from the target (GovernanceGraph.reach).

    A node reaches the target (`decide` True) when a walk from it meets a node the
    condition holds for; else it cannot tell (None) when a walk meets one the condition
    cannot decide; else False: as GovernanceGraph.search from that node answers. `search`
    gives the same Search too: the path a breadth-first search from the node finds (the
    one through the earliest edges, among the shortest), read from this search's
    distances; when there is none, what an explanation shows of the search from the node,
    cut at `limit` nodes."""

    __slots__ = ("graph", "steps", "verdicts", "through", "_passable", "_to_goal",
                 "_to_unsure")

    def __init__(self, graph: GovernanceGraph, target: Condition,
                 steps: tuple[Step, ...] | None, through: Condition | None = None) -> None:
        self.graph = graph
        self.steps = steps
        self.verdicts = {key: target(key) for key in graph._nodes}
        self.through = through
        #: whether a walk passes through a node (None: cannot tell), asked of the nodes a
        #: walk comes to only
        self._passable: dict[str, bool | None] = {}
        passes = self._passes if through is not None else None
        self._to_goal = graph._backwards(
            (k for k, v in self.verdicts.items() if v is True), steps, passes)
        # "cannot tell": a walk meets a node the target cannot be decided for, or (with
        # `through:`) meets the target only through nodes the condition cannot decide for
        self._to_unsure = graph._backwards(
            (k for k, v in self.verdicts.items()
             if v is not False and (through is not None or v is not True)), steps,
            self._may_pass if through is not None else None)

    def decide(self, start: str) -> bool | None:
        if start in self._to_goal:
            return True
        return None if start in self._to_unsure else False

    def _walk(self, start: str, dist: Mapping[str, int], passes: Callable[[str], bool]
              ) -> tuple[list[Edge], str]:
        """The edges of the first shortest walk from `start` to a node at distance 0,
        through nodes that `passes`."""
        edges: list[Edge] = []
        key = start
        while dist[key]:
            want = dist[key] - 1
            for nbr, edge in self.graph.steps_from(key, self.steps):
                if dist.get(nbr) == want and (not want or passes(nbr)):
                    edges.append(edge)
                    key = nbr
                    break
            else:  # pragma: no cover - a node at distance d has a neighbour at d - 1
                raise AssertionError(f"no step towards the target from {key}")
        return edges, key

    def search(self, start: str, limit: int | None = None) -> Search:
        steps_t = self.steps or ()
        if start not in self.graph:
            return Search(start, steps_t, None, (), (), (), ())
        if start in self._to_goal:
            edges, found = self._walk(start, self._to_goal, self._passes)
            return Search(start, steps_t, found, tuple(edges), (), (), ())
        explored = self.graph.search(start, self._verdict, self.steps, limit=limit,
                                     through=self._through if self.through else None)
        if start in self._to_unsure and not explored.undecided:  # beyond the cut
            _, unsure = self._walk(start, self._to_unsure, self._may_pass)
            explored = replace(explored, undecided=(unsure,))
        return explored

    def _verdict(self, key: str) -> Any:
        return self.verdicts.get(key, False)

    def _through(self, key: str) -> bool | None:
        """Whether the `through:` condition holds of a node (None: cannot tell), asked once."""
        if self.through is None:
            return True
        try:
            return self._passable[key]
        except KeyError:
            verdict = self.through(key)
            found = self._passable[key] = verdict if isinstance(verdict, bool) else None
            return found

    def _passes(self, key: str) -> bool:
        return self._through(key) is True

    def _may_pass(self, key: str) -> bool:
        return self._through(key) is not False


# ---------------------------------------------------------------- building


def build(data: Mapping[str, Any]) -> GovernanceGraph:
    """The governance graph of a proposal's data. Never raises: a reference to
    nothing known makes no edge and leaves a note instead. Within `shared_builds`, the
    graph built before for the same data object."""
    if _shared is None:
        return _Builder(data).run()
    found = _shared.get(id(data))
    if found is not None and found[0] is data:
        return found[1]
    graph = _Builder(data).run()
    _shared[id(data)] = (data, graph)  # the data kept too: its id names no other object
    return graph


#: the graphs built within shared_builds, by their data object's id
_shared: dict[int, tuple[Mapping[str, Any], GovernanceGraph]] | None = None


@contextlib.contextmanager
def shared_builds() -> Iterator[None]:
    """Within the block, `build` builds a data object's graph once and gives that one
    graph again (graphs are only read once built): for a caller whose data does not
    change within it, such as a check that evaluates a proposal, then evaluates rules
    of it again (rulesets/relied.py)."""
    global _shared
    outer = _shared
    _shared = {}
    try:
        yield
    finally:
        _shared = outer


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class _Builder:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = _map(data)
        host = _str(self.data.get("host_country"))
        self.host = host
        self.graph = GovernanceGraph(str(self.data.get("id", "")), host,
                                     str(self.data.get("title", "")))
        self.orgs: dict[str, str] = {}  # organisation id -> node key
        self.bodies: dict[str, str] = {}
        self.activities: dict[str, str] = {}

    def run(self) -> GovernanceGraph:
        d = self.data
        self._program()
        for i, org in enumerate(_list(d.get("organisations"))):
            self._element(org, ("organisations", i), "organisation", self.orgs)
        governance = _map(d.get("governance"))
        for i, body in enumerate(_list(governance.get("bodies"))):
            self._element(body, ("governance", "bodies", i), "body", self.bodies)
        for i, act in enumerate(_list(d.get("activities"))):
            self._element(act, ("activities", i), "activity", self.activities)
        self._funding()
        self._budgets()
        self._roles()
        self._bodies(governance)
        self._relations(governance)
        self._activities()
        self._closing()
        return self.graph

    # ------------------------------------------------------------ nodes

    def _program(self) -> None:
        d = self.data
        self.graph.add_node(PROGRAM, {
            "id": str(d.get("id", PROGRAM)), "category": "program", "kind": "program",
            "name": _str(d.get("title")), "country": None, "host": None,
        }, {}, ())

    def _element(self, element: Any, path: Path, category: str, table: dict[str, str]) -> None:
        if not isinstance(element, Mapping):
            return
        ident = _str(element.get("id"))
        if ident is None:
            return
        if ident in table:
            self.graph.notes.append(f"duplicate {category} id '{ident}': the first is kept")
            return
        key = ident
        if key in self.graph:  # ids of different categories share one name
            key = f"{category}:{ident}"
            count = 1
            while key in self.graph:  # an id may itself look like a prefixed key
                count += 1
                key = f"{category}:{ident}#{count}"
            self.graph.notes.append(f"{category} '{ident}' shares its id with another node; "
                                    f"its node is '{key}'")
        table[ident] = key
        self.graph.ids.setdefault(category, {})[ident] = key
        kind = element.get("type") if category == "activity" else element.get("kind")
        country = _str(element.get("country")) if category == "organisation" else None
        summary = {
            "id": ident, "category": category, "kind": _str(kind),
            "name": _str(element.get("name") if category != "activity" else element.get("title")),
            "country": country,
            "host": None if country is None or self.host is None else country == self.host,
        }
        self.graph.add_node(key, summary, element, path)

    # ------------------------------------------------------------ edges

    def _edge(self, kind: str, source: str | None, target: str | None,
              attrs_: Mapping[str, Any], path: Path) -> None:
        if source is None or target is None:
            return
        self.graph.add_edge(kind, source, target, {k: v for k, v in attrs_.items()
                                                   if v is not None}, path)

    def _node_path(self, key: str) -> Path | None:
        info = self.graph.node(key)
        return None if info is None else info.path

    def _org(self, ident: Any, path: Path) -> str | None:
        key = self.orgs.get(ident) if isinstance(ident, str) else None
        if key is None and ident is not None:
            self.graph.notes.append(f"no organisation '{ident}' (at {_fmt(path)}): no edge made")
        return key

    def _node(self, ident: Any, path: Path) -> str | None:
        if isinstance(ident, str):
            key = self.orgs.get(ident) or self.bodies.get(ident)
            if key is not None:
                return key
        if ident is not None:
            self.graph.notes.append(
                f"no organisation or body '{ident}' (at {_fmt(path)}): no edge made")
        return None

    def _funding(self) -> None:
        funding = _map(self.data.get("funding"))
        currency = _str(funding.get("currency"))
        for i, src in enumerate(_list(funding.get("sources"))):
            if not isinstance(src, Mapping):
                continue
            path = ("funding", "sources", i)
            by_year = {y: a for y, a in _map(src.get("by_year")).items()
                       if isinstance(a, (int, float)) and not isinstance(a, bool)}
            try:  # added as the language adds them; past the largest float: no amount
                amount = total(list(by_year.values())) if by_year else None
            except EvalProblem:
                amount = None
                self.graph.notes.append(f"the amounts of {_fmt(path)} add up past the largest "
                                        "number: its funds edge has no amount")
            self._edge("funds", self._org(src.get("from"), path + ("from",)), PROGRAM, {
                "type": _str(src.get("type")),
                "amount": amount,
                "currency": currency,
                "by_year": by_year or None,
            }, path)

    def _budgets(self) -> None:
        for i, org in enumerate(_list(self.data.get("organisations"))):
            if not isinstance(org, Mapping) or not isinstance(org.get("id"), str):
                continue
            key = self.orgs.get(org["id"])
            if key is None or self._node_path(key) != ("organisations", i):  # a repeated id
                continue
            for j, ident in enumerate(_list(org.get("funded_by"))):
                path = ("organisations", i, "funded_by", j)
                self._edge("budgets", self._org(ident, path), key, {}, path)

    def _roles(self) -> None:
        roles = _map(self.data.get("roles"))
        for phase in ("design", "implementation", "evaluation"):
            for i, ident in enumerate(_list(roles.get(phase))):
                path = ("roles", phase, i)
                self._edge("participates", self._org(ident, path), PROGRAM, {"phase": phase}, path)

    def _bodies(self, governance: Mapping[str, Any]) -> None:
        for i, body in enumerate(_list(governance.get("bodies"))):
            if not isinstance(body, Mapping):
                continue
            ident = body.get("id")
            key = self.bodies.get(ident) if isinstance(ident, str) else None
            base = ("governance", "bodies", i)
            if key is None or self._node_path(key) != base:  # a repeated id: the first is kept
                continue
            for field, kind in (("chair", "chairs"), ("members", "member_of")):
                for j, ident in enumerate(_list(body.get(field))):
                    path = base + (field, j)
                    self._edge(kind, self._org(ident, path), key, {}, path)

    def _relations(self, governance: Mapping[str, Any]) -> None:
        for i, rel in enumerate(_list(governance.get("relations"))):
            if not isinstance(rel, Mapping):
                continue
            path = ("governance", "relations", i)
            kind = _str(rel.get("kind"))
            if kind is None:
                continue
            source = self._node(rel.get("from"), path + ("from",))
            if rel.get("to") is None:
                if kind != "decides":  # only a decision may name no target: it is the programme's
                    self.graph.notes.append(f"{kind} relation at {_fmt(path)} names no 'to'")
                    continue
                target: str | None = PROGRAM
            else:
                target = self._node(rel.get("to"), path + ("to",))
            scope = [s for s in _list(rel.get("scope")) if isinstance(s, str)]
            self._edge(kind, source, target, {"scope": scope or None}, path)

    def _activities(self) -> None:
        for i, act in enumerate(_list(self.data.get("activities"))):
            if not isinstance(act, Mapping) or not isinstance(act.get("id"), str):
                continue
            key = self.activities.get(act["id"])
            base = ("activities", i)
            if key is None or self._node_path(key) != base:  # a repeated id: the first is kept
                continue
            self._edge("leads", self._org(act.get("led_by"), base + ("led_by",)), key, {},
                       base + ("led_by",))
            for j, ident in enumerate(_list(act.get("partners"))):
                path = base + ("partners", j)
                self._edge("partners", self._org(ident, path), key, {}, path)
            for j, flow in enumerate(_list(act.get("data_flows"))):
                if not isinstance(flow, Mapping):
                    continue
                path = base + ("data_flows", j)
                self._edge("shares_data", self._org(flow.get("from"), path + ("from",)),
                           self._org(flow.get("to"), path + ("to",)), {
                               "data": _str(flow.get("data")), "basis": _str(flow.get("basis")),
                               "activity": act["id"]}, path)

    def _closing(self) -> None:
        sunset = _map(self.data.get("sunset"))
        if sunset.get("handover_to") is not None:
            path = ("sunset", "handover_to")
            self._edge("hands_over_to", PROGRAM, self._org(sunset.get("handover_to"), path), {},
                       path)
        evaluation = _map(self.data.get("evaluation"))
        if evaluation.get("by") is not None:
            path = ("evaluation", "by")
            self._edge("evaluates", self._org(evaluation.get("by"), path), PROGRAM, {}, path)


def _fmt(path: Path) -> str:
    from ..proposal.model import format_path
    return format_path(path)
