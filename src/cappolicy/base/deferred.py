"""Text that is written in English where it is made and said in the reader's language
where it is shown: the messages and help lines of diagnostics.

    N_("unknown organisation '{name}'", name=ident)

is the English text `unknown organisation 'xa-cirt'`, a `str` like any other (JSON,
SARIF, JUnit and GitHub reports write it as it is, byte for byte), that also keeps its
template and its holes. A report for people (text, Markdown, HTML) asks
`lang.i18n.localise(text)`, which translates the template through the gettext catalogue
of the active language and fills in the holes, themselves translated when they are
Deferred too (`found a mapping` in `expected a number, found {found}`).

Loaders make their diagnostics in worker processes and in any language: the template is
carried, not a translation, and a Deferred pickles as its English text, template and holes.

`pybabel extract` sees `N_` as a gettext keyword (docs/translating.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class Deferred(str):
    """English text (the string itself) that keeps the template and holes it was made of."""

    template: str
    holes: Mapping[str, object]

    def __new__(cls, template: str, holes: Mapping[str, object]) -> Deferred:
        return _made(template.format_map(holes), template, holes)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if isinstance(self, Joined):
            return joined, (self.template, self.parts)
        return _made, (str(self), self.template, dict(self.holes))


def _made(text: str, template: str, holes: Mapping[str, object]) -> Deferred:
    made = str.__new__(Deferred, text)
    made.template = template
    made.holes = holes
    return made


class Joined(Deferred):
    """Deferred texts joined by a separator (`; `): each said in the reader's language."""

    parts: tuple[str, ...]


def joined(separator: str, parts: Iterable[str]) -> Joined:
    """`separator.join(parts)`, whose Deferred parts are translated when shown."""
    listed = tuple(parts)
    made = str.__new__(Joined, separator.join(listed))
    made.template, made.holes, made.parts = separator, {}, listed
    return made


def N_(template: str, **holes: object) -> Deferred:  # noqa: N802 (gettext's marker)
    """`template` with its `{holes}` filled in, in English, translatable when shown."""
    return Deferred(template, holes)
