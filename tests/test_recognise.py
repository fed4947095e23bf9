"""Telling proposals from other YAML and JSON files, and `check --only-proposals`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main
from cappolicy.proposal.recognise import looks_like_proposal, looks_like_proposal_text

ROOT = Path(__file__).resolve().parent.parent

PROPOSALS = {
    "block": "cappolicy: 1\nid: P\n",
    "after comments": "# a proposal\n\n---\ncappolicy: 1\n",
    "quoted key": '"cappolicy": 1\n',
    "not first": "id: P\ncappolicy: 1\n",
    "broken YAML": "cappolicy: 1\nid: [unclosed\n",
    "wrong version": "cappolicy: 2\n",
    "empty version": "cappolicy:\n",
    "JSON": '{\n  "cappolicy": 1,\n  "id": "P"\n}',
    "JSON, one line, later key": '{"id": "P", "cappolicy": 1}',
    "flow YAML": "# comment\n{cappolicy: 1, id: P}\n",
    "byte-order mark": "\ufeffcappolicy: 1\n",
    # misspelt: meant as a proposal, so the loader says what is wrong rather than a note
    # saying it was skipped, which few read (and the run passed)
    "capitals": "Cappolicy: 1\nid: P\n",
    "a separator": "cap-policy: 1\n",
    "a letter dropped": '{"capolicy": 1}',
    "a letter doubled": "cappolicyy: 1\n",
    # a proposal that lacks its version key: skipped, it went unchecked and the run passed
    "no version key": "id: P\nhost_country: XA\nperiod: {start: 2027-01-01}\n"
                      "organisations: []\n",
    "no version key, JSON": '{"host_country": "XA", "funding": {}, "activities": []}',
}
OTHERS = {
    "workflow": "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    "hook config": "repos:\n  - repo: local\n    hooks: []\n",
    "nested key": "settings:\n  cappolicy: 1\n",
    "key prefix": "cappolicy_version: 1\n",
    "a policy": "policy: allow\nname: x\n",
    "a gap policy": "gap_policy: skip\nmap_policy: none\n",  # one letter off: other files
    "in a comment": "# cappolicy: 1\nname: x\n",
    "in a value": "note: 'see cappolicy: 1'\n",
    "JSON Schema": '{"$schema": "x", "properties": {"cappolicy": {"const": 1}}, '
                   '"required": ["cappolicy"]}',
    "YAML schema": "properties:\n  cappolicy: {const: 1}\nrequired: [cappolicy]\n",
    "anchored elsewhere": "base: &b {cappolicy: 1}\nother: *b\n",
    "JSON data": '[{"x": 1}]',
    "JSON object": '{"name": "cappolicy"}',
    "empty": "",
    "a country and one field": "host_country: XA\nperiod: 2027\n",
    "a proposal's fields without its country": "organisations: []\nactivities: []\n",
}


@pytest.mark.parametrize("case", PROPOSALS)
def test_proposals_are_recognised(case: str) -> None:
    assert looks_like_proposal_text(PROPOSALS[case])


@pytest.mark.parametrize("case", OTHERS)
def test_other_files_are_not(case: str) -> None:
    assert not looks_like_proposal_text(OTHERS[case])


def test_shipped_files() -> None:
    for path in (ROOT / "examples" / "proposals").glob("*.yaml"):
        assert looks_like_proposal(path), path
    assert looks_like_proposal(ROOT / "tests" / "data" / "xa-cirt.json")
    assert not looks_like_proposal(ROOT / ".pre-commit-hooks.yaml")


def test_an_unreadable_file_is_handed_on(tmp_path: Path) -> None:
    assert looks_like_proposal(tmp_path / "missing.yaml")


def test_check_only_proposals_skips_the_other_files(tmp_path: Path) -> None:
    good = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"
    (tmp_path / "p.yaml").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "workflow.yml").write_text(OTHERS["workflow"], encoding="utf-8")
    (tmp_path / "data.json").write_text(OTHERS["JSON data"], encoding="utf-8")
    files = [str(tmp_path / name) for name in ("p.yaml", "workflow.yml", "data.json")]
    runner = CliRunner()
    args = ["check", "--as-of", "2027-01-15", "--no-color"]
    assert runner.invoke(main, [*args, *files]).exit_code == 2  # without the option
    result = runner.invoke(main, [*args, "--only-proposals", *files])
    assert result.exit_code == 0, result.output
    assert "p.yaml" in result.output
    assert "workflow.yml" not in result.output and "data.json" not in result.output
    folder = runner.invoke(main, [*args, "--only-proposals", str(tmp_path)])
    assert folder.exit_code == 0, folder.output


def test_check_only_proposals_still_reports_broken_proposals(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(PROPOSALS["broken YAML"], encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--only-proposals", str(broken)])
    assert result.exit_code == 2
    assert "CP402" in result.output


def test_the_json_schema_of_proposals_is_no_proposal(tmp_path: Path) -> None:
    """`cappolicy schema -o proposal.schema.json` as the README suggests, then the check hook
    on it: nothing is checked, exit 0."""
    runner = CliRunner()
    schema = tmp_path / "proposal.schema.json"
    made = runner.invoke(main, ["schema", "-o", str(schema)])
    assert made.exit_code == 0, made.output
    assert looks_like_proposal_text(schema.read_text(encoding="utf-8"), is_json=True) is False
    result = runner.invoke(main, ["check", "--only-proposals", "--no-color", str(schema)])
    assert result.exit_code == 0, result.output
    assert "CP405" not in result.output and "error" not in result.output.lower()


def test_a_folder_scan_skips_files_that_are_not_proposals_and_says_so(tmp_path: Path) -> None:
    good = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"
    (tmp_path / "p.yaml").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["schema", "-o", str(tmp_path / "proposal.schema.json")]
                         ).exit_code == 0
    (tmp_path / "notes.yml").write_text(OTHERS["workflow"], encoding="utf-8")
    result = runner.invoke(main, ["check", "--as-of", "2027-01-15", "--no-color",
                                  str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "p.yaml" in result.output
    assert "proposal.schema.json" in result.output and "notes.yml" in result.output  # the note
    assert "CP405" not in result.output


def test_a_broken_file_is_handed_on_to_the_loader(tmp_path: Path) -> None:
    broken = tmp_path / "x.yaml"
    broken.write_text("note: see cappolicy: 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--only-proposals", "--no-color", str(broken)])
    assert result.exit_code == 2, result.output
    assert "x.yaml:1:" in result.output


@pytest.mark.parametrize(("text", "expected"), [
    ("kind: Service\n---\nkind: Deployment\n", False),  # a stream of manifests
    ("kind: Service\n---\ncappolicy: 1\n", True),  # handed on: the loader says why not
    ("a: &x [1]\nb: *x\ncappolicy: 1\n", True),
    ("? [a, b]\n: 1\ncappolicy: 1\n", True),
    ("x: {cappolicy: 1}\n", False),
    ("[cappolicy]\n", False),
])
def test_the_top_level_keys_of_the_parsed_documents_decide(text: str, expected: bool) -> None:
    assert looks_like_proposal_text(text) is expected


def test_a_folder_with_a_proposal_lacking_its_version_key_does_not_pass(
        tmp_path: Path) -> None:
    good = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"
    text = "".join(line for line in good.read_text(encoding="utf-8").splitlines(True)
                   if not line.startswith("cappolicy:"))
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--as-of", "2027-01-15"])
    assert result.exit_code == 2, result.output
    assert "error[CP405]: missing required field 'cappolicy' in proposal" in result.output



def test_a_folder_holding_no_proposal_is_an_error_and_the_others_are_checked(
        tmp_path: Path) -> None:
    """A folder named whose files are all other files (a wrong path: `.github`, a data
    folder) passed as a check of 0 proposals; it is CP421, exit 2, as a folder with no
    YAML at all is, and the other paths named are still checked."""
    wrong = tmp_path / "workflows"
    wrong.mkdir()
    (wrong / "ci.yml").write_text(OTHERS["workflow"], encoding="utf-8")
    (wrong / "data.json").write_text(OTHERS["JSON data"], encoding="utf-8")
    good = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"
    (tmp_path / "p.yaml").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    alone = runner.invoke(main, ["check", str(wrong), "--as-of", "2027-01-15"])
    assert alone.exit_code == 2, alone.output
    assert "error[CP421]: " in alone.output and "holds no proposals" in alone.output
    both = runner.invoke(main, ["check", str(wrong), str(tmp_path / "p.yaml"),
                                "--as-of", "2027-01-15"])
    assert both.exit_code == 2, both.output
    assert "holds no proposals" in both.output and "1 passed" in both.output
    portfolio = runner.invoke(main, ["portfolio", str(wrong), "--as-of", "2027-01-15"])
    assert portfolio.exit_code == 2, portfolio.output
    assert "holds no proposals" in portfolio.output
