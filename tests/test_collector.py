"""The program holds the garbage collector off while it starts (base/collector.py) and
always gives it back: a long run, or a program that calls cappolicy's in its own
process, collects as usual afterwards, whichever way the command ends."""

from __future__ import annotations

import gc
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cappolicy.cli import entry

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"


@pytest.fixture(autouse=True)
def _collector() -> Iterator[None]:
    assert gc.isenabled()
    yield
    gc.unfreeze()  # what release froze, back in the generations for the next tests
    gc.enable()


def _run(monkeypatch: pytest.MonkeyPatch, *args: str) -> int | str | None:
    monkeypatch.setattr(sys, "argv", ["cappolicy", *args])
    with pytest.raises(SystemExit) as stop:
        entry.main()
    return stop.value.code


def test_a_check_gives_the_collector_back(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = tmp_path / "p.yaml"
    shutil.copy(EXAMPLE, proposal)
    assert _run(monkeypatch, "check", "--country", "XA", "--as-of", "2026-06-01",
                str(proposal)) == 0
    assert gc.isenabled()


def test_a_check_that_checks_nothing_gives_it_back(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(monkeypatch, "check", str(tmp_path / "missing.yaml")) == 2
    assert gc.isenabled()
    assert _run(monkeypatch, "check", "--country", "XA", "--ruleset", "baseline",
                str(EXAMPLE)) == 2  # a usage error, before any file is read
    assert gc.isenabled()


def test_other_commands_give_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(monkeypatch, "rulesets") == 0
    assert gc.isenabled()
    assert _run(monkeypatch, "--help") == 0
    assert gc.isenabled()


@pytest.mark.parametrize("decide", ["evaluate", "verdicts"])
def test_a_proposal_s_evaluation_leaves_no_cycle_for_the_collector(decide: str) -> None:
    """What a proposal's evaluation keeps (Context.memo) goes with it: a search `through:`
    a condition (GOV-01) kept the condition, which holds the Env and so the Context, and
    every proposal left a cycle of its whole context that the collector found among the
    next proposal's objects: a check of 1,000 was 12% slower, its loading 60%."""
    import datetime as dt

    from cappolicy.base.resources import shipped_rulesets
    from cappolicy.engine import evaluate as engine
    from cappolicy.proposal.load import load_proposal
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    rules = Rulesets(Catalog([shipped_rulesets()])).for_country("XB").ruleset.compiled()
    proposal = load_proposal(EXAMPLE.parent / "xb-donor-led.yaml")
    run = getattr(engine, decide)
    for _ in range(3):  # the rules' Python written, its functions made
        run(rules, proposal, dt.date(2027, 1, 15))
    gc.collect()
    gc.disable()
    run(rules, proposal, dt.date(2027, 1, 15))
    assert gc.collect() == 0


@pytest.mark.parametrize("text", [
    EXAMPLE.read_text(encoding="utf-8"),  # valid: read by the quick road, which holds it off
    EXAMPLE.read_text(encoding="utf-8") + "unknown_field: 1\n",  # the quick road gives up
    "cappolicy: 1\nid: [unclosed\n",  # refused: invalid YAML
])
@pytest.mark.parametrize("on", [True, False])
def test_loading_leaves_the_collector_as_it_found_it(text: str, on: bool) -> None:
    from cappolicy.base.errors import ProposalError
    from cappolicy.proposal.load import load_proposal_text

    if not on:
        gc.disable()
    try:
        load_proposal_text(text, "p.yaml")
    except ProposalError:
        pass
    assert gc.isenabled() is on


def test_paused_holds_it_off_and_gives_it_back_on_an_error() -> None:
    from cappolicy.base.collector import paused

    with pytest.raises(ValueError), paused():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()  # held off by someone else: left so
