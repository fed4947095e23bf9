"""Loading proposals: values, positions, YAML traps, every CP4xx diagnostic, hostile files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import dump_yaml, json_values, mutated, proposal_words, yaml_values

from cappolicy.base.errors import Diagnostic, ProposalError
from cappolicy.base.span import Span
from cappolicy.proposal import load
from cappolicy.proposal.load import load_proposal, load_proposal_text
from cappolicy.proposal.model import Proposal

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "xa-cirt.yaml"  # the example of the design card, verbatim
EXAMPLE_JSON = DATA / "xa-cirt.json"

BASE = """\
cappolicy: 1
id: XA-TEST
title: Test
host_country: XA
period: {start: 2027-01-01, end: 2029-12-31}
organisations:
  - {id: xa-cirt, name: National CIRT, country: XA, kind: cert,
     mandates: [{id: incident-response}]}
  - {id: impl-a, name: Implementer A, country: BE, kind: implementer}
activities:
  - id: A1
    type: training
    led_by: xa-cirt
    mandate: xa-cirt/incident-response
governance:
  bodies:
    - {id: steering, kind: steering-committee, members: [xa-cirt]}
  relations:
    - {from: steering, to: xa-cirt, kind: reports_to}
"""


def errors_of(text: str, name: str = "p.yaml", fmt: str | None = None) -> list[Diagnostic]:
    with pytest.raises(ProposalError) as caught:
        load_proposal_text(text, name, fmt)
    assert caught.value.exit_code == 2
    return list(caught.value.diagnostics)


def where(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """Line and column (1-based) of the nth occurrence of needle in text."""
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def at(span: Span | None) -> tuple[int, int]:
    assert span is not None
    return span.line, span.column


# --- the example of the design card -------------------------------------------------------


def test_design_example_loads() -> None:
    proposal = load_proposal(EXAMPLE)
    assert proposal.file == str(EXAMPLE)
    assert proposal.warnings == ()
    data = proposal.data
    assert data["cappolicy"] == 1
    assert data["host_country"] == "XA"
    assert data["period"] == {"start": dt.date(2027, 1, 1), "end": dt.date(2029, 12, 31)}
    assert [o["id"] for o in data["organisations"]] == [
        "xa-mict", "xa-cirt", "xa-treasury", "xa-uni", "donor-a", "impl-a"]
    assert data["funding"]["sources"][0]["by_year"] == {2027: 1200000, 2028: 900000, 2029: 600000}
    assert data["activities"][0]["led_by"] == "xa-cirt"
    assert data["activities"][0]["mandate"] == "xa-cirt/incident-response"
    assert data["governance"]["relations"][1] == {
        "from": "steering", "kind": "decides", "scope": ["priorities", "budget-reallocation"]}
    assert data["evaluation"]["independent"] is True
    assert data["indicators"][0]["baseline"] == 72
    assert data["waivers"][0]["expires"] == dt.date(2027, 6, 30)
    assert data["alignment"]["objectives"] == ["NCS-2.1", "NCS-3.4"]


def test_design_example_positions() -> None:
    positions = load_proposal(EXAMPLE).positions
    name = str(EXAMPLE)
    assert positions[()] == Span(name, 1, 1, 57, 112)
    assert positions[("activities", 0, "led_by")] == Span(name, 34, 13, 34, 20)
    assert positions[("activities", 0, "led_by", "<key>")] == Span(name, 34, 5, 34, 11)
    assert at(positions[("activities", 0)]) == (31, 5)
    assert at(positions[("period", "start")]) == (5, 17)
    assert at(positions[("organisations", 1)]) == (13, 5)
    assert at(positions[("organisations", 1, "mandates", 0, "id")]) == (14, 22)
    assert at(positions[("funding", "sources", 0, "by_year", 2027)]) == (23, 52)
    assert at(positions[("funding", "sources", 0, "by_year", 2027, "<key>")]) == (23, 46)
    assert at(positions[("activities", 0, "data_flows", 0, "to")]) == (43, 49)


@pytest.mark.parametrize("path", [EXAMPLE, EXAMPLE_JSON], ids=["yaml", "json"])
def test_every_position_spans_its_value(path: Path) -> None:
    """The text under each value's span is that value as written."""
    proposal = load_proposal(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    checked = 0
    for place, span in proposal.positions.items():
        if span.line != span.end_line:
            continue
        written = lines[span.line - 1][span.column - 1 : span.end_column - 1].strip("\"'")
        if place and place[-1] == "<key>":
            assert written == str(place[-2])
        else:
            value = proposal.lookup(place)
            if isinstance(value, (str, int, dt.date)) and not isinstance(value, bool):
                assert written == str(value), place
            elif isinstance(value, bool):
                assert written == str(value).lower()
        checked += 1
    assert checked > 200


def test_json_equivalent_loads_to_equal_data() -> None:
    from_yaml = load_proposal(EXAMPLE)
    from_json = load_proposal(EXAMPLE_JSON)
    assert from_json.data == from_yaml.data
    assert from_json == from_yaml.__class__(str(EXAMPLE_JSON), from_yaml.data)
    assert from_json.positions[("activities", 0, "led_by")] == Span(
        str(EXAMPLE_JSON), 148, 17, 148, 26)
    assert from_json.positions[()] == Span(str(EXAMPLE_JSON), 1, 1, 258, 2)


def test_both_yaml_parsers_give_the_same_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXAMPLE.read_text(encoding="utf-8") + "x-note: «Arcadia» — ✓ 😀 [é]\n"
    fast = load_proposal_text(text, "p.yaml")
    monkeypatch.setattr(load, "_EVENT_LOADER", yaml.SafeLoader)
    pure = load_proposal_text(text, "p.yaml")
    assert fast.data == pure.data
    assert fast.positions == pure.positions
    assert at(pure.positions[("x-note",)]) == (58, 9)


def test_format_follows_the_name_unless_given() -> None:
    text = EXAMPLE_JSON.read_text(encoding="utf-8")
    assert load_proposal_text(text, "p.json").data == load_proposal_text(text, "p.txt").data
    assert load_proposal_text(text, "p.yaml", fmt="json").data["id"] == "XA-CIRT-2027"
    with pytest.raises(ValueError, match="unknown proposal format"):
        load_proposal_text(text, "p.json", fmt="xml")


def test_yml_suffix_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    proposal = load_proposal(path)
    assert proposal.id == "XA-CIRT-2027"
    assert at(proposal.positions[("activities", 0, "led_by")]) == (34, 13)


# --- YAML 1.1 traps and value types -------------------------------------------------------


def test_norway_and_yes_stay_strings() -> None:
    text = BASE.replace("host_country: XA", "host_country: NO") + \
        "x-words: [NO, no, yes, Yes, off, on, y, n, ON, true, False]\n"
    proposal = load_proposal_text(text, "p.yaml")
    assert proposal.host_country == "NO"
    assert proposal.data["x-words"] == [
        "NO", "no", "yes", "Yes", "off", "on", "y", "n", "ON", True, False]


def test_yes_is_not_a_boolean() -> None:
    [problem] = errors_of(BASE + "evaluation: {independent: yes}\n")
    assert problem.code == "CP404"
    assert problem.message == "expected true or false, found 'yes'"
    assert at(problem.span) == where(BASE + "evaluation: {independent: yes}\n", "yes")


def test_numbers_and_dates_keep_their_types() -> None:
    text = BASE + (
        "x-values: [12, 1.5, 1e3, 0o17, 0x1f, 1:30, 1_000, 007, '12', .inf, ~, "
        "2027-03-01, '2027-03-01', 2027-03-01T10:00:00Z]\n"
        "indicators: [{id: I1, baseline: 72, target: 2.5}]\n")
    proposal = load_proposal_text(text, "p.yaml")
    assert proposal.data["x-values"] == [
        12, 1.5, 1000.0, 15, 31, "1:30", "1_000", 7, "12", float("inf"), None,
        dt.date(2027, 3, 1), "2027-03-01", "2027-03-01T10:00:00Z"]
    indicator = proposal.data["indicators"][0]
    assert type(indicator["baseline"]) is int and type(indicator["target"]) is float
    assert type(proposal.data["period"]["start"]) is dt.date


def test_dates_from_strings_and_json() -> None:
    text = BASE.replace("start: 2027-01-01", "start: '2027-01-01'")
    assert load_proposal_text(text, "p.yaml").data["period"]["start"] == dt.date(2027, 1, 1)
    as_json = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    assert as_json["period"]["start"] == "2027-01-01"
    assert as_json["funding"]["sources"][0]["by_year"]["2027"] == 1200000
    loaded = load_proposal_text(json.dumps(as_json), "p.json").data
    assert loaded["period"]["start"] == dt.date(2027, 1, 1)
    assert loaded["funding"]["sources"][0]["by_year"][2027] == 1200000


@pytest.mark.parametrize(("written", "message", "help_"), [
    ("soon", "expected a date, found 'soon'", "YYYY-MM-DD"),
    ("2027-02-30", "expected a date, found '2027-02-30'", "day is out of range"),
    ("2027-01-01T09:30:00", "expected a date, found the date and time '2027-01-01T09:30:00'",
     "write the day alone: 2027-01-01"),
    ("'2027-01-01 09:30:00'", "found the date and time", "2027-01-01"),
    ("20270101", "expected a date, found the number 20270101", "YYYY-MM-DD"),
])
def test_dates_are_days(written: str, message: str, help_: str) -> None:
    text = BASE.replace("start: 2027-01-01", f"start: {written}")
    [problem] = errors_of(text)
    assert problem.code == "CP404"
    assert message in problem.message
    assert help_ in (problem.help or "")
    assert at(problem.span) == where(text, written)


def test_booleans_are_never_numbers() -> None:
    text = BASE + "indicators: [{id: I1, baseline: true}]\n"
    [problem] = errors_of(text)
    assert (problem.code, problem.message) == ("CP404", "expected a number, found true")


def test_text_fields_take_scalars_as_written() -> None:
    text = BASE.replace("title: Test", "title: 0x10") + "alignment: {objectives: [3.10, 2027]}\n"
    data = load_proposal_text(text, "p.yaml").data
    assert data["title"] == "0x10"
    assert data["alignment"]["objectives"] == ["3.10", "2027"]


def test_null_optional_field_is_absent_but_located() -> None:
    text = BASE + "evaluation:\nsunset: ~\n"
    proposal = load_proposal_text(text, "p.yaml")
    assert "evaluation" not in proposal.data and "sunset" not in proposal.data
    assert at(proposal.positions[("sunset",)]) == where(text, "~")


def test_aliases_repeat_values_and_locate_the_alias() -> None:
    text = BASE + "roles: {design: &team [xa-cirt, impl-a], implementation: *team}\n"
    proposal = load_proposal_text(text, "p.yaml")
    assert proposal.data["roles"]["implementation"] == ["xa-cirt", "impl-a"]
    assert at(proposal.positions[("roles", "implementation")]) == where(text, "*team")


def test_extensions_are_kept_with_a_warning() -> None:
    text = BASE + "x-notes:\n  reviewer: {name: A. Reviewer, on: 2026-01-05}\n"
    proposal = load_proposal_text(text, "p.yaml")
    assert proposal.data["x-notes"] == {
        "reviewer": {"name": "A. Reviewer", "on": dt.date(2026, 1, 5)}}
    [warning] = proposal.warnings
    assert (warning.code, warning.level) == ("CP412", "warning")
    assert at(warning.span) == where(text, "x-notes")
    assert at(proposal.positions[("x-notes", "reviewer", "on")]) == where(text, "2026-01-05")


# --- each diagnostic, located -------------------------------------------------------------

# (case, change to BASE: (old, new) or text to append, code, (needle, nth) at the place, help)
CASES: list[tuple[str, tuple[str, str] | str, str, tuple[str, int], str | None]] = [
    ("wrong-type", ("end: 2029-12-31", "end: [2029]"), "CP404", ("[2029]", 1), None),
    ("list-expected", ("members: [xa-cirt]", "members: xa-cirt"), "CP404", ("xa-cirt}", 1),
     "write a list: [xa-cirt]"),
    ("second-document", "---\nid: other\n", "CP404", ("---", 1),
     "put each proposal in its own file"),
    ("python-tag", ("title: Test", "title: !!python/object/apply:os.system [ls]"), "CP404",
     ("!!python", 1), "remove the tag"),
    ("merge-key", "x-a: &x {a: 1}\nsunset:\n  <<: *x\n", "CP404", ("<<", 1), None),
    ("missing-field", ("{id: impl-a, name", "{name"), "CP405", ("{name", 1), "'id:'"),
    ("empty-required", ("title: Test", "title:"), "CP405", ("title", 1), "'title:'"),
    ("enum-near", ("kind: cert", "kind: cerd"), "CP406", ("cerd", 1), "did you mean 'cert'?"),
    ("enum-far", ("type: training", "type: banana"), "CP406", ("banana", 1),
     "training, train-the-trainer, mentorship"),
    ("ref-org", ("led_by: xa-cirt", "led_by: xa-cirtt"), "CP407", ("xa-cirtt", 1),
     "did you mean 'xa-cirt'?"),
    ("ref-org-far", ("led_by: xa-cirt", "led_by: nobody"), "CP407", ("nobody", 1),
     "the declared ids are: impl-a, xa-cirt"),
    ("ref-node", ("to: xa-cirt, kind", "to: stearing, kind"), "CP407", ("stearing", 1),
     "did you mean 'steering'?"),
    ("ref-mandate", ("xa-cirt/incident-response", "xa-cirt/incident-responce"), "CP407",
     ("xa-cirt/incident-responce", 1), "did you mean 'xa-cirt/incident-response'?"),
    ("ref-mandate-org", ("xa-cirt/incident-response", "xa-cirtt/incident-response"), "CP407",
     ("xa-cirtt/", 1), "did you mean 'xa-cirt'?"),
    ("ref-mandate-form", ("xa-cirt/incident-response", "incident-response"), "CP404",
     ("incident-response", 2), "xa-cirt/incident-response"),
    ("duplicate-id", ("{id: impl-a,", "{id: xa-cirt,"), "CP408", ("xa-cirt", 2),
     "first declared at line 7"),
    ("duplicate-activity", "  - {id: A1, type: training, led_by: impl-a}\n", "CP408",
     ("A1", 2), "first declared at line 11"),
    ("duplicate-key", "title: Again\n", "CP408", ("title", 2), "first given at line 3"),
    ("body-is-org", ("{id: steering,", "{id: impl-a,"), "CP408", ("impl-a", 2),
     "declared at line 9"),
    # a seat counted twice: three of five members from one organisation read as a majority
    ("member-twice", ("members: [xa-cirt]", "members: [xa-cirt, impl-a, xa-cirt]"), "CP408",
     ("xa-cirt", 5), "first listed at line 17"),
    # a waiver that says nothing: waived as if the host had said why
    ("waiver-empty", "waivers: [{rule: FIN-01, reason: '', approved_by: xa-cirt, "
     "expires: 2027-12-31}]\n", "CP405", ("''", 1), "write the reason the host approved"),
    ("waiver-todo", "waivers: [{rule: FIN-01, reason: TODO, approved_by: xa-cirt, "
     "expires: 2027-12-31}]\n", "CP405", ("TODO", 1), "or remove the waiver"),
    # a template's instruction is no reason either
    ("waiver-instruction", "waivers: [{rule: FIN-01, reason: Insert reason here, "
     "approved_by: xa-cirt, expires: 2027-12-31}]\n", "CP405", ("Insert reason here", 1),
     "or remove the waiver"),
    ("partner-twice", ("led_by: xa-cirt\n", "led_by: xa-cirt\n    partners: [impl-a, impl-a]\n"),
     "CP408", ("impl-a", 3), "first listed at line 14"),
    ("country-case", ("country: BE", "country: be"), "CP409", ("be", 1), "did you mean 'BE'?"),
    ("country-name", ("host_country: XA", "host_country: Norway"), "CP409", ("Norway", 1),
     "did you mean 'NO'?"),
    ("country-unknown", ("country: BE", "country: QQ"), "CP409", ("QQ", 1), "XA to XZ"),
    ("language", ("led_by: xa-cirt\n", "led_by: xa-cirt\n    languages: [en, EN]\n"),
     "CP409", ("EN", 1), "did you mean 'en'?"),
    ("currency", "funding: {currency: euro}\n", "CP409", ("euro", 1), "did you mean 'EUR'?"),
    ("version", ("cappolicy: 1", "cappolicy: 2"), "CP410", ("2", 1), "cappolicy: 1"),
    ("version-text", ("cappolicy: 1", 'cappolicy: "1"'), "CP410", ('"1"', 1),
     "write 'cappolicy: 1' without quotes"),
    ("near-miss", ("organisations:", "organisatons:"), "CP411", ("organisatons", 1),
     "did you mean 'organisations'?"),
    ("near-miss-case", ("led_by:", "Led_by:"), "CP411", ("Led_by", 1), "did you mean 'led_by'?"),
]


def apply(change: tuple[str, str] | str) -> str:
    if isinstance(change, str):
        if change.startswith("  - "):  # another activity
            return BASE.replace("governance:", change + "governance:")
        return BASE + change
    old, new = change
    assert old in BASE
    return BASE.replace(old, new, 1)


@pytest.mark.parametrize(("change", "code", "needle", "help_"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_diagnostic_is_located(change: tuple[str, str] | str, code: str,
                                    needle: tuple[str, int], help_: str | None) -> None:
    text = apply(change)
    found = [d for d in errors_of(text) if d.code == code]
    assert found, f"no {code}"
    assert at(found[0].span) == where(text, *needle)
    assert found[0].span is not None and found[0].span.file == "p.yaml"
    if help_ is not None:
        assert help_ in (found[0].help or "")


def test_version_stops_validation() -> None:
    [problem] = errors_of("cappolicy: 2\nid: [x]\n")
    assert problem.code == "CP410"
    assert problem.message == "unsupported format version 2; cappolicy reads format 1"


def test_missing_version_is_a_missing_field() -> None:
    problems = errors_of(BASE.replace("cappolicy: 1\n", ""))
    assert [(d.code, d.message) for d in problems] == [
        ("CP405", "missing required field 'cappolicy' in proposal")]
    assert problems[0].help is not None and "cappolicy: 1" in problems[0].help


def test_near_miss_does_not_also_report_the_missing_field() -> None:
    problems = errors_of(BASE.replace("title:", "titel:"))
    assert [d.code for d in problems] == ["CP411"]


def test_far_unknown_field_is_only_a_warning() -> None:
    proposal = load_proposal_text(BASE + "notes: free text\n", "p.yaml")
    assert proposal.data["notes"] == "free text"
    assert [w.code for w in proposal.warnings] == ["CP412"]


def test_user_assigned_country_codes_are_accepted() -> None:
    for code in ("XA", "XK", "XZ", "NO", "NL"):
        text = BASE.replace("host_country: XA", f"host_country: {code}")
        assert load_proposal_text(text, "p.yaml").host_country == code


def test_yaml_syntax_error_is_located() -> None:
    text = BASE.replace("title: Test", "title: Test: more")
    [problem] = errors_of(text)
    assert problem.code == "CP402"
    assert problem.message.startswith("invalid YAML: mapping values are not allowed")
    assert at(problem.span) == where(text, ": more")


def test_yaml_unclosed_flow_names_where_it_starts() -> None:
    [problem] = errors_of("cappolicy: 1\nx: [a, b\n")
    assert problem.code == "CP402"
    assert problem.help is not None and "line 2, column 4" in problem.help


def test_yaml_tab_indentation() -> None:
    [problem] = errors_of("cappolicy: 1\nperiod:\n\tstart: 2027-01-01\n")
    assert (problem.code, at(problem.span)) == ("CP402", (3, 1))
    assert problem.help is not None and "tabs" in problem.help


def test_yaml_control_character() -> None:
    [problem] = errors_of("cappolicy: 1\ntitle: a\x07b\n")
    assert (problem.code, at(problem.span)) == ("CP402", (2, 9))
    assert "U+0007" in problem.message


def test_yaml_unknown_alias_suggests_an_anchor() -> None:
    [problem] = errors_of("x: &team [a]\ny: *tean\n")
    assert (problem.code, at(problem.span)) == ("CP402", (2, 4))
    assert problem.help == "did you mean '*team'?"


@pytest.mark.parametrize(("text", "place", "message"), [
    ('{"cappolicy": 1,}', (1, 17), "expected a field name in double quotes, found '}'"),
    ('{"cappolicy": 1\n "id": "x"}', (2, 2), "expected ',' or '}' after a field, found '\"'"),
    ("{'cappolicy': 1}", (1, 2), "expected a field name in double quotes, found '''"),
    ('{"title": "a\nb"}', (1, 13), "invalid control character"),
    ('{"title": "abc', (1, 11), "unterminated string"),
    ('{"x": NaN}', (1, 7), "expected a value, found 'N'"),
    ('{"x": [1, 2,]}', (1, 13), "expected a value, found ']'"),
    ('{"x": 1} {}', (1, 10), "unexpected text after the JSON value"),
    ("", (1, 1), "expected a value, found the end of the file"),
])
def test_json_syntax_errors_are_located(text: str, place: tuple[int, int], message: str) -> None:
    [problem] = errors_of(text, "p.json")
    assert problem.code == "CP402"
    assert problem.message == f"invalid JSON: {message}"
    assert at(problem.span) == place


def test_json_duplicate_keys() -> None:
    text = EXAMPLE_JSON.read_text(encoding="utf-8").replace(
        '"title":', '"id": "again",\n  "title":', 1)
    [problem] = errors_of(text, "p.json")
    assert (problem.code, at(problem.span)) == ("CP408", (4, 3))
    assert problem.help == "it is first given at line 3; keep one of them"


def test_json_year_keys_are_checked() -> None:
    text = EXAMPLE_JSON.read_text(encoding="utf-8").replace('"2028": 900000', '"next": 900000')
    [problem] = errors_of(text, "p.json")
    assert (problem.code, problem.message) == ("CP404", "expected a year, found 'next'")
    assert at(problem.span) == where(text, '"next"')


def test_many_errors_are_all_reported_in_order() -> None:
    text = (BASE.replace("kind: cert", "kind: cerd")
            .replace("start: 2027-01-01", "start: soon")
            .replace("led_by: xa-cirt", "led_by: xa-cirtt")
            .replace("country: BE", "country: be")
            + "title: Twice\nfundng: {}\nsunset: {handover_to: [impl-a]}\n")
    problems = errors_of(text)
    assert [(d.code, at(d.span)) for d in problems] == [
        ("CP404", where(text, "soon")),
        ("CP406", where(text, "cerd")),
        ("CP409", where(text, "be")),
        ("CP407", where(text, "xa-cirtt")),
        ("CP408", where(text, "title", 2)),
        ("CP411", where(text, "fundng")),
        ("CP404", where(text, "[impl-a]")),
    ]


def test_a_misspelt_list_leaves_its_references_unknown() -> None:
    text = BASE.replace("organisations:", "organisatons:")
    problems = errors_of(text)
    assert problems[0].code == "CP411"
    assert {d.code for d in problems[1:]} == {"CP407"}
    assert [at(d.span) for d in problems[1:]] == [  # led_by, mandate, member, relation to
        where(text, "xa-cirt", 2), where(text, "xa-cirt/"), where(text, "xa-cirt]"),
        where(text, "xa-cirt, kind")]


def test_root_must_be_a_mapping() -> None:
    for text, column, found in [
            ("- a\n- b\n", 1, "a list"), ("just words\n", 1, "'just words'"),
            (" [1]", 2, "a list"), ("--- 12\n", 5, "the number 12")]:
        [problem] = errors_of(text)
        assert (problem.code, at(problem.span)) == ("CP404", (1, column))
        assert problem.message.endswith(f"found {found}")
    [problem] = errors_of("---\n")
    assert problem.message.endswith("found nothing (null)")
    [problem] = errors_of("# only a comment\n")
    assert (problem.code, problem.message) == (
        "CP404", "the file is empty; a proposal is a mapping of fields")


# --- files ---------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ProposalError) as caught:
        load_proposal(path)
    [problem] = caught.value.diagnostics
    assert problem.code == "CP401"
    assert str(path) in problem.message and "No such file" in problem.message


def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ProposalError) as caught:
        load_proposal(tmp_path)
    assert [d.code for d in caught.value.diagnostics] == ["CP401"]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("cappolicy: 1\ntitle: Caf\u00e9 ol\u00e9\n".encode("latin-1"))
    with pytest.raises(ProposalError) as caught:
        load_proposal(path)
    [problem] = caught.value.diagnostics
    assert (problem.code, at(problem.span)) == ("CP401", (2, 11))
    assert "0xe9" in problem.message


def test_too_large_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"[" * (load.MAX_BYTES + 1))  # would be a CP403 if it were parsed
    with pytest.raises(ProposalError) as caught:
        load_proposal(path)
    [problem] = caught.value.diagnostics
    assert problem.code == "CP401" and "larger than 10 MiB" in problem.message
    [problem] = errors_of("#" * (load.MAX_BYTES + 1))
    assert problem.code == "CP401"


def test_unpaired_surrogate_in_text() -> None:
    [problem] = errors_of("cappolicy: 1\ntitle: a\udcff\n")
    assert (problem.code, at(problem.span)) == ("CP401", (2, 9))


# --- hostile files --------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True))


def test_alias_bomb_is_refused_without_expanding_it() -> None:
    # 9**9 values once expanded: the test finishes only if the budget stops it early.
    [problem] = errors_of(BILLION_LAUGHS)
    assert problem.code == "CP403"
    assert "more than 200,000 values" in problem.message
    assert problem.span is not None and problem.span.line <= 7


def test_too_many_alias_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_ALIASES", 5)
    [problem] = errors_of("a: &a x\nb: [*a, *a, *a, *a, *a, *a]\n")
    assert (problem.code, at(problem.span)) == ("CP403", (2, 25))


def test_recursive_alias() -> None:
    [problem] = errors_of("a: &a [1, *a]\n")
    assert (problem.code, at(problem.span)) == ("CP403", (1, 11))


@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_yaml_nesting(depth: int) -> None:
    [problem] = errors_of("x: " + "[" * depth + "]" * depth)
    assert (problem.code, at(problem.span)) == ("CP403", (1, 4 + 63))  # the mapping is one


def test_deep_block_nesting() -> None:
    text = "x:\n" + "".join(" " * (2 * i) + "- \n" for i in range(1, 80))
    [problem] = errors_of(text)
    assert (problem.code, at(problem.span)) == ("CP403", (65, 129))


def test_nesting_up_to_the_limit_is_fine() -> None:
    text = BASE + "x-deep: " + "[" * 63 + "]" * 63 + "\n"  # 64 levels with the top mapping
    value = load_proposal_text(text, "p.yaml").data["x-deep"]
    for _ in range(62):
        [value] = value
    assert value == []
    [problem] = errors_of(text.replace("x-deep: ", "x-deep: ["))
    assert problem.code == "CP403"


@pytest.mark.parametrize("depth", [65, 1_000_000])
def test_deep_json_nesting(depth: int) -> None:
    [problem] = errors_of('{"x": ' + "[" * depth, "p.json")
    assert (problem.code, at(problem.span)) == ("CP403", (1, 7 + 63))


def test_too_many_json_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_NODES", 10)
    [problem] = errors_of('{"x": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}', "p.json")
    assert problem.code == "CP403"


def test_huge_numerals_are_refused() -> None:
    problems = errors_of(BASE + "x-big: " + "9" * 400 + "\n")
    assert [d.code for d in problems if d.level == "error"] == ["CP404"]
    problems = errors_of('{"x": ' + "9" * 5000 + "}", "p.json")
    assert "more than 300 digits" in {d.message for d in problems if d.code == "CP404"}.pop()


# --- properties -----------------------------------------------------------------------------


def loads_or_refuses(text: str, name: str, fmt: str | None = None) -> Proposal | None:
    """A Proposal, or None after checking the ProposalError is well formed."""
    try:
        return load_proposal_text(text, name, fmt)
    except ProposalError as exc:
        assert exc.diagnostics
        for problem in exc.diagnostics:
            assert problem.code.startswith("CP4")
            assert problem.span is not None and problem.span.line >= 1
        return None


@given(st.text(), st.sampled_from(["yaml", "json"]))
def test_any_text_loads_or_is_refused(text: str, fmt: str) -> None:
    loads_or_refuses(text, "p", fmt)


@given(st.binary(), st.sampled_from(["p.yaml", "p.json"]))
def test_any_bytes_load_or_are_refused(raw: bytes, name: str) -> None:
    loads_or_refuses(raw.decode("utf-8", "replace"), name)
    loads_or_refuses(raw.decode("latin-1"), name)
    loads_or_refuses(raw.decode("utf-8", "surrogateescape"), name)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(max_size=100).map(str.encode))
def test_any_file_loads_or_is_refused(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(raw)
    try:
        load_proposal(path)
    except ProposalError as exc:
        assert all(d.code.startswith("CP4") for d in exc.diagnostics)


@given(yaml_values)
def test_any_yaml_document_loads_or_is_refused(value: Any) -> None:
    loads_or_refuses(yaml.safe_dump(value, allow_unicode=True), "p.yaml")
    loads_or_refuses(yaml.safe_dump(value, default_flow_style=True), "p.yaml")


@given(st.dictionaries(st.text(max_size=10) | proposal_words, yaml_values, max_size=6))
def test_any_yaml_mapping_loads_or_is_refused(value: dict[str, Any]) -> None:
    loads_or_refuses(yaml.safe_dump({"cappolicy": 1, **value}), "p.yaml")


EXAMPLE_DATA = load_proposal(EXAMPLE).data


@given(mutated(dict(EXAMPLE_DATA), yaml_values))
def test_mutated_example_loads_or_is_refused(value: dict[str, Any]) -> None:
    proposal = loads_or_refuses(yaml.safe_dump(value, allow_unicode=True, width=60), "p.yaml")
    loads_or_refuses(json.dumps(value, default=str), "p.json")
    if proposal is not None:
        assert all(w.level == "warning" for w in proposal.warnings)
        assert proposal.positions[()].line == 1


@given(mutated(json.loads(EXAMPLE_JSON.read_text(encoding="utf-8")), json_values))
def test_mutated_json_example_loads_like_yaml(value: dict[str, Any]) -> None:
    """JSON and YAML of the same data load to the same data, or both are refused."""
    from_json = loads_or_refuses(json.dumps(value, indent=1), "p.json")
    from_yaml = loads_or_refuses(dump_yaml(value), "p.yaml")
    assert (from_json is None) == (from_yaml is None)
    if from_json is not None and from_yaml is not None:
        assert from_json.data == from_yaml.data


# --- coherence: values that contradict themselves (CP413) -------------------------------------


@pytest.mark.parametrize(("old", "new", "needle", "message"), [
    ("period: {start: 2027-01-01, end: 2029-12-31}", "period: {start: 2029-12-31, end: 2027-01-01}",
     "2027-01-01}", "the programme period ends on 2027-01-01, before it starts on 2029-12-31"),
    ("    led_by: xa-cirt\n", "    led_by: xa-cirt\n    start: 2028-05-01\n    end: 2028-04-30\n",
     "2028-04-30", "activity 'A1' ends on 2028-04-30, before it starts on 2028-05-01"),
    ("activities:", "funding:\n  sources:\n    - {from: xa-cirt, type: co-financing, "
     "by_year: {2027: 10, 2028: -5.5}}\nactivities:",
     "-5.5", "negative amount -5.5 for 2028 in a funding source"),
    ("activities:", "budget:\n  lines:\n    - {category: training, by_year: {2027: -1}}\n"
     "activities:", "-1}", "negative amount -1 for 2027 in a budget line"),
])
def test_an_end_before_its_start_or_a_negative_amount_is_refused_at_the_value(
        old: str, new: str, needle: str, message: str) -> None:
    text = BASE.replace(old, new, 1)
    assert text != BASE
    (error,) = errors_of(text)
    assert (error.code, error.message) == ("CP413", message)
    assert at(error.span) == where(text, needle)


def test_a_one_day_activity_and_zero_amounts_are_coherent() -> None:
    text = BASE.replace("    led_by: xa-cirt\n", "    led_by: xa-cirt\n    start: 2028-05-01\n"
                        "    end: 2028-05-01\n", 1).replace(
        "activities:", "budget:\n  lines:\n    - {category: training, by_year: {2027: 0}}\n"
        "activities:", 1)
    proposal = load_proposal_text(text, "p.yaml")
    assert proposal.data["budget"]["lines"][0]["by_year"] == {2027: 0}


def test_every_incoherence_of_a_file_is_reported_at_once() -> None:
    text = BASE.replace("2027-01-01, end: 2029-12-31", "2029-12-31, end: 2027-01-01").replace(
        "activities:", "budget:\n  lines:\n    - {category: training, by_year: {2027: -1}}\n"
        "activities:", 1)
    assert [e.code for e in errors_of(text)] == ["CP413", "CP413"]


# --- one currency: every amount is in funding.currency (CP413) --------------------------------

GOOD = (Path(__file__).resolve().parent.parent / "examples" / "proposals" /
        "xa-cirt-good.yaml").read_text(encoding="utf-8")
TREASURY = "- {from: xa-treasury, type: co-financing, by_year:"
TRAINING = "- {category: training, by_year:"


def _currencies(text: str = GOOD, source: str | None = None, line: str | None = None) -> str:
    """`text` with a `currency` on the treasury's funding source and on the training line."""
    for old, value in ((TREASURY, source), (TRAINING, line)):
        if value is not None:
            assert text.count(old) == 1, old
            text = text.replace(old, old.replace(" by_year:", f" currency: {value}, by_year:"))
    return text


@pytest.mark.parametrize(("source", "line", "needle", "message", "help_"), [
    # the treasury's amounts in XAD were added to the donor's in EUR: co-financing passed at
    # a share no exchange rate gave
    ("XAD", None, "XAD", "funding.sources[1] gives its amounts in XAD, but every amount of a "
     "proposal is in funding.currency (EUR): they must be converted, or they would be added "
     "to the others as if they were in EUR",
     "convert the amounts of funding.sources[1] to EUR and remove its currency"),
    (None, "USD", "USD", "budget.lines[1] gives its amounts in USD, but every amount of a "
     "proposal is in funding.currency (EUR): they must be converted, or they would be added "
     "to the others as if they were in EUR",
     "convert the amounts of budget.lines[1] to EUR and remove its currency"),
    ("{code: XAD}", None, "{code: XAD}", "funding.sources[1] gives its amounts in a mapping, "
     "but every amount of a proposal is in funding.currency (EUR): they must be converted, "
     "or they would be added to the others as if they were in EUR",
     "convert the amounts of funding.sources[1] to EUR and remove its currency"),
])
def test_an_amount_in_another_currency_than_the_funding_is_refused_at_its_currency(
        source: str | None, line: str | None, needle: str, message: str, help_: str) -> None:
    text = _currencies(source=source, line=line)
    (error,) = errors_of(text)  # the field's extension warning gives way to the error
    assert (error.code, error.level, error.message, error.help) == ("CP413", "error", message,
                                                                     help_)
    assert at(error.span) == where(text, needle)


def test_without_funding_currency_the_elements_must_name_one_currency() -> None:
    text = _currencies(GOOD.replace("  currency: EUR\n", "", 1), source="XAD", line="EUR")
    (error,) = [e for e in errors_of(text) if e.level == "error"]
    assert error.code == "CP413" and at(error.span) == where(text, "EUR")
    assert error.message == (
        "budget.lines[1] gives its amounts in EUR, but funding.sources[1] gives its own in XAD: "
        "every amount of a proposal is in funding.currency, so they must be converted to one "
        "currency")
    assert error.help is not None and error.help.startswith("state funding.currency")


@pytest.mark.parametrize(("text", "value"), [
    (_currencies(source="EUR", line="EUR"), "EUR"),
    (_currencies(source="eur", line="' EUR '"), "eur"),  # a code, in any case and spacing
    (_currencies(GOOD.replace("  currency: EUR\n", "", 1), source="XAD", line="xad"), "XAD"),
    (_currencies(GOOD.replace("  currency: EUR\n", "", 1), source="XAD"), "XAD"),
    (_currencies(source="null"), None),
])
def test_the_same_currency_stays_an_extension(text: str, value: str | None) -> None:
    proposal = load_proposal_text(text, "p.yaml")
    assert proposal.data["funding"]["sources"][1].get("currency") == value
    assert {w.code for w in proposal.warnings} == {"CP412"}


def test_each_amount_in_another_currency_is_reported_and_its_warning_dropped() -> None:
    sources = "".join(f"    - {{from: xa-treasury, type: co-financing, currency: XAD, "
                      f"by_year: {{2027: {n}}}}}\n" for n in range(2000))
    text = GOOD.replace("  sources:\n", "  sources:\n" + sources, 1)
    found = errors_of(text)
    assert [e.code for e in found] == ["CP413"] * 2000  # no CP412 left for these fields
    assert found[-1].message.startswith("funding.sources[1999] gives its amounts in XAD")


def test_check_refuses_a_file_of_two_currencies_and_checks_the_others(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cappolicy.cli.main import main

    (tmp_path / "a-good.yaml").write_text(GOOD, encoding="utf-8")
    text = _currencies(source="XAD")
    (tmp_path / "b-xad.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "c-good.yaml").write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15", str(tmp_path)])
    assert result.exit_code == 2, result.output
    line, column = where(text, "XAD")
    assert (f"b-xad.yaml:{line}:{column}: error[CP413]: funding.sources[1] gives its amounts "
            "in XAD, but every amount of a proposal is in funding.currency (EUR)") in result.output
    assert "convert the amounts of funding.sources[1] to EUR" in result.output
    assert "Traceback" not in result.output
    for name in ("a-good.yaml", "c-good.yaml"):
        assert f"{name} (XA-CIRT-2027, host XA) against ruleset national/xa ==" in result.output
    assert "2 proposals (0 failed, 2 passed), 1 file not loaded" in result.output


def test_a_budget_in_another_currency_than_the_funding_is_refused_at_its_currency() -> None:
    # budget: {currency: XAD, lines: ...} said its every line was in XAD, and the lines
    # were added up with the funding's euros with only an extension's warning
    text = GOOD.replace("budget:\n", "budget:\n  currency: XAD\n", 1)
    assert "currency: XAD" in text
    (error,) = errors_of(text)
    assert (error.code, error.level) == ("CP413", "error")
    assert error.message.startswith("budget gives its amounts in XAD, but every amount of a "
                                    "proposal is in funding.currency (EUR)")
    assert at(error.span) == where(text, "XAD")
    # in the funding's own currency, however written, it stays an extension
    load_proposal_text(GOOD.replace("budget:\n", "budget:\n  currency: eur\n", 1), "p.yaml")
