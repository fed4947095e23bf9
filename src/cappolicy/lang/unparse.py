"""Expressions back to source text: evidence quotes the part of a condition that
failed, and the formatter writes whole files in one canonical layout."""

from __future__ import annotations

import datetime as dt

from . import ast
from .numbers import hundredfold_text
from .values import percent_of

# Binding strength, loosest first; a child looser than its parent is parenthesised.
_PREC = {
    "quant": 0, "implies": 1, "or": 2, "and": 3, "not": 4,
    "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5, "in": 5, "not in": 5,
    "matches": 5, "presence": 5,
    "+": 6, "-": 6, "*": 7, "/": 7, "neg": 8, "postfix": 9, "atom": 10,
}


def _prec(e: ast.Expr) -> int:
    if isinstance(e, ast.Quantifier):
        return _PREC["quant"]
    if isinstance(e, ast.Binary):
        return _PREC[e.op]
    if isinstance(e, ast.Unary):
        return _PREC["not"] if e.op == "not" else _PREC["neg"]
    if isinstance(e, ast.Matches):
        return _PREC["matches"]
    if isinstance(e, ast.Presence):
        return _PREC["presence"]
    if isinstance(e, (ast.Attr, ast.Index, ast.Call)):
        return _PREC["postfix"]
    return _PREC["atom"]


#: For the formatter, which lays expressions out over several lines with the same
#: parentheses: a child binding more loosely than its place needs is parenthesised.
PRECEDENCE = _PREC
precedence = _prec


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _count(n: int, unit: str) -> str:
    """`1 year`, `18 months`: the grammar reads both forms, people read this one."""
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def literal(value: object, kind: str) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "string":
        return quote(str(value))
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if kind == "duration" and isinstance(value, ast.Duration):
        if value.months and value.days:
            return f"{_count(value.months, 'month')} + {_count(value.days, 'day')}"
        if value.months:
            return (_count(value.months // 12, "year") if value.months % 12 == 0
                    else _count(value.months, "month"))
        return _count(value.days, "day")
    if kind == "money" and isinstance(value, ast.Money):
        return f"{_number(value.amount)} {value.currency}"
    if kind == "percent" and isinstance(value, ast.Percent):
        return f"{_percent(value.fraction)}%"
    if kind == "number" and isinstance(value, (int, float)):
        return _number(value)
    return str(value)


def _number(x: float) -> str:
    """Digits the grammar reads back to the same value: no exponent (`1e-05`)."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    if isinstance(x, float):
        import decimal  # seldom needed: not imported by every command

        return format(decimal.Decimal(repr(x)), "f")
    return str(x)


def _percent(fraction: float) -> str:
    """The shortest `n` such that `n%` reads back as `fraction`, as the parser reads it
    (values.percent_of: 15% is 0.15, though 0.15 * 100 is 15.000000000000002)."""
    for digits in range(18):
        text = _number(round(fraction * 100, digits))
        if percent_of(float(text) if "." in text else int(text)) == fraction:
            return text
    return hundredfold_text(fraction)  # exact, however long


def unparse(e: ast.Expr) -> str:
    if isinstance(e, ast.Literal):
        return literal(e.value, e.kind)
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Attr):
        return f"{_wrap(e.obj, _PREC['postfix'])}.{e.name}"
    if isinstance(e, ast.Index):
        return f"{_wrap(e.obj, _PREC['postfix'])}[{unparse(e.index)}]"
    if isinstance(e, ast.Call):
        args = [unparse(a) for a in e.args] + [f"{k}: {unparse(v)}" for k, v in e.kwargs]
        head = f"{_wrap(e.receiver, _PREC['postfix'])}." if e.receiver is not None else ""
        return f"{head}{e.func}({', '.join(args)})"
    if isinstance(e, ast.Unary):
        if e.op == "not":
            return f"not {_wrap(e.operand, _PREC['not'])}"
        return f"-{_wrap(e.operand, _PREC['neg'])}"
    if isinstance(e, ast.Binary):
        p = _PREC[e.op]
        if e.op == "implies":  # right-associative
            return f"{_wrap(e.left, p + 1)} implies {_wrap(e.right, p)}"
        if e.op in ("and", "or", "+", "-", "*", "/"):  # left-associative
            return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p + 1)}"
        return f"{_wrap(e.left, p + 1)} {e.op} {_wrap(e.right, p + 1)}"
    if isinstance(e, ast.Matches):
        pattern = e.param if e.param is not None else quote(e.pattern)
        return f"{_wrap(e.subject, _PREC['matches'] + 1)} matches {pattern}"
    if isinstance(e, ast.Presence):
        word = "present" if e.present else "absent"
        return f"{_wrap(e.subject, _PREC['presence'] + 1)} {word}"
    if isinstance(e, ast.Quantifier):
        where = f" where {unparse(e.where)}" if e.where is not None else ""
        return f"{e.kind} {e.var} in {_wrap(e.collection, _PREC['postfix'])}{where}: {unparse(e.body)}"
    if isinstance(e, ast.Aggregate):
        if e.var is None and e.expr is None:  # count(x): unparse the collection once (twice
            # would cost 2^depth for count(count(...)))
            return f"{e.kind}({unparse(e.collection)})"
        where = f" where {unparse(e.where)}" if e.where is not None else ""
        coll = _wrap(e.collection, _PREC["postfix"])
        if e.expr is not None:
            return f"{e.kind}({unparse(e.expr)} for {e.var} in {coll}{where})"
        return f"{e.kind}({e.var} in {coll}{where})"
    if isinstance(e, ast.SetLit):
        return "{" + ", ".join(unparse(i) for i in e.items) + "}"
    if isinstance(e, ast.ListLit):
        return "[" + ", ".join(unparse(i) for i in e.items) + "]"
    if isinstance(e, ast.Lambda):
        return f"{e.var} -> {unparse(e.body)}"
    if isinstance(e, ast.EdgeKinds):
        return "[" + ", ".join(k + ("<-" if rev else "") for k, rev in e.steps) + "]"
    raise AssertionError(type(e).__name__)


def _wrap(e: ast.Expr | None, need: int) -> str:
    assert e is not None
    text = unparse(e)
    return f"({text})" if _prec(e) < need else text


def template(t: ast.Template) -> str:
    out = ""
    for part in t.parts:
        if isinstance(part, str):
            out += part.replace("{", "{{").replace("}", "}}")
        else:
            inner = unparse(part)
            if inner.startswith("{") or inner.endswith("}"):  # `{{` would read as a brace
                inner = f" {inner} "
            out += "{" + inner + "}"
    return quote(out)
