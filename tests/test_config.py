"""Project settings: cappolicy.toml or [tool.cappolicy], found walking up, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cappolicy.config import Settings, find, load, settings
from cappolicy.errors import CappolicyError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


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
