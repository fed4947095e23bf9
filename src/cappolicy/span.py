"""Source locations shared by rule files and proposals."""

from __future__ import annotations

import attrs

from .pickling import by_fields


@by_fields
@attrs.frozen(order=True)
class Span:
    """A region of a source file; lines and columns count from 1."""

    file: str
    line: int
    column: int
    end_line: int = attrs.field(default=0)
    end_column: int = attrs.field(default=0)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def short(self) -> str:
        """`file:line`, the form used when a finding cites a ruleset line."""
        return f"{self.file}:{self.line}"


def nospan() -> Span:
    return Span("<builtin>", 0, 0)
