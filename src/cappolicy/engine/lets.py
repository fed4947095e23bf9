"""The lets a ruleset shares: its definitions, and lets that several rules write alike.

A definition (a top-level `let` of a ruleset: rulesets/definitions.py) is a let of each
rule that names it, before the rule's own: `RuleCompiler` compiles it when the rule first
names it and gives the rule's lets those it named (`with_definitions`). Rules written
before definitions existed may still write a question out in each: a let that reads no
variable (no `for` variable, no other let) means the same in every rule of one effective
ruleset, which has one set of params, so `compile_let` compiles it for the first rule
that writes it and gives the later ones that node. Either way it is compiled once and,
since Context.memo keeps a value by its closure, computed once a proposal. A rule in whose
scope one of the let's names is a variable (a `for` over `o` where the let's lambda says
`o -> ...` is harmless, but a name the first rule read as a param may be a variable here)
compiles its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..base.record import Record
from ..lang import ast
from ..lang.types import Type
from .compile import Compiler
from .nodes import Node, Var
from .nodes import replace as replace_node
from .runtime import Env


class SharedLet(NamedTuple):
    """A let as the first rule to write it compiled it: the params it read, whether a
    money value was seen in it, and every name it writes."""

    node: Node
    params: frozenset[str]
    money: bool
    names: frozenset[str]


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
        if isinstance(item, tuple):
            stack.extend(item)
        elif isinstance(item, Record):
            if isinstance(item, ast.Name):
                found.add(item.id)
            elif isinstance(item, ast.Lambda):
                found.add(item.var)
            stack.extend(getattr(item, name) for name in item.FIELDS)
    return frozenset(found)


class RuleCompiler(Compiler):
    """Compiles one rule of an effective ruleset, the definitions it names among its lets."""

    def __init__(self, params: Mapping[str, Any], shared: dict[Any, Any],
                 definitions: tuple[ast.Let, ...] = ()) -> None:
        super().__init__(params, shared)
        if definitions:
            self.definitions, self._reading = _chain(shared, definitions)
        self.needed: dict[str, Node] = {}  # the definitions named, compiled, in that order
        self.in_for = False  # compiling the `for` clause, walked before any let
        self._defining = False  # compiling a definition

    def defined(self, e: ast.Name, name: str) -> Node:
        if name not in self.needed:
            # those it reads first, in the order written: none is compiled inside another
            for each in (*self._reading[name], name):
                if each not in self.needed:
                    self._define(each)
        node = self.needed[name]
        if self.in_for or self._defining:
            # walked before the lets (a `for` clause), or itself a let's value (another
            # definition): the definition's own node, computed once a proposal all the same;
            # but not first computed in the midst of a graph search, as a query would be
            if self._in_condition:
                self.error("CP217", f"the definition {name} is read inside a node condition "
                           "(n -> ...) of a `for` clause or of another definition", e.span,
                           "compare with it outside the node condition, or read it in a let, "
                           "`when` or `require`")
            return replace_node(node, given_text=name)

        def var(env: Env) -> Any:
            return env.vars[name]

        def var_loc(env: Env) -> tuple[Any, ...] | None:
            return env.paths.get(name)
        return Var(e, node.type, var, loc=var_loc, name=name)

    def _define(self, name: str) -> None:
        held = self._in_condition, self._enum, self.in_for, self._defining
        self._in_condition, self._enum, self.in_for, self._defining = 0, None, False, True
        try:  # a definition reads no variable, wherever the rule names it
            node = compile_let(self, self.definitions[name].expr, {})
        finally:
            self._in_condition, self._enum, self.in_for, self._defining = held
        self.needed[name] = node
        if self.money_seen and self.holds_money(node):
            self.money_lets.add(name)

    def with_definitions(self, lets: list[tuple[str, Node]]) -> tuple[tuple[str, Node], ...]:
        """The rule's lets: the definitions it named, in the order they are written (each
        after those it reads), then its own."""
        if not self.needed:
            return tuple(lets)
        order = list(self.definitions)
        named = sorted(self.needed.items(), key=lambda item: order.index(item[0]))
        return (*named, *lets)


def _chain(shared: dict[Any, Any], definitions: tuple[ast.Let, ...]
           ) -> tuple[dict[str, ast.Let], dict[str, tuple[str, ...]]]:
    """The definitions by name, and the earlier ones each reads, directly or through
    another, in the order written: made once for the ruleset's rules."""
    key = ("definitions", id(definitions))
    found: tuple[dict[str, ast.Let], dict[str, tuple[str, ...]]] | None = shared.get(key)
    if found is None:
        by_name = {let.name: let for let in definitions}
        reading: dict[str, tuple[str, ...]] = {}
        for let in definitions:  # a definition reads only those before it (definitions.py)
            closure = {n for n in names_read(let.expr) if n in reading}
            closure.update(*(reading[n] for n in list(closure)))
            reading[let.name] = tuple(n for n in reading if n in closure)
        found = shared[key] = (by_name, reading)
    return found


def names_read(e: Any) -> set[str]:
    """The names an expression (or a clause, a template, a tuple of them) reads."""
    out: set[str] = set()
    stack = [e]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            stack.extend(item)
        elif isinstance(item, Record):
            if isinstance(item, ast.Name):
                out.add(item.id)
            stack.extend(getattr(item, name) for name in item.FIELDS)
    return out
