"""Renderers: a Report (findings and a little context) in, text out.

Only this package draws terminal colour, and only when the caller passes `color=True`;
it reads no proposal or ruleset, except that diagnostics may quote a source line
through a SourceCache.
"""

from __future__ import annotations

from ..errors import SourceCache
from .jsonfmt import render_json
from .report import (
    FileError,
    ProposalResult,
    Report,
    count_fails_by_level,
    count_outcomes,
    exit_code,
    failing,
    is_failing,
    verdict,
)
from .text import render_text

FORMATS = ("text", "json")

__all__ = [
    "FORMATS",
    "FileError",
    "ProposalResult",
    "Report",
    "count_fails_by_level",
    "count_outcomes",
    "exit_code",
    "failing",
    "is_failing",
    "render",
    "render_json",
    "render_text",
    "verdict",
]


def render(
    report: Report,
    fmt: str,
    color: bool = False,
    *,
    verbose: bool = False,
    sources: SourceCache | None = None,
) -> str:
    """The report in format `fmt` ("text" or "json"), without a trailing newline.

    `color` and `verbose` only affect text; `sources` lets text diagnostics quote the
    offending line (a fresh SourceCache, reading files lazily, when not given)."""
    if fmt == "text":
        return render_text(report, color=color, verbose=verbose, sources=sources)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
