"""Analyse and compile expressions: names resolved, types checked, closures built.

Every expression becomes a typed node (nodes.py): its type, a closure `fn(env)`
computing its value (the reference meaning of the construct: what explanations read,
and what the generated code of codegen.py is tested against), `loc(env)` giving the
concrete place in the proposal a path expression reads (used only to explain), and its
children. Builtin functions are compiled from their registry (builtins.py), graph
queries from theirs (graphquery.py). Static errors are collected as CP2xx diagnostics;
nothing runs until a whole ruleset compiles cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..base.errors import Diagnostic, did_you_mean
from ..base.record import Record
from ..base.span import Span
from ..graph.parts import PROGRAM
from ..lang import ast
from ..lang import values as V
from ..lang.ast import Money
from ..lang.types import (
    ANY,
    BOOL,
    COUNTRY,
    DATE,
    DURATION,
    MONEY,
    NUMBER,
    PERCENT,
    STRING,
    EnumT,
    ListT,
    MapT,
    Prim,
    RecordT,
    RefT,
    SetT,
    Type,
    comparable,
    element_type,
    fields_of,
    is_collection,
    is_numeric,
    is_stringy,
    ordered,
    unify,
)
from ..lang.unparse import unparse
from ..proposal import schema
from .builtins import FUNCTIONS
from .graphquery import GRAPH, GRAPH_METHODS, NODE, GraphQueries
from .nodes import (
    MEMOISED,
    Aggregate,
    And,
    Arith,
    Attr,
    Builtin,
    Call,
    Compare,
    Deref,
    Error,
    Graph,
    Implies,
    Index,
    ListNode,
    Literal,
    Matches,
    Neg,
    Node,
    Not,
    Or,
    Param,
    Presence,
    Quantifier,
    Root,
    SetNode,
    Var,
    element_path,
    outer_kids,
    replace as replace_node,
)
from .regex import PatternError, compile_pattern
from .runtime import (MANDATE_OWNER, Context, Env, Fn, covered, mandate_owner, memoised,
                      recorded, truth_of)

_set = object.__setattr__

LITERAL_TYPES: dict[str, Type] = {
    "bool": BOOL, "number": NUMBER, "percent": PERCENT, "money": MONEY, "string": STRING,
    "date": DATE, "duration": DURATION, "country": COUNTRY,
}
BUILTIN_NAMES: dict[str, Type] = {"as_of": DATE}


class ParamValue(Record):
    """A param as the effective ruleset settles it: type, value, who set it (a record,
    base/record.py: not made by attrs at every start)."""

    __slots__ = ("name", "type", "value", "display", "origin")
    name: str
    type: Type
    value: Any
    display: str
    origin: Any  # findings.Provenance

    def __init__(self, name: str, type: Type, value: Any, display: str, origin: Any) -> None:
        _set(self, "name", name)
        _set(self, "type", type)
        _set(self, "value", value)
        _set(self, "display", display)
        _set(self, "origin", origin)


#: the kinds of node whose closure keeps its value for the explanation (Env.record): each
#: computes from other nodes' values; a variable, a top-level field, a constant, a field
#: of a value or an element at an index is read again more cheaply than every evaluation
#: of it would keep it (an explanation reads few of those it evaluates), and the parts of
#: a node condition are not explained
RECORDED = frozenset({
    Deref, Not, Neg, And, Or, Implies, Compare, Arith, Matches, Presence,
    Quantifier, Aggregate, SetNode, ListNode, Call, Graph})


def _no_loc(env: Env) -> None:
    return None


def _money_constant(left: Node, right: Node) -> Any:
    """The money literal or param a comparison holds against a value read from the
    proposal (whose amounts are plain numbers in funding.currency), if any."""
    for const, other in ((left, right), (right, left)):
        if isinstance(const, (Literal, Param)) and not isinstance(other, (Literal, Param)):
            if isinstance(const.value, Money):
                return const.value
    return None


class Compiler(GraphQueries):
    """Compiles the expressions of one effective ruleset: each expression to the typed
    node of its kind (nodes.py), its closure made, its diagnostics collected."""

    params: Mapping[str, ParamValue]

    def __init__(self, params: Mapping[str, ParamValue], shared: dict[Any, Any] | None = None,
                 ) -> None:
        self.params = params
        self.shared = {} if shared is None else shared  # the ruleset's lets (lets.py)
        self.errors: list[Diagnostic] = []
        self.used_params: set[str] = set()
        #: the lets that may hold a money value of the rule (`holds_money`)
        self.money_lets: set[str] = set()
        #: whether a money literal or param has been compiled: until then no value of a
        #: rule can be money, and `holds_money` is not asked (the shipped rules have none)
        self.money_seen = False
        self._enum: EnumT | None = None  # compared with, so a near-miss name is sought in it
        self._in_condition = 0  # inside `n -> ...`, where graph queries are not allowed
        self.definitions: Mapping[str, object] = {}  # the chain's, by name (lets.py)

    def holds_money(self, node: Node) -> bool:
        """Whether `node` may compute to a money value of the rule (a money literal or
        param inside it, or a let made of one), which a comparison with the proposal's
        plain amounts must hold to funding.currency. May say so of more than that: the
        comparison asks at run time."""
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, (Literal, Param)) and isinstance(n.value, Money) \
                    or isinstance(n, Var) and n.name in self.money_lets:
                return True
            stack.extend(n.kids)
        return False

    def error(self, code: str, message: str, span: Span, help_: str | None = None) -> None:
        self.errors.append(Diagnostic(code, message, span, help_))

    # ------------------------------------------------------------ names

    def expr(self, e: ast.Expr, scope: Mapping[str, Type]) -> Node:
        node = _COMPILE[type(e)](self, e, scope)
        if isinstance(node, MEMOISED) and not node.free:
            # the parent's closure takes it from here
            node = replace_node(node, fn=memoised(node.fn))
        if node.__class__ in RECORDED and not self._in_condition:
            # set before any parent takes the closure: the node is not yet seen by anyone
            object.__setattr__(node, "fn", recorded(node.fn))
        return node

    def c_literal(self, e: ast.Literal, scope: Mapping[str, Type]) -> Node:
        value = e.value
        if value.__class__ is Money:
            self.money_seen = True
        return Literal(e, LITERAL_TYPES[e.kind], lambda env: value, value=value)

    def c_name(self, e: ast.Name, scope: Mapping[str, Type]) -> Node:
        name = e.id
        if name in scope:
            def var(env: Env) -> Any:
                return env.vars[name]

            def var_loc(env: Env) -> tuple[Any, ...] | None:
                return env.paths.get(name)
            return Var(e, scope[name], var, loc=var_loc, name=name)
        if name in self.definitions:
            return self.defined(e, name)
        if name in self.params:
            self.used_params.add(name)
            p = self.params[name]
            if name in schema.SYMBOLS and p.origin is not None \
                    and p.origin.span.file != e.span.file:  # an enumeration value it hides
                self.error("CP216", f"param {name} has the name of an enumeration value that "
                           f"a rule reads ({e.span.file}:{e.span.line})", p.origin.span,
                           "give the param another name: a param comes before an enumeration "
                           f"value, so that rule would read the param instead of `{name}`")
            value = p.value
            if value.__class__ is Money:
                self.money_seen = True
            return Param(e, p.type, lambda env: value, name=name, value=value)
        field = schema.PROPOSAL.field(name)
        if field is not None:
            def root(env: Env) -> Any:
                v = env.ctx.data.get(name)
                return V.UNKNOWN if v is None else v
            path = (name,)
            return Root(e, field.type, root, loc=lambda env: path, name=name)
        if name in BUILTIN_NAMES:
            return Builtin(e, BUILTIN_NAMES[name], lambda env: env.ctx.as_of, name=name)
        if name == "graph":
            return Builtin(e, GRAPH, lambda env: env.ctx.graph, name=name)
        if name == "program":
            return Builtin(e, NODE, lambda env: PROGRAM, name=name)
        if name in schema.SYMBOLS:
            return Literal(e, STRING, lambda env: name, value=name)
        candidates = list(self._enum.values) if self._enum is not None else [
            *scope, *self.params, *schema.PROPOSAL.field_names(), *BUILTIN_NAMES, "graph",
            "program", *schema.SYMBOLS]
        best = did_you_mean(name, candidates)
        self.error("CP201", f"unknown name '{name}'", e.span,
                   f"did you mean '{best}'?" if best else
                   "a name is a variable, a param, a top-level proposal field or an "
                   "enumeration value; write other text in double quotes")
        return Error(e, ANY, _unknown)

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
                return Error(e, ANY, _unknown, (obj,))
            ftype = f.type
        elif t == ANY:
            ftype = ANY
        else:
            what = t.describe()
            hint = ("iterate over it with any/all/count, or pick one element with [index]"
                    if isinstance(t, (ListT, SetT)) else None)
            self.error("CP202", f"'{obj.text}' is a {what}; it has no field '{name}'", e.span, hint)
            return Error(e, ANY, _unknown, (obj,))
        get = obj.fn

        def attr(env: Env) -> Any:
            o = get(env)
            if o.__class__ is dict or isinstance(o, Mapping):
                v = o.get(name)
                return V.UNKNOWN if v is None else v
            return V.UNKNOWN
        oloc = obj.loc or _no_loc

        def attr_loc(env: Env) -> tuple[Any, ...] | None:
            base = oloc(env)
            return None if base is None else base + (name,)
        return Attr(e, ftype, attr, (obj,), attr_loc, name=name)

    def _deref(self, e: ast.Attr, obj: Node, target: str, record: RecordT, name: str) -> Node:
        if target == "mandate" and name == MANDATE_OWNER:
            return self._mandate_owner(e, obj)
        f = record.field(name)
        if f is None:
            self._unknown_field(e, name, record)
            return Error(e, ANY, _unknown, (obj,))
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
        return Deref(e, f.type, follow, (obj,), follow_loc, target=target, field=name)

    def _mandate_owner(self, e: ast.Attr, obj: Node) -> Node:
        """`act.mandate.owner`: the organisation a mandate is of, the part of its reference
        before the `/` (`xa-cirt/incident-response` is xa-cirt's), as a reference to that
        organisation: `act.mandate.owner.country`, `.kind`."""
        get = obj.fn

        def owner(env: Env) -> Any:
            ref = get(env)
            return mandate_owner(ref) if isinstance(ref, str) else V.UNKNOWN

        def owner_loc(env: Env) -> tuple[Any, ...] | None:
            ref = get(env)
            org = mandate_owner(ref) if isinstance(ref, str) else None
            hit = env.ctx.index("organisation").get(org) if isinstance(org, str) else None
            return None if hit is None else hit[1]
        return Deref(e, RefT("organisation"), owner, (obj,), owner_loc, target="mandate",
                     field=MANDATE_OWNER)

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
            return Error(e, ANY, _unknown, (obj, idx))
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
        return Index(e, result, index, (obj, idx), index_loc)

    # ------------------------------------------------------------ operators

    def c_unary(self, e: ast.Unary, scope: Mapping[str, Type]) -> Node:
        operand = self.expr(e.operand, scope)
        f = operand.fn
        if e.op not in ast.UNARY_OPS:  # the grammar makes none other; a forged tree might
            raise AssertionError(f"no operator {e.op[:20]!r} in the language")
        if e.op == "not":
            self._want_bool(operand, e.operand.span)
            return Not(e, BOOL, lambda env: V.not3(V.truth(f(env))), (operand,))
        if not (is_numeric(operand.type) or operand.type in (DURATION, ANY)):
            self.error("CP203", f"cannot negate a {operand.type.describe()}", e.span)
        return Neg(e, operand.type, lambda env: V.negate(f(env)), (operand,))

    def template(self, t: ast.Template | None, scope: Mapping[str, Type],
                 holes: dict[tuple[str, ...], Node]) -> tuple[str | Node, ...] | None:
        """A text's parts compiled (None: no text). A hole that names a value (`{act.id}`)
        is compiled once for all the rule's texts (`holes`): its translations name the same
        values, and a rule's dozen translated texts were a quarter of the compiling of
        every run."""
        if t is None:
            return None
        parts: list[str | Node] = []
        for part in t.parts:
            if isinstance(part, str):
                parts.append(part)
                continue
            path = _named(part)
            node = holes.get(path) if path is not None else None
            if node is None:
                errors = len(self.errors)
                node = self.expr(part, scope)
                if path is not None and len(self.errors) == errors:  # a wrong hole: each said
                    holes[path] = node
            parts.append(node)
        return tuple(parts)

    def _want_bool(self, node: Node, span: Span) -> None:
        if node.type not in (BOOL, ANY):
            self.error("CP205", f"'{node.text}' is a {node.type.describe()}, not a condition", span,
                       "compare it with something, or test it with 'present'")

    def c_binary(self, e: ast.Binary, scope: Mapping[str, Type]) -> Node:
        left = self.expr(e.left, scope)
        if e.op in ("==", "!=") and isinstance(left.type, EnumT):
            self._enum = left.type
        right = self.expr(e.right, scope)
        self._enum = None
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
                return And(e, BOOL, and_, kids)
            if op == "or":
                def or_(env: Env) -> Any:
                    a = V.truth(lf(env))
                    if a is True:
                        return True
                    return V.or3(a, V.truth(rf(env)))
                return Or(e, BOOL, or_, kids)

            def implies(env: Env) -> Any:
                a = V.truth(lf(env))
                if a is False:
                    return True
                return V.implies3(a, V.truth(rf(env)))
            return Implies(e, BOOL, implies, kids)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            self._check_compare(e, left, right)
            pct = PERCENT in (left.type, right.type)

            money = _money_constant(left, right)
            if money is not None:  # amounts of the proposal are in funding.currency
                def cmp_money(env: Env) -> Any:
                    return V.same_currency(money, env.ctx.data, lambda: V.compare(
                        op, lf(env), rf(env)))
                return Compare(e, BOOL, cmp_money, kids, op=op, percent=pct,
                               currency=money.currency)
            if self.money_seen and MONEY in (left.type, right.type) \
                    and (self.holds_money(left) or self.holds_money(right)):
                def cmp_computed(env: Env) -> Any:  # a money value made of one: its
                    return V.compare_money(op, lf(env), rf(env), env.ctx.data)  # currency
                return Compare(e, BOOL, cmp_computed, kids, op=op, percent=pct, currency="")

            def cmp(env: Env) -> Any:
                return V.compare(op, lf(env), rf(env))
            return Compare(e, BOOL, cmp, kids, op=op, percent=pct)
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
            return Compare(e, BOOL, member, kids, op=op)
        if op not in ast.ARITH_OPS:  # the grammar makes none other; a forged tree might
            raise AssertionError(f"no operator {op[:20]!r} in the language")
        return self._arith(e, left, right)

    def _check_compare(self, e: ast.Binary, left: Node, right: Node) -> None:
        lt, rt = left.type, right.type
        text = right.value if isinstance(right, Literal) else None
        if isinstance(lt, EnumT) and isinstance(text, str) and text not in lt.values:
            best = did_you_mean(text, lt.values)
            self.error("CP203", f"'{left.text}' can never be \"{text}\": it is one of "
                       f"{', '.join(lt.values)} ({lt.name})", e.right.span,
                       f"did you mean '{best}'?" if best else None)
            return
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
                return V.share(V.arith(op, lf(env), rf(env)))
            return Arith(e, result, share, (left, right), op=op, share=True)

        def arith(env: Env) -> Any:
            return V.arith(op, lf(env), rf(env))
        return Arith(e, result, arith, (left, right), op=op)

    def c_matches(self, e: ast.Matches, scope: Mapping[str, Type]) -> Node:
        subject = self.expr(e.subject, scope)
        if not (is_stringy(subject.type) or subject.type == ANY):
            self.error("CP203", f"'{subject.text}' is a {subject.type.describe()}; only text can "
                       "match a pattern", e.subject.span)
        pattern = e.pattern
        if e.param is not None:  # `matches NAME`: a string param, checked here like a literal
            p = self.params.get(e.param)
            if p is None or not isinstance(p.value, str):
                self.error("CP203", f"'{e.param}' is not a string param; `matches` takes a "
                           "pattern in quotes or a string param", e.pattern_span)
                return Error(e, BOOL, _unknown, (subject,))
            self.used_params.add(e.param)
            pattern = p.value
        try:
            regex = compile_pattern(pattern)
        except PatternError as exc:
            detail = str(exc)
            origin = self.params[e.param].origin if e.param is not None else None
            if origin is not None and origin.span.file != e.pattern_span.file:
                # the value was set in another file (a national layer's `set`): said there,
                # where it can be mended, with the rule that reads it named
                self.error("CP207", f"invalid pattern for {e.param}: {detail}", origin.span,
                           f"patterns use RE2 syntax (no look-around, no back-references); "
                           f"the rule at {e.pattern_span.file}:{e.pattern_span.line} matches "
                           f"with it")
            else:
                self.error("CP207", f"invalid pattern: {detail}", e.pattern_span,
                           "patterns use RE2 syntax (no look-around, no back-references)")
            return Error(e, BOOL, _unknown, (subject,))
        f = subject.fn

        def matches(env: Env) -> Any:
            s = f(env)
            if s is V.UNKNOWN:
                return V.UNKNOWN
            return isinstance(s, str) and regex.search(s)
        return Matches(e, BOOL, matches, (subject,), regex=regex)

    def c_presence(self, e: ast.Presence, scope: Mapping[str, Type]) -> Node:
        subject = self.expr(e.subject, scope)
        f = subject.fn
        want = e.present

        def presence(env: Env) -> bool:
            v = f(env)
            return (v is not V.UNKNOWN and v is not None) is want
        return Presence(e, BOOL, presence, (subject,), present=want)

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
        wt = truth_of(where.fn) if where is not None else None
        is_any = e.kind == "any"

        def quantify(env: Env) -> Any:
            items = V.elements(cf(env))
            if items is V.UNKNOWN:
                return V.UNKNOWN
            undecided: list[Any] = []
            saw_unknown = False
            for _ in covered(env, var, items, wt, undecided.append):
                r = V.truth(bf(env))
                if r is V.UNKNOWN:
                    saw_unknown = True
                elif r is is_any:
                    return is_any
            return V.UNKNOWN if saw_unknown or undecided else (not is_any)
        kids = (coll, body) if where is None else (coll, where, body)
        return Quantifier(e, BOOL, quantify, kids, var=var, where=where, is_any=is_any)

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
        wt = truth_of(where.fn) if where is not None else None
        vf = value.fn if value is not None else None

        def chosen(env: Env) -> Any:
            items = V.elements(cf(env))
            if items is V.UNKNOWN:
                return V.UNKNOWN
            if var is None or (wt is None and vf is None):
                return list(items)
            undecided: list[Any] = []
            out = [vf(env) if vf is not None else item
                   for item in covered(env, var, items, wt, undecided.append, stop=True)]
            return V.UNKNOWN if undecided else out

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
        return Aggregate(e, result, fn, kids, var=var, where=where, kind=kind, value=value)

    def c_setlit(self, e: ast.SetLit, scope: Mapping[str, Type]) -> Node:
        items = [self.expr(i, scope) for i in e.items]
        item_type: Type = ANY
        for n in items:
            item_type = unify(item_type, n.type) if item_type != ANY else n.type
        fns = [n.fn for n in items]
        literals = [n for n in items if isinstance(n, Literal)]
        if len(literals) == len(items):
            const = frozenset(n.value for n in literals)
            return Literal(e, SetT(item_type), lambda env: const, tuple(items), value=const)

        def build(env: Env) -> Any:
            vals = [f(env) for f in fns]
            return V.UNKNOWN if any(v is V.UNKNOWN for v in vals) else frozenset(vals)
        return SetNode(e, SetT(item_type), build, tuple(items))

    def c_listlit(self, e: ast.ListLit, scope: Mapping[str, Type]) -> Node:
        items = [self.expr(i, scope) for i in e.items]
        item_type: Type = ANY
        for n in items:
            item_type = unify(item_type, n.type) if item_type != ANY else n.type
        fns = [n.fn for n in items]

        def build(env: Env) -> Any:
            return [f(env) for f in fns]
        return ListNode(e, ListT(item_type), build, tuple(items))

    # ------------------------------------------------------------ calls

    def c_call(self, e: ast.Call, scope: Mapping[str, Type]) -> Node:
        if e.receiver is not None:
            return self._graph_call(e, scope)
        func = FUNCTIONS.get(e.func)
        if func is None:
            best = did_you_mean(e.func, FUNCTIONS)
            self.error("CP206", f"unknown function '{e.func}'", e.span,
                       f"did you mean '{best}'?" if best else f"functions: {', '.join(FUNCTIONS)}")
            return Error(e, ANY, _unknown)
        if len(e.args) != 1 or e.kwargs:
            self.error("CP206", f"{e.func}() takes exactly one argument", e.span)
            return Error(e, ANY, _unknown)
        arg = self.expr(e.args[0], scope)
        t = arg.type
        if not (t == ANY or func.accepts(t)):
            code, message = func.refusal
            self.error(code, message.format(func=e.func, arg=arg.text, type=t.describe()), e.span)
        op, f, text = func.op, arg.fn, unparse(e)

        def call(env: Env) -> Any:
            return V.apply(op, text, f(env))
        return Call(e, func.result(t), call, (arg,), given_text=text, func=e.func, op=op)

    # ------------------------------------------------------------ graph queries

    def c_lambda(self, e: ast.Lambda, scope: Mapping[str, Type]) -> Node:
        self.error("CP206", f"a node condition '{e.var} -> ...' is only an argument of a graph "
                   "query", e.span, "for example graph.reaches(body, n -> n.host, via: [reports_to])")
        return Error(e, ANY, _unknown)

    def c_edgekinds(self, e: ast.EdgeKinds, scope: Mapping[str, Type]) -> Node:
        self.error("CP206", "'via:' is only an argument of a graph query", e.span)
        return Error(e, ANY, _unknown)


def _unknown(env: Env) -> Any:
    return V.UNKNOWN


#: the compiling method for each kind of expression
_COMPILE: dict[type, Callable[[Compiler, Any, Mapping[str, Type]], Node]] = {
    ast.Literal: Compiler.c_literal, ast.Name: Compiler.c_name, ast.Attr: Compiler.c_attr,
    ast.Index: Compiler.c_index, ast.Unary: Compiler.c_unary, ast.Binary: Compiler.c_binary,
    ast.Matches: Compiler.c_matches, ast.Presence: Compiler.c_presence,
    ast.Quantifier: Compiler.c_quantifier, ast.Aggregate: Compiler.c_aggregate,
    ast.SetLit: Compiler.c_setlit, ast.ListLit: Compiler.c_listlit, ast.Call: Compiler.c_call,
    ast.Lambda: Compiler.c_lambda, ast.EdgeKinds: Compiler.c_edgekinds,
}


def _key_or_item(t: Type) -> Type:
    return t.key if isinstance(t, MapT) else element_type(t)


def _arith_type(op: str, lt: Type, rt: Type) -> Type | None:
    if ANY in (lt, rt):
        return ANY
    if op in ("+", "-"):
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


__all__ = [
    "BUILTIN_NAMES", "FUNCTIONS", "GRAPH", "GRAPH_METHODS", "LITERAL_TYPES", "MEMOISED", "NODE",
    "Compiler", "Context", "Env", "Node", "ParamValue", "covered", "element_path", "outer_kids",
]


def _named(expr: ast.Expr) -> tuple[str, ...] | None:
    """The names of a hole that is a name or a dotted path (`act.id`), else None."""
    names: list[str] = []
    while type(expr) is ast.Attr:
        names.append(expr.name)
        expr = expr.obj
    if type(expr) is not ast.Name:
        return None
    names.append(expr.id)
    return tuple(names)
