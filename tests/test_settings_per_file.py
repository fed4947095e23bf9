"""Settings are found from each checked file's folder, not the current one; files of two
projects with different settings are refused with a clear message; --fail-on takes the
words reports print (error, warning, info)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main

GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
ARGS = ["check", "--as-of", "2027-01-15", "--no-color"]


def repository(folder: Path, country: str | None) -> Path:
    """A git repository with one proposal and, with `country`, a cappolicy.toml."""
    folder.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True, capture_output=True)
    (folder / "proposals").mkdir()
    shutil.copy(GOOD, folder / "proposals" / "p.yaml")
    if country is not None:
        (folder / "cappolicy.toml").write_text(f'country = "{country}"\n', encoding="utf-8")
    return folder / "proposals" / "p.yaml"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """The current folder of the run: outside every repository of the test."""
    here = tmp_path / "elsewhere"
    here.mkdir()
    old = Path.cwd()
    os.chdir(here)
    yield here  # type: ignore[misc]
    os.chdir(old)


def test_a_file_checked_from_outside_its_repository_uses_that_repositorys_settings(
        tmp_path: Path, elsewhere: Path) -> None:
    proposal = repository(tmp_path / "repo", "XB")
    result = CliRunner().invoke(main, [*ARGS, str(proposal)])
    assert "against ruleset national/xb" in result.output, result.output
    assert "cappolicy.toml" in result.output.splitlines()[0]


def test_files_of_two_repositories_with_different_settings_are_refused(
        tmp_path: Path, elsewhere: Path) -> None:
    one = repository(tmp_path / "one", "XB")
    two = repository(tmp_path / "two", None)
    result = CliRunner().invoke(main, [*ARGS, str(one), str(two)])
    assert result.exit_code == 2, result.output
    assert "CP443" in result.output and "different settings" in result.output
    assert str(tmp_path / "one" / "cappolicy.toml") in result.output


def test_files_of_two_repositories_without_settings_are_checked_together(
        tmp_path: Path, elsewhere: Path) -> None:
    one = repository(tmp_path / "one", None)
    two = repository(tmp_path / "two", None)
    result = CliRunner().invoke(main, [*ARGS, str(one), str(two)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("inner", ["", 'rulesets = ["rules"]\n', 'fail_on = "must"\n'])
@pytest.mark.parametrize("outer", ["cappolicy.toml", "pyproject.toml"])
def test_a_settings_file_below_the_project_s_is_refused_not_obeyed(
        tmp_path: Path, elsewhere: Path, inner: str, outer: str) -> None:
    """A pull request adds a settings file beside its proposal, even an empty one: it
    replaced the project's for that proposal (its `fail_on` dropped, rulesets of its own
    brought in), and a hook or a changed-files-only run passes only that proposal."""
    proposal = repository(tmp_path / "repo", None)
    head = "[tool.cappolicy]\n" if outer == "pyproject.toml" else ""
    (tmp_path / "repo" / outer).write_text(f'{head}fail_on = "should"\n', encoding="utf-8")
    before = CliRunner().invoke(main, [*ARGS, str(proposal)])
    (proposal.parent / "cappolicy.toml").write_text(inner, encoding="utf-8")
    result = CliRunner().invoke(main, [*ARGS, str(proposal)])
    assert result.exit_code == 2, result.output
    assert f"lies within the project of {tmp_path / 'repo' / outer}" in result.output
    (proposal.parent / "cappolicy.toml").unlink()
    again = CliRunner().invoke(main, [*ARGS, str(proposal)])
    assert again.output == before.output and "(fail on should)" in again.output


@pytest.mark.parametrize(("word", "severity"), [("error", "must"), ("warning", "should"),
                                                ("info", "advisory")])
def test_fail_on_takes_the_words_reports_print(word: str, severity: str) -> None:
    result = CliRunner().invoke(main, [*ARGS, "--fail-on", word, str(GOOD)])
    assert result.exit_code in (0, 1), result.output
    assert f"(fail on {severity})" in result.output


def test_portfolio_reads_the_settings_of_the_files_not_of_the_current_folder(
        tmp_path: Path, elsewhere: Path) -> None:
    # the current folder has settings of its own that must not apply to the files
    (elsewhere / "cappolicy.toml").write_text('country = "XC"\n', encoding="utf-8")
    proposal = repository(tmp_path / "repo", "XB")
    result = CliRunner().invoke(main, ["portfolio", "--as-of", "2027-01-15", "--format", "json",
                                       str(proposal)])
    assert result.exit_code in (0, 1), result.output
    assert '"national/xb"' in result.output and "national/xc" not in result.output


def test_portfolio_refuses_files_of_two_projects_as_check_does(
        tmp_path: Path, elsewhere: Path) -> None:
    one = repository(tmp_path / "one", "XB")
    two = repository(tmp_path / "two", None)
    result = CliRunner().invoke(main, ["portfolio", str(one), str(two)])
    assert result.exit_code == 2, result.output
    assert "CP443" in result.output


def test_portfolio_skips_what_a_folder_holds_that_is_not_a_proposal(
        tmp_path: Path, elsewhere: Path) -> None:
    proposal = repository(tmp_path / "repo", None)
    (proposal.parent / "notes.yaml").write_text("title: minutes of a meeting\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["portfolio", "--as-of", "2027-01-15",
                                       str(proposal.parent)])
    assert result.exit_code in (0, 1), result.output
    assert "notes.yaml" in result.output and "not proposals" in result.output
    assert "CP4" not in result.output  # skipped, not refused as a bad proposal
