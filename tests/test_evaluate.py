"""Evaluation: outcomes, one finding per element, unknown names what is missing,
evidence carries the actual values, and the explanation agrees with the verdict."""

from __future__ import annotations

import copy
import json
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from strategies_lang import effective, small_proposals

from cappolicy.base.errors import ProposalError
from cappolicy.engine.compile import Context, Env
from cappolicy.engine.evaluate import CompiledRule, evaluate
from cappolicy.engine.evidence import Explainer
from cappolicy.engine.findings import OUTCOMES, Evidence, Finding
from cappolicy.lang import values as V
from cappolicy.proposal.load import load_proposal_text
from cappolicy.proposal.model import Proposal
from cappolicy.rulesets.catalog import EffectiveRuleset

AS_OF = dt.date(2027, 1, 1)

RULES = '''ruleset baseline "Test baseline"
param min_co_financing: percent = 15% higher is stricter
param max_sunset_delay: duration = 6 months

rule SUN-01 "The sunset comes soon after the end" {
  principle sunset-and-exit
  source "seed, paragraph 5"
  require sunset.date <= period.end + max_sunset_delay
  message "The sunset {sunset.date} is later than {period.end + max_sunset_delay}."
  hint "Move the sunset before {period.end + max_sunset_delay}."
}

rule ACT-01 "Activities end within the period" {
  principle sunset-and-exit
  for act in activities
  require act.end <= period.end
  message "{act.id} ends on {act.end}, after {period.end}."
}

rule FIN-01 "The host co-finances enough" {
  principle co-financing
  let host = sum(sum(s.by_year) for s in funding.sources where s.from.country == host_country)
  let total = sum(sum(s.by_year) for s in funding.sources)
  require host / total >= min_co_financing
}

rule GOV-01 "No donor chairs a program body" {
  principle decision-rights
  severity should
  forbid any b in governance.bodies: any c in b.chair: c.kind == donor
}

rule LANG-01 "Training is offered in French" {
  principle language-access
  severity advisory
  for act in activities where act.type == training
  require "fr" in act.languages
}

rule LEAD-01 "Host institutions lead the activities" {
  principle local-ownership
  for act in activities
  require act.led_by.country == host_country
}

rule XB-01 "Rules for XB only" {
  principle national-alignment
  when host_country == XB
  require count(organisations) >= 3
}
'''


@pytest.fixture(scope="module")
def ruleset(tmp_path_factory: pytest.TempPathFactory) -> EffectiveRuleset:
    return effective(tmp_path_factory.mktemp("rules"), {"baseline.cpol": RULES}, "baseline")


def proposal(**changes: Any) -> Proposal:
    """A small proposal that passes every rule above; `changes` replace top-level fields
    (None deletes one)."""
    data: dict[str, Any] = {
        "cappolicy": 1, "id": "P-1", "title": "A programme", "host_country": "XA",
        "period": {"start": dt.date(2027, 1, 1), "end": dt.date(2029, 12, 31)},
        "organisations": [
            {"id": "gov", "name": "Ministry", "country": "XA", "kind": "ministry"},
            {"id": "donor", "name": "Donor", "country": "NL", "kind": "donor"},
        ],
        "funding": {"currency": "EUR", "sources": [
            {"from": "donor", "by_year": {2027: 800000}},
            {"from": "gov", "by_year": {2027: 200000}},
        ]},
        "sunset": {"date": dt.date(2030, 3, 31), "handover_to": "gov"},
        "activities": [
            {"id": "A1", "type": "training", "led_by": "gov", "end": dt.date(2028, 6, 30),
             "languages": ["en", "fr"]},
            {"id": "A2", "type": "exercise", "led_by": "gov", "end": dt.date(2029, 6, 30)},
        ],
        "governance": {"bodies": [{"id": "steering", "kind": "steering-committee",
                                   "chair": ["gov"], "members": ["gov", "donor"]}]},
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return Proposal("p.yaml", data)


def run(ruleset: EffectiveRuleset, p: Proposal, rule: str | None = None) -> list[Finding]:
    found = evaluate(ruleset.compiled(), p, AS_OF, ruleset.id)
    return [f for f in found if rule is None or f.rule == rule]


def one(ruleset: EffectiveRuleset, p: Proposal, rule: str) -> Finding:
    [finding] = run(ruleset, p, rule)
    return finding


# ------------------------------------------------------------------ outcomes


def test_a_good_proposal_passes_every_rule(ruleset: EffectiveRuleset) -> None:
    outcomes = {(f.rule, f.element): f.outcome for f in run(ruleset, proposal())}
    assert outcomes == {
        ("SUN-01", None): "pass", ("ACT-01", "A1"): "pass", ("ACT-01", "A2"): "pass",
        ("FIN-01", None): "pass", ("GOV-01", None): "pass", ("LANG-01", "A1"): "pass",
        ("LEAD-01", "A1"): "pass", ("LEAD-01", "A2"): "pass", ("XB-01", None): "not-applicable"}


def test_a_failed_comparison_shows_the_actual_values_and_the_message(
        ruleset: EffectiveRuleset) -> None:
    f = one(ruleset, proposal(sunset={"date": dt.date(2030, 12, 31)}), "SUN-01")
    assert f.outcome == "fail" and f.severity == "must" and f.level == "error"
    [ev] = f.evidence
    assert (ev.result, ev.op, ev.left, ev.right) == ("false", "<=", "2030-12-31", "2030-06-30")
    assert ev.expr == "sunset.date <= period.end + max_sunset_delay"
    assert "2029-12-31 + 6 months" in (ev.note or "")
    assert f.message == "The sunset 2030-12-31 is later than 2030-06-30."
    assert f.hint == "Move the sunset before 2030-06-30."
    assert (f.principle, f.source, f.title) == (
        "sunset-and-exit", "seed, paragraph 5", "The sunset comes soon after the end")


def test_a_missing_field_makes_the_rule_unknown_and_is_named(ruleset: EffectiveRuleset) -> None:
    f = one(ruleset, proposal(sunset=None), "SUN-01")
    assert f.outcome == "unknown"
    assert f.missing == ("sunset",)
    assert f.message == "cannot decide: sunset is missing"
    f = one(ruleset, proposal(sunset={"handover_to": "gov"}), "SUN-01")
    assert f.outcome == "unknown" and f.missing == ("sunset.date",)


def test_for_gives_one_finding_per_element_named_by_its_id(ruleset: EffectiveRuleset) -> None:
    acts = [{"id": "A1", "end": dt.date(2028, 1, 1)}, {"id": "A2"},
            {"id": "A3", "end": dt.date(2030, 1, 1)}]
    found = run(ruleset, proposal(activities=acts), "ACT-01")
    assert [(f.element, f.path, f.outcome) for f in found] == [
        ("A1", "activities[0]", "pass"), ("A2", "activities[1]", "unknown"),
        ("A3", "activities[2]", "fail")]
    assert found[1].missing == ("activities[1].end",)
    assert found[2].message == "A3 ends on 2030-01-01, after 2029-12-31."
    [ev] = found[2].evidence
    assert (ev.left, ev.right) == ("2030-01-01", "2029-12-31")


def test_for_with_where_skips_elements_and_with_nothing_left_is_not_applicable(
        ruleset: EffectiveRuleset) -> None:
    acts = [{"id": "A1", "type": "training", "languages": ["en"]},
            {"id": "A2", "type": "exercise", "languages": ["en"]}]
    found = run(ruleset, proposal(activities=acts), "LANG-01")
    assert [(f.element, f.outcome) for f in found] == [("A1", "fail")]
    assert found[0].severity == "advisory" and found[0].level == "info"
    [ev] = found[0].evidence
    assert (ev.op, ev.left, ev.right) == ("in", "fr", "[en]")
    none = run(ruleset, proposal(activities=acts[1:]), "LANG-01")
    assert [f.outcome for f in none] == ["not-applicable"]
    missing = run(ruleset, proposal(activities=None), "LANG-01")
    assert [(f.outcome, f.missing) for f in missing] == [("unknown", ("activities",))]


def test_for_with_an_undecidable_where_is_unknown(ruleset: EffectiveRuleset) -> None:
    found = run(ruleset, proposal(activities=[{"id": "A1", "languages": ["en"]}]), "LANG-01")
    assert [(f.outcome, f.missing) for f in found] == [("unknown", ("activities[0].type",))]


def test_reading_through_a_reference(ruleset: EffectiveRuleset) -> None:
    acts = [{"id": "A1", "led_by": "gov"}, {"id": "A2", "led_by": "donor"}]
    found = run(ruleset, proposal(activities=acts), "LEAD-01")
    assert [(f.element, f.outcome) for f in found] == [("A1", "pass"), ("A2", "fail")]
    [ev] = found[1].evidence
    assert (ev.left, ev.right) == ("NL", "XA")
    orgs = [{"id": "gov", "name": "Ministry", "kind": "ministry"}]  # no country
    f = run(ruleset, proposal(activities=acts[:1], organisations=orgs), "LEAD-01")[0]
    assert f.outcome == "unknown" and f.missing == ("organisations[0].country",)


def test_forbid_fails_when_its_condition_holds(ruleset: EffectiveRuleset) -> None:
    bodies = {"bodies": [{"id": "steering", "kind": "steering-committee", "chair": ["donor"]}]}
    f = one(ruleset, proposal(governance=bodies), "GOV-01")
    assert f.outcome == "fail" and f.severity == "should"
    [ev] = f.evidence
    assert ev.result == "true"  # the forbidden condition holds
    assert ev.children[0].expr == "b = steering"
    assert one(ruleset, proposal(), "GOV-01").outcome == "pass"
    assert one(ruleset, proposal(governance=None), "GOV-01").outcome == "unknown"


def test_when_false_is_not_applicable_and_when_true_decides(ruleset: EffectiveRuleset) -> None:
    f = one(ruleset, proposal(), "XB-01")
    assert f.outcome == "not-applicable" and "host_country == XB" in f.message
    assert one(ruleset, proposal(host_country="XB"), "XB-01").outcome == "fail"
    f = one(ruleset, proposal(host_country=None), "XB-01")
    assert f.outcome == "unknown" and f.missing == ("host_country",)


def test_a_computed_share_fails_with_its_derivation(ruleset: EffectiveRuleset) -> None:
    sources = [{"from": "donor", "by_year": {2027: 900000}},
               {"from": "gov", "by_year": {2027: 100000}}]
    f = one(ruleset, proposal(funding={"sources": sources}), "FIN-01")
    assert f.outcome == "fail"
    [ev] = f.evidence
    assert (ev.left, ev.right) == ("10%", "15%")
    assert ev.note == "host / total = 100000 / 1000000"


def test_division_by_zero_is_unknown_with_a_note_not_a_crash(ruleset: EffectiveRuleset) -> None:
    sources = [{"from": "donor", "by_year": {2027: 0}}]
    f = one(ruleset, proposal(funding={"sources": sources}), "FIN-01")
    assert f.outcome == "unknown"
    assert f.missing == ()  # nothing is missing: the division cannot be made
    assert "division by zero" in f.message
    assert "division by zero" in (f.evidence[0].note or "")


def test_division_by_zero_in_the_condition_itself(tmp_path: Path) -> None:
    rules = RULES.split("\nrule ")[0] + '''
rule DIV-01 "Share of donors" {
  principle co-financing
  require count(o in organisations where o.kind == donor) / count(organisations) < 50%
}
'''
    eff = effective(tmp_path, {"baseline.cpol": rules}, "baseline")
    f = one(eff, proposal(organisations=[]), "DIV-01")
    assert (f.outcome, f.missing) == ("unknown", ())
    assert f.message == "cannot decide: division by zero"


def test_an_aggregate_names_the_element_it_misses(ruleset: EffectiveRuleset) -> None:
    sources = [{"from": "donor", "by_year": {2027: 800000}}, {"from": "gov"}]
    f = one(ruleset, proposal(funding={"sources": sources}), "FIN-01")
    assert f.outcome == "unknown"
    assert f.missing == ("funding.sources[1].by_year",)


LAST_RULE = '''
rule LAST-01 "The last activity ends in time" {
  principle sunset-and-exit
  require activities[-1].end <= period.end
}
'''


def test_an_index_from_the_end_names_the_element_it_reads(tmp_path: Path) -> None:
    eff = effective(tmp_path, {"baseline.cpol": RULES.split("\nrule ")[0] + LAST_RULE},
                    "baseline")
    acts = [{"id": "A1", "end": dt.date(2031, 1, 1)}, {"id": "A2"}]
    f = one(eff, proposal(activities=acts), "LAST-01")
    assert (f.outcome, f.missing) == ("unknown", ("activities[1].end",))
    assert one(eff, proposal(activities=acts[:1]), "LAST-01").outcome == "fail"


def test_params_used_are_listed_with_their_provenance(ruleset: EffectiveRuleset) -> None:
    f = one(ruleset, proposal(sunset={"date": dt.date(2031, 1, 1)}), "SUN-01")
    [param] = f.params
    assert (param.name, param.value, param.type) == ("max_sunset_delay", "6 months", "duration")
    assert param.origin.layer == "baseline"
    assert Path(param.origin.span.file).name == "baseline.cpol"
    assert param.origin.span.line == 3
    assert one(ruleset, proposal(), "XB-01").params == ()  # it reads no param


def test_findings_point_into_the_proposal_file(ruleset: EffectiveRuleset) -> None:
    text = '''cappolicy: 1
id: P-1
title: Test
host_country: XA
period: {start: 2027-01-01, end: 2029-12-31}
organisations:
  - {id: gov, name: Ministry, country: XA, kind: ministry}
sunset: {date: 2030-12-31, handover_to: gov}
activities:
  - {id: A1, type: training, led_by: gov, end: 2028-01-01}
  - {id: A2, type: exercise, led_by: gov, end: 2030-06-30}
'''
    p = load_proposal_text(text, "p.yaml")
    eff = ruleset
    sun = one(eff, p, "SUN-01")
    assert (sun.file, sun.span.line, sun.span.column) == ("p.yaml", 8, 16)
    assert sun.evidence[0].right_at is not None and sun.evidence[0].right_at.line == 5
    act = [f for f in run(eff, p, "ACT-01") if f.outcome == "fail"]
    assert [(f.element, f.span.line, f.span.column) for f in act] == [("A2", 11, 5)]
    assert act[0].evidence[0].left_at is not None and act[0].evidence[0].left_at.line == 11


# ------------------------------------------------------------------ properties

PROPERTY_RULES = RULES + '''
rule P-01 "Every org of the host is public" {
  principle p
  require all o in organisations where o.country == host_country: o.kind in {ministry, cert}
}
rule P-02 "Dates" {
  principle p
  let last = max(a.end for a in activities)
  require last <= period.end + 1 year and not (sunset.date < period.start)
}
rule P-03 "Some French" {
  principle p
  require any a in activities: "fr" in a.languages or a.led_by.kind == cert
}
rule P-04 "Few donors" {
  principle p
  forbid count(o in organisations where o.kind == donor) > count(organisations) / 2
}
rule P-05 "Handover implies sunset" {
  principle p
  require sunset present implies sunset.handover_to.country == host_country
}
rule P-06 "Per source" {
  principle p
  for s in funding.sources where s.from.kind != donor
  require sum(s.by_year) >= 1000 and title matches "^[A-Z]"
}
rule P-07 "Nested" {
  principle p
  require all a in activities: any o in organisations: o.id == a.led_by and o.country present
}
'''


@pytest.fixture(scope="module")
def big_ruleset(tmp_path_factory: pytest.TempPathFactory) -> EffectiveRuleset:
    return effective(tmp_path_factory.mktemp("prop"), {"baseline.cpol": PROPERTY_RULES},
                     "baseline")


EXPECTED_WORD = {("require", "pass"): "true", ("require", "fail"): "false",
                 ("forbid", "pass"): "false", ("forbid", "fail"): "true"}


def _explain_whole(rule: CompiledRule, p: Proposal) -> Evidence | None:
    """The explanation of a rule without `for`, built the way a reviewer would ask for it."""
    env = Env(Context(p.data, AS_OF, p))
    for name, node in rule.lets:
        try:
            env.vars[name] = node.fn(env)
        except V.EvalProblem:
            env.vars[name] = V.UNKNOWN
        env.paths[name] = node.loc(env) if node.loc else None
    explainer = Explainer(p, dict(rule.lets))
    if rule.when is not None and explainer.truth(rule.when, env) is not True:
        return None
    return explainer.explain(rule.check, env)


@given(small_proposals())
def test_the_explanation_agrees_with_the_verdict(big_ruleset: EffectiveRuleset,
                                                 data: dict[str, Any]) -> None:
    p = Proposal("p.yaml", data)
    rules = {r.id: r for r in big_ruleset.compiled()}
    for f in run(big_ruleset, p):
        assert f.outcome in OUTCOMES
        rule = rules[f.rule]
        if f.outcome == "unknown":
            assert f.message.startswith(("cannot decide", "cannot tell"))
            if f.evidence:
                assert f.evidence[0].result == "unknown"
        elif f.outcome == "fail":
            [ev] = f.evidence
            assert ev.result == EXPECTED_WORD[(rule.check_kind, "fail")]
        if rule.for_coll is None and f.outcome in ("pass", "fail", "unknown"):
            ev = _explain_whole(rule, p)
            if ev is not None:
                word = EXPECTED_WORD.get((rule.check_kind, f.outcome), "unknown")
                assert ev.result == word, (f.rule, f.outcome, ev)


@given(small_proposals())
def test_evaluation_is_deterministic(big_ruleset: EffectiveRuleset, data: dict[str, Any]) -> None:
    first = run(big_ruleset, Proposal("p.yaml", copy.deepcopy(data)))
    second = run(big_ruleset, Proposal("p.yaml", copy.deepcopy(data)))
    assert first == second


EXAMPLE = Path(__file__).parent / "data" / "xa-cirt.yaml"


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


@st.composite
def example_with_deletions(draw: st.DrawFn) -> Any:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    return data


@given(example_with_deletions())
def test_loaded_proposals_with_parts_left_out_never_crash_evaluation(
        big_ruleset: EffectiveRuleset, data: Any) -> None:
    try:
        p = load_proposal_text(yaml.safe_dump(data, sort_keys=False), "p.yaml")
    except ProposalError:
        return
    for f in run(big_ruleset, p):
        assert f.outcome in OUTCOMES
        assert f.span.file == "p.yaml" and f.span.line >= 1
        if f.outcome == "unknown":  # says why: what is missing, or what cannot be computed
            assert f.message.startswith(("cannot decide: ", "cannot tell whether")), f.message
            assert all(f.missing) and len(f.message) > len("cannot decide: ")


def test_a_value_that_is_not_a_collection_leaves_the_rule_undecided_and_says_why() -> None:
    # Through the Python API data need not be what the loader checks: a quantifier over a
    # number is not an internal error but a problem with the data, explained as such.
    from cappolicy.engine.compile import Compiler
    from cappolicy.lang.parse import parse_expr

    node = Compiler({}).expr(parse_expr("any line in budget.lines: line.amount > 0"), {})
    rule = CompiledRule(id="R-1", title="t", principle="p", source=None, severity="must",
                        check_kind="require", check=node)
    [finding] = evaluate([rule], Proposal("p.yaml", {"budget": {"lines": 3}}), AS_OF)
    assert finding.outcome == "unknown"
    assert finding.message == "cannot decide: 3 is not a collection"
    assert finding.evidence[0].note == "cannot be computed: 3 is not a collection"


def test_union_counts_the_years_budgeted_across_lines(tmp_path: Path) -> None:
    eff = effective(tmp_path, {"baseline.cpol": '''ruleset baseline "B"
rule BUD-09 "Three budget years" {
  principle multi-year-budget
  let years = union(keys(line.by_year) for line in budget.lines)
  require count(years) >= 3
  message "budget.lines cover {count(years)} years: {years}."
}
'''}, "baseline")
    three = {"budget": {"lines": [{"by_year": {2027: 1, 2028: 2}}, {"by_year": {2028: 5, 2029: 1}}]}}
    two = {"budget": {"lines": [{"by_year": {2027: 1, 2028: 2}}, {"by_year": {2028: 5}}]}}
    assert one(eff, Proposal("p.yaml", three), "BUD-09").outcome == "pass"
    failed = one(eff, Proposal("p.yaml", two), "BUD-09")
    assert (failed.outcome, failed.message) == ("fail", "budget.lines cover 2 years: [2027, 2028].")
    missing = one(eff, Proposal("p.yaml", {"budget": {"lines": [{"by_year": {2027: 1}}, {}]}}),
                  "BUD-09")
    assert missing.outcome == "unknown"
    assert missing.missing == ("budget.lines[1].by_year",)


SHIPPED_EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example_texts() -> list[tuple[str, str]]:
    """Every shipped example as YAML, and each again as JSON; and one with an alias."""
    out = []
    for path in sorted(SHIPPED_EXAMPLES.glob("*/*.yaml")):
        text = path.read_text(encoding="utf-8")
        out.append((path.name, text))
        data = yaml.safe_load(text)
        out.append((path.stem + ".json", json.dumps(data, default=str, indent=1)))
    return out


def test_a_finding_names_the_first_path_of_its_span_either_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding located by its evidence names the path its span was found at when no
    two paths of the file share a span, and looks the span up among all of them
    otherwise: the same findings, every shipped example in YAML and in JSON."""
    from cappolicy.engine import places
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    rulesets = Rulesets(Catalog())
    named = 0
    for name, text in _example_texts():
        try:
            p = load_proposal_text(text, name)
        except ProposalError:
            continue
        assert getattr(p.positions, "unique", False) is True, name
        choice = rulesets.for_country(p.host_country)
        rules = choice.ruleset.compiled()
        first = evaluate(rules, p, AS_OF, ruleset=choice.ruleset.id, effective=choice.ruleset)
        with monkeypatch.context() as m:
            m.setattr(places, "unique_spans", lambda positions: False)
            looked_up = evaluate(rules, p, AS_OF, ruleset=choice.ruleset.id,
                                 effective=choice.ruleset)
        assert first == looked_up, name
        named += sum(f.outcome == "fail" and f.element is None and f.path != "(proposal)"
                     for f in first)
    assert named >= 10  # findings whose path came from their span were compared


def test_a_file_with_an_alias_of_a_list_looks_its_spans_up() -> None:
    """Where a value may be written once and read at two paths (a YAML alias of a
    list), a span is not the place of one path only: the loader says so, and a finding
    is named by the first path of its span, the anchor's."""
    text = (SHIPPED_EXAMPLES / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    plain = load_proposal_text(text, "p.yaml")
    assert getattr(plain.positions, "unique", False) is True
    aliased = text.replace("partners: [impl-a, xa-bankers]", "partners: &both [impl-a, xa-bankers]"
                           ).replace("partners: [impl-a, xa-rights]", "partners: *both")
    p = load_proposal_text(aliased, "p.yaml")
    assert p.data["activities"][2]["partners"] == ["impl-a", "xa-bankers"]
    assert getattr(p.positions, "unique", False) is not True
    # the list is placed where the alias is; its items, where the anchor's are
    assert p.span_of(("activities", 2, "partners", 0)) == \
        p.span_of(("activities", 1, "partners", 0))


def test_a_message_hole_that_cannot_be_computed_is_said_so_not_shown_missing(
        tmp_path: Path) -> None:
    # No funding at all: the host's share is 0 / 0. The rule fails (no co-financing),
    # and its message said the share was "(missing)" though nothing is: every amount
    # is there, and is 0. So it was on real IATI activities with no amounts (FIN-01's
    # "(missing)% of the funding (0 of 0)"), through a let that could not be computed.
    eff = effective(tmp_path, {"baseline.cpol": '''ruleset baseline "B"
rule FIN-01 "The host co-finances" {
  principle co-financing
  let host = sum(sum(s.by_year) for s in funding.sources where s.from.country == host_country)
  let total = sum(sum(s.by_year) for s in funding.sources)
  let share = host / total
  require host > 0 and share >= 20%
  message "The host gives {share * 100}% ({host / total}) of the funding ({host} of {total}), by {sunset.date}."
  hint "Raise it above {total * 0.2}."
}
'''}, "baseline")
    funding = {"currency": "EUR", "sources": [{"from": "gov", "by_year": {2027: 0}}]}
    p = proposal(funding=funding, sunset=None)
    [f] = evaluate(eff.compiled(), p, AS_OF, eff.id)
    assert f.outcome == "fail"
    assert f.message == ("The host gives (cannot be computed)% ((cannot be computed)) of the "
                         "funding (0 of 0), by (missing).")
    assert [(e.expr, e.left) for e in f.evidence[0].children] == [("host > 0", "0")]
    [fr] = evaluate(eff.compiled(), p, AS_OF, eff.id, lang="fr")
    assert fr.local is not None and fr.local.message is not None
    assert "(non calculable)" in fr.local.message and "(absent)" in fr.local.message
    [es] = evaluate(eff.compiled(), p, AS_OF, eff.id, lang="es")
    assert es.local is not None and es.local.message is not None
    assert "(no calculable)" in es.local.message and "(ausente)" in es.local.message
