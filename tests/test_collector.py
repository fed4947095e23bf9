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
