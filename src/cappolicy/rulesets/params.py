"""A param's declared type and its value: a constant, computed once when the ruleset is
resolved and checked against the type it declares (CP211-CP214)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..base.errors import Diagnostic
from ..engine.compile import LITERAL_TYPES, Compiler
from ..engine.nodes import Builtin, Error, Node, Root, Var
from ..engine.runtime import Context, Env
from ..lang import ast
from ..lang import values as V
from ..lang.types import (
    ANY,
    COUNTRY,
    DURATION,
    MONEY,
    NUMBER,
    PERCENT,
    ListT,
    SetT,
    Type,
    comparable,
    element_type,
)
from ..lang.unparse import unparse


def declared_type(t: ast.TypeExpr, errors: list[Diagnostic]) -> Type | None:
    """The type a param declares; None for a set or list whose items its value settles."""
    if t.name in ("set", "list"):
        inner = LITERAL_TYPES.get(t.of or "", None) if t.of else None
        if t.of and inner is None:
            errors.append(Diagnostic("CP211", f"a {t.name} holds simple values, not {t.of}s",
                                     t.span))
        if inner is None:
            return None  # settled by the default's items
        return SetT(inner) if t.name == "set" else ListT(inner)
    return LITERAL_TYPES[t.name]


def param_value(e: ast.Expr, declared: Type | None, errors: list[Diagnostic]
                ) -> tuple[Any, Type, str]:
    """Evaluate a param value: literals only, checked against the declared type."""
    compiler = Compiler({})
    node = compiler.expr(e, {})
    errors.extend(compiler.errors)
    if compiler.errors:
        return V.UNKNOWN, declared or node.type, unparse(e)
    if _reads_proposal(node):
        errors.append(Diagnostic("CP212", "a param's value must be a constant", e.span,
                                 "params hold thresholds and lists; read the proposal in rules"))
        return V.UNKNOWN, declared or node.type, unparse(e)
    vtype = node.type
    if declared is not None and not _fits(vtype, declared):
        errors.append(Diagnostic(
            "CP213",
            f"this param is a {declared.describe()}, but its value is a {vtype.describe()}",
            e.span, "write a percentage as 15%, a duration as `6 months`" if declared in (
                PERCENT, DURATION) else None))
    try:
        value = node.fn(Env(Context({}, dt.date.today())))
    except V.EvalProblem as exc:
        errors.append(Diagnostic("CP214", f"this value cannot be computed: {exc}", e.span))
        value = V.UNKNOWN
    if isinstance(value, list) and isinstance(declared, SetT):
        value = frozenset(value)
    return value, vtype, unparse(e)


def _reads_proposal(node: Node) -> bool:
    return isinstance(node, (Root, Var, Builtin, Error)) or \
        any(_reads_proposal(k) for k in node.kids)


def _fits(actual: Type, declared: Type) -> bool:
    if actual == declared:
        return True
    if isinstance(declared, (SetT, ListT)) and isinstance(actual, (SetT, ListT)):
        item = element_type(actual)
        if item == ANY:  # an empty literal, `{}` or `[]`, fits a set or list of anything
            return True
        return item == element_type(declared) or comparable(item, element_type(declared)) and \
            element_type(declared) != COUNTRY or item == COUNTRY
    if declared == MONEY and actual in (MONEY, NUMBER):
        return True
    return False
