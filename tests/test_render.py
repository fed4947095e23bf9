"""The text and JSON renderers, the verdict and the exit code."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cappolicy.base.errors import Diagnostic, SourceCache
from cappolicy.base.record import replace
from cappolicy.base.span import Span
from cappolicy.base.visible import json_controls
from cappolicy.engine.findings import (
    OUTCOMES,
    SEVERITIES,
    Evidence,
    Finding,
    GraphHop,
    GraphTrace,
    ParamUse,
    Provenance,
)
from cappolicy.render import (
    FileError,
    ProposalResult,
    Report,
    exit_code,
    failing,
    jsonfmt,
    render,
    text,
    verdict,
)
from cappolicy.report.model import sorted_findings

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
XA = "proposals/xa-cirt.yaml"
XA_RULES = "rulesets/national/xa.cpol"
BASE_RULES = "rulesets/baseline/financing.cpol"

# --- findings built by hand --------------------------------------------------------------------


def fin01() -> Finding:
    """A failed must rule with a comparison, a note, nested parts and two params."""
    share = Evidence(
        expr="national_share >= min_co_financing",
        result="false",
        op=">=",
        left="12%",
        right="25%",
        left_at=Span(XA, 44, 9, 44, 15),
        note="national_share = 360000 (xa-treasury, line 44) / 3000000 (all sources)",
        children=(
            Evidence(expr="sum(s.amount for s in funding.sources)", result="true", left="3000000"),
            Evidence(
                expr="in_kind counted",
                result="unknown",
                missing=("funding.sources[1].in_kind",),
            ),
        ),
    )
    return Finding(
        rule="FIN-01",
        title="Host-country co-financing meets the national minimum",
        principle="co-financing",
        source="000_66251300b48a3485.txt, paragraph 5",
        severity="must",
        outcome="fail",
        file=XA,
        span=Span(XA, 41, 7, 41, 20),
        path="funding.sources[1]",
        message="Arcadia pays 12% of the program; the national minimum is 25%.",
        hint="raise xa-treasury's co-financing, or count in-kind contributions",
        evidence=(share,),
        params=(
            ParamUse(
                name="min_co_financing",
                value="25%",
                type="percent",
                origin=Provenance(
                    layer="xa",
                    span=Span(XA_RULES, 7, 1, 7, 60),
                    because="Public Finance Act 2024, s.41",
                    previous="15%",
                    previous_layer="baseline",
                    previous_span=Span(BASE_RULES, 4, 1),
                ),
            ),
            ParamUse(
                name="max_donor_share",
                value="90%",
                type="percent",
                origin=Provenance(
                    layer="xa",
                    span=Span(XA_RULES, 8, 1),
                    because="Transitional arrangement",
                    relaxation=True,
                    previous="85%",
                    previous_layer="baseline",
                    previous_span=Span(BASE_RULES, 5, 1),
                ),
            ),
        ),
        rule_origin=Provenance(layer="baseline", span=Span(BASE_RULES, 12, 1)),
        ruleset="xa",
    )


def own04() -> Finding:
    """A failed rule whose severity a national layer lowered from must to should."""
    return Finding(
        rule="OWN-04",
        title="Training is delivered in the host's languages",
        principle="language-access",
        source="001_9a03dbbb14529596.txt, paragraph 3",
        severity="should",
        outcome="fail",
        file=XA,
        span=Span(XA, 60, 5),
        path="activities[0].languages",
        element="A1",
        message="A1 is delivered in en, fr but not in the host's language.",
        hint="Add a host-country language to A1's languages.",
        evidence=(
            Evidence(expr="host_language in a.languages", result="false", op="in",
                     left="ar", right="[en, fr]", right_at=Span(XA, 60, 16)),
        ),
        severity_origin=Provenance(
            layer="xa",
            span=Span(XA_RULES, 9, 1),
            because="Curricula are translated by the regional centre",
            relaxation=True,
            previous="must",
            previous_layer="baseline",
            previous_span=Span(BASE_RULES, 20, 3),
        ),
        ruleset="xa",
    )


def adv01() -> Finding:
    return Finding(
        rule="ADV-01", title="Indicators have a public dashboard", principle="accountability",
        source=None, severity="advisory", outcome="fail", file=XA, span=Span(XA, 90, 3),
        path="accountability.reporting", message="No public dashboard.", ruleset="xa",
    )


def need01() -> Finding:
    return Finding(
        rule="NEED-01", title="A recent needs assessment precedes the program",
        principle="needs-assessment", source="000_66251300b48a3485.txt, paragraph 3",
        severity="must", outcome="unknown", file=XA, span=Span(XA, 8, 1),
        path="alignment", message="The needs assessment has no date.",
        missing=("alignment.needs_assessment.date",),
        evidence=(Evidence(expr="needs_assessment.date >= period.start - 2 years", result="unknown",
                           missing=("alignment.needs_assessment.date",)),),
        ruleset="xa",
    )


def own05() -> Finding:
    return Finding(
        rule="OWN-05", title="Curricula are owned by a host institution",
        principle="local-ownership", source=None, severity="must", outcome="waived", file=XA,
        span=Span(XA, 120, 5),
        path="waivers[0]", message="The curriculum is owned by impl-a.",
        waiver="Regional curriculum not yet translated (approved by xa-mict, until 2027-06-30)",
        ruleset="xa",
    )


def passed() -> Finding:
    return Finding(
        rule="OWN-01", title="A host public institution co-leads", principle="local-ownership",
        source="000_66251300b48a3485.txt, paragraph 2", severity="must", outcome="pass", file=XA,
        span=Span(XA, 3, 1), path="roles", message="No XA public institution co-leads.",
        hint="Add one.", evidence=(Evidence(expr="any org in organisations: ...", result="true"),),
        ruleset="xa",
    )


def not_applicable() -> Finding:
    return Finding(
        rule="DATA-02", title="Personal data stays in allowed destinations",
        principle="data-protection", source=None, severity="must", outcome="not-applicable",
        file=XA, span=Span(XA, 70, 7),
        path="activities[0].data_flows", message="Personal data leaves the host.", ruleset="xa",
    )


def all_findings() -> tuple[Finding, ...]:
    # deliberately out of position order
    return (own05(), fin01(), passed(), need01(), not_applicable(), own04(), adv01())


def xa_result(findings: tuple[Finding, ...] | None = None) -> ProposalResult:
    return ProposalResult(
        file=XA, proposal_id="XA-CIRT-2027", host_country="XA", ruleset="xa",
        findings=all_findings() if findings is None else findings,
    )


def xq_result() -> ProposalResult:
    """Passes at fail_on=must, with one warning and a ruleset note."""
    warn = Finding(
        rule="GOV-02", title="The steering committee meets at least quarterly",
        principle="decision-rights", source=None, severity="should", outcome="fail",
        file="proposals/xq.yaml", span=Span("proposals/xq.yaml", 30, 5),
        path="governance.bodies[0]",
        message="steering meets yearly.", ruleset="baseline",
    )
    ok = replace(passed(), file="proposals/xq.yaml", span=Span("proposals/xq.yaml", 3, 1))
    return ProposalResult(
        file="proposals/xq.yaml", proposal_id="XQ-GOV-2028", host_country="XQ", ruleset="baseline",
        ruleset_note="no national ruleset for XQ; checked against baseline",
        findings=(warn, ok, ok, ok),
        warnings=(Diagnostic("CP410", "unknown field 'colour'", Span("proposals/xq.yaml", 12, 1),
                             level="warning"),),
    )


BAD = "proposals/bad.yaml"


def bad_file() -> FileError:
    return FileError(BAD, (Diagnostic("CP401", "host_country is required", Span(BAD, 2, 1, 2, 6),
                                      help="add host_country: XA"),))


def make_report(*, errors: bool = False, fail_on: str = "must",
                results: tuple[ProposalResult, ...] | None = None) -> Report:
    return Report(
        results=(xq_result(), xa_result()) if results is None else results,
        errors=(bad_file(),) if errors else (),
        fail_on=fail_on,
        as_of=datetime.date(2026, 11, 3),
        tool_version="0.1.0",
    )


def sources() -> SourceCache:
    cache = SourceCache()
    cache.add(BAD, "cappolicy: 1\nid: BAD-1\ntitle: Broken\n")
    cache.add("proposals/xq.yaml", "\n" * 11 + "colour: blue\n")
    return cache


def text_of(report: Report, **options: Any) -> str:
    return render(report, "text", sources=sources(), **options)


# --- text: one finding -------------------------------------------------------------------------


def test_first_line_is_located_with_the_level() -> None:
    out = text.render_finding(fin01())
    assert out.splitlines()[0] == (
        "proposals/xa-cirt.yaml:41:7: error[FIN-01] "
        "Host-country co-financing meets the national minimum"
    )


def test_because_line_shows_both_values_where_they_come_from_and_the_result() -> None:
    lines = text.render_finding(fin01()).splitlines()
    assert (
        "  because   national_share >= min_co_financing   was   12% (line 44) >= 25%   -> false"
        in lines
    )
    note = "national_share = 360000 (xa-treasury, line 44) / 3000000 (all sources)"
    assert " " * 12 + note in lines


def test_nested_evidence_is_indented_and_names_missing_fields() -> None:
    lines = text.render_finding(fin01()).splitlines()
    assert "              sum(s.amount for s in funding.sources)   was   3000000   -> true" in lines
    assert (
        " " * 14 + "in_kind counted   -> unknown   (missing: funding.sources[1].in_kind)"
        in lines
    )


def test_param_provenance_marks_tightening_and_relaxation() -> None:
    lines = text.render_finding(fin01()).splitlines()
    assert (
        '  param     min_co_financing = 25%   set by xa.cpol:7 '
        '("Public Finance Act 2024, s.41")'
    ) in lines
    assert "            tightens baseline 15% (baseline/financing.cpol:4)" in lines
    assert "            relaxes baseline 85% (baseline/financing.cpol:5)" in lines


def test_message_principle_and_hint_lines() -> None:
    lines = text.render_finding(fin01()).splitlines()
    assert "  message   Arcadia pays 12% of the program; the national minimum is 25%." in lines
    assert "  principle co-financing: 000_66251300b48a3485.txt, paragraph 5" in lines
    assert "  hint      raise xa-treasury's co-financing, or count in-kind contributions" in lines
    assert lines[1].startswith("  message")  # what is wrong comes first


def test_lowered_severity_names_the_layer_and_its_reason() -> None:
    out = text.render_finding(own04())
    assert out.splitlines()[0] == (
        "proposals/xa-cirt.yaml:60:5: warning[OWN-04] Training is delivered in the host's languages"
    )
    assert (
        '  severity  should (was must in baseline, lowered by xa.cpol:9 '
        '"Curricula are translated by the regional centre")'
    ) in out.splitlines()
    assert "was   ar in [en, fr] (line 60)   -> false" in out


def test_raised_severity_is_not_called_lowered() -> None:
    origin = Provenance("xa", Span(XA_RULES, 11, 1), because="critical", previous="advisory",
                        previous_layer="baseline")
    out = text.render_finding(replace(adv01(), severity="must", severity_origin=origin))
    assert (
        "  severity  must (was advisory in baseline, "
        'raised by xa.cpol:11 "critical")'
    ) in out.splitlines()


def test_unknown_names_the_missing_fields() -> None:
    lines = text.render_finding(need01()).splitlines()
    assert lines[0] == (
        "proposals/xa-cirt.yaml:8:1: "
        "unknown[NEED-01] A recent needs assessment precedes the program"
    )
    assert "  missing   alignment.needs_assessment.date" in lines


def test_waived_shows_the_waiver() -> None:
    lines = text.render_finding(own05()).splitlines()
    assert lines[0] == (
        "proposals/xa-cirt.yaml:120:5: waived[OWN-05] Curricula are owned by a host institution"
    )
    assert (
        "  waiver    Regional curriculum not yet translated (approved by xa-mict, until 2027-06-30)"
    ) in lines


def test_rule_origin_only_when_verbose() -> None:
    assert "defined in" not in text.render_finding(fin01())
    verbose = text.render_finding(fin01(), verbose=True)
    rule_line = "  rule      defined in baseline at baseline/financing.cpol:12"
    assert rule_line in verbose.splitlines()


def test_a_passed_finding_does_not_print_the_failure_message_or_hint() -> None:
    out = text.render_finding(passed(), verbose=True)
    assert out.splitlines()[0] == (
        "proposals/xa-cirt.yaml:3:1: pass[OWN-01] A host public institution co-leads"
    )
    assert "No XA public institution" not in out
    assert "hint" not in out


def test_deep_and_wide_evidence_is_cut_short() -> None:
    leaf = Evidence(expr="leaf", result="false")
    deep = leaf
    for depth in range(6):
        deep = Evidence(expr=f"level{depth}", result="false", children=(deep,))
    wide = Evidence(expr="all a in activities: ...", result="false",
                    children=tuple(Evidence(expr=f"a{i}", result="false") for i in range(8)))
    out = text.render_finding(replace(adv01(), evidence=(deep, wide)))
    assert "level5" in out and "level2" in out and "level1" not in out
    assert "... 3 parts nested deeper" in out  # level1, level0, leaf
    assert "a4" in out and "a5" not in out
    assert "              ... and 3 more" in out.splitlines()


def test_a_value_from_another_file_is_cited_with_its_name() -> None:
    ev = Evidence(expr="x == y", result="false", op="==", left="1", right="2",
                  left_at=Span("proposals/shared.yaml", 5, 1))
    assert "was   1 (proposals/shared.yaml:5) == 2" in text.evidence_text(ev, XA)


# --- text: the whole report ----------------------------------------------------------------


def test_only_fail_unknown_and_waived_are_listed_in_position_order() -> None:
    out = text_of(make_report())
    heads = [line for line in out.splitlines() if line.startswith(XA + ":")]
    assert [h.split(": ", 1)[1].split("]")[0] for h in heads] == [
        "unknown[NEED-01",
        "error[FIN-01",
        "warning[OWN-04",
        "info[ADV-01",
        "waived[OWN-05",
    ]


def test_verbose_lists_passed_and_not_applicable_too() -> None:
    out = text_of(make_report(), verbose=True)
    assert "pass[OWN-01]" in out
    assert "not-applicable[DATA-02]" in out


def test_header_note_and_warnings() -> None:
    out = text_of(make_report())
    assert "== proposals/xa-cirt.yaml (XA-CIRT-2027, host XA) against ruleset xa ==" in out
    assert "== proposals/xq.yaml (XQ-GOV-2028, host XQ) against ruleset baseline ==" in out
    assert "  note      no national ruleset for XQ; checked against baseline" in out
    assert "proposals/xq.yaml:12:1: warning[CP410]: unknown field 'colour'" in out


def test_summary_line_per_proposal() -> None:
    lines = text_of(make_report()).splitlines()
    assert (
        "FAIL: 1 error, 1 warning, 1 info, 1 unknown, 1 waived; 1 passed, 1 not applicable"
    ) in lines
    assert "PASS: 1 warning; 3 passed" in lines


def test_summary_of_a_proposal_without_findings() -> None:
    assert text.summary_line([], "pass") == "PASS: no findings; 0 passed"


def test_should_findings_fail_a_proposal_at_fail_on_should() -> None:
    assert "FAIL: 1 warning; 3 passed" in text_of(make_report(fail_on="should")).splitlines()


def test_total_line_and_file_errors() -> None:
    out = text_of(make_report(errors=True))
    lines = out.splitlines()
    assert lines[-1] == (
        "total ERROR: 2 proposals (1 failed, 1 passed), 1 file not loaded; "
        "1 error, 2 warnings, 1 info, 1 unknown, 1 waived; 4 passed, 1 not applicable "
        "(fail on must)"
    )
    assert "== proposals/bad.yaml could not be loaded ==" in lines
    assert "proposals/bad.yaml:2:1: error[CP401]: host_country is required" in lines
    assert "   2 | id: BAD-1" in lines
    assert "       ^^^^^" in lines
    assert "  = help: add host_country: XA" in lines


def test_total_line_verdicts() -> None:
    failing_total = text_of(make_report()).splitlines()[-1]
    assert failing_total.startswith("total FAIL: 2 proposals (1 failed, 1 passed);")
    passing = make_report(results=(xq_result(),))
    passing_total = text_of(passing).splitlines()[-1]
    assert passing_total.startswith("total PASS: 1 proposal (0 failed, 1 passed);")


def test_no_escape_codes_without_colour() -> None:
    out = text_of(make_report(errors=True), verbose=True)
    assert "\x1b" not in out


def test_colour_paints_levels_and_verdicts_and_nothing_else() -> None:
    plain = text_of(make_report(errors=True), verbose=True)
    coloured = text_of(make_report(errors=True), verbose=True, color=True)
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain
    painted = set(re.findall(r"\x1b\[[0-9;]*m([^\x1b]+)\x1b\[0m", coloured))
    assert {"error", "warning", "info", "unknown", "waived", "FAIL", "PASS", "ERROR", "relaxes",
            "lowered"} <= painted
    assert painted <= set(text._STYLES)


def test_text_is_the_same_whatever_order_results_come_in() -> None:
    report = make_report(errors=True)
    flipped = replace(report, results=tuple(reversed(report.results)))
    assert text_of(report) == text_of(flipped)


# --- verdict and exit code -----------------------------------------------------------------


def test_exit_code_is_2_when_a_file_could_not_be_loaded() -> None:
    assert exit_code(make_report(errors=True)) == 2
    assert exit_code(make_report(errors=True, results=())) == 2


def test_exit_code_is_1_when_a_finding_fails_at_or_above_fail_on() -> None:
    assert exit_code(make_report()) == 1
    assert exit_code(make_report(fail_on="should", results=(xq_result(),))) == 1
    only_advisory = xa_result((adv01(),))
    assert exit_code(make_report(fail_on="advisory", results=(only_advisory,))) == 1


def test_exit_code_is_0_below_fail_on() -> None:
    assert exit_code(make_report(results=(xq_result(),))) == 0
    assert exit_code(make_report(fail_on="should", results=(xa_result((adv01(),)),))) == 0
    assert exit_code(make_report(results=())) == 0


def test_an_undecided_rule_fails_the_run_unless_allowed() -> None:
    quiet = xa_result((need01(), own05(), passed(), not_applicable()))
    assert exit_code(make_report(fail_on="advisory", results=(quiet,))) == 1
    assert verdict(quiet, "advisory") == "fail"
    assert verdict(quiet, "advisory", allow_unknown=True) == "pass"


def test_a_waived_finding_never_fails_the_run() -> None:
    waived_only = xa_result((own05(), passed()))
    assert exit_code(make_report(fail_on="advisory", results=(waived_only,))) == 0


def test_failing_lists_the_failures_at_or_above_fail_on_in_position_order() -> None:
    assert [f.rule for f in failing(make_report())] == ["NEED-01", "FIN-01"]
    at_advisory = failing(make_report(fail_on="advisory"))
    assert [f.rule for f in at_advisory] == ["NEED-01", "FIN-01", "OWN-04", "ADV-01", "GOV-02"]


def test_verdict_per_proposal() -> None:
    assert verdict(xa_result(), "must") == "fail"
    assert verdict(xq_result(), "must") == "pass"
    assert verdict(xq_result(), "should") == "fail"


def test_fail_on_must_be_a_severity() -> None:
    with pytest.raises(ValueError, match="fail_on"):
        make_report(fail_on="error")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        render(make_report(), "yaml")


# --- JSON ----------------------------------------------------------------------------------


def json_of(report: Report) -> Any:
    return json.loads(render(report, "json"))


def test_json_header() -> None:
    doc = json_of(make_report(errors=True))
    assert list(doc) == [
        "schema", "version", "tool", "as_of", "fail_on", "inputs", "summary", "results",
        "errors", "rulesets",
    ]
    assert doc["schema"] == "cappolicy.report"
    assert doc["version"] == 2
    assert doc["tool"] == {"name": "cappolicy", "version": "0.1.0"}
    assert doc["as_of"] == "2026-11-03"
    assert doc["fail_on"] == "must"


def test_json_summary_and_verdicts() -> None:
    doc = json_of(make_report(errors=True))
    assert doc["summary"] == {
        "verdict": "error",
        "exit_code": 2,
        "proposals": 2,
        "failed": 1,
        "passed": 1,
        "file_errors": 1,
        "findings": 11,
        "failing": 2,
        "outcomes": {"fail": 4, "unknown": 1, "waived": 1, "pass": 4, "not-applicable": 1},
        "fails_by_level": {"error": 1, "warning": 2, "info": 1},
    }
    xa, xq = doc["results"]  # sorted by file
    assert (xq["file"], xq["verdict"], xa["verdict"]) == ("proposals/xq.yaml", "pass", "fail")
    assert xq["ruleset_note"] == "no national ruleset for XQ; checked against baseline"
    assert xq["warnings"][0]["code"] == "CP410"


def test_json_lists_every_finding_in_position_order() -> None:
    xa = json_of(make_report())["results"][0]
    assert [f["rule"] for f in xa["findings"]] == [
        "OWN-01", "NEED-01", "FIN-01", "OWN-04", "DATA-02", "ADV-01", "OWN-05",
    ]


def read_back(doc: Any) -> list[Finding]:
    return [f for _, findings in jsonfmt.findings_from_json(doc) for f in findings]


def test_json_round_trips_every_finding() -> None:
    originals = [f for r in make_report().results for f in r.findings]
    assert sorted(read_back(json_of(make_report())), key=repr) == sorted(originals, key=repr)


def test_json_round_trips_a_span_in_another_file() -> None:
    odd = replace(fin01(), span=Span("proposals/included.yaml", 3, 4, 3, 9))
    data = jsonfmt.finding_to_json(odd)
    assert data["span_file"] == "proposals/included.yaml"
    assert "span_file" not in jsonfmt.finding_to_json(fin01())
    assert jsonfmt.whole_finding_from_json(json.loads(json.dumps(data))) == odd
    doc = json_of(make_report(results=(xa_result((odd,)),)))
    [line] = doc["results"][0]["findings"]
    assert line["span_file"] == "proposals/included.yaml" and "file" not in line
    assert read_back(doc) == [odd]


def test_json_says_what_a_rule_s_findings_share_once() -> None:
    """A rule's title, principle, source, severity, params and origins are said once, in
    the rules of the ruleset its result names; its findings keep what is their own."""
    doc = json_of(make_report())
    xa = doc["results"][0]
    [rules] = [r for r in doc["rulesets"] if r["key"] == xa["rules"]]
    assert rules["id"] == xa["ruleset"] == "xa" and xa["rules"].startswith("xa@")
    fin = rules["rules"]["FIN-01"]
    assert (fin["title"], fin["principle"], fin["severity"], fin["level"]) == (
        "Host-country co-financing meets the national minimum", "co-financing", "must", "error")
    # which layer set the threshold, and what it replaced
    [share, _] = fin["params"]
    assert (share["name"], share["value"], share["origin"]["layer"]) == (
        "min_co_financing", "25%", "xa")
    assert share["origin"]["previous_layer"] == "baseline"
    assert fin["origin"]["layer"] == "baseline" and fin["origin"]["file"] == BASE_RULES
    [line] = [f for f in xa["findings"] if f["rule"] == "FIN-01"]
    assert not {"title", "principle", "source", "severity", "level", "params", "origin",
                "rule_origin", "severity_origin", "file", "ruleset"} & set(line)
    # nothing null or empty is written, and a location in the finding's file omits it
    assert not [k for k, v in line.items() if v is None or v == []]
    assert line["evidence"][0]["left_at"] == {"line": 44, "column": 9, "end_line": 44,
                                              "end_column": 15}
    assert jsonfmt.rule_json_of(doc, xa, line) == fin


def test_results_share_a_set_of_rules_exactly_when_the_definitions_are_equal() -> None:
    """Results whose findings of a rule hold equal definitions name one set of rules,
    whether the definitions are the same objects or equal copies; a definition that
    differs in anything (a param's value) is another set, written under its own key."""
    first = fin01()
    copy = replace(first, params=tuple(replace(p) for p in first.params),
                   title="".join(list(first.title)))
    share, *rest = first.params
    other = replace(first, params=(replace(share, value="30%"), *rest))
    doc = json_of(make_report(results=tuple(
        replace(xa_result((f,)), file=f"{n}.yaml")
        for n, f in enumerate((first, first, copy, other)))))
    keys = [r["rules"] for r in doc["results"]]
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert len(doc["rulesets"]) == 2
    [changed] = [r for r in doc["rulesets"] if r["key"] == keys[3]]
    assert changed["rules"]["FIN-01"]["params"][0]["value"] == "30%"
    # the same again in another order: the sets met before are written the same
    assert json_of(make_report(results=tuple(
        replace(xa_result((f,)), file=f"{n}.yaml")
        for n, f in enumerate((other, copy, first)))))["rulesets"] == doc["rulesets"]


def test_a_passing_finding_keeps_its_place_and_nothing_else() -> None:
    """A pass says its rule, where it was checked and which element; its message is its
    rule's title, said in the rules."""
    passed = replace(fin01(), outcome="pass", message=fin01().title, hint=None,
                          evidence=(), element="A1", path="activities[0]")
    doc = json_of(make_report(results=(xa_result((passed,)),)))
    [line] = doc["results"][0]["findings"]
    assert line == {"outcome": "pass", "rule": "FIN-01", "line": 41, "column": 7,
                    "end_line": 41, "end_column": 20, "path": "activities[0]",
                    "element": "A1"}
    assert read_back(doc) == [passed]


def test_json_writes_a_finding_a_line() -> None:
    text = render(make_report(), "json")
    lines = text.splitlines()
    for result in json.loads(text)["results"]:
        for finding in result["findings"]:
            line = json.dumps(finding, ensure_ascii=False, separators=(",", ":"))
            assert f"        {line}," in lines or f"        {line}" in lines


def test_a_finding_that_differs_from_its_rule_says_how() -> None:
    """Findings of one rule in one result that do not share its definition, or whose
    file or ruleset is not their result's, say theirs: nothing is lost."""
    first = fin01()
    other = replace(first, span=Span(XA, 50, 1, 50, 9), title="Another title",
                         severity="should", params=first.params[:1], ruleset="elsewhere",
                         file="proposals/zz.yaml", message="x")
    built_in = replace(first, rule="WAIVER-01", rule_origin=None, params=(),
                            span=Span(XA, 60, 1, 60, 2))
    doc = json_of(make_report(results=(xa_result((first, other, built_in)),)))
    xa = doc["results"][0]
    lines = {(f["rule"], f["line"]): f for f in xa["findings"]}
    changed = lines[("FIN-01", 50)]
    assert (changed["title"], changed["severity"], changed["ruleset"], changed["file"]) == (
        "Another title", "should", "elsewhere", "proposals/zz.yaml")
    assert len(changed["params"]) == 1 and "principle" not in changed
    # a check built into cappolicy (no rule_origin) is in no ruleset's rules: said whole
    waiver = lines[("WAIVER-01", 60)]
    assert "WAIVER-01" not in doc["rulesets"][0]["rules"]
    assert waiver["title"] == first.title and waiver["origin"] is None
    assert sorted(read_back(doc), key=repr) == sorted((first, other, built_in), key=repr)
    assert validate(doc) == []


def test_json_has_a_key_for_every_field_of_finding() -> None:
    data = jsonfmt.finding_to_json(fin01())
    spread = {"span": {"line", "column", "end_line", "end_column"}}
    # `local` is the finding worded for a reader of another language (check --lang): JSON
    # is a machine format, the same in every language, and keeps `message` and `hint`
    for name in Finding.FIELDS:
        if name == "local":
            continue
        assert spread.get(name, {name}) <= set(data), name
    assert data["level"] == "error"
    assert data["params"][1]["origin"]["relaxation"] is True
    assert data["params"][0]["origin"]["previous_at"] == {
        "file": BASE_RULES, "line": 4, "column": 1, "end_line": 0, "end_column": 0,
    }
    assert data["evidence"][0]["left_at"]["line"] == 44
    assert data["evidence"][0]["children"][1]["missing"] == ["funding.sources[1].in_kind"]


def test_json_diagnostics_round_trip() -> None:
    doc = json_of(make_report(errors=True))
    (error,) = doc["errors"]
    assert error["file"] == BAD
    (diag,) = error["diagnostics"]
    assert list(diag) == ["code", "message", "level", "file", "line", "column", "end_line",
                          "end_column", "help"]
    assert jsonfmt.diagnostic_from_json(diag) == bad_file().diagnostics[0]
    unplaced = Diagnostic("CP499", "no proposals found")
    assert jsonfmt.diagnostic_from_json(jsonfmt.diagnostic_to_json(unplaced)) == unplaced


def test_json_is_deterministic() -> None:
    report = make_report(errors=True)
    flipped = replace(
        report,
        results=tuple(replace(r, findings=tuple(reversed(r.findings)))
                      for r in reversed(report.results)),
    )
    assert render(report, "json") == render(flipped, "json")


# --- the JSON Schema -------------------------------------------------------------------------

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def schema_errors(
    value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$"
) -> list[str]:
    """The subset of JSON Schema 2020-12 the report schema uses; unknown keywords are refused."""
    errors: list[str] = []
    for key, rule in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref":
            target: Any = root
            for step in rule.removeprefix("#/").split("/"):
                target = target[step]
            errors += schema_errors(value, target, root, at)
        elif key == "type":
            names = rule if isinstance(rule, list) else [rule]
            if not any(_is_type(value, n) for n in names):
                errors.append(f"{at}: {value!r} is not {rule}")
        elif key == "const":
            if value != rule or type(value) is not type(rule):
                errors.append(f"{at}: {value!r} is not {rule!r}")
        elif key == "enum":
            if not any(value == v and type(value) is type(v) for v in rule):
                errors.append(f"{at}: {value!r} not in {rule}")
        elif key == "minimum":
            if _is_type(value, "number") and value < rule:
                errors.append(f"{at}: {value} < {rule}")
        elif key == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                errors.append(f"{at}: {value!r} does not match {rule}")
        elif key == "anyOf":
            if all(schema_errors(value, option, root, at) for option in rule):
                errors.append(f"{at}: {value!r} matches none of anyOf")
        elif key == "required":
            if isinstance(value, dict):
                errors += [f"{at}: missing {k!r}" for k in rule if k not in value]
        elif key == "properties":
            if isinstance(value, dict):
                for name, sub in rule.items():
                    if name in value:
                        errors += schema_errors(value[name], sub, root, f"{at}.{name}")
        elif key == "additionalProperties":
            known = schema.get("properties", {})
            if isinstance(value, dict) and rule is False:
                errors += [f"{at}: unexpected {k!r}" for k in value if k not in known]
            elif isinstance(value, dict):
                for name, item in value.items():
                    if name not in known:
                        errors += schema_errors(item, rule, root, f"{at}.{name}")
        elif key == "items":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    errors += schema_errors(item, rule, root, f"{at}[{i}]")
        else:
            raise AssertionError(f"the test validator does not know the keyword {key!r}")
    return errors


def validate(doc: Any) -> list[str]:
    schema = jsonfmt.load_schema()
    return schema_errors(doc, schema, schema)


@pytest.mark.parametrize("errors", [False, True])
@pytest.mark.parametrize("fail_on", SEVERITIES)
def test_json_output_follows_the_schema(errors: bool, fail_on: str) -> None:
    assert validate(json_of(make_report(errors=errors, fail_on=fail_on))) == []


def test_json_with_a_moved_span_follows_the_schema() -> None:
    odd = replace(fin01(), span=Span("proposals/included.yaml", 3, 4))
    assert validate(json_of(make_report(results=(xa_result((odd,)),)))) == []


def test_the_schema_check_catches_a_bad_report() -> None:
    doc = json_of(make_report())
    finding = doc["results"][0]["findings"][2]
    assert finding["rule"] == "FIN-01"
    del finding["path"]
    finding["outcome"] = "failed"
    finding["hint"] = None  # left out when null, never written null
    finding["evidence"][0]["children"][0]["surprise"] = 1
    index = next(i for i, r in enumerate(doc["rulesets"]) if r["id"] == "xa")
    doc["rulesets"][index]["rules"]["FIN-01"]["params"][0]["origin"]["relaxation"] = "no"
    del doc["rulesets"][index]["rules"]["FIN-01"]["title"]
    doc["version"] = 1
    problems = validate(doc)
    assert "$.version: 1 is not 2" in problems
    assert "$.results[0].findings[2]: missing 'path'" in problems
    assert "$.results[0].findings[2].hint: None is not string" in problems
    assert any(p.startswith("$.results[0].findings[2].outcome:") for p in problems)
    rules = f"$.rulesets[{index}].rules"
    assert any(p.startswith(f"{rules}.FIN-01.params[0].origin.relaxation:") for p in problems)
    assert f"{rules}.FIN-01: missing 'title'" in problems
    assert "$.results[0].findings[2].evidence[0].children[0]: unexpected 'surprise'" in problems


def _property_names(schema: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(schema, dict):
        names |= set(schema.get("properties", {}))
        for sub in schema.values():
            names |= _property_names(sub)
    elif isinstance(schema, list):
        for sub in schema:
            names |= _property_names(sub)
    return names


def test_the_documentation_names_every_field_of_the_schema() -> None:
    doc = (ROOT / "docs" / "json-report.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([^`]+)`", doc, flags=re.MULTILINE))
    leaves = {name.rsplit(".", 1)[-1].removesuffix("[]") for name in documented}
    assert _property_names(jsonfmt.load_schema()) - leaves == set()


# --- round trip, for any finding ---------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_spans = st.builds(Span, _text, st.integers(0, 10**6), st.integers(0, 500),
                   st.integers(0, 10**6), st.integers(0, 500))
_maybe_text = st.none() | _text
_provenance = st.builds(Provenance, _text, _spans, _maybe_text, st.booleans(), _maybe_text,
                        _maybe_text, st.none() | _spans)
_hops = st.builds(GraphHop, _text, _text, st.none() | _spans, st.none() | st.integers(0, 10**6),
                  _maybe_text, st.none() | _spans, _maybe_text)
_traces = st.builds(GraphTrace, st.sampled_from(["path", "reached", "cycle"]), _text, _text,
                    st.lists(_hops, min_size=1, max_size=4).map(tuple),
                    st.lists(_text, max_size=2).map(tuple), st.integers(0, 100))
_evidence = st.recursive(
    st.builds(Evidence, _text, st.sampled_from(["true", "false", "unknown"]), _maybe_text,
              _maybe_text, _maybe_text, st.none() | _spans, st.none() | _spans, _maybe_text,
              st.lists(_text, max_size=2).map(tuple), graph=st.none() | _traces),
    lambda kids: st.builds(Evidence, _text, st.sampled_from(["true", "false", "unknown"]),
                           children=st.lists(kids, max_size=3).map(tuple)),
    max_leaves=8,
)
_findings = st.builds(
    Finding,
    rule=_text, title=_text, principle=_text, source=_maybe_text,
    severity=st.sampled_from(SEVERITIES), outcome=st.sampled_from(OUTCOMES),
    file=_text, span=_spans, path=_text, message=_text, hint=_maybe_text, element=_maybe_text,
    evidence=st.lists(_evidence, max_size=3).map(tuple),
    params=st.lists(st.builds(ParamUse, _text, _text, _text, _provenance), max_size=3).map(tuple),
    missing=st.lists(_text, max_size=3).map(tuple),
    rule_origin=st.none() | _provenance, severity_origin=st.none() | _provenance,
    waiver=_maybe_text, ruleset=_maybe_text,
    edges=st.lists(st.integers(0, 10**6), max_size=4).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_findings, min_size=1, max_size=3), _text, _text)
def test_any_finding_survives_json(findings: list[Finding], file: str, ruleset: str) -> None:
    """Whatever the findings of a result hold, whatever its file and ruleset, the report
    gives each back (and finding_to_json too, whole)."""
    for finding in findings:
        whole = json.loads(json.dumps(jsonfmt.finding_to_json(finding)))
        assert jsonfmt.whole_finding_from_json(whole) == finding
    result = ProposalResult(file=file, proposal_id="P", host_country=None, ruleset=ruleset,
                            findings=tuple(findings))
    report = make_report(results=(result,))
    doc = json_of(report)
    assert sorted(read_back(doc), key=repr) == sorted(findings, key=repr)
    assert validate(doc) == []
    # the text written in parts is the value report_to_json makes
    assert doc == json.loads(json.dumps(jsonfmt.report_to_json(report)))


# --- JSON text: jsontext.dumps writes what json.dumps(indent=2) writes ----------------------

_json_leaves = (st.none() | st.booleans() | st.integers() | st.text()
                | st.floats(allow_nan=True, allow_infinity=True))


@given(st.recursive(_json_leaves, lambda kids: st.lists(kids, max_size=4)
                    | st.tuples(kids, kids)
                    | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=30))
def test_json_text_is_json_dumps(value: Any) -> None:
    from cappolicy.render.jsontext import Raw, dumps

    text = dumps(value)
    # the same text, but for DEL, C1, U+2028/9 and bidi controls written as \u escapes
    assert text == json_controls(json.dumps(value, indent=2, ensure_ascii=False))
    # text made beforehand and put in its place reads as if it were made there
    whole = dumps({"outer": [1, value]})
    assert dumps({"outer": [1, Raw(text)]}) == whole
    assert dumps({"outer": [1, Raw(dumps(value, level=2), 2)]}) == whole
    assert dumps({"outer": [1, Raw(dumps(value, level=1), 1)]}) == whole


def test_json_text_hands_other_values_to_json_dumps() -> None:
    from cappolicy.render.jsontext import dumps

    for value in ({1: "a", "b": [None]}, {"x": {2.5: True}}, [{"k": {None: 1}}]):
        assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        dumps({"when": datetime.date(2027, 1, 1)})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError):
        dumps({"loop": loop})


def _report_of_examples() -> Report:
    from cappolicy.run.check import Job, check_files

    examples = sorted((Path(__file__).resolve().parent.parent / "examples" / "proposals")
                      .glob("*.yaml"))
    job = Job((), None, None, datetime.date(2026, 11, 3))
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    outcomes = check_files(examples, job, Rulesets(Catalog()), None).outcomes
    results = tuple(o for o in outcomes if isinstance(o, ProposalResult))
    assert len(results) > 5
    return make_report(errors=True, results=results)


def test_reports_put_together_from_parts_written_apart() -> None:
    """`check -j` workers write each result's part of the text and JSON reports and count
    it; put together, the parts are the reports written in one go."""
    from cappolicy.render.jsonfmt import join_json, render_json, result_json
    from cappolicy.render.text import join_text, render_result, render_text
    from cappolicy.report.model import Tally, result_key, tally

    report = _report_of_examples()
    shuffled = replace(report, results=tuple(reversed(report.results)))
    for fail_on, allow, verbose in (("must", False, False), ("should", True, True)):
        case = replace(shuffled, fail_on=fail_on, allow_unknown=allow)
        ordered = sorted(case.results, key=result_key)
        counts = Tally()
        for r in case.results:
            counts += Tally.of(r, fail_on, allow)
        assert counts == tally(case)
        apart = replace(case, results=())
        texts = [render_result(r, fail_on, verbose=verbose, allow_unknown=allow,
                               sources=sources()) for r in ordered]
        assert join_text(texts, apart, counts, sources=sources()) == \
            render_text(case, verbose=verbose, sources=sources())
        whole = render_json(case)
        assert join_json([result_json(r, fail_on, allow) for r in ordered], apart, counts) == \
            whole
        # each process of `check -j` brings a set of rules once, whichever results it wrote
        writers: tuple[set[str], set[str]] = (set(), set())
        parts = [result_json(r, fail_on, allow, writers[n % 2]) for n, r in enumerate(ordered)]
        brought = sum(p.count(jsonfmt.SEPARATOR) for p in parts)
        sets = len(json.loads(whole)["rulesets"])
        assert 2 < sets <= brought <= 2 * sets < len(parts)
        assert join_json(parts, apart, counts) == whole
        assert "".join(jsonfmt.join_json_pieces(iter(parts), apart, counts)) == whole
    # no results: empty lists
    empty = replace(report, results=())
    assert json.loads(join_json([], empty, Tally()))["rulesets"] == []
    assert join_json([], empty, Tally()) == render_json(empty)


def test_the_examples_report_follows_the_schema_and_gives_every_finding_back() -> None:
    report = _report_of_examples()
    doc = json_of(report)
    assert validate(doc) == []
    # one set of rules for each ruleset: the waivers' checks are no ruleset's rules
    assert len({r["id"] for r in doc["rulesets"]}) == len(doc["rulesets"]) >= 3
    by_file = {r.file: r for r in report.results}
    for result, findings in jsonfmt.findings_from_json(doc):
        assert findings == [replace(f, local=None) for f in
                            sorted_findings(by_file[result["file"]].findings)]


def test_a_ruleset_whose_rules_read_other_values_is_listed_for_each(tmp_path: Path) -> None:
    """The baseline takes the host country's languages when no national ruleset does: two
    proposals of two such countries are checked against two sets of its rules, each listed
    once under its own key, and each finding still reads back with the values it saw."""
    from cappolicy.rulesets.catalog import Catalog, Rulesets
    from cappolicy.run.check import Job, check_files

    good = (ROOT / "examples" / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    files = []
    for country in ("DE", "FR", "FR"):
        path = tmp_path / f"{country}-{len(files)}.yaml"
        path.write_text(re.sub(r"(?m)^host_country: .*$", f"host_country: {country}", good),
                        encoding="utf-8")
        files.append(path)
    job = Job((), None, None, datetime.date(2026, 11, 3))
    outcomes = check_files(files, job, Rulesets(Catalog()), None).outcomes
    results = tuple(o for o in outcomes if isinstance(o, ProposalResult))
    doc = json_of(make_report(results=results))
    assert [r["id"] for r in doc["rulesets"]] == ["baseline", "baseline"]
    de, fr, fr_again = doc["results"]
    assert de["rules"] != fr["rules"] == fr_again["rules"]
    one, other = (r["rules"] for r in doc["rulesets"])
    assert [k for k in one if one[k] != other[k]] == ["LANG-01"]
    assert sorted(read_back(doc), key=repr) == sorted(
        (replace(f, local=None) for r in results for f in r.findings), key=repr)


@pytest.mark.parametrize("column", [1, 40, 2_000, 5_000, 9_995])
def test_a_long_line_is_quoted_around_the_span(column: int) -> None:
    """A minified JSON proposal is one line: a diagnostic quotes a window of it, cut
    ends shown as '...', with the caret still under the text the span covers."""
    from cappolicy.base.errors import EXCERPT_WIDTH

    text = "".join(chr(ord("a") + i % 26) for i in range(10_000))
    cache = SourceCache()
    cache.add("p.json", text + "\n")
    span = Span("p.json", 1, column, 1, column + 5)
    _, quoted, carets = Diagnostic("CP409", "bad", span).render(cache).splitlines()
    shown = quoted.removeprefix("   1 | ")
    assert len(shown) <= EXCERPT_WIDTH + 6
    assert shown.startswith("...") == (column > EXCERPT_WIDTH // 3 + 1)
    assert shown.endswith("...") == (column < 10_000 - EXCERPT_WIDTH)
    start = carets.index("^")
    assert carets[start:] == "^" * 5
    assert quoted[start:start + 5] == text[column - 1:column + 4]
