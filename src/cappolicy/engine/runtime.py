"""What evaluation runs in: a proposal's context, the variables in scope, and the walk
of a collection's elements that quantifiers and aggregates share.

`Context` holds one proposal's data, its id indexes (made when first asked for), its
governance graph (built on first use) and a memo of what a rule computes once per
proposal; `Env` the variables bound during one evaluation and where each came from.
`covered` is the one statement of which elements a `where` selects, for deciding and
for explaining alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..graph.governance import GovernanceGraph, build
from ..lang import values as V
from ..proposal.model import Proposal
from ..proposal.placeholders import readable

#: a compiled expression's closure: its value in an environment
Fn = Callable[["Env"], Any]


class _Raised:
    """An EvalProblem an expression raised, kept to be raised again."""

    __slots__ = ("problem",)

    def __init__(self, problem: V.EvalProblem) -> None:
        self.problem = problem


_NOTHING = object()


def memoised(fn: Fn) -> Fn:
    """`fn` computed once per proposal (Context.memo), its EvalProblem included."""
    def memo(env: Env) -> Any:
        cache = env.ctx.memo
        hit = cache.get(fn, _NOTHING)
        if hit is _NOTHING:
            try:
                hit = cache[fn] = fn(env)
            except V.EvalProblem as problem:
                cache[fn] = _Raised(problem)
                raise
            return hit
        if hit.__class__ is _Raised:
            raise hit.problem
        return hit
    return memo


class Context:
    """What evaluation knows of one proposal: its data and an index of its ids."""

    __slots__ = ("data", "as_of", "indexes", "found", "proposal", "placeholders", "_graph",
                 "memo", "lang")

    def __init__(self, data: Mapping[str, Any], as_of: dt.date, proposal: Proposal | None = None,
                 placeholders: Iterable[Any] | None = None, lang: str | None = None) -> None:
        self.lang = lang  # the reader's language, when findings are worded for one too
        # every read of the proposal goes through `data`: a placeholder text is absent here
        made = proposal.readable if proposal is not None and proposal.data is data else None
        self.data, self.placeholders = readable(data, placeholders, made)
        self.as_of = as_of
        self.proposal = proposal
        self.indexes: dict[str, Mapping[str, tuple[Any, tuple[Any, ...]]]] = {}  # made so far
        self.found: dict[str, Mapping[str, Any]] = {}  # made so far, by `elements`
        self._graph: GovernanceGraph | None = None
        # what an expression that reads no variable came to (its closure -> value or
        # _Raised), and searches of the graph (-> graph.Reach): the proposal does not change
        # while it is evaluated, so a rule asks each of them once, not once per element
        self.memo: dict[Any, Any] = {}

    @property
    def graph(self) -> GovernanceGraph:
        """The proposal's governance graph, built on first use."""
        if self._graph is None:
            self._graph = build(self.data)
        return self._graph

    def index(self, target: str) -> Mapping[str, tuple[Any, tuple[Any, ...]]]:
        """id -> (element, path) for organisations, bodies, activities, nodes,
        mandates, and graph node key -> (node, path) for graph nodes; each made when
        first asked for."""
        found = self.indexes.get(target)
        if found is None:
            if target == "graph-node":  # `n.country` in a search reads it for every node
                found = _GraphIndex(self.graph)
            else:
                found = _INDEXES[target](self) if target in _INDEXES else {}
            self.indexes[target] = found
        return found

    def elements(self, target: str) -> Mapping[str, Any]:
        """id -> element, as `index` finds them without where they are: what deciding
        needs, cheaper to make than the index that locates them too."""
        found = self.found.get(target)
        if found is None:
            make = _ELEMENTS.get(target)
            if make is not None:
                found = make(self.data)
            elif target == "graph-node":
                found = _GraphIndex(self.graph, paths=False)
            else:
                found = {key: hit[0] for key, hit in self.index(target).items()}
            self.found[target] = found
        return found


class _GraphIndex(Mapping[str, tuple[Any, tuple[Any, ...]]]):
    """The graph's nodes seen as an index, so `n.country` reads like `org.country`."""

    __slots__ = ("graph", "paths")

    def __init__(self, graph: GovernanceGraph, *, paths: bool = True) -> None:
        self.graph = graph
        self.paths = paths  # whether a node comes with its path, as `Context.index` gives it

    def __getitem__(self, key: str) -> Any:
        info = self.graph.node(key)
        if info is None:
            raise KeyError(key)
        return (info, info.path) if self.paths else info

    def __iter__(self) -> Iterator[str]:
        return iter(self.graph.nodes())

    def __len__(self) -> int:
        return len(self.graph)


Index = dict[str, tuple[Any, tuple[Any, ...]]]


def _by_id(items: Any, path: tuple[Any, ...]) -> Index:
    """id -> (item, path) of the items of a list that have a text id; the first wins."""
    out: Index = {}
    if items.__class__ is list or isinstance(items, list):
        for i, item in enumerate(items):
            if item.__class__ is dict or isinstance(item, Mapping):
                ident = item.get("id")
                if ident.__class__ is str or isinstance(ident, str):
                    out.setdefault(ident, (item, path + (i,)))
    return out


def _elements_by_id(items: Any) -> dict[str, Any]:
    """id -> item, as `_by_id` finds them, without their paths."""
    out: dict[str, Any] = {}
    if items.__class__ is list or isinstance(items, list):
        for item in items:
            if item.__class__ is dict or isinstance(item, Mapping):
                ident = item.get("id")
                if (ident.__class__ is str or isinstance(ident, str)) and ident not in out:
                    out[ident] = item
    return out


def _bodies_of(data: Mapping[str, Any]) -> Any:
    governance = data.get("governance")
    return governance.get("bodies") if isinstance(governance, Mapping) else None


#: id -> element for the targets that are lists of the proposal (others: from the index)
_ELEMENTS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "organisation": lambda data: _elements_by_id(data.get("organisations")),
    "activity": lambda data: _elements_by_id(data.get("activities")),
    "body": lambda data: _elements_by_id(_bodies_of(data)),
}


def _organisations(ctx: Context) -> Index:
    return _by_id(ctx.data.get("organisations"), ("organisations",))


def _bodies(ctx: Context) -> Index:
    return _by_id(_bodies_of(ctx.data), ("governance", "bodies"))


def _activities(ctx: Context) -> Index:
    return _by_id(ctx.data.get("activities"), ("activities",))


def _nodes(ctx: Context) -> Index:
    return {**ctx.index("body"), **ctx.index("organisation")}


#: the field of a mandate reference that names the organisation the mandate is of
MANDATE_OWNER = "owner"


def mandate_owner(ref: str) -> Any:
    """The organisation a mandate reference names, `xa-cirt` of `xa-cirt/incident-response`
    (the loader holds every reference to the form org/mandate, CP404), UNKNOWN if none."""
    owner, slash, _ = ref.partition("/")
    return owner if slash and owner else V.UNKNOWN


def _mandates(ctx: Context) -> Index:
    """`org/mandate` -> the mandate of that organisation."""
    out: Index = {}
    for org_id, (org, path) in ctx.index("organisation").items():
        for mid, (mandate, mpath) in _by_id(org.get("mandates"), path + ("mandates",)).items():
            out[f"{org_id}/{mid}"] = (mandate, mpath)
    return out


_INDEXES: dict[str, Callable[[Context], Index]] = {
    "organisation": _organisations, "body": _bodies, "activity": _activities,
    "node": _nodes, "mandate": _mandates,
}


class Env:
    """Variables in scope during one evaluation; `paths` says where each came from.
    While a finding is explained, `record` holds what each closure made `recorded`
    computed last (closure -> value), so that the explanation reads the value of a
    part of a condition rather than computing it again (evidence.py says when a value
    recorded is still the value)."""

    __slots__ = ("ctx", "vars", "paths", "record", "stopped")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vars: dict[str, Any] = {}
        self.paths: dict[str, tuple[Any, ...] | None] = {}
        self.record: dict[Fn, Any] | None = None
        # (quantifier, element, covered before or None: all): where the rule's generated
        # decide stopped walking its check, none before deciding it (Writer.resume)
        self.stopped: tuple[Any, Any, int | None] | None = None


def recorded(fn: Fn) -> Fn:
    """`fn`, keeping what it computes in env.record while a finding is explained."""
    def record(env: Env) -> Any:
        value = fn(env)
        kept = env.record
        if kept is not None:
            kept[record] = value
        return value
    return record



def truth_of(fn: Fn) -> Callable[[Env], Any]:
    """A condition's closure giving True, False or UNKNOWN (V.truth of its value)."""
    def truth(env: Env) -> Any:
        return V.truth(fn(env))
    return truth


def covered(env: Env, var: str, items: Iterable[Any], where: Callable[[Env], Any] | None,
            undecided: Callable[[Any], Any], *, stop: bool = False,
            place: Callable[[int, Any], tuple[Any, ...] | None] | None = None
            ) -> Generator[Any, None, None]:
    """The elements of `items` a quantifier or an aggregate covers, `var` bound to each
    in turn (and, given `place`, its path in env.paths): those whose `where` is true.

    This is the one statement of what `where` means, for deciding and for explaining
    alike: an element whose `where` is false is not covered; one whose `where` is
    unknown is not covered either, but given to `undecided` (with `var` still bound to
    it), since the rule cannot tell whether it should be; with `stop`, the walk ends
    there (an aggregate over an undecided selection is itself unknown). `where` gives
    True, False or UNKNOWN. The variables are restored when the walk ends."""
    saved = env.vars.get(var, MISSING)
    saved_path: Any = env.paths.get(var, MISSING) if place is not None else MISSING
    try:
        for i, item in enumerate(items):
            env.vars[var] = item
            if place is not None:
                env.paths[var] = place(i, item)
            if where is not None:
                w = where(env)
                if w is not True:
                    if w is not False:
                        undecided(item)
                        if stop:
                            return
                    continue
            yield item
    finally:
        restore(env, var, saved)
        if place is not None:
            if saved_path is MISSING:
                env.paths.pop(var, None)
            else:
                env.paths[var] = saved_path


def sift(env: Env, var: str, items: Sequence[Any], where: Callable[[Env], Any] | None,
         body: Callable[[Env], Any], keep: Callable[[Any], bool], start: int = 0,
         considered: int = 0) -> tuple[int, list[int]]:
    """How many elements of `items` a quantifier covers (as `covered` decides it), and
    the indexes of those to look at again: the covered ones whose `body` (True, False
    or UNKNOWN) is one `keep` keeps, and those whose `where` is unknown. One quick walk,
    `var` bound to each element and nothing else: the explaining walks only those again,
    each with its place and the values kept (evidence.py), not thousands it passes over.
    From `start` on, given that `considered` elements before it are covered and none
    is to be looked at again (Env.stopped)."""
    saved = env.vars.get(var, MISSING)
    picked: list[int] = []
    bound = env.vars
    try:
        for i, item in enumerate(items[start:] if start else items, start):
            bound[var] = item
            if where is not None:
                w = where(env)
                if w is not True:
                    if w is not False:
                        picked.append(i)
                    continue
            considered += 1
            if keep(body(env)):
                picked.append(i)
    finally:
        restore(env, var, saved)
    return considered, picked


def resumed(stopped: tuple[Any, Any, int | None], items: Sequence[Any]) -> tuple[int, int]:
    """Where sift starts on `items` after decide stopped (Env.stopped), and how many
    elements it covered before: at the first element that is the one it stopped at
    (the same object is decided the same), from the first if none is."""
    _, at, before = stopped
    for i, item in enumerate(items):
        if item is at:
            return i, i if before is None else before
    return 0, 0


#: what a variable not bound before was, to be restored as unbound
MISSING = object()


def restore(env: Env, var: str, saved: Any) -> None:
    if saved is MISSING:
        env.vars.pop(var, None)
    else:
        env.vars[var] = saved


#: a rule deciding one element: decide(ctx, env, item) -> outcome (codegen.py writes it)
Decide = Callable[[Context, "Env | None", Any], str]
#: a rule's verdict on a proposal: verdict(ctx) -> the worst outcome of its elements
Verdict = Callable[[Context], str]
