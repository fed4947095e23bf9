"""Rule tests as data: a `*.test.yaml` file edits a base proposal case by case and
states the outcome each named rule must give (see docs/rule-tests.md).

    *.test.yaml --read_fixture--> FixtureFile --Runner.prepare (ruleset, base)--> Prepared
      --Runner.run_case: edit a copy of the base data, write it out as YAML, load it like
        any proposal, evaluate the rules the case names--> CaseResult
    every CaseResult --cover--> Coverage: per tested ruleset, for each rule its own files
        define (and apart, each parent's rule it changes through a param), does some case
        make it fail, and some case make it pass

A test file tests the ruleset it names as found beside it (a folder above the file
holding that ruleset), else as the catalog has it.

Errors are located diagnostics with exit code 2: CP430 a malformed test file, CP431 a
rule the ruleset does not have, CP432 an unknown outcome, CP433 a path that cannot be
edited, CP434 an edit that leaves an invalid proposal; CP420 an unknown ruleset, CP421
a path to test that does not exist.

Findings of an edited proposal are located back where their values come from: in the
base proposal, or at the edit in the test file that wrote them (edits.py).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..base.errors import CappolicyError, Diagnostic, ProposalError, did_you_mean
from ..base.record import replace
from ..base.span import Span
from ..engine.evaluate import CompiledRule, evaluate
from ..engine.findings import OUTCOMES, Finding
from ..engine.rules import replace as replace_rule
from ..proposal.load import load_proposal, load_proposal_text
from ..proposal.model import Proposal, format_path
from .catalog import Catalog, EffectiveRuleset, Rulesets
from .edits import (
    EditError,
    Origin,
    Remap,
    apply_edits,
    copy_data,
    copy_origin,
    emit_yaml,
    origin_at,
    path_at,
    proposal_origin,
)
from .testfile import (
    _WAIVER_IDS,
    SUFFIX,
    Case,
    Expectation,
    FixtureFile,
    _display,
    discover,
    read_fixture,
)

WORST_FIRST = OUTCOMES  # fail > unknown > waived > pass > not-applicable

MAX_SHOWN = 5  # findings kept when an expectation names an element the rule did not give


# --- the test file -------------------------------------------------------------------------


# --- results -------------------------------------------------------------------------------


@attrs.frozen
class CheckResult:
    """One expectation of a case and what the rule gave. `actual` is None when a
    `RULE@target` expectation names no element the rule gave a finding for.
    `findings` are what the outcome was judged on (on a mismatch: explained, and
    located in the base proposal or the test file); `elements` what the rule gave
    findings for."""

    expectation: Expectation
    actual: str | None
    findings: tuple[Finding, ...] = ()
    elements: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.actual == self.expectation.outcome


@attrs.frozen
class CaseResult:
    file: str  # the test file, as shown
    case: Case
    checks: tuple[CheckResult, ...] = ()
    errors: tuple[Diagnostic, ...] = ()

    @property
    def status(self) -> str:
        """pass, fail (an expectation does not hold) or error (the case cannot run)."""
        if self.errors:
            return "error"
        return "pass" if all(c.ok for c in self.checks) else "fail"

    @property
    def ok(self) -> bool:
        return self.status == "pass"

    @property
    def id(self) -> str:
        return f"{self.file}::{self.case.name}"


#: what decides a rule's outcomes: the layer defining it, its id, and for each param it reads
#: the layer that set the value
Behaviour = tuple[str, str, tuple[tuple[str, str], ...]]


@attrs.frozen
class RuleInfo:
    id: str
    title: str
    principle: str
    layer: str  # the ruleset that defines it
    #: the params it reads, each with the layer that set the value it runs with
    params: tuple[tuple[str, str], ...] = ()

    @property
    def behaviour(self) -> Behaviour:
        """What decides its outcomes: its definition and where its params' values come from.
        Two rulesets that share these run the same rule (severity and messages aside)."""
        return (self.layer, self.id, self.params)


@attrs.frozen
class FileResult:
    file: str
    ruleset: str
    cases: tuple[CaseResult, ...]


@attrs.frozen
class RuleTestReport:
    files: tuple[FileResult, ...]
    errors: tuple[Diagnostic, ...]  # test files that could not be read or prepared
    rulesets: Mapping[str, tuple[RuleInfo, ...]] = attrs.field(factory=dict)

    @property
    def cases(self) -> list[CaseResult]:
        return [c for f in self.files for c in f.cases]

    @property
    def exit_code(self) -> int:
        """2 when a test file or case has an error, 1 when an expectation fails, else 0."""
        if self.errors or any(c.status == "error" for c in self.cases):
            return 2
        return 1 if any(c.status == "fail" for c in self.cases) else 0


# --- running -------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class Prepared:
    fixture: FixtureFile
    ruleset: EffectiveRuleset
    base: Proposal
    origin: Origin
    rules: Mapping[str, CompiledRule]
    #: case index -> its CP431 errors (an expectation of a rule the ruleset does not have,
    #: or disables): that case is an error, the file's other cases still run
    case_errors: Mapping[int, tuple[Diagnostic, ...]] = attrs.field(factory=dict)


class Runner:
    """Runs test files against rulesets; caches rulesets and base proposals."""

    def __init__(self, rulesets: Rulesets | None = None) -> None:
        self.rulesets = rulesets if rulesets is not None else Rulesets(Catalog())
        self._bases: dict[Path, tuple[Proposal, Origin]] = {}
        self._local: dict[Path, Rulesets] = {}

    def prepare(self, fixture: FixtureFile) -> Prepared:
        """Resolve the ruleset, check every expected rule exists in it, load the base."""
        eff = self._ruleset(fixture)
        known = {spec.rule.id for spec in eff.rules} | _WAIVER_IDS
        disabled = {d.rule: d for d in eff.disabled}
        case_errors: dict[int, tuple[Diagnostic, ...]] = {}
        for index, case in enumerate(fixture.cases):
            errors: list[Diagnostic] = []
            for exp in case.expect:
                if exp.rule in known:
                    continue
                if exp.rule in disabled:
                    d = disabled[exp.rule]
                    because = f' because "{d.origin.because}"' if d.origin.because else ""
                    errors.append(Diagnostic(
                        "CP431", f"case {case.name!r} expects {exp.rule}, which ruleset {eff.id} "
                        f"disables ({d.origin.span.short()}{because})", exp.span,
                        "a disabled rule gives no finding; remove the expectation"))
                    continue
                best = did_you_mean(exp.rule, known)
                errors.append(Diagnostic(
                    "CP431", f"case {case.name!r} expects rule {exp.rule}, which ruleset "
                    f"{eff.id} does not have", exp.span,
                    f"did you mean '{best}'?" if best else
                    f"`cappolicy explain` lists the rules; this ruleset has {len(known)}"))
            if errors:
                case_errors[index] = tuple(errors)
        base, origin = self._base(fixture.base)
        compiled = {rule.id: rule for rule in eff.compiled()}
        return Prepared(fixture, eff, base, origin, compiled, case_errors)

    def ruleset_of(self, fixture: FixtureFile) -> EffectiveRuleset:
        """The effective ruleset a test file tests; CappolicyError (CP420) when it has none."""
        return self._ruleset(fixture)

    def _ruleset(self, fixture: FixtureFile) -> EffectiveRuleset:
        rulesets = self._beside(fixture)
        catalog = rulesets.catalog
        source = catalog.find(fixture.ruleset)
        if source is None and re.fullmatch(r"[A-Za-z]{2}", fixture.ruleset):
            source = catalog.for_country(fixture.ruleset)
        if source is None:
            best = did_you_mean(fixture.ruleset, catalog.ids())
            raise CappolicyError(Diagnostic(
                "CP420", f"no ruleset {fixture.ruleset!r} to test", fixture.ruleset_span,
                f"did you mean '{best}'?" if best else f"known rulesets: {', '.join(catalog.ids())}"))
        return rulesets.get(source)

    def _beside(self, fixture: FixtureFile) -> Rulesets:
        """The rulesets to test a file with. A test file tests the ruleset beside it: when a
        folder above the file holds the ruleset it names (`national/xq` as
        `national/xq.cpol`), that folder is a rulesets root, and its rulesets win over the
        catalog's, for the ruleset and the rulesets it extends (the working copy a ruleset
        author edits, not an installed one)."""
        root = _root_beside(Path(fixture.path), fixture.ruleset)
        catalog = self.rulesets.catalog
        # realpath, not resolve: a --rulesets root that is a loop of links must not raise
        if root is None or (catalog.roots and Path(os.path.realpath(catalog.roots[-1])) == root):
            return self.rulesets
        if root not in self._local:
            roots = [r for r in catalog.roots if Path(os.path.realpath(r)) != root]
            self._local[root] = Rulesets(Catalog([*roots, root]))
        return self._local[root]

    def _base(self, path: Path) -> tuple[Proposal, Origin]:
        key = path.resolve()
        if key not in self._bases:
            proposal = load_proposal(_display(path))
            root = proposal.positions.get((), Span(proposal.file, 1, 1))
            self._bases[key] = (proposal, proposal_origin(proposal.data, (), proposal, root))
        return self._bases[key]

    def run_case(self, prepared: Prepared, case: Case) -> CaseResult:
        """Edit the base, load the result as a proposal, evaluate the rules the case names."""
        fixture = prepared.fixture
        as_of = fixture.as_of or dt.date.today()
        if case.edits:
            try:
                proposal, remap = self._edited(prepared, case)
            except _CaseError as exc:
                return CaseResult(fixture.path, case, errors=tuple(exc.diagnostics))
        else:
            proposal, remap = prepared.base, None
        wanted = {e.rule for e in case.expect}
        if not wanted & _WAIVER_IDS:  # a waiver check looks at every rule's findings
            rules = [r for r in prepared.rules.values() if r.id in wanted]
        else:
            rules = list(prepared.rules.values())
        findings = evaluate(rules, proposal, as_of, ruleset=prepared.ruleset.id,
                            effective=prepared.ruleset)
        by_rule: dict[str, list[Finding]] = {}
        for f in findings:
            by_rule.setdefault(f.rule, []).append(f)
        checks = []
        for exp in case.expect:
            check = _judge(exp, by_rule.get(exp.rule, []))
            if not check.ok:
                shown = check.findings
                if exp.rule in prepared.rules:
                    shown = _explain_passes(prepared.rules[exp.rule], shown, proposal, as_of,
                                            prepared.ruleset)
                if remap is not None:
                    shown = tuple(remap.finding(f) for f in shown)
                check = attrs.evolve(check, findings=shown)
            checks.append(check)
        return CaseResult(fixture.path, case, tuple(checks))

    def example(self, fixture: FixtureFile, case: Case, ruleset: EffectiveRuleset,
                rule: str) -> CaseResult:
        """Run one case against another ruleset than its file names, for one rule only:
        what the rule gives there (`cappolicy explain` shows a rule's cases this way).
        Raise CappolicyError when the base proposal cannot be loaded."""
        compiled = {r.id: r for r in ruleset.compiled() if r.id == rule}
        base, origin = self._base(fixture.base)
        prepared = Prepared(fixture, ruleset, base, origin, compiled)
        only = attrs.evolve(case, expect=tuple(e for e in case.expect if e.rule == rule))
        return self.run_case(prepared, only)

    def _edited(self, prepared: Prepared, case: Case) -> tuple[Proposal, Remap]:
        data = copy_data(prepared.base.data)
        origin = copy_origin(prepared.origin)
        try:
            apply_edits(data, origin, case.edits)
        except EditError as exc:
            raise _CaseError(exc.diagnostics) from None
        lines, paths = emit_yaml(data)
        name = f"{prepared.base.file} as edited by {prepared.fixture.path}:{case.span.line}"
        line_paths = dict(enumerate(paths, start=1))

        def blame(diagnostics: Iterable[Diagnostic]) -> _CaseError:
            return _CaseError([_invalid(d, case, prepared, origin, path_at(d.span, line_paths))
                               for d in diagnostics])

        try:
            proposal = load_proposal_text("\n".join(lines) + "\n", name, "yaml")
        except ProposalError as exc:
            raise blame(exc.diagnostics) from None
        remap = Remap(proposal, origin, line_paths)
        added = [d for d in proposal.warnings if d.span is not None
                 and remap.span(d.span).file == prepared.fixture.path]
        if added:  # an unknown field an edit adds would change nothing: a test that cannot fail
            raise blame(added)
        return proposal, remap


class _CaseError(Exception):
    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = tuple(diagnostics)


def run(paths: Iterable[Path], rulesets: Rulesets | None = None) -> RuleTestReport:
    """Run every test file at `paths` (files or folders)."""
    runner = Runner(rulesets)
    files: list[FileResult] = []
    errors: list[Diagnostic] = []
    infos: dict[str, tuple[RuleInfo, ...]] = {}
    for path in paths:
        unread: list[Diagnostic] = []
        try:
            found = discover(Path(path), unread)
        except CappolicyError as exc:
            errors.extend(exc.diagnostics)
            continue
        errors.extend(unread)
        if not found and not unread:
            errors.append(Diagnostic("CP421", f"{path} holds no rule test files (*{SUFFIX})", None))
        for test_file in found:
            try:
                prepared = runner.prepare(read_fixture(test_file))
            except CappolicyError as exc:
                errors.extend(exc.diagnostics)
                continue
            eff = prepared.ruleset
            if eff.id not in infos:
                infos[eff.id] = rule_infos(eff, prepared.rules)
            results = tuple(
                CaseResult(prepared.fixture.path, case, errors=prepared.case_errors[index])
                if index in prepared.case_errors else runner.run_case(prepared, case)
                for index, case in enumerate(prepared.fixture.cases))
            files.append(FileResult(prepared.fixture.path, eff.id, results))
    return RuleTestReport(tuple(files), tuple(errors), infos)


def rule_infos(eff: EffectiveRuleset,
               compiled: Mapping[str, CompiledRule] | None = None) -> tuple[RuleInfo, ...]:
    """The rules of an effective ruleset as coverage counts them."""
    compiled = compiled if compiled is not None else {r.id: r for r in eff.compiled()}
    out = []
    for spec in eff.rules:
        rule = compiled.get(spec.rule.id)
        params = tuple((p.name, p.origin.layer) for p in rule.params) if rule else ()
        out.append(RuleInfo(spec.rule.id, spec.rule.title, spec.rule.principle or "",
                            spec.origin.layer, params))
    return tuple(out)


def _root_beside(test_file: Path, ref: str) -> Path | None:
    """The nearest folder above a test file that holds the ruleset `ref` names (an id such as
    `baseline` or `national/xq`, or a country code for its national ruleset), resolved."""
    ref = ref.strip().strip("/").removesuffix(".cpol")
    if re.fullmatch(r"[A-Za-z]{2}", ref):
        ids = [f"national/{ref.lower()}", ref]
    elif "/" in ref:
        ids = [ref]
    else:
        ids = [ref, f"national/{ref}", f"regional/{ref}"]
    if any(part in ("", ".", "..") for rid in ids for part in rid.split("/")):
        return None
    for folder in test_file.resolve().parents:
        for rid in ids:
            if (folder / f"{rid}.cpol").is_file():
                return folder
            if (folder / rid).is_dir() and any((folder / rid).glob("*.cpol")):
                return folder
    return None


def _judge(exp: Expectation, findings: list[Finding]) -> CheckResult:
    elements = tuple(dict.fromkeys(f.element for f in findings if f.element))
    if exp.target is None:
        chosen = findings
    else:
        chosen = [f for f in findings if exp.target in (f.element, f.path)]
    if not chosen:
        return CheckResult(exp, None, tuple(findings[:MAX_SHOWN]), elements)
    actual = min((f.outcome for f in chosen), key=WORST_FIRST.index)
    # on a mismatch, the findings that gave the outcome come first
    chosen = sorted(chosen, key=lambda f: f.outcome != actual)
    return CheckResult(exp, actual, tuple(chosen), elements)


def _explain_passes(rule: CompiledRule, findings: tuple[Finding, ...], proposal: Proposal,
                    as_of: dt.date, ruleset: EffectiveRuleset) -> tuple[Finding, ...]:
    """Give passing findings the evidence the evaluator keeps for failures, by
    evaluating the rule with `require` and `forbid` swapped: what passed now fails,
    explained with the same values."""
    if not any(f.outcome == "pass" and not f.evidence for f in findings):
        return findings
    flipped = replace_rule(rule, check_kind="forbid" if rule.check_kind == "require" else "require")
    again = evaluate([flipped], proposal, as_of, ruleset=ruleset.id, effective=ruleset)
    explained = {_key(f): f.evidence for f in again if f.rule == rule.id and f.evidence}
    return tuple(
        replace(f, evidence=explained.get(_key(f), ()))
        if f.outcome == "pass" and not f.evidence else f for f in findings)


def _key(f: Finding) -> tuple[str, str] | None:
    """What a finding is about: the element of a `for` rule, or (None) the whole proposal."""
    return (f.path, f.element) if f.element is not None else None


def _invalid(d: Diagnostic, case: Case, prepared: Prepared, origin: Origin,
             path: tuple[Any, ...] | None) -> Diagnostic:
    """A loader diagnostic about the edited proposal, as a CP434 at the edit (or case) to blame."""
    fixture = prepared.fixture.path
    where = ""
    span = case.span
    if path:
        source = origin_at(origin, path)
        shown = format_path(tuple(p for p in path if p != "<key>"))
        if source.file == fixture:
            span = source
            where = f" at {shown}"
        else:
            where = f" at {shown} ({source.short()})"
    return Diagnostic(
        "CP434", f"case {case.name!r} (line {case.span.line}): the edited proposal is not valid"
        f"{where}: {d.message} [{d.code}]", span,
        d.help or "an edit must leave a proposal that loads; change the value, or edit the "
        "fields that refer to what was removed")


# --- coverage ------------------------------------------------------------------------------


@attrs.frozen
class RuleCoverage:
    rule: RuleInfo
    outcomes: frozenset[str]  # outcomes some case expects of it and gets
    cases: int  # cases that expect something of it
    #: for a parent's rule (Coverage.changed): the params the tested ruleset sets that it reads
    changes: tuple[str, ...] = ()

    @property
    def fails(self) -> bool:
        return "fail" in self.outcomes

    @property
    def passes(self) -> bool:
        return "pass" in self.outcomes

    @property
    def complete(self) -> bool:
        return self.fails and self.passes

    @property
    def gap(self) -> str | None:
        """What is missing, in words: None when some case makes it fail and some pass."""
        missing = [w for w, ok in (("fail", self.fails), ("pass", self.passes)) if not ok]
        if not missing:
            return None
        return "no case makes it " + " or ".join(missing)


@attrs.frozen
class PrincipleCoverage:
    principle: str
    rules: int
    failing: int  # rules of it that some case makes fail
    passing: int
    unknown: int  # rules of it shown unknown for missing data

    @property
    def complete(self) -> bool:
        return self.failing == self.rules and self.passing == self.rules


@attrs.frozen
class Coverage:
    """The rules a tested ruleset defines in its own files, and whether some case makes
    each fail and some case make it pass. `changed` lists its parents' rules that read a
    param it sets, with the outcomes its cases show for them: for information, since a
    change may leave a rule one outcome only (no destination allowed: never a pass)."""

    ruleset: str
    rules: tuple[RuleCoverage, ...]
    principles: tuple[PrincipleCoverage, ...]
    changed: tuple[RuleCoverage, ...] = ()

    @property
    def gaps(self) -> tuple[RuleCoverage, ...]:
        return tuple(r for r in self.rules if not r.complete)

    @property
    def complete(self) -> bool:
        return not self.gaps


def cover(report: RuleTestReport) -> tuple[Coverage, ...]:
    """For each ruleset tested: which of its own rules some case makes fail, and pass.
    Only expectations that hold count; a case with an error counts for nothing. A case
    counts for a rule wherever the rule runs as its ruleset runs it: a baseline rule
    failing in a test of a national ruleset that leaves its params alone counts for the
    baseline; where a national ruleset sets one of its params, that case shows the
    national change instead (`Coverage.changed`)."""
    seen: dict[Behaviour, set[str]] = {}
    asked: dict[Behaviour, int] = {}
    for file in report.files:
        by_id = {info.id: info for info in report.rulesets.get(file.ruleset, ())}
        for case in file.cases:
            if case.errors:
                continue
            named: set[Behaviour] = set()
            for check in case.checks:
                info = by_id.get(check.expectation.rule)
                if info is None:  # a built-in waiver check
                    continue
                named.add(info.behaviour)
                if check.ok:
                    seen.setdefault(info.behaviour, set()).add(check.expectation.outcome)
            for behaviour in named:
                asked[behaviour] = asked.get(behaviour, 0) + 1

    def covered(info: RuleInfo, changes: tuple[str, ...] = ()) -> RuleCoverage:
        return RuleCoverage(info, frozenset(seen.get(info.behaviour, ())),
                            asked.get(info.behaviour, 0), changes)

    out = []
    for rs, infos in report.rulesets.items():
        rules = tuple(covered(info) for info in infos if info.layer == rs)
        changed = tuple(covered(info, tuple(n for n, by in info.params if by == rs))
                        for info in infos if info.layer != rs
                        and any(by == rs for _, by in info.params))
        principles = []
        for principle in sorted({r.rule.principle for r in rules}):
            mine = [r for r in rules if r.rule.principle == principle]
            principles.append(PrincipleCoverage(
                principle, len(mine), sum(r.fails for r in mine), sum(r.passes for r in mine),
                sum("unknown" in r.outcomes for r in mine)))
        out.append(Coverage(rs, rules, tuple(principles), changed))
    return tuple(out)


def with_scope(report: RuleTestReport, scope: Iterable[EffectiveRuleset]) -> RuleTestReport:
    """The report with every ruleset of `scope` counted for coverage: one no test file
    tests has each of its rules uncovered (no case makes it fail or pass), so that a
    ruleset without tests lowers the coverage instead of being left out of it."""
    infos = dict(report.rulesets)
    for eff in scope:
        if eff.id not in infos:
            infos[eff.id] = rule_infos(eff)
    return attrs.evolve(report, rulesets=infos)


def covered_percent(coverages: Sequence[Coverage]) -> float:
    """The share of rules, over every ruleset tested, that some case makes fail and some
    case makes pass; 100 when there is no rule to cover."""
    rules = [r for cov in coverages for r in cov.rules]
    if not rules:
        return 100.0
    return 100.0 * sum(r.complete for r in rules) / len(rules)


# --- helpers -------------------------------------------------------------------------------


