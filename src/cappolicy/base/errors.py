"""One error hierarchy with stable codes, each error a located diagnostic.

Codes: CP1xx syntax, CP2xx analysis (names, types, layering), CP3xx evaluation,
CP4xx input (proposal files, command-line arguments, file system).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .deferred import N_, Deferred
from .files import read_text
from .record import Record
from .span import Span, source_lines
from .visible import no_commands, visible

_set = object.__setattr__


class Diagnostic(Record):
    """A located message with a stable code (a record: base/record.py)."""

    __slots__ = ("code", "message", "span", "help", "level")
    code: str
    message: str
    span: Span | None
    help: str | None
    level: str  # error | warning | note

    def __init__(self, code: str, message: str, span: Span | None = None,
                 help: str | None = None, level: str = "error") -> None:
        _set(self, "code", code)
        _set(self, "message", message)
        _set(self, "span", span)
        _set(self, "help", help)
        _set(self, "level", level)

    def render(self, sources: SourceCache | None = None, *, color: bool = False,
               colon: str = ":", help_word: str = "help") -> str:
        """`file:line:col: error[CP101]: message`, the source line with a caret, then help.
        `colon` and `help_word` are the punctuation and word of the reader's language (a
        report in French writes `erreur[CP413] : …` and `= aide : …`)."""
        where = f"{self.span}: " if self.span is not None and self.span.line else ""
        # each part on its own line, control characters spelled out (visible.py)
        head = visible(f"{where}{self.level}[{self.code}]{colon} {self.message}")
        lines = [head]
        if self.span is not None and self.span.line and sources is not None:
            text = sources.line(self.span.file, self.span.line)
            if text is not None and not sources.quotes_lines(self.span.file):
                text = _span_only(text, self.span)
            if text is not None:
                width = 1
                if self.span.end_line == self.span.line and self.span.end_column > self.span.column:
                    width = self.span.end_column - self.span.column
                width = max(1, min(width, len(text) + 1))
                shown, start, width = _window(text, self.span.column - 1, width)
                marked = shown[start:start + width]
                before, spelled = visible(shown[:start]), visible(marked)
                shown = before + spelled + visible(shown[start + width:])
                width += len(spelled) - len(marked)  # the caret runs under the escapes
                gutter = f"{self.span.line:>4} | "
                lines.append(gutter + shown)
                pad = " " * (len(gutter) + _display_col(shown, len(before)))
                lines.append(pad + "^" * width)
        if self.help:
            lines.append(f"  = {help_word}{colon} {visible(self.help)}")
        # printed to a CI log as it is (a settings error, `lint`, `graph`): a file named
        # `::warning x` begins no line, and no `##[` is left in one (visible.no_commands)
        return no_commands("\n".join(lines))


def _span_only(text: str, span: Span) -> str | None:
    """Of a line of a file that is not a proposal or a rule file, the located span alone
    (blanks before it keep the caret under it); None when the span has no extent."""
    if span.end_line != span.line or span.end_column <= span.column:
        return None
    start = min(len(text), span.column - 1)
    return " " * start + text[start:span.end_column - 1]


#: files whose lines diagnostics quote whole: what the user gave to be checked (proposals,
#: rule files, rule tests); of any other file only the span located is shown
QUOTED_SUFFIXES = (".yaml", ".yml", ".json", ".cpol")


#: the most of a source line a diagnostic quotes: a minified JSON proposal is one line
EXCERPT_WIDTH = 120


def _window(text: str, start: int, width: int) -> tuple[str, int, int]:
    """What to quote of a line whose span starts at index `start` and is `width` long, the
    span's start in it and its width: the whole line when it is short, else about
    EXCERPT_WIDTH characters around the start of the span, a cut end shown as '...'."""
    if len(text) <= EXCERPT_WIDTH:
        return text, start, width
    width = min(width, EXCERPT_WIDTH // 2)
    left = max(0, start - EXCERPT_WIDTH // 3)
    right = min(len(text), left + EXCERPT_WIDTH)
    left = max(0, right - EXCERPT_WIDTH)
    lead = "..." if left > 0 else ""
    tail = "..." if right < len(text) else ""
    return lead + text[left:right] + tail, start - left + len(lead), width


def _display_col(text: str, index: int) -> int:
    return len(text[:index].expandtabs(4)) if "\t" in text[:index] else index


class SourceCache:
    """Reads files lazily so diagnostics can quote the offending line."""

    @staticmethod
    def quotes_lines(name: str) -> bool:
        """Whether a diagnostic may quote whole lines of the file (QUOTED_SUFFIXES)."""
        return name.lower().endswith(QUOTED_SUFFIXES)

    def __init__(self) -> None:
        self._texts: dict[str, list[str]] = {}

    def add(self, name: str, text: str) -> None:
        self._texts[name] = source_lines(text)

    def line(self, name: str, number: int) -> str | None:
        if name not in self._texts:
            try:  # a regular file only, bounded, as it was read to be checked
                self._texts[name] = source_lines(read_text(Path(name)))
            except (OSError, UnicodeDecodeError):
                self._texts[name] = []
        lines = self._texts[name]
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return None


class CappolicyError(Exception):
    """Bad input of any kind: carries one or more diagnostics, and exit code 2."""

    exit_code = 2

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic]) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__("\n".join(d.message for d in self.diagnostics))


class RuleSyntaxError(CappolicyError):
    """CP1xx: a rule file does not parse. `partial` holds what did parse (an
    ast.RuleFile, or None), so that analysis can report the other mistakes too."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic], partial: object = None) -> None:
        super().__init__(diagnostics)
        self.partial = partial


class AnalysisError(CappolicyError):
    """CP2xx: names, types or layering of a ruleset are wrong."""


class ProposalError(CappolicyError):
    """CP4xx: a proposal file cannot be read or breaks format v1."""


#: how many candidates `did_you_mean` may compare words with, for one file, before it stops
#: suggesting: each unknown id of a file compared with every known one costs time
#: quadratic in the file (thousands of near-miss ids held a check for minutes); a real
#: file's few misspellings spend a few hundred. `fresh_suggestions` starts a file afresh.
SUGGESTION_BUDGET = 50_000
_budget = [SUGGESTION_BUDGET]


def fresh_suggestions() -> None:
    """A new file is read: its misspellings get suggestions again (`did_you_mean`)."""
    _budget[0] = SUGGESTION_BUDGET


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt word, or None when nothing is close, or when
    the file's budget of comparisons is spent (SUGGESTION_BUDGET)."""
    import difflib  # only when a word is misspelt

    pool = sorted(set(candidates))
    if len(pool) > _budget[0]:
        _budget[0] = 0
        return None
    _budget[0] -= len(pool)
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in pool}
        matches = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)]
    return matches[0] if matches else None


def alike(word: str, close: str) -> Deferred | None:
    """Why `word` is not `close` when the two look the same to a reader, or None: the same
    letters in another Unicode form (an accent composed, or written after its letter:
    NFC and NFD, which copying between editors mixes), or a letter of another script
    that looks like one (a Cyrillic `е` for a Latin `e`), named by its code point. A
    help line that said only "did you mean 'xa-ministère'?" of 'xa-ministère' told
    nothing."""
    import unicodedata

    if word == close:
        return None
    if unicodedata.normalize("NFC", word) == unicodedata.normalize("NFC", close):
        return N_("'{name}' is declared: the same letters, with accents encoded another way "
                  "(Unicode NFC and NFD); write both the same way", name=close)
    if len(word) != len(close):
        return None
    differ = [(a, b) for a, b in zip(word, close) if a != b]
    if differ and all(not a.isascii() or not b.isascii() for a, b in differ):
        a, b = differ[0]
        return N_("did you mean '{name}'? '{char}' here is U+{code} {what}, not '{other}'",
                  name=close, char=a, code=f"{ord(a):04X}",
                  what=unicodedata.name(a, "(unnamed)"), other=b)
    return None


def suggestion(word: str, candidates: Iterable[str]) -> str | None:
    """A help line `did you mean 'x'?` or None."""
    best = did_you_mean(word, candidates)
    return f"did you mean '{best}'?" if best else None
