"""One meaning of the language: what decides a rule is what explains it.

The verdict (generated code, codegen.py), the reference closures (compile.py) and the
explanation (explain.py) must agree on every construct: the outcome, and which fields
of the proposal an undecided finding names as missing. The first tests pin the case
where they once drifted apart: a quantifier's `where` that cannot be decided.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from strategies_lang import effective

from cappolicy.evaluate import evaluate, summary, verdicts
from cappolicy.findings import Evidence, Finding
from cappolicy.proposal import Proposal

AS_OF = dt.date(2026, 6, 1)

TRAINING_RULE = '''ruleset baseline "B"
rule R-1 "Training activities end within the period" {
  principle p
  require all a in activities where a.type == training: a.end <= period.end
}
'''

#: the second activity has no type: whether the rule covers it cannot be told; it also
#: ends after the period, which would fail the rule if it were a training
ONE_TYPE_MISSING = {
    "period": {"end": dt.date(2027, 1, 1)},
    "activities": [{"id": "A1", "type": "training", "end": dt.date(2026, 1, 1)},
                   {"id": "A2", "end": dt.date(2028, 1, 1)}],
}


def _finding(tmp_path: Path, rule: str, data: dict[str, Any]) -> Finding:
    rules = effective(tmp_path, {"baseline.cpol": rule}, "baseline").compiled()
    [finding] = evaluate(rules, Proposal("p.yaml", data), AS_OF)
    return finding


def _texts(ev: Evidence) -> list[str]:
    return [ev.expr, *(t for child in ev.children for t in _texts(child))]


def test_an_unknown_where_leaves_the_quantifier_unknown_and_names_the_missing_field(
        tmp_path: Path) -> None:
    finding = _finding(tmp_path, TRAINING_RULE, ONE_TYPE_MISSING)
    assert finding.outcome == "unknown"
    assert finding.missing == ("activities[1].type",)
    assert finding.message == "cannot decide: activities[1].type is missing"


def test_an_unknown_where_is_never_said_to_be_undecidable(tmp_path: Path) -> None:
    finding = _finding(tmp_path, TRAINING_RULE, ONE_TYPE_MISSING)
    assert "undecidable" not in finding.message
    assert finding.path == "activities[1].type"


def test_the_evidence_speaks_only_of_elements_the_rule_covered(tmp_path: Path) -> None:
    # A2 is not known to be a training: its end date decided nothing, so the evidence
    # explains no element against the body; it says why A2 is left undecided instead.
    finding = _finding(tmp_path, TRAINING_RULE, ONE_TYPE_MISSING)
    [ev] = finding.evidence
    assert ev.result == "unknown"
    assert ev.children == ()
    assert not any("A2" in text for text in _texts(ev))
    assert ev.missing == ("activities[1].type",)
    assert ev.note is not None and "'a.type == training' is unknown" in ev.note
    assert "0 of 1 elements" in ev.note  # A1 was covered and satisfies the body


def test_an_unknown_where_in_an_any_is_named_too(tmp_path: Path) -> None:
    rule = TRAINING_RULE.replace("require all", "require any").replace(
        "a.end <= period.end", "a.end > period.end")
    finding = _finding(tmp_path, rule, ONE_TYPE_MISSING)
    assert (finding.outcome, finding.missing) == ("unknown", ("activities[1].type",))
    assert all("A2" not in text for ev in finding.evidence for text in _texts(ev))


def test_a_failing_covered_element_still_decides_despite_an_unknown_where(
        tmp_path: Path) -> None:
    data = {**ONE_TYPE_MISSING, "activities": [
        {"id": "A1", "type": "training", "end": dt.date(2028, 1, 1)},
        {"id": "A2", "end": dt.date(2028, 1, 1)}]}
    finding = _finding(tmp_path, TRAINING_RULE, data)
    assert (finding.outcome, finding.missing) == ("fail", ())
    [ev] = finding.evidence
    assert [child.expr for child in ev.children] == ["a = A1"]
    rules = effective(tmp_path / "again", {"baseline.cpol": TRAINING_RULE}, "baseline").compiled()
    p = Proposal("p.yaml", data)
    assert verdicts(rules, p, AS_OF) == summary(evaluate(rules, p, AS_OF)) == {"R-1": "fail"}
