"""What a proposal says twice, two ways, or says nothing with: an id listed twice in one
list of ids (a body's members, an activity's partners), which would count as two seats or
two partners, amounts said in two currencies, which would be added up as one, and a waiver
whose reason is empty or a placeholder. validate.py makes them errors (CP408, CP413,
CP405); direct.py leaves a proposal holding one to it (the currencies are extension
fields, which it leaves to validate.py whatever they hold)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..lang.types import ListT, RecordT, RefT
from . import schema

if TYPE_CHECKING:
    from .model import Path


def unreasoned_waivers(data: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    """Each waiver whose reason says nothing (empty, or a placeholder such as TODO): the
    path of the reason and its text. Leaving the reason out is CP405; so is this."""
    from .placeholders import placeholder

    waivers = data.get("waivers")
    for index, waiver in enumerate(waivers if isinstance(waivers, list) else ()):
        reason = waiver.get("reason") if isinstance(waiver, dict) else None
        if isinstance(reason, str) and placeholder(reason):
            yield ("waivers", index, "reason"), reason


def foreign_currencies(data: Mapping[str, Any]) -> Iterator[tuple[Path, Any, Path, Any]]:
    """Each `currency` of a funding source, of the budget or of a budget line (an
    extension: format v1 has none there) that is not the proposal's currency:
    funding.currency, or, when that is not given, the first such `currency`. The path of
    the currency and its value, then the path and value of the one it differs from. Codes
    are compared in capitals without the spaces round them; a value that is no text nor
    number differs from any other."""
    funding, budget = data.get("funding"), data.get("budget")
    stated = funding.get("currency") if isinstance(funding, dict) else None
    first: tuple[Path, Any] | None = (("funding", "currency"), stated) \
        if isinstance(stated, str) else None
    # the budget's own `currency` (budget: {currency: XAD, lines: ...}) says the same of
    # each of its lines
    said: list[tuple[Path, Any]] = [(("budget", "currency"), budget.get("currency"))] \
        if isinstance(budget, dict) else []
    for path, records in ((("funding", "sources"), funding), (("budget", "lines"), budget)):
        listed = records.get(path[1]) if isinstance(records, dict) else None
        said.extend(((*path, index, "currency"), record.get("currency"))
                    for index, record in enumerate(listed if isinstance(listed, list) else ())
                    if isinstance(record, dict))
    for here, value in said:
        if value is None:
            continue
        if first is None:
            first = (here, value)
        elif _code(value) is None or _code(value) != _code(first[1]):
            yield here, value, *first


def _code(value: Any) -> str | None:
    """A currency as compared: `eur` and ` EUR` are EUR; None for what is no code."""
    if isinstance(value, str):
        return value.strip().upper()
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def repeated_refs(data: Mapping[str, Any]) -> list[tuple[Path, str, int]]:
    """Each id a list of ids holds again (a body's members, an activity's partners): the
    path of the repeat, the id, and the index where it is first listed. Only the fields
    that hold such lists, or records that do, are looked at (_ref_lists): a walk of a few
    microseconds, made for every proposal loaded."""
    out: list[tuple[Path, str, int]] = []
    _repeats(data, schema.PROPOSAL, (), out)
    return out


def _repeats(data: Mapping[str, Any], type_: RecordT, path: Path,
             out: list[tuple[Path, str, int]]) -> None:
    for name, kind, item in _ref_lists(type_):
        value = data.get(name)
        if value is None:
            continue
        if kind == "ids":
            if value.__class__ is list and len(value) > 1:
                texts = [v for v in value if isinstance(v, str)]
                if len(set(texts)) < len(texts):  # (seldom) a repeat: say where
                    first: dict[str, int] = {}
                    for index, ident in enumerate(value):
                        if isinstance(ident, str) and first.setdefault(ident, index) != index:
                            out.append(((*path, name, index), ident, first[ident]))
        elif kind == "record":
            if isinstance(value, Mapping):
                _repeats(value, item, (*path, name), out)
        elif value.__class__ is list:
            for index, element in enumerate(value):
                if isinstance(element, Mapping):
                    _repeats(element, item, (*path, name, index), out)


#: _ref_lists by the identity of the record type (the schema's, alive as long as the
#: process; a record type is hashed field by field, which costs more than the walk)
_REF_LISTS: dict[int, tuple[RecordT, tuple[tuple[str, str, Any], ...]]] = {}


def _ref_lists(type_: RecordT) -> tuple[tuple[str, str, Any], ...]:
    """The fields of `type_` that are lists of ids ("ids"), or records or lists of
    records that hold such lists somewhere ("record", "records", with their type)."""
    found = _REF_LISTS.get(id(type_))
    if found is not None:
        return found[1]
    out: list[tuple[str, str, Any]] = []
    for field in type_.fields:
        if isinstance(field.type, RecordT) and _ref_lists(field.type):
            out.append((field.name, "record", field.type))
        elif isinstance(field.type, ListT):
            item = field.type.item
            if isinstance(item, RecordT) and _ref_lists(item):
                out.append((field.name, "records", item))
            elif isinstance(item, RefT):
                out.append((field.name, "ids", None))
    _REF_LISTS[id(type_)] = (type_, tuple(out))  # the type kept: its id stays its own
    return tuple(out)
