"""Rules compiled to Python functions that decide verdicts, without explaining them.

`compile.py` turns every expression into a tree of typed nodes (nodes.py), each with
its closure, its text and where in the proposal it reads, so that a failing rule can
be explained. Deciding through the closures costs a call, a dictionary lookup and a
three-valued test per node. This module writes, from the same typed tree (dispatching
on each node's class, `_WRITE`), the source of one Python function per
rule in which every node is a few inline statements on local variables, compiles it
once, and keeps it on the rule:

- `decide(ctx, env, item)`: the outcome of the rule for one element of its `for` (or
  for the whole proposal): "pass", "fail", "unknown" or "not-applicable". Given an
  `Env`, it leaves the rule's `let` values in `env.vars`, as the explaining path does.
- `verdict(ctx)`: the outcome of the whole rule: the worst over its elements.

`batch(rules, fallback)` writes the verdicts of a whole set of rules as one function,
each rule in turn, sharing the reads of top-level fields and id indexes: what
`evaluate.verdicts` runs once the same rules decide a second proposal.

The generated code is the closures' semantics, statement for statement: the same
three-valued logic, the same order of evaluation and short-circuits, the same helpers
from `values` wherever a value is not a plain string, number or date, and the same
EvalProblem where a value cannot be computed. What it does not write inline (graph
queries and node conditions) it calls as the closure itself, with the variables in
scope copied into the `Env` first. A rule whose source Python will not compile (too
deeply nested) keeps a decide made of its closures. tests/test_codegen.py holds both
paths to the same verdicts on every shipped ruleset, the examples, generated
proposals and generated expressions; tests/test_engine.py holds them, and the
explanation's outcome and the missing fields it names, to one meaning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..graph.parts import PROGRAM
from ..lang import values as V
from ..lang.ast import ARITH_OPS, COMPARE_OPS, Percent
from ..lang.types import is_stringy
from .builtins import FUNCTIONS
from .nodes import (
    MEMOISED,
    Aggregate,
    And,
    Arith,
    Attr,
    Builtin,
    Call,
    Compare,
    Condition,
    Deref,
    Error,
    Graph,
    GraphNode,
    Implies,
    Index,
    Kinds,
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
)
from .runtime import MANDATE_OWNER, Context, Decide, Env, Verdict, mandate_owner

if TYPE_CHECKING:
    from .rules import CompiledRule


#: outcomes from best to worst: a rule's verdict is the worst of its elements'
RANK = {"not-applicable": 0, "pass": 1, "unknown": 2, "fail": 3}

#: kinds of node whose value is always True, False or UNKNOWN
_BOOLEAN = (Compare, And, Or, Implies, Not, Presence, Matches, Quantifier)
#: kinds of node run as their closure
_CLOSURE = (Graph, Kinds, GraphNode, Condition, Error, Builtin)
#: kinds of node whose value, read from the proposal, is UNKNOWN where the data has None
_NEVER_NONE = (Root, Attr, Deref, Index)
_PLAIN = frozenset({str, int, float, dt.date})  # compared and ordered as they are


_HELPERS: dict[str, Any] = {
    "UNKNOWN": V.UNKNOWN, "EvalProblem": V.EvalProblem, "Mapping": Mapping,
    "_truth": V.truth, "_compare": V.compare, "_contains": V.contains, "_arith": V.arith,
    "_negate": V.negate, "_elements": V.elements, "_total": V.total, "_extreme": V.extreme,
    "_union": V.union,
    "_index": V.index, "_apply": V.apply, "_Percent": Percent, "_share": V.share, "_PLAIN": _PLAIN,
    "_Env": Env,
}


class _Unsupported(Exception):
    """A node this module has no inline code for and no closure to call."""


class Writer:
    """The source of one rule's functions, and the constants it refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.consts: dict[str, Any] = dict(_HELPERS)
        self._const_ids: dict[int, str] = {}
        self._n = 0
        self.targets: dict[str, str] = {}  # target -> local holding ctx.elements(target)
        self.closures = False  # whether any node is run as its closure (needs an Env)
        # Reads of the proposal already made in the block being written or around it:
        # (what, of what, name) -> the local holding the value. The proposal does not
        # change while a rule runs, so `act.partners` read twice is read once.
        self.memo: dict[tuple[str, ...], str] = {}
        # top-level fields, read once at the top of the function being written
        self.prelude: list[str] = []
        self.roots: dict[str, str] = {}
        # inside a loop over elements (a `for` rule's decide, a quantifier or aggregate)
        self.looping = 0
        # where a rule's outcome goes: None, `return` it; else the key under which it is
        # stored in `out` before leaving the `while True:` the rule is written in
        self.store: str | None = None
        # the rule's check, when a quantifier that explaining walks again: the decide
        # written for the explaining path leaves in env.stopped where its walk stopped
        self.resume: Node | None = None

    def function(self) -> None:
        """Start the body of another function."""
        self.lines, self.prelude, self.roots, self.memo = [], [], {}, {}
        self.store = None

    def section(self, rule_id: str) -> None:
        """Start another rule within the one function that decides all of them: the
        top-level fields read so far stay read."""
        self.lines, self.memo, self.closures = [], {}, False
        self.store = repr(rule_id)

    def outcome(self, ind: int, value: str) -> None:
        """The rule's outcome is `value`: return it, or store it and leave the rule."""
        if self.store is None:
            self.emit(ind, f"return {value}")
        else:
            self.emit(ind, f"out[{self.store}] = {value}")
            self.emit(ind, "break")

    @contextmanager
    def block(self) -> Iterator[None]:
        """Statements written inside an `if`, `else` or `for`: what they read is not
        known after it."""
        saved = self.memo
        self.memo = dict(saved)
        try:
            yield
        finally:
            self.memo = saved

    @contextmanager
    def loop(self) -> Iterator[None]:
        """Statements run once per element of a collection."""
        self.looping += 1
        try:
            yield
        finally:
            self.looping -= 1

    def tmp(self, prefix: str = "t") -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def const(self, value: Any) -> str:
        name = self._const_ids.get(id(value))
        if name is None:
            name = self.tmp("K")
            self.consts[name] = value
            self._const_ids[id(value)] = name
        return name

    def emit(self, ind: int, line: str) -> None:
        self.lines.append("    " * ind + line)

    # ------------------------------------------------------------ expressions

    def cond(self, node: Node, scope: dict[str, str], ind: int) -> str:
        """A local holding the node's value as True, False or UNKNOWN (V.truth)."""
        value = self.expr(node, scope, ind)
        if isinstance(node, _BOOLEAN):
            return value
        t = self.tmp()
        self.emit(ind, f"{t} = _truth({value})")
        return t

    def expr(self, node: Node, scope: dict[str, str], ind: int) -> str:
        """Emit the statements computing `node` at indentation `ind`; return the name
        of the local (or constant) holding its value."""
        if isinstance(node, (Literal, Param)):
            return self.const(node.value)
        if isinstance(node, Builtin) and node.name == "program":
            return self.const(PROGRAM)
        if isinstance(node, Builtin) and node.name == "as_of":
            t = self.tmp()
            self.emit(ind, f"{t} = ctx.as_of")
            return t
        if isinstance(node, Var):
            if node.name not in scope:
                if node.defined:  # a definition where the lets are not computed yet
                    return self.closure(node, scope, ind)
                raise _Unsupported(f"variable {node.name} out of scope")
            return scope[node.name]
        if isinstance(node, _CLOSURE) or (
                self.looping and isinstance(node, MEMOISED) and not node.free):
            # a walk of a collection that reads no variable, asked once per element of a
            # loop around it: its closure computes it once per proposal (Context.memo)
            return self.closure(node, scope, ind)
        write = _WRITE.get(type(node))
        if write is None:
            raise _Unsupported(type(node).__name__)
        return write(self, node, scope, ind)

    def closure(self, node: Node, scope: dict[str, str], ind: int) -> str:
        """Run the node's own closure, with the variables it reads in env.vars: not every
        variable in scope, which a rule of 2,000 lets wrote before each of its graph
        queries, millions of lines for compile() to hold."""
        self.closures = True
        for name in sorted(node.free & scope.keys()):
            self.emit(ind, f"env.vars[{name!r}] = {scope[name]}")
        t = self.tmp()
        self.emit(ind, f"{t} = {self.const(node.fn)}(env)")
        return t

    def x_root(self, node: Root, scope: dict[str, str], ind: int) -> str:
        name = node.name
        t = self.roots.get(name)
        if t is None:  # reading a field of a dict neither fails nor changes anything
            t = self.roots[name] = self.tmp("root")
            self.prelude += [f"{t} = data.get({name!r})", f"if {t} is None: {t} = UNKNOWN"]
        return t

    def x_attr(self, node: Attr, scope: dict[str, str], ind: int) -> str:
        o = self.expr(node.kids[0], scope, ind)
        name = node.name
        key = ("attr", o, name)
        t = self.memo.get(key)
        if t is None:
            t = self.memo[key] = self.tmp()
            self.emit(ind, f"{t} = {o}.get({name!r}) if {o}.__class__ is dict or "
                           f"isinstance({o}, Mapping) else None")
            self.emit(ind, f"if {t} is None: {t} = UNKNOWN")
        return t

    def x_deref(self, node: Deref, scope: dict[str, str], ind: int) -> str:
        ref = self.expr(node.kids[0], scope, ind)
        target, name = node.target, node.field
        key = ("deref", ref, target, name)
        t = self.memo.get(key)
        if t is not None:
            return t
        t = self.memo[key] = self.tmp()
        self.emit(ind, f"if {ref}.__class__ is str or isinstance({ref}, str):")
        if target == "mandate" and name == "id":
            self.emit(ind + 1, f"{t} = {ref}.partition('/')[2] or UNKNOWN")
        elif target == "mandate" and name == MANDATE_OWNER:  # compile._mandate_owner
            self.emit(ind + 1, f"{t} = {self.const(mandate_owner)}({ref})")
        else:
            if target == "graph-node":  # made on first use: it builds the graph
                index = f"ctx.elements({target!r})"
            else:
                if not target.isidentifier():  # a local's name: only a record's
                    raise _Unsupported(f"target {target[:20]!r}")
                index = self.targets.setdefault(target, f"ix_{target}")
            h = self.tmp("h")
            self.emit(ind + 1, f"{h} = {index}.get({ref})")
            self.emit(ind + 1, f"{t} = None if {h} is None else {h}.get({name!r})")
            self.emit(ind + 1, f"if {t} is None: {t} = UNKNOWN")
        self.emit(ind, "else:")
        self.emit(ind + 1, f"{t} = UNKNOWN")
        return t

    def x_index(self, node: Index, scope: dict[str, str], ind: int) -> str:
        o = self.expr(node.kids[0], scope, ind)
        k = self.expr(node.kids[1], scope, ind)
        t = self.tmp()
        self.emit(ind, f"{t} = _index({o}, {k})")
        return t

    def x_not(self, node: Not, scope: dict[str, str], ind: int) -> str:
        x = self.cond(node.kids[0], scope, ind)
        t = self.tmp()
        self.emit(ind, f"{t} = UNKNOWN if {x} is UNKNOWN else not {x}")
        return t

    def x_neg(self, node: Neg, scope: dict[str, str], ind: int) -> str:
        x = self.expr(node.kids[0], scope, ind)
        t = self.tmp()
        self.emit(ind, f"{t} = _negate({x})")
        return t

    def _connective(self, node: Node, scope: dict[str, str], ind: int, stop: str,
                    stop_value: str, decisive: str) -> str:
        """and / or / implies: the left operand; when it is `stop`, the result is
        `stop_value` and the right is not evaluated; else the right decides."""
        a = self.cond(node.kids[0], scope, ind)
        t = self.tmp()
        self.emit(ind, f"if {a} is {stop}: {t} = {stop_value}")
        self.emit(ind, "else:")
        with self.block():
            b = self.cond(node.kids[1], scope, ind + 1)
        self.emit(ind + 1, f"{t} = {decisive} if {b} is {decisive} else "
                           f"(UNKNOWN if {a} is UNKNOWN or {b} is UNKNOWN else {_other(decisive)})")
        return t

    def x_and(self, node: And, scope: dict[str, str], ind: int) -> str:
        return self._connective(node, scope, ind, "False", "False", "False")

    def x_or(self, node: Or, scope: dict[str, str], ind: int) -> str:
        return self._connective(node, scope, ind, "True", "True", "True")

    def x_implies(self, node: Implies, scope: dict[str, str], ind: int) -> str:
        # a is True or UNKNOWN here; `a implies b` is then `not a or b`
        return self._connective(node, scope, ind, "False", "True", "True")

    def x_compare(self, node: Compare, scope: dict[str, str], ind: int) -> str:
        if node.currency is not None:  # a money value asks the proposal's currency first:
            return self.closure(node, scope, ind)  # its closure does (values.same_currency)
        op = node.op
        t = self.tmp()
        if op in ("in", "not in"):  # V.contains(right, left): the right is computed first
            c = self.expr(node.kids[1], scope, ind)
            i = self.expr(node.kids[0], scope, ind)
            is_set = "" if type(self.consts.get(c)) is frozenset else \
                f"{c}.__class__ is frozenset and "  # a constant set needs no asking
            self.emit(ind, f"{t} = ({i} in {c}) if {is_set}{i}.__class__ is str "
                           f"else _contains({c}, {i})")
            if op == "not in":
                self.emit(ind, f"if {t} is not UNKNOWN: {t} = not {t}")
            return t
        if op not in COMPARE_OPS:  # written into the source as it is: only the language's
            raise _Unsupported(f"operator {op[:20]!r}")
        if node.percent:  # shares compare by their fractions
            return self._compare_shares(node, scope, ind, t)
        a = self.expr(node.kids[0], scope, ind)
        b = self.expr(node.kids[1], scope, ind)
        plain = [(type(self.consts[c]), other) for c, other in ((b, a), (a, b))
                 if c in self.consts and type(self.consts[c]) in _PLAIN]
        if plain:  # a plain constant: only the other side's class is asked
            cls, other = plain[0]
            self.emit(ind, f"{t} = ({a} {op} {b}) if {other}.__class__ is {self.const(cls)} "
                           f"else _compare({op!r}, {a}, {b})")
            return t
        if is_stringy(node.kids[0].type) and is_stringy(node.kids[1].type):  # texts, as typed
            self.emit(ind, f"{t} = ({a} {op} {b}) if {a}.__class__ is str and {b}.__class__ is "
                           f"str else _compare({op!r}, {a}, {b})")
            return t
        self.emit(ind, f"{t} = ({a} {op} {b}) if {a}.__class__ is {b}.__class__ and "
                       f"{a}.__class__ in _PLAIN else _compare({op!r}, {a}, {b})")
        return t

    def _compare_shares(self, node: Compare, scope: dict[str, str], ind: int, t: str) -> str:
        """A comparison with a percent. A share computed right here (`national / total`)
        is compared as its fraction, without making the Percent it would be."""
        op = node.op
        sides = []
        for kid in node.kids:  # left, then right
            if isinstance(kid, Arith) and kid.share:
                sides.append((self._division(kid, scope, ind), "float",
                              "_share({0})"))
            else:
                sides.append((self.expr(kid, scope, ind), "_Percent", "{0}"))
        fast = " and ".join(f"{v}.__class__ is {cls}" for v, cls, _ in sides)
        (a, ca, wa), (b, cb, wb) = sides
        fa, fb = (a if ca == "float" else f"{a}.fraction"), (b if cb == "float" else f"{b}.fraction")
        self.emit(ind, f"{t} = ({fa} {op} {fb}) if {fast} else "
                       f"_compare({op!r}, {wa.format(a)}, {wb.format(b)})")
        return t

    def _division(self, node: Node, scope: dict[str, str], ind: int) -> str:
        """`a / b` as values.arith computes it (a share before it is made a Percent)."""
        a = self.expr(node.kids[0], scope, ind)
        b = self.expr(node.kids[1], scope, ind)
        t = self.tmp()
        self.emit(ind, "try:")  # a whole number too large for a float: values.arith says so
        self.emit(ind + 1, f"{t} = ({a} / {b}) if {a}.__class__ is int and "
                           f"{b}.__class__ is int and {b} else _arith('/', {a}, {b})")
        self.emit(ind, "except OverflowError:")
        self.emit(ind + 1, f"{t} = _arith('/', {a}, {b})")
        return t

    def x_arith(self, node: Arith, scope: dict[str, str], ind: int) -> str:
        op = node.op
        if op not in ARITH_OPS:  # written into the source as it is: only the language's
            raise _Unsupported(f"operator {op[:20]!r}")
        if op == "/":
            t = self._division(node, scope, ind)
            if node.share:  # an amount over an amount reads as a percentage
                self.emit(ind, f"{t} = _share({t})")
            return t
        a = self.expr(node.kids[0], scope, ind)
        b = self.expr(node.kids[1], scope, ind)
        t = self.tmp()
        self.emit(ind, f"{t} = ({a} {op} {b}) if {a}.__class__ is int and "  # else decimals
                       f"{b}.__class__ is int else _arith({op!r}, {a}, {b})")
        return t

    def x_matches(self, node: Matches, scope: dict[str, str], ind: int) -> str:
        s = self.expr(node.kids[0], scope, ind)
        t = self.tmp()
        regex = self.const(node.regex)
        self.emit(ind, f"{t} = UNKNOWN if {s} is UNKNOWN else "
                       f"(isinstance({s}, str) and {regex}.search({s}))")
        return t

    def x_presence(self, node: Presence, scope: dict[str, str], ind: int) -> str:
        x = self.expr(node.kids[0], scope, ind)
        t = self.tmp()
        test = f"{x} is not UNKNOWN" if isinstance(node.kids[0], _NEVER_NONE) else \
            f"{x} is not UNKNOWN and {x} is not None"
        self.emit(ind, f"{t} = {test}" if node.present else f"{t} = not ({test})")
        return t

    def _items(self, coll: Node, scope: dict[str, str], ind: int) -> str:
        c = self.expr(coll, scope, ind)
        items = self.tmp("items")
        # a map's values are walked in place: nothing that takes `items` changes or indexes it
        self.emit(ind, f"{items} = {c} if {c}.__class__ is list else "
                       f"({c}.values() if {c}.__class__ is dict else _elements({c}))")
        return items

    def x_quantifier(self, node: Quantifier, scope: dict[str, str], ind: int) -> str:
        coll, where, body = node.coll, node.where, node.body
        is_any = "True" if node.is_any else "False"
        items = self._items(coll, scope, ind)
        t, unknown = self.tmp(), self.tmp("u")
        var = self.tmp("v")
        assert node.var is not None
        inner = {**scope, node.var: var}
        self.emit(ind, f"if {items} is UNKNOWN: {t} = UNKNOWN")
        self.emit(ind, "else:")
        self.emit(ind + 1, f"{t} = {_other(is_any)}")
        self.emit(ind + 1, f"{unknown} = False")
        resume = node is self.resume
        n = self.tmp("n") if resume and where is not None else "None"
        if n != "None":  # how many it covered before it stopped: counted
            self.emit(ind + 1, f"{n} = 0")
        self.emit(ind + 1, f"for {var} in {items}:")
        with self.block(), self.loop():
            if where is not None:
                w = self.cond(where, inner, ind + 2)
                self.emit(ind + 2, f"if {w} is False: continue")
                self.emit(ind + 2, f"if {w} is UNKNOWN:")
                self.emit(ind + 3, f"{unknown} = True")
                self.emit(ind + 3, "continue")
            r = self.cond(body, inner, ind + 2)
        self.emit(ind + 2, f"if {r} is UNKNOWN: {unknown} = True")
        self.emit(ind + 2, f"elif {r} is {is_any}:")
        self.emit(ind + 3, f"{t} = {is_any}")
        if resume:  # none before it decided (none unknown): the sift starts at it
            self.emit(ind + 3, f"if env is not None and not {unknown}: "
                               f"env.stopped = ({self.const(node)}, {var}, {n})")
        self.emit(ind + 3, "break")
        if n != "None":
            self.emit(ind + 2, f"{n} += 1")
        self.emit(ind + 1, "else:")
        self.emit(ind + 2, f"if {unknown}: {t} = UNKNOWN")
        return t

    def x_aggregate(self, node: Aggregate, scope: dict[str, str], ind: int) -> str:
        coll, where, value = node.coll, node.where, node.value
        var_name = node.var
        items = self._items(coll, scope, ind)
        t, chosen = self.tmp(), self.tmp("chosen")
        self.emit(ind, f"if {items} is UNKNOWN: {t} = UNKNOWN")
        self.emit(ind, "else:")
        if var_name is None or (where is None and value is None):
            self.emit(ind + 1, f"{chosen} = {items}")  # read, never changed: no copy
        else:
            var = self.tmp("v")
            inner = {**scope, var_name: var}
            self.emit(ind + 1, f"{chosen} = []")
            self.emit(ind + 1, f"for {var} in {items}:")
            with self.block(), self.loop():
                if where is not None:
                    w = self.cond(where, inner, ind + 2)
                    self.emit(ind + 2, f"if {w} is UNKNOWN:")
                    self.emit(ind + 3, f"{chosen} = UNKNOWN")
                    self.emit(ind + 3, "break")
                    self.emit(ind + 2, f"if {w} is False: continue")
                v = self.expr(value, inner, ind + 2) if value is not None else var
            self.emit(ind + 2, f"{chosen}.append({v})")
        kind = node.kind
        if kind == "sum":  # whole numbers added here; anything else as values.total adds it
            x = self.tmp("x")
            self.emit(ind + 1, f"if {chosen} is UNKNOWN: {t} = UNKNOWN")
            self.emit(ind + 1, "else:")
            self.emit(ind + 2, f"{t} = 0")
            self.emit(ind + 2, f"for {x} in {chosen}:")
            self.emit(ind + 3, f"if {x}.__class__ is int: {t} += {x}")
            self.emit(ind + 3, "else:")  # a decimal, an amount: from the start
            self.emit(ind + 4, f"{t} = _total({chosen})")
            self.emit(ind + 4, "break")
            return t
        result = {"count": f"len({chosen})", "union": f"_union({chosen})"}.get(
            kind, f"_extreme({kind!r}, {chosen})")
        self.emit(ind + 1, f"{t} = UNKNOWN if {chosen} is UNKNOWN else {result}")
        return t

    def x_set(self, node: SetNode, scope: dict[str, str], ind: int) -> str:
        values = [self.expr(k, scope, ind) for k in node.kids]
        t = self.tmp()
        unknown = " or ".join(f"{v} is UNKNOWN" for v in values) or "False"
        self.emit(ind, f"{t} = UNKNOWN if {unknown} else frozenset(({''.join(v + ', ' for v in values)}))")
        return t

    def x_list(self, node: ListNode, scope: dict[str, str], ind: int) -> str:
        values = [self.expr(k, scope, ind) for k in node.kids]
        t = self.tmp()
        self.emit(ind, f"{t} = [{', '.join(values)}]")
        return t

    def x_call(self, node: Call, scope: dict[str, str], ind: int) -> str:
        x = self.expr(node.kids[0], scope, ind)
        t = self.tmp()
        call = f"_apply({self.const(node.op)}, {self.const(node.text)}, {x})"
        inline = FUNCTIONS[node.func].inline
        if inline is None:
            self.emit(ind, f"{t} = {call}")
        else:  # the usual argument inline, anything else as the closure does it
            classes, code = inline
            self.emit(ind, f"{t} = {code.format(x)} if {x}.__class__ in {self.const(classes)} "
                           f"else {call}")
        return t


#: the inline code of each kind of node not handled in Writer.expr itself
_WRITE: dict[type[Node], Callable[[Writer, Any, dict[str, str], int], str]] = {
    Root: Writer.x_root, Attr: Writer.x_attr, Deref: Writer.x_deref, Index: Writer.x_index,
    Not: Writer.x_not, Neg: Writer.x_neg, And: Writer.x_and, Or: Writer.x_or,
    Implies: Writer.x_implies, Compare: Writer.x_compare, Arith: Writer.x_arith,
    Matches: Writer.x_matches, Presence: Writer.x_presence,
    Quantifier: Writer.x_quantifier, Aggregate: Writer.x_aggregate, SetNode: Writer.x_set,
    ListNode: Writer.x_list, Call: Writer.x_call,
}


def _other(word: str) -> str:
    """The other of the words True and False."""
    return "False" if word == "True" else "True"


# ---------------------------------------------------------------- whole rules


def _decide_source(w: Writer, rule: CompiledRule) -> list[str]:
    """The body of decide(ctx, env, item), as `_decide` in evaluate.py runs it."""
    scope: dict[str, str] = {}
    if rule.for_var is not None:  # decide runs once per element of the `for`
        scope[rule.for_var] = "item"
        w.looping += 1
    try:
        _decide_body(w, rule, scope)
    finally:
        if rule.for_var is not None:
            w.looping -= 1
    return w.lines


def _decide_body(w: Writer, rule: CompiledRule, scope: dict[str, str]) -> None:
    for name, node in rule.lets:
        local = w.tmp("let")
        w.emit(1, "try:")
        with w.block():  # an EvalProblem may leave what it reads unread
            value = w.expr(node, scope, 2)
        w.emit(2, f"{local} = {value}")
        w.emit(1, "except EvalProblem:")
        w.emit(2, f"{local} = UNKNOWN")
        w.emit(1, f"if env is not None: env.vars[{name!r}] = {local}")
        scope[name] = local
    if rule.when is not None:
        w.emit(1, "try:")
        when = w.cond(rule.when, scope, 2)
        w.emit(1, "except EvalProblem:")
        w.outcome(2, "'unknown'")
        w.emit(1, f"if {when} is False:")
        w.outcome(2, "'not-applicable'")
        w.emit(1, f"if {when} is UNKNOWN:")
        w.outcome(2, "'unknown'")
    w.emit(1, "try:")
    result = w.cond(rule.check, scope, 2)
    w.emit(1, "except EvalProblem:")
    w.outcome(2, "'unknown'")
    w.emit(1, f"if {result} is UNKNOWN:")
    w.outcome(2, "'unknown'")
    passed = "True" if rule.check_kind == "require" else "False"
    w.outcome(1, f"'pass' if {result} is {passed} else 'fail'")


def _verdict_source(w: Writer, rule: CompiledRule, decide: str = "decide") -> list[str]:
    """The body of verdict(ctx): the rule over its `for` elements, as `_run` does,
    deciding each with the function named `decide`."""
    assert rule.for_coll is not None and rule.for_var is not None
    w.emit(1, "try:")
    items = w._items(rule.for_coll, {}, 2)
    w.emit(1, "except EvalProblem:")
    w.outcome(2, "'unknown'")
    w.emit(1, f"if {items} is UNKNOWN:")
    w.outcome(2, "'unknown'")
    w.emit(1, "worst = 'not-applicable'")
    w.emit(1, "rank = 0")
    w.emit(1, f"for item in {items}:")
    if rule.for_where is not None:
        w.emit(2, f"if env is not None: env.vars[{rule.for_var!r}] = item")
        w.emit(2, "try:")
        with w.block(), w.loop():
            where = w.cond(rule.for_where, {rule.for_var: "item"}, 3)
        w.emit(2, "except EvalProblem:")
        w.emit(3, f"{where} = UNKNOWN")
        w.emit(2, f"if {where} is False: continue")
        w.emit(2, f"if {where} is UNKNOWN:")
        w.emit(3, "if rank < 2: worst, rank = 'unknown', 2")
        w.emit(3, "continue")
    w.emit(2, f"outcome = {decide}(ctx, env, item)")
    w.emit(2, "r = RANK[outcome]")
    w.emit(2, "if r > rank:")
    w.emit(3, "worst, rank = outcome, r")
    w.emit(3, "if r == 3: break")  # nothing is worse than a failure
    w.outcome(1, "worst")
    return w.lines


def generate(rule: CompiledRule) -> tuple[Decide, Verdict, str]:
    """decide and verdict for `rule`, and the Python source they were compiled from."""
    w = Writer()
    w.function()
    if isinstance(rule.check, Quantifier) and rule.check.var is not None:
        w.resume = rule.check
    decide_body = _decide_source(w, rule)
    decide_prelude = w.prelude
    # without `for`, the verdict is the decision on the proposal: decide itself
    verdict_body = None
    if rule.for_coll is not None:
        w.function()
        verdict_body = _verdict_source(w, rule)
    head = preamble(w.targets)
    lines = [
        "def decide(ctx, env=None, item=None):",
        *("    " + line for line in head + decide_prelude),
        *(["    if env is None: env = _Env(ctx)"] if w.closures else []),
        *decide_body,
        "",
    ]
    if verdict_body is not None:
        lines += [
            "def verdict(ctx):",
            *("    " + line for line in head + w.prelude),
            "    env = _Env(ctx)" if w.closures else "    env = None",
            *verdict_body,
            "",
        ]
    source = "\n".join(lines)
    namespace = dict(w.consts)
    namespace["RANK"] = RANK
    code = compile(source, f"<rule {rule.id}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own source, from a compiled rule's typed tree
    decide = namespace["decide"]
    return decide, namespace.get("verdict", decide), source


#: what writing a rule's Python may raise when Python will not have it (it limits the
#: nesting of blocks) or the writer has no code for a construct: the rule then runs its
#: closures (evaluate.functions_of)
Unwritable = (SyntaxError, RecursionError, MemoryError, _Unsupported)


# ---------------------------------------------------------------- a set of rules


Batch = Callable[[Context], "dict[str, str]"]


def batch(rules: Sequence[CompiledRule], fallback: Callable[[CompiledRule, Context], str],
          functions_of: Callable[[CompiledRule], tuple[Decide, Verdict]]
          ) -> tuple[Batch, str] | None:
    """One function deciding every rule of `rules` on a proposal, rule id -> verdict, as
    each rule's `verdict` does, and its source; None when Python will not compile it.

    The rules are written one after the other in the one function, each in a
    `while True:` that its outcome leaves. Top-level fields and id indexes are read once
    for all of them, and no call is made per rule, which on a small proposal costs as
    much as deciding. A rule that raises anything but EvalProblem (a fault of ours) gets
    `fallback(rule, ctx)`: what the explaining path makes of it. A rule with no inline
    code runs its own functions (`functions_of(rule)`)."""
    w = Writer()
    w.function()
    w.targets = {}
    defs: list[str] = []
    body: list[str] = []
    for n, rule in enumerate(rules):
        w.section(rule.id)
        env = False  # whether the rule runs closures, which need an Env
        try:
            if rule.for_coll is None:
                lines = _decide_source(w, rule)
            else:
                decide = f"decide_{n}"
                source, env = _decide_function(w, rule, decide)
                defs += source
                w.section(rule.id)
                lines = _verdict_source(w, rule, decide)
            env = env or w.closures
        except _Unsupported:
            lines = ["    # no inline code: the rule's own functions",
                     f"    out[{rule.id!r}] = {w.const(functions_of(rule)[1])}(ctx)", "    break"]
        body += [
            "    try:",
            "        env = _Env(ctx)" if env else "        env = None",
            "        while True:",
            *("        " + line for line in lines),
            "    except Exception:",  # a fault of ours: what evaluate makes of it
            f"        out[{rule.id!r}] = _fallback({w.const(rule)}, ctx)",
        ]
    lines = [
        *defs,
        "def verdicts(ctx):",
        *("    " + line for line in preamble(w.targets) + w.prelude),
        "    out = {}",
        *body,
        "    return out",
        "",
    ]
    text = "\n".join(lines)
    namespace = dict(w.consts)
    namespace["RANK"], namespace["_fallback"] = RANK, fallback
    try:
        code = compile(text, "<rules>", "exec")
    except (SyntaxError, RecursionError, MemoryError):
        return None
    exec(code, namespace)  # noqa: S102 - our own source, from compiled rules' typed trees
    return namespace["verdicts"], text


def _decide_function(w: Writer, rule: CompiledRule, name: str) -> tuple[list[str], bool]:
    """The source of a `for` rule's decide, named `name`, written with `w`'s constants
    but apart from the function `w` is writing; and whether it runs closures."""
    saved = w.lines, w.prelude, w.roots, w.memo, w.store, w.closures, w.targets
    try:
        w.function()
        w.closures, w.targets = False, {}
        lines = _decide_source(w, rule)
        source = [
            f"def {name}(ctx, env=None, item=None):",
            *("    " + line for line in preamble(w.targets) + w.prelude),
            *(["    if env is None: env = _Env(ctx)"] if w.closures else []),
            *lines,
            "",
        ]
        return source, w.closures
    finally:
        w.lines, w.prelude, w.roots, w.memo, w.store, w.closures, w.targets = saved


def preamble(targets: Mapping[str, str]) -> list[str]:
    """The first lines of a function: the proposal's data and the id indexes it uses."""
    return ["data = ctx.data", *(f"{local} = ctx.found.get({target!r}) or "
                                 f"ctx.elements({target!r})" for target, local in targets.items())]
