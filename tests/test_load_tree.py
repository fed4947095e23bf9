"""The quick road of the YAML loader (libyaml composes the tree) gives exactly the nodes,
spans and sizes of the event reader, and is not taken where only the event reader holds
the guarantees: anchors, aliases, tags, several documents, deep nesting, syntax errors."""

from __future__ import annotations

import datetime as dt
import math
import pickle
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import dump_yaml, mutated, proposal_words, yaml_scalars, yaml_values

from cappolicy.base.errors import ProposalError
from cappolicy.proposal import load
from cappolicy.proposal.direct import Positions
from cappolicy.proposal.load import Node, _YamlComposer, load_proposal_text
from cappolicy.proposal.placeholders import maybe_placeholder, reading

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


# --- the direct road: a valid proposal in one walk (direct.py) ------------------------------

BENCH = ROOT / "bench"


def _usual(self: _YamlComposer) -> None:
    return None


def loaded(text: str, name: str = "p.yaml") -> Any:
    """Everything a loaded proposal says, or the diagnostics it is refused with, as text
    (repr tells 1 from 1.0 and True, and a date from its text)."""
    try:
        proposal = load_proposal_text(text, name)
    except ProposalError as exc:
        return ("refused", [(d.code, d.message, d.span, d.help, d.level)
                            for d in exc.diagnostics])
    return repr((proposal.file, proposal.data, dict(proposal.positions), proposal.warnings,
                 proposal.readable))


def direct_taken(text: str, name: str = "p.yaml") -> bool:
    """Whether the direct road reads `text`; when it does or not, the proposal (or its
    refusal) is exactly the usual road's."""
    taken = _YamlComposer(text, name).direct() is not None
    quick = loaded(text, name)
    with mock.patch.object(_YamlComposer, "direct", _usual):
        usual = loaded(text, name)
    assert quick == usual
    return taken


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_examples_take_the_direct_road_to_the_same_proposal(path: Path, ending: str) -> None:
    text = path.read_text(encoding="utf-8").replace("\n", ending)
    assert direct_taken(text, path.name)


def _corpus(count: int) -> list[tuple[str, str]]:
    sys.path.insert(0, str(BENCH))
    try:
        import synthetic  # bench's generator of proposals
    finally:
        sys.path.remove(str(BENCH))
    return [(f"{data['id']}.yaml", synthetic.yaml_text(data))
            for data in synthetic.corpus("small", count, 0, host="XA")]


def test_generated_proposals_and_their_aliases_take_the_direct_road() -> None:
    corpus = _corpus(60)
    anchored = [text for _, text in corpus if "*id0" in text]
    assert anchored  # PyYAML's writer gives a date used twice an anchor and an alias
    for name, text in corpus:
        for ending in ("\n", "\r\n", "\r"):
            assert direct_taken(text.replace("\n", ending), name)


GOOD = (ROOT / "examples" / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
GOOD_DATA = load_proposal_text(GOOD, "p.yaml").data


@settings(max_examples=150, deadline=None)
@given(mutated(dict(GOOD_DATA), yaml_scalars | proposal_words), st.sampled_from(
    ["\n", "\r\n", "\r"]), st.booleans())
def test_any_changed_proposal_gives_the_usual_roads_proposal_or_refusal(
        value: dict[str, Any], ending: str, flow: bool) -> None:
    text = dump_yaml(value) if not flow else yaml.safe_dump(
        value, default_flow_style=None, allow_unicode=True, width=50)
    direct_taken(text.replace("\n", ending))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(GOOD_DATA)), st.sampled_from(["date", "text", "list", "map"]))
def test_anchored_values_give_the_usual_roads_proposal(key: str, what: str) -> None:
    """PyYAML's writer anchors a value used twice: a date, a list or a mapping."""
    data = dict(GOOD_DATA)
    shared: Any = {"date": dt.date(2027, 5, 1), "text": "shared text", "list": ["a", "b"],
                   "map": {"start": dt.date(2027, 1, 1), "end": dt.date(2028, 1, 1)}}[what]
    data[key] = shared
    data["x-copy"] = shared
    data["period"] = shared if what in ("map", "date") else data["period"]
    text = yaml.safe_dump(data, allow_unicode=True)
    assert "&id001" in text or what == "text"
    direct_taken(text)


@pytest.mark.parametrize("text", [
    "period: &p {start: 2027-01-01, end: 2028-01-01}\nx-again: *p\n",  # a mapping again
    "period: {start: &d 2027-01-01, end: 2028-01-01}\nroles: {design: [*d]}\n",
    "period: {start: &d 2027-01-01, end: 2028-01-01}\nsunset: {date:\n    *d}\n",
    "period: {start: &d 2027-01-01, end: 2028-01-01}\nsunset: {? date\n : *d}\n",
    "period: {start: &d 2027-01-01, end: 2028-01-01}\nsunset: {date: *d }\n",
    "period: {start: &d 2027-01-01, end: *d}\n",  # the same day: fine
    "period:\n  start: &d 2027-01-01\n  end: *d\n",  # ends where the alias ends
    "period:\n  start: &d 2027-01-01\n  end: 2028-01-01\n"
    "risk_assessment:\n  covers: [a]\n  date: *d\n",
    "alignment:\n  objectives: &o\n    - a\n    - *o\n",  # a list that contains itself
    "alignment: &a\n  objectives: [x]\n  x-self: *a\n",
    "period: {start: &d 2027-01-01, end: 2028-01-01}\n*d : 1\n",  # an alias as a key
    "---\n",
    "--- # a marker first\n",
    "%YAML 1.1\n---\n",
    "# --- a comment that looks like a marker, and 50% of another\n",
    "...\n",
    "x-tagged: !!str 12\n",
    "x-text: 'a !tag in quotes'\n",
])
def test_what_the_direct_road_cannot_say_is_the_usual_roads(text: str) -> None:
    """Anchors and aliases other than a record's value, markers and tags: the same
    proposal or the same refusal, whichever road reads it."""
    if text.startswith(("-", "%", ".", "#")):
        document = text + GOOD
    else:
        document = GOOD.replace("period: {start: 2027-01-01, end: 2029-12-31}\n", text)
    direct_taken(document)


@pytest.mark.parametrize("sectors", [
    "[TBD, N/A, tbc]",  # every one a placeholder: the list is left out
    "[TBD, finance, health]", "[energy, finance, TBD]", "[energy, TBD, N/A]",
    "[TBD]", "[energy]", "[]", "['', '...']", "[energy, '']",
])
@pytest.mark.parametrize("anchored", [False, True])
def test_a_list_of_texts_is_a_placeholder_only_whole_on_either_road(
        sectors: str, anchored: bool) -> None:
    """readable() leaves a list of texts out only when each of them is a placeholder; the
    direct road stops asking about a list's texts at one that cannot be, and says the
    same, with or without an alias in the proposal (which it reads apart)."""
    text = GOOD.replace("sectors: [energy, finance, health]", f"sectors: {sectors}")
    if anchored:
        text = text.replace("end: 2029-12-31}", "end: &e 2029-12-31}").replace(
            "sunset: {date: 2029-12-31,", "sunset: {date: *e,")
        assert "*e" in text
    assert direct_taken(text)
    every = all(reading(t) for t in yaml.safe_load(sectors)) and sectors != "[]"
    readable = load_proposal_text(text, "p.yaml").readable
    assert readable is not None
    assert (("alignment", "needs_assessment", "sectors", 0) in readable[1]) is every


@pytest.mark.parametrize("change", [
    ("id: pmu,", "id: steering,"),  # a body's id twice
    ("id: pmu,", "id: xa-cirt,"),  # a body's id that is an organisation's
    ("id: xa-uni,", "id: xa-mict,"),  # an organisation's id twice
    ("id: I2,", "id: I1,"),  # an indicator's
    ("  - id: A2", "  - id: A1"),  # an activity's
    ("{id: cyber-policy,", "{id: cyber-policy}, {id: cyber-policy,"),  # a mandate's
    ("led_by: xa-mict", "led_by: xa-nobody"),  # an unknown organisation
    ("partners: [impl-a, xa-bankers]", "partners: [impl-a, xa-bankers, impl-a]"),
    ("members: [xa-cirt, impl-a]", "members: [xa-cirt, xa-cirt]"),  # an id listed twice
    ("by: [xa-mict, xa-cirt]", "by: [xa-mict, xa-cirt, xa-mict, xa-cirt]"),
    ("chair: [xa-mict]", "chair: [nobody]"),  # an unknown organisation or body
    ("mandate: xa-cirt/incident-response", "mandate: xa-cirt/nothing"),
    ("mandate: xa-cirt/incident-response", "mandate: nobody/incident-response"),
    ("mandate: xa-cirt/incident-response", "mandate: xa-cirt"),
    ("mandate: xa-cirt/incident-response", "mandate: /incident-response"),
    ("mandate: xa-cirt/incident-response", "mandate: xa-cirt/"),
    ("end: 2029-12-31}", "end: 2026-12-31}"),  # the period ends before it starts
    ("end: 2028-06-30", "end: 2027-02-28"),  # an activity
    ("2028: 900000", "2028: -900000"),  # a negative amount: funding
    ("{2027: 420000}", "{2027: -0.5}"),  # and budget
    ("2028: 900000", "'2028': 900000"),  # a year written as text: fine
    ("2028: 900000", "2028: 900000, '2028': 1"),  # twice
    ("2028: 900000", "2028.0: 900000"),
])
def test_what_validate_checks_after_the_walk_is_the_usual_roads(
        change: tuple[str, str]) -> None:
    old, new = change
    assert old in GOOD
    direct_taken(GOOD.replace(old, new, 1))


def test_a_date_used_twice_is_read_directly_with_the_aliass_position() -> None:
    text = GOOD.replace("end: 2029-12-31}", "end: &d 2029-12-31}").replace(
        'sunset: {date: 2029-12-31, handover_to: xa-cirt, plan: "CIRT absorbs trainers into its '
        '2030 budget"}', "sunset:\n  date:   *d  # the same day\n  handover_to: xa-cirt\n")
    assert direct_taken(text)
    assert direct_taken(text.replace("Arcadia\n", "Arcadia \u00e9\u4e2d\U0001f600\n"))
    proposal = load_proposal_text(text, "p.yaml")
    assert proposal.data["sunset"]["date"] == dt.date(2029, 12, 31)
    span = proposal.positions[("sunset", "date")]
    line = text.splitlines().index("  date:   *d  # the same day") + 1
    assert (span.line, span.column, span.end_line, span.end_column) == (line, 11, line, 13)


def test_hostile_aliases_are_refused_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = GOOD + "x-bomb: " + "\n".join(
        ["&a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
            f"x-{name}: &{name} [{', '.join(['*' + previous] * 9)}]"
            for previous, name in zip("abcdefgh", "bcdefghi", strict=True)]) + "\n"
    assert not direct_taken(bomb)
    assert "more than 200,000 values" in str(loaded(bomb))
    recursive = GOOD + "x-self: &s\n- a\n- *s\n"
    assert not direct_taken(recursive)
    assert "contains it" in str(loaded(recursive))
    dates = GOOD.replace("end: 2029-12-31}", "end: &e 2029-12-31}") + "".join(
        f"x-{i}: {{date: *e}}\n" for i in range(6))
    monkeypatch.setattr(load, "MAX_ALIASES", 5)
    assert not direct_taken(dates)
    assert "aliases more than 5 times" in str(loaded(dates))


@settings(max_examples=500)
@given(st.text(max_size=30) | st.builds(
    lambda a, w, b: a + w + b, st.text(" \t.:<>-_/x—–({}[]$", max_size=3),
    st.sampled_from(["TODO", "tbd", "Tbc", "XXX", "...", "Lorem Ipsum", "todo: later", "<x>",
                     "xa-TODO", "İ", "K", "ſ", "", "N/A", "NONE", "None: later", "TBA",
                     "Not Applicable", "to be determined", "To Be Confirmed", "xa-none",
                     "—", "–", "tbd - later", "TODO (x)", "tbd; x", "T.B.D.", "N.A.",
                     "pending", "to be defined", "No basis", "There is no plan", "nil",
                     "None yet", "TBD by x", "{{x}}", "${X}", "[\u2022]", "[ \u25cf ]"]),
    st.text(" \t.:>-_/x—–({}]", max_size=3)))
def test_a_text_said_to_be_no_placeholder_is_none(text: str) -> None:
    if reading(text):
        assert maybe_placeholder(text)


def test_positions_are_a_mapping_of_spans_made_when_read() -> None:
    proposal = load_proposal_text(GOOD, "p.yaml")
    positions = proposal.positions
    assert isinstance(positions, Positions)
    with mock.patch.object(_YamlComposer, "direct", _usual):
        usual = load_proposal_text(GOOD, "p.yaml").positions
    assert positions == usual and dict(positions) == dict(usual)
    assert list(positions) == list(usual) and len(positions) == len(usual)
    assert ("period", "start") in positions and ("nowhere",) not in positions
    assert positions.get(("nowhere",)) is None
    assert positions[("period",)] is positions[("period",)]  # made once
    assert pickle.loads(pickle.dumps(positions)) == dict(usual)
    assert proposal.span_of(("period", "start", "x")) == usual[("period", "start")]


@pytest.mark.parametrize("first", ["key", "contains", "len", "list"])
def test_keys_positions_are_the_usual_roads_whatever_is_asked_first(first: str) -> None:
    """The keys' positions are listed as the walk goes and made a table when first asked
    for; whatever asks first, every answer is the usual road's."""
    positions = load_proposal_text(GOOD, "p.yaml").positions
    with mock.patch.object(_YamlComposer, "direct", _usual):
        usual = load_proposal_text(GOOD, "p.yaml").positions
    key = ("period", "<key>")
    if first == "key":
        assert positions[key] == usual[key]
        assert positions.get(("alignment", "objectives", "<key>")) == usual[
            ("alignment", "objectives", "<key>")]
    elif first == "contains":
        assert key in positions and ("period", "start", "<key>") in positions
        assert ("nowhere", "<key>") not in positions
    elif first == "len":
        assert len(positions) == len(usual)
    assert list(positions) == list(usual) and dict(positions) == dict(usual)


def test_a_check_asks_no_key_position_of_a_valid_proposal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What a check asks of the positions (a finding's span, a place; a path that is none,
    such as a missing field's) makes no table of the keys' positions: only a key's path
    does, or listing them all."""
    import datetime as dt

    from cappolicy.base.resources import shipped_rulesets
    from cappolicy.engine.evaluate import evaluate
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    made: list[Positions] = []
    table = Positions.key_positions

    def counted(self: Positions) -> dict[Any, Any]:
        made.append(self)
        return table.fget(self)  # type: ignore[no-any-return, misc]

    rules = Rulesets(Catalog([shipped_rulesets()])).for_country("XB").ruleset.compiled()
    failing = ROOT / "examples" / "proposals" / "xb-donor-led.yaml"
    proposal = load_proposal_text(failing.read_text(encoding="utf-8"), "p.yaml")
    assert isinstance(proposal.positions, Positions)
    monkeypatch.setattr(Positions, "key_positions", property(counted))
    findings = evaluate(rules, proposal, dt.date(2027, 1, 15))
    assert any(f.outcome == "fail" for f in findings) and not made
    assert ("nowhere",) not in proposal.positions and not made
    assert proposal.positions.get(("sunset", "nowhere")) is None and not made
    assert ("period", "<key>") in proposal.positions and made
