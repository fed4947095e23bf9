"""The types of the rule language, also used to describe proposal format v1."""

from __future__ import annotations

from collections.abc import Mapping

import attrs


class Type:
    """Base of every type; subclasses are frozen attrs classes."""

    def describe(self) -> str:
        raise NotImplementedError


@attrs.frozen
class Prim(Type):
    """bool, number, percent, money, string, date, duration, country, language,
    currency, year, regex, any, null."""

    name: str

    def describe(self) -> str:
        return self.name


@attrs.frozen
class EnumT(Type):
    """A string restricted to a closed set of values (format v1 enumerations)."""

    name: str
    values: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.name} ({', '.join(self.values)})"


@attrs.frozen
class ListT(Type):
    item: Type

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


@attrs.frozen
class SetT(Type):
    item: Type

    def describe(self) -> str:
        return f"set of {self.item.describe()}"


@attrs.frozen
class MapT(Type):
    key: Type
    value: Type

    def describe(self) -> str:
        return f"map of {self.key.describe()} to {self.value.describe()}"


@attrs.frozen
class Field:
    name: str
    type: Type
    required: bool = False
    doc: str = ""


@attrs.frozen
class RecordT(Type):
    name: str
    fields: tuple[Field, ...]
    open: bool = True  # unknown keys are extensions, kept but untyped

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def describe(self) -> str:
        return self.name


@attrs.frozen
class RefT(Type):
    """An id that refers to another element of the proposal.

    At run time the value is the id (a string); reading an attribute of it reads
    the attribute of the element it names, so `act.led_by.country` works.
    `target` is a record name: organisation, body, activity, node (organisation
    or body), mandate (`org-id/mandate-id`)."""

    target: str

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
