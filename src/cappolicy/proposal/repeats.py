"""What a proposal says twice, or says nothing with: an id listed twice in one list of ids
(a body's members, an activity's partners), which would count as two seats or two
partners, and a waiver whose reason is empty or a placeholder. validate.py makes them
errors (CP408, CP405); direct.py leaves a proposal holding one to it."""

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
