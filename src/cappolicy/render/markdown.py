"""The report as GitHub-flavoured Markdown, for a pull-request comment or a job
summary (docs/ci-formats.md).

The verdict and the counts of the run; a table with a row per proposal; then, for
each proposal with something to read, a table of its principles and its findings
(fail, unknown, waived) grouped by principle, each with its location, rule, message
and hint, and the evidence and params in a collapsible `<details>`. A proposal with a
ruleset note or whose verdict owes something to a layer's relaxations (the text
report's `note` and `relaxed` lines) has its section for them, passing or not.

Everything taken from a proposal or a ruleset is escaped: Markdown punctuation and
HTML cannot change the layout, `|` cannot break a table, `@name` does not mention
anyone and `#12` links no issue; control characters are spelled out (`\x1b`, `\u2028`,
visible.py).
A document longer than GitHub takes in a comment (65,536
characters) loses its evidence first, then its last findings, and says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from ..base.errors import Diagnostic
from ..base.visible import no_commands, visible
from ..engine.findings import Finding
from ..lang.i18n import (
    active,
    format_date,
    localise,
    localise_diagnostic,
    ngettext,
    translator,
    use,
)
from ..lang.i18n import gettext as _
from ..report.model import (
    LEVELS,
    REPORTED,
    FileError,
    ProposalResult,
    Report,
    count_fails_by_level,
    count_outcomes,
    exit_code,
    sorted_errors,
    sorted_findings,
    sorted_results,
    verdict,
)
from .paths import forget, shown_path
from .text import (
    INDENT,
    evidence_lines,
    inputs_text,
    outcome_counts,
    param_lines,
    severity_text,
    shown_source,
    shown_title,
    shown_wording,
    untranslated_line,
    word,
)

MAX_CHARS = 60_000  # GitHub refuses comments over 65,536 characters; leave room
MARK = {"error": "🔴 error", "warning": "🟠 warning", "info": "🔵 info",
        "unknown": "❔ unknown", "waived": "⚪ waived"}
VERDICT = {"pass": "✅ pass", "fail": "❌ fail", "error": "⛔ error"}


def _mark(key: str) -> str:
    """MARK's sign and word, the word in the active language."""
    sign = MARK[key].split(" ")[0]
    return f"{sign} {word(key)}"


def _verdict(key: str) -> str:
    """VERDICT's sign and word, the word in the active language."""
    sign = VERDICT[key].split(" ")[0]
    said = _("fail") if key == "fail" else word(key)
    return f"{sign} {said}"

_INLINE = re.compile(r"([\\`*_\[\]|~])")  # special wherever they stand
_LEADING = re.compile(r"^([#>+=-]|\d+[.)])")  # special only where a line starts
_MENTION = re.compile(r"@(?=\w)")
#: `#12`, `owner/repo#12`, `GH-12`: GitHub links them to issues (and notifies them);
#: not in a web address (`https://gov.xa/risk#12` keeps its anchor)
_REFERENCE = re.compile(r"(https?://\S+)|(#|\bGH-)(?=\d)", re.IGNORECASE)


def _visible(text: str) -> str:
    """Control characters spelled out (visible.py), line breaks kept for the caller."""
    return visible(text, newlines=True)


def md_text(text: str) -> str:
    """Text shown as is, on one line: Markdown punctuation backslash-escaped, `&` and `<`
    as entities, line breaks as `<br>`, and `@` kept from mentioning anyone, `#12` and
    `GH-12` from referring to an issue."""
    text = _visible(text).strip().replace("&", "&amp;").replace("<", "&lt;")
    text = _INLINE.sub(r"\\\1", text)
    text = _MENTION.sub("@\u200b", text)
    text = _REFERENCE.sub(lambda m: m.group(1) or m.group(2) + "\u200b", text)
    lines = [line.strip() for line in text.splitlines()] or [""]
    # only the first line can start a block: the others follow a <br> on the same line
    lines[0] = _LEADING.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], lines[0])
    return "<br>".join(lines)


def md_code(text: str, *, table: bool = False) -> str:
    """An inline code span holding `text` on one line, whatever backticks it has;
    in a table cell (`table`), `|` escaped so that it does not end the cell."""
    flat = " ".join(_visible(text).splitlines())
    if table:
        flat = flat.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_block(text: str, info: str = "text") -> str:
    """A fenced code block holding `text`, its fence longer than any run of backticks in it."""
    text = _visible(text)
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def render_markdown(report: Report, *, root: str | os.PathLike[str] | None = None,
                    max_chars: int = MAX_CHARS, lang: str | None = None) -> str:
    """The report as Markdown (no trailing newline), at most about `max_chars` long.
    Files are shown relative to `root` (default: the current folder). In another
    language (`lang`), its fixed text and the findings' wording are that language's, and
    a last line counts what is shown in English."""
    tr = translator(lang)
    with use(tr):
        text = _render_markdown(report, root=root, max_chars=max_chars)
    # a comment is also printed to CI logs: no line of it is a workflow command there
    text = no_commands(text)
    return text if tr.is_source else f"{text}\n\n*{untranslated_line(tr)}*"


def _render_markdown(report: Report, *, root: str | os.PathLike[str] | None,
                     max_chars: int) -> str:
    forget()
    head = _head(report, root)
    results = sorted_results(report)
    for evidence in (True, False):
        parts = [_proposal_parts(r, report, root, evidence) for r in results]
        text = "\n\n".join([head, *(p for part in parts for p, _ in part)])
        if len(text) <= max_chars:
            return text
    return _cut(head, parts, max_chars, [_noted(r) for r in results])


def _cut(head: str, parts: list[list[tuple[str, int]]], max_chars: int,
         noted: list[bool]) -> str:
    """The head and as many blocks as fit, then a note of the findings left out. Room is
    kept for the first block of each proposal that is `noted` (its ruleset note), which
    is shown past the cut too, while it fits."""
    kept = [head]
    size = len(head)
    left_out = 0
    unsaid = 0  # proposals whose ruleset note or relaxed lines did not fit
    reserved = sum(2 + len(part[0][0]) for part, said in zip(parts, noted) if said and part)
    for part, said in zip(parts, noted):
        for n, (block, findings) in enumerate(part):
            first = said and n == 0
            if first:
                reserved -= 2 + len(block)
            fits = size + 2 + len(block) <= max_chars - 600 - reserved
            if not fits or (left_out and not first):
                left_out += findings
                unsaid += first
                continue
            kept.append(block)
            size += 2 + len(block)
    kept.append("*" + ngettext(
        "… {n} more finding not shown: the comment would be too long for GitHub. The text, "
        "JSON or SARIF report has them all.",
        "… {n} more findings not shown: the comment would be too long for GitHub. The text, "
        "JSON or SARIF report has them all.", left_out).format(n=left_out) + "*")
    if unsaid:  # never a silent cut of what a project's own rules did to a verdict
        kept.append("*" + ngettext(
            "… nor what the ruleset says of {n} proposal: a layer of the project's own, or "
            "relaxed rules its verdict owes to. The text, JSON or SARIF report says it.",
            "… nor what the ruleset says of {n} proposals: a layer of the project's own, or "
            "relaxed rules their verdicts owe to. The text, JSON or SARIF report says it.",
            unsaid).format(n=unsaid) + "*")
    return "\n\n".join(kept)


# --- the run ---------------------------------------------------------------------------------


def _head(report: Report, root: str | os.PathLike[str] | None) -> str:
    results = sorted_results(report)
    code = exit_code(report)
    shown = _verdict({0: "pass", 1: "fail", 2: "error"}[code])
    verdicts = [verdict(r, report.fail_on, report.allow_unknown) for r in results]
    findings = [f for r in results for f in r.findings]
    checked = ngettext("{n} proposal checked: {failed} failed, {passed} passed",
                       "{n} proposals checked: {failed} failed, {passed} passed",
                       len(results)).format(n=len(results), failed=verdicts.count("fail"),
                                            passed=verdicts.count("pass"))
    if report.errors:
        n = len(report.errors)
        checked += ", " + ngettext("{n} file not loaded", "{n} files not loaded",
                                   n).format(n=n)
    unknown = _("; undecided rules do not fail the run") if report.allow_unknown else ""
    tr = active()
    as_of = report.as_of.isoformat() if tr.is_source else format_date(report.as_of, tr.locale)
    lines = [
        _("## cappolicy check: {verdict}").format(verdict=shown),
        "",
        inputs_text(report.inputs, md_code) + "  ",  # the settings and rulesets it used
        f"**{checked}.** {outcome_counts(findings)}.  ",
        _("Fails on `{severity}` and above{unknown}; checked as of {date}.").format(
            severity=report.fail_on, unknown=unknown, date=as_of),
    ]
    blocks = ["\n".join(lines)]
    if results:
        blocks.append(_overview(results, report, root))
    if report.errors:
        blocks.append(_file_errors(sorted_errors(report), root))
    return "\n\n".join(blocks)


def _overview(results: list[ProposalResult], report: Report,
              root: str | os.PathLike[str] | None) -> str:
    rows = [_("| verdict | proposal | file | ruleset | errors | warnings | info | unknown "
              "| waived | passed |"),
            "|---|---|---|---|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        levels = count_fails_by_level(r.findings)
        outcomes = count_outcomes(r.findings)
        cells = [_verdict(verdict(r, report.fail_on, report.allow_unknown)),
                 md_text(r.proposal_id), md_code(shown_path(r.file, root), table=True),
                 md_code(r.ruleset, table=True), *(str(levels[level]) for level in LEVELS),
                 str(outcomes["unknown"]), str(outcomes["waived"]), str(outcomes["pass"])]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _file_errors(errors: list[FileError], root: str | os.PathLike[str] | None) -> str:
    n = len(errors)
    lines = ["### ⛔ " + ngettext("{n} file could not be loaded", "{n} files could not be loaded",
                                  n).format(n=n), ""]
    for error in errors:
        for d in error.diagnostics:
            lines.append(f"- {_diagnostic(d, error.file, root)}")
    return "\n".join(lines)


def _diagnostic(d: Diagnostic, file: str, root: str | os.PathLike[str] | None) -> str:
    d = localise_diagnostic(d)
    where = shown_path(d.span.file if d.span else file, root)
    if d.span is not None and d.span.line:
        where += f":{d.span.line}:{d.span.column}"
    helped = _(" (help: {help})").format(help=md_text(d.help)) if d.help else ""
    return f"{md_code(where)} **{md_text(d.code)}** {md_text(d.message)}{helped}"


# --- one proposal ----------------------------------------------------------------------------


def _proposal_parts(result: ProposalResult, report: Report,
                    root: str | os.PathLike[str] | None,
                    evidence: bool) -> list[tuple[str, int]]:
    """The blocks of a proposal's section, each with the number of findings it shows;
    nothing for a proposal with nothing to read."""
    shown = [f for f in sorted_findings(result.findings) if f.outcome in REPORTED]
    if not shown and not result.warnings and not _noted(result):
        return []
    said = _verdict(verdict(result, report.fail_on, report.allow_unknown))
    head = [_("### {verdict}: {proposal} in {file}").format(
                verdict=said, proposal=md_text(result.proposal_id),
                file=md_code(shown_path(result.file, root))),
            "",
            _("Checked against ruleset {ruleset}: {counts}.").format(
                ruleset=md_code(result.ruleset), counts=outcome_counts(result.findings))]
    if result.ruleset_note:
        head.append(f"*{md_text(localise(result.ruleset_note))}*")
    for line in result.relied_on:  # what the verdict owes to a layer's relaxations
        head.append(f"*{_('relaxed')}{_(':')} {md_text(localise(line))}*")
    for d in result.warnings:
        head.append(f"- ⚠️ {_diagnostic(d, result.file, root)}")
    if shown:
        head += ["", _principles_table(result.findings)]
    parts = [("\n".join(head), 0)]
    for principle, group in _by_principle(shown):
        source = group[0].source
        cited = f" · *{md_text(shown_source(source))}*" if source else ""
        parts.append((f"#### {md_text(principle)}{cited}", 0))
        parts += [(_finding(f, root, evidence), 1) for f in group]
    return parts


def _noted(result: ProposalResult) -> bool:
    """Whether the result has a ruleset note or relaxed lines, which it shows passing too."""
    return bool(result.ruleset_note or result.relied_on)


def _by_principle(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by principle: the principles with the most serious findings
    first, then by name; position order inside a group."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.principle, []).append(f)
    return sorted(groups.items(), key=lambda item: (_weight(item[1]), item[0]))


def _weight(findings: Iterable[Finding]) -> tuple[int, ...]:
    findings = list(findings)
    by_level = count_fails_by_level(findings)
    outcomes = count_outcomes(findings)
    return (-by_level["error"], -outcomes["unknown"], -by_level["warning"], -by_level["info"],
            -outcomes["waived"])


def _principles_table(findings: tuple[Finding, ...]) -> str:
    """A row per principle with something to read, then one for the others."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.principle, []).append(f)
    reported = {p: g for p, g in groups.items() if any(f.outcome in REPORTED for f in g)}
    rows = [_("| principle | errors | warnings | info | unknown | waived | passed |"),
            "|---|--:|--:|--:|--:|--:|--:|"]
    for principle, group in sorted(reported.items(), key=lambda item: (_weight(item[1]),
                                                                         item[0])):
        rows.append(_principle_row(md_text(principle), group))
    others = [f for p, g in groups.items() if p not in reported for f in g]
    if others:
        n = len({f.principle for f in others})
        rows.append(_principle_row("*" + ngettext("{n} other principle", "{n} other principles",
                                                  n).format(n=n) + "*", others))
    return "\n".join(rows)


def _principle_row(name: str, findings: list[Finding]) -> str:
    levels = count_fails_by_level(findings)
    outcomes = count_outcomes(findings)
    cells = [name, *(str(levels[level]) for level in LEVELS), str(outcomes["unknown"]),
             str(outcomes["waived"]), str(outcomes["pass"])]
    return "| " + " | ".join(cells) + " |"


def _finding(finding: Finding, root: str | os.PathLike[str] | None, evidence: bool) -> str:
    mark = _mark(finding.level if finding.outcome == "fail" else finding.outcome)
    where = shown_path(finding.file, root)
    if finding.span.line:
        where += f":{finding.span.line}:{finding.span.column}"
    element = _(" · element {element}").format(element=md_code(finding.element)) \
        if finding.element is not None else ""
    message, hint = shown_wording(finding)
    lines = [
        f"**{mark} · {md_text(finding.rule)}** {md_text(shown_title(finding))}  ",
        f"{md_code(where)} · {md_code(finding.path)}{element}",
        "",
        md_text(message or finding.title),
    ]
    if finding.outcome == "unknown" and finding.missing:
        missing = ", ".join(md_code(m) for m in finding.missing)
        lines += ["", _("**Undecided**, missing: {paths}").format(paths=missing)]
    if finding.outcome == "waived":
        lines += ["", _("**Waived:** {reason}").format(
            reason=md_text(localise(finding.waiver) if finding.waiver
                           else _("waived in the proposal")))]
    if hint and finding.outcome != "waived":
        lines += ["", _("**Hint:** {hint}").format(hint=md_text(hint))]
    explained = _explanation(finding)
    if evidence and explained:
        lines += ["", _("<details><summary>Evidence</summary>"), "", md_block(explained), "",
                  "</details>"]
    return "\n".join(lines)


def _explanation(finding: Finding) -> str:
    """The text report's because, param and severity lines, unindented."""
    lines = evidence_lines(finding.evidence, finding.file)
    for use in finding.params:
        lines += param_lines(use)
    if finding.severity_origin is not None:
        lines.append(INDENT + _("severity").ljust(10) + severity_text(finding,
                                                                      finding.severity_origin))
    return "\n".join(line.removeprefix(INDENT) for line in lines)
