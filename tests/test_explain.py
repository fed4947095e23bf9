"""`cappolicy explain RULE` as a reviewer or a ministry runs it: the source paragraph quoted
from the cited source documents, the severity and every param with the layer that set it, the
condition, examples from the rule tests, and clear errors for rules that do not exist."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cappolicy.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "rulesets"
DATA_SOURCES = Path(__file__).resolve().parent / "data" / "sources"
SEED = "000_66251300b48a3485.txt"


def cappolicy(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def explain_json(*args: str) -> dict[str, Any]:
    result = cappolicy("explain", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture()
def sources(tmp_path: Path) -> Path:
    """The cited source documents of the shipped rules, copied from tests/data/sources
    into a folder of the test's own."""
    folder = tmp_path / "cited-sources"
    shutil.copytree(DATA_SOURCES, folder, ignore=shutil.ignore_patterns("README.md"))
    return folder


def body_paragraphs(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[:lines.index("Related Articles")] if len(line) > 300]


# --- a baseline rule, in the baseline and in Arcadia --------------------------------------------


@pytest.fixture()
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.usefixtures("at_root")
def test_a_baseline_rule_as_the_baseline_has_it() -> None:
    result = cappolicy("explain", "FIN-01", "--no-color")
    assert result.exit_code == 0, result.output
    out = result.output
    financing = SHIPPED / "baseline" / "financing.cpol"
    rule_line = line_of(financing, "rule FIN-01")
    assert out.startswith("FIN-01  Host-country co-financing meets the minimum\n")
    assert "  ruleset   baseline " in out
    assert "  principle co-financing\n" in out
    assert "  source    000_66251300b48a3485.txt, paragraph 5\n" in out
    assert f"  severity  must (error), as defined in baseline at rulesets/baseline/financing.cpol:" \
           f"{rule_line}\n" in out
    assert "  param     min_co_financing = 15%   (percent, higher is stricter)" in out
    assert f"declared  15% by baseline at rulesets/baseline/financing.cpol:" \
           f"{line_of(financing, 'param min_co_financing')}" in out
    assert "  condition let total = sum(sum(src.by_year) for src in funding.sources)" in out
    assert ("            require funding.sources present and national > 0 "
            "and national_share >= min_co_financing and total >= given\n") in out
    assert '  hint      "Raise the co-financing of {host_country} institutions' in out
    tests = SHIPPED / "baseline" / "tests" / "financing.test.yaml"
    fails = out[out.index("  fails     "):out.index("  passes    ")]
    passes = out[out.index("  passes    "):]
    assert (f"co-financing below the minimum   (rulesets/baseline/tests/financing.test.yaml:"
            f"{line_of(tests, 'name: co-financing below the minimum')})") in fails
    assert "set funding.sources[1].by_year: {2027: 100000, 2028: 100000, 2029: 100000}" in fails
    assert "the base proposal is financed sustainably" in passes
    assert "(the base proposal, unchanged: rulesets/baseline/tests/base.proposal.yaml)" in passes


@pytest.mark.usefixtures("at_root")
def test_a_baseline_rule_in_arcadia_shows_the_param_arcadia_sets_and_why() -> None:
    result = cappolicy("explain", "FIN-01", "--country", "XA", "--no-color")
    assert result.exit_code == 0, result.output
    out = result.output
    xa = SHIPPED / "national" / "xa.cpol"
    assert '  ruleset   national/xa "Arcadia national ruleset' in out
    assert "  param     min_co_financing = 25%   (percent, higher is stricter)" in out
    assert (f'set       25% by national/xa at rulesets/national/xa.cpol:'
            f'{line_of(xa, "set min_co_financing")} because "Public Finance Act 2024, s.41: '
            'donor-funded programmes carry at least a quarter national counterpart funding"') in out
    assert "tightens 15% of baseline" in out
    doc = explain_json("FIN-01", "--country", "XA")
    params = {p["name"]: p for p in doc["params"]}
    assert set(params) == {"min_co_financing", "foreign_kinds"}
    param = params["min_co_financing"]
    assert (param["value"], param["declared"]["value"]) == ("25%", "15%")
    (change,) = param["sets"]
    assert change["origin"]["layer"] == "national/xa"
    assert change["origin"]["because"].startswith("Public Finance Act 2024, s.41")
    examples = {e["case"]: e for e in doc["examples"]}
    # a baseline case at exactly 15% passes in the baseline and fails in Arcadia
    at_15 = examples["co-financing exactly at the minimum of 15%"]
    assert (at_15["tested"], at_15["expected"], at_15["outcome"]) == ("baseline", "pass", "fail")
    at_25 = examples["co-financing exactly at Arcadia's minimum of 25%"]
    assert (at_25["tested"], at_25["outcome"]) == ("national/xa", "pass")
    # Arcadia's own cases come first
    assert doc["examples"][0]["tested"] == "national/xa"


@pytest.mark.usefixtures("at_root")
def test_a_severity_an_override_changed_names_the_layer_and_what_it_replaced() -> None:
    raised = cappolicy("explain", "OWN-02", "--country", "XA", "--no-color").output
    line = line_of(SHIPPED / "national" / "xa.cpol", "override OWN-02")
    assert (f"  severity  must (error), raised by national/xa at rulesets/national/xa.cpol:{line} "
            'because "Development Cooperation Policy 2025, s.3.2') in raised
    assert "replaces should of baseline (rulesets/baseline/ownership.cpol:" in raised
    lowered = cappolicy("explain", "CERT-02", "--country", "XC", "--no-color").output
    assert re.search(r"severity  advisory \(info\), lowered by national/xc at "
                     r"rulesets/national/xc.cpol:\d+ because \"Critical Infrastructure Act 2026.*"
                     r"RELAXED", lowered)


@pytest.mark.usefixtures("at_root")
def test_a_rule_of_a_national_ruleset_shows_its_condition_and_own_param() -> None:
    doc = explain_json("XA-01", "--country", "XA")
    assert [c["clause"] for c in doc["condition"]] == ["for", "where", "require"]
    assert doc["condition"][1]["text"] == "act.kind in incident_response_activities"
    (param,) = doc["params"]
    assert (param["name"], param["value"], param["declared"]["origin"]["layer"]) == \
        ("incident_response_activities", "{exercise, equipment}", "national/xa")
    outcomes = {e["outcome"] for e in doc["examples"]}
    assert {"fail", "pass"} <= outcomes


@pytest.mark.usefixtures("at_root")
def test_a_disabled_rule_says_which_layer_disables_it_and_why() -> None:
    result = cappolicy("explain", "PROC-01", "--country", "XB", "--no-color")
    assert result.exit_code == 0, result.output
    line = line_of(SHIPPED / "national" / "xb.cpol", "disable PROC-01")
    assert (f"  disabled  in national/xb: by national/xb at rulesets/national/xb.cpol:{line} "
            'because "Public Procurement Act 2021, art. 15') in result.output
    assert "  ruleset   regional/aec" in result.output  # shown as the layer above has it
    doc = explain_json("PROC-01", "--country", "XB")
    assert doc["disabled"]["in"] == "national/xb"
    assert doc["disabled"]["origin"]["because"].startswith("Public Procurement Act 2021")


# --- unknown rules -------------------------------------------------------------------------------


def test_an_unknown_rule_is_an_error_with_a_suggestion() -> None:
    result = cappolicy("explain", "FIN-10")
    assert result.exit_code == 2
    assert "error[CP435]: no rule FIN-10" in result.output
    assert "did you mean 'FIN-01'?" in result.output


def test_a_rule_of_another_ruleset_is_an_error_only_when_a_ruleset_is_named() -> None:
    result = cappolicy("explain", "XA-01", "--country", "XB")
    assert result.exit_code == 2
    assert "ruleset national/xb has no rule XA-01" in result.output
    assert "cappolicy explain XA-01 --ruleset national/xa" in result.output
    doc = explain_json("xa-01")  # no ruleset named: shown where it is defined
    assert (doc["id"], doc["ruleset"]) == ("XA-01", "national/xa")
    assert "not a rule of baseline" in doc["note"]


def test_a_waiver_check_is_not_taken_for_a_rule() -> None:
    result = cappolicy("explain", "WAIVER-01")
    assert result.exit_code == 2 and "built-in check of waivers" in result.output


# --- quoting the cited source documents ---------------------------------------------------------


def test_the_source_paragraph_is_quoted_from_the_folder_given(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = sources / SEED
    monkeypatch.chdir(tmp_path)
    doc = explain_json("FIN-01", "--sources", str(sources))
    source = doc["source"]
    assert (source["file"], source["paragraph"]) == (SEED, 5)
    assert source["text"] == body_paragraphs(seed)[4]
    assert source["text"].startswith("Investment strategies")
    assert Path(source["seeds"]).resolve() == sources.resolve()
    text = cappolicy("explain", "FIN-01", "--no-color", "--sources", str(sources)).output
    assert "            | Investment strategies for cross-border cyber capacity must emphasize" \
        in text


def test_the_former_option_name_still_works(sources: Path) -> None:
    doc = explain_json("FIN-01", "--seeds", str(sources))
    assert doc["source"]["text"].startswith("Investment strategies")


def test_the_folder_given_wins_over_the_settings(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "my-sources"
    mine.mkdir()
    (mine / SEED).write_text(_document(["First paragraph", "Second", "Third", "Fourth",
                                        "Fifth, from my copy"]), encoding="utf-8")
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    shutil.copytree(sources, project / "docs" / "sources")  # a settings file names its own
    (project / "cappolicy.toml").write_text('sources = "docs/sources"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    assert explain_json("FIN-01")["source"]["text"].startswith("Investment strategies")
    doc = explain_json("FIN-01", "--sources", str(mine))
    assert doc["source"]["text"].startswith("Fifth, from my copy")
    assert Path(doc["source"]["seeds"]) == mine


def test_the_source_documents_are_never_looked_for_around_the_project(
        sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A seeds/ or shared/seeds/ folder beside or above the checkout is not used: only the
    folder given (or set in cappolicy.toml) is."""
    (tmp_path / "seeds").mkdir()
    (tmp_path / "shared" / "seeds").mkdir(parents=True)
    for folder in (tmp_path / "seeds", tmp_path / "shared" / "seeds"):
        (folder / SEED).write_bytes((sources / SEED).read_bytes())
    work = tmp_path / "work"
    (work / ".git").mkdir(parents=True)
    monkeypatch.chdir(work)
    doc = explain_json("FIN-01")
    assert doc["source"]["text"] is None and doc["source"]["seeds"] is None
    assert "--sources DIR" in doc["source"]["problem"]


def test_a_source_document_that_is_a_link_is_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / SEED).symlink_to("/etc/passwd")
    monkeypatch.chdir(tmp_path)
    doc = explain_json("FIN-01", "--sources", str(folder))
    assert doc["source"]["text"] is None
    assert "symbolic link" in doc["source"]["problem"]
    assert "root:" not in json.dumps(doc)


def _document(starts: list[str]) -> str:
    """A seed document: a title, short lines, and one body paragraph (over 300 characters)
    per start; a line of exactly 300 characters is not a paragraph, nor a long teaser
    under "Related Articles"."""
    lines = ["A title", "Published July 27, 2025", "x" * 300]
    for start in starts:
        lines += [(start + " " + "lorem ipsum " * 30)[:301], "Share"]
    lines += ["Related Articles", "A teaser " + "y" * 400]
    return "\n".join(lines) + "\n"


RULE = """ruleset baseline "Own baseline"
version "1"
rule OWN-99 "Cites the second paragraph" {
  principle local-ownership
  source "000_66251300b48a3485.txt, paragraph 2"
  require sunset.date present
}
rule OWN-98 "Cites a paragraph the document does not have" {
  principle local-ownership
  source "000_66251300b48a3485.txt, paragraph 9"
  require sunset.date present
}
"""


@pytest.fixture()
def own_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "project" / "rules" / "baseline"
    rules.mkdir(parents=True)
    (rules / "own.cpol").write_text(RULE, encoding="utf-8")
    return tmp_path / "project" / "rules"


def test_a_paragraph_is_quoted_from_the_sources_setting(
        own_rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = own_rules.parent
    docs = project / "docs" / "sources"
    docs.mkdir(parents=True)
    (docs / SEED).write_text(_document(["One", "Two, from the project", "Three"]),
                             encoding="utf-8")
    (project / ".git").mkdir()
    (project / "cappolicy.toml").write_text('sources = "docs/sources"\n', encoding="utf-8")
    monkeypatch.chdir(project / "rules")
    doc = explain_json("OWN-99", "--rulesets", str(own_rules), "--ruleset", "baseline")
    assert doc["source"]["text"].startswith("Two, from the project")
    assert Path(doc["source"]["seeds"]) == docs.resolve()
    missing = explain_json("OWN-98", "--rulesets", str(own_rules), "--ruleset", "baseline")
    assert missing["source"]["text"] is None
    assert missing["source"]["problem"] == f"{SEED} has 3 body paragraphs, not a paragraph 9"


def test_missing_sources_are_said_and_the_citation_still_shown(
        own_rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(own_rules.parent)
    result = cappolicy("explain", "OWN-99", "--rulesets", str(own_rules), "--ruleset",
                       "baseline", "--no-color")
    assert result.exit_code == 0, result.output
    assert "  source    000_66251300b48a3485.txt, paragraph 2\n" in result.output
    assert "(not quoted: the cited source documents were not given" in result.output
    assert "pass --sources DIR" in result.output
    empty = own_rules.parent / "empty"
    empty.mkdir()
    doc = explain_json("OWN-99", "--rulesets", str(own_rules), "--ruleset", "baseline",
                       "--sources", str(empty))
    assert doc["source"]["text"] is None
    assert doc["source"]["problem"] == f"{SEED} is not in {empty}"


def test_a_sources_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    result = cappolicy("explain", "FIN-01", "--sources", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_the_json_explanation_is_versioned() -> None:
    doc = explain_json("SUN-01", "--country", "XC")
    assert (doc["schema"], doc["version"]) == ("cappolicy.rule", 1)
    assert (doc["severity"], doc["level"], doc["principle"]) == ("must", "error", "sunset-and-exit")
    assert doc["params"][0]["name"] == "max_sunset_delay"
    assert doc["params"][0]["value"] == "3 months"
    assert all({"case", "file", "line", "edits", "expected", "outcome"} <= set(e)
               for e in doc["examples"])
