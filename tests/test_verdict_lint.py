"""Lint catches what users got wrong (issue 15, item 6): a misspelt principle, a value an
enumerated field never has, and a pattern a national layer sets."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cappolicy.cli.main import main

SHIPPED = Path(__file__).resolve().parent.parent / "rulesets"

RULE = '''
rule {id} "A rule" {{
  principle {principle}
  source "000_66251300b48a3485.txt, paragraph 10"
  severity must
  {body}
  message "m"
  hint "h"
}}
'''


def ruleset(tmp_path: Path, *rules: str, head: str = "") -> Path:
    path = tmp_path / "t.cpol"
    path.write_text('ruleset t "T"\nversion "1"\n' + head + "".join(rules), encoding="utf-8")
    return path


def lint(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["lint", str(path)])
    return result.exit_code, result.output


FLOW = "for flow in graph.edges(kind: shares_data) where flow.data == {value}\n  require flow.basis present"


def test_a_misspelt_principle_is_a_warning_with_a_did_you_mean(tmp_path: Path) -> None:
    code, out = lint(ruleset(tmp_path, RULE.format(
        id="T-01", principle="data-protecton", body="require id present")))
    assert code == 0, out  # a warning
    assert "warning[CP260]: rule T-01 names principle 'data-protecton'" in out
    assert "did you mean 'data-protection'?" in out


def test_a_principle_the_ruleset_declares_is_not_warned_about(tmp_path: Path) -> None:
    code, out = lint(ruleset(
        tmp_path, RULE.format(id="T-01", principle="port-security", body="require id present"),
        head='param principles: set of string = {"port-security"} "Principles of this ruleset"\n'))
    assert code == 0, out
    assert "CP260" not in out and "CP259" not in out


def test_a_text_an_enumerated_field_never_holds_is_an_error_naming_that_enumeration(
        tmp_path: Path) -> None:
    code, out = lint(ruleset(tmp_path, RULE.format(
        id="T-01", principle="data-protection", body=FLOW.format(value='"personel"'))))
    assert code == 2, out
    assert "'flow.data' can never be \"personel\": it is one of personal, threat-intel" in out
    assert "did you mean 'personal'?" in out


def test_a_bare_misspelt_value_is_matched_against_the_compared_fields_enumeration(
        tmp_path: Path) -> None:
    """Not 'personnel', the budget category: the data kinds are what flow.data holds."""
    code, out = lint(ruleset(tmp_path, RULE.format(
        id="T-01", principle="data-protection", body=FLOW.format(value="personel"))))
    assert code == 2, out
    assert "unknown name 'personel'" in out
    assert "did you mean 'personal'?" in out and "personnel" not in out


def test_matches_takes_a_string_param_a_national_layer_can_set(tmp_path: Path) -> None:
    base = tmp_path / "rules" / "baseline"
    base.mkdir(parents=True)
    (base / "b.cpol").write_text(
        'ruleset baseline "B"\nversion "1"\n'
        'param safeguard_pattern: string = "(?i)audit"\n' + RULE.format(
            id="T-01", principle="procurement-integrity",
            body="require any s in procurement.safeguards: s matches safeguard_pattern"),
        encoding="utf-8")
    national = tmp_path / "rules" / "national"
    national.mkdir()
    (national / "xq.cpol").write_text(
        'ruleset xq "Q"\nversion "1"\nextends baseline\njurisdiction XQ\n'
        'set safeguard_pattern = "(?i)(audit" because "Procurement Act s.3"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--rulesets", str(tmp_path / "rules"),
                                       str(base)])
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(main, ["lint", "--rulesets", str(tmp_path / "rules"),
                                    str(national / "xq.cpol")])
    assert bad.exit_code == 2, bad.output
    # said at the national set, where it can be mended, not in the baseline's rule
    assert "xq.cpol:5:1: error[CP207]: invalid pattern for safeguard_pattern: missing )" \
        in bad.output


def test_when_matches_fails_the_evidence_shows_the_tested_text(tmp_path: Path) -> None:
    proposal = tmp_path / "p.yaml"
    source = Path(__file__).resolve().parent.parent / "examples" / "proposals" / \
        "xa-closed-procurement.yaml"
    proposal.write_text(source.read_text(encoding="utf-8").replace(
        "safeguards: []", "safeguards: [good-intentions]"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(proposal), "--no-color",
                                       "--as-of", "2027-01-15"])
    [line] = [x for x in result.output.splitlines() if x.strip().startswith("s matches")]
    assert line.endswith("was   good-intentions (line 81)   -> false"), line
