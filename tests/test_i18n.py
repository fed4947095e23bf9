"""Reports in the reader's language: `check --lang`, the catalogues, the rules'
translations and the lint of their holes, numbers and dates in the reader's locale; and
the machine formats and the English report the same as ever."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result

from cappolicy.base.resources import shipped_rulesets
from cappolicy.cli.main import main
from cappolicy.lang import ast, i18n
from cappolicy.lang.parse import parse_text
from cappolicy.rulesets.lint import holes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = "2026-06-01"
SPACES = re.compile("[\u00a0\u202f]")  # Babel's no-break spaces, as plain ones


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def plain(text: str) -> str:
    return SPACES.sub(" ", text)


# ---------------------------------------------------------------- check --lang


@pytest.fixture(scope="module")
def french() -> str:
    result = run("check", str(EXAMPLES), "--as-of", AS_OF, "--lang", "fr")
    assert result.exit_code == 2, result.output  # the examples hold files that do not load
    return result.output


def test_french_report_has_french_labels_outcomes_and_summaries(french: str) -> None:
    assert "réglages : aucun (valeurs par défaut)" in plain(french)
    assert "selon le jeu de règles national/xa ==" in french
    assert re.search(r"^\S+/examples/\S+: erreur\[FIN-01\]", french, re.M)
    for label in ("  message    ", "  parce que  ", "  paramètre  ", "  principe   ",
                  "  conseil    "):
        assert label in french, label
    assert "total ERREUR : 17 propositions (en échec : 15, conformes : 2)" in plain(french)
    assert "3 fichiers non chargés" in french
    # the English words are gone from where the labels were
    assert "\n  because " not in french and "\n  hint " not in french


def test_french_report_words_baseline_findings_from_the_rule_files(french: str) -> None:
    # FIN-01 of xb-donor-led: its French message, with French numbers and percents
    assert ("Les sources de XB apportent 0 % du financement (0 sur 3 300 000) ; le minimum "
            "est de 15 %.") in plain(french)
    assert re.search(r": erreur\[FIN-01\] Le cofinancement du pays hôte atteint le minimum$",
                     french, re.M)
    # a regional rule translated at the end of its file
    assert "erreur[AEC-02] Aucune donnée personnelle n’est envoyée aux organismes régionaux " \
        "de l’AEC" in french
    assert "conseil    Augmentez le cofinancement des institutions de XB" in french
    assert "XB sources provide" not in french


def test_french_report_writes_dates_in_words(french: str) -> None:
    # SUN-01 of xc-late-sunset: ISO dates of the proposal written as a French reader reads them
    assert ("La date de fin de l’aide est le 31 décembre 2031 ; elle doit tomber entre le "
            "début du programme (1 juillet 2027) et le 30 septembre 2029, soit 3 mois après la "
            "fin du programme (30 juin 2029).") in plain(french)


def test_french_report_counts_what_it_shows_in_english(french: str) -> None:
    last = plain(french.rstrip("\n").splitlines()[-1])
    m = re.fullmatch(r"langue fr : (\d+) textes? non traduits? \(affichés? en anglais\)", last)
    assert m is not None, last
    # every text of the examples' report has its French: the rules', the catalogue's, and
    # the waiver checks' and the loader's diagnostics, which are made in English
    assert int(m.group(1)) == 0


def test_spanish_report() -> None:
    result = run("check", str(EXAMPLES / "proposals" / "xc-late-sunset.yaml"), "--as-of", AS_OF,
                 "--lang", "es")
    out = plain(result.output)
    assert result.exit_code == 1
    assert "error[SUN-01]" in out  # `error` is `error` in Spanish too
    assert ("mensaje   La fecha de salida es el 31 de diciembre de 2031; debe caer entre el "
            "inicio del programa (1 de julio de 2027)") in out
    assert "hasta 2029." in out  # a year is not grouped as a number (2.029)
    assert re.search(r"^FALLO: 2 errores, 1 info; \d+ conformes, \d+ no aplicables$", out, re.M)


def test_markdown_report_in_french() -> None:
    result = run("check", str(EXAMPLES / "proposals" / "xb-donor-led.yaml"), "--as-of", AS_OF,
                 "--lang", "fr", "--format", "markdown")
    out = plain(result.output)
    assert out.startswith("## cappolicy check : ❌ échec\n")
    assert "vérifié à la date du 1 juin 2026." in out
    assert "| principe | erreurs | avertissements |" in out
    assert "**🔴 erreur · FIN-01**" in out
    assert "Les sources de XB apportent 0 % du financement (0 sur 3 300 000)" in out
    assert "**Conseil :** Augmentez le cofinancement" in out
    assert "<details><summary>Justification</summary>" in out
    assert re.search(r"^\*langue fr : \d+ textes? non tradui", out, re.M)


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github"])
def test_machine_formats_are_the_same_in_every_language(fmt: str) -> None:
    english = run("check", str(EXAMPLES), "-v", "--as-of", AS_OF, "--format", fmt)
    french = run("check", str(EXAMPLES), "-v", "--as-of", AS_OF, "--format", fmt, "--lang", "fr")
    assert english.exit_code == french.exit_code == 2
    assert french.output == english.output


def test_json_keeps_english_messages_and_plain_numbers_under_lang_fr(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    result = run("check", str(EXAMPLES / "proposals" / "xb-donor-led.yaml"), "--as-of", AS_OF,
                 "--lang", "fr", "--output", f"json={report}")
    assert "Les sources de XB" in result.output  # the text on standard output is French
    text = report.read_text()
    assert "XB sources provide 0% of the funding (0 of 3300000)" in text
    assert "Les sources" not in text and "\u202f" not in text


def test_english_is_the_text_as_written() -> None:
    args = ("check", str(EXAMPLES), "-v", "--as-of", AS_OF)
    plain_run = run(*args)
    assert run(*args, "--lang", "en").output == plain_run.output
    assert "untranslated" not in plain_run.output


def test_an_unknown_language_is_a_usage_error() -> None:
    result = run("check", str(EXAMPLES / "proposals"), "--lang", "xx")
    assert result.exit_code == 2
    assert "error[CP442]: no translation into 'xx': reports can be written in en, es, fr" \
        in result.output
    assert "Traceback" not in result.output
    bad = run("check", str(EXAMPLES / "proposals"), "--lang", "fr;rm")
    assert bad.exit_code == 2 and "is not a language tag" in bad.output
    empty = run("check", str(EXAMPLES / "proposals"), "--lang", "")  # was English, silently
    assert empty.exit_code == 2 and "'' is not a language tag" in empty.output


def test_lang_in_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = tmp_path / "p.yaml"
    proposal.write_bytes((EXAMPLES / "proposals" / "xb-donor-led.yaml").read_bytes())
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cappolicy.toml").write_text('lang = "fr"\n')
    result = run("check", "p.yaml", "--as-of", AS_OF)
    assert "erreur[FIN-01]" in result.output
    assert "error[FIN-01]" in run("check", "p.yaml", "--as-of", AS_OF, "--lang", "en").output
    (tmp_path / "cappolicy.toml").write_text('country = "XB"\nlang = "klingon"\n')
    bad = run("check", "p.yaml")
    assert bad.exit_code == 2
    assert "cappolicy.toml:2:1: error[CP441]: " in bad.output
    assert "'klingon' is not a language tag" in bad.output


# ---------------------------------------------------------------- rules' translations


RULES = """ruleset t "T"

param n: number = 3 "n"

rule R-1 "Title" {{
  principle p
  source "000_66251300b48a3485.txt, paragraph 5"
  require host_country == XA and n > 2
  message "{{host_country}} has {{n * 100}} of it"
{extra}
  hint "Raise it."
}}
"""


def lint(tmp_path: Path, extra: str, more: str = "") -> Result:
    folder = tmp_path / "rules" / "t"
    folder.mkdir(parents=True)
    (folder / "t.cpol").write_text(RULES.format(extra=extra))
    if more:
        (folder / "t-fr.cpol").write_text("ruleset t\n" + more)
    return run("lint", str(folder))


def test_a_translation_with_the_holes_of_its_text_lints_clean(tmp_path: Path) -> None:
    result = lint(tmp_path, '  message fr "{n*100} : {host_country}"\n  hint es "Súbalo."')
    assert result.exit_code == 0, result.output


def test_a_translation_missing_a_hole_is_a_located_lint_error(tmp_path: Path) -> None:
    result = lint(tmp_path, '  message fr "{host_country} en a"')
    assert result.exit_code == 2
    assert re.search(r"t\.cpol:10:3: error\[CP261\]: the 'fr' message of rule R-1 does not "
                     r"have the holes of its message: it lacks \{n \* 100\}", result.output)


def test_a_translation_with_an_extra_hole_is_a_located_lint_error(tmp_path: Path) -> None:
    result = lint(tmp_path, '  hint es "Súbalo a {n}."')
    assert result.exit_code == 2
    assert re.search(r"t\.cpol:10:3: error\[CP261\]: the 'es' hint of rule R-1 does not have "
                     r"the holes of its hint: it has \{n\}, which the hint does not",
                     result.output)


def test_a_translation_in_its_own_file_is_linted_against_the_rule(tmp_path: Path) -> None:
    result = lint(tmp_path, "", 'override R-1 message fr "{host_country} : {n}"\n')
    assert result.exit_code == 2
    assert re.search(r"t-fr\.cpol:2:1: error\[CP261\]: the 'fr' message of rule R-1 .* it lacks "
                     r"\{n \* 100\}; it has \{n\}, which the message does not", result.output)
    assert "CP250" not in result.output  # a translation changes no decision: no `because`


def test_a_title_has_no_holes(tmp_path: Path) -> None:
    result = lint(tmp_path, '  title fr "Titre"', 'override R-1 title es "Título de {host_country}"\n')
    assert result.exit_code == 2
    assert re.search(r"t-fr\.cpol:2:1: error\[CP261\]: the 'es' title of rule R-1 does not have "
                     r"the holes of its title: it has \{host_country\}", result.output)
    assert "t.cpol:10" not in result.output  # the French title is fine


def test_a_wrong_hole_is_said_in_the_text_and_in_each_translation(tmp_path: Path) -> None:
    """A translation's holes are compiled with its text's: a hole they share is compiled
    once, but one that names nothing is an error at each place it is written."""
    folder = tmp_path / "rules" / "t"
    folder.mkdir(parents=True)
    (folder / "t.cpol").write_text(RULES.replace("{{n * 100}} of it", "{{nope.id}} of it")
                                   .format(extra='  message fr "{nope.id} : {host_country}"'))
    result = run("lint", str(folder))
    assert result.exit_code == 2
    assert re.search(r"t\.cpol:9:\d+: error\[CP\d+\]: .*nope", result.output), result.output
    assert re.search(r"t\.cpol:10:\d+: error\[CP\d+\]: .*nope", result.output), result.output


def test_a_translation_of_a_rule_no_layer_has_is_an_error(tmp_path: Path) -> None:
    result = lint(tmp_path, "", 'override R-9 message fr "x"\n')
    assert result.exit_code == 2
    assert "error[CP222]: cannot translate R-9" in result.output


def test_a_translated_message_round_trips_through_fmt(tmp_path: Path) -> None:
    source = RULES.format(extra='  message fr "{host_country} a {n * 100}"  # fr\n'
                                '  title es "Título"')
    file = tmp_path / "t.cpol"
    file.write_text(source)
    result = run("fmt", str(file))
    assert result.exit_code == 0, result.output
    laid = file.read_text()
    assert ('  title es "Título"\n  message "{host_country} has {n * 100} of it"\n'
            '  message fr "{host_country} a {n * 100}"  # fr\n  hint "Raise it."') in laid
    tree = parse_text(laid, "t.cpol")
    rule = next(i for i in tree.items if isinstance(i, ast.Rule))
    assert [(t.lang, t.field) for t in rule.translations] == [("es", "title"), ("fr", "message")]


def test_a_later_layer_s_english_text_drops_the_translations_of_the_one_it_replaces(
        tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "baseline").mkdir(parents=True)
    (rules / "national").mkdir()
    (rules / "baseline" / "b.cpol").write_text(
        'ruleset baseline "B"\nrule FIN-01 "Co-financing" {\n  principle co-financing\n'
        '  require 1 > 2\n  message "Old {host_country}"\n  message fr "Ancien {host_country}"\n'
        '  hint "Old hint"\n  hint fr "Ancien conseil"\n  title fr "Cofinancement"\n}\n')
    (rules / "national" / "xb.cpol").write_text(
        'ruleset xb "XB"\nextends baseline\njurisdiction XB\n'
        'override FIN-01 message "New {host_country}" because "Act 1"\n')
    proposal = tmp_path / "p.yaml"
    proposal.write_bytes((EXAMPLES / "proposals" / "xb-donor-led.yaml").read_bytes())
    result = run("check", str(proposal), "--rulesets", str(rules), "--as-of", AS_OF,
                 "--lang", "fr")
    assert "  message    New XB" in result.output  # the new English, not the stale French
    assert "  conseil    Ancien conseil" in result.output  # the hint was not replaced
    assert "erreur[FIN-01] Cofinancement" in result.output
    assert plain(result.output).rstrip().endswith(
        "langue fr : 1 texte non traduit (affiché en anglais)")


def test_every_baseline_rule_speaks_french_and_spanish() -> None:
    from cappolicy.rulesets.catalog import Catalog, Rulesets
    from cappolicy.run.check import Job

    eff = Rulesets(Catalog([shipped_rulesets()])).for_country(None).ruleset
    job = Job((), None, None, dt.date(2026, 6, 1))
    assert job.lang is None
    for spec in eff.rules:
        have = {(t.lang, t.field) for t in spec.translations}
        for lang in ("fr", "es"):
            assert (lang, "title") in have, (spec.rule.id, lang)
            for field in ("message", "hint"):
                if getattr(spec, field) is not None:
                    assert (lang, field) in have, (spec.rule.id, lang, field)
        for t in spec.translations:
            if t.field == "title":
                assert not holes(t.template), spec.rule.id
                continue
            original = getattr(spec, t.field)
            assert sorted(holes(t.template)) == sorted(holes(original)), spec.rule.id


# ---------------------------------------------------------------- catalogues


def _catalogue(lang: str) -> dict[str, object]:
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "cappolicy.po").open("rb") as fp:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string
                for m in read_po(fp) if m.id}


def test_the_template_holds_every_string_the_code_asks_for() -> None:
    """The .pot is what `pybabel extract -F babel.cfg` makes of the code and of the HTML
    report's template today."""
    template_glob = "src/cappolicy/render/templates/**.html"
    method_map = [("src/cappolicy/**.py", "python"), (template_glob, "jinja2")]
    options = {template_glob: {"extensions": "jinja2.ext.i18n", "trim_blocks": "True",
                               "lstrip_blocks": "True"}}
    found = {m[2] if isinstance(m[2], str) else m[2][0]
             for m in extract_from_dir(str(ROOT), method_map, options,
                                       keywords={"_": None, "gettext": None,
                                                 "ngettext": (1, 2), "N_": None})}
    assert "Findings by principle" in found and "must" in found
    with (i18n.LOCALE_DIR / "cappolicy.pot").open("rb") as fp:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}
    assert found == template


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_fixed_string_is_translated_with_its_holes(lang: str) -> None:
    with (i18n.LOCALE_DIR / "cappolicy.pot").open("rb") as fp:
        template = [m.id for m in read_po(fp) if m.id]
    catalogue = _catalogue(lang)
    hole = re.compile(r"\{(\w+)\}|%\((\w+)\)s")  # str.format's, and the HTML template's
    for msgid in template:
        key = msgid if isinstance(msgid, str) else msgid[0]
        said = catalogue.get(key)
        assert said, (lang, key)
        forms = said if isinstance(said, tuple) else (said,)
        for form in forms:
            assert isinstance(form, str) and form, (lang, key)
            assert set(hole.findall(form)) == set(hole.findall(key)), (lang, key, form)


def test_plural_forms_follow_the_language() -> None:
    fr = i18n.translator("fr")
    assert fr.ngettext("{n} error", "{n} errors", 0).format(n=0) == "0 erreur"
    assert fr.ngettext("{n} error", "{n} errors", 1).format(n=1) == "1 erreur"
    assert fr.ngettext("{n} error", "{n} errors", 2).format(n=2) == "2 erreurs"
    es = i18n.translator("es")
    assert es.ngettext("{n} error", "{n} errors", 0).format(n=0) == "0 errores"
    assert fr.untranslated == es.untranslated == 0
    assert fr.gettext("a string no catalogue has") == "a string no catalogue has"
    assert fr.untranslated == 1


def test_a_region_falls_back_to_its_language() -> None:
    assert i18n.translator("fr-CA").gettext("hint") == "conseil"
    assert i18n.translator("FR").lang == "fr"
    assert i18n.translator("en-GB").is_source
    with pytest.raises(i18n.UnknownLanguage):
        i18n.translator("de")


# ---------------------------------------------------------------- numbers and dates


def test_numbers_money_and_dates_in_the_reader_s_locale() -> None:
    assert plain(i18n.format_money(1_200_000, "EUR", "fr")) == "1 200 000 €"
    assert plain(i18n.format_money(1_200_000.5, "EUR", "fr")) == "1 200 000,50 €"
    assert plain(i18n.format_money(1_200_000, "EUR", "es")) == "1.200.000 €"
    assert i18n.format_date(dt.date(2029, 12, 31), "fr") == "31 décembre 2029"
    assert i18n.format_date(dt.date(2029, 12, 31), "es") == "31 de diciembre de 2029"
    assert plain(i18n.format_number(3_300_000, "fr")) == "3 300 000"
    assert i18n.format_number(2029, "fr") == "2029"
    assert i18n.format_number(12.5, "fr") == "12,5"
    assert plain(i18n.format_percent(0.15, "fr")) == "15 %"
    assert i18n.format_duration(ast.Duration(months=6), "fr") == "6 mois"
    assert i18n.format_duration(ast.Duration(months=24), "es") == "2 años"
    assert plain(i18n.format_value([ast.Money(5.0, "EUR"), dt.date(2027, 1, 1)], "fr")) == \
        "[5 €, 1 janvier 2027]"


def test_english_values_are_as_the_machine_formats_show_them() -> None:
    assert i18n.format_value(3_300_000, "en") == "3300000"
    assert i18n.format_value(dt.date(2029, 12, 31), "en") == "2029-12-31"
    assert i18n.format_value(ast.Money(1_200_000.0, "EUR"), "en") == "1200000 EUR"


def test_the_active_translator_is_english_outside_a_report() -> None:
    with i18n.use(i18n.translator("fr")):
        assert i18n.gettext("hint") == "conseil"
    assert i18n.gettext("hint") == "hint"
    assert i18n.active().is_source


def test_catalogues_are_read_from_the_package() -> None:
    assert i18n.LOCALE_DIR.parent == Path(i18n.__file__).resolve().parents[1]  # the package
    assert i18n.languages() == ("en", "es", "fr")


def test_the_portfolio_is_written_in_the_language_asked(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # portfolio had no --lang and wrote English whatever the settings' lang said
    iati = ROOT / "tests" / "data" / "iati" / "ES_MAEC_IATI_INDONESIA.xml"
    french = run("portfolio", str(iati), "--lang", "fr")
    assert french.exit_code == 1, french.output
    assert french.output.startswith("portefeuille\u202f: 83 propositions, 83 en échec "
                                    "(échec à partir de must)")
    assert "principe" in french.output and "non publié dans IATI" in french.output
    spanish = run("portfolio", str(iati), "--lang", "es", "--format", "markdown")
    assert spanish.output.startswith("### Cartera: 83 propuestas, 83 en fallo")
    english = run("portfolio", str(iati), "--format", "json").output
    assert run("portfolio", str(iati), "--lang", "fr", "--format", "json").output == english
    assert run("portfolio", str(iati), "--lang", "xx").exit_code == 2
    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "cappolicy.toml").write_text('lang = "es"\n', encoding="utf-8")
    (project / "a.yaml").write_text((EXAMPLES / "proposals" / "xa-cirt-good.yaml")
                                    .read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(project)
    assert run("portfolio", "a.yaml").output.startswith("cartera: 1 propuesta, 0 en fallo")


def test_a_check_in_english_does_not_read_a_file_of_translations_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # decoding the baseline's French and Spanish texts was 6 ms of every start; a report
    # in English does without them, one in French reads them (and says what is wrong in
    # them), and lint always does
    import shutil

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    rules = tmp_path / "rules" / "national" / "xq"
    rules.mkdir(parents=True)
    (rules / "xq.cpol").write_text(
        'ruleset xq "Quebra"\nversion "1"\nextends baseline\njurisdiction XA\n', encoding="utf-8")
    (rules / "texts-fr.cpol").write_text(
        "ruleset xq\n\n# French texts\n"
        'override FIN-01 title fr "Le cofinancement atteint le minimum"\n'
        'override FIN-01 hint fr "Voir \\"l’annexe\\" \\\\ A"\n'  # escapes: still only texts
        'override NOPE-01 title fr "Une règle que personne n’a"\n', encoding="utf-8")
    shutil.copy(EXAMPLES / "proposals" / "xa-cirt-good.yaml", "p.yaml")
    args = ("check", "p.yaml", "--rulesets", "rules", "--ruleset", "national/xq", "--as-of", AS_OF)
    english = run(*args)
    assert english.exit_code == 0, english.output
    french = run(*args, "--lang", "fr")
    assert french.exit_code == 2 and "NOPE-01" in french.output
    linted = run("lint", "--rulesets", "rules", "national/xq")
    assert linted.exit_code == 2 and "NOPE-01" in linted.output
    # a file with anything else in it is read in every language
    (rules / "texts-fr.cpol").write_text(
        "ruleset xq\n"
        'override NOPE-01 title fr "Une règle que personne n’a"\n'
        'set min_co_financing = 20% because "Finance Act"\n', encoding="utf-8")
    assert run(*args).exit_code == 2
