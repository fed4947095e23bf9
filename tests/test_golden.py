"""Golden tests for the whole pipeline: each folder under tests/golden/ holds the
inputs (proposal files, optional `rules/` folder, optional `args` file) and the
expected text and json reports. Regenerate on purpose only:

    CAPPOLICY_REGEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if p.is_dir()) if GOLDEN.is_dir() else []
AS_OF = "2027-01-15"


def _args(case: Path, fmt: str) -> list[str]:
    extra = shlex.split((case / "args").read_text()) if (case / "args").exists() else []
    inputs = sorted(p.name for p in case.iterdir() if p.suffix in (".yaml", ".yml", ".json")
                    and not p.name.startswith("expected"))
    rules = ["--rulesets", "rules"] if (case / "rules").is_dir() else []
    return ["check", *inputs, *rules, "--format", fmt, "--as-of", AS_OF, "--no-color", *extra]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_golden(case: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    result = CliRunner().invoke(main, _args(case, fmt))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    actual = f"exit {result.exit_code}\n{result.output}"
    expected_file = case / f"expected.{'txt' if fmt == 'text' else 'json'}"
    if os.environ.get("CAPPOLICY_REGEN"):
        expected_file.write_text(actual)
    assert expected_file.exists(), f"no {expected_file.name}: regenerate with CAPPOLICY_REGEN=1"
    assert actual == expected_file.read_text()


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 3
