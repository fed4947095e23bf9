"""Rule test results and coverage as text, and as JSON (for `cappolicy test`).

```
FAIL rulesets/baseline/tests/financing.test.yaml:31: co-financing below the minimum
  FIN-01   expected fail, got pass   (line 35)
    rulesets/baseline/tests/base.proposal.yaml:9:1: pass[FIN-01] Host-country co-financing meets the minimum
      because   national_share >= min_co_financing   was   33.3333% >= 15%   -> true
      ...

rule tests FAIL: 8 files run, 120 cases (119 passed, 1 failed)
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base.errors import SourceCache
from ..base.visible import no_commands, visible
from ..engine.findings import OUTCOMES
from ..rulesets.testing import (
    CaseResult,
    CheckResult,
    Coverage,
    RuleCoverage,
    RuleTestReport,
    covered_percent,
)
from .jsonfmt import diagnostic_to_json, finding_to_json
from .text import paint, render_finding

MAX_FINDINGS = 3  # findings shown per expectation that does not hold
SCHEMA = "cappolicy.rule-tests"
VERSION = 1
JSONDict = dict[str, Any]


def render_rule_tests(report: RuleTestReport, *, color: bool = False, verbose: bool = False,
                      sources: SourceCache | None = None) -> str:
    """Errors, then every case that failed (every case with `verbose`), then the total."""
    sources = sources if sources is not None else SourceCache()
    blocks = [d.render(sources, color=color) for d in report.errors]
    for case in report.cases:
        if verbose or not case.ok:
            blocks.append(render_case(case, color=color, sources=sources))
    blocks.append(total_line(report, color=color))
    return no_commands("\n\n".join(blocks))  # a file `::x.yaml` begins no line


def render_case(result: CaseResult, *, color: bool = False,
                sources: SourceCache | None = None) -> str:
    word = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}[result.status]
    where = visible(f"{result.file}:{result.case.span.line}: {result.case.name}")
    lines = [f"{paint(word, color)} {where}"]
    if result.errors:
        lines += ["  " + line for d in result.errors
                  for line in d.render(sources, color=color).splitlines()]
        return "\n".join(lines)
    width = max(len(c.expectation.label) for c in result.checks)
    for check in result.checks:
        lines.append(check_line(check, width))
        if not check.ok:
            lines += _findings(check, color=color)
    return "\n".join(lines)


def check_line(check: CheckResult, width: int = 0) -> str:
    exp = check.expectation
    if check.ok:
        said = f"{exp.outcome} as expected"
    elif check.actual is None:
        said = f"expected {exp.outcome}, got no finding for {exp.target}"
    else:
        said = f"expected {exp.outcome}, got {check.actual}"
    return f"  {exp.label.ljust(width)}   {said}   (line {exp.span.line})"


def _findings(check: CheckResult, *, color: bool) -> list[str]:
    lines: list[str] = []
    if check.actual is None:
        exp = check.expectation
        if check.elements:
            lines.append(f"    {exp.rule} gave findings for {', '.join(check.elements)}; write "
                         f"{exp.rule}@<element>, or a finding's path")
        else:
            lines.append(f"    {exp.rule} gives one finding for the whole proposal; "
                         f"expect {exp.rule} without @")
        return lines
    for finding in check.findings[:MAX_FINDINGS]:
        lines += ["    " + line for line in render_finding(finding, color=color).splitlines()]
    hidden = len(check.findings) - MAX_FINDINGS
    if hidden > 0:
        lines.append(f"    ... and {hidden} more finding" + ("s" if hidden > 1 else ""))
    return lines


def total_line(report: RuleTestReport, *, color: bool = False) -> str:
    cases = report.cases
    word = {0: "PASS", 1: "FAIL", 2: "ERROR"}[report.exit_code]
    counts = [f"{sum(c.status == s for c in cases)} {label}"
              for s, label in (("pass", "passed"), ("fail", "failed"), ("error", "with errors"))]
    counts = [counts[0], *(c for c in counts[1:] if not c.startswith("0 "))]
    text = (f"rule tests {paint(word, color)}: {_plural(len(report.files), 'file')} run, "
            f"{_plural(len(cases), 'case')} ({', '.join(counts)})")
    if report.errors:
        text += f"; {_plural(len(report.errors), 'error')} in files not run"
    return text


def render_coverage(coverages: Sequence[Coverage], *, min_coverage: float | None = None) -> str:
    """Per ruleset tested: each rule it defines, whether some case makes it fail and some
    case makes it pass; the same by principle; the gaps; its parents' rules that read a
    param it sets; then the total."""
    blocks = []
    for cov in coverages:
        rules = len(cov.rules)
        lines = []
        if rules:
            fails = sum(r.fails for r in cov.rules)
            passes = sum(r.passes for r in cov.rules)
            unknown = sum("unknown" in r.outcomes for r in cov.rules)
            both = _percent(rules - len(cov.gaps), rules)
            lines.append(f"coverage of ruleset {cov.ruleset}: {_plural(rules, 'rule')} of its own; "
                         f"{fails} fail in some case, {passes} pass in some case ({both} both); "
                         f"{unknown} shown unknown for missing data")
            lines += _rule_table(cov.rules)
            width = max([len("principle"), *(len(p.principle) for p in cov.principles)])
            lines.append(f"  {'principle'.ljust(width)}  rules  fail  pass  unknown")
            for p in cov.principles:
                mark = "" if p.complete else "   <- incomplete"
                lines.append(f"  {p.principle.ljust(width)}  {p.rules:>5}  {p.failing:>4}  "
                             f"{p.passing:>4}  {p.unknown:>7}{mark}")
            if cov.gaps:
                lines.append("  not covered:")
                gap_width = max(len(r.rule.id) for r in cov.gaps)
                lines += [f"    {r.rule.id.ljust(gap_width)}  {r.rule.title}: {r.gap}"
                          for r in cov.gaps]
            else:
                lines.append("  every rule fails in some case and passes in another")
        else:
            lines.append(f"coverage of ruleset {cov.ruleset}: no rules of its own")
        if cov.changed:
            lines.append("  rules of its parents that read a param it sets "
                         "(not counted in the coverage):")
            lines += ["  " + line for line in _rule_table(cov.changed)]
        blocks.append("\n".join(lines))
    if not blocks:
        return "coverage: no ruleset was tested"
    blocks.append(coverage_line(coverages, min_coverage))
    return "\n\n".join(blocks)


def _rule_table(rules: Sequence[RuleCoverage]) -> list[str]:
    id_width = max([len("rule"), *(len(r.rule.id) for r in rules)])
    lines = [f"  {'rule'.ljust(id_width)}  fail  pass  cases  title"]
    for r in rules:
        note = f"   (reads {', '.join(r.changes)}; defined in {r.rule.layer})" if r.changes else ""
        lines.append(f"  {r.rule.id.ljust(id_width)}  {_mark(r.fails, 'fail')}  "
                     f"{_mark(r.passes, 'pass')}  {r.cases:>5}  {r.rule.title}{note}")
    return lines


def coverage_line(coverages: Sequence[Coverage], min_coverage: float | None = None) -> str:
    """`coverage 97.5%: 39 of 40 rules fail in some case and pass in another`, and the
    verdict against --min-coverage."""
    rules = [r for cov in coverages for r in cov.rules]
    done = sum(r.complete for r in rules)
    pct = covered_percent(coverages)
    if not rules:
        return "coverage 100%: the rulesets tested define no rules of their own"
    verb = "fails" if len(rules) == 1 else "fail"
    text = (f"coverage {_pct(pct)}: {done} of {_plural(len(rules), 'rule')} {verb} in some case "
            "and pass in another")
    if min_coverage is not None:
        verdict = "meets" if pct >= min_coverage else "is below"
        text += f"; {verdict} the minimum of {_pct(min_coverage)}"
    return text


def _mark(ok: bool, word: str) -> str:
    return word if ok else "-".ljust(len(word))


def _pct(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


# --- JSON ------------------------------------------------------------------------------------


def rule_tests_to_json(report: RuleTestReport, *, coverages: Sequence[Coverage] | None = None,
                       min_coverage: float | None = None, exit_code: int | None = None,
                       tool_version: str | None = None) -> JSONDict:
    """The run as versioned JSON ("cappolicy.rule-tests", version 1; docs/rule-tests.md).
    Findings are given for the expectations that do not hold; `coverage` is null unless
    asked for."""
    cases = report.cases
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "tool_version": tool_version,
        "exit_code": report.exit_code if exit_code is None else exit_code,
        "summary": {
            "files": len(report.files),
            "cases": len(cases),
            "passed": sum(c.status == "pass" for c in cases),
            "failed": sum(c.status == "fail" for c in cases),
            "errors": sum(c.status == "error" for c in cases) + len(report.errors),
        },
        "errors": [diagnostic_to_json(d) for d in report.errors],
        "files": [{"file": f.file, "ruleset": f.ruleset,
                   "cases": [case_to_json(c) for c in f.cases]} for f in report.files],
        "coverage": None if coverages is None else coverage_to_json(coverages, min_coverage),
    }


def case_to_json(result: CaseResult) -> JSONDict:
    return {
        "name": result.case.name,
        "line": result.case.span.line,
        "status": result.status,
        "errors": [diagnostic_to_json(d) for d in result.errors],
        "checks": [{
            "rule": c.expectation.rule,
            "target": c.expectation.target,
            "line": c.expectation.span.line,
            "expected": c.expectation.outcome,
            "actual": c.actual,
            "ok": c.ok,
            "elements": list(c.elements) if c.actual is None else [],
            "findings": [] if c.ok else [finding_to_json(f) for f in c.findings],
        } for c in result.checks],
    }


def _rule_coverage(r: RuleCoverage, *, changed: bool = False) -> JSONDict:
    """One rule's coverage; for a rule a layer changed, also where and which params."""
    head: JSONDict = {"id": r.rule.id, "title": r.rule.title, "principle": r.rule.principle}
    if changed:
        head.update(defined_in=r.rule.layer, params=list(r.changes))
    return {**head, "fails": r.fails, "passes": r.passes,
            "outcomes": sorted(r.outcomes, key=OUTCOMES.index), "cases": r.cases}


def coverage_to_json(coverages: Sequence[Coverage], min_coverage: float | None = None) -> JSONDict:
    pct = covered_percent(coverages)
    return {
        "percent": round(pct, 2),
        "min_percent": min_coverage,
        "below_min": min_coverage is not None and pct < min_coverage,
        "rulesets": [{
            "ruleset": cov.ruleset,
            "complete": cov.complete,
            "rules": [_rule_coverage(r) for r in cov.rules],
            "changed": [_rule_coverage(r, changed=True) for r in cov.changed],
            "principles": [{
                "principle": p.principle, "rules": p.rules, "failing": p.failing,
                "passing": p.passing, "unknown": p.unknown, "complete": p.complete,
            } for p in cov.principles],
        } for cov in coverages],
    }


def _percent(part: int, whole: int) -> str:
    return f"{100 * part // whole}%" if whole else "100%"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
