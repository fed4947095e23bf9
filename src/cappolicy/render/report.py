"""What a check run hands to the renderers: results per proposal, files that failed to load.

The verdict and exit-code logic lives here so that every output format agrees on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import attrs

from ..errors import Diagnostic
from ..findings import LEVEL, OUTCOMES, SEVERITIES, SEVERITY_RANK, Finding
from ..pickling import by_fields

LEVELS = ("error", "warning", "info")  # LEVEL's values, most severe first


def _check_fail_on(_instance: object, _attribute: object, value: str) -> None:
    if value not in SEVERITY_RANK:
        raise ValueError(f"fail_on must be one of {', '.join(SEVERITIES)}, not {value!r}")


@by_fields
@attrs.frozen
class ProposalResult:
    """One proposal checked against one effective ruleset."""

    file: str
    proposal_id: str
    host_country: str | None
    ruleset: str  # id of the effective ruleset
    ruleset_note: str | None = None  # e.g. "no national ruleset for XQ; checked against baseline"
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=tuple)
    warnings: tuple[Diagnostic, ...] = attrs.field(default=(), converter=tuple)


@by_fields
@attrs.frozen
class FileError:
    """A proposal (or ruleset) file that could not be loaded."""

    file: str
    diagnostics: tuple[Diagnostic, ...] = attrs.field(converter=tuple)


@attrs.frozen
class Report:
    results: tuple[ProposalResult, ...] = attrs.field(converter=tuple)
    errors: tuple[FileError, ...] = attrs.field(converter=tuple)
    fail_on: str = attrs.field(validator=_check_fail_on)  # must | should | advisory
    as_of: datetime.date
    tool_version: str
    allow_unknown: bool = False  # an undecided rule does not fail the run


def is_failing(finding: Finding, fail_on: str, allow_unknown: bool = False) -> bool:
    """A failed finding whose severity is at or above `fail_on`; an undecided one
    too unless `allow_unknown`: a proposal that cannot be judged is not fit to pass."""
    outcomes = ("fail",) if allow_unknown else ("fail", "unknown")
    return finding.outcome in outcomes and SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]


def failing(report: Report) -> list[Finding]:
    """Every finding that makes the run fail, in position order."""
    found = [f for r in report.results for f in r.findings
             if is_failing(f, report.fail_on, report.allow_unknown)]
    return sorted_findings(found)


def verdict(result: ProposalResult, fail_on: str, allow_unknown: bool = False) -> str:
    """`"fail"` when a finding fails at or above `fail_on`, else `"pass"`."""
    return "fail" if any(is_failing(f, fail_on, allow_unknown) for f in result.findings) else "pass"


def exit_code(report: Report) -> int:
    """2 when a file could not be loaded, 1 when a finding fails at or above fail_on, else 0."""
    if report.errors:
        return 2
    return 1 if failing(report) else 0


def count_outcomes(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per outcome, every outcome present, in OUTCOMES order."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for f in findings:
        counts[f.outcome] += 1
    return counts


def count_fails_by_level(findings: Iterable[Finding]) -> dict[str, int]:
    """Failed findings per level (error, warning, info), whatever fail_on is."""
    counts = dict.fromkeys(LEVELS, 0)
    for f in findings:
        if f.outcome == "fail":
            counts[LEVEL[f.severity]] += 1
    return counts


def sorted_results(report: Report) -> list[ProposalResult]:
    """Results in a stable order, whatever order the caller checked them in."""
    return sorted(report.results, key=lambda r: (r.file, r.proposal_id))


def sorted_errors(report: Report) -> list[FileError]:
    return sorted(report.errors, key=lambda e: e.file)


def finding_order(finding: Finding) -> tuple[str, int, int, str, str, str, str]:
    """Finding.sort_key, then enough more to break every tie between findings."""
    return (*finding.sort_key, finding.path, finding.element or "", finding.outcome)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_order)
