"""Defaults a country gets from well-kept data when no national ruleset states them.

A country without a national ruleset is checked against the baseline, whose
`host_languages` is empty (any language accepted): English-only training would pass in
Indonesia. CLDR, through Babel's territory data, knows each territory's official languages;
they become the param's value, shown with where they come from:

    param     host_languages = {"id"}   set by CLDR 49, official languages of ID

Only an empty value is replaced (a ruleset that states the languages keeps them), only
with ISO 639-1 codes (the format's language codes), and nothing is made up for a territory
CLDR has no official language for (the user-assigned XA-XZ).
"""

from __future__ import annotations

from ..base.span import Span
from ..engine.compile import ParamValue
from ..engine.findings import Provenance

LANGUAGES = "host_languages"


def official_languages(country: str) -> tuple[tuple[str, ...], str]:
    """The ISO 639-1 codes of a territory's official languages in CLDR, and CLDR's version."""
    from babel import languages  # Babel's data loads on first use: not at start-up
    from babel.core import get_cldr_version

    codes = languages.get_official_languages(country.upper(), de_facto=True)
    return tuple(c for c in codes if len(c) == 2 and c.isalpha()), str(get_cldr_version())


def languages_param(param: ParamValue | None, country: str | None) -> ParamValue | None:
    """`host_languages` as the host's official languages when `param` leaves it empty;
    None when there is nothing to add."""
    if country is None or param is None or not isinstance(param.value, (set, frozenset)) \
            or param.value:
        return None
    codes, cldr = official_languages(country)
    if not codes:
        return None
    where = f"CLDR {cldr}, official languages of {country.upper()}"
    return ParamValue(
        LANGUAGES, param.type, frozenset(codes),
        "{" + ", ".join(f'"{c}"' for c in codes) + "}",
        Provenance(where, Span(where, 0, 0),
                   "no national ruleset states the host's languages; CLDR's territory data "
                   "does", False, param.display, param.origin.layer, param.origin.span))
