"""`cappolicy rulesets diff OLD NEW [PROPOSALS]`: a ministry raises a threshold of its national
ruleset in a real git repository and sees, before committing, exactly which proposals change
outcome, with old and new outcome and the new evidence; every bad input is a located message
and exit code 2."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cappolicy.cli.main import main

GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
AS_OF = "2027-01-15"
TREASURY = "by_year: {2027: 300000, 2028: 450000, 2029: 600000}"
NATIONAL = """ruleset xx "Xanadu"
version "1"
extends baseline
jurisdiction XX
set min_co_financing = 20% because "Finance decree 1/2026"
"""
GIT_ENV = {
    "GIT_AUTHOR_NAME": "cappolicy tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "cappolicy tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main",
                           *args], cwd=repo, env={**os.environ, **GIT_ENV}, text=True,
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def proposal(host: str, treasury: str) -> str:
    text = GOOD.read_text(encoding="utf-8").replace(TREASURY, treasury)
    return text.replace("XA", host) if host != "XA" else text


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ministry's repository: its national ruleset and four proposals, committed."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "ministry"
    (root / "rulesets" / "national").mkdir(parents=True)
    (root / "proposals").mkdir()
    git(root, "init", "-q")
    (root / "cappolicy.toml").write_text('rulesets = ["rulesets"]\n', encoding="utf-8")
    (root / "rulesets" / "national" / "xx.cpol").write_text(NATIONAL, encoding="utf-8")
    shares = {  # host co-financing: 33%, 62% and 10% of the funding
        "third.yaml": TREASURY,
        "most.yaml": "by_year: {2027: 1500000, 2028: 1500000, 2029: 1500000}",
        "tenth.yaml": "by_year: {2027: 100000, 2028: 100000, 2029: 100000}",
    }
    for name, treasury in shares.items():
        (root / "proposals" / name).write_text(proposal("XX", treasury), encoding="utf-8")
    (root / "proposals" / "arcadia.yaml").write_text(proposal("XA", TREASURY), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "national ruleset and proposals")
    monkeypatch.chdir(root)
    return root


def edit(repo: Path, old: str, new: str) -> None:
    path = repo / "rulesets" / "national" / "xx.cpol"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def diff(*args: str) -> Result:
    result = CliRunner().invoke(main, ["rulesets", "diff", *args, "--as-of", AS_OF])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_raising_a_threshold_lists_exactly_the_proposals_whose_outcome_changes(
        repo: Path) -> None:
    edit(repo, '20% because "Finance decree 1/2026"', '35% because "Finance decree 7/2027"')
    result = diff("national/xx@HEAD", "national/xx", "proposals/")
    assert result.exit_code == 1, result.output  # a proposal gets worse
    out = result.output
    assert "min_co_financing: 20% -> 35% (TIGHTENS)" in out
    assert "because Finance decree 7/2027" in out
    changed = re.findall(r"^== (\S+) ", out, re.MULTILINE)
    assert changed == ["proposals/third.yaml"], out
    assert "FIN-01 Host-country co-financing meets the minimum: pass -> fail (must)  WORSE" in out
    assert "33.3333% (line 35) >= 35%   -> false" in out  # the new evidence
    assert "proposals/arcadia.yaml is for another country" in out
    assert "3 proposals compared, 1 with changed outcomes, 1 worse" in out

    data = json.loads(diff("national/xx@HEAD", "national/xx", "proposals/", "--format",
                           "json").output)
    assert data["schema"] == "cappolicy.rulesets-diff" and data["exit_code"] == 1
    assert data["params"] == [{"name": "min_co_financing", "old": "20%", "new": "35%",
                               "effect": "tightens", "because": "Finance decree 7/2027",
                               "layer": "national/xx",
                               "at": {"file": "rulesets/national/xx.cpol", "line": 5,
                                      "column": 1}}]
    moved = {p["file"]: p["changes"] for p in data["proposals"] if p["changes"]}
    assert list(moved) == ["proposals/third.yaml"]
    (change,) = moved["proposals/third.yaml"]
    assert change["old"] == {"outcome": "pass", "severity": "must"}
    assert change["new"] == {"outcome": "fail", "severity": "must"}
    def rights(nodes: list[dict[str, object]]) -> list[object]:
        return [v for n in nodes for v in [n.get("right"), *rights(n.get("children") or [])]]
    assert "35%" in rights(change["finding"]["evidence"])  # the new threshold, in the evidence

    markdown = diff("national/xx@HEAD", "national/xx", "proposals/", "--format",
                    "markdown").output
    assert "| `min_co_financing` | `20%` | `35%` | tightens |" in markdown
    assert "| `proposals/third.yaml` | `FIN-01` | pass | fail (must, error) | **worse** |" \
        in markdown


def test_lowering_a_threshold_makes_nothing_worse_and_exits_0(repo: Path) -> None:
    edit(repo, '20% because "Finance decree 1/2026"', '10% because "Transition year"')
    result = diff("national/xx@HEAD", "national/xx", "proposals")
    assert result.exit_code == 0, result.output
    assert "min_co_financing: 20% -> 10% (RELAXES)" in result.output
    assert "FIN-01 Host-country co-financing meets the minimum: fail (must) -> pass" in \
        result.output
    assert re.findall(r"^== (\S+) ", result.output, re.MULTILINE) == ["proposals/tenth.yaml"]
    assert diff("national/xx@HEAD", "national/xx", "proposals", "--fail-on-impact",
                "any").exit_code == 1


def test_rule_changes_are_listed_with_their_because(repo: Path) -> None:
    edit(repo, 'because "Finance decree 1/2026"\n',
         'because "Finance decree 1/2026"\noverride KT-01 severity must because "Act 3"\n'
         'disable SUN-02 because "Sunset clauses are set by the treasury"\n')
    result = diff("rulesets/national/xx.cpol@HEAD", "rulesets/national/xx.cpol")
    assert result.exit_code == 0, result.output
    assert "severity should -> must (tightens)" in result.output
    assert "because Act 3" in result.output
    assert re.search(r"SUN-02 \"[^\"]+\": DISABLED \(was \w+\)", result.output), result.output
    assert "because Sunset clauses are set by the treasury" in result.output


def located(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def test_bad_inputs_are_located_and_exit_2(repo: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    located(diff("national/zz@HEAD", "national/xx"), "CP420", "no ruleset 'national/zz' in "
            "revision HEAD")
    located(diff("national/xx", "national/zz"), "CP420", "'national/zz'")
    located(diff("national/xx@no-such-branch", "national/xx"), "CP451",
            "unknown git revision 'no-such-branch'")
    located(diff("national/xx@--output=/tmp/x", "national/xx"), "CP451", "is not a git revision")
    located(diff("national/xx@HEAD:secret", "national/xx"), "CP451")
    located(diff("rulesets/national/yy.cpol@HEAD", "national/xx"), "CP451",
            "rulesets/national/yy.cpol is not in revision HEAD")
    located(diff("national/xx", "national/xx", "proposals/nothing.yaml"), "CP421")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    located(diff("national/xa@HEAD", "national/xa"), "CP450", "is not in a git repository")


def test_a_ruleset_that_does_not_parse_on_either_side_is_located(repo: Path) -> None:
    path = repo / "rulesets" / "national" / "xx.cpol"
    path.write_text(NATIONAL + "rule BROKEN (((\n", encoding="utf-8")
    located(diff("national/xx@HEAD", "national/xx"), "rulesets/national/xx.cpol:6:13",
            "CP101")
    git(repo, "commit", "-q", "-am", "a broken rule")
    path.write_text(NATIONAL, encoding="utf-8")
    located(diff("national/xx@HEAD", "national/xx"), "HEAD:rulesets/national/xx.cpol:6:13",
            "CP101")
    assert diff("national/xx@HEAD~1", "national/xx").exit_code == 0


def test_a_proposal_that_does_not_load_is_reported_and_the_others_compared(
        repo: Path) -> None:
    edit(repo, "20%", "35%")
    (repo / "proposals" / "broken.yaml").write_text("cappolicy: 1\nid: [\n", encoding="utf-8")
    result = diff("national/xx@HEAD", "national/xx", "proposals")
    located(result, "broken.yaml", "proposals/third.yaml")
    data = json.loads(diff("national/xx@HEAD", "national/xx", "proposals", "--format",
                           "json").stdout)
    (broken,) = [p for p in data["proposals"] if p["file"].endswith("broken.yaml")]
    (said,) = broken["diagnostics"]  # as the JSON report gives a file's errors: located
    assert said["code"] == "CP402" and said["line"] >= 2 and said["column"] >= 1
    assert said["file"].endswith("broken.yaml") and broken["errors"] == [said["message"]]


def test_nothing_is_read_from_the_working_tree_for_the_revision(repo: Path) -> None:
    """The old side is the committed file, even when the working tree's copy is gone."""
    (repo / "rulesets" / "national" / "xx.cpol").unlink()
    shutil.rmtree(repo / "rulesets" / "national")
    result = diff("rulesets/national/xx.cpol@HEAD", "baseline")
    assert result.exit_code == 0, result.output
    assert "min_co_financing: 20% -> 15% (RELAXES)" in result.output


def test_show_changes_lists_only_what_the_layer_changes(repo: Path) -> None:
    result = CliRunner().invoke(main, ["rulesets", "show", "national/xx", "--changes"])
    assert result.exit_code == 0, result.output
    assert "ruleset national/xx: what its layer changes against its parent baseline" in \
        result.output
    assert "min_co_financing: 15% -> 20% (TIGHTENS)" in result.output
    assert "because Finance decree 1/2026" in result.output
    assert "rules: no change" in result.output
    assert "1 param and 0 rules changed" in result.output
    assert len(result.output.splitlines()) < 12  # not the 200 lines of the whole ruleset
    data = json.loads(CliRunner().invoke(main, ["rulesets", "show", "national/xx",
                                                "--changes", "--format", "json"]).output)
    assert [p["name"] for p in data["params"]] == ["min_co_financing"] and data["rules"] == []
    root = CliRunner().invoke(main, ["rulesets", "show", "baseline", "--changes"])
    assert root.exit_code == 0 and "extends no ruleset" in root.output
    assert "FIN-01" in root.output and "added" in root.output


def test_reading_a_revision_runs_nothing_of_the_repository(repo: Path, tmp_path: Path) -> None:
    """A repository whose configuration would run commands (a smudge filter on .cpol files,
    an fsmonitor hook, git hooks) and that commits a symbolic link out of it: reading its
    HEAD runs none of them and follows no link."""
    marker = tmp_path / "ran"
    evil = f"sh -c 'echo ran >> {marker}; cat'"
    git(repo, "config", "filter.evil.smudge", evil)
    git(repo, "config", "filter.evil.clean", evil)
    git(repo, "config", "filter.evil.required", "true")
    git(repo, "config", "core.fsmonitor", f"sh -c 'echo ran >> {marker}'")
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    for name in ("post-checkout", "pre-commit", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\necho ran >> {marker}\n", encoding="utf-8")
        (hooks / name).chmod(0o755)
    secret = tmp_path / "secret.cpol"
    secret.write_text('ruleset yy "outside"\nversion "1"\n', encoding="utf-8")
    (repo / "rulesets" / "national" / "yy.cpol").symlink_to(secret)
    subprocess.run(["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
                    "add", "-A"], cwd=repo, env={**os.environ, **GIT_ENV}, check=True)
    subprocess.run(["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
                    "-c", "commit.gpgsign=false", "commit", "-q", "-m", "a link"], cwd=repo,
                   env={**os.environ, **GIT_ENV}, check=True)
    (repo / ".gitattributes").write_text("*.cpol filter=evil\n", encoding="utf-8")
    marker.unlink(missing_ok=True)
    edit(repo, "20%", "35%")
    assert diff("national/xx@HEAD", "national/xx", "proposals").exit_code == 1
    located(diff("rulesets/national/yy.cpol@HEAD", "national/xx"), "CP451",
            "is not in revision HEAD")  # the link is not followed out of the repository
    result = CliRunner().invoke(main, ["rulesets", "impact", "--as-of", AS_OF,
                                       "rulesets/national/xx.cpol"])
    assert result.exit_code == 1, result.output
    assert not marker.exists(), marker.read_text(encoding="utf-8")


def test_an_element_a_rule_no_longer_selects_is_not_called_a_rule_that_does_not_exist(
        repo: Path) -> None:
    # LANG-01 is in force on both sides; narrowing learning_activities only changes which
    # activities it looks at. The diff said "(no such rule)" on the side without them.
    edit(repo, 'set min_co_financing = 20% because "Finance decree 1/2026"',
         'set min_co_financing = 20% because "Finance decree 1/2026"\n'
         'set learning_activities = {awareness} because "Decree 4/2027 on training"')
    result = diff("national/xx@HEAD", "national/xx", "proposals/third.yaml")
    out = result.output
    assert "(no such rule)" not in out, out
    assert re.search(r"LANG-01 \[A1\] .*: pass -> \(not selected\)", out), out
    assert re.search(r"LANG-01 .*: \(not selected\) -> not-applicable", out), out
    data = json.loads(diff("national/xx@HEAD", "national/xx", "proposals/third.yaml",
                           "--format", "json").output)
    changes = [c for p in data["proposals"] for c in p["changes"] if c["rule"] == "LANG-01"]
    assert {c["new"]["outcome"] for c in changes if c["element"]} == {"no-finding"}
    markdown = diff("national/xx@HEAD", "national/xx", "proposals/third.yaml", "--format",
                    "markdown").output
    assert "| pass | (not selected) |" in markdown, markdown
