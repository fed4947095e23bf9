"""Rule test results and coverage as text (for `cappolicy test`).

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

from ..errors import SourceCache
from ..ruletest import CaseResult, CheckResult, Coverage, RuleTestReport
from .text import paint, render_finding

MAX_FINDINGS = 3  # findings shown per expectation that does not hold


def render_rule_tests(report: RuleTestReport, *, color: bool = False, verbose: bool = False,
                      sources: SourceCache | None = None) -> str:
    """Errors, then every case that failed (every case with `verbose`), then the total."""
    sources = sources if sources is not None else SourceCache()
    blocks = [d.render(sources, color=color) for d in report.errors]
    for case in report.cases:
        if verbose or not case.ok:
            blocks.append(render_case(case, color=color, sources=sources))
    blocks.append(total_line(report, color=color))
    return "\n\n".join(blocks)


def render_case(result: CaseResult, *, color: bool = False,
                sources: SourceCache | None = None) -> str:
    word = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}[result.status]
    lines = [f"{paint(word, color)} {result.file}:{result.case.span.line}: {result.case.name}"]
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


def render_coverage(coverages: Sequence[Coverage]) -> str:
    """Per ruleset: how many rules fail and pass in some case, by principle, then the gaps."""
    blocks = []
    for cov in coverages:
        rules = len(cov.rules)
        fails = sum(r.fails for r in cov.rules)
        passes = sum(r.passes for r in cov.rules)
        unknown = sum("unknown" in r.outcomes for r in cov.rules)
        both = _percent(rules - len(cov.gaps), rules)
        lines = [(f"coverage of ruleset {cov.ruleset}: {rules} rules; {fails} fail in some case, "
                  f"{passes} pass in some case ({both} both); "
                  f"{unknown} shown unknown for missing data")]
        width = max([len("principle"), *(len(p.principle) for p in cov.principles)])
        lines.append(f"  {'principle'.ljust(width)}  rules  fail  pass  unknown")
        for p in cov.principles:
            mark = "" if p.complete else "   <- incomplete"
            lines.append(f"  {p.principle.ljust(width)}  {p.rules:>5}  {p.failing:>4}  "
                         f"{p.passing:>4}  {p.unknown:>7}{mark}")
        if cov.gaps:
            lines.append("  not covered:")
            id_width = max(len(r.rule.id) for r in cov.gaps)
            lines += [f"    {r.rule.id.ljust(id_width)}  {r.rule.title}: {r.gap}"
                      for r in cov.gaps]
        else:
            lines.append("  every rule fails in some case and passes in another")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "coverage: no ruleset was tested"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part // whole}%" if whole else "100%"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
