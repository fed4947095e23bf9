"""Placeholders are not content: a text that only holds TODO, TBD, "..." or <...> counts as
absent for every rule, in the closures and in the generated code alike, and the evidence
says which placeholder was written."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner

from cappolicy.base.resources import shipped_rulesets
from cappolicy.cli.main import main
from cappolicy.engine.compile import Context
from cappolicy.engine.evaluate import closure_verdict, evaluate, functions_of
from cappolicy.proposal.load import _YamlComposer, load_proposal_text
from cappolicy.proposal.placeholders import (
    _HINT_WORDS, DEFAULT_WORDS, _table, maybe_placeholder, normalise, placeholder, readable,
    reading)
from cappolicy.rulesets.catalog import Catalog, Rulesets

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "examples" / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
AS_OF = dt.date(2027, 1, 15)


@pytest.mark.parametrize("text", [
    "TODO", "todo", " TBD. ", "TBC", "XXX", "...", "…", "-", "Lorem ipsum dolor sit amet",
    "<the treasury's id>", "TODO: what the programme does, in one line", "ID-TODO", "XA-TODO",
    "(tbd)", "'TODO'", "", "   ", "\t\n", "N/A", "n/a", "None", "not applicable",
    "To be determined", "TBA", "to be confirmed.",
    # a dash of any length, and a note after a dash or in brackets
    "—", "–", " — ", "TBD - to be negotiated with impl-a", "TBD — pending", "TODO–later",
    "TODO (ask the donor)", "to be determined: after the inception phase",
    # a note after a semicolon, a comma or a slash; a text that goes on after a word for
    # "not yet"; points; texts that say there is none
    "tbd; see annex", "tbd, pending MoU", "TBD / to be agreed with the treasury",
    "To be determined later", "not applicable at this stage", "TBD by the steering committee",
    "T.B.D.", "N.A.", "to be defined", "pending", "Pending approval of the authority",
    "No legal basis", "None yet - MoU not signed", "No grievance mechanism is foreseen",
    "There is no exit plan", "no statutory basis yet",
    # said otherwise, or in full-width letters
    "To be decided", "to be decided by the board", "Not yet determined", "not yet known",
    "To do", "Unknown", "ＴＢＤ", "ＴＯＤＯ：ask the donor", "Ｎ／Ａ",
])
def test_placeholders(text: str) -> None:
    assert placeholder(text) and reading(text)


@pytest.mark.parametrize("text", [
    "Ombudsman channel", "MoU 2026-04", "Todos Santos office", "The TBD register, and how it is kept",
    "XA-CIRT-2027", "Note: TODO later", "2029", "x",
    "Ombudsman — the national one", "Data Protection Act 2019 – s.12", "None of the data leaves XA",
    "<ombudsman@gov.xa>", "No. 12/2024 Data Protection Act", "No objection letter of the DPA",
    "Notification to the Data Protection Authority", "Nothing leaves the CIRT's own servers",
    "To do so, the CIRT signs an MoU with the DPA", "Unknown-risk register kept by the CIRT",
    "Not yet in force: the 2027 amendment replaces s.12", "Ｄａｔａ Ｐｒｏｔｅｃｔｉｏｎ Ａｃｔ",
])
def test_real_texts(text: str) -> None:
    assert not placeholder(text)
    assert not reading(text)  # read whole, not only ruled out by the quick look


@pytest.mark.parametrize("text", ["—", "TBD - to be negotiated", "TBD — pending", "– –",
                                  "No legal basis", "T.B.D.", "tbd; see annex", "Unknown",
                                  "To be decided", "not yet known", "ＴＢＤ"])
def test_the_quick_road_reads_a_dash_as_a_placeholder_as_the_usual_road_does(
        rulesets: Rulesets, text: str) -> None:
    # a legal basis of "—" let personal data go abroad on the quick loading road, which
    # kept its own copy of the punctuation (direct.py): DATA-01 and DATA-02 passed
    proposal = _variant(('basis: "MoU 2026-04"', f'basis: "{text}"'))
    for road in (load_proposal_text, _usual_road):
        failed, notes = _failed_with_notes(rulesets, proposal, road)
        assert "DATA-02" in failed, (road, text)
        assert f"activities[0].data_flows[0].basis is the placeholder {text!r}" \
            in notes["DATA-02"], (road, notes)


def _variant(*changes: tuple[str, str]) -> str:
    text = GOOD
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


PLACEHOLDERS = _variant(
    ('plan: "CIRT absorbs trainers into its 2030 budget"', "plan: TODO"),
    ('grievance_mechanism: "Ombudsman channel"', "grievance_mechanism: TBD"),
    ('basis: "MoU 2026-04"', "basis: TODO"),
    ("id: XA-CIRT-2027", "id: ID-TODO"),
)


@pytest.fixture(scope="module")
def rulesets() -> Rulesets:
    return Rulesets(Catalog())


BLANKS = _variant(
    ('plan: "CIRT absorbs trainers into its 2030 budget"', 'plan: ""'),
    ('grievance_mechanism: "Ombudsman channel"', 'grievance_mechanism: "  "'),
    ('basis: "MoU 2026-04"', "basis: n/a"),
    ("id: XA-CIRT-2027", 'id: ""'),
)


def _usual_road(text: str, name: str) -> Any:
    """The proposal as the usual loading road reads it (compose, then validate), not the
    quick one (direct.py)."""
    with mock.patch.object(_YamlComposer, "direct", lambda self: None):
        return load_proposal_text(text, name)


def _failed_with_notes(rulesets: Rulesets, text: str, load: Any = None
                       ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    proposal = (load or load_proposal_text)(text, "p.yaml")
    eff = rulesets.for_country("XA").ruleset
    findings = evaluate(eff.compiled(), proposal, AS_OF, ruleset=eff.id, effective=eff)
    failed = {f.rule: f for f in findings if f.outcome == "fail"}
    return failed, {rule: [e.note for e in _walk(f.evidence)] for rule, f in failed.items()}


def test_each_placeholder_fails_the_rule_that_asks_for_the_value(rulesets: Rulesets) -> None:
    failed, notes = _failed_with_notes(rulesets, PLACEHOLDERS)
    assert set(failed) == {"SUN-02", "ACC-01", "DATA-02", "ACC-03"}
    assert "sunset.plan is the placeholder 'TODO'" in notes["SUN-02"]
    assert "accountability.grievance_mechanism is the placeholder 'TBD'" in notes["ACC-01"]
    assert "activities[0].data_flows[0].basis is the placeholder 'TODO'" in notes["DATA-02"]
    assert "id is the placeholder 'ID-TODO'" in notes["ACC-03"]
    # each finding points at the placeholder in the file
    lines = PLACEHOLDERS.splitlines()
    assert "TODO" in lines[failed["SUN-02"].span.line - 1]
    assert "TBD" in lines[failed["ACC-01"].span.line - 1]


def test_an_empty_text_or_a_word_for_none_fails_as_the_placeholders_do(
        rulesets: Rulesets) -> None:
    # "" passed every rule that asks for a text: a legal basis of "" let personal data
    # go abroad (DATA-01), a grievance mechanism of "" answered ACC-01.
    failed, notes = _failed_with_notes(rulesets, BLANKS)
    assert set(failed) == {"SUN-02", "ACC-01", "DATA-02", "ACC-03"}
    assert "sunset.plan is empty" in notes["SUN-02"]
    assert "accountability.grievance_mechanism is empty" in notes["ACC-01"]
    assert "activities[0].data_flows[0].basis is the placeholder 'n/a'" in notes["DATA-02"]
    assert "id is empty" in notes["ACC-03"]


def _walk(evidence):  # type: ignore[no-untyped-def]
    for ev in evidence:
        yield ev
        yield from _walk(ev.children)


def test_the_generated_code_and_the_closures_agree_on_placeholders(rulesets: Rulesets) -> None:
    proposal = load_proposal_text(PLACEHOLDERS, "p.yaml")
    eff = rulesets.for_country("XA").ruleset
    rules = eff.compiled()
    words = rules[0].placeholders
    for rule in rules:
        fast = functions_of(rule)[1](Context(proposal.data, AS_OF, proposal, words))
        slow = closure_verdict(rule, Context(proposal.data, AS_OF, proposal, words))
        assert fast == slow, rule.id
    fast_fail = {r.id for r in rules
                 if functions_of(r)[1](Context(proposal.data, AS_OF, proposal, words)) == "fail"}
    assert fast_fail == {"SUN-02", "ACC-01", "DATA-02", "ACC-03"}


def test_a_ruleset_can_extend_the_placeholders(tmp_path: Path) -> None:
    (tmp_path / "national").mkdir()
    (tmp_path / "national" / "xq.cpol").write_text(
        'ruleset xq "Quebra"\nversion "1"\nextends baseline\njurisdiction XA\n'
        'set placeholders = {"TODO", "TBD", "TBC", "XXX", "...", "lorem ipsum", "À COMPLÉTER"}'
        ' because "Proposals are drafted in French too"\n', encoding="utf-8")
    rulesets = Rulesets(Catalog([shipped_rulesets(), tmp_path]))
    eff = rulesets.get(rulesets.catalog.sources["national/xq"])
    proposal = load_proposal_text(_variant(
        ('grievance_mechanism: "Ombudsman channel"', 'grievance_mechanism: "à compléter"')),
        "p.yaml")
    findings = evaluate(eff.compiled(), proposal, AS_OF, ruleset=eff.id, effective=eff)
    [acc] = [f for f in findings if f.rule == "ACC-01"]
    assert acc.outcome == "fail"


def test_readable_leaves_keys_and_real_texts_alone() -> None:
    data = {"id": "XA-CIRT-2027", "organisations": [{"id": "xa-TODO", "name": "TODO"}],
            "alignment": {"objectives": ["TODO", "TBD"], "sectors": ["energy", "TODO"]}}
    clean, found = readable(data)
    assert clean["organisations"][0] == {"id": "xa-TODO"}
    assert clean["alignment"]["objectives"] == []
    assert clean["alignment"]["sectors"] == ["energy", "TODO"]
    assert found == {("organisations", 0, "name"): "TODO",
                     ("alignment", "objectives", 0): "TODO",
                     ("alignment", "objectives", 1): "TBD"}
    assert data["organisations"][0]["name"] == "TODO"  # the proposal itself is not changed
    same, none = readable({"id": "XA-CIRT-2027", "title": "A programme"})
    assert none == {} and same == {"id": "XA-CIRT-2027", "title": "A programme"}


@pytest.mark.parametrize("word", sorted(DEFAULT_WORDS))
def test_the_quick_look_lets_every_default_word_through_wherever_it_stands(word: str) -> None:
    # placeholder() rules a text out with maybe_placeholder before reading it whole; a
    # text the whole reading takes for a placeholder must never be ruled out first
    for text in (word, word.upper(), word.title(), f"Exit plan: {word}", f"Legal basis {word}",
                 f"{word} (see annex)", f"« {word} »", f"\u00a0{word}\u3000", f"{word} — é"):
        if reading(text):
            assert maybe_placeholder(text) and placeholder(text), text


@pytest.mark.parametrize("hint", _HINT_WORDS.split("|"))
def test_the_quick_look_finds_each_hint_in_any_script(hint: str) -> None:
    # the ASCII road spells the hints out with `in`, other texts go through one pattern:
    # both must find each of them
    assert maybe_placeholder(f"The plan, {hint.upper()} x")
    assert maybe_placeholder(f"Le plan é, {hint} x")


def test_a_ruleset_s_own_copy_of_the_default_words_reads_as_the_defaults() -> None:
    # readable() given words equal to the defaults reads them as the defaults are read
    table = _table(frozenset(DEFAULT_WORDS))
    assert table == normalise(DEFAULT_WORDS)
    assert readable({"sunset": {"plan": "TBD"}}, DEFAULT_WORDS)[1] == {("sunset", "plan"): "TBD"}
    assert placeholder("Exit plan: TBD", table) and not placeholder("Ombudsman channel", table)


# --- unfilled template slots ---------------------------------------------------------------


def test_an_unfilled_template_slot_fails_the_rule_through_cappolicy_check(
        tmp_path: Path) -> None:
    # `plan: "${EXIT_PLAN}"` passed SUN-02: a template's slot, never filled in, read as a plan
    path = tmp_path / "xa-cirt-slot.yaml"
    path.write_text(_variant(('plan: "CIRT absorbs trainers into its 2030 budget"',
                              'plan: "${EXIT_PLAN}"')), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--as-of", AS_OF.isoformat(), "--format", "json",
                                       str(path)])
    assert result.exit_code == 1, result.output
    [checked] = json.loads(result.output)["results"]
    [sun] = [f for f in checked["findings"] if f["rule"] == "SUN-02"]
    assert sun["outcome"] == "fail"
    assert "sunset.plan is the placeholder '${EXIT_PLAN}'" in list(_notes(sun["evidence"]))
    assert "${EXIT_PLAN}" in path.read_text(encoding="utf-8").splitlines()[sun["line"] - 1]


def _notes(evidence: Any) -> Any:
    for item in evidence or ():
        if item.get("note"):
            yield item["note"]
        yield from _notes(item.get("children"))


@pytest.mark.parametrize("text", ["{{legal_basis}}", "${BASIS}", "Law [\u2022] of [\u2022]",
                                  "MoU [ \u25cf ] of 2026", "{{ basis }} (see annex)"])
def test_both_loading_roads_read_a_template_slot_as_a_placeholder(
        rulesets: Rulesets, text: str) -> None:
    proposal = _variant(('basis: "MoU 2026-04"', f"basis: {json.dumps(text)}"))
    for road in (load_proposal_text, _usual_road):
        failed, notes = _failed_with_notes(rulesets, proposal, road)
        assert f"activities[0].data_flows[0].basis is the placeholder {text!r}" \
            in notes["DATA-02"], (road, notes)


@pytest.mark.parametrize("text", ["MoU 2026-04 [...] s.2", "MoU 2026-04 [\u2026] s.2",
                                  "MoU [2026-04]", "MoU {2026-04}", "MoU $2026"])
def test_an_elision_or_a_bracket_is_no_slot(rulesets: Rulesets, text: str) -> None:
    proposal = _variant(('basis: "MoU 2026-04"', f"basis: {json.dumps(text)}"))
    for road in (load_proposal_text, _usual_road):
        failed, _ = _failed_with_notes(rulesets, proposal, road)
        assert "DATA-02" not in failed, (road, text)


@pytest.mark.parametrize("text", [
    "[___]", "[ __ ]", "Law ____ of 2019", "[insert number]", "[Insert name of ministry]",
    "[enter the legal basis]", "[Specify the authority]", "[fill in the date]",
    "Law <<number>> of 2019", "<<legal_basis>>", "Law [·] of [▪]", "[■]",
    "Art. [ • ] of the Act",
])
def test_a_form_s_blank_left_unfilled_is_a_placeholder(text: str) -> None:
    assert placeholder(text) and reading(text) and maybe_placeholder(text)


@pytest.mark.parametrize("text", [
    "Article 5 [1] applies", "a snake_case_name", "see [...] above", "x << y",
    "[entered into force 2019]", "Under__score", "Law 12/2019 [as amended]",
])
def test_brackets_and_underscores_in_a_real_answer_stay_an_answer(text: str) -> None:
    assert not reading(text)


# --- French and Spanish (placeholders_fr_es.py) ----------------------------------------------


FR_ES_PLACEHOLDERS = [
    # the words, bare or read through skeleton (accents, case, full-width letters)
    "À compléter", "A COMPLETER", "a compléter", "Néant", "NÉANT", "Ｎéant", "Sans objet",
    "Pendiente", "Ninguno", "Por definir", "À définir", "Non applicable", "Aucun",
    "Non renseigné", "En cours", "A determinar", "N/D", "N.D.", "Sin definir", "No aplica",
    "Néant (voir annexe)", "Néant à ce jour", "À définir par le comité de pilotage",
    # work a value waits for, read as "pending approval" and "to be developed" are
    "En cours de validation par le ministère", "Pendiente de aprobación", "En elaboración",
    "À élaborer pendant la phase de démarrage", "Por desarrollar con el ministerio",
    "En cours de mise en place", "En attente",
    # denials, as "No legal basis" is one
    "Aucune base légale", "Sin base legal", "Pas de plan de sortie",
    "Il n'existe pas de mécanisme de plainte", "Il n’existe pas de mécanisme de plainte",
    "Aucun plan de sortie n'est prévu à ce stade", "No hay estrategia nacional",
    "No existe mecanismo de quejas", "No se ha previsto ningún plan de salida",
    "Sans base légale", "Pas encore de plan de sortie", "Aucune Base Légale",
    "Todavía no hay plan", "Aucune base légale : le protocole d'accord n'est pas signé",
    # a label, then a placeholder
    "Plan de sortie : à définir", "Base legal: pendiente", "Stratégie nationale — néant",
    "Base légale (à compléter)",
]


@pytest.mark.parametrize("text", FR_ES_PLACEHOLDERS)
def test_french_and_spanish_placeholders_and_denials(text: str) -> None:
    # "Aucune base légale" let personal data go abroad (DATA-01), "Néant" answered ACC-01
    assert reading(text) and maybe_placeholder(text) and placeholder(text)


@pytest.mark.parametrize("text", [
    # a sentence that says something, a name, a denial whose note says what stands instead
    "Aucune plainte n'est payante", "Aucune donnée ne quitte XA", "No se cobran tasas",
    "Sin costo para el denunciante", "Aucun frais n'est demandé aux plaignants",
    "Rien n'est transféré hors de XA", "Aucun transfert hors de l'UE", "Sin Fronteras",
    "Pas de Calais", "Ninguno de los datos sale de XA",
    "Pas de mécanisme dédié : les plaintes vont au médiateur national",
    "Néant, le médiateur national reçoit toutes les plaintes du programme",
    "Sin base legal; se aplica el artículo 6 del reglamento general de protección de datos",
    "No se prevé financiación extranjera después de la salida",
    # work under way that says the value exists, or what it is to be
    "En cours de mise en œuvre", "En cours d'exécution depuis 2020",
    "À établir comme un bureau indépendant des plaintes",
    "Pendiente de aprobación por el Congreso, la Ley 27.078 rige mientras tanto en todo el país",
    # real answers
    "Loi n° 2018-133 relative à la cybersécurité", "Médiateur de la République",
    "Stratégie nationale de cybersécurité 2021-2025", "Defensoría del Pueblo",
    "Ley 25.326 de Protección de Datos Personales", "Base légale : article 6 du RGPD",
    "Mecanismo de quejas: Defensoría del Pueblo", "Sans frais pour les usagers",
    "À la demande du ministère, le CIRT forme les formateurs",
    "Sans frais auprès du médiateur national", "Sin costo ante la defensoría del pueblo",
    "Todo el personal puede presentar quejas ante la Defensoría del Pueblo",
])
def test_french_and_spanish_answers_stay_answers(text: str) -> None:
    assert not reading(text)


@pytest.mark.parametrize("text", [
    "[Legal basis]", "[Describe the exit plan]", "[Nom de la stratégie nationale]",
    "[Name of the national strategy]", "[à compléter]", "[Title of strategy]",
    "[Nombre de la estrategia]", "Law [describe the basis] of 2019", "［Legal basis］",
    "Ley [Describir la base legal]", " [Legal basis]. ",
])
def test_a_bracketed_label_is_a_template_hole(text: str) -> None:
    assert reading(text) and maybe_placeholder(text)


@pytest.mark.parametrize("text", [
    "Law 12/2024 [as amended]", "MoU [2026-04]", "see [...] above", "[Law 12/2024]",
    "Data Protection Act [DPA] 2019", "[Legal basis] Data Protection Act 2019, s.12",
])
def test_a_bracket_beside_content_stays_content(text: str) -> None:
    assert not reading(text)


@pytest.mark.parametrize("text", ["Aucune base légale", "Sin base legal", "[Legal basis]",
                                  "Néant", "À compléter"])
def test_both_loading_roads_read_french_spanish_and_holes(rulesets: Rulesets, text: str) -> None:
    proposal = _variant(('basis: "MoU 2026-04"', f"basis: {json.dumps(text)}"))
    for road in (load_proposal_text, _usual_road):
        failed, notes = _failed_with_notes(rulesets, proposal, road)
        assert f"activities[0].data_flows[0].basis is the placeholder {text!r}" \
            in notes["DATA-02"], (road, notes)


@pytest.mark.parametrize("text", [
    "'[' + 'a' * N", "'[' + 'a ' * (N // 2)", "'[' + 'a' * N + ']'", "'Aucune ' * (N // 7)",
    "'Plan de sortie : ' * (N // 17) + 'néant'", "'\\u00e9' + '\\u2014' * N + 'néant'",
    "'En cours de ' * (N // 11)", "'Pas de plan de sortie, ' * (N // 23)",
    "'pendiente ' * (N // 10) + '\\u00e9'", "'[nom de ' * (N // 8)",
])
def test_a_long_hostile_french_or_spanish_text_is_read_in_one_pass(text: str) -> None:
    # the French and Spanish grammar and the bracketed label must not try each position
    # of a long run again
    code = ("from cappolicy.proposal.placeholders import maybe_placeholder, reading\n"
            f"N = 300_000\ntext = {text}\nprint(reading(text), maybe_placeholder(text))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    read, maybe = done.stdout.split()
    assert maybe == "True" or read == "False"


# --- template instructions, the field's own label, refusals (nonanswers.py) ------------------


NON_ANSWERS = [
    # a template's instruction left as written: a verb asking what to write, then only words
    # naming what is asked for
    "Describe the grievance mechanism here", "Insert legal basis", "Enter grievance mechanism",
    "Insert text", "Décrire la base légale", "Insérer ici", "Indicar la base legal",
    "Describir el mecanismo", "Insert the national strategy", "Enter strategy title",
    "Describe the exit plan here", "Insert exit plan", "Insert reason here",
    "Please describe the exit plan.", "Name of the national strategy",
    # the field's own name or label
    "National strategy", "Exit plan", "Grievance mechanism", "grievance_mechanism",
    "Legal basis", "Base légale", "Plan de sortie", "exit\u000bplan", "Exit plan:",
    # refusals and non-answers
    "There is none", "There will be none", "We do not plan one", "Does not apply",
    "Out of scope", "Not relevant", "Not part of this programme", "Deferred to phase 2",
    "Later", "Soon", "XXXX", "XXXX-XXXX", "Il n'y en a pas", "No tiene", "There is none yet",
    "Out of scope for now", "Later: see annex", "We don't have a grievance mechanism",
    "Exit plan: no", "Exit plan: XXXX", "Legal basis: does not apply",
    # French and Spanish: not yet, not given, none
    "Reste à définir", "Sera défini ultérieurement", "Aún por definir", "Queda por definir",
    "Non fourni", "Information non disponible", "Plan de salida: no", "Il n'y a pas",
    "Carece de base legal", "Le plan de sortie n'est pas encore défini",
    "Se definirá más adelante", "Será definido por el ministerio",
    "The exit plan is not yet defined", "El plan de salida aún no está definido",
    # a clause after a comma that gives no interim answer; a form's bracket round a law's word
    "To be determined, the ministry decides in 2027", "[Law]", "[Applicable law]",
    "To be agreed, the ministry decides", "TBD; until then, the national CERT trains",
]


@pytest.mark.parametrize("text", NON_ANSWERS)
def test_an_instruction_a_label_or_a_refusal_is_a_placeholder(text: str) -> None:
    # "Describe the grievance mechanism here", "Exit plan" and "Does not apply" answered
    # ACC-01, SUN-02, DATA-01 and ALIGN-01
    assert reading(text) and maybe_placeholder(text) and placeholder(text)


@pytest.mark.parametrize("text", [
    # a sentence that starts with an instruction's verb and says something
    "Describe incidents to the national ombudsman, who answers within 30 days",
    "Enter into an agreement with the Data Protection Authority by 2027",
    "Provide training to 40 analysts", "Add-on training for the CIRT",
    # a label, then content; a title with the label's words in it
    "Exit plan: the CIRT absorbs the trainers in 2030", "National Cybersecurity Strategy",
    "National Cyber Strategy", "National Cyber Security Strategy",
    "Complaints committee", "Cybercrime law", "Data Protection Act",
    "Name of the national strategy: Cyber XA 2030",
    # a reference elsewhere is left as written: the reviewer follows it
    "See annex", "See annex 4", "Same as above",
    # a refusal's word that starts a sentence, or a refusal whose note answers
    "Later phases of the programme hand the CIRT the trainers",
    "Soon after inception the ministry opens a complaints desk",
    "Later, the ministry's own budget pays the trainers from 2030 on",
    "Deferred payment schedule agreed with the treasury",
    "Out of scope cases go to the ombudsman", "It security policy",
    "There is none; complaints go to the national ombudsman within 30 days",
    "We do not plan to transfer data outside XA", "The plan is not funded by the donor",
    "The law is not yet in force",
    # a mechanism that exists, said not to be the project's own
    "The national ombudsman mechanism is not project specific",
    "Le mécanisme de plainte existant n'est pas propre au projet",
    "Le dispositif de plaintes du ministère n'est pas dédié au projet",
    # what stands meanwhile, after a "not yet"
    "À convenir avec le ministère ; d'ici là, le CERT national reprend les formateurs",
    "A convenir con el ministerio; mientras tanto, la defensoría del pueblo recibe las quejas",
    "To be agreed with the ministry; until then, the national CERT takes over the trainers",
    "To be agreed; until then, the national CERT takes over the trainers",
    # a law's title in brackets
    "[Code du travail]", "[Data Protection Act]", "[Loi sur la protection des données]",
])
def test_a_sentence_that_only_starts_like_a_non_answer_stays_content(text: str) -> None:
    assert not reading(text)


@pytest.mark.parametrize("field,old,text,rule", [
    ("grievance", 'grievance_mechanism: "Ombudsman channel"',
     "Describe the grievance mechanism here", "ACC-01"),
    ("plan", 'plan: "CIRT absorbs trainers into its 2030 budget"', "There is none", "SUN-02"),
    ("basis", 'basis: "MoU 2026-04"', "Décrire la base légale", "DATA-02"),
    ("strategy", "national_strategy: Arcadia National Cybersecurity Strategy 2025-2030",
     "National strategy", "ALIGN-01"),
])
def test_both_loading_roads_fail_the_rule_on_a_non_answer(
        rulesets: Rulesets, field: str, old: str, text: str, rule: str) -> None:
    key = old.split(":", 1)[0]
    proposal = _variant((old, f"{key}: {json.dumps(text)}"))
    for road in (load_proposal_text, _usual_road):
        failed, notes = _failed_with_notes(rulesets, proposal, road)
        assert rule in failed, (road, field)
        assert any(f"is the placeholder {text!r}" in (note or "") for note in notes[rule])


@pytest.mark.parametrize("old,text", [
    ('plan: "CIRT absorbs trainers into its 2030 budget"',
     "À convenir avec le ministère ; d'ici là, le CERT national reprend les formateurs"),
    ('basis: "MoU 2026-04"', "[Code du travail]"),
])
def test_an_interim_answer_or_a_bracketed_law_passes(
        rulesets: Rulesets, old: str, text: str) -> None:
    key = old.split(":", 1)[0]
    proposal = _variant((old, f"{key}: {json.dumps(text)}"))
    for road in (load_proposal_text, _usual_road):
        failed, _ = _failed_with_notes(rulesets, proposal, road)
        assert not {"SUN-02", "DATA-01", "DATA-02"} & set(failed), (road, failed)
