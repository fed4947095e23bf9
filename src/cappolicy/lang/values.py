"""Run-time values and the operations on them, shared by every evaluation path.

Missing data is UNKNOWN, a value of its own: operations on it give UNKNOWN, and
the boolean connectives follow Kleene's three-valued logic.

Numbers are the decimals they were written as: arithmetic with a fraction (`arith`,
`total`) is exact on them and rounded to a float once (numbers.py), so that amounts
that add up to the same cents make the same float and an exact 25% share is the 25% of
a rule. Whole numbers are Python's integers, exact as they are.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .ast import Duration, Money, Percent, number_text
from .numbers import exact, exact_sum, hundredfold_text


class _Unknown:
    """The value of anything that cannot be decided for want of data."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "unknown"

    def __bool__(self) -> bool:
        raise TypeError("unknown has no truth value; use the three-valued operators")


UNKNOWN: Any = _Unknown()


#: how evidence and messages show a value that cannot be computed (a division by zero,
#: an overflow): said so, not shown as missing
UNCOMPUTABLE = "(cannot be computed)"


class EvalProblem(Exception):
    """A value that cannot be computed (division by zero, mixed currencies): the
    condition becomes unknown and the problem is reported, never a crash."""


# ------------------------------------------------------------ three-valued logic


def and3(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return True


def or3(a: Any, b: Any) -> Any:
    if a is True or b is True:
        return True
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return False


def not3(a: Any) -> Any:
    if a is UNKNOWN:
        return UNKNOWN
    return not a


def implies3(a: Any, b: Any) -> Any:
    return or3(not3(a), b)


def truth(value: Any) -> Any:
    """A condition's value as True, False or UNKNOWN (None counts as unknown)."""
    if value is True or value is False or value is UNKNOWN:
        return value
    if value is None:
        return UNKNOWN
    return bool(value)


# ------------------------------------------------------------------ comparison


def _scalar(x: Any) -> Any:
    if isinstance(x, Percent):
        return x.fraction
    if isinstance(x, Money):
        return x.amount
    if isinstance(x, Duration):
        return x.approx_days()
    return x


def equal(a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    cls = a.__class__
    if cls is b.__class__ and cls in _PLAIN:  # two texts, numbers or dates: as they are
        return a == b
    if isinstance(a, _COLLECTIONS) and isinstance(b, _COLLECTIONS):
        return _equal_collections(a, b)
    if isinstance(a, Duration) and isinstance(b, Duration):
        return a == b or a.approx_days() == b.approx_days()
    if a.__class__ is Money and b.__class__ is Money and a.currency != b.currency:
        return False  # 100000 EUR is not 100000 USD, whatever the amounts
    return bool(_scalar(a) == _scalar(b))


_COLLECTIONS = (list, tuple, set, frozenset)


def _equal_collections(a: Any, b: Any) -> Any:
    """Two collections are equal when their members are, as equal() decides it (5% is
    0.05 in a set as it is alone); a set asks for the same members, lists also the order."""
    if isinstance(a, (set, frozenset)) or isinstance(b, (set, frozenset)):
        a, b = set(a), set(b)
        if a == b:
            return True
        return and3(_all3(_any_equal(b, x) for x in a), _all3(_any_equal(a, y) for y in b))
    if len(a) != len(b):
        return False
    return _all3(equal(x, y) for x, y in zip(a, b))


def _all3(truths: Iterable[Any]) -> Any:
    """The three-valued `and` of `truths`: False at the first False."""
    seen = True
    for t in truths:
        if t is False:
            return False
        if t is UNKNOWN:
            seen = UNKNOWN
    return seen


def _any_equal(members: Iterable[Any], item: Any) -> Any:
    """Whether `item` is equal() to one of `members`: True, False, or UNKNOWN when it is
    equal to none but its equality to one is unknown."""
    found = False
    for m in members:
        e = equal(item, m)
        if e is True:
            return True
        found = found or e is UNKNOWN
    return UNKNOWN if found else False


def compare(op: str, a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if op == "==":
        return equal(a, b)
    if op == "!=":
        return not3(equal(a, b))
    if a.__class__ is Money and b.__class__ is Money and a.currency != b.currency:
        raise EvalProblem(f"{display(a)} and {display(b)} are in different currencies: "
                          "they are not compared")
    cls = a.__class__
    x, y = (a, b) if cls is b.__class__ and cls in _PLAIN else (_scalar(a), _scalar(b))
    try:
        if op == "<":
            return bool(x < y)
        if op == "<=":
            return bool(x <= y)
        if op == ">":
            return bool(x > y)
        if op == ">=":
            return bool(x >= y)
    except TypeError:
        raise EvalProblem(f"cannot order {display(a)} and {display(b)}") from None
    raise AssertionError(op)


def same_currency(money: Money, data: Mapping[str, Any], decide: Callable[[], Any]) -> Any:
    """A money value of a rule is compared with the proposal's amounts only when they are in
    its currency (funding.currency); otherwise the comparison cannot be computed (the rule
    is unknown), and says why: no currency stated, or the two currencies."""
    funding = data.get("funding")
    currency = funding.get("currency") if isinstance(funding, Mapping) else None
    if not isinstance(currency, str):
        raise EvalProblem(f"funding.currency is missing, so the proposal's amounts are not "
                          f"compared with {display(money)}")
    if currency.upper() != money.currency.upper():
        raise EvalProblem(f"{display(money)} is in {money.currency}, but the proposal's "
                          f"amounts are in {currency} (funding.currency): they are not compared")
    return decide()


def contains(collection: Any, item: Any) -> Any:
    if collection is UNKNOWN or item is UNKNOWN:
        return UNKNOWN
    if isinstance(collection, str):
        return isinstance(item, str) and item in collection
    if isinstance(collection, Mapping):
        try:
            return item in collection
        except TypeError:  # a list or a mapping: unhashable, so no key of these
            return False
    if isinstance(collection, (set, frozenset)):
        try:
            if item in collection:
                return True
        except TypeError:  # a list or a mapping: unhashable, so no member of these
            return False
        if item.__class__ is str:
            return False  # a text is equal only to the same text
        return _any_equal(collection, item)  # as equal() decides: 5% is 0.05
    if item.__class__ is str and collection.__class__ is list:
        if len(collection) > _SMALL:
            members = _text_members(collection)
            if members is not None:  # a long list of texts: asked of a set, made once
                return item in members
        elif item in collection:  # texts compare as equal() compares them
            return True
        elif all(c.__class__ is str for c in collection):  # texts only: none is equal
            return False
    if isinstance(collection, (list, tuple)):
        return _any_equal(collection, item)
    raise EvalProblem(f"{display(collection)} is not a collection")


#: a list longer than this that contains() is asked about is made a set once: a rule that
#: asks `o.id in roles.design` for each of thousands of organisations searched the list
#: for each, quadratic in the proposal
_SMALL = 32
#: the lists made sets, by id, each kept with its list (so that its id is not reused while
#: it is here); the last few only, a proposal's lists being read for one proposal
_MEMBERS: dict[int, tuple[list[Any], frozenset[str] | None]] = {}


def _text_members(collection: list[Any]) -> frozenset[str] | None:
    """The list's texts as a set, or None when it holds anything but texts (whose
    equality equal() decides)."""
    found = _MEMBERS.get(id(collection))
    if found is None or found[0] is not collection:
        if len(_MEMBERS) >= 64:
            _MEMBERS.clear()
        texts = all(c.__class__ is str for c in collection)
        found = _MEMBERS[id(collection)] = (collection,
                                            frozenset(collection) if texts else None)
    return found[1]


# ------------------------------------------------------------------ arithmetic


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, days_in(year, month)))


def days_in(year: int, month: int) -> int:
    """The days of a month of the Gregorian calendar (calendar.monthrange's second
    value, without importing it: a third of a millisecond of every start)."""
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def day_bounds(d: Duration) -> tuple[int, int] | None:
    """The fewest and the most days that `d` after a day can be, whatever the day (a
    month is 28 to 31 days, six months 181 to 184); None for a duration that goes back."""
    if d.months < 0 or d.days < 0:
        return None
    if not d.months:
        return d.days, d.days
    bounds = _month_bounds(d.months)
    return None if bounds is None else (bounds[0] + d.days, bounds[1] + d.days)


@functools.cache
def _month_bounds(months: int) -> tuple[int, int] | None:
    """The fewest and most days from a day to `months` months after it (add_months), over
    the 400 years of the Gregorian calendar's cycle: from a day 1 to 28 of a month it is
    as from the 1st, so the 1st and the days from the 29th are enough to try."""
    spans = set()
    try:
        for index in range(400 * 12):
            year, month = 2000 + index // 12, index % 12 + 1
            last = days_in(year, month)
            for day in (1, *range(29, last + 1)):
                start = dt.date(year, month, day)
                spans.add((add_months(start, months) - start).days)
    except (OverflowError, ValueError):  # past year 9999: not a span a rule can hold
        return None
    return min(spans), max(spans)


def shift(day: dt.date, d: Duration, sign: int) -> dt.date:
    try:
        return add_months(day, sign * d.months) + dt.timedelta(days=sign * d.days)
    except (OverflowError, ValueError):
        raise EvalProblem(f"{day} {'+' if sign > 0 else '-'} {d} is outside the calendar") from None


def arith(op: str, a: Any, b: Any) -> Any:
    """`a op b`. A number that is not finite (a sum or product past the largest float,
    or anything made of one) is an EvalProblem naming the values, never a value: every
    comparison with NaN is false, so it would decide a rule silently."""
    try:
        return _finite(_arith(op, a, b), a, op, b)
    except OverflowError:  # a whole number too large to become a float
        raise EvalProblem(_overflow(f"{display(a)} {op} {display(b)}")) from None


def _overflow(what: str) -> str:
    return f"{what} is not a finite number (it overflows)"


def _finite(result: Any, a: Any, op: str, b: Any) -> Any:
    if not finite(result):
        raise EvalProblem(_overflow(f"{display(a)} {op} {display(b)}"))
    return result


def finite(value: Any) -> bool:
    """Whether a value is not a number, or a number (an amount, a share) that is finite."""
    cls = value.__class__
    x = value if cls is float else value.amount if cls is Money else \
        value.fraction if cls is Percent else None
    return x is None or x.__class__ is not float or -_FMAX <= x <= _FMAX


_FMAX = 1.7976931348623157e308  # sys.float_info.max: a float beyond it is inf or NaN


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if isinstance(a, dt.date):
        if isinstance(b, Duration):
            return shift(a, b, 1 if op == "+" else -1)
        if op == "-" and isinstance(b, dt.date):
            return Duration(0, (a - b).days)
    if isinstance(a, Duration) and isinstance(b, Duration) and op in "+-":
        sign = 1 if op == "+" else -1
        return Duration(a.months + sign * b.months, a.days + sign * b.days)
    if isinstance(a, Duration) and op == "+" and isinstance(b, dt.date):
        return shift(b, a, 1)
    if isinstance(a, Money) and isinstance(b, Money):
        if a.currency != b.currency:
            raise EvalProblem(f"cannot combine {a.currency} and {b.currency}")
        if op == "/":
            return number("/", a.amount, b.amount)
        if op in "+-":
            return Money(number(op, a.amount, b.amount), a.currency)
    elif a.__class__ is Money or b.__class__ is Money:  # with a plain number or a share:
        money = a if a.__class__ is Money else b  # the amount keeps its currency, so that
        other = b if money is a else a  # `cap * 2`, `cap - spent` or `cap / 2` is still
        if (other.__class__ in _PLAIN_NUMBERS or other.__class__ is Percent and op == "*") \
                and (op in "+-*" or money is a):  # compared only in its own currency
            return Money(number(op, _scalar(a), _scalar(b)), money.currency)
    return number(op, _scalar(a), _scalar(b))


def share(value: Any) -> Any:
    """An amount over an amount, as the Percent it reads as; a money value over a plain
    amount gives its amount's share (the currency is asked where it is compared)."""
    if value is UNKNOWN:
        return UNKNOWN
    return Percent(value.amount if value.__class__ is Money else value)


def compare_money(op: str, a: Any, b: Any, data: Mapping[str, Any]) -> Any:
    """`compare`, when a money value of the rule (a let, `cap * 2`, `min([cap, ...])`) may
    meet a plain amount of the proposal: they are compared only in funding.currency."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if (a.__class__ is Money) is not (b.__class__ is Money):
        money = a if a.__class__ is Money else b
        return same_currency(money, data, lambda: compare(op, a, b))
    return compare(op, a, b)


def percent_of(share: int | float) -> float:
    """The fraction a rule's `share%` is: 33.3% is the float nearest 0.333 (as written),
    where 33.3 / 100 in binary is 0.33299999999999996."""
    return float(number("/", share, 100))


def number(op: str, x: Any, y: Any) -> Any:
    """`x op y` of two numbers: whole numbers exactly (`/` as Python divides them,
    rounded once); with a float among them, on the decimals they were written as
    (the module's doc). An infinite result is for the caller to refuse (`finite`)."""
    if op == "/" and y == 0:
        raise EvalProblem("division by zero")
    if x.__class__ is float or y.__class__ is float:
        return exact(op, x, y)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y
    raise AssertionError(op)


def negate(a: Any) -> Any:
    if a is UNKNOWN:
        return UNKNOWN
    if isinstance(a, Duration):
        return Duration(-a.months, -a.days)
    if isinstance(a, Percent):
        return Percent(-a.fraction)
    return -a


# ------------------------------------------------------------------ collections


def index(o: Any, k: Any) -> Any:
    """`o[k]`: a map's value, or a list's element counted from 0 (from the end when
    negative); unknown when either is, or when there is nothing there."""
    if o is UNKNOWN or k is UNKNOWN:
        return UNKNOWN
    if isinstance(o, Mapping):
        v = o.get(k)
    elif isinstance(o, list) and isinstance(k, int) and -len(o) <= k < len(o):
        v = o[k]
    else:
        return UNKNOWN
    return UNKNOWN if v is None else v


def apply(op: Any, text: str, v: Any) -> Any:
    """A function of the language (`op`) applied to a value, unknown on unknown; `text`
    is the call as written, for the problem when the value does not fit."""
    if v is UNKNOWN or v is None:
        return UNKNOWN
    try:
        return op(v)
    except (TypeError, AttributeError):
        raise EvalProblem(f"{text} cannot be computed from {display(v)}") from None


def elements(collection: Any) -> Any:
    """What a quantifier walks: list items, set items, or a map's values."""
    cls = collection.__class__
    if cls is list:
        return collection
    if cls is dict:
        return list(collection.values())
    if collection is UNKNOWN or collection is None:
        return UNKNOWN
    if isinstance(collection, Mapping):
        return list(collection.values())
    if isinstance(collection, (list, tuple)):
        return collection
    if isinstance(collection, (set, frozenset)):
        return sorted(collection, key=_sort_key)
    raise EvalProblem(f"{display(collection)} is not a collection")


_PLAIN_NUMBERS = frozenset({int, float})
_INTS = {int}
_MONEY = {Money}
_PLAIN = frozenset({str, int, float, dt.date})
_TEXTS = {str}
_DATES = {dt.date}


def _sort_key(x: Any) -> tuple[str, str]:
    return (type(x).__name__, str(x))


def total(items: Iterable[Any]) -> Any:
    """The sum of `items`, left to right; one that is not a finite number (finite
    amounts that add up past the largest float) is an EvalProblem naming them."""
    items = items if isinstance(items, list) else list(items)
    classes = set(map(type, items))
    if classes == _INTS or not items:  # whole numbers, the usual case, and none: 0, as
        return sum(items)  # the generated code adds them
    result: Any = 0
    try:
        if classes <= _PLAIN_NUMBERS:  # with a float among them: added as decimals, exactly
            result = exact_sum(items)
            if not -_FMAX <= result <= _FMAX:
                raise EvalProblem(_overflow(f"the sum of {display(items)}"))
            return result
        if classes == _MONEY and len({item.currency for item in items}) == 1:
            # amounts of one currency: added as decimals, rounded once
            result = Money(exact_sum([item.amount for item in items]), items[0].currency)
        else:
            for item in items:
                if item is UNKNOWN or item is None:
                    return UNKNOWN
                result = item if result == 0 and not isinstance(result, Money) and isinstance(
                    item, Money) else _arith("+", result, item)
    except OverflowError:  # a whole number too large to become a float
        raise EvalProblem(_overflow(f"the sum of {display(items)}")) from None
    if not finite(result):
        raise EvalProblem(_overflow(f"the sum of {display(items)}"))
    return result


def union(collections: Iterable[Any]) -> Any:
    """The distinct elements of all the collections (told apart as `==` tells them), in
    the order first met: unknown if any collection is."""
    out: list[Any] = []
    seen: set[Any] | None = set()  # while every element is a plain text, number or date
    for collection in collections:
        items = collection if collection.__class__ is list else elements(collection)
        if items is UNKNOWN:
            return UNKNOWN
        for item in items:
            if seen is not None and item.__class__ in _PLAIN:
                if item not in seen:
                    seen.add(item)
                    out.append(item)
            elif not any(equal(item, o) is True for o in out):
                seen = None  # a percent equals its fraction: from now on, compared one by one
                out.append(item)
    return out


def extreme(kind: str, items: Iterable[Any]) -> Any:
    values = items if isinstance(items, list) else list(items)
    classes = set(map(type, values))
    if classes and (classes <= _PLAIN_NUMBERS or classes == _TEXTS or classes == _DATES):
        return min(values) if kind == "min" else max(values)  # each value is its own key
    if not values or _Unknown in classes or type(None) in classes:
        return UNKNOWN
    if classes == _MONEY and len({v.currency for v in values}) > 1:
        raise EvalProblem(f"the amounts of {kind}(...) are in different currencies: "
                          "they are not compared")
    try:
        return min(values, key=_scalar) if kind == "min" else max(values, key=_scalar)
    except TypeError:
        raise EvalProblem(f"cannot order the values of {kind}(...)") from None


# ------------------------------------------------------------------ display


def display(value: Any, *, as_percent: bool = False) -> str:
    """How a value is shown to a reviewer in evidence and messages."""
    cls = value.__class__  # the usual texts and records first: as the branches below
    if cls is str:
        known = _SHOWN_TEXTS.get(value)
        return known if known is not None else _display_str(value)
    if cls is dict:
        return _display_mapping(value)
    if value is UNKNOWN or value is None:
        return "(missing)"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)) and as_percent:
        return str(Percent(float(value)))
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, (dt.date, Duration, Money, Percent, int)):
        return str(value)
    if isinstance(value, str):
        return _display_text(value)
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(display(v) for v in sorted(value, key=_sort_key)) + "}"
    if isinstance(value, (list, tuple)):
        shown = [display(v) for v in value[:8]]
        if len(value) > 8:
            shown.append(f"... {len(value) - 8} more")
        return "[" + ", ".join(shown) + "]"
    names = getattr(value, "shown", None)  # a graph edge names itself
    if callable(names):
        return str(names())
    if isinstance(value, Mapping):
        return _display_mapping(value)
    return str(value)


def display_exact(value: Any, as_percent: bool = False) -> str:
    """A number as display shows it, but with every digit it has: for the two sides of
    a comparison that display would show alike (a share of 12.34569% against 12.3457%)."""
    if isinstance(value, Percent):
        return f"{hundredfold_text(value.fraction)}%"
    if as_percent and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{hundredfold_text(value)}%"
    if isinstance(value, Money):
        return f"{_every_digit(value.amount)} {value.currency}"
    if value.__class__ is float:
        return _every_digit(value)
    return display(value, as_percent=as_percent)


def _every_digit(x: float) -> str:
    return str(int(x)) if x.__class__ is int or x.is_integer() and abs(x) < 1e16 else repr(x)


def _display_text(value: str) -> str:
    """A text shown bare when every character is a letter, a digit or one of -_./:
    (those taken out, the rest all letters and digits, or nothing), else quoted."""
    return value if _BARE(value) else f'"{value}"'


def _display_str(value: str) -> str:
    """_display_text of a plain text, kept for the next time when it is short: evidence
    shows the same ids, codes and names again and again (a country code at every
    comparison of a proposal's organisations)."""
    shown = _display_text(value)
    if len(value) <= 64:
        if len(_SHOWN_TEXTS) >= 4096:
            _SHOWN_TEXTS.clear()
        _SHOWN_TEXTS[value] = shown
    return shown


#: plain texts (str itself: never a Deferred, translated when shown) -> as display shows them
_SHOWN_TEXTS: dict[str, str] = {}
#: a text _display_text shows bare: \w is what str.isalnum() holds for, and `_`
#: (three times as quick as taking the marks out with str.translate, then isalnum)
_BARE = re.compile(r"[\w\-./:]+").fullmatch


def _display_mapping(value: Mapping[Any, Any]) -> str:
    if "id" in value:
        return display(value["id"])
    items = list(value.items())[:6]
    return "{" + ", ".join(f"{k}: {display(v)}" for k, v in items) + (
        ", ..." if len(value) > 6 else "") + "}"


def text(value: Any) -> str:
    """A value interpolated into a message: strings are not quoted."""
    if value.__class__ is str or isinstance(value, str):
        return value
    return display(value)
