"""What a reviewer reads in the default text report: where a param was set, named as under
its rulesets root, and the other report defects of issue 15."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main
from cappolicy.render.paths import in_rulesets

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
SHIPPED = Path(__file__).resolve().parent.parent / "rulesets"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--no-color", "--as-of", "2027-01-15"])
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_a_params_origin_is_named_under_its_rulesets_root_from_any_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the rulesets lie outside the current folder, as installed ones do
    out = run("check", str(EXAMPLES / "xc-late-sunset.yaml"), "--rulesets", str(SHIPPED), "-v")
    assert "set by baseline/financing.cpol:" in out
    assert "set by national/xc.cpol:" in out
    assert "tightens baseline 6 months (baseline/financing.cpol:" in out
    assert str(SHIPPED) not in out


@pytest.mark.parametrize(("file", "layer", "shown"), [
    ("/venv/site-packages/cappolicy/_data/rulesets/baseline/ownership.cpol", "baseline",
     "baseline/ownership.cpol"),
    ("C:/rules/national/xa.cpol", "national/xa", "national/xa.cpol"),
    ("rulesets/regional/aec.cpol", "regional/aec", "regional/aec.cpol"),
    ("/tmp/mine.cpol", "other", "/tmp/mine.cpol"),  # not under a root of that ruleset
    ("<builtin>", "baseline", "<builtin>"),
])
def test_in_rulesets(file: str, layer: str, shown: str) -> None:
    assert in_rulesets(file, layer) == shown


def test_a_graph_search_whose_start_is_the_target_says_so_rather_than_an_empty_path() -> None:
    """EVAL-04's evaluator is itself an implementer: the path has no edge, and the evidence
    used to end "along budgets<-, employs<-, reports_to:" with nothing after it."""
    out = run("check", str(EXAMPLES / "xc-unassessed-risks.yaml"))
    lines = out.splitlines()
    assert not [line for line in lines if line.rstrip().endswith(("reports_to:", "oversees<-:"))]
    assert any("fr-impl (implementer, FR, line 30) itself meets n -> n.kind in "
               "non_independent_kinds or n.id in roles.implementation or n.id in implementers "
               "and not (n.country == host_country and n.kind in public_sector and n.id not in "
               "foreign_paid) or funding.sources present and n.id in foreign_funders or n.id in "
               "managing: no budgets<-, employs<-, "
               "reports_to, oversees<- edge needed" in line for line in lines)


def test_a_ruleset_of_two_files_each_naming_its_country_is_listed_for_it_once(
        tmp_path: Path) -> None:
    folder = tmp_path / "rules" / "national" / "xq"
    folder.mkdir(parents=True)
    for name in ("a", "b"):
        (folder / f"{name}.cpol").write_text(
            f'ruleset xq "Quetzalia, part {name}"\nversion "1"\nextends baseline\n'
            "jurisdiction XQ\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["rulesets", "--rulesets", str(tmp_path / "rules"),
                                       "--no-color"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if "national/xq  " in line]
    assert line.endswith("for XQ"), line


def _findings_of_every_example() -> list:
    import datetime as dt

    from cappolicy.engine.evaluate import evaluate
    from cappolicy.proposal.load import load_proposal
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    rulesets = Rulesets(Catalog())
    found = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        proposal = load_proposal(path)
        choice = rulesets.for_country(proposal.host_country)
        found += evaluate(choice.ruleset.compiled(), proposal, dt.date(2027, 1, 15),
                          ruleset=choice.ruleset.id, effective=choice.ruleset)
    return found


def test_a_finding_names_a_proposal_path_never_a_line_and_an_unknown_names_what_is_missing(
        ) -> None:
    findings = _findings_of_every_example()
    assert [(f.file, f.rule, f.path) for f in findings if f.path.startswith("line ")] == []
    unknown = [f for f in findings if f.outcome == "unknown"]
    assert unknown and all(f.missing for f in unknown), [
        (f.rule, f.message) for f in unknown if not f.missing]
    assert not [f for f in findings if "undecidable" in f.message]


RELAXING = '''ruleset xq "Quetzalia"
version "1"
extends baseline
jurisdiction XQ

set max_sunset_delay = 12 months because "Budget Act s.9: assets pass to the State within a year"
disable SUN-03 because "Donor funding follows the donor's own cycle"
disable KT-02 because "Knowledge transfer is agreed separately"
'''


def test_the_default_report_says_in_one_line_per_layer_what_the_verdict_owes_to_it(
        tmp_path: Path) -> None:
    from test_format_contract import COMPLETE

    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    (rules / "xq.cpol").write_text(RELAXING, encoding="utf-8")
    proposal = (COMPLETE.replace("host_country: XA", "host_country: XQ")
                .replace("country: XA", "country: XQ")
                # nine months after the end: within Quetzalia's 12, not the baseline's 6
                .replace("sunset: {date: 2029-12-31", "sunset: {date: 2030-09-30")
                # the donor gives more in the last year than in the first (SUN-03 would fail)
                .replace("{2027: 1200000, 2028: 900000, 2029: 600000}",
                         "{2027: 600000, 2028: 900000, 2029: 1200000}"))
    path = tmp_path / "xq.yaml"
    path.write_text(proposal, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--rulesets", str(tmp_path / "rules"),
                                       "--no-color", "--as-of", "2027-01-15"])
    assert result.exit_code == 0, result.output
    relaxed = [line for line in result.output.splitlines() if line.startswith("  relaxed")]
    # KT-02 is disabled too, but the proposal would pass it: the verdict does not depend on it
    assert relaxed == [
        "  relaxed   national/xq: passes SUN-01 only because national/xq allows "
        "max_sunset_delay = 1 year instead of 6 months; SUN-03 disabled by national/xq"]


def test_fewer_placeholder_words_are_said_when_a_todo_passes_for_them(tmp_path: Path) -> None:
    # the placeholder words are read by every rule, through the loader, not by name: a
    # layer that drops "TODO" from them makes "TODO" an answer, and must say so
    from test_format_contract import COMPLETE

    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    (rules / "xq.cpol").write_text(
        'ruleset xq "Quetzalia"\nversion "1"\nextends baseline\njurisdiction XQ\n\n'
        'set placeholders = {"TBD"} because "Drafting Regulation 2026 s.4"\n', encoding="utf-8")
    proposal = COMPLETE.replace("host_country: XA", "host_country: XQ").replace(
        "country: XA", "country: XQ")
    assert 'grievance_mechanism: "Ombudsman channel"' in proposal
    proposal = proposal.replace('"Ombudsman channel"', "TODO")
    path = tmp_path / "xq.yaml"
    path.write_text(proposal, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--rulesets", str(tmp_path / "rules"),
                                       "--no-color", "--as-of", "2027-01-15"])
    relaxed = [line for line in result.output.splitlines() if line.startswith("  relaxed")]
    assert len(relaxed) == 1, result.output
    assert "passes ACC-01 only because national/xq removes" in relaxed[0]
    assert "TODO" in relaxed[0] and "from placeholders" in relaxed[0]
    path.write_text(proposal.replace("grievance_mechanism: TODO",
                                     'grievance_mechanism: "Ombudsman desk"'), encoding="utf-8")
    again = CliRunner().invoke(main, ["check", str(path), "--rulesets", str(tmp_path / "rules"),
                                      "--no-color", "--as-of", "2027-01-15"])
    assert "  relaxed" not in again.output  # a real answer owes nothing to the layer


def test_a_relaxation_a_later_layer_tightens_a_little_is_still_said(tmp_path: Path) -> None:
    # xq drops "TODO" from the placeholder words; xq2 adds a word back, a tightening of
    # xq's set, yet still looser than the baseline's: "TODO" passes because of xq
    from test_format_contract import COMPLETE

    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    head = 'version "1"\njurisdiction XQ\n'
    (rules / "xq.cpol").write_text(
        f'ruleset xq "Q"\n{head}extends baseline\n\n'
        'set placeholders = {"TBD"} because "Drafting Regulation 2026 s.4"\n', encoding="utf-8")
    (rules / "xq2.cpol").write_text(
        f'ruleset xq2 "Q2"\n{head}extends national/xq\n\n'
        'set placeholders = {"TBD", "PENDIENTE"} because "Circular 2026/3"\n', encoding="utf-8")
    proposal = COMPLETE.replace("host_country: XA", "host_country: XQ").replace(
        "country: XA", "country: XQ").replace('"Ombudsman channel"', "TODO")
    path = tmp_path / "xq.yaml"
    path.write_text(proposal, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--rulesets", str(tmp_path / "rules"),
                                       "--ruleset", "national/xq2", "--no-color",
                                       "--as-of", "2027-01-15"])
    relaxed = [line for line in result.output.splitlines() if line.startswith("  relaxed")]
    assert len(relaxed) == 1, result.output
    assert relaxed[0].startswith("  relaxed   national/xq: passes ACC-01 only because "
                                 "national/xq "), relaxed[0]
    assert "removes" in relaxed[0] and "TODO" in relaxed[0] and "from placeholders" in relaxed[0]


def test_a_failure_a_layer_lowered_is_said_in_the_default_report(tmp_path: Path) -> None:
    from test_format_contract import COMPLETE

    proposal = (COMPLETE.replace("host_country: XA", "host_country: XC")
                .replace("country: XA", "country: XC")
                .replace("kind: cert,\n", "kind: cert, funded_by: [donor-a],\n"))
    path = tmp_path / "xc.yaml"
    path.write_text(proposal, encoding="utf-8")
    out = run("check", str(path))
    assert "  relaxed   national/xc: CERT-02 fails only as advisory: national/xc lowered it " \
           "from should" in out.splitlines()


@pytest.mark.parametrize(("value", "relaxed"), [
    ('{"id"}', False),        # from {} (any language) to Indonesian: a tightening
    ('{"id", "jv"}', False),
    ("{}", False),            # unchanged
])
def test_setting_host_languages_over_the_empty_default_is_a_tightening(
        tmp_path: Path, value: str, relaxed: bool) -> None:
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    (rules / "xq.cpol").write_text(
        f'ruleset xq "Quetzalia"\nversion "1"\nextends baseline\njurisdiction XQ\n'
        f'set host_languages = {value} because "Languages Act s.2"\n', encoding="utf-8")
    rulesets = Rulesets(Catalog([SHIPPED, tmp_path / "rules"]))
    eff = rulesets.for_country("XQ").ruleset
    assert eff.params["host_languages"].origin.relaxation is relaxed
    assert eff.param_relaxed("host_languages") is relaxed


def test_widening_or_emptying_host_languages_is_a_relaxation(tmp_path: Path) -> None:
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    rules = tmp_path / "rules" / "national"
    rules.mkdir(parents=True)
    for name, value in (("xq", '{"id", "en"}'), ("xr", "{}")):
        (rules / f"{name}.cpol").write_text(
            f'ruleset {name} "A"\nversion "1"\nextends regional/xs\n'
            f'set host_languages = {value} because "Languages Act s.2"\n', encoding="utf-8")
    regional = tmp_path / "rules" / "regional"
    regional.mkdir()
    (regional / "xs.cpol").write_text(
        'ruleset xs "S"\nversion "1"\nextends baseline\n'
        'set host_languages = {"id"} because "Regional languages"\n', encoding="utf-8")
    rulesets = Rulesets(Catalog([SHIPPED, tmp_path / "rules"]))
    for ref in ("national/xq", "national/xr"):
        source = rulesets.catalog.find(ref)
        assert source is not None
        assert rulesets.get(source).params["host_languages"].origin.relaxation is True


def _with_host(country: str, languages: str) -> str:
    from test_format_contract import COMPLETE

    return (COMPLETE.replace("host_country: XA", f"host_country: {country}")
            .replace("country: XA", f"country: {country}")
            .replace("languages: [en, fr]", f"languages: {languages}"))


def test_a_country_without_a_national_ruleset_gets_its_official_languages_from_cldr(
        tmp_path: Path) -> None:
    from babel.core import get_cldr_version

    path = tmp_path / "id.yaml"
    path.write_text(_with_host("ID", "[en]"), encoding="utf-8")
    out = run("check", str(path), "--fail-on", "should")
    assert "warning[LANG-01]" in out  # English-only training in Indonesia
    assert (f'  param     host_languages = {{"id"}}   set by CLDR {get_cldr_version()}, '
            "official languages of ID") in out
    path.write_text(_with_host("ID", "[id, en]"), encoding="utf-8")
    assert "LANG-01" not in run("check", str(path), "--fail-on", "should")


def test_cldr_defaults_keep_iso_639_1_codes_and_leave_unknown_territories_alone() -> None:
    from cappolicy.rulesets.catalog import Catalog, Rulesets

    rulesets = Rulesets(Catalog([SHIPPED]))
    kenya = rulesets.for_country("KE").ruleset.params["host_languages"]
    assert kenya.value == frozenset({"sw", "en"})
    assert kenya.origin.layer.endswith("official languages of KE")
    assert rulesets.for_country("XQ").ruleset.params["host_languages"].value == frozenset()
    # a national ruleset is left as it is
    assert rulesets.for_country("XA").ruleset.params["host_languages"].value == frozenset()


CEILING = '''ruleset baseline "B"
version "1"

rule CAP-01 "The programme stays under five million euros" {
  principle multi-year-budget
  source "000_66251300b48a3485.txt, paragraph 5"
  severity must
  require sum(sum(src.by_year) for src in funding.sources) <= 5000000 EUR
  message "m"
  hint "h"
}
'''


@pytest.mark.parametrize(("currency", "outcome", "said"), [
    ("EUR", "pass", None),
    ("USD", "unknown", "5000000 EUR is in EUR, but the proposal's amounts are in USD"),
    (None, "unknown", "funding.currency is missing"),
])
def test_a_money_literal_is_compared_only_with_amounts_in_its_currency(
        tmp_path: Path, currency: str | None, outcome: str, said: str | None) -> None:
    import datetime as dt

    from test_format_contract import COMPLETE

    from cappolicy.engine.evaluate import evaluate
    from cappolicy.proposal.load import load_proposal
    from cappolicy.rulesets.catalog import Catalog, Rulesets, named_ruleset

    rules = tmp_path / "rules" / "baseline"
    rules.mkdir(parents=True)
    (rules / "b.cpol").write_text(CEILING, encoding="utf-8")
    text = COMPLETE.replace("  currency: EUR\n", f"  currency: {currency}\n" if currency else "")
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    eff = named_ruleset(Rulesets(Catalog([tmp_path / "rules"])), "baseline")
    [finding] = [f for f in evaluate(eff.compiled(), load_proposal(path), dt.date(2027, 1, 15))
                 if f.rule == "CAP-01"]
    assert finding.outcome == outcome, finding.message
    if said is not None:
        assert said in finding.message
