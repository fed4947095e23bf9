"""Text from a proposal or a rule file made safe to show on a terminal or in a CI log.

A value can hold any character its file could spell: YAML's double quotes write
`"\\e[2J"`, `"\\r"`, `"\\0"`, `"\\N"` (NEL) or `"\\L"` (U+2028), and YAML and JSON
both take U+2028 and the bidi controls raw. Written out as they are, an escape
sequence clears the screen or retitles the window, a carriage return overwrites
the line before it, a bidi override reorders what a reviewer reads, and a line
break lets a value start a line of its own, which a CI runner may take as a
workflow command (`::error::`, `::stop-commands::`).

So every human format shows such a character as an escape of plain ASCII,
`\\x1b`, `\\r`, `\\x85`, `\\u2028`, and a byte of a file name that is not UTF-8
(held as a lone surrogate, os.fsdecode; raw, it would make the report no UTF-8) as
that byte, `\\xff`: `visible` is the one function that does it, and
the text, GitHub, Markdown and JUnit renderers, the diagnostics and the other
reports a person reads all call it. A tab is left as it is (harmless, and source
lines are quoted with theirs); a newline is kept only where the caller lays out
the lines that follow (`newlines=True`), else it is shown as `\\n`. A backslash is
not doubled: the human formats show a value, they do not promise to give it back.

JSON (the JSON report, SARIF, graph and rule documents) must give every value
back exactly: its encoder already writes C0 controls as `\\u00XX`, and
`json_controls` writes the rest of these characters (DEL, C1, U+2028/U+2029, bidi
controls) as `\\uXXXX` escapes too. The text stays valid JSON and reads back to
the same value; it only never holds such a character raw.
"""

from __future__ import annotations

import re
from functools import cache

from .patterns import lazy

#: Characters a person should see spelled out: C0 controls but tab (newline in the
#: second), DEL and C1, the Arabic letter mark, LRM/RLM, the line and paragraph
#: separators, and the bidi embeddings, overrides and isolates.
_OTHERS = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
#: the patterns' texts: each compiled when first used (a set of characters beyond
#: U+00FF takes a while to compile, and a run seldom needs all three)
_CONTROL = f"[\x00-\x08\x0a-\x1f{_OTHERS}\ud800-\udfff]"
_CONTROL_BUT_NEWLINE = f"[\x00-\x08\x0b-\x1f{_OTHERS}\ud800-\udfff]"
#: The ones a JSON encoder writes raw (it escapes C0 itself), and the lone surrogates
#: that stand for the bytes of a file name that is not UTF-8 (os.fsdecode): written raw,
#: they would make the report no UTF-8, so no JSON a reader can load.
_JSON_RAW = f"[{_OTHERS}\ud800-\udfff]"


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _spelled(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is no UTF-8 (os.fsdecode)
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = False) -> str:
    """`text` with every control, separator and bidi character written as an ASCII
    escape (`\\x1b`, `\\r`, `\\u2028`); newlines kept when `newlines`, else `\\n`.
    Whatever comes out holds no line break but, with `newlines`, `\\n`."""
    if text.isprintable():  # (most texts) none of these: each is unprintable
        return text
    pattern = _pattern(_CONTROL_BUT_NEWLINE if newlines else _CONTROL)
    return pattern.sub(_spelled, text) if pattern.search(text) else text


def json_controls(text: str) -> str:
    """JSON text with DEL, C1, U+2028/U+2029, the bidi controls and lone surrogates
    written as `\\uXXXX` escapes: the same JSON value, nothing raw. Only strings can hold
    these characters, so the whole text can be given. So is the `[` of `##[`, which a CI
    runner reads anywhere in a line as an older workflow command (`##[stop-commands]`):
    `##\\u005b` is the same string to a JSON reader and nothing to the runner. (A string
    cannot begin a line of JSON text, so the newer `::` commands need nothing.)"""
    if "##[" in text:
        text = text.replace("##[", "##\\u005b")
    if text.isascii() and "\x7f" not in text:  # (most reports) DEL is the only one in ASCII
        return text
    return _pattern(_JSON_RAW).sub(lambda m: f"\\u{ord(m.group()):04x}", text)


#: a line that begins, blanks aside, with `::`: GitHub Actions runs it from a log as a
#: workflow command (`::warning ...`, `::add-mask::`, `::stop-commands::`), and it trims
#: the blanks before a line first
_COMMAND = lazy(r"^([^\S\n]*)(?=::)", re.MULTILINE)


def no_commands(text: str) -> str:
    """`text` (lines of a human report) with `./` before the `::` each line would begin
    with, blanks aside: a file name can (a proposal `::warning x.yaml` at the root of the folder
    checked), and `./::warning x.yaml` names the same file. The runner also reads the
    older form, `##[warning]...`, anywhere in a line (`##[stop-commands]` would silence
    every annotation after it): its second `#` is spelled `\\x23`, as visible.py spells
    a control character."""
    if "::" in text:  # after the blanks, which keep a continuation line in its column
        text = _COMMAND.sub(r"\1./", text)
    return text.replace("##[", "#\\x23[") if "##[" in text else text
