"""base/record.py: syntax-tree nodes and the language's types behave as frozen values."""

from __future__ import annotations

import copy
import pickle

import pytest

from cappolicy.base.record import FrozenError, Record, fields, replace
from cappolicy.base.span import Span
from cappolicy.lang import ast
from cappolicy.lang.types import NUMBER, STRING, Field, ListT, RecordT


def test_nodes_are_equal_by_meaning_whatever_their_place() -> None:
    a = ast.Binary(">=", ast.Name("share", Span("a.cpol", 1, 2)), ast.Literal(1, "number"),
                   Span("a.cpol", 1, 1))
    b = ast.Binary(">=", ast.Name("share", Span("b.cpol", 9, 9)), ast.Literal(1, "number"))
    assert a == b and hash(a) == hash(b)
    assert not a != b  # noqa: SIM202 - __ne__ is under test
    assert a != ast.Binary("<=", a.left, a.right)
    assert ast.Name("x") != ast.Literal("x", "string")  # another class: never equal


def test_a_rule_files_name_is_shown_but_not_compared() -> None:
    one = ast.RuleFile("demo", None, None, None, (), (), file="one.cpol")
    other = ast.RuleFile("demo", None, None, None, (), (), file="other.cpol")
    assert one == other
    assert repr(one) == ("RuleFile(ruleset='demo', title=None, version=None, extends=None, "
                         "jurisdiction=(), items=(), file='one.cpol')")
    assert repr(ast.Literal(1, "number", Span("a.cpol", 1, 1))) == \
        "Literal(value=1, kind='number')"


def test_nodes_and_types_cannot_be_changed() -> None:
    name = ast.Name("x")
    with pytest.raises(FrozenError):
        name.id = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del name.id
    with pytest.raises(AttributeError):
        name.other = 1  # type: ignore[attr-defined]
    assert name.id == "x"
    with pytest.raises(FrozenError):
        NUMBER.name = "string"  # type: ignore[misc]


def test_copies_and_pickles_keep_every_field() -> None:
    rule_file = ast.RuleFile("demo", "Demo", "1", None, ("XA",), (), file="demo.cpol",
                             span=Span("demo.cpol", 1, 1, 3, 2))
    kinds = RecordT("budget", (Field("amount", NUMBER, True), Field("tags", ListT(STRING))))
    for value in (rule_file, kinds):
        for back in (pickle.loads(pickle.dumps(value)), copy.copy(value), copy.deepcopy(value)):
            assert back == value and type(back) is type(value)
            assert [getattr(back, n) for n in fields(type(back))] == \
                [getattr(value, n) for n in fields(type(value))]


def test_replace_changes_the_fields_named_and_keeps_the_rest() -> None:
    at = Span("a.cpol", 4, 1)
    rule = ast.Rule("R-1", "Title", None, None, "must", None, (), None, "require",
                    ast.Literal(True, "bool"), None, None, span=at)
    flipped = replace(rule, check_kind="forbid")
    assert flipped.check_kind == "forbid" and rule.check_kind == "require"
    assert flipped.span == at and flipped.id == "R-1"
    with pytest.raises(TypeError):
        replace(rule, nothing=1)


def test_a_record_names_its_fields_in_slots() -> None:
    with pytest.raises(TypeError):
        class NoSlots(Record):  # defining it is the test
            x: int
    assert ast.Call.__match_args__ == ("func", "args", "kwargs", "receiver", "span")
