"""Placeholders are not content: a text that only holds a placeholder counts as absent.

A proposal written from `cappolicy init`, or in a hurry, carries texts such as `TODO`,
`TBD`, `...` or `<the treasury's id>`. A rule that asks for the value (`sunset.plan
present`, `f.basis present`, `accountability.grievance_mechanism present`) must not take
them for an answer. Evaluation reads the proposal through `readable`, which leaves such
texts out of the data every rule sees (the closures and the generated code alike, since
both read `Context.data`) and records where each was, so that evidence can say
"sunset.plan is the placeholder 'TODO'" rather than that it is missing.

What counts, ignoring case and the whitespace and punctuation around it:
- an empty text, or one of only whitespace: `grievance_mechanism: ""` says no more than
  leaving the field out;
- a text that is one of the words (`TODO`, `TBD`, `TBC`, `TBA`, `XXX`, `...`, `lorem
  ipsum`, `N/A`, `none`, `not applicable`, `to be determined`, `to be confirmed`, `to be
  decided`, `not yet known`, `to do`, `unknown`..., and what a ruleset adds through its
  `placeholders` param), or only punctuation (a dash of any length, in any script);
  full-width and other compatibility forms read as their plain letters (`ＴＢＤ`);
- a word followed by a note after a colon, a semicolon, a comma, a slash, a dash or a
  bracket: `TODO: the donor's country`, `TBD - to be negotiated`, `TBC (March)`;
- a text that starts with a word saying it is not written yet (`TBD by the steering
  committee`, `to be determined later`, `pending approval`; not a name, `TBC Bank`, nor a
  sentence about what is pending, `Pending cases go to the ombudsman`), or with work to
  come and no more than when or by whom (`To be developed during the inception phase`,
  `Under development`, `Awaiting approval`; not `To be reviewed annually by an independent
  evaluator`, nor `To be agreed with the ministry; until then, the national CERT takes over
  the trainers`, a clause after a comma or a semicolon that says what stands meanwhile:
  `_to_be`, `_meanwhile`), or that says there is none (`No legal basis`, `There is no exit
  plan`, `No exit plan is foreseen yet`, `None yet`; not `None of the data...`, nor a
  sentence that says something, `No fee is charged for complaints`, nor a name, `No More
  Ransom`, nor a denial whose note gives what stands instead, `No dedicated mechanism;
  complaints go to the national ombudsman`: `_denial`, `_says`);
- a label naming what is asked for, written as a field is, then only a placeholder (`Exit
  plan: TBD`, `Plan de salida: no`; not `Final evaluation, date TBC`: `_labelled`);
- in English, French or Spanish (nonanswers.py): the field's own label alone, of two words
  or more (`Exit plan`, `grievance_mechanism`, `Base légale`; not one word, which may be a
  slug in a list, nor `Exit plan: the CIRT absorbs the trainers`: `label`); a template's
  instruction: a verb asking what to write (`Insert`, `Describe`, `Enter`, `Provide`,
  `Décrire`, `Indicar`...), then at most eight words of letters only, each naming what is
  asked for or where, or linking them (`Describe the grievance mechanism here`, `Insert
  text`, `Insérer ici`, `Insert reason here`; not `Describe incidents to the national
  ombudsman, who answers within 30 days`, `Enter into an agreement with the DPA by 2027`:
  `instruction`); a refusal then only when (`Does not apply`, `Out of scope`, `Not part of
  this programme`, `Deferred to phase 2`, `Later`, `There is none`, `We do not plan one`;
  not `Later phases hand the CIRT the trainers`: `refusal`); what is asked for, said not
  to be there yet (`The exit plan is not yet defined`, `Le plan de sortie n'est pas encore
  défini`; not `The plan is not funded by the donor`: `unmade`); `XXXX` (three X or more).
  A reference elsewhere (`See annex`, `Same as above`) stays content: a reviewer follows it;
- a word written with points (`T.B.D.`);
- an id one of whose parts (split at `-`, `_`, `.`, `/` and spaces) is a word: `XA-TODO`
  (not after a comma: `Ombudsman, TBC` names the ombudsman);
- a text in angle brackets: `<ministry of XA>` (not an address: `<ombudsman@gov.xa>`);
- a text that starts with `lorem ipsum`;
- a text that holds an unfilled template slot anywhere in it (`_SLOT`): `{{legal_basis}}`
  (Jinja, Mustache), `${EXIT_PLAN}` (shell), and the legal drafter's blank, a bracketed
  bullet `[•]`, `[●]`, `[·]`, `[▪]` or `[■]` (spaces allowed inside): `Law [•] of [•]`;
  a form's blanks: `[___]`, a line of four underscores or more, `[insert number]` (or
  a bracket that starts with another word asking what to write: `[enter ...]`, `[specify
  ...]`, `[fill in ...]`, `[describe ...]`, `[name of ...]`, `[nom de ...]`, `[nombre de
  ...]`, `[décrire ...]`, `[indiquer ...]`, `[describir ...]`, `[indicar ...]`:
  nonanswers.DESCRIBING) and `<<number>>`. The whole text counts as absent, however much
  of it is written, since it is a template not yet filled in: `Budget in ${currency} is not
  used` is one too. Not `[...]` nor `[…]`, with which a quotation elides, nor a single
  brace (`{x}`, `$ {x}`) nor an unclosed slot;
- a whole text that is one bracketed label, a form's field left as the form has it (`_hole`):
  `[Legal basis]`, `[Nom de la stratégie nationale]`, `[à compléter]` (letters, up to ten
  words, no digit); not a bracket beside content (`Law 12/2024 [as amended]`, `[Legal
  basis] Data Protection Act 2019`), one with a number (`[Law 12/2024]`, `MoU [2026-04]`),
  nor a law's title, a law's word and one no form writes (`[Code du travail]`; `[Law]` and
  `[Applicable law]` are holes: nonanswers.py `titled`);
- the same in French and Spanish (placeholders_fr_es.py), whatever the ruleset's words: the
  words (`Néant`, `Sans objet`, `À compléter`, `Non renseigné`, `N/D`, `Pendiente`,
  `Ninguno`, `Por definir`, `A determinar`, `No aplica`, `Il n'y en a pas`, `No tiene`,
  `Non fourni`), a start that says not yet however the text goes on (`À définir par le
  comité de pilotage`, `Reste à définir`, `Queda por definir`) unless a clause says what
  stands meanwhile (`À convenir avec le ministère ; d'ici là, le CERT national reprend les
  formateurs`), work the value waits for, read as `pending approval` is (`En cours`, `Sera
  défini ultérieurement`, `Pendiente de aprobación`, `À élaborer pendant la phase de démarrage`;
  not `En cours de mise en œuvre`, work that says the value exists), denials (`Aucune base
  légale`, `Pas de plan de sortie`, `Il n'existe pas de mécanisme de plainte`, `Sin base legal`,
  `No hay estrategia nacional`, `Carece de base legal`; not a sentence that says something,
  `Aucune plainte n'est payante`, `No se cobran tasas`, nor a name, `Sin Fronteras`, nor a
  denial whose note says what stands instead, `Pas de mécanisme dédié : les plaintes vont au
  médiateur national`), and a label then one of these (`Plan de sortie : à définir`);
- a bare denial or non-answer, whatever the ruleset's words (`ANSWERLESS`): `no`, `No.`,
  `nothing`, `NA`, `null`, `missing`, `absent`, `lacking`, `not available`, `not required`,
  `not needed`, `not yet`, `FIXME`..., and `false`/`off` (a denial) or `true`/`yes`/`on`
  (which says nothing a reviewer can check): a boolean written in a text field is read as
  the text it is written as (validate.py), so `grievance_mechanism: false` is the
  placeholder 'false'; so is a short `without ...` (`without basis`, `without a legal
  basis`) and a text that starts with `FIXME` (`FIXME: ask the DPA`, `FIXME later`).
  Only the whole text counts: `Nothing is transferred without consent`, `Not yet in force:
  ...` and `No. 12/2024` say something. Numbers and dates stay answers (a title may be a
  number);
- all of this read through `skeleton`: compatibility forms as their plain letters
  (`ＴＢＤ`), invisible characters left out (soft hyphen, zero-width space and joiners,
  word joiner, BOM, bidi controls: Unicode's Cf; and accents and other combining marks:
  `NÉANT`, `neant` and `Néant` are one), `œ` as `oe`, `’` as `'`, and the Cyrillic
  and Greek letters (and others: `LOOKALIKES`) that look like Latin ones read as those: `TBD` with a
  soft hyphen and a zero-width space in it, and `TBD` with a Cyrillic Te, are `TBD`. The
  value itself is never changed: reports show it as written.

Only free-text fields of format v1 are read this way (`schema` STRING fields, and lists of
them when every element is a placeholder); the ids of organisations, bodies, activities,
indicators and mandates are keys that others refer to, and stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from ..base.patterns import lazy
from ..lang.types import STRING, ListT, RecordT, Type
from . import nonanswers
from . import placeholders_fr_es as fr_es
from . import schema
from .lookalikes import FILLERS as _FILLERS
from .lookalikes import LOOKALIKES as LOOKALIKES
from .lookalikes import TABLE as _LOOKALIKE_TABLE

#: The words a ruleset starts from (the baseline's `placeholders` param repeats them).
DEFAULT_WORDS: frozenset[str] = frozenset({
    "TODO", "TBD", "TBC", "TBA", "XXX", "...", "lorem ipsum", "N/A", "none", "not applicable",
    "to be determined", "to be confirmed", "to be defined", "to be agreed", "to be decided",
    "not yet determined", "not yet decided", "not yet known", "to do", "unknown", "pending"})
#: the words that say a value is not written yet however the text goes on ("TBD by the
#: steering committee", "to be determined later"); "none" is not one ("None of the data
#: leaves XA" says something)
_NOT_YET = frozenset({"todo", "tbd", "tbc", "tba", "xxx", "lorem ipsum", "n/a", "not applicable",
                      "to be determined", "to be confirmed", "to be defined", "to be agreed",
                      "to be decided", "not yet determined", "not yet decided", "not yet known",
                      "pending"})
#: the words after which "todo" is the Spanish (or Portuguese) "all", not "to do"
_TODO_SPANISH = frozenset("el la lo los las un una su sus este esta ese esa o a os as".split())
#: what a text that starts "pending" waits for, when it says no more than that: "Pending
#: approval of the authority", "Pending Ministry of ICT approval", "pending the DPA's
#: opinion" (not "Pending cases go to..."): one of these among the next four words
_PENDING_ON = frozenset({
    "approval", "confirmation", "decision", "agreement", "review", "signature", "validation",
    "adoption", "clearance", "negotiation", "negotiations", "discussion", "discussions",
    "completion", "finalisation", "finalization", "receipt", "assessment", "consultation",
    "consultations", "legislation", "ratification", "publication", "enactment", "funding",
    "input", "feedback", "outcome", "outcomes", "result", "results", "opinion", "response",
    "answer", "reply", "endorsement", "sign-off", "nomination", "appointment", "selection",
    "recruitment", "budget", "mou", "entry", "accession", "authorisation", "authorization",
    "procurement", "permission", "licence", "license", "registration", "signing",
    "findings", "conclusions", "report"})
#: the words right after "pending" that say what follows is waited for: "pending the
#: ministry's answer", "pending further talks"
_PENDING_ARTICLES = frozenset({"the", "a", "an", "its", "their", "our", "further", "final",
                               "formal", "official"})
#: words after a capitalised placeholder that say it is not written yet: "TBD Later"
_ACRONYMS = frozenset({"tbd", "tbc", "tba", "todo", "xxx"})
#: what a placeholder under the default words holds somewhere, in lower case
#: (re.IGNORECASE matches all that str.lower makes of them, and a few more)
_HINT_WORDS = ("todo|tbd|tbc|tba|xxx|lorem ipsum|n/a|none|not applicable|to be |pending|"
               "unknown|to do|not yet")
#: what maybe_placeholder's ASCII road looks for in a lower-case text: _HINT_WORDS, "t.b",
#: "n.a", "<", a slot's "{{" or "${", "__"; the words by their common starts, which finds
#: none in a short text in some 60% of the time of as many `in`s
_ASCII_HINT = lazy(r"t(?:odo|b[dca]|o be |\.b|o do)|n(?:/a|one|ot applicable|\.a|ot yet)|"
                   r"xxx|lorem ipsum|pending|unknown|<|\{\{|\$\{|__")
#: what the placeholder after a label holds: "Exit plan: TBD", "Legal basis - to be
#: confirmed", "Exit plan: none"
_LABEL_HINT = lazy(_HINT_WORDS, re.IGNORECASE)
_STILL_NOT_YET = frozenset({"later", "soon", "yet", "pending", "next", "by", "after", "before",
                            "when", "once", "tbd", "tbc", "tba", "todo"})
#: an unfilled template slot (module docstring): what stands between the braces holds no
#: brace, so that a long run of "{{" or "${" is read in one pass
_SLOT = lazy(r"\{\{[^{}]*\}\}|\$\{[^{}]*\}|\[\s*[\u2022\u25cf\u00b7\u25aa\u25a0]\s*\]|"
             r"\[\s*_{2,}\s*\]|_{4,}|<<[^<>]{1,80}>>|"
             r"\[\s*(?:" + nonanswers.DESCRIBING + r")\b[^\[\]]{0,80}\]", re.IGNORECASE)
#: a whole text that is one bracketed label, a form's field not filled in: "[Legal basis]",
#: "[Nom de la stratégie nationale]" (a few words, no digit: not "[2026-04]")
_HOLE = lazy(r"\[\s*[^\W\d_]+(?:(?:[\s,/-]+|['’]\s*)[^\W\d_]+){0,9}\s*\]")
#: a text that says there is none: "No legal basis", "There is no exit plan", "None yet"
#: ("No. 12/2024", "No 1412" and "Nº 1412", which NFKC makes "No 1412", and "no
#: objection" are not; "no hay", "no se" and the like are Spanish: placeholders_fr_es).
#: After "no", what is denied and how: `_denial`.
_DENIAL = lazy(
    r"\s*(?:(?P<no>there(?:\s+is|\s+are|['’]s|\s+isn['’]t|\s+aren['’]t)\s+"
    r"(?:(?:currently|still|as\s+yet|at\s+present|presently|yet)\s+)?(?:no|not\s+yet\s+(?:an?|any)|"
    r"not\s+(?:an?|any)|an?|any)\s+|"
    r"no(?!\s+(?:objection|se|hay|existen?|tienen?|cuentan?|disponen?)\b)\s+(?!\d))(?=\w)|"
    r"(?P<none>none|nothing|not\s+yet|not|unknown)\s+(?=\w)|"
    r"none\s+yet\b|nil(?![\w-]))", re.IGNORECASE)
#: where the denial ends and a note begins: "No exit plan: the MoU is not signed"
_DENIAL_NOTE = lazy(r"[:;,(–—]|\s/\s|\s-+\s")
#: the words that may follow what a denial denies and still only deny it: "No exit plan
#: is foreseen yet", "No legal basis required", "no statutory basis yet"; any other word
#: after it makes a sentence that says something ("No fee is charged for complaints")
_DENIAL_TAIL = frozenset({
    "is", "are", "was", "were", "has", "have", "had", "been", "be", "being", "will", "shall",
    "not", "yet", "so", "far", "for", "now", "at", "this", "stage", "present", "the", "moment",
    "currently", "time", "still", "as", "of", "today", "exists", "exist", "existing",
    "foreseen", "planned", "defined", "available", "provided", "agreed", "established",
    "identified", "designated", "set", "up", "in", "place", "needed", "required",
    "necessary", "applicable", "given", "known", "decided", "determined", "envisaged",
    "prepared", "drafted", "written", "adopted", "signed", "approved", "specified", "made",
    "budgeted", "allocated", "proposed", "expected", "intended", "arranged", "put",
    "foreseeable", "considered", "included", "granted", "obtained", "done", "taken",
    "developed", "concluded", "elaborated", "finalised", "finalized", "completed", "created",
    "formulated", "programme", "program", "project", "phase", "specific", "any", "formal",
    "currently", "we", "there", "it", "identified", "drawn", "into", "up"})
#: the doings a value waits for, after "to be": "To be developed during the inception
#: phase", "Yet to be determined", "to be clarified with the ministry" (not "To be funded
#: by the ministry", a plan, nor "To be reviewed annually by an independent evaluator")
_TO_BE = lazy(
    r"(?:yet |still )?to be (?:developed|established|clarified|drafted|prepared|elaborated|"
    r"finali[sz]ed|completed|identified|designated|discussed|negotiated|specified|"
    r"worked out|set up|drawn up|put in place|concluded|appointed|selected|recruited|"
    r"announced|updated|added|submitted|defined|determined|confirmed|agreed|decided|"
    r"written|filled in|filled|designed|created)\b")
#: "to be" and a doing with nothing after it: "To be provided", "To be assessed"
_TO_BE_BARE = lazy(r"(?:yet |still )?to be [^\W\d_]+(?: out| up| in)?")
#: work said to be under way, which a value waits for: "Under development", "In
#: preparation", "Will be developed during the inception phase" (`_TO_BE` read alike)
_UNDER_WAY = lazy(
    r"(?:under\s+(?:development|preparation|discussion|negotiation|review|construction)|"
    r"in\s+preparation|being\s+(?:developed|drafted|prepared|negotiated|finali[sz]ed|"
    r"discussed|defined)|will\s+be\s+(?:developed|drafted|prepared|defined|determined|"
    r"decided|agreed|established|set\s+up|designed|identified|confirmed|clarified|"
    r"finali[sz]ed|worked\s+out))\b")
#: what may follow the doing and still only say when or by whom it is done: "To be
#: developed during the inception phase", "to be agreed with the ministry" (not "To be
#: established as an independent complaints desk", which says what)
_TO_BE_AFTER = frozenset({"later", "soon", "during", "in", "at", "by", "with", "before",
                          "after", "once", "when", "upon", "following", "within", "shortly",
                          "together", "jointly", "between", "among", "until", "yet"})
#: a note that only says the answer is to come, or why there is none, or where to look:
#: "the ministry will decide in 2027", "consent to be collected later", "the MoU is not
#: signed", "see annex 4"
_TO_COME = lazy(r"(?i)\b(?:(?:will|shall)\s+(?:decide|determine|define|agree|confirm|"
                r"establish|develop|draft|prepare|set\s+up|design|be\s+(?:decided|determined|"
                r"defined|agreed|confirmed|developed|drafted|prepared|established|set\s+up|"
                r"designed|clarified|finali[sz]ed|recruited|selected|appointed|hired|"
                r"contracted|signed|adopted|concluded|identified|designated|submitted|approved|"
                r"negotiated))|to\s+be|later|not|pending|awaiting|"
                r"tbd|tbc|tba|see|" + fr_es.TO_COME_SOURCE + r")\b|n['’]t\b")
#: words in what a denial denies that make it a statement: "No data leaves XA", "No
#: transfer outside XA"
_STATING = frozenset({"outside", "beyond", "abroad", "except", "unless", "across", "leaves",
                      "leave", "crosses", "cross", "goes", "go", "stays", "stay", "remains",
                      "remain", "international", "border", "transborder", "onward"})
#: what a proposal is asked for: "No Exit Plan", capitalised, is still a denial
_ASKED_FOR = frozenset({
    "plan", "plans", "basis", "bases", "ground", "grounds", "mechanism", "mechanisms",
    "strategy", "strategies", "evaluation", "evaluator", "agreement", "agreements", "budget",
    "funding", "procedure", "procedures", "process", "method", "mandate", "law", "framework",
    "arrangement", "arrangements", "answer", "information", "details", "channel", "mou",
    "protocol", "safeguard", "safeguards", "body", "committee", "contract", "contracts",
    "dpia", "assessment", "clause", "rules", "handling", "tor"})
#: the longest note after a denial or a label that is read for a placeholder
_NOTE_MAX = 200
#: the most words a denial's denied thing has before any of `_DENIAL_TAIL`
_DENIED_WORDS = 4
#: the most words of a label before its placeholder: "Legal basis for the transfer: TBD"
_LABEL_WORDS = 6
_WORD = lazy(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

#: bare denials and non-answers: a text that is only one of these (punctuation, case and
#: points aside, read through `skeleton`) counts as absent whatever the ruleset's
#: `placeholders` words are, as a text that says there is none (`_DENIAL`) does. `false`,
#: `true`, `yes`, `on`, `off`: a boolean in a text field is read as written (validate.py).
ANSWERLESS: frozenset[str] = frozenset({
    "no", "none", "nothing", "n/a", "na", "null", "nil", "missing", "absent", "lacking",
    "not available", "not applicable", "not required", "not needed", "not yet", "not known",
    "not specified", "unspecified", "fixme", "false", "off", "true", "yes", "on", "nope",
    "nah", "later", "soon", "irrelevant", "deferred", "postponed", "not relevant",
    "not pertinent", "out of scope", "not in scope", "does not apply", "doesn't apply",
    "there is none", "there are none"}) | fr_es.BARE
#: the bare denials that deny whatever note follows them ("No: see annex"); not "Yes, the
#: ombudsman", which answers
_DENYING = ANSWERLESS - {"true", "yes", "on", "oui"}
#: the words a placeholder spells letter by letter ("T-B-D", "N / A"), spacers left out
_SPELT = frozenset({"tbd", "tbc", "tba", "todo", "na", "xxx", "nil", "none", "nd"})
_SPACERS = lazy(r"[\s\-._/]+")
#: a text of single letters each parted by a spacer
_SPACED = lazy(r"(?:[a-z][\s\-._/]+)+[a-z]")


def spaced(bare: str) -> bool:
    """Whether `bare` is single letters, each parted by a spacer: "t-b-d", "n / a"."""
    return _SPACED.fullmatch(bare) is not None
#: a start that denies whatever follows: "None required", "Not required by law"
_DENIED_START = ("none required", "none needed", "not required ", "not needed ",
                 "not applicable ", "not available ", *fr_es.DENIED_START)
#: "without basis", "without a legal basis": a short text that says what is missing
_WITHOUT = lazy(r"without(?:\s+[^\W\d_]+){1,3}")
#: a word that says the text is not written yet however it goes on ("FIXME: ask the DPA")
_FIXME = lazy(r"fixme\b")

Path = tuple[Any, ...]

#: what is stripped round a text before it is compared (str.strip, quick); a text that
#: is not ASCII loses any other punctuation, symbol or space at its ends too (`edges_off`):
#: an em dash or a "—" alone is no more an answer than a hyphen
PUNCTUATION = " \t\r\n.,;:!?-_*#\"'`()[]{}/\\|~=+…–—"
_PARTS = lazy(r"[-_./\s]+")
#: a placeholder of up to three words, then a note after a colon, a dash or a bracket:
#: `TODO: the donor's country`, `TBD - to be negotiated`, `to be confirmed (March)`
_NOTE = lazy(r"^\s*([^\s:;,(–—]+(?:\s[^\s:;,(–—]+){0,2}?)\s*"
             r"(?::|;|,|\s/\s|\s-+\s|[–—]|\()")

#: Record fields whose text is a key other fields refer to: never read as a placeholder.
_KEYS = {(schema.ORGANISATION.name, "id"), (schema.BODY.name, "id"),
         (schema.ACTIVITY.name, "id"), (schema.INDICATOR.name, "id"),
         (schema.MANDATE.name, "id")}


def _bare(text: str) -> str:
    """`text` (folded, if not ASCII) without the whitespace and punctuation round it."""
    bare = text.strip(PUNCTUATION)
    return bare if bare.isascii() else edges_off(bare)


def edges_off(text: str) -> str:
    """`text` without the characters round it that are not letters or digits: any
    punctuation, symbol or space of any script. A loop, not a pattern: a pattern that
    looks for them at the end tries each position of a long run inside the text again."""
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def folded(text: str) -> str:
    """`text` in Unicode's compatibility form (NFKC): full-width and other look-alike
    forms of letters and punctuation as their plain ones."""
    import unicodedata  # only for a text that is not ASCII

    return unicodedata.normalize("NFKC", text)


def skeleton(text: str) -> str:
    """`text` as it is compared with placeholders when it is not ASCII: `folded`, without
    its invisible characters (Unicode's format characters, Cf: soft hyphen, zero-width
    space, joiners, word joiner, BOM, bidi controls; Hangul fillers) and its accents and
    other combining marks ("À compléter": "a completer"), its Cyrillic and Greek
    look-alikes of Latin letters read as those (`LOOKALIKES`), in lower case. Only for
    deciding: the value shown in reports stays as written."""
    plain = folded(text).lower()
    if not plain.isascii():
        import unicodedata

        plain = "".join(c for c in unicodedata.normalize("NFD", plain) if c not in _FILLERS
                        and unicodedata.category(c) not in ("Cf", "Mn", "Me"))
    return plain.translate(_LOOKALIKE_TABLE)


def answerless(bare: str) -> bool:
    """Whether `bare` (lower case, without the punctuation round it: `_bare`) is a bare
    denial or non-answer (`ANSWERLESS`), a short `without ...` or starts with FIXME."""
    return bare in ANSWERLESS or "." in bare and bare.replace(".", "") in ANSWERLESS \
        or bare.startswith("fixme") and _FIXME.match(bare) is not None \
        or bare.startswith("xxx") and nonanswers.XS.fullmatch(bare) is not None \
        or bare.startswith("without") \
        and _WITHOUT.fullmatch(bare) is not None


#: starts of a denial whatever whitespace follows: "none at this stage", "not yet
#: defined", "nothing yet", "there's no exit plan"
_MAY_DENY_START = lazy(r"(?:none|not|nothing|there|awaiting)(?![^\W\d_])|will\s+be\s|under\s|"
                       r"in\s+prep|being\s")
#: the starts `_to_be` reads
_YET_TO = ("to be ", "yet to be ", "still to be ", "under ", "in preparation", "being ",
           "will be ")


def may_deny(bare: str) -> bool:
    """A quick superset, for maybe_placeholder, of what `reading` reads as a
    denial beyond `answerless`: a short text with spacers ("T-B-D"), one that starts
    "none " or "not ", or whose first word is a bare denial ("No: see annex")."""
    note = _NOTE.match(bare)
    return (bare.split(None, 1) or [""])[0].rstrip(":;,(") in _DENYING \
        or note is not None and edges_off(note.group(1)).lower() in _DENYING \
        or _MAY_DENY_START.match(bare) is not None or _FR_ES_AT.match(bare) is not None \
        or len(bare) <= 12 and not bare.isalpha() and spaced(bare) or nonanswers.may_be(bare)


#: how what French or Spanish reads may start (`fr_es`): a bare word, a word for "not yet"
#: or for work a value waits for, a denial
_FR_ES_START = ("(?:" + "|".join(re.escape(w) for w in sorted(fr_es.BARE, key=len, reverse=True))
                + "|" + fr_es.NOT_YET_SOURCE.replace(fr_es.END, "") + "|"
                + fr_es.WAITING_SOURCE.replace(fr_es.END, "") + "|"
                + fr_es.DENIAL_SOURCE + ")")
#: `_FR_ES_START` after any whitespace, ignoring case
_FR_ES_AT = lazy(r"\s*" + _FR_ES_START)
#: the letters each of `_FR_ES_START` starts with ("n/d": "n"): a text that starts with
#: other letters is none of them, which a set tells quicker than the pattern
_FR_ES_FIRST = frozenset({w.split()[0].split("/")[0] for w in fr_es.BARE}) | {
    "a", "por", "sin", "non", "no", "en", "pendiente", "il", "toujours", "pas", "aucun",
    "aucune", "ningun", "ninguno", "ninguna", "sans", "todavia", "aun", "neant", "rien", "nada",
    "reste", "restent", "queda", "quedan", "esta", "estan", "encore", "sera", "seront", "seran",
    "se", "carece", "carecen"}
_LEAD = re.compile("[a-z]*").match
#: their first two letters, and those of one letter ("n/d", "s/o", "a completer"): what
#: rules out most texts quicker still
_FR_ES_TWO = frozenset(w[:2] for w in _FR_ES_FIRST if len(w) > 1)
_FR_ES_ONE = frozenset(w for w in _FR_ES_FIRST if len(w) == 1)
#: the first three characters a text that starts with one of them can have, and the first
#: two of one that starts with a one-letter word ("a completer", "n/d"): two look-ups that
#: rule out nearly every text ("a national strategy" goes on to `_fr_es_start`)
_NOT_LETTERS = [chr(c) for c in range(128) if not chr(c).isalnum()]
_FR_ES_THREE = frozenset({w[:3] for w in _FR_ES_FIRST if len(w) > 2}
                         | {w for w in _FR_ES_FIRST if len(w) == 2}
                         | {w + c for w in _FR_ES_FIRST if len(w) == 2 for c in _NOT_LETTERS})
_FR_ES_TWO_ONE = frozenset({w for w in _FR_ES_FIRST if len(w) == 1}
                           | {w + c for w in _FR_ES_FIRST if len(w) == 1 for c in _NOT_LETTERS})
#: the words that may follow "a", "en" or "por" in `_FR_ES_START` ("a completer", "en cours")
_FR_ES_SECOND = frozenset(re.findall("[a-z]+", fr_es.NOT_YET_SOURCE + fr_es.WAITING_SOURCE))
#: placeholder() under the default words can only hold for a text that has one of
#: _HINT_WORDS, one of these, or nothing but its punctuation
_HINT = lazy(_HINT_WORDS + "|<|t\\.b|n\\.a|\\{\\{|\\$\\{|[\u2022\u25cf]|__|"
             "\\[\\s*[\u00b7\u25aa\u25a0]|\\[\\s*(?:" + nonanswers.DESCRIBING + ")|\\A[\\W_]*\\[|"
             "\\A\\s*(no\\s|there|nil)|\\A[\\W_]*\\Z", re.IGNORECASE)
#: a start that may say there is none or not yet (after the punctuation round a text):
#: "no" and any whitespace (a vertical tab), "there is no", "none required", "FIXME: x",
#: "without basis", "No: see annex", "false (exempt)"
_MAYBE_WORDS = ("no|none|not|nothing|nil|null|nope|nah|there|fixme|without|false|off|missing|"
                "absent|lacking|unspecified|n/a|na|awaiting|being")
_MAYBE_START = re.compile(r"\s*(?:(?:" + _MAYBE_WORDS + r")(?![a-z0-9])|will\s+be\s|under\s|"
                          r"in\s+prep)").match
#: the first two characters of each of those starts: an ASCII text, its edges off, begins so
_MAYBE_TWO = frozenset(w[:2] for w in [*_MAYBE_WORDS.split("|"), "will", "under", "in"])
#: what is stripped round a text before its start is looked at: the placeholder's own
#: punctuation, and the control characters a YAML or JSON escape can put there
_EDGE = PUNCTUATION + "\x0b\x0c\x1c\x1d\x1e\x1f"
#: the longest text `answerless` or `may_deny` can find beyond what _MAYBE_START finds
_SHORT = 16
#: what parts the letters of a placeholder spelt letter by letter
_SPACER_CHARS = " \t\n\r\f\v\x1c\x1d\x1e\x1f-._/"


def _fr_es_start(low: str) -> bool:
    """Whether `low` (ASCII, lower case, its edges off) starts as a French or Spanish
    placeholder may (`_FR_ES_START`)."""
    if low[:2] not in _FR_ES_TWO and (low[:1] not in _FR_ES_ONE or not (
            low[1:2] == "/" or low[1:2].isspace() or len(low) == 1)):
        return False  # "s/o", "a completer"; not "s.41" (a section), "s41", "a1"
    lead = low[:_LEAD(low).end()]  # type: ignore[union-attr]  # "[a-z]*" always matches
    if lead not in _FR_ES_FIRST:
        return False
    if lead == "a" or lead == "en" or lead == "por":  # "A national strategy": not the
        second = low[len(lead):].lstrip()
        if second[:_LEAD(second).end()] not in _FR_ES_SECOND:  # type: ignore[union-attr]
            return False  # words it tries one by one
    return _FR_ES_AT.match(low) is not None


def _fr_es_label(low: str) -> bool:
    """Whether `low` (ASCII, lower case) may be a label, then a French or Spanish
    placeholder after the note that `_labelled` reads: "plan de sortie : neant"."""
    note = _DENIAL_NOTE.search(low)  # or a bare non-answer: "plan de salida: no"
    return note is not None and (_fr_es_start(rest := low[note.end():].strip(_EDGE))
                                 or rest in ANSWERLESS)


def maybe_placeholder(text: str) -> bool:
    """False when `reading(text)` is False under the default words; True when it may be
    True. A quick superset, run first by `placeholder` and by the quick loading road
    (direct.py), which sends a proposal with such a text to `readable`."""
    if text.isascii():  # what the pattern finds, several times as quick: for an ASCII
        low = text.lower()  # text, ignoring case is looking in its lower case
        if "." in low and maybe_placeholder(low.replace(".", "")):
            return True  # "to.do", "N.O.T. R.E.Q.U.I.R.E.D.": reading() drops the points
        if _ASCII_HINT.search(low) is not None \
                or "[" in text and (_SLOT.search(text) is not None or _hole(text)) \
                or (":" in text or "(" in text or "-" in text and (
                    " -" in text or not text.isprintable())) and _fr_es_label(low):
            return True  # a slot, "[Legal basis]", "Plan de sortie : neant", "Base legal - x"
        bare = low.strip(_EDGE)  # "", "No.", "false", "not required", "FIXME: x"
        return not bare or bare[:2] in _MAYBE_TWO and _MAYBE_START(bare) is not None or (
            bare[:3] in _FR_ES_THREE or bare[:2] in _FR_ES_TWO_ONE) and _fr_es_start(bare) \
            or bare[:2] in nonanswers.TWO and nonanswers.may_be(bare) or len(bare) <= _SHORT and (
            bare in ANSWERLESS or "." in bare and bare.replace(".", "") in ANSWERLESS
            or bare[1:2] in _SPACER_CHARS and spaced(bare))  # "T-B-D", "N / A"
    if _HINT.search(text) is not None:  # "\\W": any punctuation, symbol or space
        return True
    # ＴＢＤ in full-width letters, T\u00adB\u200bD, a Cyrillic Te in TBD
    plain = skeleton(text)
    if plain.isascii():
        return maybe_placeholder(plain)
    if _HINT.search(plain) is not None:  # "＜“name of the ombudsman”＞": its < before
        return True  # the edges go
    note = _DENIAL_NOTE.search(plain)  # "plan de sortie — neant" (`_labelled`)
    if note is not None and (_FR_ES_AT.match(rest := edges_off(plain[note.end():])) is not None
                             or rest in ANSWERLESS):
        return True
    bare = _bare(plain)
    if bare.isascii():  # "⯏lacking&: x": ASCII once its edges are off
        return maybe_placeholder(bare)
    return answerless(bare) or may_deny(bare)


def _denial(text: str) -> bool:
    """Whether `text` only says there is none of something: "No legal basis", "There is no
    exit plan", "No grievance mechanism is foreseen yet", "None yet", each maybe followed by
    a note ("No exit plan: MoU not signed"). Not a sentence that goes on to say something
    ("No fee is charged for complaints", "No personal data is transferred abroad"), nor a
    name ("No More Ransom", "No More Ransom portal": the two words after "No" capitalised,
    neither a thing a proposal is asked for), nor more than `_DENIED_WORDS` words before
    the note."""
    found = _DENIAL.match(text)
    if found is None:
        return False
    rest = text[found.end():]
    note = _DENIAL_NOTE.search(rest)
    words = rest[:note.start()] if note is not None else rest
    if found.group("none") is not None:  # "None at this stage", "Not yet defined"
        said = _WORD.findall(words)
        for at, word in enumerate(said):  # "Not yet agreed with the ministry": by whom
            if word.lower() not in _DENIAL_TAIL:
                if not (at and word.lower() in _TO_BE_AFTER):
                    return False
                break
        return bool(said) and _blank(_WORD.sub("", words)) \
            and not (note is not None and _says(rest[note.end():]))
    if found.group("no") is None:
        return True  # "None yet", "nil"
    if not _blank(words) and not _blank(_WORD.sub("", words)):
        return False  # a number, a symbol inside: "No more than 5 analysts"
    found_words = _WORD.findall(words)
    denied = 0
    for word in found_words:
        if word.lower() in _DENIAL_TAIL and denied:
            break
        denied += 1
    tail = found_words[denied:]
    if not 1 <= denied <= _DENIED_WORDS or any(w.lower() not in _DENIAL_TAIL for w in tail):
        return False
    named = found_words[:denied]
    asked = any(w.lower() in _ASKED_FOR for w in named)
    if any(part in _STATING for w in named for part in w.lower().split("-")):
        return False  # "No data leaves XA", "No cross-border transfer"
    if note is not None and _says(rest[note.end():]):
        return False  # "No fee; complaints go to the ombudsman": the note answers
    return not (len(named) > 1 and text[:1].isupper() and _named(named[:2]) and not asked)


def _blank(text: str) -> bool:
    """Whether `text` holds only whitespace (of any kind) and punctuation."""
    return not "".join(text.split()).strip(PUNCTUATION)


def _says(note: str) -> bool:
    """Whether a note says something of its own: four words or more, not a placeholder as
    such (read without this reading of notes, so that a note's note is not read again),
    or longer than any placeholder."""
    return len(note) > _NOTE_MAX or len(_WORD.findall(note)) >= 4 \
        and not placeholder(note.strip(" )"), deep=False) and not _TO_COME.search(note)


def _to_be(bare: str, deep: bool = True) -> bool:
    """Whether `bare` (lower case) says a value is yet to be made, and no more than when
    or by whom: "to be developed during the inception phase", "yet to be determined",
    "under development", "will be drafted by the ministry"; not when a clause after a
    comma or a semicolon answers meanwhile ("To be agreed with the ministry; until then
    the national ombudsman handles complaints")."""
    if _TO_BE_BARE.fullmatch(bare.rstrip(PUNCTUATION)):
        return True
    found = _TO_BE.match(bare) or _UNDER_WAY.match(bare)
    if found is None:
        return False
    after = bare[found.end():].strip()
    note = _DENIAL_NOTE.search(after) if deep else None
    if note is not None and after[note.start()] in ",;" and _says(after[note.end():]):
        return False
    return not after.strip(PUNCTUATION) or after[0] in ":;,(-–—" \
        or after.split(None, 1)[0] in _TO_BE_AFTER


def _labelled(text: str, words: frozenset[str]) -> bool:
    """A label naming what is asked for, written as a field is, then only a placeholder:
    "Exit plan: TBD", "Legal basis - to be confirmed", "Legal basis TBC", "Exit strategy to
    be developed" (not "Note: TODO later", nor a detail left open: "Final evaluation, date
    TBC")."""
    note = _DENIAL_NOTE.search(text)
    low = text.lower()
    if note is not None:
        label, rest = text[:note.start()], text[note.end():]
    elif " to be " in low:
        at = low.index(" to be ")
        label, rest = text[:at], text[at + 1:]
    elif len(text.split()) >= 2:
        label, rest = text.rsplit(None, 1)
        if rest.strip(PUNCTUATION).lower() not in _ACRONYMS:
            return False
    else:
        return False
    said = _WORD.findall(label)
    if any(w.istitle() for w in said[1:]) or any(len(w) > 1 and w.isupper() for w in said):
        return False  # a name, not a field's: "AEC Information Sharing Protocol: N/A"
    if not 1 <= len(said) <= _LABEL_WORDS or not _blank(_WORD.sub("", label)) or not any(
            w.lower() in _ASKED_FOR or _fold(w) in fr_es.ASKED_FOR for w in said):
        return False
    rest = _bare(rest).lower()
    if note is not None and note.group().strip()[:1] in ":(–—-" and len(rest) <= _NOTE_MAX and (
            answerless(rest) or fr_es.NOT_YET.match(rest) is not None
            or fr_es.waiting(rest, None, _says)):
        return True  # "Plan de sortie : à définir", "Base legal - pendiente"
    return len(rest) <= _NOTE_MAX and _LABEL_HINT.search(rest) is not None and (
        rest in words or answerless(rest) or _to_be(rest)
        or any(rest.startswith(word + " ") for word in _NOT_YET if word in words))


def _named(words: Iterable[str]) -> bool:
    """Whether every one of `words` is capitalised as a name is: "More Ransom", "Bank"."""
    return all(w[:1].isupper() and not w.isupper() for w in words)


def normalise(words: Iterable[Any]) -> frozenset[str]:
    """Placeholder words as compared: lower case, the punctuation around them removed."""
    out = set()
    for word in words:
        if isinstance(word, str):
            text = _bare(word if word.isascii() else skeleton(word)).lower()
            out.add(text if text else word.strip().lower())
    return frozenset(out)


_DEFAULT = normalise(DEFAULT_WORDS)


@lru_cache(maxsize=16)
def _table(words: frozenset[Any]) -> frozenset[str]:
    """normalise(words), once per set of words: a ruleset's are the same for every proposal
    (the default words themselves when they are those, which `placeholder` reads quicker)."""
    table = normalise(words)
    return _DEFAULT if table == _DEFAULT else table


def placeholder(text: str, words: frozenset[str] = _DEFAULT, *, deep: bool = True) -> bool:
    """Whether `text` only holds a placeholder (`words` as `normalise` gives them).
    `deep`: also as a denial or a label, whose notes are read in turn (`_says`)."""
    if words is _DEFAULT and not maybe_placeholder(text):
        return False  # nearly every real answer, without the whole reading
    return reading(text, words, deep=deep)


def reading(text: str, words: frozenset[str] = _DEFAULT, *, deep: bool = True) -> bool:
    """`placeholder`, read whole: no quick answer first."""
    written = text
    if not text.isascii():
        text = skeleton(text)  # T\u00adB\u200bD, a Cyrillic Te in TBD, ＴＢＤ: TBD
    bare = _bare(text).lower()
    if not bare:
        return True  # "", "   ", "...", "-", "?": nothing but whitespace and punctuation
    if ("{" in text or "[" in text or "__" in text or "<<" in text) \
            and _SLOT.search(text) is not None:  # "{{legal_basis}}", "${EXIT_PLAN}", "Law
        return True  # [•] of [•]", "[insert number]", "____", "<<number>>": a slot unfilled
    if "[" in text and _hole(text):
        return True  # "[Legal basis]", "[Nom de la stratégie nationale]": a form's field
    if bare in words or "." in bare and (bare.replace(".", "") in words or  # T.B.D.
                                         bare.replace(".", "/") in words):  # N.A.
        return True
    if answerless(bare):
        return True  # "No.", "nothing", "not required", "false", "FIXME: later"
    if nonanswers.nothing(bare, _DENIAL_NOTE.search if deep else None, _says, _DENIAL_TAIL):
        return True  # "Describe the exit plan here", "Exit plan", "Does not apply"
    stripped = text.strip()
    if stripped.startswith("<") and stripped.endswith(">") and "@" not in stripped \
            and "://" not in stripped:  # <the treasury's id>, not <ombudsman@gov.xa>
        return True
    if any(bare.startswith(word + " ") for word in _NOT_YET if word in words) \
            and _not_yet(text, bare, deep):
        return True  # "TBD by the steering committee", "to be determined later"
    if deep and _denial(text):
        return True  # "No legal basis", "There is no exit plan yet", "None yet"
    if fr_es.NOT_YET.match(bare) is not None and not (deep and _meanwhile(bare)):
        return True  # "À définir par le comité de pilotage", "Por definir", "Sin determinar"
    if fr_es.waiting(bare, _DENIAL_NOTE.search if deep else None, _says):
        return True  # "En cours de validation", "Pendiente de aprobación", "À élaborer"
    if deep and fr_es.denial(bare, written, _DENIAL_NOTE.search, _says, _fold):
        return True  # "Aucune base légale", "Il n'existe pas de mécanisme", "Sin base legal"
    if bare.startswith(_YET_TO) and _to_be(bare, deep):
        return True  # "To be developed during the inception phase", "Under development"
    if bare.startswith("awaiting ") and _not_yet(text, bare, deep):
        return True  # "Awaiting approval", read as "pending approval" is
    note = _NOTE.match(text)
    if note and ((head := _bare(note.group(1)).lower()) in words and head not in ANSWERLESS
                 and not (head.startswith(("to be", "not yet")) and deep and _meanwhile(text))
                 or (head in words or head in _DENYING)
                 and not (deep and _says(text[note.end():]))):
        return True  # "TODO: the donor's country", "No: see annex", "False (exempt)"
    if len(bare) <= 12 and _SPACED.fullmatch(bare) and _SPACERS.sub("", bare) in _SPELT:
        return True  # "N / A", "T-B-D", "T B D": a word spelt out letter by letter
    if bare.startswith(_DENIED_START):
        return True  # "None required", "Not required by law", "Not applicable here"
    if deep and _labelled(text, words):
        return True  # "Exit plan: TBD", "Legal basis TBC"
    parts = [p for p in _PARTS.split(bare) if p]
    return len(parts) > 1 and len(stripped.split()) <= 2 and any(p in words for p in parts) \
        and "," not in stripped and not _a_name(stripped)


def _hole(text: str) -> bool:
    """Whether `text` (with a "[") is one bracketed label and nothing else: "[Legal
    basis]", "[à compléter]" (not "Law 12/2024 [as amended]", nor "[2026-04]")."""
    found = _HOLE.fullmatch(text.strip().rstrip(".:;"))  # not a law's title: "[Code du
    return found is not None and not nonanswers.titled(found.group().lower())  # travail]"


def _fold(word: str) -> str:
    """A word as `reading` compares it: lower case, and through `skeleton` if not ASCII."""
    return word.lower() if word.isascii() else skeleton(word)


def _not_yet(text: str, bare: str, deep: bool = True) -> bool:
    """Whether `text`, which starts with a word for "not yet" (`_NOT_YET`), says no more
    than that: not a name that starts with capitals ("TBC Bank") nor a sentence about
    what is pending ("Pending cases go to the ombudsman")."""
    if _a_name(text.strip()):
        return False
    if bare.startswith("todo ") and bare[5:].split(" ", 1)[0] in _TODO_SPANISH:
        return False  # "Todo el personal puede presentar quejas": "all", in Spanish
    if bare.startswith(("to be ", "not yet ")) and deep and _meanwhile(text):
        return False  # "To be agreed with the ministry; until then, the CERT trains"
    if bare.startswith(("pending ", "awaiting ")):
        note = _DENIAL_NOTE.search(text)
        if deep and note is not None and text[note.start():].lstrip()[:1] in ",;" \
                and _says(text[note.end():]):
            return False  # "Pending the new law, consent of the data subject (art. 6)"
        after = _WORD.findall(bare)
        return len(after) <= 3 or after[1] in _PENDING_ARTICLES \
            or any(w in _PENDING_ON for w in after[1:5])
    return True


def _meanwhile(text: str) -> bool:
    """Whether a clause after "," or ";" says what stands meanwhile: "..., until then, X"."""
    note = _DENIAL_NOTE.search(text)
    return note is not None and text[note.start():].lstrip()[:1] in ",;" \
        and nonanswers.INTERIM.search(text, note.end()) is not None and _says(text[note.end():])


def _a_name(text: str) -> bool:
    """A name that starts with letters in capitals: "TBC Bank", "TBA Capital Partners",
    maybe then a note ("TBC Bank, Tbilisi branch")."""
    note = _DENIAL_NOTE.search(text)
    first, _, rest = (text if note is None else text[:note.start()]).partition(" ")
    names = rest.split()
    return first.isupper() and first.isalpha() and 1 <= len(names) <= 3 and _named(names) \
        and not any(n.lower() in _STILL_NOT_YET or n.lower() in _ASKED_FOR for n in names)


def readable(data: Mapping[str, Any], words: Iterable[Any] | None = None,
             made: tuple[Mapping[str, Any], Mapping[Path, str]] | None = None
             ) -> tuple[Mapping[str, Any], Mapping[Path, str]]:
    """`data` without its placeholder texts, and the placeholders left out (path -> text).
    When there is none, `data` itself is returned, not a copy. `made` is what this gave
    for `data` under the default words (Proposal.readable), used when `words` are those."""
    table = _DEFAULT if words is None else _table(frozenset(words))
    if made is not None and table == _DEFAULT:
        return made
    found: dict[Path, str] = {}
    out = _record(data, schema.PROPOSAL, (), table, found)
    return (data if not found else out), found


def _value(value: Any, type_: Type, path: Path, words: frozenset[str],
           found: dict[Path, str]) -> Any:
    if isinstance(type_, RecordT) and isinstance(value, Mapping):
        return _record(value, type_, path, words, found)
    if isinstance(type_, ListT) and isinstance(value, list):
        if type_.item == STRING:
            if value and all(isinstance(v, str) and placeholder(v, words) for v in value):
                for index, v in enumerate(value):
                    found[(*path, index)] = v
                return []
            return value
        changed = [_value(v, type_.item, (*path, i), words, found) for i, v in enumerate(value)]
        return changed if any(a is not b for a, b in zip(changed, value)) else value
    return value


def _record(value: Mapping[str, Any], type_: RecordT, path: Path, words: frozenset[str],
            found: dict[Path, str]) -> Mapping[str, Any]:
    out: dict[str, Any] | None = None
    for key, item in value.items():
        field = type_.field(key) if isinstance(key, str) else None
        if field is None:
            continue
        if field.type == STRING:
            if isinstance(item, str) and (type_.name, key) not in _KEYS \
                    and placeholder(item, words):
                found[(*path, key)] = item
                out = dict(value) if out is None else out
                del out[key]
            continue
        new = _value(item, field.type, (*path, key), words, found)
        if new is not item:
            out = dict(value) if out is None else out
            out[key] = new
    return value if out is None else out
