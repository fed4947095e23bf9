"""Renderers: a Report (findings and a little context) in, text out.

Only this package draws terminal colour, and only when the caller passes `color=True`;
it reads no proposal or ruleset, except that diagnostics may quote a source line
through a SourceCache.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from ..base.errors import SourceCache
from ..report.formats import BY_NAME, FORMATS
from ..report.model import (
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

if TYPE_CHECKING:
    from .github import render_github
    from .html import render_html
    from .jsonfmt import render_json
    from .junit import render_junit
    from .markdown import render_markdown
    from .sarif import render_sarif
    from .text import render_text

#: each format's render function, imported when it is first used (a run renders one or two)
_RENDERERS = {f.function: f.module for f in BY_NAME.values()}


def __getattr__(name: str) -> Any:
    if name in _RENDERERS:
        return getattr(importlib.import_module(f"{__name__}.{_RENDERERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "render_github",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_sarif",
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
    root: str | os.PathLike[str] | None = None,
    lang: str | None = None,
) -> str:
    """The report in format `fmt` (one of FORMATS), without a trailing newline.

    `color` and `verbose` only affect text; `sources` lets text diagnostics quote the
    offending line (a fresh SourceCache, reading files lazily, when not given).
    `root` is the folder that sarif, github and markdown write file names relative
    to (default: the current folder); see docs/ci-formats.md. `lang` is the reader's
    language (i18n.py) of the formats a person reads, text and markdown; json, sarif,
    junit and github are machine formats, the same whatever it is."""
    known = BY_NAME.get(fmt)
    if known is None:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    function = getattr(importlib.import_module(f"{__name__}.{known.module}"), known.function)
    given = {"color": color, "verbose": verbose, "sources": sources, "root": root,
             "lang": lang}
    text: str = function(report, **{option: given[option] for option in known.options})
    return text
