"""The quick road from libyaml's nodes to a valid proposal, in one walk.

load.py's usual road turns libyaml's nodes into ours (nodes.Node, each with a Span),
validate.py walks those into values and positions, and placeholders.readable walks the
values once more. Most proposals are valid, and for those this module does the three in
one walk over libyaml's nodes, led by the types of format v1: the values, the positions
(kept as line and column numbers, made into a Span when one is read: `Positions`) and
whether any text could be a placeholder. It gives exactly what the usual road gives, and
gives up (`Bail`) at the first thing that road would say anything about: an error, a
warning, an extension field, a null where a value is needed, a number too large, an id
used twice. load.py then takes the usual road, which says it.

libyaml gives the anchored node itself where an alias is written, so an alias is a node
met again. The one alias PyYAML's own writer makes of a proposal's values is a date used
twice (`end: *id001`), and that one is taken: a record's value written `key: *name` on
the key's line, its position found there, at most as many as load.py allows. Any other
node met again (an alias of a mapping or a list, a list's item, a key; a value that
contains itself) is the usual road's, which holds the limits on size and aliases."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Collection, Iterator, Mapping
from typing import Any

import yaml

from ..base.patterns import lazy
from ..base.span import Span
from ..lang.types import BOOL, DATE, STRING, YEAR, EnumT, ListT, MapT, Prim, RecordT, RefT, SetT
from . import schema
from .placeholders import _KEYS, maybe_placeholder
from .repeats import unreasoned_waivers
from .scalars import _NULLS, _NUMERIC_START, resolve_plain
from .validate import _DATE, _YEAR, _codes

#: an alias written as a mapping's value on the key's line, from the end of the key
#: (libyaml's anchor names are letters, digits, '-' and '_')
_ALIAS_VALUE = lazy(r"[ \t]*:[ \t]+(\*[0-9A-Za-z_-]+)(?![0-9A-Za-z_-])")

#: the tag load.py's resolver gives an untagged plain scalar
PLAIN = "plain"

Path = tuple[Any, ...]
#: a position as libyaml's marks give it: 0-based line, column, end line, end column
Raw = tuple[int, int, int, int]


class Bail(Exception):
    """The usual road must read this document: it has something to say about it."""


_ABSENT = object()
#: the last step of the path of a mapping key's position
_KEY_STEP = "<key>"


def _value_path(path: object) -> Path | None:
    """The path of the value whose key's position is at `path`; None when `path` is none
    of a key's."""
    if type(path) is tuple and path and path[-1] == _KEY_STEP:
        return path[:-1]
    return None


class Positions(Mapping[Path, Span]):
    """A proposal's positions (path -> Span), each Span made when it is first read."""

    __slots__ = ("file", "raw", "_keys", "_listed")
    #: no two paths but a key's share a span (model.UniquePositions): a collection is
    #: never met twice, and an alias of a scalar is placed where the alias is written
    unique = True

    def __init__(self, file: str, raw: dict[Path, Any], keys: list[Any]) -> None:
        self.file = file
        #: path -> the Span, or what it is made of when first read: libyaml's scalar node,
        #: or (line, column, end line, end column) counted from 0
        self.raw = raw
        #: the keys' positions as the walk lists them: the path of a mapping's value, then
        #: its key's position as raw holds one, and so on (`key_positions`)
        self._listed = keys
        self._keys: dict[Path, Any] | None = None

    @property
    def key_positions(self) -> dict[Path, Any]:
        """The path of a mapping's value -> its key's position, as raw holds one. The key's
        own path (the value's, then "<key>") is made only when read: most never are, and
        making each costs some 4% of a small proposal's walk. The table itself is made
        when first asked for (a key's position read, the positions listed), as few
        proposals' are: filling it as the walk went cost some 2% more."""
        keys = self._keys
        if keys is None:
            listed = self._listed
            keys = self._keys = dict(zip(listed[::2], listed[1::2]))
        return keys

    def __getitem__(self, path: Path) -> Span:
        table, at = self.raw, path
        value = table.get(path, _ABSENT)
        if value is _ABSENT:
            key_at = _value_path(path)
            if key_at is None:  # none of a key's: no table of keys made to say so
                raise KeyError(path)
            table, at = self.key_positions, key_at
            value = table.get(at, _ABSENT)
            if value is _ABSENT:
                raise KeyError(path)
        if type(value) is tuple:
            line, column, end_line, end_column = value
            value = table[at] = Span(
                self.file, line + 1, column + 1, end_line + 1, end_column + 1)
        elif type(value) is yaml.ScalarNode:
            start, end = value.start_mark, value.end_mark
            value = table[at] = Span(
                self.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)
        return value  # type: ignore[no-any-return]

    def get(self, path: Path, default: Any = None) -> Any:
        """self[path], or `default` where nothing is: read without Mapping.get's
        raising and catching of KeyError."""
        value = self.raw.get(path, _ABSENT)
        if value is _ABSENT:
            return self[path] if path in self else default
        cls = value.__class__
        if cls is tuple or cls is yaml.ScalarNode:
            return self[path]
        return value

    def __contains__(self, path: object) -> bool:
        if path in self.raw:
            return True
        at = _value_path(path)  # None for a path none of a key's: no table made for it
        return at is not None and at in self.key_positions

    def __iter__(self) -> Iterator[Path]:
        """The paths in the order validate.py places them: a key's just before its value's."""
        keys = self.key_positions
        for path in self.raw:
            if path in keys:
                yield (*path, _KEY_STEP)
            yield path

    def __len__(self) -> int:
        return len(self.raw) + len(self.key_positions)

    def __repr__(self) -> str:
        return f"Positions({dict(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return dict, (dict(self),)  # a plain table where it goes: a worker's result


# --- plans: format v1's types, made quick to follow ---------------------------------------

_STR, _KEY, _ENUM, _REF, _REC, _LIST, _NUM, _DATE_, _MAP, _CODE, _YEAR_, _BOOL, _OTHER = range(13)
#: a plan: (what, argument); a record's argument is (fields by name, required names), a
#: field (what, argument, its plan, required, its step in a path). _KEY is
#: a text other fields refer to (an organisation's id...), which readable() never reads as a
#: placeholder: not looked at for one (a quarter of a proposal's texts)
_KEY_PLAN: Plan = (_KEY, None)
Plan = tuple[int, Any]
_PLANS: dict[Any, Plan] = {}


def _plan(type_: Any) -> Plan:
    plan = _PLANS.get(type_)
    if plan is not None:
        return plan
    if isinstance(type_, RecordT):
        plans = {f.name: _KEY_PLAN if f.type == STRING and (type_.name, f.name) in _KEYS
                 else _plan(f.type) for f in type_.fields}
        plan = (_REC, ({f.name: (*plans[f.name], plans[f.name], f.required, (f.name,))
                        for f in type_.fields},
                       tuple(f.name for f in type_.fields if f.required)))
    elif isinstance(type_, (ListT, SetT)):
        plan = (_LIST, _plan(type_.item))
    elif isinstance(type_, MapT):
        plan = (_MAP, _plan(type_.value) if type_.key == YEAR else None)
    elif isinstance(type_, EnumT):
        plan = (_ENUM, frozenset(type_.values))
    elif isinstance(type_, RefT):
        plan = (_REF, type_.target)
    elif isinstance(type_, Prim) and type_.name in ("number", "money", "percent"):
        plan = (_NUM, None)
    elif type_ == STRING:
        plan = (_STR, None)
    elif isinstance(type_, Prim) and type_.name in ("country", "language", "currency"):
        plan = (_CODE, type_.name)
    elif type_ == DATE:
        plan = (_DATE_, None)
    elif type_ == YEAR:
        plan = (_YEAR_, None)
    elif type_ == BOOL:
        plan = (_BOOL, None)
    else:  # a value kept as loaded (an extension): the usual road's
        plan = (_OTHER, None)
    _PLANS[type_] = plan
    return plan


@functools.cache
def _proposal_plan() -> Any:
    return _plan(schema.PROPOSAL)[1]


class Walk:
    """One document's walk: `proposal` gives the values, positions and whether a
    placeholder may be among the texts, or raises Bail."""

    def __init__(self, text: str, name: str, aliases: bool, max_aliases: int) -> None:
        self.text = text
        self.max_aliases = max_aliases
        self.name = name
        self.raw: dict[Path, Any] = {}
        self.keys: list[Any] = []  # Positions' keys: a value's path, then its key's node
        self.refs: list[tuple[str, str, Any]] = []
        self.placeholders = False
        #: ids of the nodes met, when the text may hold an alias (libyaml gives the
        #: anchored node itself for an alias, so an alias is a node met again)
        self.seen: set[int] | None = set() if aliases else None
        self.aliases = 0

    def proposal(self, root: Any, start: tuple[int, int]
                 ) -> tuple[dict[str, Any], Positions, bool]:
        if type(root) is not yaml.MappingNode:
            raise Bail
        for key, value in root.value:  # the format version first, as validate.py reads it
            if type(key) is yaml.ScalarNode and key.value == "cappolicy":
                if not (type(value) is yaml.ScalarNode and value.tag is PLAIN
                        and resolve_plain(value.value) == ("int", 1)):
                    raise Bail
                break
        self.raw[()] = None  # first, as validate.py has it; record() says where it ends
        data = self.record(root, _proposal_plan(), ())
        if not (_known(data, self.refs) and _coherent(data)) or \
                next(unreasoned_waivers(data), None) is not None:
            raise Bail
        return data, Positions(self.name, self.raw, self.keys), self.placeholders

    def enter(self, node: Any) -> None:
        """Bail for a collection met again: an alias of it, or a value inside itself."""
        assert self.seen is not None
        if id(node) in self.seen:
            raise Bail
        self.seen.add(id(node))

    def close(self, node: Any, path: Path, last: Path | None) -> None:
        """Where the collection at `path` is, once its values are placed: a block
        collection ends where its last value (`last`) ends, as validate.py's spans say."""
        start = node.start_mark
        if last is None or node.flow_style:
            end = node.end_mark
            self.raw[path] = (start.line, start.column, end.line, end.column)
        else:
            end = self.raw[last]
            if type(end) is tuple:
                self.raw[path] = (start.line, start.column, end[2], end[3])
            else:
                mark = end.end_mark
                self.raw[path] = (start.line, start.column, mark.line, mark.column)

    def place(self, node: Any) -> Any:
        """The position of a scalar met for the first time, which is the node (met again,
        it is an alias: Bail, but for a record's value, `record`)."""
        if self.seen is not None:
            if id(node) in self.seen:
                raise Bail
            self.seen.add(id(node))
        return node

    def alias(self, key: Any) -> Raw:
        """Where the alias written as the value of `key` is, or Bail when it is not
        written `key: *name` on the key's line."""
        self.aliases += 1
        if self.aliases > self.max_aliases:
            raise Bail
        mark = key.end_mark
        found = _ALIAS_VALUE.match(self.text, mark.index)
        if found is None:
            raise Bail
        column = mark.column + found.start(1) - mark.index
        return (mark.line, column, mark.line, column + found.end(1) - found.start(1))

    def record(self, node: Any, plan: Any, path: Path) -> dict[str, Any]:
        if type(node) is not yaml.MappingNode:
            raise Bail
        fields, required = plan
        raw, keys = self.raw, self.keys
        nodes = self.seen
        if nodes is not None:
            self.enter(node)
        out: dict[str, Any] = {}
        nulls: Collection[str] = ()  # the keys given null; a set made only for one
        kpath: Path | None = None
        at: Any
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise Bail
            key = key_node.value
            field = fields.get(key)
            if field is None or key in out or key in nulls:  # unknown, or given twice
                raise Bail
            what, arg, inner, needed, step = field
            kpath = path + step
            keys.append(kpath)
            keys.append(key_node if nodes is None else self.place(key_node))
            if type(value_node) is not yaml.ScalarNode:
                raw[kpath] = None  # in its place; the collection says where it ends
                out[key] = self.record(value_node, arg, kpath) if what == _REC \
                    else self.collection(value_node, inner, kpath)
                continue
            if nodes is None:
                at = raw[kpath] = value_node
            elif id(value_node) in nodes:
                at = raw[kpath] = self.alias(key_node)
            else:
                at = raw[kpath] = self.place(value_node)
            text = value_node.value
            if value_node.tag is PLAIN:
                if text in _NULLS:
                    if needed:
                        raise Bail
                    nulls = {*nulls, key}
                    continue
                if what <= _REF and text[0] in _NUMERIC_START:
                    self.numeral(text)
            if what == _STR:  # text, a key, an enumeration value or an id: as written
                if not self.placeholders and maybe_placeholder(text):
                    self.placeholders = True
            elif what == _ENUM:
                if text not in arg:
                    raise Bail
            elif what == _REF:
                self.refs.append((arg, text, at))
            elif what != _KEY:
                text = self.scalar(value_node, inner, at)
            out[key] = text
        for name in required:
            if name not in out:
                raise Bail
        self.close(node, path, kpath)
        return out

    def value(self, node: Any, plan: Plan, path: Path) -> Any:
        if type(node) is yaml.ScalarNode:
            at = self.raw[path] = self.place(node)
            if node.tag is PLAIN and node.value in _NULLS:
                raise Bail
            return self.scalar(node, plan, at)
        self.raw[path] = None
        return self.collection(node, plan, path)

    def collection(self, node: Any, plan: Plan, path: Path) -> Any:
        what, arg = plan
        if what == _REC:
            return self.record(node, arg, path)
        if what == _LIST:
            if type(node) is not yaml.SequenceNode:
                raise Bail
            if self.seen is not None:
                self.enter(node)
            what = arg[0]
            if what == _REC:  # a list of records: the commonest
                record, fields, raw = self.record, arg[1], self.raw
                items: list[Any] = []
                for index, item in enumerate(node.value):
                    step = path + (index,)
                    raw[step] = None
                    items.append(record(item, fields, step))
            elif what > _REF:
                value = self.value
                items = [value(item, arg, (*path, index))
                         for index, item in enumerate(node.value)]
            else:
                items = self.texts(node.value, what, arg[1], path)
            self.close(node, path, (*path, len(items) - 1) if items else None)
            return items
        if what == _MAP and arg is not None:
            return self.by_year(node, arg, path)
        raise Bail

    def texts(self, items: list[Any], what: int, arg: Any, path: Path) -> list[str]:
        """A list of texts, enumeration values or ids (`value`, quicker). readable() reads
        a list of texts as placeholders only whole, when every one of them is one: once
        one cannot be, the others are not looked at for one."""
        raw, seen = self.raw, self.seen
        asking = what == _STR and not self.placeholders
        out = []
        for index, item in enumerate(items):
            if type(item) is not yaml.ScalarNode:
                raise Bail
            if seen is not None:
                self.place(item)
            raw[(*path, index)] = item
            text = item.value
            if item.tag is PLAIN:
                if text in _NULLS:
                    raise Bail
                if text[0] in _NUMERIC_START:
                    self.numeral(text)
            if what != _STR:
                self.take_text(text, what, arg, item)
            elif asking and not maybe_placeholder(text):
                asking = False
            out.append(text)
        if asking and out:
            self.placeholders = True
        elif what == _REF and len(out) > 1 and len(set(out)) < len(out):
            raise Bail  # an id listed twice (repeats.repeated_refs, for validate.py)
        return out

    def by_year(self, node: Any, plan: Plan, path: Path) -> dict[int, Any]:
        if type(node) is not yaml.MappingNode:
            raise Bail
        if self.seen is not None:
            self.enter(node)
        out: dict[int, Any] = {}
        kpath: Path | None = None
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise Bail
            text = key_node.value
            if key_node.tag is PLAIN:
                kind, key = resolve_plain(text)
                if kind != "int" or key is None or not 1000 <= key <= 9999:
                    raise Bail
            elif _YEAR.fullmatch(text):
                key = int(text)
            else:
                raise Bail
            if key in out:
                raise Bail
            kpath = (*path, key)
            self.keys.append(kpath)
            self.keys.append(self.place(key_node))
            out[key] = self.value(value_node, plan, kpath)
        self.close(node, path, kpath)
        return out

    def take_text(self, text: str, what: int, arg: Any, at: Any) -> None:
        """Take a text, an enumeration value or an id (`what`) as validate.py reads it:
        note a text that may be a placeholder, Bail for a value outside its enumeration,
        keep an id to look up once the walk is done."""
        if what == _STR:
            if not self.placeholders and maybe_placeholder(text):
                self.placeholders = True
        elif what == _ENUM:
            if text not in arg:
                raise Bail
        else:
            self.refs.append((arg, text, at))

    def numeral(self, text: str) -> None:
        """Bail for a plain numeral too large to read (load.py gives it a problem)."""
        kind, value = resolve_plain(text)
        if kind == "int" and value is None:
            raise Bail

    def scalar(self, node: Any, plan: Plan, at: Any) -> Any:
        """A scalar that is not null, as validate.py reads it for `plan`."""
        what, arg = plan
        text = node.value
        plain = node.tag is PLAIN
        if what <= _REF:  # text, an enumeration value or an id: as written
            if plain and text[0] in _NUMERIC_START:
                self.numeral(text)
            self.take_text(text, what, arg, at)
            return text
        if what == _CODE:
            if plain and text[0] in _NUMERIC_START:
                self.numeral(text)
            if text not in _codes(arg):
                raise Bail
            return text
        if what == _DATE_:
            if _DATE.fullmatch(text):
                try:
                    return dt.date.fromisoformat(text)
                except ValueError:
                    raise Bail from None
            raise Bail
        if not plain:
            raise Bail
        kind, value = resolve_plain(text)
        if what == _NUM:
            if kind == "int" and value is not None or kind == "float" and math.isfinite(value):
                return value
        elif what == _YEAR_:
            if kind == "int" and value is not None and 1000 <= value <= 9999:
                return value
        elif what == _BOOL and kind == "bool":
            return value
        raise Bail


# --- what validate.py checks once every value is read: here only whether it would say
# --- anything (it says what, on the usual road)


def _ids(items: Any) -> dict[str, dict[str, Any]] | None:
    """The records of a list by id, or None when an id is given twice."""
    found: dict[str, dict[str, Any]] = {}
    if isinstance(items, list):
        for item in items:
            ident = item.get("id") if isinstance(item, dict) else None
            if isinstance(ident, str):
                if ident in found:
                    return None
                found[ident] = item
    return found


def _known(data: dict[str, Any], refs: list[tuple[str, str, Any]]) -> bool:
    """Whether ids are unique and every reference names one (validate.check_ids)."""
    governance = data.get("governance")
    orgs = _ids(data.get("organisations"))
    bodies = _ids(governance.get("bodies") if isinstance(governance, dict) else None)
    if orgs is None or bodies is None or not orgs.keys().isdisjoint(bodies) \
            or _ids(data.get("activities")) is None or _ids(data.get("indicators")) is None:
        return False
    mandates = {}
    for ident, org in orgs.items():
        known = _ids(org.get("mandates"))
        if known is None:
            return False
        mandates[ident] = known
    for target, ident, _ in refs:
        if target == "mandate":
            owner, slash, mandate = ident.partition("/")
            if not (owner and slash and mandate and owner in mandates) \
                    or mandate not in mandates[owner]:
                return False
        elif target == "organisation":
            if ident not in orgs:
                return False
        elif target == "node" and ident not in orgs and ident not in bodies:
            return False
    return True


def _coherent(data: dict[str, Any]) -> bool:
    """Whether nothing ends before it starts and no amount is negative
    (validate.check_coherence)."""
    activities = data.get("activities")
    for record in [data.get("period"), *(activities if isinstance(activities, list) else ())]:
        if isinstance(record, dict):
            start, end = record.get("start"), record.get("end")
            if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
                return False
    funding, budget = data.get("funding"), data.get("budget")
    for holder, key in ((funding, "sources"), (budget, "lines")):
        items = holder.get(key) if isinstance(holder, dict) else None
        for item in items if isinstance(items, list) else ():
            by_year = item.get("by_year") if isinstance(item, dict) else None
            if isinstance(by_year, dict):
                for amount in by_year.values():
                    if isinstance(amount, (int, float)) and amount < 0:
                        return False
    return True
