"""The reader's language reaches what the engine and the IATI report say in their own
words: the notes of evidence (`no element of X satisfies it`), the IATI file's note with
its plurals, and the numbers and percentages in messages, rounded as English rounds them;
the English text and the machine formats stay as they were."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from strategies_lang import effective

from cappolicy.base.deferred import N_, Deferred
from cappolicy.base.span import Span
from cappolicy.cli.main import main
from cappolicy.engine import evidence
from cappolicy.engine.evaluate import evaluate
from cappolicy.engine.findings import Evidence
from cappolicy.lang import ast, i18n
from cappolicy.proposal.model import Proposal
from cappolicy.render.text import evidence_lines, evidence_words
from cappolicy.report.iati import FileSummary

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = "2026-06-01"
NNBSP = "\u202f"
SPACES = re.compile("[\u00a0\u202f]")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def plain(text: str) -> str:
    return SPACES.sub(" ", text)


# ---------------------------------------------------------------- percentages (item 8)


@pytest.mark.parametrize("fraction", [1 / 3, 2 / 3, 0.15, 0.125, 1e-9, 12.3456789, -0.5, 1.0])
def test_a_percent_has_the_digits_english_shows(fraction: float) -> None:
    english = str(ast.Percent(fraction))  # 33.3333%: six significant digits
    for lang, decimal in (("fr", ","), ("es", ",")):
        said = plain(i18n.format_percent(fraction, lang)).replace(" ", "").replace(".", "")
        digits = said.removesuffix("%").replace(decimal, ".")
        assert float(digits) == float(english.removesuffix("%")), (lang, said, english)


def test_a_third_is_33_3333_percent_in_every_language() -> None:
    assert plain(i18n.format_percent(1 / 3, "fr")) == "33,3333 %"
    assert plain(i18n.format_percent(1 / 3, "es")) == "33,3333 %"
    assert plain(i18n.format_value(ast.Percent(2 / 3), "fr")) == "66,6667 %"
    assert plain(i18n.format_percent(0.15, "fr")) == "15 %"


def test_a_percent_in_a_rule_s_message_is_shown_as_written_in_french(tmp_path: Path) -> None:
    # a decimal is shown as it is written (lang/values.py); only a share that does not
    # end is rounded (test_a_third_is_33_3333_percent_in_every_language)
    rules = tmp_path / "rules"
    (rules / "baseline").mkdir(parents=True)
    (rules / "baseline" / "b.cpol").write_text(
        'ruleset baseline "B"\nparam share: percent = 33.33333333% "a share"\n'
        'rule FIN-01 "Co-financing" {\n  principle co-financing\n  require 1 > 2\n'
        '  message "The share is {share}."\n}\n')
    proposal = tmp_path / "p.yaml"
    proposal.write_bytes((EXAMPLES / "proposals" / "xb-donor-led.yaml").read_bytes())
    args = ("check", str(proposal), "--rulesets", str(rules), "--as-of", AS_OF)
    assert "The share is 33.33333333%." in run(*args).output
    assert "The share is 33,33333333 %." in plain(run(*args, "--lang", "fr").output)
    assert "The share is 33,33333333 %." in plain(run(*args, "--lang", "es").output)


# ---------------------------------------------------------------- plurals made early (item 9)


def test_a_deferred_plural_is_said_in_the_form_of_the_reader_s_language() -> None:
    one = i18n.deferred_ngettext("{n} part", "{n} parts", 1, n=1)
    none = i18n.deferred_ngettext("{n} part", "{n} parts", 0, n=0)
    assert (one, none) == ("1 part", "0 parts")  # English, at once
    assert isinstance(one, Deferred)
    with i18n.use(i18n.translator("fr")) as fr:
        assert i18n.localise(none) == "0 partie"  # French says 0 in the singular
        assert i18n.localise(i18n.deferred_ngettext("{n} part", "{n} parts", 2, n=2)) == \
            "2 parties"
    assert fr.untranslated == 0
    again = pickle.loads(pickle.dumps(none))  # as from a worker process
    assert isinstance(again, i18n.Plural) and again == "0 parts" and again.n == 0
    with i18n.use(i18n.translator("es")):
        assert i18n.localise(again) == "0 partes"


def _file_note(activities: int) -> str:
    summary = FileSummary()
    for _ in range(activities):
        summary.add({"a risk assessment": ["RISK-01"]})
    note = summary.note(Span("f.xml", 1, 1))
    assert note is not None
    return note.message


def test_the_iati_file_note_of_one_activity_is_in_the_singular() -> None:
    message = _file_note(1)
    assert message == ("not published in IATI, in the 1 activity of this file: ask the "
                       "publisher for a risk assessment (1 of 1 activity)")
    with i18n.use(i18n.translator("fr")) as fr:
        assert plain(i18n.localise(message)) == (
            "non publié dans IATI, sur 1 activité de ce fichier : demandez à l’éditeur a risk "
            "assessment (1 sur 1 activité)")
    with i18n.use(i18n.translator("es")) as es:
        assert i18n.localise(message) == (
            "no publicado en IATI, en 1 actividad de este archivo: pida al publicador a risk "
            "assessment (1 de 1 actividad)")
    assert fr.untranslated == es.untranslated == 0


def test_the_iati_file_note_of_several_activities_is_in_the_plural() -> None:
    message = _file_note(3)
    assert message == ("not published in IATI, across the 3 activities of this file: ask the "
                       "publisher for a risk assessment (3 of 3 activities)")
    with i18n.use(i18n.translator("fr")):
        assert plain(i18n.localise(message)) == (
            "non publié dans IATI, sur les 3 activités de ce fichier : demandez à l’éditeur a "
            "risk assessment (3 sur 3 activités)")


# ---------------------------------------------------------------- numbers in diagnostics (11)


def test_a_number_in_a_diagnostic_is_written_in_the_reader_s_locale() -> None:
    template = "the values of {year} add up to {amount}, below zero: the year is left out"
    cents = N_(template, year=2011, amount=-250444.13)
    assert cents == ("the values of 2011 add up to -250444.13, below zero: the year is left "
                     "out")  # English, and the machine formats, as before
    with i18n.use(i18n.translator("fr")):
        assert plain(i18n.localise(cents)) == \
            "les valeurs de 2011 totalisent -250 444,13, moins que zéro : l’année est laissée " \
            "de côté"
        assert "totalisent -250 444, moins" in plain(i18n.localise(N_(template, year=2011,
                                                                         amount=-250444)))
        assert "-2504,5," in i18n.localise(N_(template, year=2011, amount=-2504.5))
        # a place in a file is written as its location is, whatever its size
        said = i18n.localise(N_("it is first given at line {line}; keep one of them",
                                line=12345))
        assert "12345" in said
    with i18n.use(i18n.translator("es")):
        assert "-250.444,13" in i18n.localise(cents)


IATI = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
  <iati-activity default-currency="EUR" xml:lang="en">
    <iati-identifier>NL-1-XA-001</iati-identifier>
    <reporting-org ref="XM-DAC-7" type="10"><narrative>Netherlands MFA</narrative></reporting-org>
    <title><narrative>Cyber incident response in Arcadia</narrative></title>
    <participating-org ref="XM-DAC-7" type="10" role="1"><narrative>MFA</narrative></participating-org>
    <participating-org ref="XA-GOV-1" type="10" role="2"><narrative>ICT</narrative></participating-org>
    <activity-status code="2"/>
    <activity-date type="2" iso-date="2027-01-01"/>
    <activity-date type="3" iso-date="2029-12-31"/>
    <recipient-country code="XA" percentage="100"/>
    <budget><period-start iso-date="2027-01-01"/><period-end iso-date="2027-12-31"/><value value-date="2027-01-01">400000</value></budget>
    <transaction><transaction-type code="2"/><transaction-date iso-date="2027-01-01"/><value value-date="2027-01-01">300000</value><provider-org ref="XM-DAC-7"/></transaction>
    <transaction><transaction-type code="2"/><transaction-date iso-date="2028-01-01"/><value value-date="2028-01-01">-550444.13</value><provider-org ref="XM-DAC-7"/></transaction>
    <transaction><transaction-type code="2"/><transaction-date iso-date="2028-02-01"/><value value-date="2028-02-01">300000</value><provider-org ref="XM-DAC-7"/></transaction>
  </iati-activity>
</iati-activities>
"""


def test_an_iati_file_s_sums_and_plurals_in_french(tmp_path: Path) -> None:
    file = tmp_path / "one.xml"
    file.write_text(IATI, encoding="utf-8")
    english = run("check", str(file), "--as-of", AS_OF).output
    assert "the values of 2028 add up to -250444.13, below zero" in english
    assert re.search(r"1:1: note\[CP467\]: not published in IATI, in the 1 activity of this "
                     r"file: .* \(1 of 1 activity\)", english)
    assert "activities" not in english.split("note[CP467]: not published in IATI, in")[1] \
        .splitlines()[0]
    french = plain(run("check", str(file), "--as-of", AS_OF, "--lang", "fr").output)
    assert "les valeurs de 2028 totalisent -250 444,13, moins que zéro" in french
    assert "non publié dans IATI, sur 1 activité de ce fichier : " in french
    assert "(1 sur 1 activité)" in french and "activités" not in french.split(
        "sur 1 activité de ce fichier")[1].splitlines()[0]
    spanish = plain(run("check", str(file), "--as-of", AS_OF, "--lang", "es").output)
    assert "-250.444,13" in spanish and "(1 de 1 actividad)" in spanish
    assert french.rstrip().endswith("langue fr : 0 texte non traduit (affiché en anglais)")


# ---------------------------------------------------------------- evidence's own words (item 7)


@pytest.fixture(scope="module")
def french() -> str:
    return plain(run("check", str(EXAMPLES), "--as-of", AS_OF, "--lang", "fr").output)


ENGLISH_NOTES = re.compile(r"no element of .* satisfies it|elements of .* do not satisfy it|"
                           r"^\s+\S+ is missing$|the first \d+ are shown|^\s+\S+ is \S",
                           re.M)


def test_the_notes_of_evidence_are_french(french: str) -> None:
    assert not ENGLISH_NOTES.search(french), ENGLISH_NOTES.search(french)
    assert "aucun élément de organisations ne satisfait la condition (7 examinés) ; les 5 " \
        "premiers sont montrés" in french
    assert "aucun élément de heirs ne satisfait la condition (0 examiné)" in french
    assert "1 élément sur 1 de keys(line.by_year) ne satisfait pas la condition" in french
    assert "2 éléments sur 3 de required_risk_topics ne satisfont pas la condition" in french
    assert re.search(r"^\s+evaluation\.by est absent$", french, re.M)
    assert re.search(r"^\s+activities\[0\]\.end est 2032-06-30$", french, re.M)
    assert french.rstrip().endswith("langue fr : 0 texte non traduit (affiché en anglais)")


def test_the_notes_of_evidence_are_spanish_in_html_and_markdown() -> None:
    for fmt in ("html", "markdown"):  # (one proposal: markdown keeps its evidence)
        out = plain(run("check", str(EXAMPLES / "proposals" / "xb-donor-led.yaml"), "--as-of",
                        AS_OF, "--lang", "es", "--format", fmt).output)
        assert "no element of" not in out and " do not satisfy it" not in out, fmt
        assert "ningún elemento de organisations cumple la condición (7 examinados); se " \
            "muestran los 5 primeros" in out, fmt


def test_the_english_notes_are_as_they_were_in_every_format() -> None:
    english = run("check", str(EXAMPLES / "proposals"), "--as-of", AS_OF).output
    assert "no element of organisations satisfies it (7 considered); the first 5 are shown" \
        in english
    as_json = run("check", str(EXAMPLES / "proposals"), "--as-of", AS_OF, "--lang", "fr",
                  "--format", "json").output
    assert '"note":"no element of organisations satisfies it (7 considered); the first 5 ' \
        'are shown"' in as_json


def test_a_placeholder_is_named_in_french(tmp_path: Path) -> None:
    proposal = tmp_path / "p.yaml"
    proposal.write_text((EXAMPLES / "proposals" / "xa-cirt-good.yaml").read_text(
        encoding="utf-8").replace('grievance_mechanism: "Ombudsman channel"',
                                  'grievance_mechanism: "TBD"'), encoding="utf-8")
    english = run("check", str(proposal), "--as-of", "2027-01-15").output
    assert "was   the placeholder 'TBD' (line 108)" in english
    assert "accountability.grievance_mechanism is the placeholder 'TBD'\n" in english
    french = plain(run("check", str(proposal), "--as-of", "2027-01-15", "--lang", "fr").output)
    assert "valait   le texte provisoire 'TBD' (ligne 108)" in french
    assert "accountability.grievance_mechanism est le texte provisoire 'TBD'\n" in french


RULE = '''ruleset baseline "B"
rule R-1 "Training activities end within the period" {
  principle p
  require all a in activities where a.type == training: a.end <= period.end
}
'''


def test_an_element_not_known_to_be_covered_is_said_in_french(tmp_path: Path) -> None:
    data = {"period": {"end": dt.date(2027, 1, 1)},
            "activities": [{"id": "A1", "type": "training", "end": dt.date(2028, 1, 1)},
                           {"id": "A2", "end": dt.date(2028, 1, 1)},
                           {"id": "A3", "end": dt.date(2028, 1, 1)}]}
    rules = effective(tmp_path, {"baseline.cpol": RULE}, "baseline").compiled()
    [finding] = evaluate(rules, Proposal("p.yaml", data), dt.date(2026, 6, 1))
    [ev] = finding.evidence
    assert ev.note == ("1 of 1 elements of activities do not satisfy it; for 2 elements of "
                       "activities 'a.type == training' is unknown: not known to be covered")
    with i18n.use(i18n.translator("fr")) as fr:
        lines = plain("\n".join(evidence_lines(finding.evidence, "p.yaml")))
    assert ("1 élément sur 1 de activities ne satisfait pas la condition ; pour 2 éléments de "
            "activities, 'a.type == training' est indéterminé : on ne sait pas s’ils sont "
            "couverts") in lines
    assert fr.untranslated == 0


def test_parts_left_out_are_said_in_french() -> None:
    leaf = Evidence("x == 1", "false", op="==", left="2", right="1")
    tree = Evidence("all", "false", children=(leaf, leaf, leaf), note="share = 1 / 3")
    cut = evidence.bounded(tree, limit=3)
    assert cut.note == "share = 1 / 3; 1 more part not shown: the explanation is too large"
    with i18n.use(i18n.translator("fr")):
        assert plain(evidence_words(cut.note)) == \
            "share = 1 / 3 ; 1 partie de plus non montrée : l’explication est trop longue"


def test_evidence_words_count_what_is_missing_but_not_the_rule_s_text() -> None:
    import gettext

    tr = i18n.Translations("xx", gettext.NullTranslations(), frozenset())
    with i18n.use(tr):
        assert evidence_words("share = 1 / 3") == "share = 1 / 3"  # the rule's, as written
        assert tr.untranslated == 0
        assert evidence_words(N_("{paths} is missing", paths="x")) == "x is missing"
    assert tr.untranslated == 1  # shown in English for want of a translation, and counted


@pytest.mark.parametrize(("value", "fr"), [
    (10**25, "10 000 000 000 000 000 000 000 000"),  # past babel's 28 digits: no fault
    (5e24, "5e+24"), (1e-320, "1e-320"),  # an exponent, as English shows it
    (1425566.13, "1 425 566,13"), (1 / 3, "0,333333"), (2029, "2029"),
])
def test_a_number_has_the_digits_english_shows_whatever_its_size(value: float, fr: str) -> None:
    assert plain(i18n.format_number(value, "fr")) == fr
