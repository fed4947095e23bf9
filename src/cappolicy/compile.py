"""Analyse and compile expressions: names resolved, types checked, closures built.

Every expression becomes a `Node`: its type, a closure `fn(env)` computing its
value (the fast path, run for every proposal), `loc(env)` giving the concrete
place in the proposal a path expression reads (used only to explain), and its
children. Static errors are collected as CP2xx diagnostics; nothing runs until a
whole ruleset compiles cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from . import ast, schema
from . import values as V
from .ast import Percent
from .errors import Diagnostic, did_you_mean
from .placeholders import readable
from .span import Span
from .types import (
    ANY, BOOL, COUNTRY, DATE, DURATION, MONEY, NUMBER, PERCENT, STRING, ListT, MapT,
    Prim, RecordT, RefT, SetT, Type, comparable, element_type, fields_of, is_collection,
    is_numeric, is_stringy, ordered, unify,
)
from .unparse import unparse

Fn = Callable[["Env"], Any]
Loc = Callable[["Env"], "tuple[Any, ...] | None"]

LITERAL_TYPES: dict[str, Type] = {
    "bool": BOOL, "number": NUMBER, "percent": PERCENT, "money": MONEY, "string": STRING,
    "date": DATE, "duration": DURATION, "country": COUNTRY,
}
BUILTIN_NAMES: dict[str, Type] = {"as_of": DATE}
FUNCTIONS = ("count", "len", "keys", "values", "year", "lower", "upper", "abs")

GRAPH = Prim("graph")
NODE = schema.GRAPH_NODE_REF
EDGE = schema.GRAPH_EDGE


@attrs.frozen
class GraphMethod:
    """The signature of one graph query: positional node arguments (`target`
    also takes a node condition), keyword arguments and the result type."""

    positional: tuple[str, ...]
    keywords: tuple[str, ...]
    result: Type
    doc: str


GRAPH_METHODS: dict[str, GraphMethod] = {
    "nodes": GraphMethod((), ("kind",), ListT(NODE),
                         "the nodes, optionally of a category or kind"),
    "edges": GraphMethod((), ("kind", "from", "to"), ListT(EDGE),
                         "the edges, optionally of a kind, from or to a node"),
    "successors": GraphMethod(("node",), ("via",), ListT(NODE),
                              "the nodes one step away along the chosen edges"),
    "predecessors": GraphMethod(("node",), ("via",), ListT(NODE),
                                "the nodes one step before along the chosen edges"),
    "reachable": GraphMethod(("node",), ("via",), ListT(NODE),
                             "every node reachable, the node itself first"),
    "reaches": GraphMethod(("node", "target"), ("via", "to"), BOOL,
                           "whether a node, or a node meeting a condition, is reachable"),
    "path": GraphMethod(("node", "target"), ("via", "to"), ListT(NODE),
                        "a shortest path to the target, as its nodes (empty when none)"),
    "cycles": GraphMethod((), ("via",), ListT(ListT(NODE)),
                          "one cycle per group of nodes that reach one another"),
}


def _node_words() -> tuple[str, ...]:
    from .graph import CATEGORIES
    return CATEGORIES + schema.ORG_KINDS.values + schema.BODY_KINDS.values + \
        schema.ACTIVITY_TYPES.values


def _edge_words() -> tuple[str, ...]:
    from .graph import EDGE_KINDS
    return EDGE_KINDS


def outer_kids(node: Node) -> tuple[Node, ...]:
    """The kids of `node` that can be evaluated outside it: not the parts of a
    quantifier, aggregate or node condition that read its bound variable."""
    if node.kind == "condition":
        return ()
    return node.kids[:1] if node.info.get("var") else node.kids


#: kinds of node worth computing once per proposal when they read no variable: each
#: walks a collection or the graph, and a `for` rule (or a quantifier) asks again per element
MEMOISED = frozenset({"quantifier", "aggregate", "graph"})


def free_variables(node: Node) -> frozenset[str]:
    """The variables `node` reads that it does not bind itself."""
    if node.kind == "var":
        return frozenset((node.expr.id,))  # type: ignore[union-attr]
    var = node.info.get("var")
    if node.kind == "condition":
        return frozenset().union(*(k.free for k in node.kids)) - {var}
    if var is not None and node.kind in ("quantifier", "aggregate"):
        inner = frozenset().union(*(k.free for k in node.kids[1:])) - {var}
        return node.kids[0].free | inner
    return frozenset().union(*(k.free for k in node.kids))


class _Raised:
    """An EvalProblem an expression raised, kept to be raised again."""

    __slots__ = ("problem",)

    def __init__(self, problem: V.EvalProblem) -> None:
        self.problem = problem


_NOTHING = object()


def _memoised(fn: Fn) -> Fn:
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


def element_path(coll: Node, env: Env, base: tuple[Any, ...] | None, step: Any,
                 item: Any) -> tuple[Any, ...] | None:
    """Where in the proposal one element of a collection is: its place in the
    list, or for graph nodes and edges the element or field that made them."""
    own = coll.info.get("element_path")
    if own is not None:
        path: tuple[Any, ...] | None = own(env, item)
        return path
    return base + (step,) if base is not None else None


class Context:
    """What evaluation knows of one proposal: its data and an index of its ids."""

    __slots__ = ("data", "as_of", "indexes", "found", "proposal", "placeholders", "_graph",
                 "memo", "lang")

    def __init__(self, data: Mapping[str, Any], as_of: Any, proposal: Any = None,
                 placeholders: Iterable[Any] | None = None, lang: str | None = None) -> None:
        self.lang = lang  # the reader's language, when findings are worded for one too
        # every read of the proposal goes through `data`: a placeholder text is absent here
        made = proposal.readable if proposal is not None and proposal.data is data else None
        self.data, self.placeholders = readable(data, placeholders, made)
        self.as_of = as_of
        self.proposal = proposal
        self.indexes: dict[str, Mapping[str, tuple[Any, tuple[Any, ...]]]] = {}  # made so far
        self.found: dict[str, Mapping[str, Any]] = {}  # made so far, by `elements`
        self._graph: Any = None
        # what an expression that reads no variable came to (its closure -> value or
        # _Raised), and searches of the graph (-> graph.Reach): the proposal does not change
        # while it is evaluated, so a rule asks each of them once, not once per element
        self.memo: dict[Any, Any] = {}

    @property
    def graph(self) -> Any:
        """The proposal's governance graph, built on first use."""
        if self._graph is None:
            from .graph import build
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

    def __init__(self, graph: Any, *, paths: bool = True) -> None:
        self.graph = graph
        self.paths = paths  # whether a node comes with its path, as `Context.index` gives it

    def __getitem__(self, key: str) -> Any:
        info = self.graph.node(key)
        if info is None:
            raise KeyError(key)
        return (info, info.path) if self.paths else info

    def __iter__(self) -> Any:
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
    """Variables in scope during one evaluation; `paths` says where each came from."""

    __slots__ = ("ctx", "vars", "paths")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vars: dict[str, Any] = {}
        self.paths: dict[str, tuple[Any, ...] | None] = {}


@attrs.define(eq=False)
class Node:
    kind: str
    expr: ast.Expr
    type: Type
    fn: Fn
    kids: tuple[Node, ...] = ()
    loc: Loc | None = None
    _text: str = attrs.field(default="", alias="text")
    info: dict[str, Any] = attrs.field(factory=dict)
    _free: frozenset[str] | None = attrs.field(default=None, init=False, repr=False)

    @property
    def free(self) -> frozenset[str]:
        """The variables the node's value depends on (bound outside it): none means it
        has one value per proposal, however often a rule asks for it."""
        if self._free is None:
            self._free = free_variables(self)
        return self._free

    @property
    def text(self) -> str:
        """The expression as the rule writes it (canonical layout), made when first read:
        most nodes' text is only shown in evidence or in an error."""
        if not self._text:
            self._text = unparse(self.expr)
        return self._text


@attrs.frozen
class ParamValue:
    """A param as the effective ruleset settles it: type, value, who set it."""

    name: str
    type: Type
    value: Any
    display: str
    origin: Any  # findings.Provenance


def _no_loc(env: Env) -> None:
    return None


class Compiler:
    """Compiles the expressions of one effective ruleset."""

    def __init__(self, params: Mapping[str, ParamValue]) -> None:
        self.params = params
        self.errors: list[Diagnostic] = []
        self.used_params: set[str] = set()
        self._in_condition = 0  # inside `n -> ...`, where graph queries are not allowed

    def error(self, code: str, message: str, span: Span, help_: str | None = None) -> None:
        self.errors.append(Diagnostic(code, message, span, help_))

    # ------------------------------------------------------------ names

    def expr(self, e: ast.Expr, scope: Mapping[str, Type]) -> Node:
        method = getattr(self, "c_" + type(e).__name__.lower())
        node: Node = method(e, scope)
        if node.kind in MEMOISED and not node.free:
            node.fn = _memoised(node.fn)  # the parent's closure takes it from here
        return node

    def c_literal(self, e: ast.Literal, scope: Mapping[str, Type]) -> Node:
        value = e.value
        return Node("literal", e, LITERAL_TYPES[e.kind], lambda env: value)

    def c_name(self, e: ast.Name, scope: Mapping[str, Type]) -> Node:
        name = e.id
        if name in scope:
            def var(env: Env) -> Any:
                return env.vars[name]

            def var_loc(env: Env) -> tuple[Any, ...] | None:
                return env.paths.get(name)
            return Node("var", e, scope[name], var, loc=var_loc)
        if name in self.params:
            self.used_params.add(name)
            p = self.params[name]
            value = p.value
            return Node("param", e, p.type, lambda env: value, info={"param": name})
        field = schema.PROPOSAL.field(name)
        if field is not None:
            def root(env: Env) -> Any:
                v = env.ctx.data.get(name)
                return V.UNKNOWN if v is None else v
            path = (name,)
            return Node("root", e, field.type, root, loc=lambda env: path)
        if name in BUILTIN_NAMES:
            return Node("builtin", e, BUILTIN_NAMES[name], lambda env: env.ctx.as_of)
        if name == "graph":
            return Node("builtin", e, GRAPH, lambda env: env.ctx.graph)
        if name == "program":
            from .graph import PROGRAM
            return Node("builtin", e, NODE, lambda env: PROGRAM)
        if name in schema.SYMBOLS:
            return Node("literal", e, STRING, lambda env: name)
        candidates = [*scope, *self.params, *schema.PROPOSAL.field_names(), *BUILTIN_NAMES,
                      "graph", "program", *schema.SYMBOLS]
        best = did_you_mean(name, candidates)
        self.error("CP201", f"unknown name '{name}'", e.span,
                   f"did you mean '{best}'?" if best else
                   "a name is a variable, a param, a top-level proposal field or an "
                   "enumeration value; write other text in double quotes")
        return Node("error", e, ANY, lambda env: V.UNKNOWN)

    # ------------------------------------------------------------ paths

    def c_attr(self, e: ast.Attr, scope: Mapping[str, Type]) -> Node:
        obj = self.expr(e.obj, scope)
        name = e.name
        t = obj.type
        record = fields_of(t, schema.RECORDS)
        if isinstance(t, RefT) and record is not None:
            return self._deref(e, obj, t.target, record, name)
        if isinstance(t, RecordT):
            f = t.field(name)
            if f is None:
                self._unknown_field(e, name, t)
                return Node("error", e, ANY, lambda env: V.UNKNOWN, (obj,))
            ftype = f.type
        elif t == ANY:
            ftype = ANY
        else:
            what = t.describe()
            hint = ("iterate over it with any/all/count, or pick one element with [index]"
                    if isinstance(t, (ListT, SetT)) else None)
            self.error("CP202", f"'{obj.text}' is a {what}; it has no field '{name}'", e.span, hint)
            return Node("error", e, ANY, lambda env: V.UNKNOWN, (obj,))
        get = obj.fn

        def attr(env: Env) -> Any:
            o = get(env)
            if isinstance(o, Mapping):
                v = o.get(name)
                return V.UNKNOWN if v is None else v
            return V.UNKNOWN
        oloc = obj.loc or _no_loc

        def attr_loc(env: Env) -> tuple[Any, ...] | None:
            base = oloc(env)
            return None if base is None else base + (name,)
        return Node("attr", e, ftype, attr, (obj,), attr_loc)

    def _deref(self, e: ast.Attr, obj: Node, target: str, record: RecordT, name: str) -> Node:
        f = record.field(name)
        if f is None:
            self._unknown_field(e, name, record)
            return Node("error", e, ANY, lambda env: V.UNKNOWN, (obj,))
        get = obj.fn

        def follow(env: Env) -> Any:
            ref = get(env)
            if not isinstance(ref, str):
                return V.UNKNOWN
            if target == "mandate" and name == "id":
                return ref.partition("/")[2] or V.UNKNOWN
            hit = env.ctx.elements(target).get(ref)
            if hit is None:
                return V.UNKNOWN
            v = hit.get(name)
            return V.UNKNOWN if v is None else v

        def follow_loc(env: Env) -> tuple[Any, ...] | None:
            ref = get(env)
            hit = env.ctx.index(target).get(ref) if isinstance(ref, str) else None
            return None if hit is None else hit[1] + (name,)
        return Node("deref", e, f.type, follow, (obj,), follow_loc,
                    info={"target": target, "field": name})

    def _unknown_field(self, e: ast.Attr, name: str, record: RecordT) -> None:
        best = did_you_mean(name, record.field_names())
        self.error("CP202", f"{record.name} has no field '{name}'", e.span,
                   f"did you mean '{best}'?" if best else
                   f"its fields are: {', '.join(record.field_names())}")

    def c_index(self, e: ast.Index, scope: Mapping[str, Type]) -> Node:
        obj = self.expr(e.obj, scope)
        idx = self.expr(e.index, scope)
        t = obj.type
        if isinstance(t, ListT):
            result = t.item
            if not (is_numeric(idx.type) or idx.type == ANY):
                self.error("CP203", f"a list is indexed by a number, not a {idx.type.describe()}",
                           e.index.span)
        elif isinstance(t, MapT):
            result = t.value
        elif t == ANY:
            result = ANY
        else:
            self.error("CP202", f"'{obj.text}' is a {t.describe()}; it cannot be indexed", e.span)
            return Node("error", e, ANY, lambda env: V.UNKNOWN, (obj, idx))
        get, key = obj.fn, idx.fn

        def index(env: Env) -> Any:
            return V.index(get(env), key(env))
        oloc = obj.loc or _no_loc

        def index_loc(env: Env) -> tuple[Any, ...] | None:
            base, k = oloc(env), key(env)
            if base is None or k is V.UNKNOWN:
                return None
            if isinstance(k, int) and k < 0:  # `activities[-1]` is a place counted from 0
                o = get(env)
                if isinstance(o, list) and -len(o) <= k:
                    k += len(o)
            return base + (k,)
        return Node("index", e, result, index, (obj, idx), index_loc)

    # ------------------------------------------------------------ operators

    def c_unary(self, e: ast.Unary, scope: Mapping[str, Type]) -> Node:
        operand = self.expr(e.operand, scope)
        f = operand.fn
        if e.op == "not":
            self._want_bool(operand, e.operand.span)
            return Node("not", e, BOOL, lambda env: V.not3(V.truth(f(env))), (operand,))
        if not (is_numeric(operand.type) or operand.type in (DURATION, ANY)):
            self.error("CP203", f"cannot negate a {operand.type.describe()}", e.span)
        return Node("neg", e, operand.type, lambda env: V.negate(f(env)), (operand,))

    def _want_bool(self, node: Node, span: Span) -> None:
        if node.type not in (BOOL, ANY):
            self.error("CP205", f"'{node.text}' is a {node.type.describe()}, not a condition", span,
                       "compare it with something, or test it with 'present'")

    def c_binary(self, e: ast.Binary, scope: Mapping[str, Type]) -> Node:
        left = self.expr(e.left, scope)
        right = self.expr(e.right, scope)
        op = e.op
        lf, rf = left.fn, right.fn
        kids = (left, right)
        if op in ("and", "or", "implies"):
            self._want_bool(left, e.left.span)
            self._want_bool(right, e.right.span)
            if op == "and":
                def and_(env: Env) -> Any:
                    a = V.truth(lf(env))
                    if a is False:
                        return False
                    return V.and3(a, V.truth(rf(env)))
                return Node("and", e, BOOL, and_, kids)
            if op == "or":
                def or_(env: Env) -> Any:
                    a = V.truth(lf(env))
                    if a is True:
                        return True
                    return V.or3(a, V.truth(rf(env)))
                return Node("or", e, BOOL, or_, kids)

            def implies(env: Env) -> Any:
                a = V.truth(lf(env))
                if a is False:
                    return True
                return V.implies3(a, V.truth(rf(env)))
            return Node("implies", e, BOOL, implies, kids)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            self._check_compare(e, left, right)
            pct = PERCENT in (left.type, right.type)

            def cmp(env: Env) -> Any:
                return V.compare(op, lf(env), rf(env))
            return Node("compare", e, BOOL, cmp, kids, info={"percent": pct})
        if op in ("in", "not in"):
            rt = right.type
            if not (is_collection(rt) or rt in (ANY, STRING) or is_stringy(rt)):
                self.error("CP204", f"'{right.text}' is a {rt.describe()}, not a collection", e.right.span)
            elif is_collection(rt) and not comparable(left.type, _key_or_item(rt)):
                self.error("CP203", f"'{left.text}' ({left.type.describe()}) can never be in "
                           f"'{right.text}' ({rt.describe()})", e.span)
            negate = op == "not in"

            def member(env: Env) -> Any:
                r = V.contains(rf(env), lf(env))
                return V.not3(r) if negate else r
            return Node("compare", e, BOOL, member, kids)
        return self._arith(e, left, right)

    def _check_compare(self, e: ast.Binary, left: Node, right: Node) -> None:
        lt, rt = left.type, right.type
        if not comparable(lt, rt):
            self.error("CP203", f"cannot compare {lt.describe()} with {rt.describe()}", e.span,
                       f"'{left.text}' is a {lt.describe()} and '{right.text}' a {rt.describe()}")
        elif e.op not in ("==", "!=") and not (ordered(lt) and ordered(rt)):
            bad = left if not ordered(lt) else right
            self.error("CP203", f"a {bad.type.describe()} has no order; '{e.op}' cannot compare it",
                       e.span)

    def _arith(self, e: ast.Binary, left: Node, right: Node) -> Node:
        op = e.op
        lt, rt = left.type, right.type
        result = _arith_type(op, lt, rt)
        if result is None:
            self.error("CP203", f"cannot apply '{op}' to {lt.describe()} and {rt.describe()}", e.span,
                       "dates take '+'/'-' a duration, and '-' another date" if DATE in (lt, rt)
                       else None)
            result = ANY
        lf, rf = left.fn, right.fn
        if result == PERCENT and op == "/":  # a share of two amounts reads as a percentage
            def share(env: Env) -> Any:
                v = V.arith(op, lf(env), rf(env))
                return v if v is V.UNKNOWN else Percent(v)
            return Node("arith", e, result, share, (left, right), info={"share": True})

        def arith(env: Env) -> Any:
            return V.arith(op, lf(env), rf(env))
        return Node("arith", e, result, arith, (left, right))

    def c_matches(self, e: ast.Matches, scope: Mapping[str, Type]) -> Node:
        subject = self.expr(e.subject, scope)
        if not (is_stringy(subject.type) or subject.type == ANY):
            self.error("CP203", f"'{subject.text}' is a {subject.type.describe()}; only text can "
                       "match a pattern", e.subject.span)
        import re2

        options = re2.Options()
        options.log_errors = False  # the diagnostic says it; re2 must not also write to stderr
        try:
            regex = re2.compile(e.pattern, options)
        except Exception as exc:  # noqa: BLE001 - re2's own error type, its message in bytes
            detail = exc.args[0] if exc.args else exc
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            self.error("CP207", f"invalid pattern: {detail}", e.pattern_span,
                       "patterns use RE2 syntax (no look-around, no back-references)")
            return Node("error", e, BOOL, lambda env: V.UNKNOWN, (subject,))
        f = subject.fn

        def matches(env: Env) -> Any:
            s = f(env)
            if s is V.UNKNOWN:
                return V.UNKNOWN
            return isinstance(s, str) and regex.search(s) is not None
        return Node("matches", e, BOOL, matches, (subject,), info={"regex": regex})

    def c_presence(self, e: ast.Presence, scope: Mapping[str, Type]) -> Node:
        subject = self.expr(e.subject, scope)
        f = subject.fn
        want = e.present

        def presence(env: Env) -> bool:
            v = f(env)
            return (v is not V.UNKNOWN and v is not None) is want
        return Node("presence", e, BOOL, presence, (subject,), info={"present": want})

    # ------------------------------------------------------------ collections

    def _collection(self, e: ast.Expr, scope: Mapping[str, Type]) -> Node:
        coll = self.expr(e, scope)
        if not (is_collection(coll.type) or coll.type == ANY):
            self.error("CP204", f"'{coll.text}' is a {coll.type.describe()}, not a collection", e.span)
        return coll

    def c_quantifier(self, e: ast.Quantifier, scope: Mapping[str, Type]) -> Node:
        coll = self._collection(e.collection, scope)
        inner = {**scope, e.var: element_type(coll.type)}
        where = self.expr(e.where, inner) if e.where is not None else None
        body = self.expr(e.body, inner)
        if where is not None:
            self._want_bool(where, e.where.span if e.where is not None else e.span)
        self._want_bool(body, e.body.span)
        var, cf, bf = e.var, coll.fn, body.fn
        wf = where.fn if where is not None else None
        is_any = e.kind == "any"

        def quantify(env: Env) -> Any:
            items = V.elements(cf(env))
            if items is V.UNKNOWN:
                return V.UNKNOWN
            saved = env.vars.get(var, _MISSING)
            saw_unknown = False
            try:
                for item in items:
                    env.vars[var] = item
                    if wf is not None:
                        w = V.truth(wf(env))
                        if w is False:
                            continue
                        if w is V.UNKNOWN:
                            saw_unknown = True
                            continue
                    r = V.truth(bf(env))
                    if r is V.UNKNOWN:
                        saw_unknown = True
                    elif r is is_any:
                        return is_any
            finally:
                _restore(env, var, saved)
            return V.UNKNOWN if saw_unknown else (not is_any)
        kids = (coll, body) if where is None else (coll, where, body)
        return Node("quantifier", e, BOOL, quantify, kids,
                    info={"var": var, "any": is_any, "where": where})

    def c_aggregate(self, e: ast.Aggregate, scope: Mapping[str, Type]) -> Node:
        coll = self._collection(e.collection, scope)
        item_type = element_type(coll.type)
        inner = {**scope, e.var: item_type} if e.var else scope
        where = self.expr(e.where, inner) if e.where is not None else None
        if where is not None:
            self._want_bool(where, e.where.span if e.where is not None else e.span)
        value = self.expr(e.expr, inner) if e.expr is not None else None
        vt = value.type if value is not None else item_type
        kind = e.kind
        if kind == "count":
            result: Type = NUMBER
        elif kind == "sum":
            if not (is_numeric(vt) or vt in (DURATION, ANY)):
                self.error("CP203", f"cannot sum {vt.describe()} values", e.span)
            result = vt
        elif kind == "union":
            if not (is_collection(vt) or vt == ANY):
                self.error("CP204", f"union(...) joins collections, not {vt.describe()} values",
                           e.span,
                           "write union(keys(line.by_year) for line in budget.lines)")
            result = ListT(element_type(vt)) if is_collection(vt) else ANY
        else:
            if not ordered(vt) and vt != DATE:
                self.error("CP203", f"{vt.describe()} values have no {kind}", e.span)
            result = vt
        var, cf = e.var, coll.fn
        wf = where.fn if where is not None else None
        vf = value.fn if value is not None else None

        def chosen(env: Env) -> Any:
            items = V.elements(cf(env))
            if items is V.UNKNOWN:
                return V.UNKNOWN
            if var is None or (wf is None and vf is None):
                return list(items)
            out = []
            saved = env.vars.get(var, _MISSING)
            try:
                for item in items:
                    env.vars[var] = item
                    if wf is not None:
                        w = V.truth(wf(env))
                        if w is V.UNKNOWN:
                            return V.UNKNOWN
                        if w is False:
                            continue
                    out.append(vf(env) if vf is not None else item)
            finally:
                _restore(env, var, saved)
            return out

        if kind == "count":
            def count(env: Env) -> Any:
                items = chosen(env)
                return V.UNKNOWN if items is V.UNKNOWN else len(items)
            fn: Fn = count
        elif kind == "sum":
            def sum_(env: Env) -> Any:
                items = chosen(env)
                return V.UNKNOWN if items is V.UNKNOWN else V.total(items)
            fn = sum_
        elif kind == "union":
            def union(env: Env) -> Any:
                items = chosen(env)
                return V.UNKNOWN if items is V.UNKNOWN else V.union(items)
            fn = union
        else:
            def extreme(env: Env) -> Any:
                items = chosen(env)
                return V.UNKNOWN if items is V.UNKNOWN else V.extreme(kind, items)
            fn = extreme
        kids = tuple(k for k in (coll, where, value) if k is not None)
        return Node("aggregate", e, result, fn, kids,
                    info={"var": var, "where": where, "value": value})

    def c_setlit(self, e: ast.SetLit, scope: Mapping[str, Type]) -> Node:
        items = [self.expr(i, scope) for i in e.items]
        item_type: Type = ANY
        for n in items:
            item_type = unify(item_type, n.type) if item_type != ANY else n.type
        fns = [n.fn for n in items]
        if all(n.kind == "literal" for n in items):
            const = frozenset(f(None) for f in fns)  # type: ignore[arg-type]
            return Node("literal", e, SetT(item_type), lambda env: const, tuple(items))

        def build(env: Env) -> Any:
            vals = [f(env) for f in fns]
            return V.UNKNOWN if any(v is V.UNKNOWN for v in vals) else frozenset(vals)
        return Node("set", e, SetT(item_type), build, tuple(items))

    def c_listlit(self, e: ast.ListLit, scope: Mapping[str, Type]) -> Node:
        items = [self.expr(i, scope) for i in e.items]
        item_type: Type = ANY
        for n in items:
            item_type = unify(item_type, n.type) if item_type != ANY else n.type
        fns = [n.fn for n in items]

        def build(env: Env) -> Any:
            return [f(env) for f in fns]
        return Node("list", e, ListT(item_type), build, tuple(items))

    # ------------------------------------------------------------ calls

    def c_call(self, e: ast.Call, scope: Mapping[str, Type]) -> Node:
        if e.receiver is not None:
            return self._graph_call(e, scope)
        if e.func not in FUNCTIONS:
            best = did_you_mean(e.func, FUNCTIONS)
            self.error("CP206", f"unknown function '{e.func}'", e.span,
                       f"did you mean '{best}'?" if best else f"functions: {', '.join(FUNCTIONS)}")
            return Node("error", e, ANY, lambda env: V.UNKNOWN)
        if len(e.args) != 1 or e.kwargs:
            self.error("CP206", f"{e.func}() takes exactly one argument", e.span)
            return Node("error", e, ANY, lambda env: V.UNKNOWN)
        arg = self.expr(e.args[0], scope)
        t = arg.type
        func = e.func
        if func in ("count", "len"):
            if not (is_collection(t) or is_stringy(t) or t == ANY):
                self.error("CP204", f"'{arg.text}' is a {t.describe()}; it has no length", e.span)
            return _call_node(e, NUMBER, lambda v: len(v), arg)
        if func in ("keys", "values"):
            if not (isinstance(t, MapT) or t == ANY):
                self.error("CP204", f"{func}() takes a map, not a {t.describe()}", e.span)
            rt: Type = ListT(t.key if func == "keys" else t.value) if isinstance(t, MapT) else ANY
            getter = (lambda v: list(v.keys())) if func == "keys" else (lambda v: list(v.values()))
            return _call_node(e, rt, getter, arg)
        if func == "year":
            if t not in (DATE, ANY):
                self.error("CP203", f"year() takes a date, not a {t.describe()}", e.span)
            return _call_node(e, NUMBER, lambda v: v.year, arg)
        if func in ("lower", "upper"):
            if not (is_stringy(t) or t == ANY):
                self.error("CP203", f"{func}() takes text, not a {t.describe()}", e.span)
            op = str.lower if func == "lower" else str.upper
            return _call_node(e, STRING, op, arg)
        if not (is_numeric(t) or t == ANY):
            self.error("CP203", f"abs() takes a number, not a {t.describe()}", e.span)
        return _call_node(e, t, abs, arg)

    # ------------------------------------------------------------ graph queries

    def c_lambda(self, e: ast.Lambda, scope: Mapping[str, Type]) -> Node:
        self.error("CP206", f"a node condition '{e.var} -> ...' is only an argument of a graph "
                   "query", e.span, "for example graph.reaches(body, n -> n.host, via: [reports_to])")
        return Node("error", e, ANY, lambda env: V.UNKNOWN)

    def c_edgekinds(self, e: ast.EdgeKinds, scope: Mapping[str, Type]) -> Node:
        self.error("CP206", "'via:' is only an argument of a graph query", e.span)
        return Node("error", e, ANY, lambda env: V.UNKNOWN)

    def _graph_call(self, e: ast.Call, scope: Mapping[str, Type]) -> Node:
        assert e.receiver is not None
        recv = self.expr(e.receiver, scope)
        if recv.type not in (GRAPH, ANY):
            self.error("CP206", f"'{recv.text}' is a {recv.type.describe()}; it has no method "
                       f"'{e.func}'", e.span,
                       "only the governance graph has methods: graph.nodes(...), "
                       "graph.reaches(...)...")
            return Node("error", e, ANY, lambda env: V.UNKNOWN)
        sig = GRAPH_METHODS.get(e.func)
        if sig is None:
            best = did_you_mean(e.func, GRAPH_METHODS)
            self.error("CP206", f"the graph has no method '{e.func}'", e.span,
                       f"did you mean '{best}'?" if best else
                       f"its methods are: {', '.join(GRAPH_METHODS)}")
            return Node("error", e, ANY, lambda env: V.UNKNOWN)
        if self._in_condition:
            self.error("CP206", f"graph.{e.func}() inside a node condition would run once per "
                       "node", e.span,
                       "keep conditions to the node's own fields; query the graph in the rule's "
                       "'for', 'let' or 'require' instead")
            return Node("error", e, sig.result, lambda env: V.UNKNOWN)
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
            return Node("error", e, sig.result, lambda env: V.UNKNOWN)
        steps = self._steps(kwargs.get("via"))
        kids: list[Node] = []
        node_fns = []
        for arg, role in zip(args, sig.positional):
            if role == "target" and isinstance(arg, ast.Lambda):
                cond = self._condition(arg, scope)
                kids.append(cond)
                node_fns.append(cond.fn)
            else:
                node = self._node_arg(arg, scope)
                kids.append(node)
                node_fns.append(node.fn)
        method = e.func
        if method == "nodes":
            kinds = self._kinds(kwargs.get("kind"), scope, _node_words(), "node category or kind")
            kids += [k for k in (kinds,) if k is not None]
            kf = kinds.fn if kinds is not None else None

            def nodes(env: Env) -> Any:
                wanted = kf(env) if kf is not None else None
                return V.UNKNOWN if wanted is V.UNKNOWN else env.ctx.graph.nodes(wanted)
            return Node("graph", e, sig.result, nodes, tuple(kids),
                        info={"method": method, "element_path": _node_path})
        if method == "edges":
            kinds = self._kinds(kwargs.get("kind"), scope, _edge_words(), "edge kind")
            ends = {end: self._node_arg(kwargs[end], scope) for end in ("from", "to")
                    if end in kwargs}
            kids += [k for k in (kinds, *ends.values()) if k is not None]
            kf = kinds.fn if kinds is not None else None
            sf = ends["from"].fn if "from" in ends else None
            tf = ends["to"].fn if "to" in ends else None

            def edges(env: Env) -> Any:
                wanted = kf(env) if kf is not None else None
                src = sf(env) if sf is not None else None
                dst = tf(env) if tf is not None else None
                if V.UNKNOWN in (wanted, src, dst):
                    return V.UNKNOWN
                return env.ctx.graph.edges(wanted, src, dst)
            return Node("graph", e, sig.result, edges, tuple(kids),
                        info={"method": method, "element_path": _edge_path})
        if method == "cycles":
            def cycles(env: Env) -> Any:
                g = env.ctx.graph
                return [g.walk(cycle)[:-1] for cycle in g.cycles(steps)]
            return Node("graph", e, sig.result, cycles, tuple(kids),
                        info={"method": method, "steps": steps})
        start = node_fns[0]
        if method in ("successors", "predecessors", "reachable"):
            def neighbours(env: Env) -> Any:
                key = start(env)
                if key is V.UNKNOWN:
                    return V.UNKNOWN
                g = env.ctx.graph
                if method == "reachable":
                    return g.reachable(key, steps)
                return g.successors(key, steps) if method == "successors" else \
                    g.predecessors(key, steps)
            return Node("graph", e, sig.result, neighbours, tuple(kids),
                        info={"method": method, "steps": steps, "element_path": _node_path})
        target = node_fns[1]
        # A target that reads no variable is the same for every node asked about: one
        # search backwards from it answers them all (graph.Reach), kept for the proposal.
        shared = not kids[1].free

        def reach(env: Env, goal: Any) -> Any:
            key = (search, goal) if isinstance(goal, str) else search
            found = env.ctx.memo.get(key)
            if found is None:
                test = (lambda k: k == goal) if isinstance(goal, str) else goal
                found = env.ctx.memo[key] = env.ctx.graph.reach(test, steps)
            return found

        def search(env: Env, limit: int | None = None) -> Any:
            """The Search from the node: the path found, else (cut at `limit` nodes when
            the search is shared) what it reached."""
            key = start(env)
            goal = target(env)
            if key is V.UNKNOWN or goal is V.UNKNOWN:
                return None
            if shared:
                return reach(env, goal).search(key, limit)
            return env.ctx.graph.search(key, goal, steps)
        if method == "reaches":
            def reaches(env: Env) -> Any:
                key = start(env)
                goal = target(env)
                if key is V.UNKNOWN or goal is V.UNKNOWN:
                    return V.UNKNOWN
                if shared:
                    found = reach(env, goal).decide(key)
                    return V.UNKNOWN if found is None else found
                searched = env.ctx.graph.search(key, goal, steps)
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
        return Node("graph", e, sig.result, fn, tuple(kids),
                    info={"method": method, "steps": steps, "search": search,
                          "element_path": _node_path})

    def _steps(self, via: ast.Expr | None) -> tuple[Any, ...] | None:
        """The `via:` edge kinds as graph steps; None (every edge, forwards) without one."""
        if via is None:
            return None
        from .graph import Step
        if not isinstance(via, ast.EdgeKinds):  # pragma: no cover - the grammar forbids it
            self.error("CP206", "'via:' takes a list of edge kinds", via.span)
            return None
        words = _edge_words()
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
            return Node("literal", arg, SetT(STRING), lambda env: const)
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
        return Node("kinds", arg, SetT(STRING), kinds, (node,))

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
            return Node("error", arg, NODE, lambda env: V.UNKNOWN, (node,))
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
        return Node("node", arg, NODE, key, (node,), node.loc)

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
                saved = env.vars.get(var, _MISSING)
                env.vars[var] = key
                try:
                    return V.truth(bf(env))
                except V.EvalProblem:
                    return V.UNKNOWN
                finally:
                    _restore(env, var, saved)
            return test
        return Node("condition", e, ANY, condition, (body,), info={"var": var})


def _node_path(env: Env, key: Any) -> tuple[Any, ...] | None:
    info = env.ctx.graph.node(key) if isinstance(key, str) else None
    return info.path if info is not None else None


def _edge_path(env: Env, edge: Any) -> tuple[Any, ...] | None:
    path = getattr(edge, "path", None)
    return tuple(path) if path is not None else None


def _call_node(e: ast.Call, type_: Type, op: Callable[[Any], Any], arg: Node) -> Node:
    f = arg.fn
    text = unparse(e)

    def call(env: Env) -> Any:
        return V.apply(op, text, f(env))
    return Node("call", e, type_, call, (arg,), text=text, info={"op": op})


_MISSING = object()


def _restore(env: Env, var: str, saved: Any) -> None:
    if saved is _MISSING:
        env.vars.pop(var, None)
    else:
        env.vars[var] = saved


def _key_or_item(t: Type) -> Type:
    return t.key if isinstance(t, MapT) else element_type(t)


def _arith_type(op: str, lt: Type, rt: Type) -> Type | None:
    if ANY in (lt, rt):
        return ANY
    if op in "+-":
        if lt == DATE and rt == DURATION:
            return DATE
        if op == "+" and lt == DURATION and rt == DATE:
            return DATE
        if op == "-" and lt == DATE and rt == DATE:
            return DURATION
        if lt == DURATION and rt == DURATION:
            return DURATION
        if is_numeric(lt) and is_numeric(rt):
            if lt == rt:
                return lt if lt != Prim("year") else NUMBER
            return MONEY if MONEY in (lt, rt) else NUMBER
        return None
    if is_numeric(lt) and is_numeric(rt):
        if op == "*":
            return MONEY if MONEY in (lt, rt) else NUMBER
        if lt == MONEY and rt != MONEY:
            return MONEY
        if lt == MONEY and rt == MONEY:
            return PERCENT
        return NUMBER
    return None
