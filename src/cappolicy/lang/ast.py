"""The syntax tree of rule files: frozen attrs nodes, each with a span that
equality ignores (so `parse(fmt(x)) == parse(x)` compares meaning, not layout)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Union

import attrs

from ..base.pickling import by_fields
from ..base.span import Span, nospan

_span = attrs.field(eq=False, default=attrs.Factory(nospan), repr=False)


# ------------------------------------------------------------------ values


@by_fields
@attrs.frozen
class Duration:
    """A calendar duration: months and days kept apart so `1 month` stays exact."""

    months: int = 0
    days: int = 0

    AVERAGE_MONTH_DAYS = 30.436875  # 365.2425 / 12, used only to compare mixed durations

    def approx_days(self) -> float:
        return self.months * self.AVERAGE_MONTH_DAYS + self.days

    def __str__(self) -> str:
        parts = []
        if self.months:
            years, months = divmod(self.months, 12)
            if years and not months:
                parts.append(f"{years} year" + ("s" if years != 1 else ""))
            else:
                parts.append(f"{self.months} month" + ("s" if self.months != 1 else ""))
        if self.days or not parts:
            parts.append(f"{self.days} day" + ("s" if self.days != 1 else ""))
        return " ".join(parts)


@by_fields
@attrs.frozen
class Money:
    amount: float
    currency: str

    def __str__(self) -> str:
        return f"{_num(self.amount)} {self.currency}"


@by_fields
@attrs.frozen
class Percent:
    """A share written `15%`; `fraction` is 0.15."""

    fraction: float

    def __str__(self) -> str:
        return f"{_num(self.fraction * 100)}%"


def _num(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:  # 1e308, not 309 digits
        return str(int(x))
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x)


LiteralValue = Union[bool, int, float, str, _dt.date, Duration, Money, Percent]


# ------------------------------------------------------------- expressions


@by_fields
@attrs.frozen
class Literal:
    value: Any
    kind: str  # bool number percent money string date duration country
    span: Span = _span


@by_fields
@attrs.frozen
class Name:
    id: str
    span: Span = _span


@by_fields
@attrs.frozen
class Attr:
    obj: Expr
    name: str
    span: Span = _span


@by_fields
@attrs.frozen
class Index:
    obj: Expr
    index: Expr
    span: Span = _span


@by_fields
@attrs.frozen
class Call:
    func: str
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...] = ()
    receiver: Expr | None = None  # `graph.nodes(...)`: the object before the dot
    span: Span = _span


@by_fields
@attrs.frozen
class Unary:
    op: str  # not | -
    operand: Expr
    span: Span = _span


@by_fields
@attrs.frozen
class Binary:
    op: str  # and or implies + - * / == != < <= > >= in not-in
    left: Expr
    right: Expr
    span: Span = _span


@by_fields
@attrs.frozen
class Matches:
    subject: Expr
    pattern: str
    pattern_span: Span = _span
    span: Span = _span
    param: str | None = None  # `matches NAME`: the pattern is this string param's value


@by_fields
@attrs.frozen
class Presence:
    subject: Expr
    present: bool
    span: Span = _span


@by_fields
@attrs.frozen
class Quantifier:
    kind: str  # any | all
    var: str
    collection: Expr
    where: Expr | None
    body: Expr
    span: Span = _span


@by_fields
@attrs.frozen
class Aggregate:
    """count/sum/min/max over a collection, optionally `expr for x in c where w`."""

    kind: str
    var: str | None
    collection: Expr
    where: Expr | None
    expr: Expr | None
    span: Span = _span


@by_fields
@attrs.frozen
class SetLit:
    items: tuple[Expr, ...]
    span: Span = _span


@by_fields
@attrs.frozen
class ListLit:
    items: tuple[Expr, ...]
    span: Span = _span


@by_fields
@attrs.frozen
class Lambda:
    """`n -> condition`: a condition on one graph node, for graph queries."""

    var: str
    body: Expr
    span: Span = _span


@by_fields
@attrs.frozen
class EdgeKinds:
    """The `via: [reports_to, oversees<-]` of a graph query: edge kinds to
    follow, each forwards or (`<-`) backwards."""

    steps: tuple[tuple[str, bool], ...]  # (kind, reverse)
    span: Span = _span


Expr = Union[
    Literal, Name, Attr, Index, Call, Unary, Binary, Matches, Presence, Quantifier,
    Aggregate, SetLit, ListLit, Lambda, EdgeKinds,
]


@by_fields
@attrs.frozen
class Template:
    """A message with `{expression}` holes: parts are text or expressions."""

    parts: tuple[str | Expr, ...]
    text: str  # the source text between the quotes
    span: Span = _span


@by_fields
@attrs.frozen
class Translation:
    """`message fr "…"`, `hint es "…"`, `title fr "…"`: a rule's message, hint or title
    in another language."""

    lang: str  # a lower-case BCP 47 tag: fr, es, pt-br
    field: str  # message | hint | title
    template: Template
    span: Span = _span


# ----------------------------------------------------------------- rules


@by_fields
@attrs.frozen
class ForClause:
    var: str
    collection: Expr
    where: Expr | None
    span: Span = _span


@by_fields
@attrs.frozen
class Let:
    name: str
    expr: Expr
    span: Span = _span


@by_fields
@attrs.frozen
class Rule:
    id: str
    title: str
    principle: str | None
    source: str | None
    severity: str | None
    for_: ForClause | None
    lets: tuple[Let, ...]
    when: Expr | None
    check_kind: str | None  # require | forbid
    check: Expr | None
    message: Template | None
    hint: Template | None
    span: Span = _span
    id_span: Span = _span
    # the title in other languages, then the message, then the hint, each in source order
    translations: tuple[Translation, ...] = ()


@by_fields
@attrs.frozen
class TypeExpr:
    name: str
    of: str | None = None
    span: Span = _span

    def __str__(self) -> str:
        return f"{self.name} of {self.of}" if self.of else self.name


@by_fields
@attrs.frozen
class Param:
    name: str
    type: TypeExpr
    default: Expr
    stricter: str | None  # higher | lower | larger | smaller | narrower
    doc: str | None
    span: Span = _span


@by_fields
@attrs.frozen
class SetParam:
    name: str
    value: Expr
    because: str | None
    span: Span = _span


@by_fields
@attrs.frozen
class Override:
    rule: str
    field: str  # severity | message | hint | title (a title only with a `lang`)
    value: str | Template
    because: str | None
    span: Span = _span
    lang: str | None = None  # `override R message fr "…"`: the message in that language


@by_fields
@attrs.frozen
class Disable:
    rule: str
    because: str | None
    span: Span = _span


Item = Union[Param, SetParam, Override, Disable, Rule]


@by_fields
@attrs.frozen
class RuleFile:
    """One parsed .cpol file."""

    ruleset: str
    title: str | None
    version: str | None
    extends: str | None
    jurisdiction: tuple[str, ...]
    items: tuple[Item, ...]
    file: str = attrs.field(eq=False, default="")
    span: Span = _span
    extends_span: Span = _span
