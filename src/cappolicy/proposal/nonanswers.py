"""Non-answers that name what is asked for instead of giving it, or refuse to give it, in
English, French and Spanish (placeholders.py's module docstring is the specification; this
holds the words and the grammar):
- `instruction`: a template's instruction left as written, a verb asking what to write
  then only words naming it ("Describe the grievance mechanism here", "Insérer ici");
- `label`: the field's own name or label as its value ("Exit plan", "grievance_mechanism",
  "Base légale");
- `refusal`: a refusal or a non-answer, maybe then only when ("Does not apply", "Out of
  scope", "Deferred to phase 2", "There is none", "We do not plan one");
- `unmade`: what is asked for, said not to be there yet ("The exit plan is not yet
  defined", "Le plan de sortie n'est pas encore défini").

Every text reaches these as `placeholders.reading` has it: through `skeleton` when it is
not ASCII (no accents, lower case), without the punctuation round it. `may_be` is their
quick superset, which `placeholders.maybe_placeholder` runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..base.patterns import lazy
from . import placeholders_fr_es as fr_es

#: the words a bracket of a form starts with, which ask for what to write there: "[insert
#: number]", "[Describe the exit plan]", "[Nom de la stratégie]", "[Indicar la ley]"
DESCRIBING = (r"insert|enter|specify|fill\s+in|describe|name\s+of|title\s+of|nom\s+d[eu]|"
              r"titre\s+d[eu]|nombre\s+del?|titulo\s+del?|decrire|indiquer|preciser|inserer|"
              r"saisir|a\s+completer|describir|indicar|especificar|insertar|completar|"
              r"por\s+completar|rellenar")
#: the verbs of a template's instruction outside brackets: those of a bracket, and more
#: (not "add", "write", "outline": "Write the national strategy" may be an objective)
_ASKING = (DESCRIBING + r"|provide|type|indicate|explain|renseigner|entrer|expliquer|"
           r"mentionner|introducir|ingresar|explicar|detallar|mencionar")
#: an instruction: maybe "please", the verb, then at most eight words of letters only
_INSTRUCTION = lazy(r"(?:please\s+|veuillez\s+|por\s+favor\s+)?(?:" + _ASKING + r")"
                    r"(?P<said>(?:(?:[\s_/-]+|['’]\s*)[a-z]+){0,8})")
#: the words that may stand between those naming what is asked for
_LINKS = frozenset({
    "the", "a", "an", "your", "its", "their", "this", "of", "for", "and", "or", "on", "in",
    "de", "du", "des", "d", "la", "le", "les", "l", "el", "los", "las", "del", "un", "une",
    "una", "y", "et", "o", "ou", "votre", "vos", "su", "sus", "tu", "al", "au", "aux"})
#: the words that name what a proposal is asked for, or where to write it: an instruction
#: holds only these and `_LINKS` after its verb
NAMING = frozenset({
    "plan", "plans", "basis", "bases", "ground", "grounds", "mechanism", "mechanisms",
    "strategy", "strategies", "evaluation", "agreement", "budget", "funding", "procedure",
    "process", "mandate", "law", "framework", "arrangement", "answer", "information",
    "details", "channel", "mou", "protocol", "safeguard", "safeguards", "body", "committee",
    "contract", "dpia", "assessment", "clause", "rules", "tor", "grievance", "grievances",
    "complaint", "complaints", "redress", "exit", "sunset", "legal", "statutory", "lawful",
    "national", "cyber", "cybersecurity", "security", "data", "personal", "transfer", "flow",
    "reason", "reasons", "rationale", "justification", "waiver", "text", "title", "name",
    "description", "summary", "value", "field", "section", "response", "relevant",
    "applicable", "appropriate", "here", "below", "above", "sustainability", "handover",
    # French
    "legale", "juridique", "nationale", "cybersecurite", "securite", "donnees",
    "personnelles", "transfert", "flux", "motif", "motifs", "raison", "raisons", "texte",
    "titre", "nom", "resume", "valeur", "champ", "ici", "ci", "dessous", "pertinent",
    "pertinente", "applicable", "retrait",
    # Spanish
    "juridico", "juridica", "nacional", "ciberseguridad", "seguridad", "datos", "personales",
    "transferencia", "flujo", "motivo", "motivos", "razon", "razones", "justificacion",
    "texto", "titulo", "nombre", "descripcion", "resumen", "valor", "campo", "aqui", "aca",
    "abajo", "pertinente", "aplicable"}) | fr_es.ASKED_FOR

#: the field's own name or label, its words parted by single spaces: a text that is only
#: one of these names what is asked for and gives nothing. Only labels of two words or more:
#: a single word ("strategy", "plan") may be a slug in a list of scopes or topics
LABELS = frozenset({
    "grievance mechanism", "grievance mechanisms", "grievance redress mechanism",
    "complaints mechanism", "complaint mechanism", "exit plan", "exit strategy",
    "sunset plan", "legal basis", "lawful basis", "national strategy", "waiver reason",
    "accountability grievance mechanism", "data flow basis",
    # French
    "base legale", "base juridique", "fondement juridique", "fondement legal",
    "plan de sortie", "strategie de sortie", "mecanisme de plainte", "mecanisme de plaintes",
    "mecanisme de reclamation", "mecanisme de reclamations", "mecanisme de recours",
    "strategie nationale", "plan de retrait",
    # Spanish
    "base legal", "base juridica", "fundamento juridico", "fundamento legal",
    "plan de salida", "estrategia de salida", "mecanismo de quejas", "mecanismo de queja",
    "mecanismo de reclamacion", "mecanismo de reclamaciones", "estrategia nacional"})
_LABEL_MAX = max(len(label) for label in LABELS) + 8
#: what parts the words of a label written as a field's name is: "grievance_mechanism"
_SEPARATORS = lazy(r"[\s_.\-]+")

#: a refusal or a non-answer, then maybe only `_WHEN` words: "Does not apply", "Out of
#: scope", "Deferred to phase 2", "There is none yet", "Not part of this programme"
_REFUSAL = lazy(
    r"(?:(?:it\s+)?(?:does\s+not|doesn't|do\s+not|don't|will\s+not|won't)\s+apply|"
    r"not\s+(?:relevant|pertinent|concerned|in\s+scope|within\s+(?:the\s+)?scope|part\s+of)|"
    r"irrelevant|(?:out|outside)\s+(?:of\s+)?(?:the\s+)?scope|deferred|postponed|later|soon|"
    r"there(?:\s+is|\s+are|\s+was|\s+will\s+be|\s+would\s+be|'s)\s+(?:currently\s+|still\s+|"
    r"as\s+yet\s+)?(?:none|nothing))(?![\w'-])")
#: "We do not plan one", "We don't have a grievance mechanism": a denial said of ourselves,
#: then only what is asked for (`NAMING`) and `_WHEN` words
_WE_NOT = lazy(
    r"we\s+(?:do\s+not|don't|will\s+not|won't|shall\s+not|did\s+not|have\s+not|haven't|"
    r"cannot|can't)\s+(?:plan|have|need|foresee|intend|envisage|provide|prepare|develop|"
    r"offer|expect|require)(?:ned|d|ed|n)?(?![\w'-])")
#: what says a clause holds meanwhile: "until then", "d'ici là", "mientras tanto"
INTERIM = lazy(r"(?i)\b(?:until\s+then|till\s+then|in\s+the\s+meantime|meanwhile|in\s+the\s+"
               r"interim|d'ici\s+la|en\s+attendant|entre-?temps|dans\s+l'intervalle|mientras\s+"
               r"tanto|hasta\s+entonces|entretanto|en\s+el\s+interin)\b")
#: a run of three X or more, or several: "XXXX", "XXXX-XXXX"
XS = lazy(r"x{3,}(?:[\s\-._/]+x{3,})*")
#: the words that say no more than when, or of which part of the work: "Deferred to phase
#: 2", "Not part of this programme", "Out of scope for now"
_WHEN = frozenset({
    "to", "until", "a", "an", "the", "this", "that", "our", "its", "phase", "stage", "step",
    "later", "next", "future", "subsequent", "second", "third", "follow", "up", "programme",
    "program", "project", "proposal", "action", "intervention", "here", "for", "of", "in",
    "at", "moment", "now", "present", "case", "us", "yet", "so", "far", "time", "being",
    "currently", "still", "today", "date", "one", "any", "it", "such", "ii", "iii", "iv"})
#: what may stand first in `unmade`: an article, or "our"
_SUBJECT = lazy(r"(?:the|our|le|la|les|el|los|las|notre|nuestr[oa])\s{1,4}|l'\s{0,4}")
#: the words that end the subject of `unmade` and begin what is said of it
_PREDICATE = frozenset({"is", "are", "was", "were", "has", "have", "had", "will", "shall",
                        "isn", "aren", "hasn", "haven", "wasn", "n", "ne", "est", "sont",
                        "ont", "sera", "no", "es", "son", "esta", "estan", "ha", "han", "aun",
                        "todavia", "not", "pas", "encore"})
#: the words that deny in what `unmade` says of the subject
_NOT = frozenset({"not", "t", "pas", "no", "never", "jamais", "nunca"})
#: the quick superset's first words: those of `instruction`, `refusal` and `_WE_NOT` ("a
#: completer" and "por completar" are placeholders_fr_es's), and the articles of `unmade`
_FIRST = frozenset(re.findall("[a-z]+", _ASKING) + [
    "please", "veuillez", "por", "doesn", "does", "do", "don", "won", "will", "it", "not",
    "irrelevant", "out", "outside", "deferred", "postponed", "later", "soon", "there",
    "we"]) - {"a", "in", "of", "de", "del", "d", "eu", "s", "l", "completer", "completar"}
_ARTICLES = frozenset({"the", "our", "le", "la", "les", "el", "los", "las", "notre",
                       "nuestro", "nuestra", "l"})
#: the first two letters of all of them and of `LABELS`: what rules out most texts at once
TWO = frozenset(w[:2] for w in _FIRST | _ARTICLES | LABELS) | {"l'"}
#: the first word of each of `LABELS`, and its first two words (each has two or more): a
#: text `label` reads as one starts with two of them, parted by separators
_LABEL_FIRST = frozenset(label.split()[0] for label in LABELS)
_LABEL_STARTS = frozenset(tuple(label.split()[:2]) for label in LABELS)
_TWO_WORDS = lazy(r"([a-z]+)[\s_.\-]+([a-z]+)")
_LEAD = re.compile("[a-z]*").match
#: the denial `unmade` looks for
_DENYING = lazy(r"(?<![a-z])(?:not|pas|no|never|jamais|nunca)(?![a-z])|n't")
#: the longest subject and predicate `unmade` reads, in characters
_UNMADE_MAX = 160

Find = Callable[[str], "re.Match[str] | None"]
Says = Callable[[str], bool]


def _words(text: str) -> list[str]:
    return re.findall("[a-z]+", text)


def instruction(bare: str) -> bool:
    """Whether `bare` is a template's instruction: a verb asking what to write, then at
    most eight words, each naming what is asked for or where (`NAMING`, `_LINKS`): "Insert
    legal basis", "Describe the grievance mechanism here", "Insérer ici" (not "Describe
    incidents to the national ombudsman", nor "Enter into an agreement with the DPA")."""
    found = _INSTRUCTION.fullmatch(bare)
    return found is not None and all(w in NAMING or w in _LINKS
                                     for w in _words(found.group("said")))


def label(bare: str) -> bool:
    """Whether `bare` is only the field's name or label (`LABELS`): "exit plan",
    "grievance_mechanism", "base legale"."""
    return len(bare) <= _LABEL_MAX and (
        bare in LABELS or " ".join(_SEPARATORS.split(bare)) in LABELS)


def refusal(bare: str, find: Find | None, says: Says) -> bool:
    """Whether `bare` refuses an answer and says no more than when (`_REFUSAL`, `_WE_NOT`):
    "does not apply", "deferred to phase 2", "there is none yet", "we do not plan one"; a
    note after it that says something of its own (`says`) makes it content."""
    found = _REFUSAL.match(bare)
    known = _WHEN
    if found is None:
        found = _WE_NOT.match(bare)
        known = _WHEN | NAMING
        if found is None:
            return False
    rest = bare[found.end():]
    note = find(rest) if find is not None else None
    head = rest if note is None else rest[:note.start()]
    if note is not None and says(rest[note.end():]):
        return False  # "Later: the CIRT's budget pays the trainers from 2030 on"
    if re.fullmatch(r"[a-z0-9\s'’-]*", head) is None:
        return False
    return all(w in known or w.isdigit() and len(w) <= 4
               for w in re.findall("[a-z0-9]+", head))


def unmade(bare: str, find: Find | None, says: Says, tail: frozenset[str]) -> bool:
    """Whether `bare` says that what is asked for is not there yet: an article, the thing
    (at most four words, one of them asked for), then only words of a denial's tail
    (`tail`, the English one, and placeholders_fr_es's), a denial among them: "the exit plan
    is not yet defined", "le plan de sortie n'est pas encore defini", "el plan de salida no
    esta definido"; not "The plan is not funded by the donor", nor when a note says what
    stands meanwhile."""
    found = _SUBJECT.match(bare)
    if found is None:
        return False
    rest = bare[found.end():]
    note = find(rest) if find is not None else None
    head = rest if note is None else rest[:note.start()]
    if len(head) > _UNMADE_MAX or re.fullmatch(r"[a-z\s'’-]*", head) is None:
        return False
    if note is not None and says(rest[note.end():]):
        return False
    said = _words(head)
    at = next((i for i, w in enumerate(said) if w in _PREDICATE), len(said))
    subject, predicate = said[:at], said[at:]
    named = [w for w in subject if w not in _LINKS]
    return 1 <= len(named) <= 4 and any(w in fr_es.ASKED_FOR or w in _ASKED for w in named) \
        and any(w in _NOT for w in predicate) \
        and not any(w in _OF_ITS_KIND for w in predicate) \
        and all(w in tail or w in fr_es.TAIL or w in _PREDICATE or w in _NOT
                for w in predicate)


#: words that say what kind a thing is, not that it is missing: "the ministry's complaint
#: mechanism is not project specific" names one that exists
_OF_ITS_KIND = frozenset({
    "specific", "dedicated", "exclusive", "separate", "project", "programme", "program",
    "specifique", "dedie", "dediee", "propre", "exclusif", "distinct", "projet",
    "especifico", "especifica", "dedicado", "dedicada", "propio", "propia", "exclusivo",
    "proyecto", "programa"})


#: the things `unmade` reads as asked for, beside placeholders_fr_es's
_ASKED = frozenset({"plan", "basis", "mechanism", "strategy", "agreement", "mou", "budget",
                    "evaluation", "procedure", "protocol", "contract", "framework", "law",
                    "dpia", "assessment", "reason"})


def nothing(bare: str, find: Find | None, says: Says, tail: frozenset[str]) -> bool:
    """Whether `bare` is one of the non-answers this module reads. `find`: where a note
    starts, when notes are read."""
    bare = bare.strip()  # a vertical tab or a separator round it: Python's whitespace
    return instruction(bare) or label(bare) or refusal(bare, find, says) \
        or unmade(bare, find, says, tail)


def may_be(bare: str) -> bool:
    """False when `nothing(bare, ...)` is False, whatever is found; True when it may be
    True: a quick superset, for placeholders.maybe_placeholder (`bare` ASCII or not, in
    lower case, what stands round it off)."""
    if bare[:2] not in TWO:
        return False
    first = bare[:_LEAD(bare).end()]  # type: ignore[union-attr]  # "[a-z]*" always matches
    if first in _FIRST:
        return True
    if first in _ARTICLES:  # "the exit plan is not yet defined": a denial after the article
        return _DENYING.search(bare, 0, _UNMADE_MAX + 16) is not None
    if first not in _LABEL_FIRST:  # "activity 1", "co-financing": not cut into words
        return False
    words = _TWO_WORDS.match(bare)  # "data protection act": nor this
    return words is not None and words.groups() in _LABEL_STARTS and label(bare)


#: the words of a bracket that names no law: "[Applicable law]", "[National law]"
_FORM_WORDS = frozenset({"applicable", "relevant", "appropriate", "national", "legal",
                         "statutory", "name", "title", "number", "date", "reference", "nom",
                         "titre", "numero", "nombre", "titulo", "aplicable", "pertinent",
                         "pertinente", "nationale", "nacional", "legale", "juridique"})
#: what a law's title holds: "[Code du travail]", "[Data Protection Act]"
_LAW = frozenset({"code", "codigo", "loi", "law", "laws", "act", "ley", "leyes", "decreto",
                  "decret", "decree", "ordinance", "ordonnance", "regulation", "regulations",
                  "reglement", "reglamento", "directive", "directiva", "constitution",
                  "constitucion", "convention", "convenio", "treaty", "traite", "tratado",
                  "statute", "estatuto", "charter", "charte", "arrete", "bill", "proclamation"})


def titled(bracket: str) -> bool:
    """Whether a bracketed text (lower case) names a law: a law's word, and a word beside
    it that no form writes ("[code du travail]"; not "[applicable law]", "[loi]")."""
    said = _words(bracket)
    return any(w in _LAW for w in said) and any(
        w not in _LAW and w not in _LINKS and w not in _FORM_WORDS for w in said)
