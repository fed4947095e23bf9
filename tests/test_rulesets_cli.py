"""`cappolicy rulesets` and `cappolicy rulesets show` as a user runs them: the tree of
inheritance, the effective ruleset with where everything comes from, relaxations marked in
text and flagged in JSON, and bad references or broken rulesets as located errors (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cappolicy.base.resources import shipped_rulesets
from cappolicy.cli.main import main

BASELINE = """ruleset baseline "Test baseline"
version "1.0"
param min_co_financing: percent = 15% higher is stricter "Least host share of the funding"
param max_sunset_delay: duration = 6 months lower is stricter
param observers: set = {donor} smaller is stricter

rule FIN-01 "Host co-financing meets the minimum" {
  principle co-financing
  source "000_66251300b48a3485.txt, paragraph 5"
  severity must
  let host_share = sum(sum(s.by_year) for s in funding.sources where s.from.country == host_country) / sum(sum(s.by_year) for s in funding.sources)
  require host_share >= min_co_financing
  message "Host co-financing is {host_share}, below {min_co_financing}."
  hint "Raise the host's co-financing."
}

rule SUN-01 "The sunset date is close to the end" {
  principle sunset-and-exit
  source "000_66251300b48a3485.txt, paragraph 5"
  severity must
  require sunset.date <= period.end + max_sunset_delay
}

rule OWN-04 "Training is given in the host's languages" {
  principle language-access
  severity must
  require true
}

rule FIN-05 "Budgets follow the fiscal year" {
  principle multi-year-budget
  severity must
  require true
}
"""

REGIONAL = """ruleset aec "Test regional"
version "2026.1"
extends baseline
jurisdiction XA, XB

set min_co_financing = 20% because "AEC agreement, art. 4"
override FIN-01 hint "Ask the treasury for a co-financing letter." because "Regional procedure"
"""

NATIONAL = """ruleset xa "Arcadia"
version "2026.2"
extends regional/aec
jurisdiction XA

set min_co_financing = 25% because "Public Finance Act 2024, s.41"
set max_sunset_delay = 9 months because "Budget cycle of the Treasury"
override OWN-04 severity should because "Curricula are translated by the regional centre"
disable FIN-05 because "Arcadia's fiscal year is the calendar year"

rule XA-01 "Incident response involves the national CIRT" {
  principle cert-strengthening
  source "Cybersecurity Act 2021 s.4"
  severity should
  require true
}
"""

LAYERS = {"regional/aec.cpol": REGIONAL, "national/xa.cpol": NATIONAL}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture()
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A regional and a national layer in a `--rulesets` folder, over a baseline that stands
    in for the shipped rulesets (so that these tests do not change when those do); cwd is
    the temporary folder, so that files are cited as `rules/...` and `shipped/...`."""
    monkeypatch.chdir(tmp_path)
    shipped = write(tmp_path / "shipped", {"baseline/core.cpol": BASELINE})
    monkeypatch.setattr("cappolicy.base.resources.shipped_rulesets", lambda: shipped)
    return write(tmp_path / "rules", LAYERS)


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), result.exception
    return result


def show_json(*args: str) -> dict[str, Any]:
    result = run("rulesets", "show", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def block(text: str, head: str) -> str:
    """The lines of one entry of the text view: its first line and the indented ones after."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(head))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")),
               len(lines))
    return "\n".join(lines[start:end])


# --- the tree --------------------------------------------------------------------------------


def test_the_tree_puts_each_ruleset_under_the_one_it_extends(rules: Path) -> None:
    result = run("rulesets", "--rulesets", "rules", "--no-color")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines == [
        'baseline  1.0  "Test baseline"',
        "|   from shipped/baseline/core.cpol (shipped)",
        '`-- regional/aec  2026.1  "Test regional"  for XA, XB',
        "    |   from rules/regional/aec.cpol (from --rulesets rules)",
        '    `-- national/xa  2026.2  "Arcadia"  for XA',
        "            from rules/national/xa.cpol (from --rulesets rules)",
        "",
        "3 rulesets; a country without a national ruleset is checked against baseline",
    ]


def test_a_ruleset_of_a_later_folder_hides_the_shipped_one(rules: Path) -> None:
    write(rules, {"baseline/core.cpol": BASELINE.replace("Test baseline", "Our baseline")})
    result = run("rulesets", "--rulesets", "rules", "--no-color")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        'baseline  1.0  "Our baseline"',
        "|   from rules/baseline/core.cpol (from --rulesets rules)",
        "|   hides shipped/baseline/core.cpol (shipped)",
    ]


def test_the_tree_as_json(rules: Path) -> None:
    result = run("rulesets", "--rulesets", "rules", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["schema"], data["version"]) == ("cappolicy.rulesets", 1)
    assert data["fallback"] == "baseline"
    assert data["roots"] == [{"path": "shipped", "shipped": True},
                             {"path": "rules", "shipped": False}]
    entries = {e["id"]: e for e in data["rulesets"]}
    assert data["rulesets"][0]["id"] == "baseline"
    xa = entries["national/xa"]
    assert (xa["parent"], xa["depth"], xa["status"], xa["errors"]) == ("regional/aec", 2, "ok", [])
    assert (xa["title"], xa["version"], xa["jurisdiction"]) == ("Arcadia", "2026.2", ["XA"])
    assert xa["files"] == ["rules/national/xa.cpol"] and xa["shipped"] is False
    assert entries["regional/aec"]["children"] == ["national/xa"]
    assert entries["baseline"]["shipped"] is True and entries["baseline"]["shadows"] == []
    assert data["summary"] == {"rulesets": 3, "errors": 0}


def test_a_missing_parent_is_listed_with_its_located_error(rules: Path) -> None:
    write(rules, {"national/xq.cpol": 'ruleset xq "Q"\nextends regional/nope\njurisdiction XQ\n'})
    result = run("rulesets", "--rulesets", "rules", "--no-color")
    assert result.exit_code == 2
    entry = block(result.output, "national/xq")
    assert entry.startswith('national/xq  "Q"  for XQ  ERROR')
    assert "extends regional/nope, which is not found" in entry
    assert "rules/national/xq.cpol:2:1: error[CP225]: ruleset 'regional/nope' not found" in entry
    assert "1 with errors" in result.output.splitlines()[-1]
    # the others still load, and are listed as usual
    assert re.search(r"[`+]-- national/xa  2026\.2", result.output)


def test_a_broken_ruleset_and_its_children_are_listed_with_errors(rules: Path) -> None:
    write(rules, {"regional/aec.cpol": REGIONAL + "set no_such_param = 1 because \"x\"\n"})
    result = run("rulesets", "--rulesets", "rules", "--format", "json")
    assert result.exit_code == 2
    data = json.loads(result.output)
    entries = {e["id"]: e for e in data["rulesets"]}
    aec = entries["regional/aec"]
    assert aec["status"] == "error"
    assert [(d["code"], d["file"], d["line"]) for d in aec["errors"]] == \
        [("CP223", "rules/regional/aec.cpol", 8)]
    xa = entries["national/xa"]
    assert (xa["status"], xa["broken_parent"], xa["errors"]) == ("parent-error", "regional/aec", [])
    assert data["summary"]["errors"] == 2

    text = run("rulesets", "--rulesets", "rules").output
    assert "cannot be resolved: regional/aec, which it extends, has errors" in text
    assert "rules/regional/aec.cpol:8:1: error[CP223]: no param 'no_such_param' to set" in text


def test_a_ruleset_that_does_not_parse_is_listed_with_its_syntax_error(rules: Path) -> None:
    write(rules, {"national/xb.cpol": 'ruleset xb "B"\nextends baseline\nrule {\n'})
    result = run("rulesets", "--rulesets", "rules", "--no-color")
    assert result.exit_code == 2
    # what parsed is enough to place it under its parent
    assert re.search(r'\n[`+]-- national/xb  "B"  ERROR\n', result.output)
    assert "rules/national/xb.cpol:3:6: error[CP101]: unexpected '{'" in result.output
    assert "   3 | rule {" in result.output


# --- show: the effective ruleset -------------------------------------------------------------


def test_rulesets_that_extend_each_other_are_listed_with_the_loop(rules: Path) -> None:
    write(rules, {"national/xq.cpol": 'ruleset xq "Q"\nextends national/xr\n',
                  "national/xr.cpol": 'ruleset xr "R"\nextends national/xq\n'})
    result = run("rulesets", "--rulesets", "rules", "--format", "json")
    assert result.exit_code == 2
    entries = {e["id"]: e for e in json.loads(result.output)["rulesets"]}
    for rid in ("national/xq", "national/xr"):
        assert entries[rid]["status"] == "error"
        assert [d["code"] for d in entries[rid]["errors"]] == ["CP226"]
    assert entries["national/xa"]["status"] == "ok"


@pytest.mark.parametrize("ref", ["XA", "xa", "national/xa", "rules/national/xa.cpol"])
def test_show_finds_a_ruleset_by_country_id_or_path(rules: Path, ref: str) -> None:
    data = show_json(ref, "--rulesets", "rules")
    assert data["chain"][-1]["files"] == ["rules/national/xa.cpol"]
    assert [layer["id"] for layer in data["chain"][:2]] == ["baseline", "regional/aec"]
    kind = {"XA": "country", "xa": "country", "national/xa": "id"}.get(ref, "path")
    assert data["query"] == {"ref": ref, "kind": kind, "country": "XA" if kind == "country" else None}
    assert (data["fallback"], data["note"]) == (False, None)


def test_show_text_lists_chain_params_rules_and_disabled(rules: Path) -> None:
    result = run("rulesets", "show", "XA", "--rulesets", "rules", "--no-color")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith('national/xa "Arcadia"\n')
    assert "chain     baseline -> regional/aec -> national/xa" in out
    assert "regional/aec 2026.1: rules/regional/aec.cpol (from --rulesets rules)" in out
    assert "summary   3 params, 4 rules, 1 disabled; 3 relaxations of a parent ruleset" in out

    tightened = block(out, "  min_co_financing")
    assert tightened.splitlines()[0] == \
        "  min_co_financing = 25%   (percent, higher is stricter)"
    assert "about     Least host share of the funding" in tightened
    assert "declared  15% by baseline at shipped/baseline/core.cpol:3" in tightened
    assert 'set       20% by regional/aec at rules/regional/aec.cpol:6 because "AEC agreement, ' \
        'art. 4"' in tightened
    assert 'set       25% by national/xa at rules/national/xa.cpol:6 because "Public Finance ' \
        'Act 2024, s.41"' in tightened
    assert "tightens regional/aec 20%" in tightened
    assert "RELAX" not in tightened

    relaxed = block(out, "  max_sunset_delay")
    assert relaxed.splitlines()[0].endswith("(duration, lower is stricter)   RELAXED")
    assert 'set       9 months by national/xa at rules/national/xa.cpol:7 because "Budget ' \
        'cycle of the Treasury"' in relaxed
    assert "RELAXES baseline 6 months" in relaxed

    unchanged = block(out, "  observers")
    assert unchanged.splitlines()[0] == "  observers = {donor}   (set, smaller is stricter)"


def test_show_text_lists_every_rule_with_its_origin(rules: Path) -> None:
    out = run("rulesets", "show", "national/xa", "--rulesets", "rules", "--no-color").output
    rules_part = out.split("\nRules (4)\n")[1].split("\nDisabled")[0]
    heads = [line for line in rules_part.splitlines() if line.startswith("  ") and
             not line.startswith("    ")]
    assert [h.split()[0] for h in heads] == ["FIN-01", "SUN-01", "OWN-04", "XA-01"]
    for rule_id, layer, line in [("FIN-01", "baseline", 7), ("SUN-01", "baseline", 17),
                                 ("OWN-04", "baseline", 24), ("XA-01", "national/xa", 11)]:
        entry = block(out, f"  {rule_id} ")
        path = "shipped/baseline/core.cpol" if layer == "baseline" else "rules/national/xa.cpol"
        assert f"defined   in {layer} at {path}:{line}" in entry, entry
        assert "principle " in entry

    fin = block(out, "  FIN-01 ")
    assert fin.splitlines()[0] == "  FIN-01  must  Host co-financing meets the minimum"
    assert "principle co-financing: 000_66251300b48a3485.txt, paragraph 5" in fin
    assert 'hint      "Ask the treasury for a co-financing letter."' in fin
    assert 'overridden by regional/aec at rules/regional/aec.cpol:7 because "Regional ' \
        'procedure"' in fin
    assert "replaces \"Raise the host's co-financing.\" of baseline" in fin

    lowered = block(out, "  OWN-04 ")
    assert lowered.splitlines()[0].endswith("Training is given in the host's languages   RELAXED")
    assert "severity  should, was must in baseline: lowered by national/xa at " \
        'rules/national/xa.cpol:8 because "Curricula are translated by the regional centre"' \
        in lowered
    assert "principle language-access (no source given)" in lowered

    added = block(out, "  XA-01 ")
    assert added.splitlines()[0] == "  XA-01  should  Incident response involves the national CIRT"
    assert "principle cert-strengthening: Cybersecurity Act 2021 s.4" in added

    disabled = block(out, "  FIN-05 ")
    assert disabled.splitlines()[0] == "  FIN-05  must  Budgets follow the fiscal year   RELAXED"
    assert 'disabled  by national/xa at rules/national/xa.cpol:9 because "Arcadia\'s fiscal ' \
        'year is the calendar year"' in disabled
    assert "defined   in baseline at shipped/baseline/core.cpol:30" in disabled


def test_show_json_has_the_documented_fields_and_flags_relaxations(rules: Path) -> None:
    data = show_json("XA", "--rulesets", "rules")
    assert list(data) == ["schema", "version", "tool", "query", "fallback", "note", "ruleset",
                          "chain", "summary", "params", "definitions", "rules", "disabled"]
    assert data["definitions"] == []  # the rulesets of this test define none
    assert (data["schema"], data["version"], data["tool"]["name"]) == \
        ("cappolicy.ruleset", 1, "cappolicy")
    assert data["ruleset"] == {"id": "national/xa", "title": "Arcadia", "version": "2026.2",
                               "jurisdiction": ["XA"]}
    assert data["chain"][1] == {
        "id": "regional/aec", "title": "Test regional", "version": "2026.1",
        "jurisdiction": ["XA", "XB"], "extends": "baseline", "files": ["rules/regional/aec.cpol"],
        "root": "rules", "shipped": False, "given": False}
    assert data["summary"] == {"params": 3, "rules": 4, "disabled": 1, "relaxed_params": 1,
                               "relaxed_rules": 1, "disabled_must": 1, "relaxations": 3}

    params = {p["name"]: p for p in data["params"]}
    co = params["min_co_financing"]
    assert (co["type"], co["value"], co["stricter"], co["relaxed"]) == \
        ("percent", "25%", "higher", False)
    assert co["description"] == "Least host share of the funding"
    origin = co["origin"]
    assert (origin["layer"], origin["file"], origin["line"], origin["because"]) == \
        ("national/xa", "rules/national/xa.cpol", 6, "Public Finance Act 2024, s.41")
    assert (origin["relaxation"], origin["previous"], origin["previous_layer"]) == \
        (False, "20%", "regional/aec")
    assert origin["previous_at"]["file"] == "rules/regional/aec.cpol"
    assert [(h["value"], h["origin"]["layer"]) for h in co["history"]] == \
        [("15%", "baseline"), ("20%", "regional/aec")]
    delay = params["max_sunset_delay"]
    assert (delay["value"], delay["relaxed"], delay["origin"]["relaxation"]) == \
        ("9 months", True, True)
    assert (delay["origin"]["previous"], delay["origin"]["previous_layer"]) == \
        ("6 months", "baseline")
    assert params["observers"]["history"] == [] and params["observers"]["relaxed"] is False

    rules_ = {r["id"]: r for r in data["rules"]}
    assert list(rules_) == ["FIN-01", "SUN-01", "OWN-04", "XA-01"]
    for rule in data["rules"]:
        assert rule["origin"]["layer"] in ("baseline", "national/xa")
        assert rule["origin"]["file"].endswith("/core.cpol") or "xa.cpol" in rule["origin"]["file"]
        assert rule["origin"]["line"] > 0
    own = rules_["OWN-04"]
    assert (own["severity"], own["level"], own["declared_severity"], own["relaxed"]) == \
        ("should", "warning", "must", True)
    so = own["severity_origin"]
    assert (so["layer"], so["line"], so["relaxation"], so["previous"], so["previous_layer"]) == \
        ("national/xa", 8, True, "must", "baseline")
    assert so["because"] == "Curricula are translated by the regional centre"
    fin = rules_["FIN-01"]
    assert (fin["principle"], fin["source"], fin["relaxed"], fin["severity_origin"]) == \
        ("co-financing", "000_66251300b48a3485.txt, paragraph 5", False, None)
    assert fin["message"] == "Host co-financing is {host_share}, below {min_co_financing}."
    assert fin["message_override"] is None
    assert fin["hint"] == "Ask the treasury for a co-financing letter."
    hint = fin["hint_override"]
    assert (hint["layer"], hint["line"], hint["because"], hint["previous"], hint["relaxation"]) \
        == ("regional/aec", 7, "Regional procedure", "Raise the host's co-financing.", False)
    assert rules_["XA-01"]["origin"]["layer"] == "national/xa"

    [disabled] = data["disabled"]
    assert (disabled["rule"], disabled["severity"], disabled["level"], disabled["relaxed"]) == \
        ("FIN-05", "must", "error", True)
    d_origin = disabled["origin"]
    assert (d_origin["layer"], d_origin["line"], d_origin["previous_layer"]) == \
        ("national/xa", 9, "baseline")
    assert d_origin["because"] == "Arcadia's fiscal year is the calendar year"


def test_a_relaxation_counts_until_a_later_layer_takes_it_back(rules: Path) -> None:
    write(rules, {
        "regional/aec.cpol": REGIONAL.replace('set min_co_financing = 20%', 'set min_co_financing = 30%')
        + 'set max_sunset_delay = 12 months because "Regional budget cycle"\n'
        + 'set observers = {donor, implementer} because "Implementers observe"\n'
        + 'override SUN-01 severity advisory because "Phase-in"\n',
        "national/xa.cpol": 'ruleset xa "Arcadia"\nextends regional/aec\njurisdiction XA\n'
        'set min_co_financing = 25% because "Public Finance Act"\n'
        'set max_sunset_delay = 9 months because "Treasury"\n'
        'set observers = {donor} because "Back to the baseline"\n'
        'override SUN-01 severity should because "Halfway back"\n',
    })
    regional = {p["name"]: p for p in show_json("regional/aec", "--rulesets", "rules")["params"]}
    assert (regional["max_sunset_delay"]["value"], regional["max_sunset_delay"]["relaxed"]) == \
        ("1 year", True)
    data = show_json("XA", "--rulesets", "rules")
    params = {p["name"]: p for p in data["params"]}
    # 25% tightens the baseline's 15% but undoes part of the regional 30%
    assert params["min_co_financing"]["relaxed"] is True
    assert params["min_co_financing"]["origin"]["relaxation"] is True
    # 9 months tightens the regional 12 months, but is still looser than the baseline's 6
    assert params["max_sunset_delay"]["relaxed"] is True
    assert params["max_sunset_delay"]["origin"]["relaxation"] is False
    assert [h["origin"]["relaxation"] for h in params["max_sunset_delay"]["history"]] == \
        [False, True]
    # back to the baseline's value: no longer relaxed, though the regional step was
    assert params["observers"]["relaxed"] is False
    assert params["observers"]["history"][1]["origin"]["relaxation"] is True
    # should is above the regional advisory, but below the must SUN-01 was defined with
    sun = {r["id"]: r for r in data["rules"]}["SUN-01"]
    assert (sun["severity"], sun["declared_severity"], sun["relaxed"]) == ("should", "must", True)
    assert (sun["severity_origin"]["previous"], sun["severity_origin"]["relaxation"]) == \
        ("advisory", False)
    text = run("rulesets", "show", "XA", "--rulesets", "rules").output
    sun_text = block(text, "  SUN-01 ")
    assert sun_text.splitlines()[0].endswith("RELAXED")
    assert "severity  should, was advisory in regional/aec: raised by national/xa" in sun_text
    assert "defined as must in baseline" in sun_text
    observers = block(text, "  observers")
    assert "RELAXED" not in observers.splitlines()[0] and "RELAXES baseline {donor}" in observers


def test_show_json_is_deterministic(rules: Path) -> None:
    first = run("rulesets", "show", "XA", "--rulesets", "rules", "--format", "json").output
    assert run("rulesets", "show", "XA", "--rulesets", "rules", "--format", "json").output == first


def test_group_options_reach_show(rules: Path) -> None:
    result = run("rulesets", "--rulesets", "rules", "--format", "json", "show", "regional/aec")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ruleset"]["id"] == "regional/aec"


def test_a_country_without_a_national_ruleset_falls_back_to_the_baseline(rules: Path) -> None:
    data = show_json("XQ", "--rulesets", "rules")
    assert data["ruleset"]["id"] == "baseline" and data["fallback"] is True
    assert data["note"] == "no national ruleset for XQ; checked against the baseline"
    assert [layer["id"] for layer in data["chain"]] == ["baseline"]
    text = run("rulesets", "show", "xq", "--rulesets", "rules").output
    assert "note      no national ruleset for XQ; checked against the baseline" in text


def test_colour_only_when_asked(rules: Path) -> None:
    plain = run("rulesets", "show", "XA", "--rulesets", "rules").output  # not a terminal
    assert "\x1b[" not in plain
    coloured = CliRunner().invoke(main, ["rulesets", "show", "XA", "--rulesets", "rules",
                                         "--color"], color=True).output
    assert "\x1b[" in coloured and "RELAXED" in coloured


# --- bad references and broken rulesets ------------------------------------------------------


def test_an_unknown_id_is_a_clear_error(rules: Path) -> None:
    result = run("rulesets", "show", "regional/aex", "--rulesets", "rules")
    assert result.exit_code == 2
    assert "error[CP420]: no ruleset id, country or ruleset file 'regional/aex'" in result.output
    assert "did you mean 'regional/aec'?" in result.output


def test_a_country_whose_ruleset_is_broken_is_a_located_error(rules: Path) -> None:
    write(rules, {"national/xa.cpol": NATIONAL + "override NOPE-01 severity should because \"x\"\n"})
    result = run("rulesets", "show", "XA", "--rulesets", "rules")
    assert result.exit_code == 2
    assert "rules/national/xa.cpol:17:1: error[CP222]: cannot override NOPE-01: no parent " \
        "ruleset has it" in result.output
    assert "  17 | override NOPE-01" in result.output


def test_a_ruleset_with_a_missing_parent_is_a_located_error(rules: Path) -> None:
    write(rules, {"national/xq.cpol": 'ruleset xq "Q"\nextends regional/aex\n'})
    result = run("rulesets", "show", "national/xq", "--rulesets", "rules")
    assert result.exit_code == 2
    assert "rules/national/xq.cpol:2:1: error[CP225]: ruleset 'regional/aex' not found" \
        in result.output
    assert "did you mean 'regional/aec'?" in result.output


def test_a_ruleset_stored_for_another_jurisdiction_is_an_error(rules: Path) -> None:
    write(rules, {"national/xb.cpol": 'ruleset xb "B"\nextends regional/aec\njurisdiction XC\n'})
    result = run("rulesets", "show", "XB", "--rulesets", "rules")
    assert result.exit_code == 2
    assert "error[CP229]: ruleset national/xb is stored for XB but declares jurisdiction XC" \
        in result.output


def test_a_missing_path_is_an_error(rules: Path) -> None:
    result = run("rulesets", "show", "rules/national/none.cpol")
    assert result.exit_code == 2
    assert "error[CP420]" in result.output and "rules/national/none.cpol" in result.output


# --- the shipped rulesets --------------------------------------------------------------------

SHIPPED_NATIONAL = sorted(p.stem.upper() for p in (shipped_rulesets() / "national").glob("*.cpol"))


@pytest.mark.parametrize("ref", ["baseline", *SHIPPED_NATIONAL])
def test_show_a_shipped_ruleset(ref: str) -> None:
    text = run("rulesets", "show", ref)
    assert text.exit_code == 0, text.output
    data = show_json(ref)
    expected = "baseline" if ref == "baseline" else f"national/{ref.lower()}"
    assert data["ruleset"]["id"] == expected and data["note"] is None
    assert data["chain"][0]["id"] == "baseline" and data["chain"][0]["shipped"] is True
    assert data["rules"], "a shipped ruleset has rules"
    part = text.output.split("\nRules (")[1].split("\nDisabled (")[0]
    listed = [line.split()[0] for line in part.splitlines()[1:]
              if line.startswith("  ") and not line.startswith("    ")]
    assert listed == [r["id"] for r in data["rules"]]
    for rule in data["rules"]:
        assert rule["origin"]["layer"] in data["ruleset"]["id"] or \
            rule["origin"]["layer"] in [layer["id"] for layer in data["chain"]]
        assert rule["origin"]["line"] > 0 and rule["principle"]
    for param in data["params"]:
        assert param["origin"]["file"].endswith(".cpol") and param["origin"]["line"] > 0
    if ref != "baseline":
        assert data["query"]["kind"] == "country" and data["ruleset"]["jurisdiction"]


def test_the_shipped_rulesets_all_load() -> None:
    result = run("rulesets", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ids = [e["id"] for e in data["rulesets"]]
    assert ids[0] == "baseline"
    assert {f"national/{cc.lower()}" for cc in SHIPPED_NATIONAL} <= set(ids)
    for entry in data["rulesets"]:
        assert entry["status"] == "ok" and entry["shipped"] is True
        assert (entry["parent"] is None) == (entry["id"] == "baseline")


@pytest.mark.parametrize("args", [("rulesets", "show", "national/xa"),
                                  ("explain", "FIN-01", "--country", "XA")])
def test_rule_files_outside_the_current_folder_are_named_under_their_rulesets_root(
        args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Run from a folder of the user's, the shipped files lie outside it (in an installed
    # package, site-packages): they are cited as `baseline/financing.cpol:8`, never by
    # an absolute path or one climbing out with `..`.
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 0, result.output
    cited = re.findall(r"(\S+\.cpol):\d+", result.output)
    assert "baseline/financing.cpol" in cited
    assert not [c for c in cited if c.startswith(("/", "..")) or str(shipped_rulesets()) in c]
