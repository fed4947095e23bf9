"""Project settings: cappolicy.toml or [tool.cappolicy], found walking up, located errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cappolicy.base.errors import CappolicyError
from cappolicy.render.jsonfmt import rule_json_of
from cappolicy.run.settings import Settings, find, load, settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def repository(tmp_path: Path) -> Path:
    """tmp_path is the root of a repository: settings are looked for up to it."""
    (tmp_path / ".git").mkdir(exist_ok=True)
    return tmp_path


def test_settings_are_found_in_a_folder_above(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    write(tmp_path / "cappolicy.toml", 'rulesets = "policy"\ncountry = "xa"\nfail_on = "should"\n')
    deep = tmp_path / "proposals" / "2027"
    deep.mkdir(parents=True)
    found = settings(None, deep)
    assert found == Settings(tmp_path / "cappolicy.toml", ((tmp_path / "policy").resolve(),),
                             "XA", "should")


def test_pyproject_counts_only_with_a_tool_cappolicy_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find(tmp_path) is None
    assert settings(None, tmp_path) == Settings()
    (tmp_path / "rules").mkdir()
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.cappolicy]\nrulesets = ["rules"]\n')
    assert settings(None, tmp_path).rulesets == ((tmp_path / "rules").resolve(),)


def test_cappolicy_toml_wins_over_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.cappolicy]\ncountry = "XB"\n')
    write(tmp_path / "cappolicy.toml", 'country = "XC"\n')
    assert settings(None, tmp_path).country == "XC"


def test_every_mistake_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "cappolicy.toml",
                 'rulesets = ["missing"]\ncountri = "XA"\nfail_on = "sometimes"\n')
    with pytest.raises(CappolicyError) as info:
        load(path)
    found = {(d.code, d.span.line if d.span else 0) for d in info.value.diagnostics}
    assert found == {("CP441", 1), ("CP441", 2), ("CP441", 3)}
    [typo] = [d for d in info.value.diagnostics if "countri" in d.message]
    assert typo.help == "did you mean 'country'?"


def test_a_mistake_after_a_raw_line_separator_is_at_an_editors_line(tmp_path: Path) -> None:
    # TOML takes U+2028 and NEL in a comment; str.splitlines broke lines at both
    path = write(tmp_path / "cappolicy.toml",
                 '# one\u2028two\x85three\ncountry = "XA"\nfail_on = "sometimes"\n')
    with pytest.raises(CappolicyError) as info:
        load(path)
    [d] = info.value.diagnostics
    assert d.span is not None and (d.span.line, d.span.column) == (3, 1)


def test_invalid_toml_is_located(tmp_path: Path) -> None:
    path = write(tmp_path / "cappolicy.toml", 'country = "XA"\nrulesets = [\n')
    with pytest.raises(CappolicyError) as info:
        load(path)
    [d] = info.value.diagnostics
    assert d.code == "CP440" and d.span is not None and d.span.line >= 2


def test_an_explicit_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CappolicyError) as info:
        settings(tmp_path / "nope.toml")
    assert info.value.diagnostics[0].code == "CP440"


# ------------------------------------------------------------------ through the command line

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
LOCAL_RULE = '''ruleset xd "Dorvania national ruleset"
version "1"
extends baseline
jurisdiction XD

set min_co_financing = 40% because "Dorvania Budget Law 2026, s.9"
'''


def project(tmp_path: Path, settings_text: str) -> Path:
    write(tmp_path / "policy" / "national" / "xd.cpol", LOCAL_RULE)
    write(tmp_path / "cappolicy.toml", settings_text)
    proposal = tmp_path / "proposals" / "xd.yaml"
    proposal.parent.mkdir(parents=True, exist_ok=True)
    proposal.write_text((EXAMPLES / "xd-parallel-structures.yaml").read_text(encoding="utf-8"))
    return proposal


def run(*args: str) -> Any:
    from click.testing import CliRunner

    from cappolicy.cli.main import main

    return CliRunner().invoke(main, list(args))


def test_a_project_s_own_rulesets_combine_with_the_shipped_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = project(tmp_path, 'rulesets = ["policy"]\n')
    monkeypatch.chdir(proposal.parent)
    result = run("check", proposal.name, "--as-of", "2027-01-15", "--format", "json")
    doc = json.loads(result.stdout)
    [outcome] = doc["results"]
    assert outcome["ruleset"] == "national/xd"
    [fin] = [f for f in outcome["findings"] if f["rule"] == "FIN-01"]
    assert fin["outcome"] == "fail"
    params = {p["name"]: p for p in rule_json_of(doc, outcome, fin)["params"]}
    assert params["min_co_financing"]["origin"]["because"] == "Dorvania Budget Law 2026, s.9"


def test_the_project_country_and_fail_on_apply_unless_the_command_line_says_otherwise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = project(tmp_path, 'rulesets = "policy"\ncountry = "XA"\nfail_on = "advisory"\n')
    monkeypatch.chdir(tmp_path)
    as_xa = json.loads(run("check", str(proposal), "--format", "json").stdout)
    assert as_xa["results"][0]["ruleset"] == "national/xa"
    assert as_xa["fail_on"] == "advisory"
    as_xd = json.loads(run("check", str(proposal), "--format", "json", "--country", "XD",
                           "--fail-on", "must").stdout)
    assert as_xd["results"][0]["ruleset"] == "national/xd"
    assert as_xd["fail_on"] == "must"


def test_a_broken_settings_file_stops_the_command_with_a_located_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = project(tmp_path, 'rulesets = ["policy"]\ncountry = "Arcadia"\n')
    monkeypatch.chdir(tmp_path)
    result = run("check", str(proposal))
    assert result.exit_code == 2
    assert "cappolicy.toml:2:1: error[CP441]" in result.output
    assert "Traceback" not in result.output
    explicit = run("--config", str(tmp_path / "other.toml"), "check", str(proposal))
    assert explicit.exit_code == 2 and "no settings file" in explicit.output


def test_a_pyproject_naming_no_cappolicy_is_not_read_as_toml(tmp_path: Path) -> None:
    """Only a file that names `cappolicy` can hold its table: another project's
    pyproject.toml, even one that is not valid TOML, is passed over."""
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\nbroken = [\n')
    assert find(tmp_path) is None
    assert settings(None, tmp_path) == Settings()


@pytest.mark.parametrize("table", ['[tool."\\u0063appolicy"]', "[tool.'cappolicy']",
                                   '[tool]\ncappolicy = { country = "XB" }',
                                   'tool.cappolicy.country = "XB"'])
def test_a_tool_cappolicy_table_however_spelt_is_found(tmp_path: Path, table: str) -> None:
    write(tmp_path / "pyproject.toml", f'{table}\n' + ('' if "XB" in table else
                                                      'country = "XB"\n'))
    assert find(tmp_path) == tmp_path / "pyproject.toml"
    assert settings(None, tmp_path).country == "XB"


def test_a_pyproject_that_names_cappolicy_and_is_broken_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.cappolicy]\ncountry = \n')
    assert find(tmp_path) == path
    with pytest.raises(CappolicyError):
        load(path)
