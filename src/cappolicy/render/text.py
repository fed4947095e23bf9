"""The text report: one block per finding, modelled on the design card's explanation.

```
proposals/xa-cirt.yaml:41:7: error[FIN-01] Host-country co-financing meets the national minimum
  message   Arcadia's share of the funding is below the national minimum.
  because   national_share >= min_co_financing   was   12% (line 44) >= 25%   -> false
  param     min_co_financing = 25%   set by rulesets/national/xa.cpol:7 ("Public Finance Act")
            tightens baseline 15% (rulesets/baseline/financing.cpol:4)
  principle co-financing: 000_66251300b48a3485.txt, paragraph 5
  hint      raise xa-treasury's co-financing, or count in-kind contributions
```

Colour comes from click.style and only when the caller asks for it.

Text from a proposal or a ruleset never reaches the terminal raw: control characters
are spelled out (`\x1b`, `\r`, `\u2028`, visible.py), and a value's own line
breaks continue under its field's text, so every line starts with this renderer's
own location, label or indent.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from ..errors import SourceCache
from ..findings import SEVERITY_RANK, Evidence, Finding, GraphHop, GraphTrace, ParamUse, Provenance
from ..span import Span
from ..visible import visible
from .paths import in_rulesets
from .report import (
    REPORTED,
    FileError,
    ProposalResult,
    Report,
    Tally,
    count_fails_by_level,
    count_outcomes,
    sorted_errors,
    sorted_findings,
    sorted_results,
    tally,
    verdict,
)

LABEL_WIDTH = 10  # "principle " is the longest label
INDENT = "  "
NESTED = "  "  # extra indent per level of nested evidence
MAX_DEPTH = 3  # levels of nested evidence shown below the top level
MAX_CHILDREN = 5  # evidence parts shown per level before "... and N more"

# word -> (foreground, bold, dim); None leaves the terminal's setting alone
_STYLES: dict[str, tuple[str | None, bool | None, bool | None]] = {
    "error": ("red", True, None),
    "warning": ("yellow", True, None),
    "info": ("blue", True, None),
    "unknown": ("magenta", True, None),
    "waived": ("cyan", None, None),
    "pass": ("green", None, None),
    "not-applicable": (None, None, True),
    "FAIL": ("red", True, None),
    "ERROR": ("red", True, None),
    "PASS": ("green", True, None),
    "relaxes": ("yellow", True, None),
    "lowered": ("yellow", True, None),
}


def paint(word: str, color: bool) -> str:
    """`word` in the colour kept for it, or plain when colour is off or it has none."""
    style = _STYLES.get(word)
    if not color or style is None:
        return word
    fg, bold, dim = style
    return click.style(word, fg=fg, bold=bold, dim=dim)


def render_text(
    report: Report,
    *,
    color: bool = False,
    verbose: bool = False,
    sources: SourceCache | None = None,
) -> str:
    """The whole report: each proposal, then files that could not be loaded, then a total."""
    sources = sources if sources is not None else SourceCache()
    blocks = [
        render_result(r, report.fail_on, color=color, verbose=verbose, sources=sources,
                      allow_unknown=report.allow_unknown)
        for r in sorted_results(report)
    ]
    return join_text(blocks, report, tally(report), color=color, sources=sources)


def join_text(blocks: list[str], report: Report, counts: Tally, *, color: bool = False,
              sources: SourceCache | None = None) -> str:
    """The report from its results' blocks (render_result, in sorted_results order) and
    their counts: how `check -j` puts together the blocks its processes wrote. Only the
    report's file errors and settings are read, not its results."""
    errors = [render_file_error(e, color=color, sources=sources) for e in sorted_errors(report)]
    return "\n\n".join([report.inputs.text(), *blocks, *errors,
                        total_text(counts, report, color=color)])


def render_result(
    result: ProposalResult,
    fail_on: str,
    *,
    color: bool = False,
    verbose: bool = False,
    sources: SourceCache | None = None,
    allow_unknown: bool = False,
) -> str:
    """Header, warnings, the findings worth reading, and the proposal's summary line."""
    lines = [header_line(result)]
    if result.ruleset_note:
        lines += _field("note", result.ruleset_note)
    for line in result.relied_on:  # what the verdict owes to a layer's relaxations
        lines += _field("relaxed", visible(line))
    lines += [w.render(sources, color=color) for w in result.warnings]
    shown = [f for f in sorted_findings(result.findings) if verbose or f.outcome in REPORTED]
    body = [render_finding(f, color=color, verbose=verbose) for f in shown]
    summary = summary_line(result.findings, verdict(result, fail_on, allow_unknown), color=color)
    return "\n\n".join(["\n".join(lines), *body, summary])


def header_line(result: ProposalResult) -> str:
    host = f", host {result.host_country}" if result.host_country else ""
    return visible(f"== {result.file} ({result.proposal_id}{host}) against ruleset "
                   f"{result.ruleset} ==")


def render_file_error(
    error: FileError, *, color: bool = False, sources: SourceCache | None = None
) -> str:
    head = visible(f"== {error.file} could not be loaded ==")
    return "\n".join([head, *(d.render(sources, color=color) for d in error.diagnostics)])


# --- one finding -------------------------------------------------------------------------


def render_finding(finding: Finding, *, color: bool = False, verbose: bool = False) -> str:
    """The located first line, then one labelled line (or more) per part of the explanation."""
    lines = [first_line(finding, color=color)]
    reported = finding.outcome in REPORTED
    if reported:
        lines += _field("message", finding.message)
    if finding.outcome == "waived" and finding.waiver:
        lines += _field("waiver", finding.waiver)
    lines += evidence_lines(finding.evidence, finding.file)
    if finding.missing:
        lines += _field("missing", ", ".join(finding.missing))
    for use in finding.params:
        lines += param_lines(use, color=color)
    if finding.severity_origin is not None:
        lines += _field("severity", severity_text(finding, finding.severity_origin, color=color),
                        spelled=True)
    if verbose and finding.rule_origin is not None:
        lines += _field("rule", rule_origin_text(finding.rule_origin))
    lines += _field("principle", principle_text(finding))
    if reported and finding.hint:
        lines += _field("hint", finding.hint)
    return "\n".join(lines)


def first_line(finding: Finding, *, color: bool = False) -> str:
    """`file:line:col: error[RULE] title`; the word is the level for a failure, else the outcome."""
    word = finding.level if finding.outcome == "fail" else finding.outcome
    return (f"{visible(location(finding))}: {paint(word, color)}"
            f"[{visible(finding.rule)}] {visible(finding.title)}")


def location(finding: Finding) -> str:
    span = finding.span
    if not span.line:
        return finding.file
    return f"{finding.file}:{span.line}:{span.column}"


def principle_text(finding: Finding) -> str:
    return f"{finding.principle}: {finding.source}" if finding.source else finding.principle


def _field(label: str, text: str, *, spelled: bool = False) -> list[str]:
    """`  label     text`, continuation lines (of a multi-line text) aligned under the text;
    control characters spelled out unless the caller did (`spelled`: it painted the text)."""
    pad = INDENT + " " * LABEL_WIDTH
    first, *rest = (text if spelled else visible(text, newlines=True)).splitlines() or [""]
    return [INDENT + label.ljust(LABEL_WIDTH - 1) + " " + first, *(pad + line for line in rest)]


def _continue(text: str, depth: int = 0) -> str:
    """A line aligned under a field's text, indented `depth` levels further."""
    return INDENT + " " * LABEL_WIDTH + NESTED * depth + text


# --- evidence ------------------------------------------------------------------------------


def evidence_lines(evidence: tuple[Evidence, ...], home: str) -> list[str]:
    """`because` lines: each part, its note and its nested parts, within the limits."""
    body = _evidence_tree(evidence, home, depth=0)
    if not body:
        return []
    label = INDENT + "because".ljust(LABEL_WIDTH)
    return [label + body[0][len(label) :], *body[1:]]


def _evidence_tree(parts: tuple[Evidence, ...], home: str, depth: int) -> list[str]:
    lines: list[str] = []
    for ev in parts[:MAX_CHILDREN]:
        lines.append(_continue(visible(evidence_text(ev, home)), depth))
        if ev.note:
            lines += [_continue(line, depth)
                      for line in visible(ev.note, newlines=True).splitlines()]
        if ev.graph is not None:
            lines += [_continue(visible(line), depth) for line in graph_lines(ev.graph, home)]
        if ev.children and depth < MAX_DEPTH:
            lines += _evidence_tree(ev.children, home, depth + 1)
        elif ev.children:
            deeper = _parts(_count_tree(ev.children))
            lines.append(_continue(f"... {deeper} nested deeper", depth + 1))
    hidden = len(parts) - MAX_CHILDREN
    if hidden > 0:
        lines.append(_continue(f"... and {hidden} more", depth))
    return lines


def graph_lines(trace: GraphTrace, home: str) -> list[str]:
    """The path a graph query found, or what it reached instead and where it stopped."""
    start, *rest = trace.hops
    if trace.kind == "path" and not rest:  # the start itself is what was searched for
        return [f"{_hop(start, home)} itself meets {trace.target}: no {trace.via} edge needed"]
    if trace.kind == "path":
        lines = [f"path from {_hop(start, home)} along {trace.via}:"]
        lines += [f"  {_step(h, home)}" for h in rest]
        return lines
    if trace.kind == "cycle":
        lines = [f"loop through {_hop(start, home)} along {trace.via}:"]
        lines += [f"  {_step(h, home)}" for h in rest]
        if trace.more:
            lines.append(f"and {trace.more} more loop" + ("s" if trace.more != 1 else ""))
        return lines
    if not rest:
        lines = [f"reached only {_hop(start, home)} along {trace.via}"]
    else:
        lines = [f"reached from {_hop(start, home)} along {trace.via}:"]
        lines += [f"  {_step(h, home)}" for h in rest]
        if trace.partial:  # followed only so far
            lines.append(f"  ... and {trace.more} more, and further (the search is shown for "
                         f"its first {len(trace.hops) + trace.more} nodes)")
        elif trace.more:
            lines.append(f"  ... and {trace.more} more")
    if trace.stopped:
        shown = ", ".join(trace.stopped[:MAX_CHILDREN])
        if len(trace.stopped) > MAX_CHILDREN:
            shown += f" and {len(trace.stopped) - MAX_CHILDREN} more"
        lines.append(f"stopped at {shown}: no {trace.via} edge leads on")
    elif rest and not trace.partial:
        lines.append("every edge from these leads back to a node already reached")
    lines.append(f"none of them meets {trace.target}")
    return lines


def _hop(hop: GraphHop, home: str) -> str:
    where = located(hop.at, home)
    return hop.label if where is None else f"{hop.label[:-1]}, {where})" \
        if hop.label.endswith(")") else f"{hop.label} ({where})"


def _step(hop: GraphHop, home: str) -> str:
    """One edge as the proposal states it, the node it reached described."""
    stated = located(hop.edge_at, home)
    tail = f"   (edge at {stated})" if stated else ""
    kind = (hop.via or "").removesuffix("<-")
    if hop.via and hop.via.endswith("<-"):
        return f"{_hop(hop, home)} -{kind}-> {hop.prev}{tail}"
    return f"{hop.prev} -{kind}-> {_hop(hop, home)}{tail}"


def _count_tree(parts: tuple[Evidence, ...]) -> int:
    return sum(1 + _count_tree(ev.children) for ev in parts)


def _parts(n: int) -> str:
    return f"{n} part" if n == 1 else f"{n} parts"


def evidence_text(ev: Evidence, home: str) -> str:
    """`expr   was   left op right   -> result`, with where the values come from."""
    pieces = [ev.expr]
    shown = _compared(ev, home)
    if shown is not None:
        pieces += ["was", shown]
    pieces.append(f"-> {ev.result}")
    text = "   ".join(pieces)
    if ev.missing:
        text += f"   (missing: {', '.join(ev.missing)})"
    return text


def _compared(ev: Evidence, home: str) -> str | None:
    left = _valued(ev.left, ev.left_at, home)
    right = _valued(ev.right, ev.right_at, home)
    if ev.op is not None and (left is not None or right is not None):
        return f"{left or '?'} {ev.op} {right or '?'}"
    if left is not None and right is not None:
        return f"{left}, {right}"
    return left if left is not None else right


def _valued(value: str | None, at: Span | None, home: str) -> str | None:
    if value is None:
        return None
    where = located(at, home)
    return f"{value} ({where})" if where else value


def located(at: Span | None, home: str) -> str | None:
    """`line 44` within the finding's own file, `file:44` elsewhere, None when unknown."""
    if at is None or not at.line:
        return None
    return f"line {at.line}" if at.file == home else at.short()


# --- provenance ----------------------------------------------------------------------------


def cite(span: Span, layer: str | None = None) -> str:
    """`file:line`, or just the name for something without a line (a built-in); a file of
    ruleset `layer` is named as under its rulesets root (`baseline/financing.cpol:8`)."""
    file = in_rulesets(span.file, layer)
    return f"{file}:{span.line}" if span.line else file


def param_lines(use: ParamUse, *, color: bool = False) -> list[str]:
    """The value and who set it; then what it replaced, marked `relaxes` or `tightens`."""
    origin = use.origin
    because = f' ("{origin.because}")' if origin.because else ""
    lines = _field("param", f"{use.name} = {use.value}   set by {cite(origin.span, origin.layer)}{because}")
    if origin.previous is not None:
        verb = paint("relaxes", color) if origin.relaxation else "tightens"
        lines.append(_continue(f"{verb} {visible(_previous(origin))}"))
    elif origin.relaxation:
        lines.append(_continue(paint("relaxes", color) + " its parent ruleset"))
    return lines


def _previous(origin: Provenance) -> str:
    layer = f"{origin.previous_layer} " if origin.previous_layer else ""
    where = f" ({cite(origin.previous_span, origin.previous_layer)})" if origin.previous_span is not None else ""
    return f"{layer}{origin.previous}{where}"


def severity_text(finding: Finding, origin: Provenance, *, color: bool = False) -> str:
    """`should (was must in baseline, lowered by file:line "because")`, control characters
    spelled out but for the colour's."""
    verb = _severity_verb(finding.severity, origin)
    shown = paint(verb, color)  # only "lowered" has a colour
    was = ""
    if origin.previous is not None:
        layer = f" in {origin.previous_layer}" if origin.previous_layer else ""
        was = f"was {origin.previous}{layer}, "
    because = f' "{origin.because}"' if origin.because else ""
    return (f"{visible(f'{finding.severity} ({was}')}{shown}"
            f"{visible(f' by {cite(origin.span, origin.layer)}{because})')}")


def _severity_verb(now: str, origin: Provenance) -> str:
    before = origin.previous
    if before is not None and before in SEVERITY_RANK and now in SEVERITY_RANK:
        if SEVERITY_RANK[now] < SEVERITY_RANK[before]:
            return "lowered"
        if SEVERITY_RANK[now] > SEVERITY_RANK[before]:
            return "raised"
        return "set"
    return "lowered" if origin.relaxation else "set"


def rule_origin_text(origin: Provenance) -> str:
    because = f' ("{origin.because}")' if origin.because else ""
    return f"defined in {origin.layer} at {cite(origin.span, origin.layer)}{because}"


# --- summaries -----------------------------------------------------------------------------


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def outcome_counts(findings: Iterable[Finding]) -> str:
    """`3 errors, 1 warning, 2 unknown, 1 waived; 20 passed, 4 not applicable`."""
    findings = list(findings)
    return counts_text(count_outcomes(findings), count_fails_by_level(findings))


def counts_text(outcomes: dict[str, int], by_level: dict[str, int]) -> str:
    """outcome_counts from the counts."""
    reported = [
        _plural(by_level["error"], "error", "errors"),
        _plural(by_level["warning"], "warning", "warnings"),
        f"{by_level['info']} info",
        f"{outcomes['unknown']} unknown",
        f"{outcomes['waived']} waived",
    ]
    reported = [part for part in reported if not part.startswith("0 ")] or ["no findings"]
    settled = [f"{outcomes['pass']} passed"]
    if outcomes["not-applicable"]:
        settled.append(f"{outcomes['not-applicable']} not applicable")
    return f"{', '.join(reported)}; {', '.join(settled)}"


def summary_line(findings: Iterable[Finding], result_verdict: str, *, color: bool = False) -> str:
    word = result_verdict.upper()
    return f"{paint(word, color)}: {outcome_counts(findings)}"


def total_line(report: Report, *, color: bool = False) -> str:
    """The run's verdict (PASS, FAIL or ERROR, after the exit code) and its counts."""
    return total_text(tally(report), report, color=color)


def total_text(counts: Tally, report: Report, *, color: bool = False) -> str:
    """total_line from the counts of the report's results (only its errors and fail_on
    are read from `report`)."""
    word = {0: "PASS", 1: "FAIL", 2: "ERROR"}[counts.exit_code(len(report.errors))]
    proposals = _plural(counts.proposals, "proposal", "proposals")
    checked = f"{proposals} ({counts.failed} failed, {counts.passed} passed)"
    if report.errors:
        checked += ", " + _plural(len(report.errors), "file", "files") + " not loaded"
    tallied = counts_text(counts.outcome_counts(), counts.fails_by_level())
    return f"total {paint(word, color)}: {checked}; {tallied} (fail on {report.fail_on})"
