"""The readers of the cache's syntax trees (lang/cachedata.py), written out one a class,
held to the annotations of the classes: each field of each class is given every kind of
value an entry can hold, and a reader takes exactly those its annotation allows."""

from __future__ import annotations

import datetime as dt
import typing
from typing import Any

import pytest

from cappolicy.base.span import Span
from cappolicy.lang import ast, cachedata

FILE = "rules/a.cpol"
NAME = ast.Name("n", Span(FILE, 1, 2, 1, 3))
TEMPLATE = ast.Template(("text ", NAME), "text {n}")

#: fields that hold one of a few words of the language (cachedata._word)
WORDS = {(ast.Binary, "op"): ast.BINARY_OPS, (ast.Unary, "op"): ast.UNARY_OPS,
         (ast.Quantifier, "kind"): ast.QUANTIFIERS, (ast.Aggregate, "kind"): ast.AGGREGATES}

#: a value of each type a field may name, to make a valid node of every class
EXAMPLES: dict[Any, Any] = {
    str: "x", int: 1, float: 1.5, bool: True, Span: Span(FILE, 3, 4, 5, 6),
    ast.Expr: NAME, ast.Template: TEMPLATE, ast.TypeExpr: ast.TypeExpr("number"),
    ast.ForClause: ast.ForClause("o", NAME, None), ast.Let: ast.Let("l", NAME),
    ast.Translation: ast.Translation("fr", "message", TEMPLATE), ast.Item: ast.Disable("R-1", None),
    ast.LiteralValue: 2,
}

#: what no reader takes
NOTHING = object()

#: what an entry may put in a field, each with what it reads as
CANDIDATES: list[tuple[Any, Any]] = [
    ("x", "x"), ("not", "not"), ("and", "and"), ("any", "any"), ("count", "count"),
    (1, 1), (1.5, 1.5), (True, True), (False, False), (None, None), ({}, NOTHING),
    (["date", "2027-01-31"], dt.date(2027, 1, 31)), (["date", 20270131], NOTHING),
    (["date", "2027-13-01"], NOTHING),
    (["Name", "n", None], ast.Name("n")), (["Name", 1, None], NOTHING),
    (["Name", "n"], NOTHING), (["Name", "n", [1, 2, 3]], NOTHING),
    (["Percent", 0.15], ast.Percent(0.15)), (["Percent", 1], NOTHING),
    (["Money", 2.5, "EUR"], ast.Money(2.5, "EUR")), (["Duration", 1, 2], ast.Duration(1, 2)),
    (["Template", ["tuple", "a"], "a", None], ast.Template(("a",), "a")),
    (["TypeExpr", "number", None, None], ast.TypeExpr("number")),
    (["ForClause", "o", ["Name", "n", None], None, None], ast.ForClause("o", ast.Name("n"), None)),
    (["Let", "l", ["Name", "n", None], None], ast.Let("l", ast.Name("n"))),
    (["Translation", "fr", "hint", ["Template", ["tuple"], "", None], None],
     ast.Translation("fr", "hint", ast.Template((), ""))),
    (["Disable", "R-1", None, None], ast.Disable("R-1", None)),
    (["tuple"], ()), (["tuple", "a", "b"], ("a", "b")), (["tuple", "a", 1], ("a", 1)),
    (["tuple", ["Name", "n", None]], (ast.Name("n"),)),
    (["tuple", "a", ["Name", "n", None]], ("a", ast.Name("n"))),
    (["tuple", ["tuple", "k", ["Name", "n", None]]], (("k", ast.Name("n")),)),
    (["tuple", ["tuple", "k", True]], (("k", True),)),
    (["tuple", ["tuple", "k", 1]], (("k", 1),)),
    (["tuple", ["Let", "l", ["Name", "n", None], None]], (ast.Let("l", ast.Name("n")),)),
    (["tuple", ["Disable", "R-1", None, None]], (ast.Disable("R-1", None),)),
    (["tuple", ["tuple", "k", ["Name", "n", None], 1]], NOTHING),
    (["Span", "f", 1, 2, 3, 4], NOTHING), (["os.system", "touch x"], NOTHING), ([], NOTHING),
    ([["Name"], "n", None], NOTHING), ([1, 2, 3, 4], NOTHING), ([1, 2, 3], NOTHING),
    ([1, 2, 3, True], NOTHING), ([1, 2, 3, "4"], NOTHING), ([1, 2, 3, 4.0], NOTHING),
]


def _hints(cls: Any) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls, {**vars(ast), "ClassVar": typing.ClassVar})
    return [(name, ast.LiteralValue if hints[name] is Any else hints[name])
            for name in cls.FIELDS]


def _allows(kind: Any, value: Any) -> bool:
    """Whether `value` is of the type `kind` (a field's annotation, resolved)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Union or origin is type(int | None):
        return any(_allows(a, value) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return type(value) is tuple and all(_allows(args[0], v) for v in value)
        return type(value) is tuple and len(value) == len(args) and all(
            _allows(a, v) for a, v in zip(args, value))
    return value is None if kind is type(None) else type(value) is kind


def _example(kind: Any) -> Any:
    """A value of the type `kind`."""
    if kind in EXAMPLES:
        return EXAMPLES[kind]
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple:
        return (_example(args[0]),) if args[-1] is Ellipsis else tuple(map(_example, args))
    return None if type(None) in args else _example(args[0])  # a union


def _reads(node: list[Any]) -> bool:
    """Whether the reader of `node`'s class takes it (loads_tree's errors are Corrupt)."""
    cachedata._SPAN_FILE[0] = FILE
    try:
        made = cachedata._READERS[node[0]](node)
    except (ValueError, TypeError, RecursionError, IndexError):
        return False
    finally:
        cachedata._SPAN_FILE[0] = ""
    assert type(made).__name__ == node[0]
    return True


CLASSES: list[Any] = [cls for cls in cachedata.NODE_CLASSES if cls is not Span]


def test_there_is_a_reader_for_every_class_but_span_and_no_other() -> None:
    assert set(cachedata._READERS) == {cls.__name__ for cls in CLASSES} | {"tuple", "date"}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_a_reader_takes_exactly_what_the_annotations_allow(cls: type) -> None:
    fields = _hints(cls)
    good = cls(*[sorted(WORDS[cls, name])[0] if (cls, name) in WORDS else _example(kind)
                 for name, kind in fields])
    node = cachedata._encode(good, FILE)
    assert _reads(node), node
    assert not _reads(node[:-1]) and not _reads([*node, None])
    for i, (name, kind) in enumerate(fields, start=1):
        for raw, value in CANDIDATES:
            if kind is Span:  # [line, column, end line, end column], or null: no place
                allowed = raw is None or type(raw) is list and len(raw) == 4 and all(
                    type(n) is int for n in raw)
            elif (cls, name) in WORDS:
                allowed = type(raw) is str and raw in WORDS[cls, name]
            else:
                allowed = value is not NOTHING and _allows(kind, value)
            changed = [*node[:i], raw, *node[i + 1:]]
            assert _reads(changed) is allowed, (name, kind, raw)
