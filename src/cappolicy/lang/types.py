"""The types of the rule language, also used to describe proposal format v1."""

from __future__ import annotations

from collections.abc import Mapping

from ..base.record import Record

_set = object.__setattr__


class Type(Record):
    """Base of every type; subclasses are frozen records (base/record.py), written out
    rather than made by attrs: every command imports them."""

    __slots__ = ()

    def describe(self) -> str:
        raise NotImplementedError


class Prim(Type):
    """bool, number, percent, money, string, date, duration, country, language,
    currency, year, regex, any, null."""

    __slots__ = ("name",)
    name: str

    def __init__(self, name: str) -> None:
        _set(self, "name", name)

    def describe(self) -> str:
        return self.name


class EnumT(Type):
    """A string restricted to a closed set of values (format v1 enumerations)."""

    __slots__ = ("name", "values")
    name: str
    values: tuple[str, ...]

    def __init__(self, name: str, values: tuple[str, ...]) -> None:
        _set(self, "name", name)
        _set(self, "values", values)

    def describe(self) -> str:
        return f"{self.name} ({', '.join(self.values)})"


class ListT(Type):
    __slots__ = ("item",)
    item: Type

    def __init__(self, item: Type) -> None:
        _set(self, "item", item)

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


class SetT(Type):
    __slots__ = ("item",)
    item: Type

    def __init__(self, item: Type) -> None:
        _set(self, "item", item)

    def describe(self) -> str:
        return f"set of {self.item.describe()}"


class MapT(Type):
    __slots__ = ("key", "value")
    key: Type
    value: Type

    def __init__(self, key: Type, value: Type) -> None:
        _set(self, "key", key)
        _set(self, "value", value)

    def describe(self) -> str:
        return f"map of {self.key.describe()} to {self.value.describe()}"


class Field(Record):
    __slots__ = ("name", "type", "required", "doc")
    name: str
    type: Type
    required: bool
    doc: str

    def __init__(self, name: str, type: Type, required: bool = False, doc: str = "") -> None:
        _set(self, "name", name)
        _set(self, "type", type)
        _set(self, "required", required)
        _set(self, "doc", doc)


class RecordT(Type):
    __slots__ = ("name", "fields", "open")
    name: str
    fields: tuple[Field, ...]
    open: bool  # unknown keys are extensions, kept but untyped

    def __init__(self, name: str, fields: tuple[Field, ...], open: bool = True) -> None:
        _set(self, "name", name)
        _set(self, "fields", fields)
        _set(self, "open", open)

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def describe(self) -> str:
        return self.name


class RefT(Type):
    """An id that refers to another element of the proposal.

    At run time the value is the id (a string); reading an attribute of it reads
    the attribute of the element it names, so `act.led_by.country` works.
    `target` is a record name: organisation, body, activity, node (organisation
    or body), mandate (`org-id/mandate-id`)."""

    __slots__ = ("target",)
    target: str

    def __init__(self, target: str) -> None:
        _set(self, "target", target)

    def describe(self) -> str:
        return f"reference to {self.target}"


BOOL = Prim("bool")
NUMBER = Prim("number")
PERCENT = Prim("percent")
MONEY = Prim("money")
STRING = Prim("string")
DATE = Prim("date")
DURATION = Prim("duration")
COUNTRY = Prim("country")
LANGUAGE = Prim("language")
CURRENCY = Prim("currency")
YEAR = Prim("year")
ANY = Prim("any")
NULL = Prim("null")

NUMERIC = {"number", "percent", "money", "year"}
STRINGY = {"string", "country", "language", "currency"}


def is_numeric(t: Type) -> bool:
    return isinstance(t, Prim) and t.name in NUMERIC


def is_stringy(t: Type) -> bool:
    return isinstance(t, (EnumT, RefT)) or (isinstance(t, Prim) and t.name in STRINGY)


def is_collection(t: Type) -> bool:
    return isinstance(t, (ListT, SetT, MapT))


def element_type(t: Type) -> Type:
    """What iterating a collection yields (a map yields its values)."""
    if isinstance(t, (ListT, SetT)):
        return t.item
    if isinstance(t, MapT):
        return t.value
    return ANY


def comparable(a: Type, b: Type) -> bool:
    """Whether `==` / `<` between values of these types means anything."""
    if a == ANY or b == ANY or a == NULL or b == NULL:
        return True
    if is_numeric(a) and is_numeric(b):
        return True
    if is_stringy(a) and is_stringy(b):
        return True
    if isinstance(a, Prim) and isinstance(b, Prim):
        return a.name == b.name
    if is_collection(a) and is_collection(b):
        return True
    return type(a) is type(b)


def ordered(t: Type) -> bool:
    return is_numeric(t) or t in (DATE, DURATION, STRING, ANY) or is_stringy(t)


def unify(a: Type, b: Type) -> Type:
    """The type of a value that may be either (for set literals, min/max...)."""
    if a == b:
        return a
    if a == ANY or a == NULL:
        return b
    if b == ANY or b == NULL:
        return a
    if is_numeric(a) and is_numeric(b):
        return NUMBER
    if is_stringy(a) and is_stringy(b):
        return STRING
    return ANY


def fields_of(t: Type, records: Mapping[str, RecordT]) -> RecordT | None:
    """The record behind a record type or a reference."""
    if isinstance(t, RecordT):
        return t
    if isinstance(t, RefT):
        return records.get(t.target)
    return None
