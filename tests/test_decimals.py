"""Amounts with cents are decided as the decimals they are written as (lang/values.py):
a complete proposal whose co-financing is exactly the minimum, or whose budget is its
funding to the cent, does not fail for a rounding of binary floating point."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from cappolicy.cli.main import main

GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
DONOR = "by_year: {2027: 1200000, 2028: 900000, 2029: 600000}"
HOST = "by_year: {2027: 300000, 2028: 450000, 2029: 600000}}"


def _proposal(folder: Path, name: str, donor: str, host: str, lines: list[str]) -> Path:
    text = GOOD.read_text(encoding="utf-8")
    assert DONOR in text and HOST in text
    text = text.replace(DONOR, f"by_year: {{{donor}}}").replace(HOST, f"by_year: {{{host}}}}}")
    text = re.sub(r"budget:\n  lines:\n(    - .*\n)+",
                  "budget:\n  lines:\n" + "".join(f"    - {line}\n" for line in lines), text)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _outcomes(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    result = CliRunner().invoke(main, ["check", "--as-of", "2026-12-01", "--format", "json",
                                       "--verbose", str(path)])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.output)["results"][0]["findings"]
    return ({f["rule"]: f["outcome"] for f in findings},
            {f["rule"]: f.get("message", "") for f in findings})


def test_co_financing_of_exactly_the_minimum_meets_it(tmp_path: Path) -> None:
    # XA's minimum is 25%: 1,688,719.88 of 6,754,879.52 is exactly a quarter, which
    # binary floating point made 24.999999999999996%
    path = _proposal(tmp_path, "quarter.yaml",
                     "2027: 2517878.20, 2028: 332328.35, 2029: 2215953.09",
                     "2027: 839603.10, 2028: 669780.01, 2029: 179336.77",
                     ["{category: personnel, by_year: "
                      "{2027: 2000000, 2028: 2000000, 2029: 2754879.52}}"])
    outcomes, _ = _outcomes(path)
    assert outcomes["FIN-01"] == "pass"
    assert outcomes["BUD-05"] == "pass"


def test_a_budget_equal_to_the_funding_to_the_cent_does_not_exceed_it(tmp_path: Path) -> None:
    # 802,201.93 + 623,364.20 and 20,329.61 + 1,405,236.52 are both 1,425,566.13; in binary
    # floating point the budget came out above the funding
    funded = [802201.93, 623364.20]
    planned = [20329.61, 1405236.52]
    assert sum(planned) > sum(funded)  # the rounding this test is about
    path = _proposal(tmp_path, "equal.yaml", "2027: 802201.93", "2028: 623364.20",
                     ["{category: personnel, by_year: {2027: 20329.61, 2028: 1405236.52}}"])
    outcomes, _ = _outcomes(path)
    assert outcomes["BUD-05"] == "pass"
    assert outcomes["BUD-06"] == "pass"


def test_a_budget_over_the_funding_by_a_cent_exceeds_it_and_says_by_how_much(
        tmp_path: Path) -> None:
    path = _proposal(tmp_path, "over.yaml", "2027: 802201.93", "2028: 623364.20",
                     ["{category: personnel, by_year: {2027: 20329.62, 2028: 1405236.52}}"])
    outcomes, messages = _outcomes(path)
    assert outcomes["BUD-05"] == "fail"
    assert "1425566.14" in messages["BUD-05"] and "1425566.13" in messages["BUD-05"]
    assert "e+06" not in messages["BUD-05"]


def test_a_share_a_hair_under_a_threshold_is_not_shown_as_the_threshold(tmp_path: Path) -> None:
    rules = tmp_path / "thr.cpol"
    rules.write_text(
        'ruleset thr "threshold"\nversion "1"\n\n'
        'rule TH-02 "share at least 12.3457%" {\n  principle co-financing\n  severity must\n'
        "  let a = sum(funding.sources[0].by_year)\n  let b = sum(funding.sources[1].by_year)\n"
        "  require b / (a + b) >= 12.3457%\n}\n", encoding="utf-8")
    path = _proposal(tmp_path, "hair.yaml", "2027: 876544", "2027: 123457",
                     ["{category: personnel, by_year: {2027: 1000001}}"])
    result = CliRunner().invoke(main, ["check", "--as-of", "2026-12-01", "--ruleset", str(rules),
                                       str(path)])
    assert result.exit_code == 1, result.output
    # 123457 / 1000001 is 12.345687...%: six digits would show it as the threshold
    assert "was   12.345687654312346% (line" in result.output
    assert ">= 12.3457%   -> false" in result.output
