"""A rule's `matches` pattern: RE2, bounded in its size and in what one match may cost.

RE2 matches in time linear in the text, never backtracking; but linear with a factor: when
its DFA runs out of memory (a pattern of many counted repeats, `[\\s\\S]{1000}` fifty
times) it falls back to simulating the program step by step, and a match then costs the
text's length times the program's size. Fifty such repeats are a program of 350,000
instructions, and a 200,000-character title took 84 s to match, in one call into C that
the time budget (budget.py), which interrupts between Python's steps, cannot stop.

So a pattern is refused when its program is larger than `MAX_PROGRAM` instructions (a
located CP207, as an invalid pattern is; the shipped patterns are a few thousand, and a
bounded class of letters, `[\\p{L}\\s'-]{3,30}`, is some 36,000), and a
text is not matched when its UTF-8 length times the program's size exceeds `MAX_COST`
(about a second at worst on a slow machine): the match cannot be computed, so the rule
is unknown for it, saying why, and an unknown of that kind fails the run even with
--allow-unknown. A real text is far shorter: the shipped patterns read safeguards and
legal bases, and their programs match texts of a quarter of a megabyte.
"""

from __future__ import annotations

from typing import Any

from ..lang.values import EvalProblem

#: the most instructions a pattern's RE2 program may have
MAX_PROGRAM = 100_000
#: the most a match may cost: the text's UTF-8 bytes times the program's instructions
MAX_COST = 1_000_000_000


class PatternError(ValueError):
    """A pattern RE2 does not compile, or one too large; its text says which."""


class Pattern:
    """A compiled pattern of a rule: `search(text)` says whether it matches anywhere in
    `text`, or raises EvalProblem when the text is too long to match at a bounded cost."""

    __slots__ = ("longest", "regex", "size")

    def __init__(self, regex: Any) -> None:
        self.regex = regex
        self.size: int = max(1, regex.programsize)
        self.longest = MAX_COST // self.size  # in bytes of UTF-8

    def search(self, text: str) -> bool:
        if len(text) * 4 > self.longest and len(
                text.encode("utf-8", "surrogatepass")) > self.longest:
            raise EvalProblem(
                f"a text of {len(text):,} characters is longer than this pattern may be "
                f"matched against ({self.longest:,} bytes, for a pattern of {self.size:,} "
                f"instructions)")
        return self.regex.search(text) is not None


def compile_pattern(pattern: str) -> Pattern:
    """The pattern compiled, or PatternError with what is wrong with it."""
    import re2

    options = re2.Options()
    options.log_errors = False  # the diagnostic says it; re2 must not also write to stderr
    try:
        regex = re2.compile(pattern, options)
    except Exception as exc:  # noqa: BLE001 - re2's own error type, its message in bytes
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise PatternError(str(detail)) from None
    if regex.programsize > MAX_PROGRAM:
        raise PatternError(f"pattern too large: its program has {regex.programsize:,} "
                           f"instructions, more than {MAX_PROGRAM:,} (a long counted "
                           f"repeat such as {{1000}} is as many copies of what it repeats)")
    return Pattern(regex)
