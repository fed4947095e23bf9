"""A path named on the command line that is no file to check (missing, a FIFO, a folder
with no proposal) is that path's error in the report, exit 2, and every other file is
still checked: one bad path never stops the others."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"


def cappolicy(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # a real process: a FIFO must not be opened (it would wait for a writer for ever)
    return subprocess.run([sys.executable, "-m", "cappolicy.cli.entry", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(GOOD, tmp_path / "good.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "empty").mkdir()
    return tmp_path


@pytest.mark.parametrize(("bad", "said"), [
    ("pipe.yaml", "pipe.yaml is a named pipe (FIFO), not a regular file"),
    ("missing.yaml", "no such file or folder: missing.yaml"),
    ("empty", "empty holds no proposal files"),
])
def test_check_reports_a_bad_path_and_checks_the_others(folder: Path, bad: str,
                                                        said: str) -> None:
    done = cappolicy(folder, "check", "--as-of", "2027-01-15", bad, "good.yaml")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "XA-CIRT-2027" in done.stdout  # the good file was checked
    assert f"error[CP421]: {said}" in done.stdout and "Traceback" not in done.stderr
    data = json.loads(cappolicy(folder, "check", "--as-of", "2027-01-15", "--format", "json",
                                bad, "good.yaml").stdout)
    assert [r["proposal"] for r in data["results"]] == ["XA-CIRT-2027"]
    assert [e["file"] for e in data["errors"]] == [bad]
    assert data["summary"]["exit_code"] == 2


def test_portfolio_reports_a_bad_path_and_counts_the_others(folder: Path) -> None:
    done = cappolicy(folder, "portfolio", "--as-of", "2027-01-15", "pipe.yaml", "good.yaml")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "XA-CIRT-2027" in done.stdout and "pipe.yaml is a named pipe" in done.stdout


def test_nothing_to_check_at_all_is_still_refused_before_checking(folder: Path) -> None:
    done = cappolicy(folder, "check", "missing.yaml", "pipe.yaml")
    assert done.returncode == 2
    assert "no such file or folder: missing.yaml" in done.stderr
    assert "pipe.yaml is a named pipe" in done.stderr and done.stdout == ""
