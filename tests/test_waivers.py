"""Waivers: a valid one turns a rule's failures into `waived`; every problem of a waiver
(wrong approver, expired or no expiry date, no such rule, nothing to waive) is a located
finding."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main
from cappolicy.engine.evaluate import evaluate
from cappolicy.engine.findings import Finding
from cappolicy.proposal.load import load_proposal
from cappolicy.report.model import is_failing
from cappolicy.rulesets.catalog import Catalog, EffectiveRuleset, Rulesets

AS_OF = dt.date(2027, 1, 15)

BASELINE = """ruleset baseline "Waiver test baseline"
version "1"
param min_co_financing: percent = 15% higher is stricter
param public_sector: set = {ministry, regulator, cert}
rule FIN-01 "Host co-financing meets the minimum" {
  principle co-financing
  severity must
  let host_share = sum(sum(s.by_year) for s in funding.sources where s.from.country == host_country) / sum(sum(s.by_year) for s in funding.sources)
  require host_share >= min_co_financing
  message "Host co-financing is {host_share}, below {min_co_financing}."
  hint "Raise the host's co-financing."
}
rule SUN-01 "A sunset date is set" {
  principle sunset-and-exit
  severity should
  require sunset.date present
}
rule EVAL-03 "Evaluation findings are published" {
  principle independent-evaluation
  severity should
  require evaluation.public == true
}
"""

# Arcadia narrows who counts as public (no CERT) and has no use for SUN-01.
NATIONAL = """ruleset xa "Arcadia"
version "1"
extends baseline
jurisdiction XA
set public_sector = {ministry, regulator} because "Waivers are granted by ministries (Public Finance Act s.9)"
disable SUN-01 because "Arcadian programmes end with the budget year"
"""

PROPOSAL = """cappolicy: 1
id: P-1
title: Test programme
host_country: XA
period: {start: 2027-01-01, end: 2029-12-31}
organisations:
  - {id: gov, name: Ministry of ICT, country: XA, kind: ministry}
  - {id: cirt, name: National CIRT, country: XA, kind: cert}
  - {id: rights, name: Digital Rights Forum, country: XA, kind: ngo}
  - {id: fr-ministry, name: Ministry of Foreign Affairs of France, country: FR, kind: ministry}
  - {id: donor, name: Donor, country: NL, kind: donor}
funding:
  currency: EUR
  sources:
    - {from: donor, type: grant, by_year: {2027: 900000}}
    - {from: gov, type: co-financing, by_year: {2027: 100000}}
sunset: {date: 2029-12-31, handover_to: gov, plan: Absorbed}
evaluation: {independent: true, public: true}
"""


def waiver(rule: str = "FIN-01", by: str = "gov", expires: str | None = "2027-06-30",
           reason: str = "Budget frozen by the fiscal crisis") -> str:
    until = f", expires: {expires}" if expires else ""
    return f'  - {{rule: {rule}, reason: "{reason}", approved_by: {by}{until}}}\n'


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "rules" / "national").mkdir(parents=True)
    (tmp_path / "rules" / "baseline.cpol").write_text(BASELINE)
    (tmp_path / "rules" / "national" / "xa.cpol").write_text(NATIONAL)
    return tmp_path


def write(tree: Path, *waivers: str, text: str = PROPOSAL) -> Path:
    path = tree / "p.yaml"
    path.write_text(text + ("waivers:\n" + "".join(waivers) if waivers else ""))
    return path


def ruleset(tree: Path, name: str = "baseline") -> EffectiveRuleset:
    rulesets = Rulesets(Catalog([tree / "rules"]))
    source = rulesets.catalog.find(name)
    assert source is not None
    return rulesets.get(source)


def check(tree: Path, *waivers: str, name: str = "baseline", as_of: dt.date = AS_OF,
          text: str = PROPOSAL) -> list[Finding]:
    eff = ruleset(tree, name)
    proposal = load_proposal(write(tree, *waivers, text=text))
    return evaluate(eff.compiled(), proposal, as_of, ruleset=eff.id, effective=eff)


def of(findings: list[Finding], rule: str, outcome: str | None = None) -> list[Finding]:
    return [f for f in findings if f.rule == rule and (outcome is None or f.outcome == outcome)]


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.output


def span_of(tree: Path, *path: object) -> tuple[int, int]:
    span = load_proposal(tree / "p.yaml").span_of(tuple(path))
    return span.line, span.column


# --- a valid waiver -------------------------------------------------------------------------


def test_a_host_ministry_waiver_turns_the_failure_into_waived_keeping_its_evidence(
        tree: Path) -> None:
    unwaived = of(check(tree), "FIN-01")
    [waived] = of(check(tree, waiver()), "FIN-01")
    assert [f.outcome for f in unwaived] == ["fail"]
    assert waived.outcome == "waived"
    assert not is_failing(waived, "advisory")
    assert waived.waiver is not None
    for part in ("Budget frozen by the fiscal crisis", "gov", "Ministry of ICT", "2027-06-30"):
        assert part in waived.waiver
    assert (waived.evidence, waived.span, waived.message, waived.severity) == (
        unwaived[0].evidence, unwaived[0].span, unwaived[0].message, unwaived[0].severity)


def test_a_waived_finding_is_shown_and_counted_but_does_not_fail_the_run(tree: Path) -> None:
    path = write(tree, waiver())
    code, out = cli("check", str(path), "--ruleset", str(tree / "rules" / "baseline.cpol"),
                    "--as-of", "2027-01-15")
    assert code == 0, out
    assert "waived[FIN-01] Host co-financing meets the minimum" in out
    assert "  waiver    Budget frozen by the fiscal crisis (approved by gov" in out
    assert "PASS: 1 waived;" in out
    code, out = cli("check", str(path), "--ruleset", str(tree / "rules" / "baseline.cpol"),
                    "--as-of", "2027-01-15", "--format", "json")
    report = json.loads(out)
    assert report["summary"]["outcomes"]["waived"] == 1
    assert report["summary"]["failing"] == 0 and report["summary"]["verdict"] == "pass"
    [fin] = [f for f in report["results"][0]["findings"] if f["rule"] == "FIN-01"]
    assert fin["outcome"] == "waived" and "2027-06-30" in fin["waiver"]


def test_a_waiver_covers_an_undecided_finding_and_keeps_what_is_missing(tree: Path) -> None:
    text = PROPOSAL.replace("evaluation: {independent: true, public: true}\n", "")
    [before] = of(check(tree, text=text), "EVAL-03")
    [after] = of(check(tree, waiver("EVAL-03"), text=text), "EVAL-03")
    assert before.outcome == "unknown"
    assert after.outcome == "waived" and after.missing == before.missing == ("evaluation",)


def test_a_waiver_without_expiry_is_applied_but_warned_about(tree: Path) -> None:
    # it passed WAIVER-02 and so excused FIN-01 for good, unseen: the design card gives a
    # waiver an expiry date. The host approved it, so it is applied all the same.
    findings = check(tree, waiver(expires=None), as_of=dt.date(2099, 1, 1))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["waived"]
    assert "no expiry" in (of(findings, "FIN-01")[0].waiver or "")
    [open_ended] = of(findings, "WAIVER-02")
    assert open_ended.outcome == "fail" and open_ended.level == "warning"
    assert open_ended.path == "waivers[0]"
    assert (open_ended.span.line, open_ended.span.column) == span_of(tree, "waivers", 0)
    assert open_ended.message == (
        "The waiver of FIN-01 has no expiry date, so it would excuse FIN-01 for as long as "
        "the proposal stands. It is applied, since the host approved it.")
    assert open_ended.hint is not None and open_ended.hint.startswith(
        "Add expires to waivers[0]: the date until which the host grants the exception")
    assert [e.note for e in open_ended.evidence] == ["waivers[0].expires is missing"]
    assert [f.outcome for f in of(findings, "WAIVER-04")] == ["pass"]  # applied, and used


def test_a_waiver_without_expiry_fails_the_run_only_at_should(tree: Path) -> None:
    path = write(tree, waiver(expires=None))
    args = ("check", str(path), "--ruleset", str(tree / "rules" / "baseline.cpol"),
            "--as-of", "2027-01-15")
    code, out = cli(*args)
    line, column = span_of(tree, "waivers", 0)
    assert code == 0, out
    assert (f"p.yaml:{line}:{column}: warning[WAIVER-02] A waiver has an expiry date, not yet "
            "passed") in out
    assert "waived[FIN-01]" in out
    code, out = cli(*args, "--fail-on", "should")
    assert code == 1, out


def test_a_waiver_that_outlives_the_programme_is_as_open_ended_as_one_without_expiry(
        tree: Path) -> None:
    # 9999-12-31 passed WAIVER-02 though no date failed it: both excuse FIN-01 for good
    findings = check(tree, waiver(expires="9999-12-31"))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["waived"]  # applied, as with none
    [outlives] = of(findings, "WAIVER-02")
    assert outlives.outcome == "fail" and outlives.level == "warning"
    assert outlives.path == "waivers[0].expires"
    assert outlives.message == (
        "The waiver of FIN-01 expires on 9999-12-31, after the programme's last day "
        "(2029-12-31, the later of period.end and sunset.date), so it would excuse FIN-01 for "
        "as long as the proposal stands, as a waiver with no expiry date would. It is "
        "applied, since the host approved it.")
    assert outlives.hint == (
        "Set expires of waivers[0] to a date no later than 2029-12-31: the date until which "
        "the host grants the exception, after which FIN-01 applies again.")
    [evidence] = outlives.evidence
    assert (evidence.left, evidence.op, evidence.right) == ("9999-12-31", "<=", "2029-12-31")
    assert evidence.right_at is not None and evidence.right_at.line == 5  # period.end
    assert [f.outcome for f in of(findings, "WAIVER-04")] == ["pass"]


def test_a_waiver_that_outlived_the_programme_and_has_expired_since_is_not_applied(
        tree: Path) -> None:
    # checked after the programme, a waiver past its date is expired, however late that date
    findings = check(tree, waiver(expires="2030-06-30"), as_of=dt.date(2031, 1, 1))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["fail"]
    [expired] = of(findings, "WAIVER-02")
    assert expired.outcome == "fail" and "it is not applied" in expired.message


def test_a_waiver_up_to_the_programmes_last_day_holds(tree: Path) -> None:
    # the last day itself is within the programme; the sunset counts when it is later
    for expires in ("2029-12-31", "2027-06-30"):
        findings = check(tree, waiver(expires=expires))
        assert [f.outcome for f in of(findings, "WAIVER-02")] == ["pass"], expires
    late_sunset = PROPOSAL.replace("sunset: {date: 2029-12-31", "sunset: {date: 2030-06-30")
    findings = check(tree, waiver(expires="2030-06-30"), text=late_sunset)
    assert [f.outcome for f in of(findings, "WAIVER-02")] == ["pass"]
    [after] = of(check(tree, waiver(expires="2030-07-01"), text=late_sunset), "WAIVER-02")
    assert after.outcome == "fail" and "(2030-06-30, the later of" in after.message
    assert after.evidence[0].right_at is not None
    assert after.evidence[0].right_at.line == PROPOSAL.splitlines().index(
        next(line for line in PROPOSAL.splitlines() if line.startswith("sunset:"))) + 1
    # without a sunset, period.end is the last day
    no_sunset = PROPOSAL.replace("sunset: {date: 2029-12-31, handover_to: gov, plan: Absorbed}\n",
                                 "")
    [late] = of(check(tree, waiver(expires="2030-01-01"), text=no_sunset), "WAIVER-02")
    assert late.outcome == "fail" and "(2029-12-31, the later of" in late.message


def test_a_waiver_that_outlives_the_programme_fails_the_run_only_at_should(tree: Path) -> None:
    path = write(tree, waiver(expires="9999-12-31"))
    args = ("check", str(path), "--ruleset", str(tree / "rules" / "baseline.cpol"),
            "--as-of", "2027-01-15")
    code, out = cli(*args)
    assert code == 0, out
    assert "warning[WAIVER-02]" in out and "waived[FIN-01]" in out
    code, out = cli(*args, "--fail-on", "should")
    assert code == 1, out


def test_a_waiver_that_outlives_the_programme_is_explained_in_french(tree: Path) -> None:
    path = write(tree, waiver(expires="9999-12-31"))
    code, out = cli("check", str(path), "--ruleset", str(tree / "rules" / "baseline.cpol"),
                    "--as-of", "2027-01-15", "--lang", "fr")
    assert code == 0, out
    assert "après le dernier jour du programme" in out, out


def test_a_waiver_without_expiry_that_cannot_be_applied_says_why_not(tree: Path) -> None:
    # the missing date is reported, but it is not what keeps the waiver from applying
    findings = check(tree, waiver(by="donor", expires=None))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["fail"]
    assert [f.outcome for f in of(findings, "WAIVER-02")] == ["fail"]
    [unused] = of(findings, "WAIVER-04")
    assert unused.outcome == "not-applicable"
    assert unused.message == "the waiver of FIN-01 is not applied: WAIVER-01 fail"


def test_evaluate_applies_waivers_without_the_effective_ruleset(tree: Path) -> None:
    """Callers that pass only the compiled rules still get waivers, judged with the
    built-in public_sector default."""
    eff = ruleset(tree)
    findings = evaluate(eff.compiled(), load_proposal(write(tree, waiver(), waiver(by="donor"))),
                        AS_OF, ruleset=eff.id)
    assert [f.outcome for f in of(findings, "FIN-01")] == ["waived"]
    assert len(of(findings, "WAIVER-01", "fail")) == 1


# --- who may approve ------------------------------------------------------------------------


def test_a_donor_approved_waiver_is_rejected_at_approved_by_and_the_failure_stands(
        tree: Path) -> None:
    findings = check(tree, waiver(by="donor"))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["fail"]
    [rejected] = of(findings, "WAIVER-01", "fail")
    assert rejected.level == "error" and rejected.principle == "accountability"
    assert (rejected.span.line, rejected.span.column) == span_of(tree, "waivers", 0, "approved_by")
    assert rejected.path == "waivers[0].approved_by" and rejected.element == "FIN-01"
    assert "a donor cannot waive a host's rule" in rejected.message
    assert rejected.hint is not None and "gov" in rejected.hint
    [because] = rejected.evidence
    country = because.children[0]
    assert (country.left, country.right, country.result) == ("NL", "XA", "false")
    assert [f.outcome for f in of(findings, "WAIVER-04")] == ["not-applicable"]


@pytest.mark.parametrize(("approver", "why"), [
    ("fr-ministry", "not an institution of XA"),
    ("rights", "a ngo is not a public institution"),
])
def test_a_foreign_or_non_public_approver_is_rejected(tree: Path, approver: str, why: str) -> None:
    findings = check(tree, waiver(by=approver))
    [rejected] = of(findings, "WAIVER-01", "fail")
    assert why in rejected.message
    assert [f.outcome for f in of(findings, "FIN-01")] == ["fail"]


@pytest.mark.parametrize(("funders", "outcome"), [
    ("[donor]", "fail"),  # the donor alone pays it: the donor's channel
    ("[donor, fr-ministry]", "fail"),  # foreign parties alone
    ("[donor, gov]", "waived"),  # the host's ministry pays part of it
    ("[]", "waived"),  # who pays it is not said: a public institution as any other
    ("[fund]", "fail"),  # a host trust fund that the donor alone pays
    ("[loop]", "waived"),  # host bodies that pay each other, and no foreign party pays them
    ("[loop, donor]", "fail"),  # a loop of host bodies that only the donor pays into
    ("[donor, agency]", "fail"),  # itself beside the donor: no sign of host money
])
def test_a_host_institution_only_foreign_parties_fund_cannot_waive(
        tree: Path, funders: str, outcome: str) -> None:
    """An agency of the host whose budget only the donor pays would let the donor excuse
    the host's rules, as FIN-01 does not count its money as the host's."""
    text = PROPOSAL.replace(
        "  - {id: rights,", "  - {id: agency, name: Cyber Agency, country: XA, kind: regulator, "
        f"funded_by: {funders}}}\n  - {{id: fund, name: Trust Fund, country: XA, kind: agency, "
        "funded_by: [donor]}\n  - {id: loop, name: Cyber Council, country: XA, kind: agency, "
        "funded_by: [agency]}\n  - {id: rights,")
    findings = check(tree, waiver(by="agency"), text=text)
    assert [f.outcome for f in of(findings, "FIN-01")] == [outcome]
    if outcome == "fail":
        [rejected] = of(findings, "WAIVER-01", "fail")
        assert "funded only by " in rejected.message
        assert rejected.hint is not None and "agency" not in rejected.hint


def test_a_waiver_that_lapses_before_the_programme_starts_excuses_nothing(tree: Path) -> None:
    """Checked in December for a programme starting in January, a waiver until 31
    December holds today but excuses nothing the programme will do."""
    findings = check(tree, waiver(expires="2026-12-31"), as_of=dt.date(2026, 12, 1))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["fail"]
    [lapsed] = of(findings, "WAIVER-02", "fail")
    assert "before the programme starts on 2027-01-01" in lapsed.message
    assert lapsed.path == "waivers[0].expires"
    # one that reaches into the programme is applied
    findings = check(tree, waiver(expires="2027-01-31"), as_of=dt.date(2026, 12, 1))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["waived"]
    assert [f.outcome for f in of(findings, "WAIVER-02")] == ["pass"]
    # and so is one that reaches an activity starting before the period (PER-01 allows it)
    early = PROPOSAL + ("activities:\n  - {id: A1, type: training, led_by: gov, "
                        "start: 2026-11-15, end: 2027-06-30}\n")
    findings = check(tree, waiver(expires="2026-12-31"), as_of=dt.date(2026, 11, 1), text=early)
    assert [f.outcome for f in of(findings, "FIN-01")] == ["waived"]


def test_who_counts_as_public_is_the_rulesets_public_sector_param(tree: Path) -> None:
    by_cert = waiver(by="cirt")
    assert [f.outcome for f in of(check(tree, by_cert), "FIN-01")] == ["waived"]
    national = check(tree, by_cert, name="national/xa")
    assert [f.outcome for f in of(national, "FIN-01")] == ["fail"]
    [rejected] = of(national, "WAIVER-01", "fail")
    assert [p.name for p in rejected.params] == ["public_sector"]
    assert rejected.params[0].origin.layer == "national/xa"


# --- expiry, through the command line -------------------------------------------------------


@pytest.mark.parametrize(("as_of", "code", "fin"), [
    ("2027-06-29", 0, "waived"),
    ("2027-06-30", 0, "waived"),  # the expiry day itself is still covered
    ("2027-07-01", 1, "error"),
])
def test_an_expired_waiver_is_judged_against_as_of(tree: Path, as_of: str, code: int,
                                                   fin: str) -> None:
    path = write(tree, waiver(expires="2027-06-30"))
    got, out = cli("check", str(path), "--ruleset", str(tree / "rules" / "baseline.cpol"),
                   "--as-of", as_of)
    assert got == code, out
    assert f"{fin}[FIN-01]" in out
    line, column = span_of(tree, "waivers", 0, "expires")
    expired = (f"p.yaml:{line}:{column}: warning[WAIVER-02] A waiver has an expiry date, "
               "not yet passed")
    if fin == "error":
        assert expired in out
        assert f"expired on 2027-06-30 (checked as of {as_of})" in out
    else:
        assert "WAIVER-02" not in out


# --- waivers that name the wrong rule, or waive nothing -------------------------------------


def test_a_waiver_of_an_unknown_rule_is_an_error_with_a_suggestion(tree: Path) -> None:
    findings = check(tree, waiver(rule="FIN-1"))
    [unknown] = of(findings, "WAIVER-03", "fail")
    assert unknown.level == "error"
    assert (unknown.span.line, unknown.span.column) == span_of(tree, "waivers", 0, "rule")
    assert "not a rule of ruleset baseline" in unknown.message
    assert unknown.hint is not None and unknown.hint.startswith("Did you mean FIN-01?")
    assert [f.outcome for f in of(findings, "FIN-01")] == ["fail"]


def test_a_waiver_of_a_disabled_rule_is_an_error_citing_the_disable(tree: Path) -> None:
    [disabled] = of(check(tree, waiver(rule="SUN-01"), name="national/xa"), "WAIVER-03", "fail")
    assert "which ruleset national/xa disables" in disabled.message
    note = disabled.evidence[0].note or ""
    assert "xa.cpol:6" in note and "Arcadian programmes end with the budget year" in note


def test_a_waiver_of_a_rule_that_passes_is_unused(tree: Path) -> None:
    findings = check(tree, waiver(rule="SUN-01"))
    [unused] = of(findings, "WAIVER-04", "fail")
    assert unused.level == "warning"
    assert (unused.span.line, unused.span.column) == span_of(tree, "waivers", 0)
    assert "SUN-01 does not fail for this proposal" in unused.message
    assert [f.outcome for f in of(findings, "SUN-01")] == ["pass"]


def test_a_second_waiver_of_the_same_rule_is_unused(tree: Path) -> None:
    findings = check(tree, waiver(), waiver(by="gov", reason="Again"))
    assert [f.outcome for f in of(findings, "FIN-01")] == ["waived"]
    assert "Budget frozen" in (of(findings, "FIN-01")[0].waiver or "")
    [dup] = of(findings, "WAIVER-04", "fail")
    assert dup.path == "waivers[1]" and "already waived by waivers[0]" in dup.message


def test_each_problem_of_one_waiver_is_reported(tree: Path) -> None:
    findings = check(tree, waiver(rule="NOPE-01", by="donor", expires="2026-01-01"))
    assert {f.rule for f in findings if f.outcome == "fail"} == {
        "FIN-01", "WAIVER-01", "WAIVER-02", "WAIVER-03"}


def test_waiver_problems_are_in_the_json_report(tree: Path) -> None:
    path = write(tree, waiver(by="donor"), waiver(rule="SUN-01", expires="2026-12-31"))
    code, out = cli("check", str(path), "--ruleset", str(tree / "rules" / "baseline.cpol"),
                    "--as-of", "2027-01-15", "--format", "json")
    assert code == 1
    result = json.loads(out)["results"][0]
    failed = {(f["rule"], f["level"], f["path"], f["line"])
              for f in result["findings"] if f["outcome"] == "fail" and f["rule"] != "FIN-01"}
    assert failed == {
        ("WAIVER-01", "error", "waivers[0].approved_by", span_of(tree, "waivers", 0)[0]),
        ("WAIVER-02", "warning", "waivers[1].expires", span_of(tree, "waivers", 1)[0]),
    }
    assert [f["outcome"] for f in result["findings"] if f["rule"] == "FIN-01"] == ["fail"]
    assert result["summary"]["fails_by_level"] == {"error": 2, "warning": 1, "info": 0}


def test_an_expired_waiver_of_an_approver_who_cannot_waive_is_not_to_be_renewed_with_it(
        tree: Path) -> None:
    """Renewing with the donor would give a waiver WAIVER-01 rejects again: the hint sends the
    reader to a public institution of the host instead."""
    findings = check(tree, waiver(by="donor", expires="2026-01-01"))
    [expired] = of(findings, "WAIVER-02", "fail")
    assert expired.hint is not None and "donor" not in expired.hint
    assert expired.hint.startswith("Have a public institution of XA approve a renewed waiver")
    [own] = of(check(tree, waiver(by="gov", expires="2026-01-01")), "WAIVER-02", "fail")
    assert own.hint is not None and own.hint.startswith("Renew the waiver with gov")
