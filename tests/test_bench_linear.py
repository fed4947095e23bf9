"""bench/linear.py runs: its proposals load and its shapes break the rules they are meant
to, so that its timings time the rules that used to be quadratic. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import linear  # noqa: E402


def test_the_generated_proposals_load_and_fail_the_rules_they_aim_at() -> None:
    effs = linear.rulesets()
    aimed = {"chain": set(), "broken-chain": {"GOV-01"}, "trainings": {"KT-01"},
             "organisations": {"CERT-02"}, "flows": {"DATA-01"}, "decisions": {"DEC-02"},
             "sources": set(), "indicators": {"IND-03"}}
    assert set(aimed) == set(linear.SHAPES)
    for shape, rules in aimed.items():
        p = linear.proposal(shape, "XA", 30)  # loads, or raises the loader's error
        _, verdicts = linear.timed(effs["XA"], p)
        failing = {r for r, v in verdicts.items() if v in ("fail", "unknown")}
        assert rules <= failing, (shape, failing)
        if shape == "chain":
            assert "GOV-01" not in failing


def test_the_quick_run_reports_every_shape_and_exits_zero() -> None:
    done = subprocess.run([sys.executable, str(BENCH / "linear.py"), "--quick", "--repeats",
                           "1", "--sizes", "5,10"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    for shape in linear.SHAPES:
        assert f"\n{shape} " in done.stdout
    assert "worst ratio" in done.stdout
