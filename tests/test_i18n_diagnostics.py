"""The diagnostics of files that cannot be loaded, the waiver checks and the IATI report
in the reader's language; the machine formats and the English report unchanged; and the
catalogues checked like a linter: every entry translated, with the holes of its msgid,
and French punctuation."""

from __future__ import annotations

import gettext
import json
import pickle
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result

from cappolicy.base.deferred import N_, Deferred, joined
from cappolicy.base.errors import Diagnostic
from cappolicy.cli.main import main
from cappolicy.lang import i18n

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IATI = ROOT / "tests" / "data" / "iati" / "ES_MAEC_IATI_INDONESIA.xml"
AS_OF = "2026-06-01"
NNBSP = "\u202f"  # the narrow no-break space French puts before : ; ! ?


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """A folder of proposals that do not load, each for a different reason."""
    (tmp_path / "wrong.yaml").write_text(
        "cappolicy: 1\nid: X\ntitel: T\nhost_country: XQQ\n"
        "period: {start: 2027-01-01, end: 2026-01-01}\n", encoding="utf-8")
    (tmp_path / "comma.json").write_text('{"cappolicy": 1, "id": "X",}', encoding="utf-8")
    (tmp_path / "tabs.yaml").write_text("cappolicy: 1\nid:\tX\n\ttitle: T\n", encoding="utf-8")
    return tmp_path


# ---------------------------------------------------------------- the reader's language


def test_a_proposal_that_does_not_load_is_diagnosed_in_french(bad: Path) -> None:
    result = run("check", str(bad), "--lang", "fr")
    assert result.exit_code == 2
    out = result.output
    assert f"wrong.yaml:3:1: erreur[CP411]{NNBSP}: champ inconnu 'titel' dans proposal\n" in out
    assert f"  = aide{NNBSP}: vouliez-vous dire 'title'{NNBSP}?\n" in out
    assert (f"wrong.yaml:4:15: erreur[CP409]{NNBSP}: code de pays (ISO 3166-1 alpha-2) "
            f"invalide{NNBSP}: 'XQQ'") in out
    # a date in a message is written as a French reader reads it
    assert (f"wrong.yaml:5:34: erreur[CP413]{NNBSP}: la période du programme{NNBSP}: la fin "
            "(1 janvier 2026) précède le début (1 janvier 2027)") in out
    assert (f"comma.json:1:28: erreur[CP402]{NNBSP}: JSON invalide{NNBSP}: un nom de champ entre "
            f"guillemets doubles était attendu, trouvé '}}'") in out
    assert "must be" not in out and "did you mean" not in out and "help:" not in out
    assert out.rstrip().endswith(f"langue fr{NNBSP}: 0 texte non traduit (affiché en anglais)")


def test_a_proposal_that_does_not_load_is_diagnosed_in_spanish_markdown(bad: Path) -> None:
    out = run("check", str(bad), "--lang", "es", "--format", "markdown").output
    assert ("**CP411** campo desconocido 'titel' en proposal (ayuda: ¿quería decir 'title'?)"
            in out)
    assert "el final (1 de enero de 2026) es anterior al inicio (1 de enero de 2027)" in out


def test_diagnostics_made_in_worker_processes_are_translated(bad: Path) -> None:
    one = run("check", str(bad), "--lang", "fr")
    two = run("check", str(bad), "--lang", "fr", "-j", "2")
    assert two.exit_code == 2
    assert "champ inconnu 'titel'" in two.output
    assert two.output == one.output


def test_the_html_page_shows_the_diagnostics_in_the_reader_s_language(
        bad: Path, tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    run("check", str(bad), "--lang", "fr", "--output", f"html={page}")
    text = page.read_text(encoding="utf-8")
    assert "champ inconnu &#39;titel&#39; dans proposal" in text
    assert "unknown field" not in text


# ---------------------------------------------------------------- machine formats, English


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "github"])
def test_machine_formats_of_a_bad_file_are_english_in_every_language(
        bad: Path, fmt: str) -> None:
    english = run("check", str(bad), "--format", fmt)
    for lang in ("fr", "es"):
        assert run("check", str(bad), "--format", fmt, "--lang", lang).output == english.output
    assert "unknown field" in english.output


def test_the_english_report_of_a_bad_file_is_as_it_was(bad: Path) -> None:
    out = run("check", str(bad)).output
    assert out == run("check", str(bad), "--lang", "en").output
    assert ("wrong.yaml:5:34: error[CP413]: the programme period ends on 2026-01-01, before it "
            "starts on 2027-01-01\n") in out
    assert "  = help: did you mean 'title'?\n" in out
    report = json.loads(run("check", str(bad), "--format", "json", "--lang", "fr").output)
    messages = [d["message"] for e in report["errors"] for d in e["diagnostics"]]
    assert "unknown field 'titel' in proposal" in messages


# ---------------------------------------------------------------- waivers and IATI


def test_the_waiver_checks_speak_french() -> None:
    out = run("check", str(EXAMPLES / "proposals" / "xb-donor-waiver.yaml"), "--as-of", AS_OF,
              "--lang", "fr").output
    assert ": erreur[WAIVER-01] Une dérogation est approuvée par une institution publique du " \
        "pays hôte\n" in out
    assert "  message    La dérogation à FIN-01 est approuvée par de-agency (donor, DE), mais un " \
        "bailleur ne peut pas déroger à une règle du pays hôte" in out
    assert "A waiver" not in out and "The waiver" not in out
    assert out.rstrip().endswith(f"langue fr{NNBSP}: 0 texte non traduit (affiché en anglais)")


def test_an_iati_report_asks_the_publisher_in_french() -> None:
    out = run("check", str(IATI), "--as-of", AS_OF, "--lang", "fr").output
    assert f"note[CP467]{NNBSP}: non publié dans IATI{NNBSP}: demandez à l’éditeur " in out
    assert f"(ALIGN-01, NEED-01){NNBSP}; " in out  # the topics' separator is French too
    assert "impossible de trancher : " in out.replace(NNBSP, " ")
    assert "not published in IATI" not in out and "ask the publisher" not in out
    assert out.rstrip().endswith(f"langue fr{NNBSP}: 0 texte non traduit (affiché en anglais)")


# ---------------------------------------------------------------- the deferred text


def test_a_deferred_text_is_its_english_text_everywhere() -> None:
    said = N_("expected {expected}, found {found}", expected=N_("a date"),
              found=N_("the number {value}", value="3"))
    assert said == "expected a date, found the number 3"
    assert isinstance(said, str) and json.dumps(said) == json.dumps(str(said))
    again = pickle.loads(pickle.dumps(Diagnostic("CP404", said)))  # as from a worker
    assert isinstance(again.message, Deferred)
    assert again.message.template == said.template and again.message == said
    with i18n.use(i18n.translator("es")):  # the holes are translated too
        assert i18n.localise(again.message) == "se esperaba una fecha, encontrado el número 3"
    listed = pickle.loads(pickle.dumps(joined("; ", [N_("a date"), "x"])))
    assert listed == "a date; x"
    with i18n.use(i18n.translator("fr")):
        assert i18n.localise(listed) == f"une date{NNBSP}; x"


def test_a_translation_with_wrong_holes_falls_back_to_english() -> None:
    class Broken(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return "{nothing} here"

    tr = i18n.Translations("xx", Broken(), frozenset({"no element of {collection}"}))
    with i18n.use(tr):
        said = i18n.localise(N_("no element of {collection}", collection="roles"))
    assert said == "no element of roles"
    assert tr.untranslated == 1


def test_a_text_that_was_not_made_to_be_translated_is_counted() -> None:
    tr = i18n.translator("fr")
    with i18n.use(tr):
        assert i18n.localise("plain English") == "plain English"
    assert tr.untranslated == 1
    with i18n.use(i18n.translator("en")):
        assert i18n.localise("plain English") == "plain English"


# ---------------------------------------------------------------- the catalogues, linted

HOLE = re.compile(r"\{(\w*)[^{}]*\}|%\((\w+)\)s")


def holes(text: str) -> Counter[str]:
    """The `{holes}` (and the HTML template's `%(holes)s`) of a text, `{{` `}}` left out."""
    return Counter(a or b for a, b in HOLE.findall(text.replace("{{", "").replace("}}", "")))


def catalogue_problems(path: Path, template: set[str]) -> list[str]:
    """What is wrong with a .po file: an entry untranslated, fuzzy or obsolete, one
    the template does not have, a form whose holes are not those of its msgid (by name
    and number), or that str.format cannot fill; in French, a : ; ! ? without its narrow
    no-break space (quoted text left out)."""
    with path.open("rb") as fp:
        catalog = read_po(fp)
    problems = [f"{path.name}: obsolete entry {m.id!r}" for m in catalog.obsolete.values()]
    french = "/fr/" in path.as_posix() or path.name.startswith("fr")
    for m in catalog:
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        forms = m.string if isinstance(m.string, (list, tuple)) else (m.string,)
        if key not in template:
            problems.append(f"{path.name}: {key!r} is not in the template")
        if m.fuzzy:
            problems.append(f"{path.name}: {key!r} is fuzzy")
        for form in forms:
            if not form:
                problems.append(f"{path.name}: {key!r} is not translated")
                continue
            if holes(form) != holes(key):
                problems.append(f"{path.name}: {key!r} has the holes {sorted(holes(form))}")
            if "{" in key:
                try:
                    form.format_map({h: "" for h in holes(key)})
                except (ValueError, KeyError, IndexError) as exc:
                    problems.append(f"{path.name}: {key!r} cannot be filled ({exc})")
            bare = re.sub(r"'[^']*'|`[^`]*`|\{[^{}]*\}|%\(\w+\)s", "", form)
            if french and re.search(rf"(^|[^{NNBSP}\u00a0])[:;!?](\s|$)", bare):
                problems.append(f"{path.name}: {key!r} wants a narrow no-break space: {form!r}")
    return problems


def _template() -> set[str]:
    with (i18n.LOCALE_DIR / "cappolicy.pot").open("rb") as fp:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id}


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_catalogue_entry_is_translated_with_the_holes_of_its_msgid(lang: str) -> None:
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "cappolicy.po"
    template = _template()
    assert catalogue_problems(path, template) == []
    with path.open("rb") as fp:
        assert {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fp) if m.id} \
            == template  # nothing missing either


def test_the_catalogue_check_finds_each_kind_of_mistake(tmp_path: Path) -> None:
    po = tmp_path / "fr.po"
    po.write_text('''msgid ""
msgstr ""
"Language: fr\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "unknown setting '{key}'"
msgstr "réglage inconnu '{clé}'"

msgid "no expiry"
msgstr ""

#, fuzzy
msgid "a date"
msgstr "une date"

msgid "{file} was not checked: {why}"
msgstr "{file} n’a pas été vérifié : {why} {why}"

msgid "until {date}"
msgstr "jusqu’au {date!z}"

msgid "settings: {keys}"
msgstr "réglages: {keys}"

msgid "not in the template"
msgstr "pas dans le modèle"
''', encoding="utf-8")
    found = "\n".join(catalogue_problems(po, _template()))
    for expected in ("\"unknown setting '{key}'\" has the holes ['clé']",
                     "'no expiry' is not translated", "'a date' is fuzzy",
                     "'{file} was not checked: {why}' has the holes",
                     "'until {date}' cannot be filled",
                     "'settings: {keys}' wants a narrow no-break space",
                     "'not in the template' is not in the template"):
        assert expected in found, (expected, found)


def test_the_shipped_french_rule_texts_have_french_punctuation() -> None:
    from cappolicy.base.resources import shipped_rulesets

    wrong = []
    for path in sorted(shipped_rulesets().rglob("*.cpol")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            said = re.search(r' fr "(.*)"\s*$', line)
            if said is None:
                continue
            # a plain space before : ; ! ? (a colon right after a word is YAML: `from: x`)
            if re.search(r" [:;!?](\s|$)|« | »", said.group(1)):
                wrong.append(f"{path.name}:{number}")
    assert wrong == []


def test_the_drawing_is_labelled_in_the_reader_s_language(tmp_path: Path) -> None:
    page = tmp_path / "r.html"
    run("check", str(EXAMPLES / "proposals" / "xb-donor-waiver.yaml"), "--as-of", AS_OF,
        "--lang", "es", "--output", f"html={page}")
    text = page.read_text(encoding="utf-8")
    assert 'aria-label="grafo de gobernanza"' in text and "governance graph" not in text


def test_what_a_verdict_owes_to_a_relaxation_is_said_in_french() -> None:
    args = ("check", str(EXAMPLES / "proposals" / "xc-regional-sharing.yaml"), "--as-of", AS_OF)
    assert ("  relaxed   regional/aec: passes DATA-01 only because regional/aec adds XA, XB, XC "
            "to allowed_data_destinations\n") in run(*args).output
    assert (f"  assoupli   regional/aec{NNBSP}: DATA-01 n’est conforme que parce que regional/aec "
            "ajoute XA, XB, XC à allowed_data_destinations\n") in run(*args, "--lang", "fr").output


def test_a_rule_that_applies_to_nothing_shows_its_french_title_and_counts_nothing(
        tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "baseline").mkdir(parents=True)
    (rules / "baseline" / "b.cpol").write_text(
        'ruleset baseline "B"\nrule KT-09 "Trainings" {\n  principle knowledge-transfer\n'
        '  for act in graph.nodes(kind: activity) where act.id == "no-such-activity"\n'
        '  require act.recurrence present\n  message "Activity {act.id} is one-off."\n'
        '  hint "Repeat {act.id}."\n  title fr "Formations"\n}\n', encoding="utf-8")
    proposal = tmp_path / "p.yaml"
    proposal.write_bytes((EXAMPLES / "proposals" / "xb-donor-led.yaml").read_bytes())
    out = run("check", str(proposal), "--rulesets", str(rules), "--ruleset", "baseline", "-v",
              "--as-of", AS_OF, "--lang", "fr").output
    assert re.search(r": sans-objet\[KT-09\] Formations$", out, re.M), out
    assert "aucun élément de graph.nodes(kind: activity) where" not in out  # not shown
    assert "Repeat" not in out
    assert out.rstrip().endswith(f"langue fr{NNBSP}: 0 texte non traduit (affiché en anglais)")
