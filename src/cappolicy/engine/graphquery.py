"""Graph queries in rules: `graph.reaches(...)`, `graph.nodes(kind: body)` and the
other methods of the governance graph, one entry each in GRAPH_METHODS.

An entry gives the method's signature (positional node arguments, keyword
arguments, result type) and the function that builds its node from the compiled
arguments. `GraphQueries` is the part of the compiler (compile.py) that checks a call
against its entry, compiles its arguments (nodes named by id or reference, `kind:`
words, `via:` edge kinds, node conditions `n -> ...`) and calls the builder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..base.errors import Diagnostic, did_you_mean
from ..base.record import Record
from ..base.span import Span
from ..graph.governance import Reach
from ..graph.parts import CATEGORIES, EDGE_KINDS, Search, Step
from ..lang import ast
from ..lang import values as V
from ..lang.types import (
    ANY,
    BOOL,
    STRING,
    ListT,
    Prim,
    RefT,
    SetT,
    Type,
    element_type,
    is_collection,
    is_stringy,
)
from ..proposal import schema
from .nodes import Condition, Error, Graph, GraphNode, Kinds, Literal, Node
from .runtime import MISSING, Env, Fn, restore

_set = object.__setattr__

GRAPH = Prim("graph")
NODE = schema.GRAPH_NODE_REF
EDGE = schema.GRAPH_EDGE

#: the words `kind:` takes for nodes, and for edges
NODE_WORDS = CATEGORIES + schema.ORG_KINDS.values + schema.BODY_KINDS.values + \
    schema.ACTIVITY_TYPES.values
EDGE_WORDS = EDGE_KINDS


class Call(Record):
    """A graph query's call, its arguments compiled: what a method's builder needs."""

    __slots__ = ("expr", "method", "result", "kids", "args", "steps", "kinds", "ends",
                 "through")
    expr: ast.Call
    method: str
    result: Type
    #: the positional arguments' nodes (a node's key, or a node condition), then any
    #: `kind:`, `from:`, `to:` arguments' nodes: the query node's kids
    kids: tuple[Node, ...]
    #: the positional arguments' closures
    args: tuple[Fn, ...]
    steps: tuple[Step, ...] | None
    kinds: Node | None
    ends: Mapping[str, Node]
    #: a `through:` node condition: the nodes a search may pass through (reaches, path)
    through: Node | None

    def __init__(self, expr: ast.Call, method: str, result: Type, kids: tuple[Node, ...],
                 args: tuple[Fn, ...], steps: tuple[Step, ...] | None,
                 kinds: Node | None = None, ends: Mapping[str, Node] | None = None,
                 through: Node | None = None) -> None:
        _set(self, "expr", expr)
        _set(self, "method", method)
        _set(self, "result", result)
        _set(self, "kids", kids)
        _set(self, "args", args)
        _set(self, "steps", steps)
        _set(self, "kinds", kinds)
        _set(self, "ends", {} if ends is None else ends)
        _set(self, "through", through)


Builder = Callable[[Call], Graph]


class GraphMethod(Record):
    """The signature of one graph query: positional node arguments (`target`
    also takes a node condition), keyword arguments and the result type; and the
    function that builds its node."""

    __slots__ = ("positional", "keywords", "result", "doc", "build")
    positional: tuple[str, ...]
    keywords: tuple[str, ...]
    result: Type
    doc: str
    build: Builder

    def __init__(self, positional: tuple[str, ...], keywords: tuple[str, ...], result: Type,
                 doc: str, build: Builder) -> None:
        _set(self, "positional", positional)
        _set(self, "keywords", keywords)
        _set(self, "result", result)
        _set(self, "doc", doc)
        _set(self, "build", build)


def _node_path(env: Env, key: Any) -> tuple[Any, ...] | None:
    info = env.ctx.graph.node(key) if isinstance(key, str) else None
    return info.path if info is not None else None


def _edge_path(env: Env, edge: Any) -> tuple[Any, ...] | None:
    path = getattr(edge, "path", None)
    return tuple(path) if path is not None else None


# ---------------------------------------------------------------- the methods


def _nodes(q: Call) -> Graph:
    kf = q.kinds.fn if q.kinds is not None else None

    def nodes(env: Env) -> Any:
        wanted = kf(env) if kf is not None else None
        return V.UNKNOWN if wanted is V.UNKNOWN else env.ctx.graph.nodes(wanted)
    return Graph(q.expr, q.result, nodes, q.kids, method=q.method, element_path=_node_path)


def _edges(q: Call) -> Graph:
    kf = q.kinds.fn if q.kinds is not None else None
    sf = q.ends["from"].fn if "from" in q.ends else None
    tf = q.ends["to"].fn if "to" in q.ends else None

    def edges(env: Env) -> Any:
        wanted = kf(env) if kf is not None else None
        src = sf(env) if sf is not None else None
        dst = tf(env) if tf is not None else None
        if V.UNKNOWN in (wanted, src, dst):
            return V.UNKNOWN
        return env.ctx.graph.edges(wanted, src, dst)
    return Graph(q.expr, q.result, edges, q.kids, method=q.method, element_path=_edge_path)


def _cycles(q: Call) -> Graph:
    steps = q.steps

    def cycles(env: Env) -> Any:
        g = env.ctx.graph
        return [g.walk(cycle)[:-1] for cycle in g.cycles(steps)]
    return Graph(q.expr, q.result, cycles, q.kids, method=q.method, steps=steps)


def _neighbours(q: Call) -> Graph:
    start, steps, method = q.args[0], q.steps, q.method

    def neighbours(env: Env) -> Any:
        key = start(env)
        if key is V.UNKNOWN:
            return V.UNKNOWN
        g = env.ctx.graph
        if method == "reachable":
            return g.reachable(key, steps)
        return g.successors(key, steps) if method == "successors" else \
            g.predecessors(key, steps)
    return Graph(q.expr, q.result, neighbours, q.kids, method=method, steps=steps,
                 element_path=_node_path)


def _reach(q: Call) -> Graph:
    """reaches and path: a search from a node to a target node or condition."""
    start, target, steps = q.args[0], q.args[1], q.steps
    passing = q.through.fn if q.through is not None else None

    def through(env: Env) -> Any:
        """The `through:` test of nodes, or None without one."""
        return passing(env) if passing is not None else None
    # A target (and a `through:`) that reads no variable is the same for every node
    # asked about: one search backwards from it answers them all (graph.Reach), kept for
    # the proposal.
    shared = not q.kids[1].free and (q.through is None or not q.through.free)

    def reach(env: Env, goal: Any) -> Reach:
        key = (search, goal) if isinstance(goal, str) else search
        found = env.ctx.memo.get(key)
        if found is None:
            test = (lambda k: k == goal) if isinstance(goal, str) else goal
            found = env.ctx.memo[key] = env.ctx.graph.reach(test, steps, through(env))
        return found

    def search(env: Env, limit: int | None = None) -> Search | None:
        """The Search from the node: the path found, else (cut at `limit` nodes when
        the search is shared) what it reached."""
        key = start(env)
        goal = target(env)
        if key is V.UNKNOWN or goal is V.UNKNOWN:
            return None
        if shared:
            return reach(env, goal).search(key, limit)
        return env.ctx.graph.search(key, goal, steps, through=through(env))
    if q.method == "reaches":
        def reaches(env: Env) -> Any:
            key = start(env)
            goal = target(env)
            if key is V.UNKNOWN or goal is V.UNKNOWN:
                return V.UNKNOWN
            if shared:
                found = reach(env, goal).decide(key)
                return V.UNKNOWN if found is None else found
            searched = env.ctx.graph.search(key, goal, steps, through=through(env))
            if searched.found is not None:
                return True
            return V.UNKNOWN if searched.undecided else False
        fn: Fn = reaches
    else:
        def path(env: Env) -> Any:
            if shared:  # no search from the node unless there is a path to walk
                key, goal = start(env), target(env)
                if key is V.UNKNOWN or goal is V.UNKNOWN:
                    return V.UNKNOWN
                decided = reach(env, goal).decide(key)
                if decided is not True:
                    return V.UNKNOWN if decided is None else []
            found = search(env)
            if found is None:
                return V.UNKNOWN
            if found.found is None:
                return V.UNKNOWN if found.undecided else []
            return env.ctx.graph.walk(found.path, found.start)
        fn = path
    return Graph(q.expr, q.result, fn, q.kids, method=q.method, steps=steps, search=search,
                 element_path=_node_path, through=q.through)


#: method name -> its signature and builder, in the order messages list them
GRAPH_METHODS: dict[str, GraphMethod] = {
    "nodes": GraphMethod((), ("kind",), ListT(NODE),
                         "the nodes, optionally of a category or kind", _nodes),
    "edges": GraphMethod((), ("kind", "from", "to"), ListT(EDGE),
                         "the edges, optionally of a kind, from or to a node", _edges),
    "successors": GraphMethod(("node",), ("via",), ListT(NODE),
                              "the nodes one step away along the chosen edges", _neighbours),
    "predecessors": GraphMethod(("node",), ("via",), ListT(NODE),
                                "the nodes one step before along the chosen edges", _neighbours),
    "reachable": GraphMethod(("node",), ("via",), ListT(NODE),
                             "every node reachable, the node itself first", _neighbours),
    "reaches": GraphMethod(("node", "target"), ("via", "to", "through"), BOOL,
                           "whether a node, or a node meeting a condition, is reachable", _reach),
    "path": GraphMethod(("node", "target"), ("via", "to", "through"), ListT(NODE),
                        "a shortest path to the target, as its nodes (empty when none)", _reach),
    "cycles": GraphMethod((), ("via",), ListT(ListT(NODE)),
                          "one cycle per group of nodes that reach one another", _cycles),
}
#: the methods whose `kind:` names edge kinds (for the others: node categories and kinds)
_EDGE_KIND_METHODS = frozenset({"edges"})


# ---------------------------------------------------------------- compiling a call


class GraphQueries:
    """The compiler's part that compiles graph queries (mixed into compile.Compiler)."""

    params: Mapping[str, object]
    errors: list[Diagnostic]
    _in_condition: int  # inside `n -> ...`, where graph queries are not allowed
    definitions: Mapping[str, object]  # the chain's definitions by name

    def defined(self, e: ast.Name, name: str) -> Node:
        """A definition the rule names, read as a let (lets.RuleCompiler)."""
        raise NotImplementedError("a compiler of expressions alone knows no definitions")

    def expr(self, e: ast.Expr, scope: Mapping[str, Type]) -> Node:
        raise NotImplementedError

    def error(self, code: str, message: str, span: Span, help_: str | None = None) -> None:
        raise NotImplementedError

    def _want_bool(self, node: Node, span: Span) -> None:
        raise NotImplementedError

    def _graph_call(self, e: ast.Call, scope: Mapping[str, Type]) -> Node:
        assert e.receiver is not None
        recv = self.expr(e.receiver, scope)
        if recv.type not in (GRAPH, ANY):
            self.error("CP206", f"'{recv.text}' is a {recv.type.describe()}; it has no method "
                       f"'{e.func}'", e.span,
                       "only the governance graph has methods: graph.nodes(...), "
                       "graph.reaches(...)...")
            return Error(e, ANY, _unknown)
        sig = GRAPH_METHODS.get(e.func)
        if sig is None:
            best = did_you_mean(e.func, GRAPH_METHODS)
            self.error("CP206", f"the graph has no method '{e.func}'", e.span,
                       f"did you mean '{best}'?" if best else
                       f"its methods are: {', '.join(GRAPH_METHODS)}")
            return Error(e, ANY, _unknown)
        if self._in_condition:
            self.error("CP206", f"graph.{e.func}() inside a node condition would run once per "
                       "node", e.span,
                       "keep conditions to the node's own fields; query the graph in the rule's "
                       "'for', 'let' or 'require' instead")
            return Error(e, sig.result, _unknown)
        kwargs = dict(e.kwargs)
        for name, value in e.kwargs:
            if name not in sig.keywords:
                allowed = ", ".join(f"'{k}:'" for k in sig.keywords) or "none"
                self.error("CP206", f"graph.{e.func}() takes no '{name}:'", value.span,
                           f"its keyword arguments: {allowed}")
        args = list(e.args)
        if "to" in kwargs and len(args) == 1:  # graph.reaches(a, to: b)
            args.append(kwargs["to"])
        if len(args) != len(sig.positional):
            want = " and ".join(sig.positional) or "no positional argument"
            self.error("CP206", f"graph.{e.func}() takes {want}, given {len(args)} "
                       f"argument{'s' if len(args) != 1 else ''}", e.span)
            return Error(e, sig.result, _unknown)
        steps = self._steps(kwargs.get("via"))
        kids: list[Node] = []
        for arg, role in zip(args, sig.positional):
            if role == "target" and isinstance(arg, ast.Lambda):
                kids.append(self._condition(arg, scope))
            else:
                kids.append(self._node_arg(arg, scope))
        fns = tuple(k.fn for k in kids)
        kinds = None
        if "kind" in sig.keywords:
            edge = e.func in _EDGE_KIND_METHODS
            kinds = self._kinds(kwargs.get("kind"), scope, EDGE_WORDS if edge else NODE_WORDS,
                                "edge kind" if edge else "node category or kind")
        ends: dict[str, Node] = {end: self._node_arg(kwargs[end], scope) for end in ("from", "to")
                if end in kwargs} if "from" in sig.keywords else {}  # graph.edges(from:, to:)
        through = None
        if "through" in kwargs and "through" in sig.keywords:
            arg = kwargs["through"]
            if isinstance(arg, ast.Lambda):
                through = self._condition(arg, scope)
            else:
                self.error("CP206", "'through:' takes a node condition", arg.span,
                           "write it as `through: n -> <condition of n>`, e.g. "
                           "`through: n -> n.kind not in foreign_kinds`")
        kids += [k for k in (kinds, *ends.values(), through) if k is not None]
        return sig.build(Call(e, e.func, sig.result, tuple(kids), fns, steps, kinds, ends,
                              through))

    def _steps(self, via: ast.Expr | None) -> tuple[Step, ...] | None:
        """The `via:` edge kinds as graph steps; None (every edge, forwards) without one."""
        if via is None:
            return None
        if not isinstance(via, ast.EdgeKinds):  # pragma: no cover - the grammar forbids it
            self.error("CP206", "'via:' takes a list of edge kinds", via.span)
            return None
        words = EDGE_WORDS
        for kind, _ in via.steps:
            if kind not in words:
                best = did_you_mean(kind, words)
                self.error("CP206", f"unknown edge kind '{kind}'", via.span,
                           f"did you mean '{best}'?" if best else f"edge kinds: {', '.join(words)}")
        return tuple(Step(kind, rev) for kind, rev in via.steps)

    def _kinds(self, arg: ast.Expr | None, scope: Mapping[str, Type], words: tuple[str, ...],
               what: str) -> Node | None:
        """A `kind:` argument: a bare word (`body`, `funds`), or an expression giving
        a text or a set of texts (a param such as `public_sector`)."""
        if arg is None:
            return None
        def word(e: ast.Expr) -> bool:
            return isinstance(e, ast.Name) and e.id not in scope and e.id not in self.params

        named = [arg] if word(arg) else list(arg.items) if isinstance(
            arg, (ast.SetLit, ast.ListLit)) and arg.items and all(map(word, arg.items)) else []
        if named:  # `kind: body`, `kind: {funds, leads}`
            for name in named:
                assert isinstance(name, ast.Name)
                if name.id not in words:
                    best = did_you_mean(name.id, words)
                    self.error("CP201", f"unknown {what} '{name.id}'", name.span,
                               f"did you mean '{best}'?" if best else f"one of: {', '.join(words)}")
            const = frozenset(n.id for n in named if isinstance(n, ast.Name))
            return Literal(arg, SetT(STRING), lambda env: const, value=const)
        node = self.expr(arg, scope)
        t = node.type
        if not (is_stringy(t) or t == ANY or (is_collection(t) and (
                is_stringy(element_type(t)) or element_type(t) == ANY))):
            self.error("CP203", f"'kind:' takes a {what} or a set of them, not a "
                       f"{t.describe()}", arg.span)
        f = node.fn

        def kinds(env: Env) -> Any:
            v = f(env)
            if v is V.UNKNOWN:
                return V.UNKNOWN
            return frozenset((v,)) if isinstance(v, str) else frozenset(V.elements(v))
        return Kinds(arg, SetT(STRING), kinds, (node,))

    def _node_arg(self, arg: ast.Expr, scope: Mapping[str, Type]) -> Node:
        """An argument naming a node: a reference (`act.led_by`), a graph node, the
        programme, or an id in quotes. Its value is the node's key."""
        node = self.expr(arg, scope)
        t = node.type
        categories: tuple[str, ...] | None
        if isinstance(t, RefT):
            categories = {"organisation": ("organisation",), "body": ("body",),
                          "activity": ("activity",), "node": ("organisation", "body"),
                          "graph-node": None}.get(t.target, ())
        elif is_stringy(t) or t == ANY:
            categories = ("organisation", "body", "activity")
        else:
            self.error("CP203", f"'{node.text}' is a {t.describe()}, not a node of the graph",
                       arg.span, "pass an id, a reference such as act.led_by, or a graph node")
            return Error(arg, NODE, _unknown, (node,))
        f = node.fn
        text = node.text

        def key(env: Env) -> Any:
            ident = f(env)
            if ident is V.UNKNOWN:
                return V.UNKNOWN
            if not isinstance(ident, str):
                raise V.EvalProblem(f"{text} is {V.display(ident)}, not a node of the graph")
            if categories is None:
                return ident
            found = env.ctx.graph.key_for(ident, categories)
            if found is None:
                raise V.EvalProblem(f"the governance graph has no node '{ident}' ({text})")
            return found
        return GraphNode(arg, NODE, key, (node,), node.loc)

    def _condition(self, e: ast.Lambda, scope: Mapping[str, Type]) -> Node:
        self._in_condition += 1
        try:
            body = self.expr(e.body, {**scope, e.var: NODE})
        finally:
            self._in_condition -= 1
        self._want_bool(body, e.body.span)
        var, bf = e.var, body.fn

        def condition(env: Env) -> Any:
            def test(key: str) -> Any:
                saved = env.vars.get(var, MISSING)
                env.vars[var] = key
                try:
                    return V.truth(bf(env))
                except V.EvalProblem:
                    return V.UNKNOWN
                finally:
                    restore(env, var, saved)
            return test
        return Condition(e, ANY, condition, (body,), var=var)


def _unknown(env: Env) -> Any:
    return V.UNKNOWN
