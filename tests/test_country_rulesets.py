"""The shipped regional and national rulesets (rulesets/regional/aec.cpol and
rulesets/national/xa.cpol, xb.cpol, xc.cpol): they resolve, they layer
baseline -> regional/aec -> national, and the same proposal checked for different
countries gives different results, each explained by the layer that decided it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main
from cappolicy.engine.evaluate import evaluate
from cappolicy.engine.findings import Evidence, Finding, ParamUse
from cappolicy.proposal.load import load_proposal
from cappolicy.proposal.model import Proposal
from cappolicy.render.jsonfmt import rule_json_of
from cappolicy.rulesets.catalog import Catalog, EffectiveRuleset, Rulesets

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
GOOD = EXAMPLES / "xa-cirt-good.yaml"
AS_OF = dt.date(2027, 1, 15)
COUNTRIES = ("XA", "XB", "XC")
PRINCIPLES = {
    "local-ownership", "inclusive-participation", "national-alignment", "needs-assessment",
    "mandate-alignment", "no-parallel-mechanisms", "decision-rights", "knowledge-transfer",
    "co-financing", "sunset-and-exit", "multi-year-budget", "procurement-integrity",
    "data-protection", "cert-strengthening", "risk-management", "independent-evaluation",
    "measurable-outcomes", "accountability", "language-access", "human-rights",
    "regional-cooperation",
}
SEEDS = {"000_66251300b48a3485.txt", "001_9a03dbbb14529596.txt"}


@pytest.fixture(scope="module")
def rulesets() -> Rulesets:
    return Rulesets(Catalog())


def shipped(rulesets: Rulesets, ref: str) -> EffectiveRuleset:
    source = rulesets.catalog.find(ref)
    assert source is not None, f"no shipped ruleset {ref}"
    return rulesets.get(source)


def check(rulesets: Rulesets, ref: str, proposal: Proposal) -> list[Finding]:
    eff = shipped(rulesets, ref)
    return evaluate(eff.compiled(), proposal, AS_OF, ruleset=eff.id)


def of(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def param(finding: Finding, name: str) -> ParamUse:
    [use] = [p for p in finding.params if p.name == name]
    return use


def variant(tmp_path: Path, name: str, changes: dict[str, str], base: Path = GOOD) -> Proposal:
    """The example `base` with each text replaced (each must occur exactly once)."""
    text = base.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_proposal(path)


# ------------------------------------------------------------------ the catalogue


def test_every_shipped_ruleset_resolves_and_compiles(rulesets: Rulesets) -> None:
    ids = rulesets.catalog.ids()
    assert {"baseline", "regional/aec", "national/xa", "national/xb", "national/xc"} <= set(ids)
    for ref in ids:
        eff = shipped(rulesets, ref)
        assert len(eff.compiled()) == len(eff.rules) > 0, ref
        for spec in eff.rules:  # principles and sources a report can group and cite
            assert spec.rule.principle in PRINCIPLES, (ref, spec.rule.id)
            assert spec.rule.source is not None, (ref, spec.rule.id)
            m = re.fullmatch(r"(\S+), paragraph (\d+)", spec.rule.source)
            assert m and m.group(1) in SEEDS and 1 <= int(m.group(2)) <= 12, spec.rule.source


@pytest.mark.parametrize("country", COUNTRIES)
def test_each_country_is_checked_against_its_national_layer_over_the_regional_one(
        rulesets: Rulesets, country: str) -> None:
    choice = rulesets.for_country(country)
    eff = choice.ruleset
    assert choice.note is None
    assert eff.chain == ("baseline", "regional/aec", f"national/{country.lower()}")
    assert eff.jurisdiction == (country,)
    assert eff.version
    # the regional rules reach every member's effective ruleset
    assert {"AEC-01", "AEC-02"} <= {spec.rule.id for spec in eff.rules}


def test_the_regional_layer_is_for_its_three_members_and_the_others_get_the_baseline(
        rulesets: Rulesets) -> None:
    assert shipped(rulesets, "regional/aec").jurisdiction == COUNTRIES
    choice = rulesets.for_country("XD")
    assert choice.ruleset.id == "baseline"
    assert choice.note is not None and "XD" in choice.note


def test_each_country_relaxes_exactly_what_its_file_marks_as_a_relaxation(
        rulesets: Rulesets) -> None:
    """A ministry reviewing a layer relies on every relaxation being visible; these are the
    ones the files mark RELAXATION (the regional widening of data destinations is inherited
    by Arcadia and Caledra; Borealia narrows it again)."""
    def relaxations(eff: EffectiveRuleset) -> set[str]:
        params = {f"set {p.name}" for p in eff.params.values() if p.origin.relaxation}
        severities = {f"override {s.rule.id}" for s in eff.rules
                      if s.severity_origin is not None and s.severity_origin.relaxation}
        disabled = {f"disable {d.rule}" for d in eff.disabled if d.origin.relaxation}
        return params | severities | disabled

    assert relaxations(shipped(rulesets, "national/xa")) == {"set allowed_data_destinations"}
    assert relaxations(shipped(rulesets, "national/xb")) == {"disable PROC-01"}
    assert relaxations(shipped(rulesets, "national/xc")) == {
        "set allowed_data_destinations", "override CERT-02"}


# ------------------------------------------------------------------ one proposal, two countries


def test_twenty_percent_co_financing_passes_borealia_but_fails_arcadias_25_percent(
        rulesets: Rulesets, tmp_path: Path) -> None:
    # 675 000 of 3 375 000 from the Treasury: 20%
    proposal = variant(tmp_path, "p.yaml", {
        "{from: xa-treasury, type: co-financing, by_year: {2027: 300000, 2028: 450000, 2029: 600000}}":
        "{from: xa-treasury, type: co-financing, by_year: {2027: 200000, 2028: 225000, 2029: 250000}}"})
    [xa] = of(check(rulesets, "national/xa", proposal), "FIN-01")
    [xb] = of(check(rulesets, "national/xb", proposal), "FIN-01")

    assert (xa.outcome, xb.outcome) == ("fail", "pass")
    assert "25%" in xa.message
    decided = param(xa, "min_co_financing")
    assert decided.value == "25%"
    assert decided.origin.layer == "national/xa"
    assert decided.origin.span.file.endswith("rulesets/national/xa.cpol")
    assert decided.origin.because is not None
    assert decided.origin.because.startswith("Public Finance Act 2024, s.41")
    assert not decided.origin.relaxation
    assert (decided.origin.previous, decided.origin.previous_layer) == ("15%", "baseline")
    assert decided.origin.previous_span is not None
    assert decided.origin.previous_span.file.endswith("rulesets/baseline/financing.cpol")

    baseline = param(xb, "min_co_financing")
    assert (baseline.value, baseline.origin.layer) == ("15%", "baseline")


def test_the_same_co_financing_gap_through_the_command_line(tmp_path: Path) -> None:
    proposal = variant(tmp_path, "p.yaml", {
        "{from: xa-treasury, type: co-financing, by_year: {2027: 300000, 2028: 450000, 2029: 600000}}":
        "{from: xa-treasury, type: co-financing, by_year: {2027: 200000, 2028: 225000, 2029: 250000}}",
        # the budget shrinks with the funding, so that only the co-financing share is at fault
        "{category: personnel, by_year: {2027: 600000, 2028: 600000, 2029: 600000}}":
        "{category: personnel, by_year: {2027: 375000, 2028: 375000, 2029: 375000}}"})
    outcomes = {}
    for country in ("XA", "XB"):
        result = CliRunner().invoke(main, ["check", proposal.file, "--country", country,
                                           "--format", "json", "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 1, result.output
        report = json.loads(result.output)
        [checked] = report["results"]
        [fin] = [f for f in checked["findings"] if f["rule"] == "FIN-01"]
        failed = sorted(f["rule"] for f in checked["findings"] if f["outcome"] == "fail")
        [origin] = [p["origin"] for p in rule_json_of(report, checked, fin)["params"]
                    if p["name"] == "min_co_financing"]
        outcomes[country] = (checked["ruleset"], failed, origin["layer"])
    # Arcadia wants more co-financing; Borealia keeps the trainee records at home instead
    assert outcomes == {"XA": ("national/xa", ["FIN-01"], "national/xa"),
                        "XB": ("national/xb", ["DATA-01"], "baseline")}


def test_personal_data_to_an_eea_implementer_is_allowed_in_arcadia_not_in_borealia(
        rulesets: Rulesets) -> None:
    """The good example sends trainee records to its Belgian implementer on a legal basis.
    Arcadia inherits the regional destinations (a relaxation of the baseline's, marked);
    Borealia's data-localisation law allows no destination abroad."""
    proposal = load_proposal(GOOD)
    [xa] = of(check(rulesets, "national/xa", proposal), "DATA-01")
    [xb] = of(check(rulesets, "national/xb", proposal), "DATA-01")
    assert (xa.outcome, xb.outcome) == ("pass", "fail")
    assert xb.span == proposal.span_of(("activities", 0, "data_flows", 1))
    assert "impl-a" in xb.message and "BE" in xb.message

    regional = param(xa, "allowed_data_destinations").origin
    assert regional.layer == "regional/aec" and regional.relaxation
    assert regional.previous_layer == "baseline"
    assert regional.because is not None and "AEC Information Sharing Protocol 2025" in regional.because

    national = param(xb, "allowed_data_destinations")
    assert set(re.findall(r"\b[A-Z]{2}\b", national.value)) <= {"XB"}  # nowhere abroad
    assert national.origin.layer == "national/xb" and not national.origin.relaxation
    assert national.origin.previous_layer == "regional/aec"
    assert national.origin.because is not None
    assert "Personal Data Protection Act 2023, art. 21" in national.origin.because


def test_the_regional_relaxation_decides_a_flow_to_another_member_state(
        rulesets: Rulesets) -> None:
    """xc-regional-sharing sends personal data to the AEC CERT Network, seated in Borealia:
    the baseline refuses the destination (DATA-01), the AEC layer allows it and says so, and
    refuses instead to send personal data to a regional body at all (AEC-02)."""
    proposal = load_proposal(EXAMPLES / "xc-regional-sharing.yaml")
    personal = ("activities", 0, "data_flows", 2)
    base = check(rulesets, "baseline", proposal)
    xc = check(rulesets, "national/xc", proposal)

    [base_data] = [f for f in of(base, "DATA-01") if f.span == proposal.span_of(personal)]
    [xc_data] = [f for f in of(xc, "DATA-01") if f.span == proposal.span_of(personal)]
    assert (base_data.outcome, xc_data.outcome) == ("fail", "pass")
    assert param(xc_data, "allowed_data_destinations").origin.relaxation

    assert not of(base, "AEC-02")
    [regional] = [f for f in of(xc, "AEC-02") if f.outcome == "fail"]
    assert regional.span == proposal.span_of(personal)
    assert regional.rule_origin is not None and regional.rule_origin.layer == "regional/aec"
    [bilateral] = [f for f in of(xc, "AEC-01") if f.outcome == "fail"]
    assert bilateral.span == proposal.span_of(("activities", 0, "data_flows", 1))
    assert "Memorandum between the NCSC" in bilateral.message


def test_arcadias_own_rule_wants_the_cirt_in_incident_response_activities(
        rulesets: Rulesets, tmp_path: Path) -> None:
    good = of(check(rulesets, "national/xa", load_proposal(GOOD)), "XA-01")
    assert [(f.element, f.outcome) for f in good] == [("A2", "pass")]

    # the bankers' association runs the exercises without the CIRT
    proposal = variant(tmp_path, "p.yaml", {
        "led_by: xa-cirt\n    partners: [impl-a, xa-bankers]":
        "led_by: xa-bankers\n    partners: [impl-a]"})
    [xa] = of(check(rulesets, "national/xa", proposal), "XA-01")
    assert (xa.element, xa.outcome, xa.severity) == ("A2", "fail", "must")
    assert xa.rule_origin is not None and xa.rule_origin.layer == "national/xa"
    assert xa.source == "000_66251300b48a3485.txt, paragraph 6"
    trace = xa.evidence[0].graph
    assert trace is not None and trace.kind == "reached"
    assert {h.node for h in trace.hops} == {"A2", "xa-bankers", "impl-a"}
    # other countries have no such rule
    assert not of(check(rulesets, "national/xb", proposal), "XA-01")


def test_caledra_relaxes_cert_funding_to_advisory_and_the_finding_says_so(
        rulesets: Rulesets, tmp_path: Path) -> None:
    # the CIRT's own budget is paid by the donor
    proposal = variant(tmp_path, "p.yaml", {"funded_by: [xa-treasury]": "funded_by: [donor-a]"})
    [xa] = of(check(rulesets, "national/xa", proposal), "CERT-02")
    [xc] = of(check(rulesets, "national/xc", proposal), "CERT-02")
    assert (xa.outcome, xa.severity, xa.severity_origin) == ("fail", "should", None)
    assert (xc.outcome, xc.severity) == ("fail", "advisory")
    relaxed = xc.severity_origin
    assert relaxed is not None and relaxed.relaxation
    assert (relaxed.layer, relaxed.previous, relaxed.previous_layer) == (
        "national/xc", "should", "baseline")
    assert relaxed.because is not None and "Critical Infrastructure Act 2026, s.30" in relaxed.because

    codes = {country: CliRunner().invoke(main, ["check", proposal.file, "--country", country,
                                                "--as-of", AS_OF.isoformat(),
                                                "--fail-on", "should"]).exit_code
             for country in ("XA", "XC")}
    assert codes == {"XA": 1, "XC": 0}  # an advisory does not fail even a run that fails on should


def test_borealia_raises_one_off_training_to_an_error(rulesets: Rulesets) -> None:
    proposal = load_proposal(EXAMPLES / "xb-one-off-training.yaml")
    base = [f for f in of(check(rulesets, "baseline", proposal), "KT-01") if f.outcome == "fail"]
    xb = [f for f in of(check(rulesets, "national/xb", proposal), "KT-01") if f.outcome == "fail"]
    assert [f.element for f in xb] == [f.element for f in base] == ["A1", "A2", "A3"]
    assert {f.severity for f in base} == {"should"}
    assert {f.severity for f in xb} == {"must"}
    for f in xb:
        assert f.severity_origin is not None and not f.severity_origin.relaxation
        assert (f.severity_origin.layer, f.severity_origin.previous) == ("national/xb", "should")


def test_a_rule_borealia_disables_gives_no_finding_and_stays_listed(
        rulesets: Rulesets, tmp_path: Path) -> None:
    proposal = variant(tmp_path, "p.yaml", {
        "procurement: {method: open-tender,": "procurement: {method: restricted,"})
    xa = check(rulesets, "national/xa", proposal)
    xb = check(rulesets, "national/xb", proposal)
    assert [f.outcome for f in of(xa, "PROC-01")] == ["fail"]
    assert of(xb, "PROC-01") == []
    assert [f.outcome for f in of(xb, "PROC-02")] == ["pass"]  # the safeguards still count

    eff = shipped(rulesets, "national/xb")
    [disabled] = eff.disabled
    assert disabled.rule == "PROC-01" and disabled.origin.relaxation
    assert disabled.origin.layer == "national/xb" and disabled.origin.previous_layer == "baseline"
    assert disabled.origin.because is not None
    assert "Public Procurement Act 2021, art. 15" in disabled.origin.because


def test_caledras_own_rule_wants_civil_society_in_police_training(
        rulesets: Rulesets, tmp_path: Path) -> None:
    example = EXAMPLES / "xc-unassessed-risks.yaml"
    passing = of(check(rulesets, "national/xc", load_proposal(example)), "XC-01")
    assert [(f.element, f.outcome) for f in passing] == [("A1", "pass")]

    proposal = variant(tmp_path, "p.yaml", {"partners: [fr-impl, xc-lawyers]": "partners: [fr-impl]"},
                       base=example)
    [xc] = of(check(rulesets, "national/xc", proposal), "XC-01")
    assert (xc.element, xc.outcome) == ("A1", "fail")
    assert "xc-police" in xc.message and "fr-impl" in xc.message
    assert not of(check(rulesets, "national/xa", proposal), "XC-01")


def test_caledras_shorter_sunset_delay_explains_the_late_sunset(rulesets: Rulesets) -> None:
    proposal = load_proposal(EXAMPLES / "xc-late-sunset.yaml")
    [sun] = of(check(rulesets, "national/xc", proposal), "SUN-01")
    assert sun.outcome == "fail" and "3 months" in sun.message
    used = param(sun, "max_sunset_delay")
    assert (used.value, used.origin.layer, used.origin.previous) == ("3 months", "national/xc", "6 months")
    assert not used.origin.relaxation


def test_a_proposal_checked_against_another_countrys_rules_says_so(tmp_path: Path) -> None:
    # --country XA, or country = "XA" in the settings, checked a Borealian proposal against
    # Arcadia's rules with no word of it (ruleset_note was null): its data-localisation
    # failure under Borealia's rules became a pass
    borealian = EXAMPLES / "xb-donor-led.yaml"
    for args in (["--country", "XA"], ["--ruleset", "national/xa"]):
        result = CliRunner().invoke(main, ["check", str(borealian), *args, "--format", "json"])
        [checked] = json.loads(result.output)["results"]
        assert checked["ruleset"] == "national/xa"
        assert checked["ruleset_note"].startswith("the proposal's host country is XB, but "), \
            checked["ruleset_note"]
    (tmp_path / ".git").mkdir()
    (tmp_path / "cappolicy.toml").write_text('country = "XA"\n', encoding="utf-8")
    (tmp_path / "p.yaml").write_text(borealian.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "p.yaml"), "--no-color"])
    assert "note      the proposal's host country is XB, but the run checks it against the " \
        "rules for XA (--country, or the country of the settings)" in result.output
    # its own country's ruleset says nothing of the kind
    for args in ([], ["--country", "XB"], ["--ruleset", "national/xb"]):
        result = CliRunner().invoke(main, ["check", str(borealian), *args, "--format", "json"])
        [checked] = json.loads(result.output)["results"]
        assert checked["ruleset_note"] is None, (args, checked["ruleset_note"])
    # a ruleset named that leaves its country's out (the baseline, a region's) says so
    for ref in ("baseline", "regional/aec"):
        result = CliRunner().invoke(main, ["check", str(borealian), "--ruleset", ref,
                                           "--format", "json"])
        [checked] = json.loads(result.output)["results"]
        assert checked["ruleset_note"] == "XB has a national ruleset, national/xb, which " \
            f"is not used: the run names {ref} (--ruleset)"


def test_a_ministry_names_denials_of_a_safeguard_in_its_own_language(
        rulesets: Rulesets, tmp_path: Path) -> None:
    # PROC-02 reads "no external audit" as a denial in English, French and Spanish only: a
    # ministry whose proposals are written in German sets the pattern its layer reads, with
    # a reason, and the evidence names the pattern and the layer that set it, not a page
    # of regex
    proposal = variant(tmp_path, "p.yaml", {
        "safeguards: [conflict-of-interest-declarations, external-audit]":
            'safeguards: ["kein externes Audit", "ohne Audit der Vergabestelle"]'})
    base = shipped(rulesets, "national/xa")
    [english] = of(check(rulesets, "national/xa", proposal), "PROC-02")
    assert english.outcome == "pass"  # the shipped pattern knows no German

    denied = base.params["denied_safeguard_pattern"].value
    german = "(?i)^\\\\W*(kein|keine|ohne)\\\\b|" + denied[len("(?i)"):].replace("\\", "\\\\")
    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    (rules / "xa.cpol").write_text(
        'ruleset xa "Arcadia, in German"\nversion "1"\nextends regional/aec\njurisdiction XA\n'
        f'set denied_safeguard_pattern = "{german}"\n'
        '    because "Erlass 12/2027: Vorschläge werden auf Deutsch verfasst"\n',
        encoding="utf-8")
    local = Rulesets(Catalog([*Catalog().roots, tmp_path / "rules"]))
    eff = local.for_country("XA").ruleset
    [finding] = of(evaluate(eff.compiled(), proposal, AS_OF, ruleset=eff.id), "PROC-02")
    assert finding.outcome == "fail"
    use = param(finding, "denied_safeguard_pattern")
    assert use.origin.layer == "national/xa"
    assert use.origin.because == "Erlass 12/2027: Vorschläge werden auf Deutsch verfasst"

    def texts(ev: Evidence) -> list[str]:
        return [ev.expr, *(t for kid in ev.children for t in texts(kid))]
    shown = texts(finding.evidence[0])
    assert "s matches denied_safeguard_pattern" in shown
    assert all("(?i)" not in text for text in shown)  # the patterns are named, not spelt out


def test_a_pattern_set_to_one_language_alone_is_shown_as_what_a_pass_owes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a pattern param has no stricter direction, so every change of it counts as a
    # relaxation; a proposal that passes PROC-02 only because the national layer's pattern
    # no longer reads an English denial says so in the report, not only in lint (CP262)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    (rules / "xa.cpol").write_text(
        'ruleset xa "Arcadia, in French"\nversion "1"\nextends regional/aec\njurisdiction XA\n'
        'set denied_safeguard_pattern = "(?i)^\\\\W*(aucune?|sans)\\\\b"\n'
        '    because "Décret 12/2027 : les propositions sont rédigées en français"\n',
        encoding="utf-8")
    text = GOOD.read_text(encoding="utf-8").replace(
        "safeguards: [conflict-of-interest-declarations, external-audit]",
        'safeguards: ["external audit waived for 2027"]')
    assert "waived for 2027" in text
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    shipped_only = CliRunner().invoke(main, ["check", "p.yaml", "--country", "XA", "--no-color"])
    assert "error[PROC-02]" in shipped_only.output  # the baseline reads the waiver
    result = CliRunner().invoke(main, ["check", "p.yaml", "--country", "XA", "--no-color",
                                       "--rulesets", "rules"])
    assert result.exit_code == 0, result.output
    assert "relaxed   national/xa: passes PROC-02 only because national/xa allows " \
        'denied_safeguard_pattern = "(?i)^\\\\W*(aucune?|sans)\\\\b" instead of "(?i)' \
        in result.output


def test_a_public_sector_widened_by_a_ministry_is_kept_from_foreign_oversight(
        tmp_path: Path) -> None:
    # GOV-03 read its own param, overseen_only_by_host, so that narrowing public_sector
    # could not relax it; a ministry that widened public_sector to its public universities
    # then lost GOV-03 over them. It reads both: the kinds of either are kept
    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    (rules / "xa.cpol").write_text(
        'ruleset xa "Arcadia"\nversion "1"\nextends regional/aec\njurisdiction XA\n'
        "set public_sector = {ministry, regulator, cert, law-enforcement, judiciary, "
        "parliament, agency, academia}\n"
        '    because "Higher Education Act: the universities are public bodies"\n',
        encoding="utf-8")
    proposal = variant(tmp_path, "p.yaml", {
        "    - {from: steering, kind: decides":
            "    - {from: donor-a, to: xa-uni, kind: oversees}\n"
            "    - {from: steering, kind: decides"})
    local = Rulesets(Catalog([*Catalog().roots, tmp_path / "rules"]))
    eff = local.for_country("XA").ruleset
    failed = [f for f in of(evaluate(eff.compiled(), proposal, AS_OF, ruleset=eff.id), "GOV-03")
              if f.outcome == "fail"]
    assert [f.message.split(" oversees ")[0] for f in failed] == ["donor-a"]
