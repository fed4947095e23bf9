"""`cappolicy test` as a ruleset author runs it: the shipped rule tests pass and cover every
shipped rule, a wrong expectation is shown with its evidence, a broken test file is an
error and never a pass, coverage has a threshold, and a project's tests are found."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cappolicy.cli.main import main
from cappolicy.rulesets.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "rulesets"
BASE = SHIPPED / "baseline" / "tests" / "base.proposal.yaml"
HEADER = "cappolicy-test: 1\nruleset: baseline\nbase: base.proposal.yaml\nas_of: 2027-01-15\ncases:\n"


@pytest.fixture(autouse=True)
def _base_beside(tmp_path: Path) -> None:
    """The base proposal beside the test files a test writes in tmp_path: a base is read
    only from the test's own project (testfile._outside)."""
    (tmp_path / "base.proposal.yaml").write_bytes(BASE.read_bytes())
LOW_CO_FINANCING = ("  - name: low co-financing said to pass\n    set:\n"
                    "      funding.sources[1].by_year: {2027: 100000, 2028: 100000, 2029: 100000}\n"
                    "    expect: {FIN-01: pass}\n")


def cappolicy(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def shipped_rule_ids() -> dict[str, str]:
    """Every rule the shipped rulesets define, with the ruleset id that defines it."""
    out = {}
    for path in SHIPPED.rglob("*.cpol"):
        rel = path.relative_to(SHIPPED)
        rid = rel.with_suffix("").as_posix() if rel.parent.name in ("national", "regional") \
            else rel.parent.as_posix()
        for rule in re.findall(r"^rule ([A-Z][A-Z0-9-]*)", path.read_text(), re.MULTILINE):
            out[rule] = rid
    return out


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# --- the shipped rulesets ----------------------------------------------------------------------


def test_the_shipped_rule_tests_pass_and_cover_every_shipped_rule(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = cappolicy("test", "rulesets/", "--coverage", "--no-color")
    assert result.exit_code == 0, result.output
    assert re.search(r"rule tests PASS: \d+ files run, \d+ cases \(\d+ passed\)", result.output)
    rules = shipped_rule_ids()
    assert {"AEC-01", "AEC-02", "XA-01", "XC-01"} <= set(rules)
    for rule in rules:  # the per-rule table: both marks on the rule's line
        assert re.search(rf"^  {re.escape(rule)} +fail  pass +\d+  ", result.output, re.MULTILINE), \
            f"{rule} is not shown both failing and passing:\n{result.output}"
    assert "not covered" not in result.output and "<- incomplete" not in result.output
    assert f"coverage 100%: {len(rules)} of {len(rules)} rules fail in some case and pass in " \
           "another" in result.output


def test_the_json_coverage_names_every_shipped_rule_under_the_ruleset_defining_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = cappolicy("test", "rulesets/", "--min-coverage", "100", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["schema"], doc["version"], doc["exit_code"]) == ("cappolicy.rule-tests", 1, 0)
    coverage = doc["coverage"]
    assert coverage["percent"] == 100 and coverage["below_min"] is False
    covered = {r["id"]: (block["ruleset"], r["fails"], r["passes"])
               for block in coverage["rulesets"] for r in block["rules"]}
    assert covered == {rule: (rid, True, True) for rule, rid in shipped_rule_ids().items()}
    changed = {(block["ruleset"], r["id"]): r["params"]
               for block in coverage["rulesets"] for r in block["changed"]}
    assert changed[("national/xa", "FIN-01")] == ["min_co_financing"]
    xb_data = next(r for b in coverage["rulesets"] if b["ruleset"] == "national/xb"
                   for r in b["changed"] if r["id"] == "DATA-01")
    assert (xb_data["fails"], xb_data["passes"]) == (True, False)  # no destination allowed


def test_test_folders_are_not_taken_for_rulesets() -> None:
    ids = Catalog([SHIPPED]).ids()
    assert ids == ["baseline", "national/xa", "national/xb", "national/xc", "regional/aec"]


# --- what a failing or broken test shows -------------------------------------------------------


def test_a_wrong_expectation_exits_1_with_expected_actual_and_evidence(tmp_path: Path) -> None:
    path = tmp_path / "wrong.test.yaml"
    path.write_text(HEADER + LOW_CO_FINANCING + "  - name: the base passes\n"
                    "    expect: {FIN-01: pass}\n", encoding="utf-8")
    result = cappolicy("test", str(path), "--no-color")
    assert result.exit_code == 1, result.output
    case_line = line_of(path, "low co-financing said to pass")
    assert f"FAIL {path}:{case_line}: low co-financing said to pass" in result.output
    assert f"FIN-01   expected pass, got fail   (line {line_of(path, 'FIN-01: pass')})" \
        in result.output
    assert "error[FIN-01] Host-country co-financing meets the minimum" in result.output
    # the absence of funding.sources is checked first (it fails the rule); here it is present
    assert "because   funding.sources present and national > 0 and national_share >= " \
        "min_co_financing" in result.output
    assert "national_share >= min_co_financing   was   10%" in result.output
    assert "param     min_co_financing = 15%" in result.output
    assert "the base passes" not in result.output  # passing cases only with -v
    assert "rule tests FAIL: 1 file run, 2 cases (1 passed, 1 failed)" in result.output
    verbose = cappolicy("test", str(path), "--no-color", "-v")
    assert f"PASS {path}:{line_of(path, 'the base passes')}: the base passes" in verbose.output


def test_a_wrong_expectation_in_json_carries_the_finding_and_its_evidence(tmp_path: Path) -> None:
    path = tmp_path / "wrong.test.yaml"
    path.write_text(HEADER + LOW_CO_FINANCING, encoding="utf-8")
    result = cappolicy("test", str(path), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"files": 1, "cases": 1, "passed": 0, "failed": 1, "errors": 0}
    (case,) = doc["files"][0]["cases"]
    (check,) = case["checks"]
    assert (check["rule"], check["expected"], check["actual"], check["ok"]) == \
        ("FIN-01", "pass", "fail", False)
    finding = check["findings"][0]
    assert finding["outcome"] == "fail" and finding["evidence"]
    assert doc["coverage"] is None


def test_a_rule_the_ruleset_does_not_have_is_an_error_not_a_pass(tmp_path: Path) -> None:
    path = tmp_path / "typo.test.yaml"
    path.write_text(HEADER + "  - name: a typo\n    expect: {FIN-10: fail}\n"
                    "  - name: fine\n    expect: {FIN-01: pass}\n", encoding="utf-8")
    result = cappolicy("test", str(path), "--no-color")
    assert result.exit_code == 2
    assert f"{path}:{line_of(path, 'FIN-10')}:" in result.output
    assert "error[CP431]" in result.output and "did you mean 'FIN-01'?" in result.output
    # the case is an error, not a pass; the file's other cases still run
    assert "ERROR " in result.output and ": a typo" in result.output
    assert "rule tests ERROR: 1 file run, 2 cases (1 passed, 1 with errors)" in result.output


def test_a_disabled_rule_is_an_error_naming_the_layer_and_its_reason(tmp_path: Path) -> None:
    path = tmp_path / "disabled.test.yaml"
    path.write_text(HEADER.replace("ruleset: baseline", "ruleset: national/xb")
                    + "  - name: open tender\n    expect: {PROC-01: pass}\n", encoding="utf-8")
    result = cappolicy("test", str(path), "--no-color")
    assert result.exit_code == 2
    assert "error[CP431]" in result.output and "which ruleset national/xb disables" in result.output
    assert "Public Procurement Act 2021, art. 15" in result.output


def test_a_malformed_test_file_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.test.yaml"
    path.write_text(HEADER + "  - name: x\n    expct: {FIN-01: pass}\n", encoding="utf-8")
    result = cappolicy("test", str(path), "--no-color", "--coverage")
    assert result.exit_code == 2
    assert f"{path}:{line_of(path, 'expct')}:" in result.output and "error[CP430]" in result.output
    assert "did you mean 'expect'?" in result.output


def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    result = cappolicy("test", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "error[CP421]" in result.output


# --- coverage and its threshold ----------------------------------------------------------------

RULES = """ruleset baseline "Two rules"
version "1"
rule A-01 "A sunset date is set" {
  principle sunset-and-exit
  require sunset.date present
}
rule A-02 "Procurement is open" {
  principle procurement-integrity
  require procurement.method == open-tender
}
"""

TESTS = """cappolicy-test: 1
ruleset: baseline
base: base.proposal.yaml
cases:
  - name: the base passes both
    expect: {A-01: pass, A-02: pass}
  - name: a restricted tender
    set:
      procurement.method: restricted
    expect: {A-02: fail}
  - name: a direct award
    set:
      procurement.method: direct
    expect: {A-02: fail}
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A rulesets folder of its own (not known to any catalog), with tests beside it that
    make A-02 fail and pass, and A-01 only pass."""
    rules = tmp_path / "policy"
    (rules / "baseline" / "tests").mkdir(parents=True)
    (rules / "baseline" / "rules.cpol").write_text(RULES, encoding="utf-8")
    (rules / "baseline" / "tests" / "rules.test.yaml").write_text(TESTS, encoding="utf-8")
    (rules / "baseline" / "tests" / "base.proposal.yaml").write_text(
        BASE.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_tests_run_against_the_ruleset_beside_them(project: Path) -> None:
    result = cappolicy("test", str(project / "policy"), "--coverage", "--no-color")
    assert result.exit_code == 0, result.output  # the shipped baseline has no A-01
    assert re.search(r"^  A-01 +-     pass +1  A sunset date is set$", result.output, re.MULTILINE)
    assert re.search(r"^  A-02 +fail  pass +3  Procurement is open$", result.output, re.MULTILINE)
    assert "A-01  A sunset date is set: no case makes it fail" in result.output
    assert re.search(r"^  sunset-and-exit +1 +0 +1 +0   <- incomplete$", result.output, re.MULTILINE)
    assert re.search(r"^  procurement-integrity +1 +1 +1 +0$", result.output, re.MULTILINE)
    assert "coverage 50%: 1 of 2 rules fail in some case and pass in another" in result.output


@pytest.mark.parametrize(("threshold", "code", "verdict"), [
    ("50", 0, "meets the minimum of 50%"),
    ("50.5%", 1, "is below the minimum of 50.5%"),
    ("100", 1, "is below the minimum of 100%"),
])
def test_min_coverage_fails_the_run_below_it(project: Path, threshold: str, code: int,
                                             verdict: str) -> None:
    result = cappolicy("test", str(project / "policy"), "--min-coverage", threshold, "--no-color")
    assert result.exit_code == code, result.output
    assert "rule tests PASS" in result.output  # every case passed: the coverage decides
    assert f"coverage 50%: 1 of 2 rules fail in some case and pass in another; {verdict}" \
        in result.output
    doc = json.loads(cappolicy("test", str(project / "policy"), "--min-coverage", threshold,
                               "--format", "json").stdout)
    assert (doc["exit_code"], doc["coverage"]["below_min"]) == (code, code == 1)


def test_min_coverage_must_be_a_percentage(project: Path) -> None:
    result = cappolicy("test", str(project / "policy"), "--min-coverage", "lots")
    assert result.exit_code == 2 and "is not a percentage" in result.output


def test_a_failing_case_wins_over_met_coverage(project: Path) -> None:
    tests = project / "policy" / "baseline" / "tests" / "rules.test.yaml"
    tests.write_text(TESTS.replace("expect: {A-02: fail}", "expect: {A-02: pass}"),
                     encoding="utf-8")
    result = cappolicy("test", str(project / "policy"), "--min-coverage", "0")
    assert result.exit_code == 1


# --- which tests run without a path -------------------------------------------------------------


def test_without_a_path_the_projects_rulesets_folders_are_tested(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "cappolicy.toml").write_text('rulesets = ["policy"]\n', encoding="utf-8")
    (project / ".git").mkdir()  # the project's root: settings are looked for up to it
    work = project / "proposals"
    work.mkdir()
    monkeypatch.chdir(work)  # settings are found from a folder below
    result = cappolicy("test", "--no-color")
    assert result.exit_code == 0, result.output
    assert "rule tests PASS: 1 file run, 3 cases (3 passed)" in result.output


def test_without_a_path_or_settings_the_rulesets_folder_here_is_tested(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "policy").rename(project / "rulesets")
    monkeypatch.chdir(project)
    result = cappolicy("test", "--no-color")
    assert result.exit_code == 0, result.output
    assert "rule tests PASS: 1 file run, 3 cases (3 passed)" in result.output


def test_without_a_path_and_nothing_to_test_it_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cappolicy("test")
    assert result.exit_code == 2
    assert "error[CP421]: no rule tests to run" in result.output


def test_a_project_folder_without_tests_is_an_error(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "policy" / "baseline" / "tests" / "rules.test.yaml").unlink()
    (project / "cappolicy.toml").write_text('rulesets = ["policy"]\n', encoding="utf-8")
    monkeypatch.chdir(project)
    result = cappolicy("test")
    assert result.exit_code == 2
    assert "holds no rule test files" in result.output



def test_outside_any_project_a_base_is_read_only_below_the_tests_folder(
        tmp_path: Path) -> None:
    # no .git and no cappolicy.toml above (a zip download, a build context, the home
    # folder): an absolute path or ../ to a .json of the machine was read and quoted
    secret = tmp_path / "service-account.json"
    secret.write_text('{"private_key": "cappolicy-base-secret-91b0"}\n', encoding="utf-8")
    tests = tmp_path / "tests"
    tests.mkdir()
    for base in (str(secret), "../service-account.json"):
        path = tests / "t.test.yaml"
        path.write_text(f"cappolicy-test: 1\nruleset: baseline\nbase: {base}\ncases:\n"
                        "  - name: x\n    expect: {FIN-01: pass}\n", encoding="utf-8")
        result = cappolicy("test", str(path), "--no-color")
        assert result.exit_code == 2, result.output
        assert "cappolicy-base-secret" not in result.output
        assert f"base proposal {base} is not read: it lies outside the project" in result.output


@pytest.mark.parametrize("base", ["/etc/passwd", "../../secret.yaml", str(Path("/etc/passwd.yaml")),
                                  "linked.yaml", "../.git/config", "notes.txt"])
def test_a_base_outside_the_project_is_not_read(tmp_path: Path, base: str) -> None:
    # `base: /etc/passwd` made `cappolicy test` quote the file's first line in its error:
    # a stranger's rule test in a pull request printed any file of the CI machine
    secret_line = "cappolicy-base-secret-7e1a: hunter2"
    (tmp_path / "secret.yaml").write_text(secret_line + "\n", encoding="utf-8")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "notes.txt").write_text(secret_line + "\n", encoding="utf-8")
    tests = project / "tests"
    tests.mkdir()
    (tests / "linked.yaml").symlink_to(tmp_path / "secret.yaml")
    path = tests / "t.test.yaml"
    path.write_text(f"cappolicy-test: 1\nruleset: baseline\nbase: {base}\ncases:\n"
                    "  - name: x\n    expect: {FIN-01: pass}\n", encoding="utf-8")
    result = cappolicy("test", str(path), "--no-color")
    assert result.exit_code == 2, result.output
    assert f"base proposal {base} is not read" in result.output, result.output
    assert "hunter2" not in result.output and "root:" not in result.output


def test_a_settings_file_in_a_shared_folder_above_marks_no_project(tmp_path: Path) -> None:
    # a cappolicy.toml that anyone could leave in a shared folder (/tmp) made that folder
    # the project of every rule test below it, and a base there was read and quoted
    shared = tmp_path / "shared"
    (shared / "checkout" / "tests").mkdir(parents=True)
    shared.chmod(0o777)
    (shared / "cappolicy.toml").write_text("", encoding="utf-8")
    (shared / "secret.json").write_text('{"private_key": "cappolicy-base-secret-5c2d"}\n',
                                        encoding="utf-8")
    path = shared / "checkout" / "tests" / "t.test.yaml"
    path.write_text("cappolicy-test: 1\nruleset: baseline\nbase: ../../secret.json\ncases:\n"
                    "  - name: x\n    expect: {FIN-01: pass}\n", encoding="utf-8")
    result = cappolicy("test", str(path), "--no-color")
    assert result.exit_code == 2, result.output
    assert "cappolicy-base-secret" not in result.output
    assert "base proposal ../../secret.json is not read: it lies outside the project" \
        in result.output
