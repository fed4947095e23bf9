"""Letters of other scripts drawn as Latin ones, which placeholders.skeleton reads as the
Latin letter to decide whether a text is a placeholder (placeholders.py's module docstring
is the specification)."""

from __future__ import annotations

#: letters of other scripts drawn as Latin ones (Unicode's confusables), read as the Latin
#: letter only to decide whether a text is a placeholder: facts, one pair a letter. Texts
#: are compared ignoring case, so each letter's other case is read as the same Latin
#: letter too (`TABLE`): "НЕТ" and "Нет" give the same, as "TBD" and "tbd" do.
LOOKALIKES: dict[str, str] = {
    # Cyrillic: A, Be (B), Ie (E), Ka, Em, En (H), O, Er (P), Es (C), Te, Ha (X), U (Y)
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M",
    "\u041d": "H", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T",
    "\u0425": "X", "\u0423": "Y",
    # Cyrillic: Ukrainian I, Je, Dze (S), straight U (Y), Shha (H), Komi De (D), Qa, We
    "\u0406": "I", "\u0408": "J", "\u0405": "S", "\u04ae": "Y", "\u04ba": "H",
    "\u0500": "D", "\u051a": "Q", "\u051c": "W",
    # Greek: Alpha, Beta, Epsilon, Zeta, Eta (H), Iota, Kappa, Mu, Nu, Omicron, Rho (P),
    # Tau, Upsilon (Y), Chi (X)
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O",
    "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X",
    # Latin small capitals (phonetic letters NFKC leaves as they are)
    "\u1d00": "A", "\u0299": "B", "\u1d04": "C", "\u1d05": "D", "\u1d07": "E",
    "\ua730": "F", "\u0262": "G", "\u029c": "H", "\u026a": "I", "\u1d0a": "J",
    "\u1d0b": "K", "\u029f": "L", "\u1d0d": "M", "\u0274": "N", "\u1d0f": "O",
    "\u1d18": "P", "\u0280": "R", "\ua731": "S", "\u1d1b": "T", "\u1d1c": "U",
    "\u1d20": "V", "\u1d21": "W", "\u028f": "Y", "\u1d22": "Z",
    # the dotless i of Turkish and Azerbaijani, which Python's case-blind matching takes
    # for an i
    "\u0131": "I",
    # Cherokee letters drawn as Latin capitals
    "\u13aa": "A", "\u13f4": "B", "\u13df": "C", "\u13a0": "D", "\u13ac": "E",
    "\u13c0": "G", "\u13bb": "H", "\u13ab": "J", "\u13e6": "K", "\u13de": "L",
    "\u13b7": "M", "\u13e2": "P", "\u13a1": "R", "\u13da": "S", "\u13a2": "T",
    "\u13d9": "V", "\u13b3": "W", "\u13a9": "Y", "\u13c3": "Z",
}
#: LOOKALIKES and their small letters, each read as the small Latin letter; the ligatures
#: of French and the typographic apostrophe as written without them ("n’existe": "n'existe")
TABLE = str.maketrans({
    **{other: latin.lower() for letter, latin in LOOKALIKES.items()
       for other in (letter, letter.lower())}, "\u0153": "oe", "\u00e6": "ae", "\u2019": "'"})
#: invisible letters that are not format characters (Hangul fillers)
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
