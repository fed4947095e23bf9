"""Rule tests as data: every shipped `*.test.yaml` case (one test each), the baseline's
coverage, and the runner itself (ruletest.py, edits.py, render/ruletest.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cappolicy.base.errors import CappolicyError
from cappolicy.base.resources import shipped_rulesets
from cappolicy.engine.evaluate import evaluate
from cappolicy.engine.evidence import first_location
from cappolicy.proposal.load import Node, compose_yaml, load_proposal
from cappolicy.render.testreport import render_case, render_coverage, render_rule_tests
from cappolicy.rulesets.catalog import Catalog, Rulesets
from cappolicy.rulesets.edits import emit_yaml
from cappolicy.rulesets.testfile import discover, read_fixture
from cappolicy.rulesets.testing import CaseResult, RuleTestReport, cover, run

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "rulesets"
BASELINE = SHIPPED / "baseline"
BASE = BASELINE / "tests" / "base.proposal.yaml"
AS_OF = dt.date(2027, 1, 15)


@pytest.fixture(scope="module")
def rulesets() -> Rulesets:
    return Rulesets(Catalog())


# --- the shipped fixtures ------------------------------------------------------------------


def _shipped_cases() -> list[Any]:
    params = []
    for path in discover(SHIPPED):
        rel = path.relative_to(SHIPPED).as_posix()
        try:
            names = [case.name for case in read_fixture(path).cases]
        except CappolicyError:
            names = ["(the file)"]  # the test shows the file's errors
        params += [pytest.param(path, name, id=f"{rel}::{name}") for name in names]
    return params


@pytest.fixture(scope="module")
def shipped(rulesets: Rulesets) -> RuleTestReport:
    return run([SHIPPED], rulesets)


def _result(report: RuleTestReport, path: Path, name: str) -> CaseResult | None:
    for case in report.cases:
        if Path(case.file).resolve() == path.resolve() and case.case.name == name:
            return case
    return None


@pytest.mark.parametrize(("path", "name"), _shipped_cases())
def test_shipped_case(shipped: RuleTestReport, path: Path, name: str) -> None:
    result = _result(shipped, path, name)
    if result is None:
        errors = [d.render() for d in shipped.errors if d.span and Path(d.span.file).resolve()
                  in (path.resolve(), BASE.resolve())]
        pytest.fail("\n".join(errors) or f"{path} was not run")
    assert result.ok, render_case(result)


def test_the_shipped_fixtures_run_without_errors(shipped: RuleTestReport) -> None:
    assert not shipped.errors, "\n".join(d.render() for d in shipped.errors)
    assert shipped.exit_code == 0, render_rule_tests(shipped)


def test_every_baseline_rule_fails_in_some_case_and_passes_in_another(
        shipped: RuleTestReport) -> None:
    (coverage,) = [c for c in cover(shipped) if c.ruleset == "baseline"]
    declared = {m for f in BASELINE.glob("*.cpol")
                for m in re.findall(r"^rule ([A-Z][A-Z0-9-]*)", f.read_text(), re.MULTILINE)}
    assert {r.rule.id for r in coverage.rules} == declared
    assert coverage.complete, render_coverage([coverage])
    assert all(p.complete for p in coverage.principles)


def test_every_baseline_file_has_its_test_file() -> None:
    # a file of translations only (translations-fr.cpol) defines no rule to test
    missing = [f.name for f in BASELINE.glob("*.cpol")
               if re.search(r"^rule ", f.read_text(encoding="utf-8"), re.M)
               and not (BASELINE / "tests" / f"{f.stem}.test.yaml").is_file()]
    assert missing == []
    assert sum(1 for f in BASELINE.glob("*.cpol") if f.stem.startswith("translations-")) == 2


def test_the_base_proposal_passes_every_baseline_rule(rulesets: Rulesets) -> None:
    eff = rulesets.get(rulesets.catalog.find("baseline"))  # type: ignore[arg-type]
    findings = evaluate(eff.compiled(), load_proposal(BASE), AS_OF, ruleset=eff.id)
    assert [(f.rule, f.outcome) for f in findings if f.outcome != "pass"] == []


# --- the runner ----------------------------------------------------------------------------


HEADER = "cappolicy-test: 1\nruleset: baseline\nbase: base.proposal.yaml\nas_of: 2027-01-15\n"


@pytest.fixture(autouse=True)
def _base_beside(tmp_path: Path) -> None:
    """The base proposal beside the test files a test writes in tmp_path: a base is read
    only from the test's own project (testfile._outside)."""
    (tmp_path / "base.proposal.yaml").write_bytes(BASE.read_bytes())


def write(tmp_path: Path, cases: str, header: str = HEADER, name: str = "t.test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(header + "cases:\n" + cases, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def run_one(path: Path, rulesets: Rulesets) -> RuleTestReport:
    return run([path], rulesets)


LOW_CO_FINANCING = "      funding.sources[1].by_year: {2027: 100000, 2028: 100000, 2029: 100000}\n"


def test_a_wrong_expectation_shows_expected_actual_and_the_evidence(
        tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, "  - name: low co-financing said to pass\n    set:\n" + LOW_CO_FINANCING
                 + "    expect: {FIN-01: pass}\n")
    (case,) = run_one(path, rulesets).cases
    assert case.status == "fail"
    (check,) = case.checks
    assert (check.expectation.outcome, check.actual) == ("pass", "fail")
    finding = check.findings[0]
    assert finding.outcome == "fail" and finding.evidence
    text = render_case(case)
    assert f"{case.file}:{line_of(path, 'low co-financing')}: low co-financing said to pass" in text
    assert "expected pass, got fail" in text
    assert "national_share >= min_co_financing   was   10%" in text


def test_a_pass_that_was_meant_to_fail_is_explained_too(tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, "  - name: the base said to fail\n    expect: {FIN-01: fail}\n")
    (case,) = run_one(path, rulesets).cases
    (check,) = case.checks
    assert check.actual == "pass"
    assert check.findings[0].evidence, "a pass must be shown with the values that made it pass"
    assert "33.3333% (line 38) >= 15%   -> true" in render_case(case)


def test_a_rule_the_ruleset_does_not_have_is_a_located_error(
        tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, "  - name: a typo\n    expect:\n      FIN-10: fail\n"
                 "  - name: fine\n    expect: {FIN-01: pass}\n")
    report = run_one(path, rulesets)
    assert report.exit_code == 2, "a case expecting an unknown rule must not count as passing"
    typo, fine = report.cases
    assert typo.status == "error" and fine.status == "pass"  # the other case still runs
    (error,) = typo.errors
    assert error.code == "CP431" and error.span is not None
    assert (error.span.file, error.span.line) == (report_file(path), line_of(path, "FIN-10"))
    assert error.help == "did you mean 'FIN-01'?"


def report_file(path: Path) -> str:
    return read_fixture(path).path


def test_an_unknown_outcome_is_a_located_error(tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, "  - name: a misspelt outcome\n    expect:\n      FIN-01: failed\n")
    with pytest.raises(CappolicyError) as info:
        read_fixture(path)
    (error,) = info.value.diagnostics
    assert error.code == "CP432" and error.help == "did you mean 'fail'?"
    assert error.span is not None and error.span.line == line_of(path, "failed")
    assert run_one(path, rulesets).exit_code == 2


@pytest.mark.parametrize(("remove", "help_"), [
    ("sunset.plann", "did you mean 'plan'?"),
    ("budget.lines[7]", "its elements are budget.lines[0] to budget.lines[6]"),
    ("activities.led_by", "pick an element first: activities[0].led_by"),
])
def test_removing_what_does_not_exist_is_a_located_error(
        tmp_path: Path, rulesets: Rulesets, remove: str, help_: str) -> None:
    path = write(tmp_path, f"  - name: removes nothing\n    remove:\n      - {remove}\n"
                 "    expect: {SUN-02: fail}\n")
    report = run_one(path, rulesets)
    (case,) = report.cases
    assert case.status == "error" and report.exit_code == 2
    (error,) = case.errors
    assert error.code == "CP433" and error.help == help_
    assert error.span is not None and error.span.line == line_of(path, remove)


@pytest.mark.parametrize(("text", "needle", "message"), [
    ("cappolicy-test: 1\nruleset: baseline\nbase: a: b\n", "a: b", "invalid YAML"),
    (HEADER + "casess: []\n", "casess", "unknown field 'casess'"),
    (HEADER + "cases:\n  - name: checks nothing\n", "checks nothing", "expects nothing"),
    (HEADER.replace("cappolicy-test: 1", "cappolicy-test: 2") + "cases:\n  - name: x\n"
     "    expect: {FIN-01: pass}\n", "cappolicy-test", "unsupported rule test format"),
    (HEADER.replace("base.proposal.yaml", "nowhere.yaml") + "cases:\n  - name: x\n"
     "    expect: {FIN-01: pass}\n", "nowhere", "base proposal nowhere.yaml not found"),
    (HEADER + "cases:\n  - name: x\n    remove: [activities[0]]\n    expect: {FIN-01: pass}\n",
     "remove", "invalid YAML"),
])
def test_a_malformed_file_is_a_located_error(tmp_path: Path, text: str, needle: str,
                                            message: str) -> None:
    path = tmp_path / "bad.test.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CappolicyError) as info:
        read_fixture(path)
    (error,) = [d for d in info.value.diagnostics if message in d.message]
    assert error.code == "CP430"
    assert error.span is not None and error.span.line == line_of(path, needle)


def test_edits_are_applied_and_do_not_leak_into_other_cases(
        tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, """\
  - name: one year's amount changed through a by_year key
    set:
      funding.sources[0].by_year[2029]: 1300000
    expect: {SUN-03: fail}
  - name: an element added at the end of a list
    set:
      roles.implementation[2]: xa-uni
    expect: {EVAL-01: fail}
  - name: two elements of one list removed
    remove:
      - budget.lines[4]
      - budget.lines[5]
    expect: {BUD-01: fail}
  - name: a new section added
    set:
      waivers:
        - {rule: BUD-01, reason: "Upkeep is in the CIRT's own budget", approved_by: xa-cirt}
    remove:
      - budget.lines[5]
      - budget.lines[4]
    expect: {BUD-01: waived}
  - name: the base is untouched by the cases before
    expect: {SUN-03: pass, EVAL-01: pass, BUD-01: pass}
""")
    report = run_one(path, rulesets)
    assert [c.status for c in report.cases] == ["pass"] * 5, render_rule_tests(report)


def test_an_edit_that_breaks_the_proposal_is_a_located_error_naming_the_case(
        tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, """\
  - name: a misspelt kind
    set:
      organisations[0].kind: ministery
    expect: {OWN-01: fail}
  - name: an organisation removed but still referred to
    remove:
      - organisations[4]
    expect: {PART-01: fail}
  - name: a field the format does not know
    set:
      sunset.fallback: xa-mict
    expect: {SUN-02: pass}
  - name: a required field removed
    remove:
      - activities[0].led_by
    expect: {OWN-02: fail}
""")
    report = run_one(path, rulesets)
    assert report.exit_code == 2
    kind, removed, unknown, required = report.cases
    (error,) = kind.errors
    assert error.code == "CP434" and "'a misspelt kind'" in error.message
    assert error.span is not None and error.span.line == line_of(path, "ministery")
    assert error.help == "did you mean 'ministry'?"
    first = removed.errors[0]
    assert first.code == "CP434" and "'an organisation removed but still referred to'" in first.message
    assert first.span == removed.case.span  # the base is not to blame: the case is
    assert "unknown organisation 'xa-rights'" in first.message and "base.proposal.yaml:" in first.message
    (error,) = unknown.errors
    assert error.code == "CP434" and "fallback" in error.message
    assert error.span is not None and error.span.line == line_of(path, "sunset.fallback")
    (error,) = required.errors
    assert "at activities[0] (" in error.message and "missing required field 'led_by'" in \
        error.message


def test_element_expectations_and_the_worst_outcome(tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, """\
  - name: the implementer leads A1
    set:
      activities[0].led_by: impl-a
    expect:
      OWN-02: fail
      OWN-02@A1: fail
      OWN-02@A2: pass
      OWN-02@activities[1]: pass
  - name: an element the rule has no finding for
    expect: {OWN-02@A9: pass}
""")
    good, missing = run_one(path, rulesets).cases
    assert good.ok, render_case(good)
    (check,) = missing.checks
    assert check.actual is None and not check.ok
    assert check.elements == ("A1", "A2", "A3", "A4")
    assert "got no finding for A9" in render_case(missing)


def test_findings_of_an_edited_proposal_point_at_the_edit(tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, """\
  - name: a late sunset said to pass
    set:
      sunset.date: 2030-12-31
    expect: {SUN-01: pass}
""")
    (case,) = run_one(path, rulesets).cases
    finding = case.checks[0].findings[0]
    where = [first_location(e) for e in finding.evidence]
    assert where and where[0] is not None and where[0].file == case.file
    assert where[0].line == line_of(path, "2030-12-31")
    text = render_case(case)
    assert f"{case.file}:{where[0].line}:20: error[SUN-01]" in text
    assert f"2030-12-31 (line {where[0].line}) <= 2030-06-30 (" in text  # period.end is in the base
    assert re.search(r"<= 2030-06-30 \(\S*base\.proposal\.yaml:\d+\)", text)


def test_exit_codes(tmp_path: Path, rulesets: Rulesets) -> None:
    good = write(tmp_path, "  - name: ok\n    expect: {FIN-01: pass}\n", name="good.test.yaml")
    bad = write(tmp_path, "  - name: wrong\n    expect: {FIN-01: fail}\n", name="bad.test.yaml")
    assert run([good], rulesets).exit_code == 0
    assert run([good, bad], rulesets).exit_code == 1
    assert run([tmp_path / "missing"], rulesets).exit_code == 2
    assert "rule tests FAIL: 2 files run, 2 cases (1 passed, 1 failed)" in \
        render_rule_tests(run([tmp_path], rulesets))


def test_coverage_counts_only_expectations_that_hold(tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, """\
  - name: low co-financing fails
    set:
""" + LOW_CO_FINANCING + """\
    expect: {FIN-01: fail}
  - name: the base said to fail, wrongly
    expect: {FIN-01: fail, SUN-01: pass}
""")
    (coverage,) = cover(run_one(path, rulesets))
    rules = {r.rule.id: r for r in coverage.rules}
    assert rules["FIN-01"].fails and not rules["FIN-01"].passes
    assert rules["FIN-01"].gap == "no case makes it pass"
    assert rules["SUN-01"].passes and rules["SUN-01"].gap == "no case makes it fail"
    assert rules["OWN-01"].gap == "no case makes it fail or pass"
    principles = {p.principle: p for p in coverage.principles}
    assert (principles["co-financing"].failing, principles["co-financing"].passing) == (1, 0)
    text = render_coverage([coverage])
    assert re.search(r"FIN-01 +Host-country co-financing meets the minimum: no case makes it pass",
                     text)
    assert "co-financing" in text and "<- incomplete" in text


def test_an_unknown_ruleset_is_a_located_error(tmp_path: Path, rulesets: Rulesets) -> None:
    path = write(tmp_path, "  - name: x\n    expect: {FIN-01: pass}\n",
                 header=HEADER.replace("ruleset: baseline", "ruleset: baselin"))
    (error,) = run_one(path, rulesets).errors
    assert error.code == "CP420" and error.help == "did you mean 'baseline'?"
    assert error.span is not None and error.span.line == line_of(path, "ruleset: baselin")


def test_a_country_code_tests_its_national_ruleset(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    (root / "national").mkdir(parents=True)
    (root / "national" / "xq.cpol").write_text(
        'ruleset xq "Test country"\nextends baseline\njurisdiction XQ\n'
        'set min_co_financing = 40% because "Finance Act"\n'
        'disable SUN-03 because "One tranche by law"\n', encoding="utf-8")
    national = Rulesets(Catalog([shipped_rulesets(), root]))
    header = HEADER.replace("ruleset: baseline", "ruleset: XQ")
    path = write(tmp_path, "  - name: a third is too little here\n    expect: {FIN-01: fail}\n",
                 header=header)
    report = run([path], national)
    assert report.exit_code == 0, render_rule_tests(report)
    assert report.files[0].ruleset == "national/xq"
    disabled = write(tmp_path, "  - name: tapering\n    expect: {SUN-03: pass}\n",
                     header=header, name="d.test.yaml")
    report = run([disabled], national)
    assert report.exit_code == 2
    ((error,),) = [case.errors for case in report.cases]
    assert error.code == "CP431" and "disables" in error.message and "One tranche by law" in \
        error.message


# --- writing edited data back as YAML ------------------------------------------------------

_scalars = (st.text(max_size=12) | st.integers(-10**18, 10**18) | st.booleans() | st.none()
            | st.dates() | st.floats(allow_nan=False)
            | st.sampled_from(["NO", "yes", "1e3", "0o17", "0x1F", "2027-01-01", "1:30", ".inf",
                               "null", "~", "- a", "a: b", "#c", "'q'", '"', "\\", "\u2028",
                               "\ufeff", "\x85", "\t", "\U0001F600"]))
_data = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=6) | st.integers(0, 3000), inner,
                                       max_size=3), max_leaves=12)


def _value(node: Node) -> Any:
    if node.kind == "map":
        return {_value(k): _value(v) for k, v in node.value}
    if node.kind == "seq":
        return [_value(item) for item in node.value]
    return node.value


@given(st.dictionaries(st.text(max_size=6), _data, max_size=4))
def test_edited_data_reads_back_as_written(data: dict[str, Any]) -> None:
    lines, paths = emit_yaml(data)
    assert len(lines) == len(paths)
    root = compose_yaml("\n".join(lines) + "\n", "edited.yaml")
    assert (_value(root) if root is not None else {}) == data
