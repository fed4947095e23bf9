"""`cappolicy test --coverage` counts every rule of every ruleset in scope: a project's copy of
the baseline without a single test no longer leaves the coverage at 100%."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.base.resources import shipped_rulesets
from cappolicy.cli.main import main

GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
XQ = '''ruleset xq "Test country"
version "1"
extends baseline

rule XQ-01 "Funding is in euros" {
  principle accountability
  severity must
  require funding.currency == "EUR"
  message "The funding is in {funding.currency}."
  hint "Give the funding in euros."
}
'''
XQ_TESTS = '''cappolicy-test: 1
ruleset: national/xq
base: ../../../proposal.yaml
as_of: 2027-01-15
cases:
  - name: euros
    expect: {XQ-01: pass}
  - name: dollars
    set: {funding.currency: USD}
    expect: {XQ-01: fail}
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    rules = tmp_path / "rulesets"
    shutil.copytree(shipped_rulesets() / "baseline", rules / "baseline",
                    ignore=shutil.ignore_patterns("tests"))
    (rules / "national" / "tests").mkdir(parents=True)
    (rules / "national" / "xq.cpol").write_text(XQ, encoding="utf-8")
    (rules / "national" / "tests" / "xq.test.yaml").write_text(XQ_TESTS, encoding="utf-8")
    shutil.copy(GOOD, tmp_path / "proposal.yaml")
    (tmp_path / ".git").mkdir()  # a project: its tests may read a base above their folder
    return rules


def test_a_ruleset_without_tests_is_uncovered_not_left_out(project: Path) -> None:
    runner = CliRunner()
    tested = runner.invoke(main, ["test", "--rulesets", str(project), "--coverage",
                                  str(project / "national" / "tests")])
    assert tested.exit_code == 0, tested.output  # only the tests named: national/xq in scope
    whole = runner.invoke(main, ["test", "--rulesets", str(project), "--min-coverage", "80",
                                 str(project)])
    assert whole.exit_code == 1, whole.output
    rules = sum(1 for line in (shipped_rulesets() / "baseline").glob("*.cpol")
                for text in [line.read_text(encoding="utf-8")]
                for row in text.splitlines() if row.startswith("rule "))
    assert f"1 of {rules + 1} rules fail in some case and pass in another" in whole.output
    assert "no case makes it fail or pass" in whole.output
