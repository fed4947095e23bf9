"""The lets a ruleset shares: its definitions, and lets that several rules write alike.

A definition (a top-level `let` of a ruleset: rulesets/definitions.py) is compiled once
for the ruleset, in the order written (`Table`: a definition reads only those before it,
at most MAX_DEPTH deep, and its errors are said once, read or not); `RuleCompiler` makes
those a rule reads, directly or through another, its first lets (`with_definitions`).
Where the lets are not computed yet (a `for` clause, another definition) a definition is
read through its own closure (Var.defined), never first inside a node condition, where a
graph search is under way. A let that reads no variable (no `for` variable, no other
let) means the same in every rule of one effective ruleset, which has one set of params,
so `compile_let` compiles it for the first rule that writes it and gives the later ones
that node. Either way it is compiled once and, since Context.memo keeps a value by its
closure, computed once a proposal. A rule in whose scope one of the let's names is a
variable (a `for` over `o` where the let's lambda says `o -> ...` is harmless, but a name
the first rule read as a param may be a variable here) compiles its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base.record import Record
from ..base.span import Span
from ..lang import ast
from ..lang.limits import MAX_DEPTH
from ..lang.types import ANY, Type
from ..lang.values import UNKNOWN
from .compile import Compiler
from .nodes import Node, Var
from .nodes import replace as replace_node
from .runtime import Env, memoised


class SharedLet:
    """A let as the first rule to write it compiled it: the params it read, whether a
    money value was seen in it, and every name it writes. (A plain class: a NamedTuple
    is a class written and compiled when cappolicy starts.)"""

    __slots__ = ("node", "params", "money", "names")

    def __init__(self, node: Node, params: frozenset[str], money: bool,
                 names: frozenset[str]) -> None:
        self.node = node
        self.params = params
        self.money = money
        self.names = names


def compile_let(c: Compiler, e: ast.Expr, scope: Mapping[str, Type]) -> Node:
    """The let's expression compiled by `c`, or the node of an earlier rule that wrote it
    alike when it reads no variable; the params it reads are this rule's too."""
    found: SharedLet | None = c.shared.get(e)
    if found is not None and not found.names & scope.keys():
        c.used_params |= found.params
        c.money_seen = c.money_seen or found.money
        return found.node
    params, money, errors = c.used_params, c.money_seen, len(c.errors)
    c.used_params, c.money_seen = set(), False
    node = c.expr(e, scope)
    if not node.free and len(c.errors) == errors and found is None:
        c.shared[e] = SharedLet(node, frozenset(c.used_params), c.money_seen, _names(e))
    c.used_params, c.money_seen = params | c.used_params, money or c.money_seen
    return node


def _names(e: Any) -> frozenset[str]:
    """The names an expression writes, its lambdas' variables among them."""
    found: set[str] = set()
    stack = [e]
    while stack:
        item = stack.pop()
        kind = item.__class__
        if isinstance(item, tuple):
            stack.extend(item)
        elif kind is ast.Name:
            found.add(item.id)
        elif kind is ast.Lambda:
            found.add(item.var)
            stack.extend(item._values(item))
        elif kind is not Span and isinstance(item, Record):  # a span holds no name
            stack.extend(item._values(item))
    return frozenset(found)


class Defined:
    """A definition compiled: its node, the params it reads (through the definitions it
    reads too), whether a money value is in it, the definitions it reads directly or
    through another (in the order written), and how many deep that reading goes."""

    __slots__ = ("node", "params", "money", "reads", "depth")

    def __init__(self, node: Node, params: frozenset[str], money: bool, reads: tuple[str, ...],
                 depth: int) -> None:
        self.node = node
        self.params = params
        self.money = money
        self.reads = reads
        self.depth = depth


class Table:
    """The definitions of an effective ruleset, each compiled once, in the order written,
    with the errors found in them (said once, whether or not a rule reads them)."""

    def __init__(self, params: Mapping[str, Any], shared: dict[Any, Any],
                 definitions: tuple[ast.Let, ...]) -> None:
        self.order = {let.name: k for k, let in enumerate(definitions)}
        self.compiled: dict[str, Defined | None] = {}  # None: one with an error
        self.errors: list[Any] = []
        for let in definitions:
            c = RuleCompiler(params, shared, self, defining=let.name)
            node = compile_let(c, let.expr, {})
            node = replace_node(node, fn=memoised(node.fn))  # once a proposal, read or not
            reads = tuple(sorted(c.needed, key=self.order.__getitem__))
            depth = 1 + max((self._depth(n) for n in c.needed), default=0)
            if depth > MAX_DEPTH and not c.errors:
                c.error("CP217", f"the definition {let.name} reads through {depth - 1} "
                        f"definitions, more than {MAX_DEPTH - 1}", let.span,
                        "read the values it needs directly: a chain this long is no "
                        "definition a reader follows")
            self.errors.extend(c.errors)
            self.compiled[let.name] = None if c.errors else Defined(
                node, frozenset(c.used_params), c.money_seen, reads, depth)

    def _depth(self, name: str) -> int:
        found = self.compiled.get(name)
        return found.depth if found is not None else 0


def table(params: Mapping[str, Any], shared: dict[Any, Any],
          definitions: tuple[ast.Let, ...]) -> Table:
    """The definitions compiled for a ruleset's rules: once for all the rules compiled
    together, and kept for the next few sets of rules of the same ruleset and params
    (lint compiles its rules one by one)."""
    key = (id(definitions), *sorted((name, id(value)) for name, value in params.items()))
    held = _TABLES.get(key)
    if held is not None:
        return held[1]
    made = Table(params, {}, definitions)
    if len(_TABLES) >= 4:
        _TABLES.pop(next(iter(_TABLES)))
    # the objects are kept with it, so that no other object takes one of their ids
    _TABLES[key] = ((definitions, list(params.values())), made)
    return made


_TABLES: dict[tuple[Any, ...], tuple[Any, Table]] = {}


class RuleCompiler(Compiler):
    """Compiles one rule of an effective ruleset, or one of its definitions, the
    definitions it reads among its lets."""

    def __init__(self, params: Mapping[str, Any], shared: dict[Any, Any],
                 definitions: Table | None = None, defining: str | None = None) -> None:
        super().__init__(params, shared)
        self.table = definitions
        if definitions is not None:
            self.definitions = definitions.order
        self.needed: set[str] = set()  # the definitions read, directly or through others
        self.in_for = False  # compiling the `for` clause, walked before any let
        self.defining = defining  # the definition being compiled, if one is

    def defined(self, e: ast.Name, name: str) -> Node:
        assert self.table is not None
        if self.defining is not None and self.table.order[name] >= self.table.order[
                self.defining]:
            self.error("CP217", f"the definition {self.defining} reads {name}, "
                       + ("itself" if name == self.defining else "which is written after it"),
                       e.span, "a definition reads only the definitions written before it "
                       "(in a parent ruleset, or before it in its folder: files are read in "
                       "the order of their names)")
            return Var(e, ANY, _unknown, name=name, defined=True)
        found = self.table.compiled.get(name)
        if found is None:  # its error is said where it is written, once
            return Var(e, ANY, _unknown, name=name, defined=True)
        self.needed.add(name)
        self.needed.update(found.reads)
        self.used_params |= found.params
        if found.money:
            self.money_seen = True
            self.money_lets.add(name)
        node = found.node
        if self.in_for or self.defining is not None:
            # walked before the lets (a `for` clause), or a let's value itself (another
            # definition): the definition's own closure, computed once a proposal; but
            # never first computed in the midst of a graph search, as a query would be
            if self._in_condition:
                self.error("CP217", f"the definition {name} is read inside a node condition "
                           "(n -> ...) of a `for` clause or of another definition", e.span,
                           "compare with it outside the node condition, or read it in a let, "
                           "`when` or `require`")
            return Var(e, node.type, node.fn, name=name, defined=True)

        def var(env: Env) -> Any:
            return env.vars[name]

        def var_loc(env: Env) -> tuple[Any, ...] | None:
            return env.paths.get(name)
        return Var(e, node.type, var, loc=var_loc, name=name)

    def with_definitions(self, lets: list[tuple[str, Node]]) -> tuple[tuple[str, Node], ...]:
        """The rule's lets: the definitions it reads, in the order they are written (each
        after those it reads), then its own."""
        if not self.needed or self.table is None:
            return tuple(lets)
        compiled = self.table.compiled
        named = [(name, found.node) for name in sorted(self.needed, key=self.table.order.__getitem__)
                 if (found := compiled.get(name)) is not None]
        return (*named, *lets)


def _unknown(env: Env) -> Any:
    return UNKNOWN
