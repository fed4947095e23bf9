"""The quick road of the YAML loader (libyaml composes the tree) gives exactly the nodes,
spans and sizes of the event reader, and is not taken where only the event reader holds
the guarantees: anchors, aliases, tags, several documents, deep nesting, syntax errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from strategies import yaml_values

from cappolicy.proposal import load
from cappolicy.proposal.load import Node, _YamlComposer, load_proposal_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "proposals").glob("*.yaml")) + sorted(
    (Path(__file__).parent / "data").glob("*.yaml"))

pytestmark = pytest.mark.skipif(load._TreeParser is None, reason="PyYAML without libyaml")


def shape(node: Node | None) -> Any:
    """Everything a node says, nodes inside it included, as comparable values."""
    if node is None:
        return None
    if node.kind == "map":
        value: Any = [(shape(k), shape(v)) for k, v in node.value]
    elif node.kind == "seq":
        value = [shape(item) for item in node.value]
    elif isinstance(node.value, float) and math.isnan(node.value):
        value = "nan"
    else:
        value = (type(node.value), node.value)
    return (node.kind, node.span, value, node.text, node.tag, node.size, node.problem)


def both(text: str) -> tuple[Any, Any]:
    """The quick road's document (None when it is not taken) and the event reader's."""
    tree = _YamlComposer(text, "p.yaml")._tree()
    events = _YamlComposer(text, "p.yaml")._read(load._EVENT_LOADER)
    quick = None if tree is None else (shape(tree[0]), tree[1], tree[2])
    return quick, (shape(events[0]), events[1], events[2])


def same_as_events(text: str) -> bool:
    """Whether the quick road was taken; when it was, it gave the event reader's nodes."""
    try:
        quick, events = both(text)
    except load._Fatal:  # the event reader refuses it: the quick road must not take it
        assert _YamlComposer(text, "p.yaml")._tree() is None
        return False
    if quick is not None:
        assert quick == events
    return quick is not None


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_examples_take_the_quick_road_to_the_same_nodes(path: Path, ending: str) -> None:
    text = path.read_text(encoding="utf-8").replace("\n", ending)
    assert same_as_events(text)


SHAPES = [
    "a: 1\n",
    "a:\n",
    "a: {}\nb: []\nc: [ ]\n",
    "- 1\n- [2, 3]\n- {x: y}\n-\n",
    "a:\n- 1\n- 2\nb:\n  c:\n    - d: 1\n      e: 2\n",
    "a: 'quoted: 12'\nb: \"2027-01-01\"\nc: 2027-01-01\nd: 0x1F\ne: 0o17\nf: -.inf\ng: .nan\n",
    "a: |\n  block\n  text\nb: >\n  folded\n  text\n\nc: plain\n  continued\n",
    "a: 2027-02-30\nb: 2027-01-01 10:00:00\nc: 1e3\nd: +12\ne: ~\nf: NO\ng: True\n",
    "a: " + "9" * 301 + "\nb: 0x" + "f" * 300 + "\n",
    "a: [1, [2, [3, {b: [4]}]]]\n",
    "{a: 1, b: [2, 3]}",
    "[1, 2]\n",
    "  # a comment first\n\n  a: 1\n  b:\n    - x  # and after\n",
    "? a\n: b\n",
    "a: b # c\n'k': \"v\"\n",
    "a: Go!\nb: R&D\nc: 5*3\n",
]


@pytest.mark.parametrize("text", SHAPES)
def test_shapes_give_the_event_readers_nodes(text: str) -> None:
    same_as_events(text)


@pytest.mark.parametrize("text", [
    "a: &x [1]\nb: *x\n",  # an anchor and an alias
    "a: !!str 12\n",  # a tag
    "a: ! 12\n",  # the non-specific tag
    "a: [!!int 3]\n",
    "---\na: 1\n",  # a document marker
    "a: 1\n---\nb: 2\n",  # a second document
    "%YAML 1.2\n---\na: 1\n",  # a directive
    "x: " + "[" * 65 + "]" * 65,  # too deep
    "x:\n" + "".join(" " * (2 * i) + "- \n" for i in range(1, 80)),
    "a: [1, 2\n",  # a syntax error
    "a: 1\n\u2028b: 2\n",  # a line break to YAML only
    "",
    "# only a comment\n",
])
def test_the_quick_road_leaves_what_only_the_event_reader_guards(text: str) -> None:
    assert _YamlComposer(text, "p.yaml")._tree() is None


def test_too_many_opening_characters_leave_it_to_the_event_reader(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: [1, [2]]\n"
    most = load._TREE_MAX_OPENERS
    assert _YamlComposer(text, "p.yaml")._tree() is not None
    monkeypatch.setattr(load, "_TREE_MAX_OPENERS", 3)  # [ [ : and the line break
    assert _YamlComposer(text, "p.yaml")._tree() is None
    monkeypatch.setattr(load, "_TREE_MAX_OPENERS", most)
    monkeypatch.setattr(load, "_TREE_MAX_CHARS", len(text) - 1)
    assert _YamlComposer(text, "p.yaml")._tree() is None


def test_nesting_at_the_limit_is_read_quickly_and_one_more_level_is_refused() -> None:
    fine = "x: " + "[" * 63 + "]" * 63 + "\n"
    assert same_as_events(fine)
    assert not same_as_events(fine.replace("x: ", "x: ["))


@settings(max_examples=150)
@given(yaml_values)
def test_any_yaml_value_gives_the_event_readers_nodes(value: Any) -> None:
    for text in (yaml.safe_dump(value, allow_unicode=True),
                 yaml.safe_dump(value, default_flow_style=True),
                 yaml.safe_dump({"a": value}, allow_unicode=True).replace("\n", "\r\n")):
        same_as_events(text)


def test_a_proposal_loads_the_same_by_either_road(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "examples" / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    quick = load_proposal_text(text.replace("\n", "\r\n"), "p.yaml")
    monkeypatch.setattr(load, "_TREE_MAX_CHARS", 0)
    events = load_proposal_text(text.replace("\n", "\r\n"), "p.yaml")
    assert quick.data == events.data
    assert quick.positions == events.positions
    assert quick.warnings == events.warnings
