"""The hooks of .pre-commit-hooks.yaml, run by the real `pre-commit` in a scratch repository.

pre-commit installs a hook repository at a committed revision, so the working tree
as it is now (tracked and new files, committed or not) is copied into a scratch
repository and committed there; a second scratch repository, the "proposal
repository", uses it as its hook source. pre-commit builds the hook's environment
from PyPI (once per module: PRE_COMMIT_HOME is shared by the tests below), which
takes most of the time these tests take."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cappolicy.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "proposals"
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
AS_OF = "2027-01-15"  # the date the examples are written for (tests/test_examples.py)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "cappolicy tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "cappolicy tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env or {**os.environ, **GIT_ENV}, text=True,
                          capture_output=True, timeout=timeout, check=False)


def git(*args: str, cwd: Path) -> str:
    done = run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
               cwd)
    assert done.returncode == 0, f"git {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_manifest_is_valid() -> None:
    done = run([*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")], ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A repository holding this working tree, committed; and the commit."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    dest = tmp_path_factory.mktemp("hook-source")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():  # a deleted, not yet committed file is listed too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "the working tree under test", cwd=dest)
    return dest, git("rev-parse", "HEAD", cwd=dest).strip()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory,
            hook_source: tuple[Path, str]) -> tuple[Path, dict[str, str]]:
    """A proposal repository using the hooks; and the environment to run pre-commit in."""
    source, rev = hook_source
    repo = tmp_path_factory.mktemp("proposals-repo")
    git("init", "-q", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(f"""\
repos:
  - repo: {source}
    rev: {rev}
    hooks:
      - id: cappolicy-check
        args: [--as-of, "{AS_OF}", --no-color]
      - id: cappolicy-lint
""", encoding="utf-8")
    (repo / "proposals").mkdir()
    shutil.copy(EXAMPLES / "xa-cirt-good.yaml", repo / "proposals" / "good.yaml")
    shutil.copy(EXAMPLES / "xb-donor-led.yaml", repo / "proposals" / "donor-led.yaml")
    (repo / "notes.yml").write_text("title: meeting notes\nattendees: [a, b]\n", encoding="utf-8")
    (repo / "data.json").write_text('[{"year": 2027}]\n', encoding="utf-8")
    git("add", "-A", cwd=repo)
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return repo, env


def pre_commit(project: tuple[Path, dict[str, str]], *args: str
               ) -> subprocess.CompletedProcess[str]:
    repo, env = project
    # The first run builds the hook's environment from PyPI.
    return run([*PRE_COMMIT, "run", *args], repo, env, timeout=600)


def shown(done: subprocess.CompletedProcess[str], project: tuple[Path, dict[str, str]]) -> str:
    """pre-commit's output, and its log when it failed to install the hook."""
    log = Path(project[1]["PRE_COMMIT_HOME"]) / "pre-commit.log"
    extra = f"\n--- {log}:\n{log.read_text(encoding='utf-8')}" if log.is_file() else ""
    return f"exit {done.returncode}\n--- stdout:\n{done.stdout}\n--- stderr:\n{done.stderr}{extra}"


def test_check_hook_passes_a_good_proposal_and_skips_other_files(
        project: tuple[Path, dict[str, str]]) -> None:
    done = pre_commit(project, "cappolicy-check", "--verbose", "--files", "proposals/good.yaml",
                      "notes.yml", "data.json", ".pre-commit-config.yaml")
    assert done.returncode == 0, shown(done, project)
    assert "cappolicy check" in done.stdout and "Passed" in done.stdout, shown(done, project)
    assert "good.yaml" in done.stdout, shown(done, project)  # it was checked (--verbose)
    assert "notes.yml" not in done.stdout, shown(done, project)


def test_check_hook_fails_a_failing_proposal_with_its_findings(
        project: tuple[Path, dict[str, str]]) -> None:
    done = pre_commit(project, "cappolicy-check", "--files", "proposals/good.yaml",
                      "proposals/donor-led.yaml", "notes.yml")
    assert done.returncode == 1, shown(done, project)
    assert "Failed" in done.stdout, shown(done, project)
    assert "proposals/donor-led.yaml:" in done.stdout, shown(done, project)
    assert "error[OWN-01]" in done.stdout, shown(done, project)
    assert "exit code: 1" in done.stdout, shown(done, project)


def test_check_hook_runs_on_nothing_but_yaml_and_json(
        project: tuple[Path, dict[str, str]]) -> None:
    repo, _ = project
    (repo / "README.md").write_text("cappolicy: 1\n", encoding="utf-8")
    done = pre_commit(project, "cappolicy-check", "--files", "README.md")
    assert done.returncode == 0, shown(done, project)
    assert "no files to check" in done.stdout.lower(), shown(done, project)


GOOD_RULESET = '''ruleset hooktest "A ruleset for the hook test"
version "1"
rule HOOK-01 "The programme has a title" {
  principle accountability
  severity must
  require title present
}
'''


@pytest.mark.skipif("lint" not in main.commands, reason="`cappolicy lint` does not exist yet")
def test_lint_hook_passes_a_good_ruleset_and_fails_a_broken_one(
        project: tuple[Path, dict[str, str]]) -> None:
    repo, _ = project
    rules = repo / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "hooktest.cpol").write_text(GOOD_RULESET, encoding="utf-8")
    broken = GOOD_RULESET.replace("hooktest", "broken").replace("require title", "require ((")
    (rules / "broken.cpol").write_text(broken, encoding="utf-8")
    git("add", "-A", cwd=repo)
    done = pre_commit(project, "cappolicy-lint", "--files", "rules/hooktest.cpol")
    assert done.returncode == 0, shown(done, project)
    done = pre_commit(project, "cappolicy-lint", "--files", "rules/broken.cpol")
    assert done.returncode != 0, shown(done, project)
    assert "broken.cpol" in done.stdout and "CP1" in done.stdout, shown(done, project)


# --- a ruleset repository: lint, test and impact hooks, a multi-file national ruleset -----

TREASURY = "by_year: {2027: 300000, 2028: 450000, 2029: 600000}"
XX_FINANCING = '''ruleset xx "Xanadu"
version "1"
extends baseline
jurisdiction XX

set min_co_financing = 20% because "Finance decree 1/2026"
'''
XX_OWNERSHIP = '''ruleset xx "Xanadu"

override OWN-02 severity must because "Cooperation policy 2025, s.3"
'''
XX_TESTS = f'''cappolicy-test: 1
ruleset: national/xx
base: ../../../../proposals/third.yaml
as_of: {AS_OF}
cases:
  - name: a third co-financed by the host meets Xanadu's minimum
    expect: {{FIN-01: pass, OWN-02: pass}}
'''


def xanadu(treasury: str) -> str:
    """The good example, hosted by Xanadu (XX), its treasury giving `treasury`."""
    text = (EXAMPLES / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    return text.replace(TREASURY, treasury).replace("XA", "XX")


@pytest.fixture(scope="module")
def ministry(tmp_path_factory: pytest.TempPathFactory,
             hook_source: tuple[Path, str]) -> tuple[Path, dict[str, str]]:
    """A ministry's ruleset repository using the lint, test and impact hooks, with a
    national ruleset of two files and two proposals, committed."""
    source, rev = hook_source
    repo = tmp_path_factory.mktemp("ruleset-repo")
    git("init", "-q", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(f"""\
repos:
  - repo: {source}
    rev: {rev}
    hooks:
      - id: cappolicy-lint
      - id: cappolicy-test
      - id: cappolicy-impact
        args: [--as-of, "{AS_OF}"]
""", encoding="utf-8")
    (repo / "cappolicy.toml").write_text('rulesets = ["rulesets"]\n', encoding="utf-8")
    xx = repo / "rulesets" / "national" / "xx"
    (xx / "tests").mkdir(parents=True)
    (xx / "financing.cpol").write_text(XX_FINANCING, encoding="utf-8")
    (xx / "ownership.cpol").write_text(XX_OWNERSHIP, encoding="utf-8")
    (xx / "tests" / "xx.test.yaml").write_text(XX_TESTS, encoding="utf-8")
    (repo / "proposals").mkdir()
    (repo / "proposals" / "third.yaml").write_text(xanadu(TREASURY), encoding="utf-8")
    (repo / "proposals" / "most.yaml").write_text(
        xanadu("by_year: {2027: 1500000, 2028: 1500000, 2029: 1500000}"), encoding="utf-8")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "Xanadu's national ruleset and two proposals", cwd=repo)
    home = tmp_path_factory.mktemp("pre-commit-home-rulesets")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return repo, env


def change(ministry: tuple[Path, dict[str, str]], edits: dict[str, tuple[str, str]]) -> None:
    """Start from the commit, then replace text in files and stage them."""
    repo, _ = ministry
    git("reset", "-q", "--hard", "HEAD", cwd=repo)
    for name, (old, new) in edits.items():
        path = repo / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    git("add", "-A", cwd=repo)


FINANCING = "rulesets/national/xx/financing.cpol"
OWNERSHIP = "rulesets/national/xx/ownership.cpol"
RAISE = {FINANCING: ("= 20% because \"Finance decree 1/2026\"",
                     "= 35% because \"Finance decree 7/2027\"")}


def test_lint_hook_lints_one_edited_file_with_its_whole_ruleset(
        ministry: tuple[Path, dict[str, str]]) -> None:
    change(ministry, RAISE)
    done = pre_commit(ministry, "cappolicy-lint", "--files", FINANCING)
    assert done.returncode == 0, shown(done, ministry)
    assert "CP227" not in done.stdout, shown(done, ministry)
    change(ministry, {OWNERSHIP: ("severity must", "severity mandatory")})
    done = pre_commit(ministry, "cappolicy-lint", "--files", OWNERSHIP, FINANCING)
    assert done.returncode != 0, shown(done, ministry)
    assert "ownership.cpol:3:" in done.stdout, shown(done, ministry)
    assert done.stdout.count("ownership.cpol:3:") == 1, shown(done, ministry)  # linted once


def test_test_hook_runs_the_rule_tests_when_a_rule_file_changes(
        ministry: tuple[Path, dict[str, str]]) -> None:
    change(ministry, RAISE)  # the base proposal's third no longer meets 35%
    done = pre_commit(ministry, "cappolicy-test", "--files", FINANCING)
    assert done.returncode == 1, shown(done, ministry)
    assert "FIN-01" in done.stdout and "xx.test.yaml" in done.stdout, shown(done, ministry)
    change(ministry, {FINANCING: RAISE[FINANCING][0:1] + ("= 25% because \"Decree 7\"",)})
    done = pre_commit(ministry, "cappolicy-test", "--files", FINANCING)
    assert done.returncode == 0, shown(done, ministry)
    done = pre_commit(ministry, "cappolicy-test", "--files", "proposals/most.yaml")
    assert done.returncode == 0 and "Skipped" in done.stdout, shown(done, ministry)


def test_impact_hook_fails_when_a_proposal_gets_worse_unless_the_commit_updates_it(
        ministry: tuple[Path, dict[str, str]]) -> None:
    change(ministry, RAISE)
    done = pre_commit(ministry, "cappolicy-impact", "--files", FINANCING)
    assert done.returncode == 1, shown(done, ministry)
    assert "min_co_financing: 20% -> 35% (TIGHTENS)" in done.stdout, shown(done, ministry)
    assert "== proposals/third.yaml" in done.stdout, shown(done, ministry)
    assert "pass -> fail (must)  WORSE" in done.stdout, shown(done, ministry)
    assert "proposals/most.yaml" not in done.stdout, shown(done, ministry)  # unchanged
    change(ministry, {**RAISE, "proposals/third.yaml": (
        "title: Strengthening", "title: Revised, strengthening")})
    done = pre_commit(ministry, "cappolicy-impact", "--verbose", "--files", FINANCING,
                      "proposals/third.yaml")
    assert done.returncode == 0, shown(done, ministry)
    assert "this commit changes it too: not failed" in done.stdout, shown(done, ministry)
    change(ministry, {})
    done = pre_commit(ministry, "cappolicy-impact", "--files", FINANCING)
    assert done.returncode == 0, shown(done, ministry)  # nothing changed


def test_the_readme_configuration_runs_once_pinned_with_autoupdate(
        tmp_path_factory: pytest.TempPathFactory, hook_source: tuple[Path, str]) -> None:
    """The README's .pre-commit-config.yaml, as documented: `rev: main`, pinned with
    `pre-commit autoupdate --freeze` to the commit's full hash, then run on a proposal."""
    source, rev = hook_source
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## As a pre-commit hook"):]
    block = section[section.index("```yaml\n") + len("```yaml\n"):section.index("\n```\n")]
    assert "https://example.org/cappolicy.git" in block and "rev: main" in block
    repo = tmp_path_factory.mktemp("readme-repo")
    git("init", "-q", cwd=repo)
    (repo / ".pre-commit-config.yaml").write_text(
        block.replace("https://example.org/cappolicy.git", str(source)) + "\n", encoding="utf-8")
    (repo / "proposals").mkdir()
    shutil.copy(EXAMPLES / "xa-cirt-good.yaml", repo / "proposals" / "good.yaml")
    home = tmp_path_factory.mktemp("pre-commit-home-readme")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    done = run([*PRE_COMMIT, "autoupdate", "--freeze"], repo, env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    pinned = (repo / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert f"rev: {rev}" in pinned, pinned  # the full hash of the commit main is at
    git("add", "-A", cwd=repo)
    done = run([*PRE_COMMIT, "run", "--all-files", "--verbose"], repo, env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in ("cappolicy check", "cappolicy lint", "cappolicy test",
                 "cappolicy rulesets impact"):
        assert hook in done.stdout, done.stdout
    assert "good.yaml" in done.stdout, done.stdout
