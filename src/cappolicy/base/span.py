"""Source locations shared by rule files and proposals.

Lines are counted as editors and GitHub count them: only `\n`, `\r\n` and `\r` end
a line. Not `str.splitlines`, which also breaks at form feeds, vertical tabs,
U+001C-U+001E, NEL (U+0085) and U+2028/U+2029, nor PyYAML's marks, which break at
the last three: after one of those in a value, every line number would drift.
"""

from __future__ import annotations

from typing import Any

from .patterns import lazy
from .record import Record


class Span(Record):
    """A region of a source file; lines and columns count from 1. Spans are ordered as
    the tuples of their fields (file, line, column, end_line, end_column)."""

    __slots__ = ("file", "line", "column", "end_line", "end_column")
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    # a record, not an attrs class: thousands are read from the cache for every check,
    # each field set through its slot (_FIELDS), which takes half the time of
    # object.__setattr__ on a class that forbids setting
    def __init__(self, file: str, line: int, column: int, end_line: int = 0,
                 end_column: int = 0) -> None:
        _file(self, file)
        _line(self, line)
        _column(self, column)
        _end_line(self, end_line)
        _end_column(self, end_column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def short(self) -> str:
        """`file:line`, the form used when a finding cites a ruleset line."""
        return f"{self.file}:{self.line}"

    def __lt__(self, other: Any) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return bool(self._key(self) < other._key(other))

    def __le__(self, other: Any) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return bool(self._key(self) <= other._key(other))

    def __gt__(self, other: Any) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return bool(self._key(self) > other._key(other))

    def __ge__(self, other: Any) -> bool:
        if other.__class__ is not Span:
            return NotImplemented
        return bool(self._key(self) >= other._key(other))


_file, _line, _column, _end_line, _end_column = (
    getattr(Span, name).__set__ for name in Span.FIELDS)


def nospan() -> Span:
    return Span("<builtin>", 0, 0)


_LINE_BREAK = lazy(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """The lines of a source text, without their endings, as an editor numbers them
    (`source_lines(text)[n - 1]` is line n); like `str.splitlines`, a final line
    break does not start another line."""
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return [] if lines == [""] else lines
