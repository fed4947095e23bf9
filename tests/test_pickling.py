"""pickling.by_fields: objects come back equal, fields the equality ignores included."""

from __future__ import annotations

import copy
import pickle

import attrs
import pytest

from cappolicy.base.pickling import by_fields
from cappolicy.base.record import Record
from cappolicy.base.span import Span
from cappolicy.engine.findings import Evidence, Finding, Provenance
from cappolicy.lang import ast
from cappolicy.lang.parse import parse_text

RULES = '''ruleset demo "A demo"
version "1"
param min_share: percent = 15% higher is stricter
rule DEMO-01 "The host pays its share" {
  principle co-financing
  let share = sum(s.amount for s in funding.sources where s.from == "gov")
  require share >= min_share
  message "The host pays {share}."
}
'''


def _fields(obj: object) -> list[object]:
    if isinstance(obj, Record):
        return [getattr(obj, name) for name in obj.FIELDS]
    return [getattr(obj, f.name) for f in attrs.fields(type(obj))]


def test_syntax_trees_come_back_with_their_spans() -> None:
    tree = parse_text(RULES, "demo.cpol")
    for back in (pickle.loads(pickle.dumps(tree, protocol=5)), copy.deepcopy(tree)):
        assert back == tree
        assert back.span == tree.span and back.items[1].span == tree.items[1].span
        rule = back.items[1]
        assert isinstance(rule, ast.Rule)
        assert _fields(rule.lets[0]) == _fields(tree.items[1].lets[0])


def test_findings_come_back_whole() -> None:
    at = Span("p.yaml", 3, 5, 3, 9)
    finding = Finding("R-1", "Title", "principle", None, "must", "fail", "p.yaml", at, "a.b",
                      "message", evidence=(Evidence("x > 1", "false", ">", "0", "1", left_at=at),),
                      rule_origin=Provenance("baseline", Span("r.cpol", 1, 1)))
    back = pickle.loads(pickle.dumps(finding))
    assert back == finding and _fields(back) == _fields(finding)


def test_only_classes_built_from_their_fields() -> None:
    @attrs.frozen
    class Hidden:
        a: int
        b: int = attrs.field(init=False, default=0)

    @attrs.frozen
    class Named:
        a: int = attrs.field(kw_only=True)

    for cls in (Hidden, Named):
        with pytest.raises(TypeError):
            by_fields(cls)

    @by_fields
    @attrs.frozen
    class One:
        a: tuple[int, ...] = attrs.field(converter=tuple)

    assert copy.deepcopy(One([1, 2])) == One((1, 2))  # copies take the same way
