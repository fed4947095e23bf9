"""`cappolicy rulesets diff` and `rulesets show --changes` as text, Markdown (for the pull
request that changes a ruleset) and JSON (schema "cappolicy.rulesets-diff", version 1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from ..base.span import Span
from ..base.visible import no_commands, visible
from ..engine.findings import LEVEL
from ..rulesets.diff import (ABSENT, NO_FINDING, OutcomeChange, ParamChange, RuleChange,
                             RulesetDiff, badness)
from .jsonfmt import diagnostic_to_json, finding_to_json
from .markdown import md_block, md_code, md_text
from .text import render_finding

SCHEMA = "cappolicy.rulesets-diff"
VERSION = 1

#: how a file is named in the output: the copy of a git revision as `REV:path`
Namer = Callable[[str], str]


def _same(file: str) -> str:
    return file


def _where(span: Span | None, name: Namer) -> str | None:
    if span is None or not span.file:
        return None
    file = name(span.file)
    return f"{file}:{span.line}" if span.line else file


def param_text(change: ParamChange) -> str:
    if change.direction == "added":
        return f"{change.name} = {change.new} (new param)"
    if change.direction == "removed":
        return f"{change.name}: removed (was {change.old})"
    word = {"tightens": "TIGHTENS", "relaxes": "RELAXES"}.get(change.direction, "changes")
    return f"{change.name}: {change.old} -> {change.new} ({word})"


def rule_text(change: RuleChange) -> str:
    head = f"{change.rule} \"{change.title}\": "
    if change.kind == "added":
        return head + f"added ({change.new})"
    if change.kind == "enabled":
        return head + f"enabled again ({change.new})"
    if change.kind == "removed":
        return head + f"removed (was {change.old})"
    if change.kind == "disabled":
        return head + f"DISABLED (was {change.old})"
    if change.kind == "severity":
        word = "RELAXES" if change.relaxes else "tightens"
        return head + f"severity {change.old} -> {change.new} ({word})"
    if change.kind == "condition":
        return head + "its condition changed"
    return head + f"{change.kind} changed"


def outcome_text(change: OutcomeChange) -> str:
    def side(outcome: str, severity: str | None) -> str:
        if outcome == "fail" and severity is not None:
            return f"fail ({severity})"
        return {ABSENT: "(no such rule)", NO_FINDING: "(not selected)"}.get(outcome, outcome)
    element = f" [{change.element}]" if change.element else ""
    mark = ("  NOT COMPARED: a side's rules ran out of time" if change.undecided
            else "  WORSE" if change.worse else "")
    return (f"{change.rule}{element} {change.title}: {side(change.old, change.old_severity)} -> "
            f"{side(change.new, change.new_severity)}{mark}")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary_line(diff: RulesetDiff, *, layer: bool = False) -> str:
    if not diff.compared:
        return (f"{_plural(len(diff.params), 'param')} and {_plural(len(diff.rules), 'rule')} "
                "changed" + ("" if layer else "; no proposals given"))
    worse = len(diff.worse)
    late = sum(1 for i in diff.impacts if any(c.undecided for c in i.changes))
    return (f"{_plural(len(diff.impacts), 'proposal')} compared, "
            f"{len(diff.changed)} with changed outcomes, {worse} worse"
            + (f" ({late} of them with rules not decided in time: not compared)"
               if late else "")
            + (f"; {_plural(len(diff.skipped), 'proposal')} of other countries not compared"
               if diff.skipped else ""))


def render_text(diff: RulesetDiff, name: Namer = _same, *, title: str | None = None) -> str:
    lines = [title or f"ruleset {diff.old_id} ({diff.old}) -> {diff.new_id} ({diff.new})", ""]
    lines.append("params:" if diff.params else "params: no change")
    for p in diff.params:
        lines.append(f"  {visible(param_text(p))}")
        where = _where(p.at, name)
        if where:
            lines.append(f"      set in {p.layer} at {visible(where)}")
        if p.because:
            lines.append(f"      because {visible(p.because)}")
    lines.append("rules:" if diff.rules else "rules: no change")
    for r in diff.rules:
        lines.append(f"  {visible(rule_text(r))}")
        where = _where(r.at, name)
        if where and r.kind != "removed":
            lines.append(f"      in {r.layer} at {visible(where)}")
        if r.because:
            lines.append(f"      because {visible(r.because)}")
    if diff.compared:
        lines += ["", f"impact (as of {diff.as_of.isoformat() if diff.as_of else 'today'}):"]
        for impact in diff.impacts:
            if impact.errors:
                lines.append(f"== {impact.file}: not loaded ==")
                lines += [f"  {visible(d.render())}" for d in impact.errors]
                continue
            if not impact.changes:
                continue
            lines.append(f"== {impact.file} ({impact.id}, host {impact.host}) ==")
            for change in impact.changes:
                lines.append(f"  {visible(outcome_text(change))}")
                if change.finding is not None and change.new not in ("pass", ABSENT, NO_FINDING):
                    lines += ["    " + line for line in
                              render_finding(change.finding).splitlines()[1:]]
        if not diff.changed:
            lines.append("  no proposal's outcome changes")
        else:
            lines += ["", "summary:"]
            rows = [("proposal", "rule", "old", "new", "")]
            for impact in diff.changed:
                for change in impact.changes:
                    rows.append((impact.file, change.rule + (f"[{change.element}]"
                                                             if change.element else ""),
                                 _side(change.old, change.old_severity),
                                 _side(change.new, change.new_severity),
                                 "not compared" if change.undecided else "worse"
                                 if change.worse else "better" if _better(change) else ""))
            widths = [max(len(r[i]) for r in rows) for i in range(5)]
            lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                      for row in rows]
        for skipped in diff.skipped:
            lines.append(f"note: {skipped} is for another country than "
                         f"{diff.new_id}; not compared (--all-proposals compares it)")
    lines += ["", summary_line(diff, layer=title is not None)]
    return no_commands("\n".join(lines))  # a file `::x.yaml` begins no line


def _side(outcome: str, severity: str | None) -> str:
    if outcome == "fail" and severity is not None:
        return f"fail ({severity}, {LEVEL[severity]})"
    return "-" if outcome == ABSENT else "(not selected)" if outcome == NO_FINDING else outcome


def _better(change: OutcomeChange) -> bool:
    return badness(change.new, change.new_severity) < badness(change.old, change.old_severity)


def render_markdown(diff: RulesetDiff, name: Namer = _same) -> str:
    out = [f"### Ruleset change: {md_code(diff.old)} → {md_code(diff.new)}", ""]
    if diff.params:
        out += ["| param | old | new | effect | because |", "|---|---|---|---|---|"]
        for p in diff.params:
            out.append(f"| {md_code(p.name, table=True)} | {md_code(p.old or '-', table=True)} | "
                       f"{md_code(p.new or '-', table=True)} | {p.direction} | "
                       f"{md_text(p.because or '')} |")
        out.append("")
    if diff.rules:
        out += ["| rule | change | because |", "|---|---|---|"]
        for r in diff.rules:
            out.append(f"| {md_code(r.rule, table=True)} | {md_text(rule_text(r))} | "
                       f"{md_text(r.because or '')} |")
        out.append("")
    if not diff.params and not diff.rules:
        out += ["No param or rule changes.", ""]
    if diff.compared:
        if diff.changed:
            out += ["| proposal | rule | old | new | |", "|---|---|---|---|---|"]
            for impact in diff.changed:
                for c in impact.changes:
                    out.append(f"| {md_code(impact.file, table=True)} | "
                               f"{md_code(c.rule, table=True)} | "
                               f"{_side(c.old, c.old_severity)} | "
                               f"{_side(c.new, c.new_severity)} | "
                               f"{'**not compared**' if c.undecided else '**worse**' if c.worse else ''} |")
            out.append("")
            for impact in diff.changed:
                for c in impact.changes:
                    if c.finding is not None and c.new not in ("pass", ABSENT, NO_FINDING):
                        out += [f"<details><summary>{md_text(impact.file)}: "
                                f"{md_text(outcome_text(c))}</summary>", "",
                                md_block(render_finding(c.finding)), "", "</details>", ""]
        else:
            out += ["No proposal's outcome changes.", ""]
    out.append(md_text(summary_line(diff)))
    return "\n".join(out)


def to_json(diff: RulesetDiff, tool_version: str, exit_code: int,
            name: Namer = _same) -> dict[str, Any]:
    def at(span: Span | None) -> dict[str, Any] | None:
        if span is None or not span.file:
            return None
        return {"file": name(span.file), "line": span.line, "column": span.column}
    return {
        "schema": SCHEMA, "version": VERSION,
        "tool": {"name": "cappolicy", "version": tool_version},
        "old": {"ref": diff.old, "id": diff.old_id},
        "new": {"ref": diff.new, "id": diff.new_id},
        "as_of": diff.as_of.isoformat() if diff.as_of else None,
        "params": [{"name": p.name, "old": p.old, "new": p.new, "effect": p.direction,
                    "because": p.because, "layer": p.layer, "at": at(p.at)}
                   for p in diff.params],
        "rules": [{"rule": r.rule, "title": r.title, "change": r.kind, "old": r.old,
                   "new": r.new, "relaxes": r.relaxes, "because": r.because,
                   "layer": r.layer, "at": at(r.at)} for r in diff.rules],
        "proposals": [{
            "file": i.file, "id": i.id, "host_country": i.host, "worse": i.worse,
            "errors": [d.message for d in i.errors],
            "diagnostics": [diagnostic_to_json(d) for d in i.errors],
            "changes": [{"rule": c.rule, "title": c.title, "element": c.element,
                         "old": {"outcome": c.old, "severity": c.old_severity},
                         "new": {"outcome": c.new, "severity": c.new_severity},
                         "worse": c.worse, "undecided": c.undecided,
                         "finding": finding_to_json(c.finding) if c.finding else None}
                        for c in i.changes]} for i in diff.impacts],
        "not_compared": list(diff.skipped),
        "summary": {"compared": len(diff.impacts), "changed": len(diff.changed),
                    "worse": len(diff.worse)},
        "exit_code": exit_code,
    }
