"""A folder a scan cannot list (no permission to read it). A glob passes over it without a
word, so a check of a portfolio whose subfolder the runner may not read passed, its
proposals never read. Each command that scans a folder refuses it now: an error that names
it (CP425, exit 2), and the files it could read are still checked.

The folder is made unreadable by refusing to list it (`os.scandir` raises as it does for
a folder without read permission): root reads any folder, and the suite runs as root in
CI."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cappolicy.base import files
from cappolicy.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "proposals"
GOOD = EXAMPLES / "xa-cirt-good.yaml"
FAILING = EXAMPLES / "xd-parallel-structures.yaml"
XA = ROOT / "rulesets" / "national" / "xa.cpol"
BASELINE_TESTS = ROOT / "rulesets" / "baseline" / "tests"


def _refuse(monkeypatch: pytest.MonkeyPatch, *names: str, only: Path | None = None) -> None:
    """Listing a folder of one of `names` (or the folder `only`) fails as a folder
    without read permission does."""
    real: Callable[..., Any] = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name in names or only is not None and \
                Path(path).resolve() == only.resolve():
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path)
    monkeypatch.setattr(files.os, "scandir", scandir)


def _run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    return result


def test_a_subfolder_that_cannot_be_read_is_an_error_and_the_rest_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "p" / "locked").mkdir(parents=True)
    shutil.copy(GOOD, tmp_path / "p" / "good.yaml")
    shutil.copy(FAILING, tmp_path / "p" / "locked" / "bad.yaml")
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, "locked")
    done = _run("check", "--no-color", "p")
    assert done.exit_code == 2, done.output
    assert "error[CP425]: p/locked is a folder that cannot be read (Permission denied): " \
        "what it holds is not checked" in done.output, done.output
    assert "== p/good.yaml" in done.output  # the file it could read is checked
    # in every report: JSON names it among the files in error
    done = _run("check", "--format", "json", "p")
    assert done.exit_code == 2
    assert "p/locked is a folder that cannot be read" in done.output


def test_a_folder_named_that_cannot_be_read_is_not_called_empty(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    shutil.copy(FAILING, tmp_path / "locked" / "bad.yaml")
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, "locked")
    done = _run("check", "--no-color", "locked")
    assert done.exit_code == 2, done.output
    assert "locked is a folder that cannot be read" in done.output
    assert "holds no proposal files" not in done.output


def test_a_hidden_folder_is_not_looked_into_so_its_permissions_do_not_matter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "p" / ".git").mkdir(parents=True)
    shutil.copy(GOOD, tmp_path / "p" / "good.yaml")
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, ".git")
    done = _run("check", "--no-color", "p")
    assert done.exit_code == 0, done.output
    assert "CP425" not in done.output


def test_a_folder_of_rule_files_that_cannot_be_read_is_an_error_of_the_rulesets(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the rulesets of a folder that cannot be listed are unknown: a check against them
    # must not go on against the shipped ruleset of the same id, nor fall back to the
    # baseline for want of a national ruleset
    (tmp_path / "r" / "laws").mkdir(parents=True)
    shutil.copy(XA, tmp_path / "r" / "laws" / "xa.cpol")
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, "r")
    for args in (["--country", "XA"], ["--ruleset", "national/xa"], ["--ruleset", "baseline"]):
        done = _run("check", "--no-color", "--rulesets", "r", *args, str(GOOD))
        assert done.exit_code == 2, done.output
        assert "r cannot be read: it is a folder that cannot be read (Permission denied), " \
            "and the rulesets it holds are unknown" in done.output, done.output
        assert "PASS" not in done.output


def test_a_national_folder_that_cannot_be_read_is_no_country_without_a_ruleset(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r" / "national").mkdir(parents=True)
    shutil.copy(XA, tmp_path / "r" / "national" / "xa.cpol")
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, only=tmp_path / "r" / "national")  # not the shipped national/
    done = _run("check", "--no-color", "--rulesets", "r", "--country", "XA", str(GOOD))
    assert done.exit_code == 2, done.output
    assert "r/national cannot be read" in done.output, done.output
    assert "checked against the baseline" not in done.output


def test_a_folder_of_rule_tests_that_cannot_be_read_fails_the_test_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t" / "locked").mkdir(parents=True)
    for folder in (tmp_path / "t", tmp_path / "t" / "locked"):
        for name in ("base.proposal.yaml", "financing.test.yaml"):
            shutil.copy(BASELINE_TESTS / name, folder / name)
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, "locked")
    done = _run("test", "t")
    assert done.exit_code == 2, done.output
    assert "t/locked is a folder that cannot be read" in done.output
    assert "1 file run" in done.output, done.output  # the tests it could read were run


def test_lint_of_a_folder_of_rulesets_names_a_subfolder_it_cannot_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r" / "national").mkdir(parents=True)
    (tmp_path / "r" / "locked").mkdir()
    shutil.copy(XA, tmp_path / "r" / "national" / "xa.cpol")
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, "locked")
    done = _run("lint", "r")
    assert done.exit_code == 2, done.output
    assert "r/locked cannot be read" in done.output, done.output


def test_the_list_of_rulesets_names_a_folder_it_cannot_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r" / "locked").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    _refuse(monkeypatch, "locked")
    done = _run("rulesets", "--rulesets", "r")
    assert done.exit_code == 2, done.output
    assert "r/locked cannot be read" in done.output, done.output


def test_a_folder_that_can_be_listed_but_not_searched_is_an_error_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # r--: its names are listed, but nothing in it can be looked at (lstat is refused);
    # Path.is_symlink raised PermissionError, a traceback that stopped the other files
    (tmp_path / "p" / "searchless").mkdir(parents=True)
    shutil.copy(GOOD, tmp_path / "p" / "good.yaml")
    shutil.copy(FAILING, tmp_path / "p" / "searchless" / "bad.yaml")
    monkeypatch.chdir(tmp_path)
    real = Path.is_symlink

    def is_symlink(self: Path) -> bool:
        if self.parent.name == "searchless":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)
    monkeypatch.setattr(Path, "is_symlink", is_symlink)
    done = _run("check", "--no-color", "p")
    assert done.exit_code == 2, done.output
    assert "error[CP425]: p/searchless is a folder that cannot be read (Permission denied)" \
        in done.output, done.output
    assert "== p/good.yaml" in done.output
