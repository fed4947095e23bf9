"""Lets that several rules write alike, compiled once for the ruleset.

Rules share no definitions, so a question that several rules ask is written out in each:
which host organisations only foreign parties pay (up their funded_by chain) is a let of
nine rules, word for word the same. A let that reads no variable (no `for` variable, no
other let) means the same in every rule of one effective ruleset, which has one set of
params: `compile_let` compiles it for the first rule that writes it and gives the later
ones that node, so it is compiled once and, since Context.memo keeps a value by its
closure, computed once a proposal. A rule in whose scope one of the let's names is a
variable (a `for` over `o` where the let's lambda says `o -> ...` is harmless, but a name
the first rule read as a param may be a variable here) compiles its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from ..base.record import Record
from ..lang import ast
from ..lang.types import Type
from .compile import Compiler
from .nodes import Node


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
