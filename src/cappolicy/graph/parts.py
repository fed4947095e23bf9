"""What a governance graph is made of: the kinds of edge and what each means, the
steps a search may take, edges and nodes as rules read them, the outcome of a search,
and the strongly connected parts of a graph (governance.py holds the graph)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..base.record import Record
from ..proposal.model import Path

_set = object.__setattr__

#: node key -> neighbour key -> the edges between them, in the order stated
Adjacency = dict[str, dict[str, list["Edge"]]]

PROGRAM = "program"

#: Node categories; a node's `kind` is its organisation kind, body kind or activity type.
CATEGORIES = ("program", "organisation", "body", "activity")

#: Edge kinds, in the order the design card lists them.
STRUCTURAL_EDGES = ("funds", "budgets", "participates", "chairs", "member_of")
RELATION_EDGES = ("reports_to", "oversees", "advises", "decides", "audits", "employs")
ACTIVITY_EDGES = ("leads", "partners", "shares_data")
CLOSING_EDGES = ("hands_over_to", "evaluates")
EDGE_KINDS = STRUCTURAL_EDGES + RELATION_EDGES + ACTIVITY_EDGES + CLOSING_EDGES

#: What each edge kind says, for documentation and `cappolicy graph` legends.
EDGE_MEANING = {
    "funds": "a funding source pays into the programme",
    "budgets": "an organisation pays another's own budget (organisations[].funded_by)",
    "participates": "an organisation takes a role (design, implementation, evaluation)",
    "chairs": "an organisation chairs a governance body",
    "member_of": "an organisation sits on a governance body",
    "reports_to": "declared relation: reports to",
    "oversees": "declared relation: oversees",
    "advises": "declared relation: advises",
    "decides": "declared relation: decides (on the programme when it names no target)",
    "audits": "declared relation: audits",
    "employs": "declared relation: employs",
    "leads": "an organisation leads an activity",
    "partners": "an organisation partners in an activity",
    "shares_data": "data flows from one organisation to another",
    "hands_over_to": "the programme hands over at its sunset",
    "evaluates": "an organisation evaluates the programme",
}


class Step(Record):
    """One edge kind to follow, forwards (`reports_to`) or backwards (`oversees<-`)."""

    __slots__ = ("kind", "reverse")
    kind: str
    reverse: bool

    def __init__(self, kind: str, reverse: bool = False) -> None:
        _set(self, "kind", kind)
        _set(self, "reverse", reverse)

    def __str__(self) -> str:
        return self.kind + ("<-" if self.reverse else "")


class Edge(Mapping[str, Any]):
    """One fact linking two nodes. As a mapping it shows the language's fields:
    `kind`, `from`, `to` and the attributes of the fact (amount, phase, data...)."""

    __slots__ = ("id", "kind", "source", "target", "attrs", "path")

    def __init__(self, id_: int, kind: str, source: str, target: str,
                 attrs_: Mapping[str, Any], path: Path) -> None:
        self.id = id_
        self.kind = kind
        self.source = source
        self.target = target
        self.attrs = dict(attrs_)
        self.path = path

    def __getitem__(self, name: str) -> Any:
        if name == "kind":
            return self.kind
        if name == "from":
            return self.source
        if name == "to":
            return self.target
        return self.attrs[name]

    def __iter__(self) -> Iterator[str]:
        yield from ("kind", "from", "to")
        yield from self.attrs

    def __len__(self) -> int:
        return 3 + len(self.attrs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Edge):
            return NotImplemented
        return (self.id, self.kind, self.source, self.target, self.attrs, self.path) == \
            (other.id, other.kind, other.source, other.target, other.attrs, other.path)

    def __hash__(self) -> int:
        return hash((self.id, self.kind, self.source, self.target))

    def __repr__(self) -> str:
        return f"Edge({self.id}, {self.source} -{self.kind}-> {self.target})"

    def __str__(self) -> str:
        return f"{self.source} -{self.kind}-> {self.target}"

    def shown(self) -> str:
        """How evidence shows an edge bound to a rule variable."""
        return str(self)


class NodeInfo(Mapping[str, Any]):
    """What a rule can read of a node: `id`, `category`, `kind`, `name`, `country`,
    `host`, then every field of the proposal element it stands for."""

    __slots__ = ("key", "summary", "element", "path")

    def __init__(self, key: str, summary: Mapping[str, Any], element: Mapping[str, Any],
                 path: Path) -> None:
        self.key = key
        self.summary = dict(summary)
        self.element = element
        self.path = path

    @property
    def category(self) -> str:
        return str(self.summary["category"])

    @property
    def label(self) -> str:
        return str(self.summary.get("name") or self.summary["id"])

    def __getitem__(self, name: str) -> Any:
        value = self.summary.get(name)
        if value is not None:
            return value
        return self.element[name]  # a field the summary leaves empty may still be in the element

    def __iter__(self) -> Iterator[str]:
        seen = set()
        for k, v in self.summary.items():
            if v is not None:
                seen.add(k)
                yield k
        for k in self.element:
            if k not in seen:
                yield k

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NodeInfo):
            return NotImplemented
        return (self.key, self.summary, self.path) == (other.key, other.summary, other.path)

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"NodeInfo({self.key!r}, {self.summary!r})"


#: A node condition answers True, False or "cannot tell" (any other value).
Condition = Callable[[str], Any]


class Search(Record):
    """The outcome of one reachability search.

    `found` is the first node (in breadth-first order, so on a shortest path)
    meeting the target, and `path` the edges leading to it. When nothing met it,
    `reached` lists every node reached, `stopped` those with no edge left to
    follow (where the search ran out), and `undecided` those whose condition
    could not be decided. `tree` holds, for every reached node but the start,
    the edge by which the search first reached it. `blocked` lists the nodes reached that
    a search `through` a condition did not pass through (the condition false there), `unsure`
    those it did not pass through for the condition could not be decided there."""

    __slots__ = ("start", "steps", "found", "path", "reached", "stopped", "undecided", "tree",
                 "complete", "blocked", "unsure")
    start: str
    steps: tuple[Step, ...]
    found: str | None
    path: tuple[Edge, ...]
    reached: tuple[str, ...]
    stopped: tuple[str, ...]
    undecided: tuple[str, ...]
    tree: tuple[Edge, ...]
    complete: bool  # False: cut at a limit, `reached` and the rest are its first part
    blocked: tuple[str, ...]
    unsure: tuple[str, ...]

    def __init__(self, start: str, steps: tuple[Step, ...], found: str | None,
                 path: tuple[Edge, ...], reached: tuple[str, ...], stopped: tuple[str, ...],
                 undecided: tuple[str, ...], tree: tuple[Edge, ...] = (),
                 complete: bool = True, blocked: tuple[str, ...] = (),
                 unsure: tuple[str, ...] = ()) -> None:
        _set(self, "start", start)
        _set(self, "steps", steps)
        _set(self, "found", found)
        _set(self, "path", path)
        _set(self, "reached", reached)
        _set(self, "stopped", stopped)
        _set(self, "undecided", undecided)
        _set(self, "tree", tree)
        _set(self, "complete", complete)
        _set(self, "blocked", blocked)
        _set(self, "unsure", unsure)


def strongly_connected(successors: Mapping[str, Iterable[str]]) -> list[set[str]]:
    """The strongly connected components of a directed graph given as node -> successors
    (every node a key), by Tarjan's algorithm without recursion; linear in its size."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[set[str]] = []
    for root in successors:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, todo = work[-1]
            for nbr in todo:
                if nbr not in index:
                    index[nbr] = low[nbr] = len(index)
                    stack.append(nbr)
                    on_stack.add(nbr)
                    work.append((nbr, iter(successors[nbr])))
                    break
                if nbr in on_stack and index[nbr] < low[node]:
                    low[node] = index[nbr]
            else:
                work.pop()
                if work and low[node] < low[work[-1][0]]:
                    low[work[-1][0]] = low[node]
                if low[node] == index[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    out.append(component)
    return out
