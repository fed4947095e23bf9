"""Check a composed proposal against format v1 and turn it into plain values.

The walk follows the types of `cappolicy.proposal.schema`: RecordT fields, ListT items,
MapT entries, EnumT values, RefT ids and Prim scalars. Every problem becomes a
located diagnostic and the walk goes on, so one run reports them all; ids and
references are checked after the walk, when every id is known.

Decisions the rest of cappolicy relies on:
- a null value of an optional field counts as absent (its position is kept);
  of a required field it is CP405;
- a date field takes a YAML date or an ISO `YYYY-MM-DD` string; a date with a
  time is an error (a proposal's dates are calendar days);
- a text field takes any scalar as written (`objectives: [3.4]` gives "3.4");
- number fields take ints and finite floats, never booleans;
- an unknown field close to a known one is an error (CP411); any other is an
  extension (CP412 warning): kept as loaded, with string keys, and with `None`
  for nulls and text for dates with a time;
- every amount is in funding.currency: a `currency` on a funding source or a budget
  line that names another is CP413 (`check_currencies`), the same one stays CP412.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..base.deferred import N_
from ..base.errors import Diagnostic, alike, did_you_mean, fresh_suggestions
from ..base.patterns import lazy
from ..base.record import Record
from ..base.span import Span
from ..lang.types import YEAR, EnumT, Field, ListT, MapT, Prim, RecordT, RefT, SetT, Type
from . import schema
from .model import UniquePositions, format_path
from .repeats import foreign_currencies, repeated_refs, unreasoned_waivers

if TYPE_CHECKING:
    from .model import Path
    from .nodes import Node

_INVALID: Any = object()  # a value that was reported and is left out

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = lazy(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[Tt ]")
_YEAR = lazy(r"[0-9]{4}")
_NUMERAL = lazy(r"[-+]?[0-9][0-9_,.' ]*")


class Validated(Record):
    """A proposal's data, where each value is, and what was wrong (a record, not an attrs
    class made at every start)."""

    __slots__ = ("data", "positions", "diagnostics")
    data: dict[str, Any]
    positions: dict[Path, Span]
    diagnostics: tuple[Diagnostic, ...]  # errors and warnings, in walk order

    def __init__(self, data: dict[str, Any], positions: dict[Path, Span],
                 diagnostics: tuple[Diagnostic, ...]) -> None:
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "positions", positions)
        object.__setattr__(self, "diagnostics", diagnostics)


def validate(root: Node | None, name: str, start: Span, *, unique: bool = False) -> Validated:
    """Check `root` against schema.PROPOSAL; `start` is where the document starts.
    `unique`: no node of the document is met twice (it has no alias), so that no two
    paths share a span (model.UniquePositions)."""
    fresh_suggestions()  # its misspellings get their own budget of suggestions
    walker = _Walker(name, unique)
    data = walker.proposal(root, start)
    return Validated(data, walker.positions, tuple(walker.diagnostics))


def _deref(node: Node) -> Node:
    while node.kind == "alias":
        node = node.value
    return node


class _Walker:
    def __init__(self, name: str, unique: bool = False) -> None:
        self.name = name
        self.positions: dict[Path, Span] = UniquePositions() if unique else {}
        self.diagnostics: list[Diagnostic] = []
        self.refs: list[tuple[str, str, Span]] = []  # target, id, where

    def error(self, code: str, message: str, span: Span, help_: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help_))

    def problem(self, node: Node) -> None:
        assert node.problem is not None
        code, message, help_ = node.problem
        self.error(code, message, node.span, help_)

    # --- the document -----------------------------------------------------------------

    def proposal(self, root: Node | None, start: Span) -> dict[str, Any]:
        if root is None:
            self.error("CP404", N_("the file is empty; a proposal is a mapping of fields"),
                       Span(self.name, 1, 1), N_("start with 'cappolicy: 1'"))
            return {}
        self.positions[()] = Span(
            self.name, start.line, start.column, root.span.end_line, root.span.end_column)
        if root.problem is not None:
            self.problem(root)
            return {}
        if root.kind != "map":
            self.error("CP404", N_("a proposal is a mapping of fields at the top level; "
                                   "found {found}", found=_found(root)), root.span,
                       N_("start with 'cappolicy: 1', then 'id:', 'title:' and the other "
                          "fields"))
            return {}
        if not self.version(root):
            return {}
        data = self.record(root, schema.PROPOSAL, (), root.span)
        self.check_ids(data)
        self.check_coherence(data)
        return data  # type: ignore[no-any-return]

    def version(self, root: Node) -> bool:
        """Whether the format version is one we read (a missing one is CP405, later)."""
        for key, value in root.value:
            if _deref(key).kind == "scalar" and _deref(key).text == "cappolicy":
                target = _deref(value)
                if target.kind == "scalar" and target.tag == "int" and target.value == 1:
                    return True
                found = target.text if target.kind == "scalar" and target.text else _found(target)
                if target.kind == "scalar" and target.tag == "str" and \
                        found.strip() == str(schema.FORMAT_VERSION):
                    # "1", quoted (as a JSON writer may): the version, not as a number
                    self.error("CP410", N_("the format version is the text '{found}', not the "
                                           "number {version}", found=found,
                                           version=schema.FORMAT_VERSION), value.span,
                               N_("write 'cappolicy: {version}' without quotes",
                                  version=schema.FORMAT_VERSION))
                    return False
                self.error(
                    "CP410", N_("unsupported format version {found}; cappolicy reads format "
                                "{version}", found=found, version=schema.FORMAT_VERSION),
                    value.span,
                    N_("write 'cappolicy: {version}' and the fields of format {version}, or "
                       "use a cappolicy that reads format {found}",
                       version=schema.FORMAT_VERSION, found=found))
                return False
        return True

    # --- values by type ---------------------------------------------------------------

    def value(self, node: Node, type_: Type, path: Path) -> Any:
        at = node.span
        self.positions[path] = at
        target = _deref(node)
        if target.problem is not None:
            self.problem(target)
            return _INVALID
        if isinstance(type_, RecordT):
            return self.record(target, type_, path, at)
        if isinstance(type_, (ListT, SetT)):
            return self.list(target, type_, path, at)
        if isinstance(type_, MapT):
            return self.map(target, type_, path, at)
        return self.scalar(target, type_, at)

    def record(self, node: Node, type_: RecordT, path: Path, at: Span) -> Any:
        if node.kind != "map":
            self.expected(type_, node, at)
            return _INVALID
        out: dict[str, Any] = {}
        suggested: set[str] = set()
        seen: set[str] = set()
        for key, key_node, value_node in self.entries(node):
            seen.add(key)
            kpath = (*path, key)
            field = type_.field(key)
            if field is None:
                if self.extension_field(key, key_node.span, type_, suggested):
                    self.positions[(*kpath, "<key>")] = key_node.span
                    out[key] = self.extension(value_node, kpath)
                continue
            self.positions[(*kpath, "<key>")] = key_node.span
            target = _deref(value_node)
            if target.kind == "scalar" and target.tag == "null" and target.problem is None:
                self.positions[kpath] = value_node.span
                if field.required:
                    self.error("CP405", N_("required field '{field}' of {record} is empty",
                                           field=key, record=type_.name),
                               key_node.span, _field_help(field))
                continue
            value = self.value(value_node, field.type, kpath)
            if value is not _INVALID:
                out[key] = value
        for field in type_.fields:
            if field.required and field.name not in seen and field.name not in suggested:
                self.error("CP405", N_("missing required field '{field}' in {record}",
                                       field=field.name, record=type_.name),
                           node.span, _field_help(field))
        return out

    def extension_field(self, key: str, span: Span, type_: RecordT, suggested: set[str]) -> bool:
        """Report an unknown field; whether to keep it as an extension."""
        if key == "<<":
            self.error("CP404", N_("YAML merge keys ('<<') are not supported"), span,
                       N_("write the fields out; an alias (*name) can repeat a whole value"))
            return False
        close = None if key.lower().startswith(("x-", "x_")) else near_miss(
            key, type_.field_names())
        if close is not None:
            suggested.add(close)
            self.error("CP411", N_("unknown field '{field}' in {record}", field=clip(key),
                                   record=type_.name), span,
                       N_("did you mean '{name}'?", name=close))
            return False
        self.diagnostics.append(Diagnostic(
            "CP412", N_("unknown field '{field}' in {record}, kept as an extension",
                        field=clip(key), record=type_.name),
            span, N_("the fields of {record} are: {fields}", record=type_.name,
                     fields=", ".join(type_.field_names())),
            level="warning"))
        return True

    def key(self, key_node: Node) -> str | None:
        target = _deref(key_node)
        if target.problem is not None:
            self.problem(target)
            return None
        if target.kind != "scalar":
            self.error("CP404", N_("a field name must be plain text, found {found}",
                                   found=_found(target)), key_node.span)
            return None
        return target.text

    def entries(self, node: Any) -> Iterator[tuple[str, Any, Any]]:
        """A mapping's (key, key node, value node), each key once: a repeated key is
        reported and skipped, an unusable key skipped (self.key reported it)."""
        seen: dict[str, Span] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if key is None:
                continue
            if key in seen:
                self.duplicate_key(key, key_node.span, seen[key])
                continue
            seen[key] = key_node.span
            yield key, key_node, value_node

    def duplicate_key(self, key: object, span: Span, first: Span) -> None:
        self.error("CP408", N_("duplicate key '{key}'", key=clip(str(key))), span,
                   N_("it is first given at line {line}; keep one of them", line=first.line))

    def list(self, node: Node, type_: ListT | SetT, path: Path, at: Span) -> Any:
        if node.kind != "seq":
            self.expected(type_, node, at)
            return _INVALID
        out = []
        for index, item in enumerate(node.value):
            value = self.value(item, type_.item, (*path, index))
            out.append(None if value is _INVALID else value)  # keeps indices = positions
        return out

    def map(self, node: Node, type_: MapT, path: Path, at: Span) -> Any:
        if node.kind != "map":
            self.expected(type_, node, at)
            return _INVALID
        out: dict[Any, Any] = {}
        seen: dict[Any, Span] = {}
        for key_node, value_node in node.value:
            key = self.map_key(key_node, type_.key)
            if key is _INVALID:
                continue
            if key in seen:
                self.duplicate_key(key, key_node.span, seen[key])
                continue
            seen[key] = key_node.span
            kpath = (*path, key)
            self.positions[(*kpath, "<key>")] = key_node.span
            value = self.value(value_node, type_.value, kpath)
            if value is not _INVALID:
                out[key] = value
        return out

    def map_key(self, key_node: Node, type_: Type) -> Any:
        target = _deref(key_node)
        if target.problem is not None:
            self.problem(target)
            return _INVALID
        if type_ == YEAR:
            if target.kind == "scalar" and target.tag == "int" and 1000 <= target.value <= 9999:
                return target.value
            if target.kind == "scalar" and target.tag == "str" and _YEAR.fullmatch(target.text):
                return int(target.text)
            self.error("CP404", N_("expected a year, found {found}", found=_found(target)),
                       key_node.span, N_("amounts by year are written 'by_year: {example}'",
                                         example="{2027: 1200000, 2028: 900000}"))
            return _INVALID
        key = self.key(key_node)
        return _INVALID if key is None else key

    def scalar(self, node: Node, type_: Type, at: Span) -> Any:
        if isinstance(type_, EnumT):
            text = self.text(node, type_, at)
            if text is None:
                return _INVALID
            if text not in type_.values:
                close = did_you_mean(text, type_.values)
                self.error("CP406", N_("unknown {kind} '{value}'", kind=type_.name,
                                       value=clip(text)), at,
                           N_("did you mean '{name}'?", name=close) if close
                           else N_("the values of {kind} are: {values}", kind=type_.name,
                                   values=", ".join(type_.values)))
                return _INVALID
            return text
        if isinstance(type_, RefT):
            text = self.text(node, type_, at)
            if text is None:
                return _INVALID
            self.refs.append((type_.target, text, at))
            return text
        name = type_.name if isinstance(type_, Prim) else "any"
        if name in ("number", "money", "percent"):
            return self.number(node, type_, at)
        if name == "year":
            if node.kind == "scalar" and node.tag == "int" and 1000 <= node.value <= 9999:
                return node.value
            return self.expected(type_, node, at, N_("write a year like 2027"))
        if name == "bool":
            if node.kind == "scalar" and node.tag == "bool":
                return node.value
            return self.expected(type_, node, at, N_("write true or false"))
        if name == "date":
            return self.date(node, type_, at)
        if name in ("string", "country", "language", "currency"):
            text = self.text(node, type_, at)
            if text is None:
                return _INVALID
            return text if name == "string" else self.code(name, text, at)
        return self.extension(node, ())

    def text(self, node: Node, type_: Type, at: Span) -> str | None:
        """A scalar as text: strings as they are, other scalars as written."""
        if node.kind == "scalar" and node.tag != "null":
            return node.value if node.tag == "str" else node.text
        self.expected(type_, node, at)
        return None

    def number(self, node: Node, type_: Type, at: Span) -> Any:
        if node.kind == "scalar" and node.tag in ("int", "float"):
            if math.isfinite(node.value):
                return node.value
            return self.expected(type_, node, at, N_("numbers must be finite"))
        help_ = None
        if node.kind == "scalar" and node.tag == "str" and _NUMERAL.fullmatch(node.text):
            help_ = (N_("write the number without quotes") if _FLOAT_TEXT.fullmatch(node.text)
                     else N_("write the number without separators, for example 1200000"))
        return self.expected(type_, node, at, help_)

    def date(self, node: Node, type_: Type, at: Span) -> Any:
        if node.kind == "scalar" and node.tag == "date":
            return node.value
        if node.kind == "scalar" and node.tag in ("str", "datetime"):
            text = node.text
            if _DATE.fullmatch(text):
                try:
                    return dt.date.fromisoformat(text)
                except ValueError as exc:
                    self.error("CP404", N_("expected a date, found '{value}'", value=text), at,
                               f"{exc}")
                    return _INVALID
            if node.tag == "datetime" or _DATETIME.match(text):
                self.error("CP404", N_("expected a date, found the date and time '{value}'",
                                       value=clip(text)),
                           at, N_("write the day alone: {day}", day=text[:10]))
                return _INVALID
        return self.expected(type_, node, at,
                             N_("write dates as YYYY-MM-DD, for example 2027-01-01"))

    def code(self, kind: str, text: str, at: Span) -> Any:
        codes = _codes(kind)
        if text in codes:
            return text
        close = _code_named(kind, text) or did_you_mean(text, codes)
        self.error("CP409", N_("invalid {kind} '{value}'", kind=_CODE_NAMES[kind],
                               value=clip(text)), at,
                   N_("did you mean '{name}'?", name=close) if close else _CODE_HELP[kind])
        return _INVALID

    def expected(self, type_: Type, node: Node, at: Span, help_: str | None = None) -> Any:
        if help_ is None and isinstance(type_, (ListT, SetT)) and node.kind == "scalar" \
                and node.tag != "null":
            help_ = N_("write a list: [{value}]", value=clip(node.text))
        self.error("CP404", N_("expected {expected}, found {found}", expected=_expected(type_),
                               found=_found(node)), at, help_)
        return _INVALID

    def extension(self, node: Node, path: Path) -> Any:
        """An untyped value, kept as loaded."""
        if path:
            self.positions[path] = node.span
        target = _deref(node)
        if target.problem is not None:
            self.problem(target)
            return None
        if target.kind == "map":
            out: dict[str, Any] = {}
            for key, key_node, value_node in self.entries(target):
                if path:
                    self.positions[(*path, key, "<key>")] = key_node.span
                out[key] = self.extension(value_node, (*path, key) if path else ())
            return out
        if target.kind == "seq":
            return [self.extension(item, (*path, index) if path else ())
                    for index, item in enumerate(target.value)]
        return target.text if target.tag == "datetime" else target.value

    # --- coherence ----------------------------------------------------------------------

    def check_coherence(self, data: dict[str, Any]) -> None:
        """CP413: values that contradict themselves, so that no rule could judge them: an
        end before its start, a negative amount. Whether a value is acceptable (an activity
        outside the period, a budget above the funding) is for the rules to say. CP408: an
        id listed twice in one list of ids, which would count as two seats, two partners."""
        for path, text in unreasoned_waivers(data):
            said = N_("the waiver's reason is the placeholder {text}: a waiver says why the "
                      "rule is waived", text=repr(clip(text))) if text.strip() else \
                N_("the waiver's reason is empty: a waiver says why the rule is waived")
            self.error("CP405", said, self.positions[path],
                       N_("write the reason the host approved, or remove the waiver"))
        for path, ident, first in repeated_refs(data):
            self.error("CP408", N_("'{id}' is listed twice in {field}", id=clip(ident),
                                   field=format_path(path[:-1])),
                       self.positions[path],
                       N_("'{id}' is first listed at line {line}; name each once",
                          id=clip(ident), line=self.positions[(*path[:-1], first)].line))
        self.check_order(data.get("period"), ("period",), N_("the programme period"))
        for index, act in _items(data.get("activities")):
            what = N_("activity '{id}'", id=clip(act["id"])) if isinstance(act.get("id"), str) \
                else f"activities[{index}]"
            self.check_order(act, ("activities", index), what)
        funding = data.get("funding")
        sources = funding.get("sources") if isinstance(funding, dict) else None
        for index, src in _items(sources):
            self.check_amounts(src.get("by_year"), ("funding", "sources", index, "by_year"),
                               N_("in a funding source"))
        budget = data.get("budget")
        lines = budget.get("lines") if isinstance(budget, dict) else None
        for index, line in _items(lines):
            self.check_amounts(line.get("by_year"), ("budget", "lines", index, "by_year"),
                               N_("in a budget line"))
        self.check_currencies(data)

    def check_currencies(self, data: dict[str, Any]) -> None:
        """CP413 at a `currency` of a funding source or budget line that is not the
        proposal's (repeats.foreign_currencies): the rules add every amount up as one in
        funding.currency, so a share of amounts in two currencies is no share at all. Its
        extension warning (CP412) gives way to the error."""
        keys: set[Span] = set()
        for path, value, against, other in foreign_currencies(data):
            keys.add(self.positions[(*path, "<key>")])
            where, currency, first = format_path(path[:-1]), _shown(value), _shown(other)
            if against == ("funding", "currency"):
                self.error("CP413", N_(
                    "{where} gives its amounts in {currency}, but every amount of a proposal "
                    "is in funding.currency ({funding}): they must be converted, or they "
                    "would be added to the others as if they were in {funding}", where=where,
                    currency=currency, funding=first), self.positions[path],
                    N_("convert the amounts of {where} to {funding} and remove its currency",
                       where=where, funding=first))
            else:
                self.error("CP413", N_(
                    "{where} gives its amounts in {currency}, but {other} gives its own in "
                    "{first}: every amount of a proposal is in funding.currency, so they must "
                    "be converted to one currency", where=where, currency=currency,
                    other=format_path(against[:-1]), first=first), self.positions[path],
                    N_("state funding.currency, convert every amount to it and remove the "
                       "currency of each source and line"))
        if keys:  # in one pass: a file may hold thousands of them
            self.diagnostics = [d for d in self.diagnostics
                                if not (d.code == "CP412" and d.span in keys)]

    def check_order(self, record: Any, path: Path, what: str) -> None:
        if not isinstance(record, dict):
            return
        start, end = record.get("start"), record.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.error("CP413", N_("{what} ends on {end}, before it starts on {start}",
                                   what=what, end=end, start=start),
                       self.positions[(*path, "end")],
                       N_("swap start and end if they were written the wrong way round"))

    def check_amounts(self, by_year: Any, path: Path, what: str) -> None:
        if not isinstance(by_year, dict):
            return
        for year, amount in by_year.items():
            if isinstance(amount, (int, float)) and amount < 0:
                self.error("CP413", N_("negative amount {amount} for {year} {where}",
                                       amount=_number(amount), year=year, where=what),
                           self.positions[(*path, year)],
                           N_("amounts are what is given or spent, never negative; "
                              "leave the year out if nothing is"))

    # --- ids and references -----------------------------------------------------------

    def check_ids(self, data: dict[str, Any]) -> None:
        orgs = self.ids(data, ("organisations",),
                        lambda i: N_("duplicate organisation id '{id}'", id=i))
        bodies = self.ids(data, ("governance", "bodies"),
                          lambda i: N_("duplicate governance body id '{id}'", id=i))
        self.ids(data, ("activities",), lambda i: N_("duplicate activity id '{id}'", id=i))
        self.ids(data, ("indicators",), lambda i: N_("duplicate indicator id '{id}'", id=i))
        for ident, path in bodies.items():
            if ident in orgs:
                line = self.positions[orgs[ident]].line
                self.error("CP408", N_("governance body id '{id}' is also an organisation id",
                                       id=ident),
                           self.positions[path], N_("the organisation is declared at line {line}; "
                                                    "a reference to this id would be ambiguous",
                                                    line=line))
        mandates = {
            ident: self.ids(data, (*path[:-1], "mandates"),
                            functools.partial(_mandate_again, ident))
            for ident, path in orgs.items()}
        nodes = {**bodies, **orgs}
        for target, ident, at in self.refs:
            if target == "mandate":
                self.check_mandate(ident, at, mandates)
            elif target == "organisation" and ident not in orgs:
                self.error("CP407", N_("unknown organisation '{id}'", id=clip(ident)), at,
                           _ref_help(ident, orgs, "organisation"))
            elif target == "node" and ident not in nodes:
                self.error("CP407", N_("unknown organisation or governance body '{id}'",
                                       id=clip(ident)),
                           at, _ref_help(ident, nodes, "organisation or governance body"))

    def ids(self, data: dict[str, Any], path: Path,
            again: Callable[[str], str]) -> dict[str, Path]:
        """The ids of the records listed at `path` (to the path of each id); CP408 for repeats."""
        items: Any = data
        for step in path:
            if isinstance(items, dict):
                items = items.get(step)
            elif isinstance(items, list) and isinstance(step, int) and step < len(items):
                items = items[step]
            else:
                items = None
        found: dict[str, Path] = {}
        if not isinstance(items, list):
            return found
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            ident, id_path = item["id"], (*path, index, "id")
            if ident in found:
                first = self.positions[found[ident]].line
                self.error("CP408", again(clip(ident)),
                           self.positions[id_path],
                           N_("'{id}' is first declared at line {line}; ids are unique",
                              id=clip(ident), line=first))
            else:
                found[ident] = id_path
        return found

    def check_mandate(self, ref: str, at: Span, mandates: dict[str, dict[str, Path]]) -> None:
        org, slash, mandate = ref.partition("/")
        if not (org and slash and mandate):
            example = next((f"{o}/{m}" for o, ms in mandates.items() for m in ms),
                           "xa-cirt/incident-response")
            self.error("CP404", N_("expected a mandate reference 'organisation-id/mandate-id', "
                                   "found '{value}'", value=clip(ref)), at,
                       N_("for example '{example}'", example=example))
        elif org not in mandates:
            self.error("CP407", N_("unknown organisation '{id}' in mandate reference "
                                   "'{reference}'", id=clip(org), reference=clip(ref)), at,
                       _ref_help(org, mandates, "organisation"))
        elif mandate not in mandates[org]:
            known = mandates[org]
            close = did_you_mean(mandate, known)
            self.error(
                "CP407", N_("organisation '{id}' has no mandate '{mandate}'", id=org,
                            mandate=clip(mandate)), at,
                N_("did you mean '{name}'?", name=f"{org}/{close}") if close else
                N_("the mandates of '{id}' are: {mandates}", id=org,
                   mandates=", ".join(known)) if known else
                N_("declare it under the 'mandates' of '{id}'", id=org))


def _mandate_again(org: str, ident: str) -> str:
    return N_("duplicate mandate of '{org}' id '{id}'", org=org, id=ident)


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """The records of a list value with their indices (invalid elements, left as None,
    skipped)."""
    if isinstance(value, list):
        yield from ((index, item) for index, item in enumerate(value) if isinstance(item, dict))


def _shown(value: Any) -> str:
    """A value of an extension field as a message names it: `XAD`, `a mapping`."""
    return N_("a mapping") if isinstance(value, dict) else N_("a list") \
        if isinstance(value, list) else clip(str(value))


def _number(amount: float) -> str:
    return str(int(amount)) if float(amount).is_integer() else str(amount)


_FLOAT_TEXT = lazy(r"[-+]?[0-9]+(\.[0-9]+)?")

_CODE_NAMES = {
    "country": N_("country code (ISO 3166-1 alpha-2)"),
    "language": N_("language code (ISO 639-1)"),
    "currency": N_("currency code (ISO 4217)"),
}
_CODE_HELP = {
    "country": N_("write a two-letter code like NL, or XA to XZ for an illustrative country"),
    "language": N_("write a two-letter lower-case code like en or fr"),
    "currency": N_("write a three-letter code like EUR or USD"),
}


def is_country(text: str) -> bool:
    """Whether `text` is a country code a proposal's host_country may be (ISO 3166-1
    alpha-2, or XA to XZ for an illustrative country), as written: upper case."""
    return text in _codes("country")


def _codes(kind: str) -> frozenset[str]:
    """The valid codes of a kind: "country", "language" or "currency"."""
    return _code_lists()[kind]


@functools.cache
def _code_lists() -> dict[str, frozenset[str]]:
    from .codes import code_lists

    return code_lists(_read_code_lists)


def _read_code_lists() -> dict[str, frozenset[str]]:
    import pycountry  # slow to import, and its languages slow to load: cached (codes.py)

    user_assigned = {f"X{chr(c)}" for c in range(ord("A"), ord("Z") + 1)}
    return {
        "country": frozenset(c.alpha_2 for c in pycountry.countries) | user_assigned,
        "language": frozenset(
            lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")),
        "currency": frozenset(c.alpha_3 for c in pycountry.currencies),
    }


def _code_named(kind: str, text: str) -> str | None:
    """The code of a country, language or currency given by name or by another code."""
    if not text or len(text) > 80:
        return None
    record = _named(kind).get(text.lower())
    code = getattr(record, "alpha_3" if kind == "currency" else "alpha_2", None)
    return code if isinstance(code, str) and code != text else None


@functools.lru_cache(maxsize=3)
def _named(kind: str) -> dict[str, Any]:
    """What pycountry's `lookup` finds, by the lower case of a code or a name, made once:
    its lookup reads every record for a name (7 ms a language), and a file of thousands
    of misspelt codes took minutes. The first match wins, as in `lookup`: its indices in
    their order, then each record's other fields."""
    import pycountry

    database: Any = {"country": pycountry.countries, "language": pycountry.languages,
                     "currency": pycountry.currencies}[kind]
    records = list(database)  # loads the database, and with it its indices
    found: dict[str, Any] = {}
    for index in database.indices.values():
        for value, record in index.items():
            found.setdefault(value, record)
    for record in records:
        for field in database.no_index:
            value = record._fields.get(field)
            if isinstance(value, str):
                found.setdefault(value.lower(), record)
    return found


def near_miss(word: str, names: list[str]) -> str | None:
    """The known name `word` is a misspelling of, if any.

    Stricter than `did_you_mean`, because a miss turns an extension into an
    error: at most one edit (insert, delete, replace, swap) for names of up to 5
    letters, two up to 11, three beyond; case is ignored."""
    limit = 1 if len(word) <= 5 else 2 if len(word) <= 11 else 3
    best: tuple[int, str] | None = None
    for name in names:
        distance = _edits(word.lower(), name.lower(), limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, name)
    return best[1] if best else None


def _edits(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance between a and b (limit + 1 when above limit)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        before, row = row, current
        if min(row) > limit:
            return limit + 1
    return row[-1]


def _ref_help(ident: str, pool: dict[str, Any], what: str) -> str:
    close = did_you_mean(ident, pool)
    if close:
        return alike(ident, close) or N_("did you mean '{name}'?", name=close)
    if not pool:
        return N_("no organisation is declared; declare it under 'organisations'") \
            if what == "organisation" else N_("no organisation or governance body is declared")
    names = sorted(pool)
    more = ", ..." if len(names) > 12 else ""
    return N_("the declared ids are: {ids}", ids=", ".join(names[:12]) + more)


def _field_help(field: Field) -> str:
    if field.name == "cappolicy":
        return N_("add 'cappolicy: {version}' (the format version) at the top",
                  version=schema.FORMAT_VERSION)
    if field.doc:
        return N_("add '{field}:' ({doc})", field=field.name, doc=field.doc)
    return N_("add '{field}:'", field=field.name)


_PRIM_EXPECTED = {
    "number": N_("a number"), "money": N_("an amount (a number)"),
    "percent": N_("a percentage"), "string": N_("text"), "date": N_("a date"),
    "bool": N_("true or false"), "year": N_("a year"), "country": N_("a country code"),
    "language": N_("a language code"), "currency": N_("a currency code"),
}
_REF_EXPECTED = {
    "organisation": N_("an organisation id"), "node": N_("an organisation or governance body id"),
    "mandate": N_("a mandate reference (organisation-id/mandate-id)"),
}


def _a(noun: str) -> str:
    """`an activity`, `a body`: a value of the schema's type `noun`."""
    return N_("an {type}", type=noun) if noun[:1] in "aeiou" else N_("a {type}", type=noun)


def _expected(type_: Type) -> str:
    if isinstance(type_, Prim):
        return _PRIM_EXPECTED.get(type_.name, _a(type_.name))
    if isinstance(type_, EnumT):
        return _a(type_.name)
    if isinstance(type_, RefT):
        return _REF_EXPECTED.get(type_.target, N_("{what} id", what=_a(type_.target)))
    if isinstance(type_, RecordT):
        return N_("{what} (a mapping of fields)", what=_a(type_.name))
    if isinstance(type_, (ListT, SetT)):
        return N_("a list")
    if isinstance(type_, MapT):
        return N_("a mapping of years to amounts") if type_.key == YEAR else N_("a mapping")
    return _a(type_.describe())


def _found(node: Node) -> str:
    if node.kind == "map":
        return N_("a mapping")
    if node.kind == "seq":
        return N_("a list")
    tag, text = node.tag, clip(node.text)
    if tag == "null":
        return N_("nothing (null)")
    if tag == "bool":
        return text
    if tag in ("int", "float"):
        return N_("the number {value}", value=text)
    if tag == "date":
        return N_("the date {value}", value=text)
    if tag == "datetime":
        return N_("the date and time '{value}'", value=text)
    return f"'{text}'"


def clip(text: str, width: int = 40) -> str:
    """`text` on one line, shortened to `width` characters for a message."""
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 3] + "..."
