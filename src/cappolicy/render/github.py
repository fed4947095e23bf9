"""The report as GitHub Actions workflow commands (docs/ci-formats.md).

One line per finding a reviewer has to see, which the runner turns into an
annotation on the proposal file in the pull request:

    ::error file=proposals/xa.yaml,line=41,endLine=41,col=7,endColumn=20,title=FIN-01 ...::message

- `fail` is `::error`, `::warning` or `::notice` after the severity (must, should,
  advisory); `unknown` too, its title saying it is undecided; `waived` is `::notice`.
- Files that could not be loaded are `::error`s at the diagnostic's position;
  loading warnings are `::warning`s.
- A proposal whose result has a ruleset note (`national/xa is read from
  rules/national/xa.cpol, which hides the shipped national/xa`) or owes its verdict to
  a layer's relaxations (the text report's `note` and `relaxed` lines) gets a
  `::notice` on its file, passing or not, titled `ruleset <id>`, one `note:` or
  `relaxed:` line each; these come first among the notices.
- The settings file and rulesets folders the run used are a `::notice` with no file,
  titled `cappolicy inputs` (`settings: cappolicy.toml; rulesets: <shipped>, rules`),
  the first of the notices.
- Errors come first, then warnings, then notices (GitHub shows only the first few
  of each kind per step), each in position order; a plain total line ends the output.

Escaping follows the runner's own (@actions/core): in the message `%`, CR and LF
become `%25`, `%0D`, `%0A`; in a property `:` and `,` also become `%3A`, `%2C`. So no
text from a proposal can end a command early or start another one. Before that, the
other control characters (ESC, NUL, NEL, U+2028, bidi controls...) are spelled out as
in every human format (`\x1b`, visible.py), and a CR too: the log shows `\r`, the
annotation keeps only the message's own line breaks.
"""

from __future__ import annotations

import os

from ..base.errors import Diagnostic
from ..base.span import Span
from ..base.visible import visible
from ..engine.findings import Finding
from ..report.model import (
    REPORTED,
    ProposalResult,
    Report,
    sorted_errors,
    sorted_findings,
    sorted_results,
)
from .paths import forget, shown_path
from .text import principle_text, total_line

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
ORDER = {"error": 0, "warning": 1, "notice": 2}


def escape_data(text: str) -> str:
    """A command's message, as the runner reads it back."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (file, title...), as the runner reads it back."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: str | int | None) -> str:
    """`::kind name=value,...::message`, every part escaped; None properties left out.
    Control characters are spelled out first: the message keeps its line breaks only."""
    shown = ",".join(f"{name}={escape_property(visible(str(value)))}"
                     for name, value in properties.items() if value is not None)
    return f"::{kind}{' ' + shown if shown else ''}::{escape_data(visible(message, newlines=True))}"


def render_github(report: Report, *, root: str | os.PathLike[str] | None = None) -> str:
    """The annotations, one a line, then the run's total (no trailing newline). File
    names are relative to `root` (default: the current folder), as GitHub wants them."""
    forget()
    # what the run read, first of the notices (GitHub shows the first few of each kind)
    lines: list[tuple[int, tuple[str, int, int, str], str]] = [(ORDER["notice"], (
        "", -1, 0, ""), command("notice", visible(report.inputs.text()), title="cappolicy inputs"))]
    for result in sorted_results(report):
        said = _ruleset_notice(result, root)
        if said is not None:
            lines.append(said)
        for f in sorted_findings(result.findings):
            if f.outcome in REPORTED:
                kind = "notice" if f.outcome == "waived" else COMMAND[f.level]
                line = command(kind, _message(f), **_where(f.span, f.file, root),
                               title=_title(f))
                lines.append((ORDER[kind], (f.file, f.span.line, f.span.column, f.rule), line))
        for d in result.warnings:
            lines.append(_diagnostic(d, result.file, "warning", root))
    for error in sorted_errors(report):
        for d in error.diagnostics:
            lines.append(_diagnostic(d, error.file, "error", root))
    ordered = [line for _, _, line in sorted(lines, key=lambda item: (item[0], item[1]))]
    return "\n".join([*ordered, total_line(report)])


def _ruleset_notice(result: ProposalResult, root: str | os.PathLike[str] | None
                    ) -> tuple[int, tuple[str, int, int, str], str] | None:
    """The text report's `note` and `relaxed` lines of a result, as a `::notice` on its
    file: ahead of the other notices (the empty file name sorts first), so that GitHub's
    cap on annotations per step does not drop it."""
    said = [f"{label}: {line}" for label, line in result.ruleset_lines()]
    if not said:
        return None
    line = command("notice", "\n".join(said), **_where(None, result.file, root),
                   title=f"ruleset {result.ruleset}")
    return ORDER["notice"], ("", 0, 0, result.file), line


def _title(finding: Finding) -> str:
    element = f" [{finding.element}]" if finding.element is not None else ""
    state = {"unknown": " undecided", "waived": " waived"}.get(finding.outcome, "")
    return f"{finding.rule}{element}{state}: {finding.title}"


def _message(finding: Finding) -> str:
    lines = [finding.message or finding.title]
    if finding.outcome == "unknown" and finding.missing:
        lines.append(f"missing: {', '.join(finding.missing)}")
    if finding.outcome == "waived" and finding.waiver:
        lines.append(f"waiver: {finding.waiver}")
    if finding.hint and finding.outcome != "waived":
        lines.append(f"hint: {finding.hint}")
    lines.append(f"principle: {principle_text(finding)}")
    return "\n".join(lines)


def _where(span: Span | None, file: str, root: str | os.PathLike[str] | None
           ) -> dict[str, str | int | None]:
    where: dict[str, str | int | None] = {
        "file": shown_path(span.file if span is not None else file, root)}
    if span is not None and span.line >= 1:
        where["line"] = span.line
        if span.end_line >= span.line:
            where["endLine"] = span.end_line
        if span.column >= 1:
            where["col"] = span.column
            if span.end_line == span.line and span.end_column > span.column:
                where["endColumn"] = span.end_column
    return where


def _diagnostic(diagnostic: Diagnostic, file: str, default: str,
                root: str | os.PathLike[str] | None
                ) -> tuple[int, tuple[str, int, int, str], str]:
    kind = {"error": "error", "warning": "warning", "note": "notice"}.get(diagnostic.level,
                                                                         default)
    message = diagnostic.message + (f"\nhelp: {diagnostic.help}" if diagnostic.help else "")
    span = diagnostic.span
    line = command(kind, message, **_where(span, file, root), title=diagnostic.code)
    position = (span.line, span.column) if span is not None else (0, 0)
    return ORDER[kind], (file, *position, diagnostic.code), line
