"""The values the on-disk cache keeps (cache.py), as JSON data and back.

A syntax tree is written as nested JSON arrays, after the name of the file it is of:
`[file, tree]`. A node is `[class name, field, ...]` with every field of its class in
order, a span `[line, column, end line, end column]` (in the entry's file: a tree whose
spans name another is not kept; null for a node without a place), a tuple `["tuple", item, ...]`, a date
`["date", "YYYY-MM-DD"]`; strings, numbers, true, false and null stand for themselves.
Reading calls only the constructors of an allow-list (the node classes of `ast`, `Span`,
`tuple`, `date.fromisoformat`), each with exactly its fields, each field of a type its
annotation allows, and an operator one the language has. Anything else (an unknown name,
a JSON object, a field too many or of the wrong type, an operator of no rule) raises
Corrupt, and the cache makes the value again: an entry is data
that is checked, never code or an object graph that is run.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

from ..base.cache import Corrupt
from ..base.record import Record
from ..base.span import Span
from . import ast

#: the classes a syntax tree is made of, by the name entries give them: nothing else is built
NODE_CLASSES: tuple[type, ...] = (
    Span,
    ast.Duration, ast.Money, ast.Percent,
    ast.Literal, ast.Name, ast.Attr, ast.Index, ast.Call, ast.Unary, ast.Binary, ast.Matches,
    ast.Presence, ast.Quantifier, ast.Aggregate, ast.SetLit, ast.ListLit, ast.Lambda,
    ast.EdgeKinds, ast.Template,
    ast.ForClause, ast.Let, ast.Translation, ast.Rule, ast.TypeExpr, ast.Param, ast.SetParam,
    ast.Override, ast.Disable, ast.RuleFile,
)

_SCALARS = (str, int, float, bool, type(None))
_SIMPLE = (*_SCALARS, dt.date)
#: the types a field may name without arguments, as a set: a look-up by hash, where `in`
#: over a tuple would compare a field's `typing` union with each class in turn
_PLAIN_TYPES = frozenset((*_SIMPLE, *NODE_CLASSES))
_TUPLE, _DATE = "tuple", "date"


# ----------------------------------------------------------------- writing


def dumps_tree(tree: ast.RuleFile) -> str:
    """The JSON text of a syntax tree. TypeError for a value outside the allow-list, or
    a span in another file than the tree's."""
    return json.dumps([tree.file, _encode(tree, tree.file)], ensure_ascii=False,
                      separators=(",", ":"))


def _encode(value: Any, file: str) -> Any:
    kind = type(value)
    names = _field_names().get(kind)
    if names is not None:
        if kind is Span:
            if value.file != file:
                if value == ast.NOSPAN:  # a node the parser made without a place
                    return None
                raise TypeError("a span in another file than its tree's")
            return [value.line, value.column, value.end_line, value.end_column]
        return [kind.__name__, *[_encode(getattr(value, name), file) for name in names]]
    if kind in _SCALARS:
        return value
    if kind is tuple:
        return [_TUPLE, *[_encode(item, file) for item in value]]
    if kind is dt.date:
        return [_DATE, value.isoformat()]
    raise TypeError(f"the cache does not keep a {kind.__name__}")


@cache
def _field_names() -> dict[type, tuple[str, ...]]:
    return {cls: tuple(name for name, _ in _fields(cls)) for cls in NODE_CLASSES}


def _fields(cls: type) -> list[tuple[str, Any]]:
    """(name, annotation) of each field of a node class, in `__init__`'s order: a record
    (the syntax tree's, lang/ast.py, and Span)."""
    if not issubclass(cls, Record):
        raise TypeError(f"{cls.__name__} is not a record")
    return [(name, cls.__annotations__[name]) for name in cls.FIELDS]


# ----------------------------------------------------------------- reading

Check = Callable[[Any], bool]


def loads_tree(text: str | bytes, file: str | None = None) -> ast.RuleFile:
    """The syntax tree `text` encodes; Corrupt when it is anything else. Given the `file`
    the tree is of, every span must be in it: a diagnostic quotes the lines its span
    names, so an entry whose spans named /etc/passwd would print it (a cache folder
    another user can write is one cappolicy does not use, but an entry is never trusted)."""
    _decoders()
    try:
        data = json.loads(text)
        if not (type(data) is list and len(data) == 2 and type(data[0]) is str):
            raise Corrupt("not a rule file's entry")
        if file is not None and data[0] != file:
            raise Corrupt("an entry of another file")
        _SPAN_FILE[0] = data[0]
        tree = _decode(data[1])
    except (ValueError, TypeError, RecursionError, IndexError) as exc:  # Corrupt is a ValueError
        raise Corrupt(str(exc)) from None
    finally:
        _SPAN_FILE[0] = ""
    if type(tree) is not ast.RuleFile or tree.file != data[0]:
        raise Corrupt("not a rule file")
    return tree


def _decode(value: Any) -> Any:
    """A value of any type the cache keeps (a literal's value, an item of a tuple)."""
    if type(value) is list:
        tag = value[0] if value else None
        make = _DECODERS.get(tag) if type(tag) is str else None
        if make is None:
            raise Corrupt(f"{str(tag)[:40]!r} is not a class the cache keeps")
        return make(value)
    if type(value) in _SCALARS:
        return value
    raise Corrupt(f"a JSON {type(value).__name__} in a syntax tree")


def _tuple(value: list[Any]) -> tuple[Any, ...]:
    return tuple([_decode(item) for item in value[1:]])


def _date(value: list[Any]) -> dt.date:
    if len(value) != 2 or type(value[1]) is not str:
        raise Corrupt("a malformed date")
    return dt.date.fromisoformat(value[1])


#: the file of the tree being read (loads_tree): every span's
_SPAN_FILE: list[str] = [""]

Convert = Callable[[Any], Any]
#: how a field is read: a str, int, float or bool as it is (its type checked); a span;
#: a value decoded, then checked to be of one of a set of types; or decoded, then
#: checked by a function
_AS_IS, _SPAN, _OF_TYPES, _CHECKED = 0, 1, 2, 3


def _node(cls: type, plan: tuple[tuple[int, Any], ...]) -> Callable[[list[Any]], Any]:
    count = len(plan) + 1
    name = cls.__name__

    def make(value: list[Any]) -> Any:
        if len(value) != count:
            raise Corrupt(f"a {name} with {len(value) - 1} fields, not {count - 1}")
        # one loop over the fields, the common cases inline: a tree is thousands of nodes
        args = []
        fields = iter(value)
        next(fields)  # the class's name
        for (how, arg), item in zip(plan, fields):
            if how == _SPAN:
                if item is None:
                    item = ast.NOSPAN
                elif not (type(item) is list and len(item) == 4 and type(item[0]) is int
                        and type(item[1]) is int and type(item[2]) is int
                        and type(item[3]) is int):
                    raise Corrupt("a malformed span")
                else:
                    item = Span(_SPAN_FILE[0], item[0], item[1], item[2], item[3])
            elif how == _AS_IS:
                if type(item) is not arg:
                    raise Corrupt(f"not a {arg.__name__}")
            else:
                item = _decode(item)
                if not (type(item) in arg if how == _OF_TYPES else arg(item)):
                    raise Corrupt("a field of the wrong type")
            args.append(item)
        return cls(*args)
    return make


#: the decoder of each tag an entry may use (_decoders fills it when first read)
_DECODERS: dict[str, Callable[[list[Any]], Any]] = {}


def _decoders() -> dict[str, Callable[[list[Any]], Any]]:
    if not _DECODERS:
        table: dict[str, Callable[[list[Any]], Any]] = {_TUPLE: _tuple, _DATE: _date}
        for cls in NODE_CLASSES:
            if cls is Span:  # only ever a span field's value, read as such
                continue
            plan = tuple(_one_of(_WORDS[cls, name]) if (cls, name) in _WORDS
                         else _reading(_annotation(kind)) for name, kind in _fields(cls))
            table[cls.__name__] = _node(cls, plan)
        _DECODERS.update(table)
    return _DECODERS


#: fields that hold one of a few words of the language, and may hold nothing else: an
#: operator is written into generated code as it is (codegen.py)
_WORDS: dict[tuple[type, str], frozenset[str]] = {
    (ast.Binary, "op"): ast.BINARY_OPS, (ast.Unary, "op"): ast.UNARY_OPS,
    (ast.Quantifier, "kind"): ast.QUANTIFIERS, (ast.Aggregate, "kind"): ast.AGGREGATES,
}


def _one_of(words: frozenset[str]) -> tuple[int, Check]:
    """How a field that holds one of `words` is read."""
    return _CHECKED, lambda value: type(value) is str and value in words


def _annotation(text: Any) -> Any:
    """The type a field's annotation (text, as `from __future__ import annotations`
    leaves it) names: `X`, `X | Y`, `tuple[X, ...]`, `tuple[X, Y]`, names looked up in
    `ast` (read, not evaluated)."""
    if not isinstance(text, str):
        return text
    parts = _split(text, "|")
    if len(parts) > 1:
        return typing.Union[tuple(_annotation(p) for p in parts)]
    text = text.strip()
    if text.startswith("tuple[") and text.endswith("]"):
        items = _split(text[len("tuple["):-1], ",")
        if len(items) == 2 and items[1].strip() == "...":
            return tuple[_annotation(items[0]), ...]  # type: ignore[misc]
        return tuple[tuple(_annotation(i) for i in items)]  # type: ignore[misc]
    builtin = {"str": str, "int": int, "float": float, "bool": bool, "None": type(None),
               "Any": ast.LiteralValue}  # only a literal's value is typed Any
    if text in builtin:
        return builtin[text]
    if text.isidentifier() and hasattr(ast, text):
        return getattr(ast, text)
    raise TypeError(f"an annotation the cache cannot read: {text!r}")


def _split(text: str, sep: str) -> list[str]:
    """`text` cut at each `sep` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char == "["
        depth -= char == "]"
        if char == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _reading(annotation: Any) -> tuple[int, Any]:
    """How a field of the type `annotation` is read (`_node`), and checked."""
    if annotation is Span:
        return _SPAN, None
    if annotation in (str, int, float, bool):
        return _AS_IS, annotation
    allowed = _types(annotation)
    return (_OF_TYPES, allowed) if allowed is not None else (_CHECKED, _check(annotation))


def _types(annotation: Any) -> frozenset[type] | None:
    """The types a value of the type `annotation` may have, when its type alone tells
    (a node class, a scalar, or a union of them); else None."""
    if annotation is type(None):
        return frozenset([annotation])
    if annotation in _PLAIN_TYPES:
        return frozenset([annotation])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        if all(a in _PLAIN_TYPES for a in args):
            return frozenset(args)
    return None


def _check(annotation: Any) -> Check:
    """Whether a decoded value is of the type `annotation` (a field's, resolved)."""
    if annotation is type(None):
        return lambda value: value is None
    if annotation in _PLAIN_TYPES:
        cls: type = annotation
        return lambda value: type(value) is cls
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        plain = frozenset(a for a in args if a in _PLAIN_TYPES)
        if len(plain) == len(args):  # the common case: a type() lookup
            return lambda value: type(value) in plain
        alternatives = tuple(_check(a) for a in args)
        return lambda value: any(check(value) for check in alternatives)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            each = _check(args[0])
            return lambda value: type(value) is tuple and all(each(v) for v in value)
        parts = tuple(_check(a) for a in args)
        return lambda value: (type(value) is tuple and len(value) == len(parts)
                              and all(check(v) for check, v in zip(parts, value)))
    raise TypeError(f"no check for a field of type {annotation!r}")


# ----------------------------------------------------------------- code lists


def dumps_codes(codes: dict[str, frozenset[str]]) -> str:
    """The JSON text of code lists: kind -> the codes, sorted."""
    if not all(type(k) is str and all(type(c) is str for c in v) for k, v in codes.items()):
        raise TypeError("code lists are strings")
    return json.dumps({kind: sorted(values) for kind, values in codes.items()},
                      ensure_ascii=False, separators=(",", ":"))


def loads_codes(text: str | bytes) -> dict[str, frozenset[str]]:
    """The code lists `text` encodes; Corrupt when it is anything else."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Corrupt(str(exc)) from None
    if type(data) is not dict or not all(
            type(values) is list and all(type(code) is str for code in values)
            for values in data.values()):
        raise Corrupt("not code lists")
    return {kind: frozenset(values) for kind, values in data.items()}


# ----------------------------------------------------------------- plain data


def dumps_plain(value: Any) -> str:
    """The JSON text of plain data: str, int, float, bool, None, and lists, tuples and
    dicts of them (a tuple `["tuple", ...]`, a list `["list", ...]`, a dict whose keys are
    not all strings `["dict", [key, value], ...]`). TypeError for anything else."""
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [kind.__name__, *[_plain(item) for item in value]]
    if kind is dict:
        if all(type(key) is str for key in value):
            return {key: _plain(item) for key, item in value.items()}
        return ["dict", *[[_plain(key), _plain(item)] for key, item in value.items()]]
    raise TypeError(f"the cache does not keep a {kind.__name__}")


def loads_plain(text: str | bytes) -> Any:
    """The plain data `text` encodes; Corrupt when it is anything else."""
    try:
        return _unplain(json.loads(text))
    except (ValueError, TypeError, RecursionError) as exc:
        raise Corrupt(str(exc)) from None


def _unplain(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {key: _unplain(item) for key, item in value.items()}
    if kind is list and value:
        tag = value[0]
        if tag == "list":
            return [_unplain(item) for item in value[1:]]
        if tag == "tuple":
            return tuple([_unplain(item) for item in value[1:]])
        if tag == "dict":
            if not all(type(pair) is list and len(pair) == 2 for pair in value[1:]):
                raise Corrupt("a malformed dict")
            # an unhashable key (a list): TypeError, so Corrupt
            return {_unplain(key): _unplain(item) for key, item in value[1:]}
    raise Corrupt("not plain data")
