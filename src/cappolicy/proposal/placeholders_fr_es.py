"""French and Spanish placeholders and denials, read as placeholders.py reads the English
(its module docstring is the specification; this holds the words and the grammar).

Every text reaches these through `placeholders.skeleton` when it is not ASCII, so accents
are gone and the case is lower: "À compléter", "A COMPLETER" and "a compléter" are the one
"a completer", and the words here are written so. They are read whatever the ruleset's
`placeholders` words are, as the English bare denials are (`ANSWERLESS`).

What is read (each `match` at the start of the text, after the punctuation round it):
- `BARE` (placeholders.ANSWERLESS holds them): the whole text is the placeholder ("Néant",
  "Sans objet", "N/D", "Ninguno", "No aplica");
- `NOT_YET`: a start that says the value is still to be written however the text goes on,
  as "TBD" and "to be determined" do ("À définir par le comité de pilotage", "Por definir",
  "Reste à définir", "Queda por definir", "Non fourni"), unless a clause after a comma or a
  semicolon says what stands meanwhile ("À convenir ; d'ici là, le CERT national reprend
  les formateurs": placeholders._meanwhile);
- `WAITING`: work to come or under way that the value waits for, as "pending" and "to be
  developed" are read: alone, or going on with only when or by whom, or with what is
  waited for ("En cours de validation par le ministère", "Pendiente de aprobación", "À
  élaborer pendant la phase de démarrage", "Sera défini ultérieurement"); not work that
  says the value exists ("En cours de mise en œuvre", "En cours d'exécution"), nor what the
  value is to be ("À établir comme un bureau indépendant des plaintes");
- `DENIAL`: a text that says there is none, as "No legal basis" is read ("Aucune base
  légale", "Il n'existe pas de mécanisme de plainte", "Pas de plan de sortie prévu à ce
  stade", "Sin base legal", "No hay estrategia nacional", "Carece de base legal"): what is
  denied (up to `_DENIED_WORDS` words, not counting `_LINKS`), then only `_TAIL` words,
  then maybe a note that says nothing of its own. Not a sentence that says something
  ("Aucune plainte n'est payante", "Aucune donnée ne quitte XA", "No se cobran tasas"),
  nor a name ("Sin Fronteras", "Pas de Calais": a capitalised word, not the first, that is
  not a thing a proposal is asked for), nor a denial whose note says what stands instead ("Pas de
  mécanisme dédié : les plaintes vont au médiateur national").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..base.patterns import lazy

#: bare denials and non-answers (placeholders.ANSWERLESS): the whole text is one of these
BARE = frozenset({
    # French
    "neant", "aucun", "aucune", "rien", "non", "sans", "sans objet", "non applicable",
    "pas applicable", "non disponible", "non requis", "non requise", "non necessaire",
    "non pertinent", "non concerne", "non connu", "inconnu", "inconnue", "pas encore",
    "ne s'applique pas", "nul", "nulle", "inexistant", "inexistante", "n/d", "nd", "s/o",
    "rien a signaler", "pas de", "oui", "il n'y a pas", "il n'y a rien", "il n'y en a pas",
    "il n'y en a aucun", "il n'y en a aucune", "information non disponible", "hors sujet",
    "informations non disponibles", "hors champ", "plus tard", "ulterieurement",
    # Spanish
    "ninguno", "ninguna", "ningun", "nada", "no aplica", "no aplicable", "no es aplicable",
    "no procede", "no corresponde", "no disponible", "no requerido", "no requerida",
    "no necesario", "no es necesario", "no existe", "no hay", "no consta", "sin",
    "sin datos", "sin informacion", "s/d", "inexistente", "desconocido", "desconocida",
    "todavia no", "aun no", "nulo", "nula", "sin objeto", "no pertinente", "no se aplica",
    "sin novedad", "no tiene", "no tienen", "no tenemos", "no lo hay", "no la hay",
    "informacion no disponible", "fuera de alcance", "fuera del alcance", "mas adelante",
    "posteriormente"})
#: a start that denies whatever follows, as "Not required by law" does
DENIED_START = ("no aplica ", "no procede ", "no corresponde ", "non applicable ",
                "sans objet ", "ne s'applique pas", "no se aplica ", "non requis ",
                "no requerido ", "no es necesario ", "no es aplicable ", "non necessaire ",
                "pas applicable ")
#: where a word ends (the quick look leaves it out: placeholders._FR_ES_START)
END = r"(?![\w'’-])"
#: the doings that "to be determined", "to be confirmed" and "TBD" say, in French ("à
#: définir") and Spanish ("por definir", "a determinar", "sin definir")
_DOING = (r"completer|completar|definir|determiner|determinar|confirmer|confirmar|preciser|"
          r"precisar|decider|decidir|convenir|acordar|remplir|rellenar|renseigner|concretar|"
          r"especificar|faire|hacer|fixer|fijar")
#: what says the doing is still to come: "reste à définir", "queda por definir"
_STILL = r"(?:(?:reste|restent|queda|quedan|aun|todavia|encore|toujours|esta|estan)\s+)?"
NOT_YET_SOURCE = (
    r"(?:" + _STILL + r"(?:a|por)\s+(?:" + _DOING + r")|sin\s+(?:definir|determinar|"
    r"especificar|precisar|concretar|fecha)|non\s+(?:renseigne|communique|defini|determine|"
    r"precise|specifie|fourni)e?s?|"
    r"no\s+(?:especificad|definid|determinad|precisad|concretad)[oa]s?)" + END)
NOT_YET = lazy(r"\s*" + NOT_YET_SOURCE)
#: work to come ("à élaborer") or under way ("en cours", "pendiente") that a value waits for
WAITING_SOURCE = (
    r"(?:en\s+(?:cours|attente|curso|espera|tramite|proceso|suspens|preparation|preparacion|"
    r"elaboration|elaboracion|redaction|redaccion|discussion|discusion|negociation|"
    r"negociacion|construction|construccion|developpement|desarrollo|projet|revision|estudio|"
    r"definition|definicion)|pendiente|a\s+l['’]etude|(?:sera|seront)\s+(?:defini|determine|"
    r"precise|fixe|decide|etabli|elabore|developpe|redige|prepare|finalise|convenu|arrete|"
    r"communique|fourni|designe|identifie|mis\s+en\s+place)e?s?|(?:sera|seran)\s+(?:definid|"
    r"determinad|precisad|establecid|elaborad|desarrollad|acordad|fijad|proporcionad|"
    r"identificad|designad|decidid)[oa]s?|se\s+(?:definira|determinara|precisara|establecera|"
    r"elaborara|desarrollara|acordara|fijara|decidira)n?|" + _STILL + r"(?:a|por)\s+(?:"
    r"elaborer|elaborar|developper|desarrollar|etablir|establecer|rediger|redactar|"
    r"identifier|identificar|"
    r"designer|designar|finaliser|finalizar|valider|validar|prevoir|preparer|preparar|"
    r"negocier|negociar|discuter|discutir|venir|mettre\s+en\s+place|disenar|concevoir))"
    + END)
WAITING = lazy(r"\s*" + WAITING_SOURCE)
#: how a denial starts: "aucune", "pas de", "il n'existe pas de", "sin", "no hay", "ningún",
#: "no se ha previsto"; `none` when it stands for the thing itself ("néant à ce jour")
DENIAL_SOURCE = (
    r"(?:il\s+n['’](?:y\s+a|existe)\s+(?:(?:pas|toujours\s+pas|pas\s+encore)\s+(?:de\s+|d['’])|"
    r"(?:encore\s+)?aucune?\s+)|(?:toujours\s+pas|pas\s+encore|pas)\s+(?:de\s+|d['’])|"
    r"aucune?\s+|ningun[oa]?\s+|sans\s+|sin\s+|carecen?\s+de\s+|"
    r"(?:(?:todavia|aun)\s+)?no\s+(?:hay|existen?|"
    r"se\s+(?:(?:ha|han)\s+)?(?:preve|previsto|prevista|contempla|contemplado|definido|"
    r"establecido|elaborado|identificado|designado|dispone\s+de|cuenta\s+con)|"
    r"(?:dispone|disponen)\s+de|(?:cuenta|cuentan)\s+con|tiene|tienen)\s+"
    r"(?:(?:todavia|aun|ningun[oa]?|un[oa]?)\s+)*|(?P<none>neant|rien|nada|aucune?|ningun[oa]?)"
    r"\s+)(?=[^\W\d_])")
DENIAL = lazy(r"\s*" + DENIAL_SOURCE)
#: what may stand between the words of what is denied: "plan de sortie", "base legal"
_LINKS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "el", "los", "las", "del",
                    "un", "une", "una", "uno", "et", "y", "e", "o", "ou", "al", "au", "aux"})
#: the words that end what a denial denies and begin what is said of it: "Sin costo para el
#: denunciante" says who pays nothing
_PREPOSITIONS = frozenset({"para", "avec", "con", "contre", "contra", "sur", "sobre", "chez",
                           "entre", "dans", "a", "au", "aux", "al", "par", "selon", "segun",
                           "sous", "bajo", "mediante", "via", "apres", "tras", "avant",
                           "antes", "pendant", "durante", "depuis", "desde", "hasta", "despues",
                           "aupres", "ante", "envers", "hacia", "pres", "cerca"})
#: the words that may follow what a denial denies and still only deny it ("Aucun plan de
#: sortie n'est prévu à ce stade", "Sin base legal por ahora"), elisions off ("n'est": "est")
_TAIL = frozenset({
    # French
    "est", "sont", "a", "ont", "ete", "etre", "ne", "pas", "encore", "prevu", "prevue",
    "prevus", "prevues", "defini", "definie", "definis", "etabli", "etablie", "requis",
    "requise", "necessaire", "applicable", "existant", "existante", "existe", "identifie",
    "identifiee", "place", "mis", "mise", "envisage", "envisagee", "disponible", "connu",
    "connue", "adopte", "adoptee", "signe", "signee", "approuve", "approuvee", "convenu",
    "convenue", "elabore", "elaboree", "redige", "redigee", "finalise", "finalisee",
    "designe", "designee", "fixe", "fixee", "arrete", "arretee", "retenu", "retenue",
    "actuellement", "jour", "ce", "cet", "cette", "stade", "moment", "instant", "pour",
    "le", "la", "les", "en", "au", "y", "il", "dans", "programme", "projet", "phase",
    "etape", "present", "heure", "sera", "seront", "hui", "ici", "specifique", "dedie",
    "dediee", "formel", "formelle", "particulier", "propre", "officiel", "officielle",
    # Spanish
    "es", "son", "esta", "estan", "ha", "han", "sido", "hay", "existen", "previsto",
    "prevista", "previstos", "previstas", "definido", "definida", "establecido",
    "establecida", "requerido", "requerida", "necesario", "necesaria", "aplicable",
    "existente", "vigente", "identificado", "identificada", "designado", "designada",
    "acordado", "acordada", "aprobado", "aprobada", "firmado", "firmada", "adoptado",
    "adoptada", "elaborado", "elaborada", "redactado", "redactada", "contemplado",
    "contemplada", "todavia", "aun", "por", "ahora", "el", "momento", "de", "fecha", "hasta",
    "este", "etapa", "fase", "actualmente", "se", "lugar", "marcha", "puesto", "puesta",
    "funcionamiento", "proyecto", "programa", "presente", "no", "hoy", "dia", "especifico",
    "especifica", "dedicado", "dedicada", "formal", "propio", "propia", "oficial"})
TAIL = _TAIL
#: what a proposal is asked for, in French and Spanish: "Aucune Base Légale", capitalised,
#: is still a denial
ASKED_FOR = frozenset({
    "plan", "plans", "base", "bases", "fondement", "fundamento", "mecanisme", "mecanismo",
    "strategie", "estrategia", "evaluation", "evaluacion", "evaluateur", "evaluador",
    "accord", "acuerdo", "budget", "presupuesto", "financement", "financiacion",
    "financiamiento", "procedure", "procedimiento", "processus", "proceso", "methode",
    "metodo", "mandat", "mandato", "loi", "ley", "cadre", "marco", "dispositif", "canal",
    "protocole", "protocolo", "garantie", "garanties", "salvaguardia", "salvaguardias",
    "organe", "organo", "comite", "contrat", "contrato", "clause", "clausula", "regles",
    "reglas", "normas", "plainte", "plaintes", "queja", "quejas", "reclamation",
    "reclamacion", "recours", "recurso", "sortie", "salida", "information", "informacion"})
#: words in what is denied that make it a statement: "Aucun transfert hors de XA"
_STATING = frozenset({"hors", "sauf", "excepte", "vers", "etranger", "transfrontalier",
                      "transfrontaliere", "transfrontiere", "quitte", "quittent", "sort",
                      "sortent", "reste", "restent", "demeure", "fuera", "salvo", "excepto",
                      "hacia", "extranjero", "extranjera", "extranjeros", "extranjeras",
                      "etrangere", "etrangers", "etrangeres", "transfronterizo",
                      "transfronteriza", "sale", "salen", "queda", "quedan", "permanece",
                      "frontiere", "frontera",
                      "international", "internationale", "internacional", "alla", "dela"})
#: what a value waits for after "en cours", "en attente", "pendiente", "en proceso"
_AWAITED = frozenset({
    "validation", "validacion", "approbation", "aprobacion", "adoption", "adopcion",
    "signature", "firma", "elaboration", "elaboracion", "redaction", "redaccion",
    "preparation", "preparacion", "definition", "definicion", "finalisation", "finalizacion",
    "negociation", "negociations", "negociacion", "negociaciones", "discussion",
    "discussions", "discusion", "discusiones", "examen", "revision", "consultation",
    "consultations", "consulta", "consultas", "evaluation", "evaluacion", "ratification",
    "ratificacion", "publication", "publicacion", "recrutement", "contratacion", "selection",
    "seleccion", "nomination", "nombramiento", "designation", "designacion", "identification",
    "identificacion", "conception", "diseno", "developpement", "desarrollo", "etude",
    "estudio", "instruction", "confirmation", "confirmacion", "decision", "accord",
    "acuerdo", "reponse", "respuesta", "avis", "dictamen", "arbitrage", "financement",
    "financiacion", "financiamiento", "budget", "presupuesto", "loi", "ley", "decret",
    "decreto", "arrete", "reglement", "reglamento", "licitacion", "attribution",
    "adjudicacion", "autorisation", "autorizacion", "agrement", "aval", "visa", "visto",
    "conclusions", "conclusiones", "resultats", "resultados", "rapport", "informe", "place",
    "formalisation", "formalizacion", "tramitacion", "definir", "determiner", "determinar"})
#: what may follow the doing and say no more than when or by whom: "À élaborer pendant la
#: phase de démarrage", "Por desarrollar con el ministerio" (not "À établir comme...")
_WHEN = frozenset({
    "par", "por", "avec", "con", "pendant", "durante", "lors", "avant", "antes", "apres",
    "despues", "des", "dans", "dentro", "jusqu", "hasta", "plus", "mas", "ulterieurement",
    "posteriormente", "prochainement", "proximamente", "conjointement", "conjuntamente",
    "entre", "au", "a", "en", "courant", "ici", "une", "una", "sous", "tras", "d'ici",
    "encore", "todavia", "aun"})
#: a note that only says the answer is to come or why there is none (placeholders._TO_COME)
TO_COME_SOURCE = (
    r"plus\s+tard|ulterieurement|prochainement|pas|voir|ver|pendiente|mas\s+adelante|"
    r"posteriormente|en\s+attente|en\s+cours|todavia|aun\s+no|(?:sera|seront)\s+(?:"
    r"defini|determine|decide|etabli|elabore|precise|fixe|arrete|convenu|confirme|designe|"
    r"mis\s+en\s+place|developpe|redige|prepare|finalise|signe|adopte)e?s?|se\s+(?:definira|"
    r"determinara|establecera|elaborara|decidira|acordara|firmara|adoptara|desarrollara)|"
    r"(?:a|por)\s+(?:" + _DOING + r")")
#: the most words (not counting `_LINKS`) of what a denial denies
_DENIED_WORDS = 4
_WORD = lazy(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_ELIDED = lazy(r"(?:[dlnjmtsc]|qu|jusqu|lorsqu|puisqu)['’]")


def words(text: str) -> list[str]:
    """The words of `text` (lower case), an elided article or pronoun off each ("d'une",
    "n'est", "l'instant": "une", "est", "instant")."""
    return [_ELIDED.sub("", w, count=1) for w in _WORD.findall(text.lower())]


#: where a note starts (placeholders._DENIAL_NOTE's search), whether a note says something
#: of its own (placeholders._says), and a text as `skeleton` reads it
Find = Callable[[str], "re.Match[str] | None"]
Says = Callable[[str], bool]


def waiting(bare: str, find: Find | None, says: Says) -> bool:
    """Whether `bare` (lower case, as `skeleton` gives it) waits for work to come or under
    way and says no more than that (`WAITING`). `find`: where a note starts, when notes
    are read."""
    found = WAITING.match(bare)
    if found is None:
        return False
    after = bare[found.end():].strip()
    if not after or after[0] in ":(-\u2013\u2014":
        return True  # "En cours", "Pendiente: el ministerio decide"
    note = find(after) if find is not None else None
    if note is not None and after[note.start()] in ",;" and says(after[note.end():]):
        return False  # "En cours ; en attendant, le médiateur national reçoit les plaintes"
    said = words(after)
    if said and (said[0] in _WHEN or after.startswith("d'ici")):
        return True  # "À élaborer pendant la phase de démarrage", "Pendiente por el comité"
    content = [w for w in said if w not in _LINKS]
    return any(w in _AWAITED for w in content[:3])  # "En cours de validation"


def denial(bare: str, written: str, find: Find, says: Says,
           fold: Callable[[str], str]) -> bool:
    """Whether `bare` (lower case, as `skeleton` gives it) only says there is none of
    something (`DENIAL`): what is denied, then only `_TAIL` words, then maybe a note that
    does not say something (`says`). `written`: the text as written, for its capitals,
    which `fold` reads as `bare` is read."""
    found = DENIAL.match(bare)
    if found is None:
        return False
    rest = bare[found.end():]
    note = find(rest)
    head = rest if note is None else rest[:note.start()]
    if any(not (c.isspace() or c in ".'\u2019-/") for c in _WORD.sub("", head)):
        return False  # a number or a symbol in it: "Aucun frais au-delà de 5 €"
    said = words(head)
    none = found.group("none") is not None
    denied: list[str] = []
    tail: list[str] = []
    for index, word in enumerate(said):
        if (word in _TAIL and word not in _LINKS or word in _PREPOSITIONS) and (denied or none):
            tail = said[index:]
            break
        if word not in _LINKS:
            denied.append(word)
    if none and denied:
        return False  # "Rien n'est transféré", "Ninguno de los datos sale de XA"
    if not none and not 1 <= len(denied) <= _DENIED_WORDS:
        return False
    if any(w not in _TAIL and w not in _LINKS for w in tail):
        return False  # "Aucune plainte n'est payante"
    if any(part in _STATING for w in denied for part in w.split("-")):
        return False  # "Aucun transfert hors de XA"
    if note is not None and says(rest[note.end():]):
        return False  # "Pas de mécanisme dédié : les plaintes vont au médiateur national"
    capitals = {fold(w) for w in _WORD.findall(written)[1:] if w[:1].isupper()
                and not w.isupper()}  # a name: "Sin Fronteras", "Pas de Calais"
    return not any(w in capitals for w in denied) or any(w in ASKED_FOR for w in denied)
