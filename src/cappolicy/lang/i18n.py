"""Reports in the reader's language: fixed text from gettext catalogues, numbers, money
and dates in the reader's locale (Babel).

The API, for every renderer a person reads (text, markdown, html):

    tr = translator("fr")           # Translations; UnknownLanguage (exit 2) for a language
                                    # with no catalogue; "en" (or None) is the text as written
    tr.gettext("message")           # "message" in French, or the English when the French
    tr.ngettext("{n} error", "{n} errors", n).format(n=n)   # catalogue lacks it
    tr.untranslated                 # how many distinct strings fell back to English so far
    tr.fell_back(key)               # count a string translated elsewhere (a rule's message)
    tr.lang, tr.locale              # "fr", and the Babel locale name for formatting ("fr")

    format_number(1200000, "fr")            -> "1 200 000"  (narrow no-break spaces)
    format_money(1200000, "EUR", "fr")      -> "1 200 000 €"
    format_percent(0.15, "fr")              -> "15 %"   (1/3: "33,3333 %", as English rounds)
    format_date(date(2029, 12, 31), "fr")   -> "31 décembre 2029"
    format_duration(Duration(months=6), "fr") -> "6 mois"
    format_value(value, "fr")       # any value of the rule language (values.py): the above,
                                    # a set or list of them, a text as it is

`locale` is the language tag ("fr", "es", "pt-br"). English is not formatted: a report
in English shows numbers and ISO dates exactly as the machine formats do, and is the
same byte for byte as before languages existed. JSON, SARIF and JUnit never call this
module: they stay machine formats whatever `--lang` says.

The text report draws its labels through `gettext`/`ngettext` below, which ask the
translator made active with `use(tr)` (a context variable; English when none is).

Texts made before the language is known (diagnostics, the engine's notes of evidence) are
Deferred (base/deferred.py, `N_`), said by `localise(text)` within `use(tr)`: a plural
among them is made by `deferred_ngettext(singular, plural, n, **holes)`, said in the form
the reader's language gives `n`; a number in a hole is written in the reader's locale
(`-250 444,13`), but for a line, column or index.

Catalogues: `locale/<lang>/LC_MESSAGES/cappolicy.po` inside the package, read when first
asked for and compiled in memory (no build step, nothing to forget to compile: the
wheel carries the .po files as package data). `locale/cappolicy.pot` is the template
that `pybabel extract` makes from the code (docs/translating.md).

Titles, messages and hints of rules are translated in the rule files (`message fr "…"`,
docs/language.md). A check asked for a language (`evaluate(..., lang="fr")`, `check
--lang`) gives each finding its wording for that reader (`finding.local`, a
findings.Wording: the title, and for a failure the message and hint with their values
formatted here). Within `use(tr)`, render.text.shown_title(finding) and
render.text.shown_wording(finding) give what to show, counting on `tr` what falls back to
English, and render.text.untranslated_line(tr) the report's last line. docs/translating.md
has the whole picture.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext as _gettext
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from ..base.deferred import Deferred, Joined
from ..base.errors import CappolicyError, Diagnostic
from ..base.patterns import lazy
from ..base.record import replace
from . import values as V
from .ast import Duration, Money, Percent, number_text, percent_text

#: where the catalogues are: inside the package, so a wheel carries them
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"  # the package's
DOMAIN = "cappolicy"
SOURCE_LANGUAGE = "en"
_TAG = lazy(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")


class UnknownLanguage(CappolicyError):
    """CP442, a language with no catalogue: a usage error (exit 2) naming the languages
    there are."""

    def __init__(self, message: str) -> None:
        super().__init__(Diagnostic("CP442", message, None,
                                    "give --lang (or `lang` in cappolicy.toml) one of "
                                    f"{', '.join(languages())}"))


def languages() -> tuple[str, ...]:
    """The languages reports can be written in: English and each shipped catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *found)


def normalise(lang: str) -> str:
    """`fr`, `FR`, `pt_BR` -> `fr`, `fr`, `pt-br`: the form rule files and catalogues use."""
    return lang.strip().replace("_", "-").lower()


#: gettext answers a translator keeps: far more than the msgids there are
MAX_SAID = 10_000


class Translations:
    """gettext and ngettext in one language, falling back to English string by string,
    and counting the strings that fell back."""

    def __init__(self, lang: str, catalogue: _gettext.NullTranslations | None,
                 translated: frozenset[str] = frozenset()) -> None:
        self.lang = lang
        self.locale = lang.replace("-", "_")  # Babel's spelling: pt_BR is read as pt-br
        self._catalogue = catalogue
        self._translated = translated  # the msgids the catalogue translates
        self._missed: set[Any] = set()
        self._said: dict[str, str] = {}  # gettext's answers so far: each message once
        #: what renderers work out once per translator (the text report's label column)
        self.memo: dict[Any, Any] = {}

    @property
    def is_source(self) -> bool:
        """English: the text as written, values as the machine formats show them."""
        return self._catalogue is None

    @property
    def untranslated(self) -> int:
        """Distinct strings shown in English because this language lacks them."""
        return len(self._missed)

    def fell_back(self, key: Any) -> None:
        """Count `key` (a string, or a rule's message) as shown in English."""
        if self._catalogue is not None:
            self._missed.add(key)

    def gettext(self, message: str) -> str:
        if self._catalogue is None:
            return message
        said = self._said.get(message)
        if said is None:  # (asked before, it was counted then)
            if message not in self._translated:
                self._missed.add(message)
            said = self._catalogue.gettext(message)
            if len(self._said) < MAX_SAID:  # the code's msgids, and diagnostics' templates
                self._said[message] = said
        return said

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self._catalogue is None:
            return singular if n == 1 else plural
        if singular not in self._translated:
            self._missed.add(singular)
        return self._catalogue.ngettext(singular, plural, n)


_ENGLISH = Translations(SOURCE_LANGUAGE, None)


def translator(lang: str | None) -> Translations:
    """A fresh translator for `lang` (its own count of untranslated strings);
    UnknownLanguage when no catalogue is shipped for it."""
    tag = normalise(lang) if lang is not None else SOURCE_LANGUAGE
    if not _TAG.fullmatch(tag):  # English's too: `en-../../etc` and "" are no tags
        raise UnknownLanguage(f"'{lang}' is not a language tag: write one such as fr, es or "
                              f"pt-br (languages: {', '.join(languages())})")
    if tag == SOURCE_LANGUAGE or tag.startswith(SOURCE_LANGUAGE + "-"):
        return Translations(tag, None)
    found = _catalogue(tag)
    if found is None and "-" in tag:  # pt-br without its own catalogue: pt
        found = _catalogue(tag.split("-")[0])
    if found is None:
        raise UnknownLanguage(f"no translation into '{lang}': reports can be written in "
                              f"{', '.join(languages())}")
    return Translations(tag, *found)


@cache
def _catalogue(tag: str) -> tuple[_gettext.NullTranslations, frozenset[str]] | None:
    """The compiled catalogue of `tag` and the msgids it translates, None when there is
    none. The .po is compiled in memory by Babel: reading it costs a few milliseconds,
    once per run and language."""
    path = LOCALE_DIR / tag / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    import io  # here: only a run in another language pays for Babel's catalogue code

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fp:
        catalog = read_po(fp, locale=tag.replace("-", "_"), domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    compiled = _gettext.GNUTranslations(buffer)
    translated = frozenset(
        (m.id[0] if isinstance(m.id, (list, tuple)) else m.id) for m in catalog
        if m.id and m.string and not m.fuzzy
        and all(m.string if isinstance(m.string, (list, tuple)) else (m.string,)))
    return compiled, translated


# ---------------------------------------------------------- the active translator

_ACTIVE: ContextVar[Translations] = ContextVar("cappolicy_translations", default=_ENGLISH)


def active() -> Translations:
    """The translator the text report draws its labels with."""
    return _ACTIVE.get()


@contextlib.contextmanager
def use(tr: Translations) -> Iterator[Translations]:
    """Make `tr` the active translator within the block."""
    token = _ACTIVE.set(tr)
    try:
        yield tr
    finally:
        _ACTIVE.reset(token)


def gettext(message: str) -> str:
    """`message` in the active language (English when it lacks it)."""
    tr = _ACTIVE.get()
    return message if tr._catalogue is None else tr.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or a plural form of the active language for `n`."""
    return _ACTIVE.get().ngettext(singular, plural, n)


class Plural(Deferred):
    """A Deferred with a singular and a plural: said in the form the reader's language
    gives the count `n` (deferred_ngettext)."""

    plural: str
    n: int

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _plural, (str(self), self.template, self.plural, self.n, dict(self.holes))


def _plural(text: str, singular: str, plural: str, n: int,
            holes: Mapping[str, object]) -> Plural:
    made = str.__new__(Plural, text)
    made.template, made.plural, made.n, made.holes = singular, plural, n, holes
    return made


def deferred_ngettext(singular: str, plural: str, n: int, /, **holes: object) -> Plural:
    """`ngettext` for a text made before the language is known, as N_ (base/deferred.py)
    is `gettext`'s: the English text for `n` with its `{holes}` filled in, a `str` the
    machine formats write as it is, that `localise` says in the reader's language in its
    form for `n`. `pybabel extract` knows it as `ngettext`: import it under that name
    (`from ..lang.i18n import deferred_ngettext as ngettext`) so that both forms are
    extracted as one plural message."""
    return _plural((singular if n == 1 else plural).format_map(holes), singular, plural, n,
                   holes)


def localise(text: str) -> str:
    """A text made in English, in the active language: a Deferred (base/deferred.py, the
    messages of diagnostics) translated by its template, with its holes filled in
    (translated when Deferred, a date as the reader's locale writes it); any other text
    as it is, counted as shown in English.
    In English, `text` itself."""
    tr = _ACTIVE.get()
    if tr.is_source or not text:
        return text
    if not isinstance(text, Deferred):
        tr.fell_back(("text", text))
        return text
    return _said(text, tr)


def _said(text: Deferred, tr: Translations) -> str:
    if isinstance(text, Joined):  # the separator's punctuation in the reader's language
        mark = text.template.rstrip()
        separator = tr.gettext(mark) + text.template[len(mark):] if mark else text.template
        return separator.join(_said(p, tr) if isinstance(p, Deferred) else p
                              for p in text.parts)
    template = tr.ngettext(text.template, text.plural, text.n) \
        if isinstance(text, Plural) else tr.gettext(text.template)
    holes = {k: _said(v, tr) if isinstance(v, Deferred)
             else format_date(v, tr.locale) if isinstance(v, dt.date)
             else _hole_number(k, v, tr.locale) if v.__class__ in (int, float) else v
             for k, v in text.holes.items()}
    try:
        return template.format_map(holes)
    except (KeyError, IndexError, ValueError):  # a catalogue whose holes are wrong (tested)
        tr.fell_back(text.template)
        return str(text)


#: holes whose number is a place in a file, not a quantity: written as the location
#: `file:12345:3` writes it, never grouped
_PLACES = frozenset({"line", "column", "index"})


def _hole_number(name: str, value: float, locale: str) -> str:
    """A number in a Deferred's hole in the reader's locale, with the digits its English
    text shows (`-250444.13` is `-250 444,13` in French, an amount with its cents)."""
    if name in _PLACES or not V.finite(value):
        return str(value)
    if value.__class__ is int:
        return format_number(value, locale)
    from decimal import Decimal

    from babel.numbers import format_decimal

    return format_decimal(Decimal(str(value)), locale=_babel_locale(locale),
                          decimal_quantization=False,
                          group_separator=abs(value) >= UNGROUPED_BELOW)


def localise_diagnostic(diagnostic: Diagnostic) -> Diagnostic:
    """`diagnostic` with its level word, message and help in the active language: what the
    reports for people show (the machine formats show the diagnostic as it is)."""
    tr = _ACTIVE.get()
    if tr.is_source:
        return diagnostic
    return replace(
        diagnostic, message=localise(diagnostic.message), level=tr.gettext(diagnostic.level),
        help=localise(diagnostic.help) if diagnostic.help else diagnostic.help)


# ---------------------------------------------------------- numbers, money, dates


def _babel_locale(locale: str) -> str:
    return normalise(locale).replace("-", "_")


#: below this, a number is written without grouping: a year (2029) reads as a year, and
#: French and Spanish typography leave four-digit numbers whole
UNGROUPED_BELOW = 10_000


def format_number(value: int | float, locale: str) -> str:
    """`1 200 000` (fr), `1.200.000` (es), `1,200,000` (en); `2029` whole; otherwise
    the digits English shows (ast.number_text: `1425566,13`, `12,5`, `0,333333` in fr).
    A number English writes with an exponent (`5e+24`, `1e-320`) keeps it, with the
    locale's decimal sign: the same digits in every language."""
    import decimal

    from babel.numbers import format_decimal, get_decimal_symbol

    loc = _babel_locale(locale)
    english = number_text(value) if isinstance(value, float) else str(value)
    if not english.lstrip("-")[:1].isdigit() or "e" in english:  # inf, an exponent
        return english.replace(".", get_decimal_symbol(loc))
    whole = "." not in english
    if whole and abs(value) < UNGROUPED_BELOW:
        return english
    with decimal.localcontext() as context:  # every digit of the number, however many
        context.prec = len(english) + 40  # babel quantizes to the pattern: room for it
        if whole:
            return format_decimal(int(english), locale=loc)
        shown = decimal.Decimal(english)  # the digits shown, exactly
        if abs(value) < UNGROUPED_BELOW:
            return format_decimal(shown, format="0.#", locale=loc, decimal_quantization=False)
        return format_decimal(shown, locale=loc, decimal_quantization=False)


def format_money(amount: int | float, currency: str, locale: str) -> str:
    """`1 200 000 €` (fr): the locale's currency pattern, without cents for a whole amount."""
    from babel.core import Locale
    from babel.numbers import format_currency

    loc = Locale.parse(_babel_locale(locale))
    if float(amount).is_integer():
        pattern = loc.currency_formats["standard"].pattern
        whole = re.sub(r"\.0+", "", pattern.split(";")[0])
        return format_currency(int(amount), currency, format=whole, locale=loc,
                               currency_digits=False)
    return format_currency(amount, currency, locale=loc)


def format_percent(fraction: float, locale: str) -> str:
    """`15 %` (fr), `15 %` (es), `15%` (en), for the fraction 0.15; with the digits
    English shows (ast.percent_text), `33,3333 %` for 1/3."""
    from decimal import Decimal

    from babel.numbers import format_percent as percent

    rounded = Decimal(percent_text(fraction)).scaleb(-2)  # the digits shown, exactly
    return percent(rounded, locale=_babel_locale(locale), decimal_quantization=False)


def format_date(value: dt.date, locale: str) -> str:
    """`31 décembre 2029` (fr), `31 de diciembre de 2029` (es): the locale's long form."""
    from babel.dates import format_date as date

    return date(value, format="long", locale=_babel_locale(locale))


def format_duration(value: Duration, locale: str) -> str:
    """`6 mois`, `2 ans`, `1 an 10 jours`: as Duration shows itself, in words of `locale`."""
    tr = translator(locale) if not is_english(locale) else _ENGLISH
    parts = []
    if value.months:
        years, months = divmod(value.months, 12)
        if years and not months:
            parts.append(tr.ngettext("{n} year", "{n} years", years).format(n=years))
        else:
            parts.append(tr.ngettext("{n} month", "{n} months", value.months)
                         .format(n=value.months))
    if value.days or not parts:
        parts.append(tr.ngettext("{n} day", "{n} days", value.days).format(n=value.days))
    return " ".join(parts)


def is_english(locale: str) -> bool:
    """English (en, en-gb...): the language the text is written in."""
    tag = normalise(locale)
    return tag == SOURCE_LANGUAGE or tag.startswith(SOURCE_LANGUAGE + "-")


def uncomputable(locale: str | None) -> str:
    """How a message shows a value that cannot be computed (a division by zero, an
    overflow) to a reader of `locale` (None: English): as evidence says it."""
    if locale is None or is_english(locale):
        return V.UNCOMPUTABLE
    return translator(locale).gettext("(cannot be computed)")


def format_value(value: Any, locale: str) -> str:
    """A value of the rule language as a reader of `locale` reads it in a message;
    in English, exactly as values.text shows it."""
    if is_english(locale):
        return V.text(value)
    if value is V.UNKNOWN or value is None:
        return translator(locale).gettext("(missing)")
    if isinstance(value, bool):
        return V.text(value)
    if isinstance(value, (int, float)):
        return format_number(value, locale) if V.finite(value) else V.text(value)
    if isinstance(value, Money):
        return format_money(value.amount, value.currency, locale) if V.finite(
            value.amount) else V.text(value)
    if isinstance(value, Percent):
        return format_percent(value.fraction, locale) if V.finite(
            value.fraction) else V.text(value)
    if isinstance(value, dt.date):
        return format_date(value, locale)
    if isinstance(value, Duration):
        return format_duration(value, locale)
    if isinstance(value, (list, tuple)) and not value:
        return V.text(value)
    if isinstance(value, (list, tuple)) and all(_scalar(v) for v in value):
        shown = [format_value(v, locale) for v in value[:8]]
        if len(value) > 8:
            shown.append(f"... {len(value) - 8}")
        return "[" + ", ".join(shown) + "]"
    return V.text(value)


def _scalar(value: Any) -> bool:
    return isinstance(value, (int, float, Money, Percent, dt.date, Duration))
