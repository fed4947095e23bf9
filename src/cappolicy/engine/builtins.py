"""The builtin functions of the rule language, one entry each.

A function takes one argument. Its entry says which argument types it accepts (a value
of unknown type, ANY, is always accepted), the diagnostic when it is given another,
the type of its result, and what it computes. The compiler (compile.py) checks a call
against the entry and makes its node; the value is computed by `values.apply`, which
makes an unknown argument give unknown and turns a value the function cannot take into
an EvalProblem naming the call. Generated code (codegen.py) may compute a function
inline for the argument classes of `inline`, on which it cannot fail.

Adding a function is one entry here plus its tests and a line in docs/language.md
(docs/contributing.md, "Adding a builtin function").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..base.record import Record
from ..lang.types import (
    ANY,
    DATE,
    NUMBER,
    STRING,
    ListT,
    MapT,
    Type,
    is_collection,
    is_numeric,
    is_stringy,
)


_set = object.__setattr__


class Function(Record):
    """One builtin function of one argument."""

    __slots__ = ("accepts", "refusal", "result", "op", "inline", "doc")
    #: the argument types it accepts (ANY always is)
    accepts: Callable[[Type], bool]
    #: the diagnostic code and message for an argument it does not accept; the message
    #: is formatted with {func} (its name), {arg} (the argument as written) and {type}
    refusal: tuple[str, str]
    #: the result type, given the argument's
    result: Callable[[Type], Type]
    #: what it computes from a known value; TypeError or AttributeError means the value
    #: does not fit (an EvalProblem for the rule)
    op: Callable[[Any], Any]
    #: generated code: the argument classes it is written inline for, and the code with
    #: the argument as {}
    inline: tuple[frozenset[type], str] | None
    doc: str

    def __init__(self, accepts: Callable[[Type], bool], refusal: tuple[str, str],
                 result: Callable[[Type], Type], op: Callable[[Any], Any],
                 inline: tuple[frozenset[type], str] | None = None, doc: str = "") -> None:
        _set(self, "accepts", accepts)
        _set(self, "refusal", refusal)
        _set(self, "result", result)
        _set(self, "op", op)
        _set(self, "inline", inline)
        _set(self, "doc", doc)


def _length(v: Any) -> Any:
    return len(v)


def _keys(v: Any) -> Any:
    return list(v.keys())


def _values(v: Any) -> Any:
    return list(v.values())


def _year(v: Any) -> Any:
    return v.year


def _slug(v: Any) -> Any:
    return "-".join(part for part in _SEPARATORS.split(v.lower()) if part)


#: what slug() makes one hyphen: a run of anything but letters and digits (spaces,
#: hyphens, underscores, dashes, points, slashes, brackets)
_SEPARATORS = re.compile(r"[\W_]+")
_SIZED = frozenset({list, dict, str, frozenset})

#: name -> function, in the order messages list them
FUNCTIONS: dict[str, Function] = {
    "count": Function(
        lambda t: is_collection(t) or is_stringy(t),
        ("CP204", "'{arg}' is a {type}; it has no length"), lambda t: NUMBER, _length,
        (_SIZED, "len({})"), "the number of elements of a collection, or of characters"),
    "len": Function(
        lambda t: is_collection(t) or is_stringy(t),
        ("CP204", "'{arg}' is a {type}; it has no length"), lambda t: NUMBER, _length,
        (_SIZED, "len({})"), "the same as count"),
    "keys": Function(
        lambda t: isinstance(t, MapT), ("CP204", "{func}() takes a map, not a {type}"),
        lambda t: ListT(t.key) if isinstance(t, MapT) else ANY, _keys,
        (frozenset({dict}), "list({}.keys())"), "the keys of a map, as a list"),
    "values": Function(
        lambda t: isinstance(t, MapT), ("CP204", "{func}() takes a map, not a {type}"),
        lambda t: ListT(t.value) if isinstance(t, MapT) else ANY, _values,
        (frozenset({dict}), "list({}.values())"), "the values of a map, as a list"),
    "year": Function(
        lambda t: t == DATE, ("CP203", "{func}() takes a date, not a {type}"),
        lambda t: NUMBER, _year, (frozenset({dt.date}), "{}.year"), "the year of a date"),
    "lower": Function(
        is_stringy, ("CP203", "{func}() takes text, not a {type}"), lambda t: STRING,
        str.lower, doc="text in lower case"),
    "upper": Function(
        is_stringy, ("CP203", "{func}() takes text, not a {type}"), lambda t: STRING,
        str.upper, doc="text in upper case"),
    "slug": Function(
        is_stringy, ("CP203", "{func}() takes text, not a {type}"), lambda t: STRING,
        _slug, doc="text in lower case, each run of characters other than letters and "
                   "digits one hyphen, none at the ends: slug(\"Data sovereignty.\") is "
                   "\"data-sovereignty\""),
    "abs": Function(
        is_numeric, ("CP203", "{func}() takes a number, not a {type}"), lambda t: t, abs,
        doc="the absolute value of a number"),
}
