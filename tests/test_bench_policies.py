"""The benchmark's policies and proposals (bench/): cappolicy gives the plain-Python floor's
verdict on every generated proposal, and the generator makes valid, varied, reproducible
format v1. The peer engines (Rego, CEL) are compared by bench/run.py only: they are not
installed with the test extra. No timing is asserted here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import engines as E
import synthetic

from cappolicy.proposal.load import load_proposal_text


@pytest.fixture(scope="module")
def cases() -> dict[str, list[E.Case]]:
    # load_cases reads each proposal back through the loader and raises InvalidProposal
    # unless it loads without a diagnostic, as the very data it was made from.
    return {"small": E.load_cases("small", 300, seed=0), "large": E.load_cases("large", 20)}


def verdicts(engine: E.Engine, cases: list[E.Case]) -> list[E.Verdicts]:
    return engine.judge(engine.compile(), [engine.input(c) for c in cases])


@pytest.mark.parametrize("size", ["small", "large"])
def test_cappolicy_gives_the_floor_verdicts(cases: dict[str, list[E.Case]], size: str) -> None:
    results = {"python": verdicts(E.PythonFloor(), cases[size]),
               "cappolicy": verdicts(E.Cappolicy(), cases[size])}
    assert [str(d) for d in E.disagreements(cases[size], results)] == []
    # Every policy passes on some proposals and fails on others, so agreement means something.
    assert E.variety(results["python"]) == []


def test_a_wrong_verdict_is_a_disagreement(cases: dict[str, list[E.Case]]) -> None:
    few = cases["small"][:3]
    floor = verdicts(E.PythonFloor(), few)
    other = [dict(v) for v in floor]
    other[1]["P3"] = not other[1]["P3"]
    other[2]["P5"] = "unknown"
    found = E.disagreements(few, {"python": floor, "other": other})
    assert [(d.case, d.policy) for d in found] == [(few[1].id, "P3"), (few[2].id, "P5")]


def test_generated_proposals_have_the_shapes_asked_for(cases: dict[str, list[E.Case]]) -> None:
    for size, (n_orgs, n_activities) in synthetic.SIZES.items():
        for case in cases[size]:
            assert len(case.data["organisations"]) == n_orgs
            assert len(case.data["activities"]) == n_activities
    assert {c.data["host_country"] for c in cases["small"]} == set(synthetic.HOSTS)


def test_yaml_proposals_load_as_the_data_they_were_made_from() -> None:
    for data in [*synthetic.corpus("small", 30, seed=3, host="XA"),
                 *synthetic.corpus("large", 2, seed=3)]:
        text = synthetic.yaml_text(data)
        loaded = load_proposal_text(text, f"{data['id']}.yaml")
        assert loaded.warnings == ()
        assert loaded.data == data


def test_the_generator_is_deterministic() -> None:
    assert synthetic.proposal("small", 5, seed=1) == synthetic.proposal("small", 5, seed=1)
    assert synthetic.proposal("small", 5, seed=1) != synthetic.proposal("small", 6, seed=1)
    assert synthetic.proposal("small", 5, seed=1) != synthetic.proposal("small", 5, seed=2)
    assert list(synthetic.corpus("large", 2))[1] == synthetic.proposal("large", 1)


def test_the_cel_file_holds_the_six_policies() -> None:
    policies = E.cel_policies()
    assert list(policies) == list(E.POLICIES)
    assert all(source and "\n" not in source for source in policies.values())
