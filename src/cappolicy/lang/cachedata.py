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
#
# A reader for each class, written out: a check reads some 4,000 nodes from the cache, and
# readers made from the classes' annotations when cappolicy started (a loop over a plan
# of the fields, each field dispatched on how it is read) took twice the time, and a
# millisecond more to make. Each reader checks the length of its node and the type of
# every field as the class's annotation says, and calls nothing but its class;
# tests/test_cache.py holds each to the annotations, field by field.


def loads_tree(text: str | bytes, file: str | None = None) -> ast.RuleFile:
    """The syntax tree `text` encodes; Corrupt when it is anything else. Given the `file`
    the tree is of, every span must be in it: a diagnostic quotes the lines its span
    names, so an entry whose spans named /etc/passwd would print it (a cache folder
    another user can write is one cappolicy does not use, but an entry is never trusted)."""
    try:
        data = json.loads(text)
        if not (type(data) is list and len(data) == 2 and type(data[0]) is str):
            raise Corrupt("not a rule file's entry")
        if file is not None and data[0] != file:
            raise Corrupt("an entry of another file")
        _SPAN_FILE[0] = data[0]
        tree = _decode(data[1])
    except (ValueError, TypeError, RecursionError, IndexError) as exc:  # Corrupt is a ValueError
        # (a TypeError: a class's name that is a JSON array, looked up as a key)
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
        read = _READERS.get(tag) if type(tag) is str else None
        if read is None:
            raise Corrupt(f"{str(tag)[:40]!r} is not a class the cache keeps")
        return read(value)
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

#: the classes a field of the type Expr, Item or a literal's value may hold
_EXPRS = frozenset(typing.get_args(ast.Expr))
_ITEMS = frozenset(typing.get_args(ast.Item))
_LITERALS = frozenset(typing.get_args(ast.LiteralValue))
_TEMPLATE, _TYPE, _FOR = frozenset([ast.Template]), frozenset([ast.TypeExpr]), frozenset(
    [ast.ForClause])
_LET, _TRANSLATION = frozenset([ast.Let]), frozenset([ast.Translation])


# --- fields


def _span(item: Any) -> Span:
    """A field of the type Span: `[line, column, end line, end column]` in the entry's
    file, or null for the span no file gave."""
    if type(item) is list and len(item) == 4:
        line, column, end_line, end_column = item
        if type(line) is int and type(column) is int and type(end_line) is int \
                and type(end_column) is int:
            return Span(_SPAN_FILE[0], line, column, end_line, end_column)
    if item is None:
        return ast.NOSPAN
    raise Corrupt("a malformed span")


def _expr(item: Any) -> Any:
    """A field of the type Expr (_node, written out: most fields are one)."""
    if type(item) is list and item:
        read = _READERS.get(item[0])
        if read is not None:
            value = read(item)
            if value.__class__ in _EXPRS:
                return value
    raise Corrupt("not an expression")


def _node(item: Any, classes: frozenset[type]) -> Any:
    """A field holding a node of one of `classes`."""
    value = _decode(item)
    if value.__class__ in classes:
        return value
    raise Corrupt("a field of the wrong type")


def _maybe(item: Any, classes: frozenset[type]) -> Any:
    """A field holding a node of one of `classes`, or null."""
    return None if item is None else _node(item, classes)


def _text(item: Any) -> str:
    if type(item) is str:
        return item
    raise Corrupt("not a text")


def _maybe_text(item: Any) -> str | None:
    if item is None or type(item) is str:
        return item
    raise Corrupt("not a text or null")


def _word(item: Any, words: frozenset[str]) -> str:
    """A field that holds one of a few words of the language, and may hold nothing else:
    an operator is written into generated code as it is (codegen.py)."""
    if type(item) is str and item in words:
        return item
    raise Corrupt(f"{item!r:.40} is no word of the language here")


def _items(item: Any, read: Callable[[Any], Any]) -> tuple[Any, ...]:
    """A field holding a tuple, `["tuple", item, ...]`, each item as `read` reads it."""
    if type(item) is list and item and item[0] == _TUPLE:
        return tuple([read(each) for each in item[1:]])
    raise Corrupt("not a tuple")


def _pair(item: Any, second: Callable[[Any], Any]) -> tuple[str, Any]:
    """An item `(text, value)` of a tuple of pairs, its value as `second` reads it."""
    if type(item) is list and len(item) == 3 and item[0] == _TUPLE and type(item[1]) is str:
        return item[1], second(item[2])
    raise Corrupt("not a pair")


def _malformed(node: list[Any]) -> Corrupt:
    return Corrupt(f"a malformed {node[0]}")


# --- values


def _duration(v: list[Any]) -> ast.Duration:
    if len(v) == 3 and type(v[1]) is int and type(v[2]) is int:
        return ast.Duration(v[1], v[2])
    raise _malformed(v)


def _money(v: list[Any]) -> ast.Money:
    if len(v) == 3 and type(v[1]) is float and type(v[2]) is str:
        return ast.Money(v[1], v[2])
    raise _malformed(v)


def _percent(v: list[Any]) -> ast.Percent:
    if len(v) == 2 and type(v[1]) is float:
        return ast.Percent(v[1])
    raise _malformed(v)


# --- expressions


def _literal(v: list[Any]) -> ast.Literal:
    if len(v) == 4 and type(v[2]) is str:
        value = _decode(v[1])
        if value.__class__ in _LITERALS:
            return ast.Literal(value, v[2], _span(v[3]))
    raise _malformed(v)


def _name(v: list[Any]) -> ast.Name:
    if len(v) == 3 and type(v[1]) is str:
        return ast.Name(v[1], _span(v[2]))
    raise _malformed(v)


def _attr(v: list[Any]) -> ast.Attr:
    if len(v) == 4 and type(v[2]) is str:
        return ast.Attr(_expr(v[1]), v[2], _span(v[3]))
    raise _malformed(v)


def _index(v: list[Any]) -> ast.Index:
    if len(v) == 4:
        return ast.Index(_expr(v[1]), _expr(v[2]), _span(v[3]))
    raise _malformed(v)


def _call(v: list[Any]) -> ast.Call:
    if len(v) == 6 and type(v[1]) is str:
        return ast.Call(v[1], _items(v[2], _expr), _items(v[3], _keyword),
                        None if v[4] is None else _expr(v[4]), _span(v[5]))
    raise _malformed(v)


def _keyword(item: Any) -> tuple[str, Any]:
    return _pair(item, _expr)


def _unary(v: list[Any]) -> ast.Unary:
    if len(v) == 4:
        return ast.Unary(_word(v[1], ast.UNARY_OPS), _expr(v[2]), _span(v[3]))
    raise _malformed(v)


def _binary(v: list[Any]) -> ast.Binary:
    if len(v) == 5:
        return ast.Binary(_word(v[1], ast.BINARY_OPS), _expr(v[2]), _expr(v[3]), _span(v[4]))
    raise _malformed(v)


def _matches(v: list[Any]) -> ast.Matches:
    if len(v) == 6 and type(v[2]) is str:
        return ast.Matches(_expr(v[1]), v[2], _span(v[3]), _span(v[4]), _maybe_text(v[5]))
    raise _malformed(v)


def _presence(v: list[Any]) -> ast.Presence:
    if len(v) == 4 and type(v[2]) is bool:
        return ast.Presence(_expr(v[1]), v[2], _span(v[3]))
    raise _malformed(v)


def _quantifier(v: list[Any]) -> ast.Quantifier:
    if len(v) == 7 and type(v[2]) is str:
        return ast.Quantifier(_word(v[1], ast.QUANTIFIERS), v[2], _expr(v[3]),
                              None if v[4] is None else _expr(v[4]), _expr(v[5]), _span(v[6]))
    raise _malformed(v)


def _aggregate(v: list[Any]) -> ast.Aggregate:
    if len(v) == 7:
        return ast.Aggregate(_word(v[1], ast.AGGREGATES), _maybe_text(v[2]), _expr(v[3]),
                             None if v[4] is None else _expr(v[4]),
                             None if v[5] is None else _expr(v[5]), _span(v[6]))
    raise _malformed(v)


def _setlit(v: list[Any]) -> ast.SetLit:
    if len(v) == 3:
        return ast.SetLit(_items(v[1], _expr), _span(v[2]))
    raise _malformed(v)


def _listlit(v: list[Any]) -> ast.ListLit:
    if len(v) == 3:
        return ast.ListLit(_items(v[1], _expr), _span(v[2]))
    raise _malformed(v)


def _lambda(v: list[Any]) -> ast.Lambda:
    if len(v) == 4 and type(v[1]) is str:
        return ast.Lambda(v[1], _expr(v[2]), _span(v[3]))
    raise _malformed(v)


def _edgekinds(v: list[Any]) -> ast.EdgeKinds:
    if len(v) == 3:
        return ast.EdgeKinds(_items(v[1], _step), _span(v[2]))
    raise _malformed(v)


def _step(item: Any) -> tuple[str, bool]:
    kind, reverse = _pair(item, lambda value: value)
    if type(reverse) is bool:
        return kind, reverse
    raise Corrupt("not a step")


def _template(v: list[Any]) -> ast.Template:
    if len(v) == 4 and type(v[2]) is str:
        return ast.Template(_items(v[1], _text_or_expr), v[2], _span(v[3]))
    raise _malformed(v)


def _text_or_expr(item: Any) -> Any:
    return item if type(item) is str else _expr(item)


# --- the items of a rule file


def _forclause(v: list[Any]) -> ast.ForClause:
    if len(v) == 5 and type(v[1]) is str:
        return ast.ForClause(v[1], _expr(v[2]), None if v[3] is None else _expr(v[3]),
                             _span(v[4]))
    raise _malformed(v)


def _let(v: list[Any]) -> ast.Let:
    if len(v) == 4 and type(v[1]) is str:
        return ast.Let(v[1], _expr(v[2]), _span(v[3]))
    raise _malformed(v)


def _translation(v: list[Any]) -> ast.Translation:
    if len(v) == 5:
        return ast.Translation(_text(v[1]), _text(v[2]), _node(v[3], _TEMPLATE), _span(v[4]))
    raise _malformed(v)


def _rule(v: list[Any]) -> ast.Rule:
    if len(v) == 16:
        return ast.Rule(
            _text(v[1]), _text(v[2]), _maybe_text(v[3]), _maybe_text(v[4]), _maybe_text(v[5]),
            _maybe(v[6], _FOR), _items(v[7], lambda item: _node(item, _LET)),
            None if v[8] is None else _expr(v[8]), _maybe_text(v[9]),
            None if v[10] is None else _expr(v[10]), _maybe(v[11], _TEMPLATE),
            _maybe(v[12], _TEMPLATE), _span(v[13]), _span(v[14]),
            _items(v[15], lambda item: _node(item, _TRANSLATION)))
    raise _malformed(v)


def _typeexpr(v: list[Any]) -> ast.TypeExpr:
    if len(v) == 4:
        return ast.TypeExpr(_text(v[1]), _maybe_text(v[2]), _span(v[3]))
    raise _malformed(v)


def _param(v: list[Any]) -> ast.Param:
    if len(v) == 7:
        return ast.Param(_text(v[1]), _node(v[2], _TYPE), _expr(v[3]), _maybe_text(v[4]),
                         _maybe_text(v[5]), _span(v[6]))
    raise _malformed(v)


def _setparam(v: list[Any]) -> ast.SetParam:
    if len(v) == 5:
        return ast.SetParam(_text(v[1]), _expr(v[2]), _maybe_text(v[3]), _span(v[4]))
    raise _malformed(v)


def _override(v: list[Any]) -> ast.Override:
    if len(v) == 7:
        value = v[3] if type(v[3]) is str else _node(v[3], _TEMPLATE)
        return ast.Override(_text(v[1]), _text(v[2]), value, _maybe_text(v[4]), _span(v[5]),
                            _maybe_text(v[6]))
    raise _malformed(v)


def _disable(v: list[Any]) -> ast.Disable:
    if len(v) == 4:
        return ast.Disable(_text(v[1]), _maybe_text(v[2]), _span(v[3]))
    raise _malformed(v)


def _rulefile(v: list[Any]) -> ast.RuleFile:
    if len(v) == 10:
        return ast.RuleFile(
            _text(v[1]), _maybe_text(v[2]), _maybe_text(v[3]), _maybe_text(v[4]),
            _items(v[5], _text), _items(v[6], lambda item: _node(item, _ITEMS)), _text(v[7]),
            _span(v[8]), _span(v[9]))
    raise _malformed(v)


#: the reader of each tag an entry may use: the classes of the allow-list but Span (only
#: ever a span field's value, read as such), tuples and dates
_READERS: dict[str, Callable[[list[Any]], Any]] = {
    _TUPLE: _tuple, _DATE: _date,
    "Duration": _duration, "Money": _money, "Percent": _percent,
    "Literal": _literal, "Name": _name, "Attr": _attr, "Index": _index, "Call": _call,
    "Unary": _unary, "Binary": _binary, "Matches": _matches, "Presence": _presence,
    "Quantifier": _quantifier, "Aggregate": _aggregate, "SetLit": _setlit,
    "ListLit": _listlit, "Lambda": _lambda, "EdgeKinds": _edgekinds, "Template": _template,
    "ForClause": _forclause, "Let": _let, "Translation": _translation, "Rule": _rule,
    "TypeExpr": _typeexpr, "Param": _param, "SetParam": _setparam, "Override": _override,
    "Disable": _disable, "RuleFile": _rulefile,
}


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
