"""The shipped examples against the shipped rulesets: what each is meant to show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cappolicy.evaluate import evaluate
from cappolicy.load import load_proposal
from cappolicy.rulesets import Catalog, Rulesets

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
AS_OF = dt.date(2027, 1, 15)


@pytest.fixture(scope="module")
def rulesets() -> Rulesets:
    return Rulesets(Catalog())


def check(name: str, rulesets: Rulesets) -> list:
    proposal = load_proposal(EXAMPLES / name)
    choice = rulesets.for_country(proposal.host_country)
    return evaluate(choice.ruleset.compiled(), proposal, AS_OF, ruleset=choice.ruleset.id)


def test_the_good_proposal_passes_every_rule(rulesets: Rulesets) -> None:
    findings = check("xa-cirt-good.yaml", rulesets)
    bad = [(f.rule, f.outcome, f.message) for f in findings if f.outcome in ("fail", "unknown")]
    assert bad == []
    assert sum(f.outcome == "pass" for f in findings) >= 12


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")
                                        if p.name not in ("xa-cirt-good.yaml", "incomplete.yaml")))
def test_each_failing_example_fails_with_located_explained_findings(name: str, rulesets: Rulesets) -> None:
    failed = [f for f in check(name, rulesets) if f.outcome == "fail"]
    assert failed, f"{name} was written to fail but passed"
    for f in failed:
        assert f.span.line >= 1 and f.span.file.endswith(name)
        assert f.evidence, f"{f.rule} failed without evidence"
        assert f.principle and f.message


def test_the_failing_examples_fail_in_different_ways(rulesets: Rulesets) -> None:
    signatures = {
        name: frozenset(f.rule for f in check(name, rulesets) if f.outcome == "fail")
        for name in (p.name for p in EXAMPLES.glob("*.yaml"))
        if name not in ("xa-cirt-good.yaml", "incomplete.yaml")
    }
    assert len(set(signatures.values())) == len(signatures)


def test_the_incomplete_proposal_is_unknown_not_passed(rulesets: Rulesets) -> None:
    findings = check("incomplete.yaml", rulesets)
    unknown = [f for f in findings if f.outcome == "unknown"]
    assert unknown
    named = {m for f in unknown for m in f.missing}
    assert {"funding", "sunset", "evaluation"} <= {m.split(".")[0].split("[")[0] for m in named}
