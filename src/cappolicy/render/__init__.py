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

#: each renderer's module, imported when it is first used (a run renders one or two formats)
_RENDERERS = {
    "render_github": "github",
    "render_html": "html",
    "render_json": "jsonfmt",
    "render_junit": "junit",
    "render_markdown": "markdown",
    "render_sarif": "sarif",
    "render_text": "text",
}


def __getattr__(name: str) -> Any:
    if name in _RENDERERS:
        return getattr(importlib.import_module(f"{__name__}.{_RENDERERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FORMATS = ("text", "json", "sarif", "junit", "github", "markdown", "html")

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
    language (i18n.py) of the formats a person reads, text, markdown and html; json, sarif,
    junit and github are machine formats, the same whatever it is."""
    if fmt == "text":
        from .text import render_text

        return render_text(report, color=color, verbose=verbose, sources=sources, lang=lang)
    if fmt == "json":
        from .jsonfmt import render_json

        return render_json(report)
    if fmt == "sarif":
        from .sarif import render_sarif

        return render_sarif(report, root=root)
    if fmt == "junit":
        from .junit import render_junit

        return render_junit(report)
    if fmt == "github":
        from .github import render_github

        return render_github(report, root=root)
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(report, root=root, lang=lang)
    if fmt == "html":
        from .html import render_html

        return render_html(report, sources=sources, lang=lang)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
