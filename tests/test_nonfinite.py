"""Finite amounts whose sum overflows decide no rule: the rule cannot be decided, and
says which values it could not compute with.

inf / inf is NaN, and every comparison with NaN is false: before, `forbid share > 50%`
passed a proposal whose donor amounts add up past the largest float."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RULESET = '''ruleset baseline "Overflow test"
version "1"
rule OVF-01 "No donor pays more than half" {
  principle co-financing
  severity must
  let total = sum(sum(s.by_year) for s in funding.sources)
  let donor = sum(sum(s.by_year) for s in funding.sources where s.from.country != host_country)
  let share = donor / total
  forbid share > 50%
}
rule OVF-02 "No source pays more than half" {
  principle co-financing
  severity must
  for src in funding.sources
  forbid sum(src.by_year) / sum(sum(s.by_year) for s in funding.sources) > 50%
}
'''

PROPOSAL = '''cappolicy: 1
id: P-1
title: Test programme
host_country: XA
period: {start: 2027-01-01, end: 2029-12-31}
organisations:
  - {id: gov, name: Ministry, country: XA, kind: ministry}
  - {id: donor, name: Donor, country: NL, kind: donor}
funding:
  currency: EUR
  sources:
    - {from: donor, type: grant, by_year: {2027: 1.0e+308, 2028: 1.0e+308}}
    - {from: gov, type: co-financing, by_year: {2027: 1000}}
'''


def cappolicy(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed program, as a user runs it."""
    program = Path(sys.executable).with_name("cappolicy")
    command = [str(program)] if program.exists() else \
        [sys.executable, "-c", "from cappolicy.cli.entry import main; main()"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_amounts_summing_to_infinity_do_not_pass_a_share_rule(tmp_path: Path) -> None:
    (tmp_path / "rules" / "baseline").mkdir(parents=True)
    (tmp_path / "rules" / "baseline" / "b.cpol").write_text(RULESET, encoding="utf-8")
    proposal = tmp_path / "p.yaml"
    proposal.write_text(PROPOSAL, encoding="utf-8")
    done = cappolicy("check", str(proposal), "--rulesets", str(tmp_path / "rules"),
                     "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr  # not a pass
    assert "Traceback" not in done.stderr
    findings = json.loads(done.stdout)["results"][0]["findings"]
    by_rule: dict[str, list[dict[str, object]]] = {}
    for f in findings:
        by_rule.setdefault(str(f["rule"]), []).append(f)
    [whole] = by_rule["OVF-01"]
    assert whole["outcome"] == "unknown"
    # the problem names the values it could not add, and is located at them
    assert "the sum of [1e+308, 1e+308] is not a finite number" in str(whole["message"])
    assert whole["line"] == 12
    # per source: every source's share needs the overflowing total, so none is decided
    assert [f["outcome"] for f in by_rule["OVF-02"]] == ["unknown", "unknown"]
    assert all("1e+308" in str(f["message"]) for f in by_rule["OVF-02"])

    text = cappolicy("check", str(proposal), "--rulesets", str(tmp_path / "rules"),
                     "--no-color")
    assert text.returncode == 1
    assert "unknown[OVF-01]" in text.stdout
    assert "(cannot be computed)" in text.stdout


def test_allow_unknown_excuses_missing_data_never_a_value_that_cannot_be_computed(
        tmp_path: Path) -> None:
    # --allow-unknown is for rules undecided for want of data; an overflowing sum lacks
    # nothing, and 3e308 EUR of donor money passed FIN-01 with it
    (tmp_path / "rules" / "baseline").mkdir(parents=True)
    (tmp_path / "rules" / "baseline" / "b.cpol").write_text(RULESET, encoding="utf-8")
    overflowing = tmp_path / "p.yaml"
    overflowing.write_text(PROPOSAL, encoding="utf-8")
    missing = tmp_path / "q.yaml"  # the donor's amounts not given: undecided for want of them
    missing.write_text(PROPOSAL.replace(", by_year: {2027: 1.0e+308, 2028: 1.0e+308}", ""),
                       encoding="utf-8")
    rules = ("--rulesets", str(tmp_path / "rules"), "--allow-unknown")
    done = cappolicy("check", str(overflowing), *rules, "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert json.loads(done.stdout)["summary"]["verdict"] == "fail"
    done = cappolicy("check", str(missing), *rules, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    [result] = json.loads(done.stdout)["results"]
    assert {f["outcome"] for f in result["findings"] if f["rule"] == "OVF-01"} == {"unknown"}


def test_allow_unknown_never_excuses_an_overflow_beside_missing_data(tmp_path: Path) -> None:
    """A source without amounts beside two whose sum overflows: the rule names what is
    missing, but adding it would still leave the sum uncomputable, so --allow-unknown
    does not excuse it; the message says both."""
    (tmp_path / "rules" / "baseline").mkdir(parents=True)
    (tmp_path / "rules" / "baseline" / "b.cpol").write_text(RULESET, encoding="utf-8")
    both = tmp_path / "p.yaml"
    both.write_text(PROPOSAL.replace("    - {from: gov,", "    - {from: gov, type: grant}\n"
                                     "    - {from: gov,"), encoding="utf-8")
    done = cappolicy("check", str(both), "--rulesets", str(tmp_path / "rules"),
                     "--allow-unknown", "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    [result] = json.loads(done.stdout)["results"]
    [whole] = [f for f in result["findings"] if f["rule"] == "OVF-01"]
    assert whole["outcome"] == "unknown"
    assert "is not a finite number" in whole["message"]
    assert "funding.sources[1].by_year is missing" in whole["message"]
    assert not whole.get("missing")


def test_a_funds_edge_whose_amounts_overflow_has_no_amount_to_compare() -> None:
    from cappolicy.graph.governance import build

    g = build({"organisations": [{"id": "d", "country": "NL"}],
               "funding": {"sources": [{"from": "d", "by_year": {2027: 1e308, 2028: 1e308}}]}})
    [edge] = g.edges(["funds"])
    assert "amount" not in edge.attrs  # not inf, which every comparison would decide
    assert any("funding.sources[0]" in note and "largest" in note for note in g.notes)
