"""What a check run hands to the renderers: results per proposal, files that failed to load.

The verdict and exit-code logic lives here so that every output format agrees on it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from ..base.errors import Diagnostic
from ..base.record import Record
from ..engine.findings import LEVEL, OUTCOMES, SEVERITIES, SEVERITY_RANK, Finding

LEVELS = ("error", "warning", "info")  # LEVEL's values, most severe first
#: the outcomes every report lists (the others only when asked for: text's --verbose)
REPORTED = ("fail", "unknown", "waived")


_set = object.__setattr__


def _check_fail_on(value: str) -> None:
    if value not in SEVERITY_RANK:
        raise ValueError(f"fail_on must be one of {', '.join(SEVERITIES)}, not {value!r}")


# The classes are records (base/record.py), written out rather than made by attrs at every
# start; a field given any iterable keeps it as a tuple, as attrs' converters did.
class ProposalResult(Record):
    """One proposal checked against one effective ruleset."""

    __slots__ = ("file", "proposal_id", "host_country", "ruleset", "ruleset_note", "findings",
                 "warnings", "relied_on")
    file: str
    proposal_id: str
    host_country: str | None
    ruleset: str  # id of the effective ruleset
    ruleset_note: str | None  # e.g. "no national ruleset for XQ; checked against baseline"
    findings: tuple[Finding, ...]
    warnings: tuple[Diagnostic, ...]
    #: one line per layer whose relaxations this proposal's outcome depends on (relied.py)
    relied_on: tuple[str, ...]

    def __init__(self, file: str, proposal_id: str, host_country: str | None, ruleset: str,
                 ruleset_note: str | None = None, findings: Iterable[Finding] = (),
                 warnings: Iterable[Diagnostic] = (), relied_on: Iterable[str] = ()) -> None:
        _set(self, "file", file)
        _set(self, "proposal_id", proposal_id)
        _set(self, "host_country", host_country)
        _set(self, "ruleset", ruleset)
        _set(self, "ruleset_note", ruleset_note)
        _set(self, "findings", tuple(findings))
        _set(self, "warnings", tuple(warnings))
        _set(self, "relied_on", tuple(relied_on))

    def ruleset_lines(self) -> list[tuple[str, str]]:
        """The text report's `note` and `relaxed` lines, each with its label: what every
        report says of the ruleset this result was checked against, passing or not (a
        project's own layer hiding a shipped one; relaxations its verdict depends on)."""
        said = [("note", self.ruleset_note)] if self.ruleset_note else []
        return said + [("relaxed", line) for line in self.relied_on]


class FileError(Record):
    """A proposal (or ruleset) file that could not be loaded."""

    __slots__ = ("file", "diagnostics")
    file: str
    diagnostics: tuple[Diagnostic, ...]

    def __init__(self, file: str, diagnostics: Iterable[Diagnostic]) -> None:
        _set(self, "file", file)
        _set(self, "diagnostics", tuple(diagnostics))


class Inputs(Record):
    """What a run read besides the proposals, as every report names it: the settings
    file (None: no settings file, defaults) and each rulesets folder, in the order
    rulesets are looked up in them ("<shipped>" for the rulesets cappolicy ships)."""

    __slots__ = ("settings", "rulesets")
    settings: str | None
    rulesets: tuple[str, ...]

    def __init__(self, settings: str | None = None, rulesets: tuple[str, ...] = ()) -> None:
        _set(self, "settings", settings)
        _set(self, "rulesets", rulesets)

    def text(self) -> str:
        """`settings: cappolicy.toml; rulesets: <shipped>, policy` (the text report's
        first line)."""
        return (f"settings: {self.settings or 'none (defaults)'}; "
                f"rulesets: {', '.join(self.rulesets) or 'none'}")


class Report(Record):
    __slots__ = ("results", "errors", "fail_on", "as_of", "tool_version", "allow_unknown",
                 "inputs")
    results: tuple[ProposalResult, ...]
    errors: tuple[FileError, ...]
    fail_on: str  # must | should | advisory
    as_of: datetime.date
    tool_version: str
    allow_unknown: bool  # an undecided rule does not fail the run
    inputs: Inputs

    def __init__(self, results: Iterable[ProposalResult], errors: Iterable[FileError],
                 fail_on: str, as_of: datetime.date, tool_version: str,
                 allow_unknown: bool = False, inputs: Inputs = Inputs()) -> None:
        _check_fail_on(fail_on)
        _set(self, "results", tuple(results))
        _set(self, "errors", tuple(errors))
        _set(self, "fail_on", fail_on)
        _set(self, "as_of", as_of)
        _set(self, "tool_version", tool_version)
        _set(self, "allow_unknown", allow_unknown)
        _set(self, "inputs", inputs)


def is_failing(finding: Finding, fail_on: str, allow_unknown: bool = False) -> bool:
    """A failed finding whose severity is at or above `fail_on`; an undecided one too: a
    proposal that cannot be judged is not fit to pass. `allow_unknown` excuses what is
    undecided for want of data (the finding names what is missing), never a value that
    cannot be computed (a sum that overflows: nothing is missing, and nothing to add)."""
    outcome = finding.outcome
    if outcome != "fail" and (outcome != "unknown" or allow_unknown and finding.missing):
        return False
    return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[fail_on]


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
    return tally(report).exit_code(len(report.errors))


class Tally(Record):
    """What a report's totals count, over some of its results. Tallies add up (`+`), so
    the processes of `check -j` each count the results they made, and the sum is the
    report's: `tally(report)`."""

    __slots__ = ("proposals", "failed", "findings", "failing", "blocking", "outcomes", "fails")
    proposals: int
    failed: int  # proposals whose verdict is "fail"
    findings: int
    failing: int  # findings at or above fail_on that fail or are unknown (JSON's "failing")
    blocking: int  # findings that fail the run: unknowns only without allow_unknown
    outcomes: tuple[int, ...]  # findings per outcome, OUTCOMES order
    fails: tuple[int, ...]  # failed findings per level, LEVELS order

    def __init__(self, proposals: int = 0, failed: int = 0, findings: int = 0,
                 failing: int = 0, blocking: int = 0,
                 outcomes: tuple[int, ...] = (0,) * len(OUTCOMES),
                 fails: tuple[int, ...] = (0,) * len(LEVELS)) -> None:
        _set(self, "proposals", proposals)
        _set(self, "failed", failed)
        _set(self, "findings", findings)
        _set(self, "failing", failing)
        _set(self, "blocking", blocking)
        _set(self, "outcomes", outcomes)
        _set(self, "fails", fails)

    @classmethod
    def of(cls, result: ProposalResult, fail_on: str, allow_unknown: bool = False) -> Tally:
        findings = result.findings
        outcomes = count_outcomes(findings)
        fails = count_fails_by_level(findings)
        blocking = sum(1 for f in findings if is_failing(f, fail_on, allow_unknown))
        return cls(1, int(blocking > 0), len(findings),
                   sum(1 for f in findings if is_failing(f, fail_on)), blocking,
                   tuple(outcomes[o] for o in OUTCOMES), tuple(fails[lv] for lv in LEVELS))

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.proposals + other.proposals, self.failed + other.failed,
                     self.findings + other.findings, self.failing + other.failing,
                     self.blocking + other.blocking,
                     tuple(a + b for a, b in zip(self.outcomes, other.outcomes)),
                     tuple(a + b for a, b in zip(self.fails, other.fails)))

    @property
    def passed(self) -> int:
        return self.proposals - self.failed

    def outcome_counts(self) -> dict[str, int]:
        """As count_outcomes."""
        return dict(zip(OUTCOMES, self.outcomes))

    def fails_by_level(self) -> dict[str, int]:
        """As count_fails_by_level."""
        return dict(zip(LEVELS, self.fails))

    def exit_code(self, file_errors: int) -> int:
        """The run's exit code, with `file_errors` files that could not be loaded."""
        if file_errors:
            return 2
        return 1 if self.blocking else 0


def tally(report: Report) -> Tally:
    """The counts of all the report's results."""
    total = Tally()
    for result in report.results:
        total += Tally.of(result, report.fail_on, report.allow_unknown)
    return total


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


def result_key(result: ProposalResult) -> tuple[str, str]:
    """What results are sorted by in every report."""
    return (result.file, result.proposal_id)


def sorted_results(report: Report) -> list[ProposalResult]:
    """Results in a stable order, whatever order the caller checked them in."""
    return sorted(report.results, key=result_key)


def sorted_errors(report: Report) -> list[FileError]:
    return sorted(report.errors, key=lambda e: e.file)


def finding_order(finding: Finding) -> tuple[str, int, int, str, str, str, str]:
    """Finding.sort_key, then enough more to break every tie between findings."""
    return (*finding.sort_key, finding.path, finding.element or "", finding.outcome)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_order)
