"""Layered rulesets: extends chains, set/override/disable with provenance, relaxations
made visible, and every layering mistake located in the file that makes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from strategies_lang import effective, write_rulesets

from cappolicy.base.errors import AnalysisError, CappolicyError, Diagnostic
from cappolicy.engine.evaluate import evaluate
from cappolicy.engine.findings import Finding
from cappolicy.proposal.model import Proposal
from cappolicy.rulesets.catalog import EffectiveRuleset, Rulesets

BASELINE = '''ruleset baseline "Baseline principles"
version "1.0"
param min_co_financing: percent = 15% higher is stricter
param max_sunset_delay: duration = 6 months lower is stricter
param allowed_destinations: set of country = {XA, XB} smaller is stricter
param min_indicators: number = 2

rule OWN-01 "A host institution takes part" {
  principle local-ownership
  require any o in organisations: o.country == host_country
}

rule FIN-01 "The host co-finances enough" {
  principle co-financing
  severity must
  let host = sum(sum(s.by_year) for s in funding.sources where s.from.country == host_country)
  require host / sum(sum(s.by_year) for s in funding.sources) >= min_co_financing
}

rule FIN-05 "Budgets follow the fiscal year" {
  principle multi-year-budget
  severity should
  require true
}
'''

REGIONAL = '''ruleset eac "East African Community"
extends baseline
set min_co_financing = 20% because "EAC agreement on co-financing, art. 4"
override FIN-01 severity should because "Phase-in period for new members"
'''

NATIONAL = '''ruleset xa "Arcadia national ruleset"
version "2026.2"
extends regional/eac
jurisdiction XA

set min_co_financing = 25% because "Public Finance Act 2024, s.41"
disable FIN-05 because "Arcadia's fiscal year is the calendar year"
override OWN-01 message "No {host_country} institution takes part." because "Plainer words"
'''

CHAIN = {"baseline.cpol": BASELINE, "regional/eac.cpol": REGIONAL, "national/xa.cpol": NATIONAL}


def national(tmp_path: Path, national_text: str = NATIONAL) -> EffectiveRuleset:
    return effective(tmp_path, {**CHAIN, "national/xa.cpol": national_text}, "national/xa")


def errors_of(tmp_path: Path, files: dict[str, str], ruleset: str) -> list[Diagnostic]:
    with pytest.raises(CappolicyError) as info:
        effective(tmp_path, files, ruleset)
    return list(info.value.diagnostics)


def located(d: Diagnostic, tmp_path: Path) -> tuple[str, int, int]:
    assert d.span is not None, d
    return Path(d.span.file).relative_to(tmp_path).as_posix(), d.span.line, d.span.column


def proposal(host_amount: int) -> Proposal:
    return Proposal("p.yaml", {
        "cappolicy": 1, "id": "P-1", "title": "A programme", "host_country": "XA",
        "period": {"start": dt.date(2027, 1, 1), "end": dt.date(2029, 12, 31)},
        "organisations": [{"id": "gov", "name": "Ministry", "country": "XA", "kind": "ministry"},
                          {"id": "donor", "name": "Donor", "country": "NL", "kind": "donor"}],
        "funding": {"currency": "EUR", "sources": [
            {"from": "donor", "by_year": {2027: 1000000 - host_amount}},
            {"from": "gov", "by_year": {2027: host_amount}}]},
    })


def finding(eff: EffectiveRuleset, p: Proposal, rule: str) -> Finding:
    [f] = [f for f in evaluate(eff.compiled(), p, dt.date(2027, 1, 1), eff.id) if f.rule == rule]
    return f


# ------------------------------------------------------------------ the chain


def test_an_extends_chain_layers_baseline_regional_national(tmp_path: Path) -> None:
    eff = national(tmp_path)
    assert eff.chain == ("baseline", "regional/eac", "national/xa")
    assert (eff.id, eff.title, eff.version, eff.jurisdiction) == (
        "national/xa", "Arcadia national ruleset", "2026.2", ("XA",))
    assert [r.rule.id for r in eff.rules] == ["OWN-01", "FIN-01"]
    assert [Path(f).relative_to(tmp_path).as_posix() for f in eff.files] == [
        "baseline.cpol", "regional/eac.cpol", "national/xa.cpol"]


def test_a_ruleset_is_chosen_by_country(tmp_path: Path) -> None:
    catalog = write_rulesets(tmp_path, CHAIN)
    rulesets = Rulesets(catalog)
    assert rulesets.for_country("XA").ruleset.id == "national/xa"
    choice = rulesets.for_country("XC")
    assert choice.ruleset.id == "baseline" and "no national ruleset for XC" in (choice.note or "")


def test_set_changes_a_param_and_the_finding_names_who_set_it(tmp_path: Path) -> None:
    eff = national(tmp_path)
    f = finding(eff, proposal(host_amount=200000), "FIN-01")  # 20% < 25%
    assert f.outcome == "fail"
    assert (f.evidence[0].left, f.evidence[0].right) == ("20%", "25%")
    [use] = f.params
    assert (use.name, use.value, use.type) == ("min_co_financing", "25%", "percent")
    origin = use.origin
    assert origin.layer == "national/xa"
    assert (Path(origin.span.file).relative_to(tmp_path).as_posix(), origin.span.line) == (
        "national/xa.cpol", 6)
    assert origin.because == "Public Finance Act 2024, s.41"
    assert (origin.previous, origin.previous_layer) == ("20%", "regional/eac")
    assert origin.previous_span is not None and origin.previous_span.line == 3
    assert origin.relaxation is False  # 25% is stricter than 20%
    # the same proposal meets the regional ruleset's 20%
    regional = effective(tmp_path, CHAIN, "regional/eac")
    assert finding(regional, proposal(host_amount=200000), "FIN-01").outcome == "pass"


def test_lowering_a_higher_is_stricter_param_is_a_relaxation(tmp_path: Path) -> None:
    eff = national(tmp_path, NATIONAL.replace("= 25%", "= 10%"))
    origin = eff.params["min_co_financing"].origin
    assert origin.relaxation is True
    assert (origin.previous, origin.previous_layer) == ("20%", "regional/eac")
    f = finding(eff, proposal(host_amount=150000), "FIN-01")
    assert f.outcome == "pass"  # 15% meets the relaxed 10%
    [use] = finding(eff, proposal(host_amount=50000), "FIN-01").params
    assert use.origin.relaxation is True  # visible in every finding it touches


def test_raising_a_higher_is_stricter_param_is_not_a_relaxation(tmp_path: Path) -> None:
    origin = national(tmp_path).params["min_co_financing"].origin
    assert origin.relaxation is False
    regional = effective(tmp_path, CHAIN, "regional/eac").params["min_co_financing"].origin
    assert regional.relaxation is False and regional.previous == "15%"


@pytest.mark.parametrize(("line", "relaxed"), [
    ("set max_sunset_delay = 12 months", True),   # lower is stricter: raising relaxes
    ("set max_sunset_delay = 3 months", False),
    ("set allowed_destinations = {XA, XB, NL}", True),  # smaller is stricter: adding relaxes
    ("set allowed_destinations = {XA}", False),
    ("set min_indicators = 3", True),  # no direction declared: any change counts
    ("set max_sunset_delay = 6 months", False),  # the same value changes nothing
    # days against months: stricter only when so from every day. 26 weeks (182 days) is
    # longer than the 181 days of six months from 1 March (or 28 February), so it relaxes
    ("set max_sunset_delay = 26 weeks", True),
    ("set max_sunset_delay = 182 days", True),
    ("set max_sunset_delay = 181 days", False),
    ("set max_sunset_delay = 1 year", True),
])
def test_relaxation_follows_the_declared_direction(tmp_path: Path, line: str,
                                                   relaxed: bool) -> None:
    eff = national(tmp_path, NATIONAL + f'{line} because "reason"\n')
    name = line.split()[1]
    assert eff.params[name].origin.relaxation is relaxed
    assert eff.params[name].origin.because == "reason"


def test_override_severity_down_is_a_relaxation_with_its_origin(tmp_path: Path) -> None:
    eff = national(tmp_path)
    [spec] = [r for r in eff.rules if r.rule.id == "FIN-01"]
    assert spec.severity == "should"
    origin = spec.severity_origin
    assert origin is not None
    assert (origin.layer, origin.because, origin.relaxation) == (
        "regional/eac", "Phase-in period for new members", True)
    assert (origin.previous, origin.previous_layer) == ("must", "baseline")
    assert Path(origin.span.file).name == "eac.cpol" and origin.span.line == 4
    f = finding(eff, proposal(host_amount=100000), "FIN-01")
    assert f.severity == "should" and f.level == "warning"
    assert f.severity_origin == origin
    assert f.rule_origin is not None and f.rule_origin.layer == "baseline"


def test_override_severity_up_is_not_a_relaxation(tmp_path: Path) -> None:
    eff = national(tmp_path, NATIONAL + 'override FIN-01 severity must because "Back to must"\n')
    [spec] = [r for r in eff.rules if r.rule.id == "FIN-01"]
    assert spec.severity == "must"
    assert spec.severity_origin is not None
    assert spec.severity_origin.relaxation is False
    assert (spec.severity_origin.previous, spec.severity_origin.previous_layer) == (
        "should", "regional/eac")


def test_override_message(tmp_path: Path) -> None:
    eff = national(tmp_path)
    p = proposal(host_amount=300000)
    p.data["organisations"][0]["country"] = "XB"  # type: ignore[index]
    f = finding(eff, p, "OWN-01")
    assert (f.outcome, f.message) == ("fail", "No XA institution takes part.")


def test_disable_removes_the_rule_and_records_why(tmp_path: Path) -> None:
    eff = national(tmp_path)
    assert "FIN-05" not in [r.rule.id for r in eff.rules]
    [disabled] = eff.disabled
    assert (disabled.rule, disabled.title, disabled.severity) == (
        "FIN-05", "Budgets follow the fiscal year", "should")
    origin = disabled.origin
    assert (origin.layer, origin.because, origin.relaxation) == (
        "national/xa", "Arcadia's fiscal year is the calendar year", True)
    assert origin.span.line == 7 and origin.previous_layer == "baseline"
    found = evaluate(eff.compiled(), proposal(300000), dt.date(2027, 1, 1), eff.id)
    assert "FIN-05" not in {f.rule for f in found}
    assert "FIN-05" in {f.rule for f in evaluate(
        effective(tmp_path, CHAIN, "baseline").compiled(), proposal(300000), dt.date(2027, 1, 1))}


# ------------------------------------------------------------------ layering mistakes


def test_override_of_a_missing_rule(tmp_path: Path) -> None:
    [d] = errors_of(tmp_path, {**CHAIN, "national/xa.cpol": NATIONAL +
                               'override OWN-1 severity should because "x"\n'}, "national/xa")
    assert d.code == "CP222" and "OWN-1" in d.message
    assert d.help == "did you mean 'OWN-01'?"
    assert located(d, tmp_path) == ("national/xa.cpol", 9, 1)


def test_a_ruleset_cannot_override_its_own_rule(tmp_path: Path) -> None:
    [d] = errors_of(tmp_path, {"baseline.cpol": BASELINE +
                               'override FIN-05 severity advisory because "x"\n'}, "baseline")
    assert d.code == "CP222" and "own rule" in d.message


def test_set_of_an_unknown_param(tmp_path: Path) -> None:
    [d] = errors_of(tmp_path, {**CHAIN, "national/xa.cpol": NATIONAL +
                               'set min_cofinancing = 30% because "x"\n'}, "national/xa")
    assert d.code == "CP223" and d.help == "did you mean 'min_co_financing'?"
    assert located(d, tmp_path) == ("national/xa.cpol", 9, 1)


def test_set_with_a_value_of_the_wrong_type(tmp_path: Path) -> None:
    text = NATIONAL.replace("set min_co_financing = 25%", "set min_co_financing = 2027-01-01")
    [d] = errors_of(tmp_path, {**CHAIN, "national/xa.cpol": text}, "national/xa")
    assert d.code == "CP213" and "percent" in d.message
    assert located(d, tmp_path) == ("national/xa.cpol", 6, 24)


def test_a_rule_defined_twice(tmp_path: Path) -> None:
    text = NATIONAL + 'rule FIN-01 "Again" {\n  principle co-financing\n  require true\n}\n'
    [d] = errors_of(tmp_path, {**CHAIN, "national/xa.cpol": text}, "national/xa")
    assert d.code == "CP221" and "FIN-01" in d.message
    assert located(d, tmp_path) == ("national/xa.cpol", 9, 6)
    assert "baseline" in (d.help or "") and "override" in (d.help or "")


def test_a_rule_with_the_id_of_a_built_in_waiver_check(tmp_path: Path) -> None:
    text = NATIONAL + 'rule WAIVER-01 "Waivers are recorded" {\n  principle co-financing\n' \
        '  require true\n}\n'
    [d] = errors_of(tmp_path, {**CHAIN, "national/xa.cpol": text}, "national/xa")
    assert d.code == "CP221" and "rule WAIVER-01 has the id of one of cappolicy's own" in \
        d.message
    assert located(d, tmp_path) == ("national/xa.cpol", 9, 6)
    assert "WAIVER-04" in (d.help or "")

def test_a_param_declared_twice(tmp_path: Path) -> None:
    [d] = errors_of(tmp_path, {**CHAIN, "national/xa.cpol": NATIONAL +
                               "param min_co_financing: percent = 30%\n"}, "national/xa")
    assert d.code == "CP224" and located(d, tmp_path) == ("national/xa.cpol", 9, 1)


def test_a_missing_parent(tmp_path: Path) -> None:
    [d] = errors_of(tmp_path, {"baseline.cpol": BASELINE,
                               "national/xa.cpol": 'ruleset xa\nextends baselin\n'}, "national/xa")
    assert d.code == "CP225" and d.message == "ruleset 'baselin' not found"
    assert d.help == "did you mean 'baseline'?"
    assert located(d, tmp_path) == ("national/xa.cpol", 2, 1)


def test_a_cycle_of_extends(tmp_path: Path) -> None:
    files = {"national/xa.cpol": 'ruleset xa\nextends national/xb\n',
             "national/xb.cpol": 'ruleset xb\n\nextends national/xa\n'}
    [d] = errors_of(tmp_path, files, "national/xa")
    assert d.code == "CP226"
    assert "national/xa -> national/xb -> national/xa" in d.message
    assert located(d, tmp_path) == ("national/xb.cpol", 3, 1)


def test_a_header_that_does_not_match_where_the_file_is(tmp_path: Path) -> None:
    [d] = errors_of(tmp_path, {"national/xa.cpol": 'ruleset xb "Wrong"\n'}, "national/xa")
    assert d.code == "CP227" and d.help == "write `ruleset xa` or move the file"
    assert located(d, tmp_path) == ("national/xa.cpol", 1, 1)


def test_mistakes_in_several_layers_and_kinds_are_reported_together(tmp_path: Path) -> None:
    text = NATIONAL + ('set nope = 1 because "a"\n'
                       'disable NOPE-01 because "b"\n'
                       'rule XA-01 "t" {\n  principle p\n  require organisatons present\n}\n')
    found = errors_of(tmp_path, {**CHAIN, "national/xa.cpol": text}, "national/xa")
    assert [(d.code, located(d, tmp_path)[1]) for d in found] == [
        ("CP223", 9), ("CP222", 10), ("CP201", 13)]


def test_errors_are_analysis_errors_with_exit_code_2(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError) as info:
        effective(tmp_path, {"national/xa.cpol": 'ruleset xa\nextends nothing\n'}, "national/xa")
    assert info.value.exit_code == 2


def test_a_project_baseline_says_which_national_rules_it_leaves_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a project whose rulesets bring their own baseline: the shipped national/xa is
    # written over the shipped baseline and is not applied over the project's. Checking an
    # Arcadian proposal against the project's baseline said that Arcadia had no national
    # ruleset, which was false: settings could drop its rules with a note that hid it
    import shutil

    from click.testing import CliRunner

    from cappolicy.cli.main import main

    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "baseline.cpol").write_text(
        'ruleset baseline "Our principles"\nversion "1.0"\n\n'
        'rule FIN-01 "Host-country co-financing meets the minimum" {\n'
        '  principle co-financing\n  source "000_66251300b48a3485.txt, paragraph 5"\n'
        '  severity advisory\n  require true\n}\n', encoding="utf-8")
    (tmp_path / "cappolicy.toml").write_text('rulesets = ["rules"]\n', encoding="utf-8")
    shutil.copy(root / "examples" / "proposals" / "xa-cirt-good.yaml", "p.yaml")
    for fmt in ("text", "json"):
        result = CliRunner().invoke(main, ["check", "p.yaml", "--no-color", "--format", fmt])
        assert result.exit_code == 0, result.output
        assert "no national ruleset for XA" not in result.output
        assert ("the shipped national/xa is not applied: it is written over the shipped "
                "baseline, which rules/baseline.cpol hides; checked against that baseline"
                ) in result.output
    # a country with no national ruleset anywhere is said to have none
    text = (root / "examples" / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    Path("ke.yaml").write_text(text.replace("host_country: XA", "host_country: KE"),
                               encoding="utf-8")
    other = CliRunner().invoke(main, ["check", "ke.yaml", "--no-color"])
    assert other.exit_code == 0, other.output
    assert "no national ruleset for KE; checked against the baseline" in other.output


def test_the_note_says_when_cldr_gives_the_host_s_languages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a country without a national ruleset gets its official languages from CLDR as
    # host_languages; `--ruleset baseline` and rule tests of the baseline read it as
    # written. Both reports said "against ruleset baseline" and nothing else, so a
    # ministry's passing rule test and a failing check looked alike
    from click.testing import CliRunner

    from cappolicy.cli.main import main

    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    text = (root / "examples" / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    Path("id.yaml").write_text(text.replace("host_country: XA", "host_country: ID"),
                               encoding="utf-8")
    found = CliRunner().invoke(main, ["check", "id.yaml", "--no-color"])
    assert ("note      no national ruleset for ID; checked against the baseline, with the "
            "official languages of ID in CLDR (id) as host_languages") in found.output
    named = CliRunner().invoke(main, ["check", "id.yaml", "--no-color", "--ruleset", "baseline"])
    assert "CLDR" not in named.output
