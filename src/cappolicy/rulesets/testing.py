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
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..base.errors import CappolicyError, Diagnostic, ProposalError, did_you_mean
from ..base.span import Span
from ..engine.evaluate import CompiledRule, evaluate
from ..engine.findings import OUTCOMES, Finding
from ..engine.waivers import CHECKS as WAIVER_CHECKS
from ..proposal.load import Node, compose_yaml, load_proposal, load_proposal_text
from ..proposal.model import Proposal, format_path
from .catalog import Catalog, EffectiveRuleset, Rulesets
from .edits import (
    Edit,
    EditError,
    Origin,
    Remap,
    apply_edits,
    copy_data,
    copy_origin,
    emit_yaml,
    node_origin,
    origin_at,
    parse_path,
    path_at,
    proposal_origin,
)

FORMAT_VERSION = 1
SUFFIX = ".test.yaml"
WORST_FIRST = OUTCOMES  # fail > unknown > waived > pass > not-applicable

_FILE_KEYS = ("cappolicy-test", "ruleset", "base", "as_of", "cases")
_CASE_KEYS = ("name", "set", "remove", "expect")
_RULE_ID = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_WAIVER_IDS = frozenset(c.id for c in WAIVER_CHECKS)
MAX_SHOWN = 5  # findings kept when an expectation names an element the rule did not give


# --- the test file -------------------------------------------------------------------------


@attrs.frozen
class Expectation:
    rule: str
    target: str | None  # `RULE@target`: an element id (A2) or a finding's path
    outcome: str
    span: Span  # of the `RULE` key in the test file

    @property
    def label(self) -> str:
        return f"{self.rule}@{self.target}" if self.target else self.rule


@attrs.frozen(eq=False)
class Case:
    name: str
    span: Span
    edits: tuple[Edit, ...]  # every `set` in order, then every `remove`
    expect: tuple[Expectation, ...]


@attrs.frozen(eq=False)
class FixtureFile:
    path: str  # as shown in diagnostics
    ruleset: str
    ruleset_span: Span
    base: Path
    base_span: Span
    as_of: dt.date | None
    cases: tuple[Case, ...]


def discover(path: Path) -> list[Path]:
    """The test files at `path`: the file itself, or every `*.test.yaml` below a folder."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*" + SUFFIX) if p.is_file())
    if path.is_file():
        return [path]
    raise CappolicyError(Diagnostic("CP421", f"no file or folder {path}", None,
                                    "name a rule test file (*.test.yaml) or a folder holding them"))


def read_fixture(path: Path) -> FixtureFile:
    """Read and check a test file; raise CappolicyError listing every problem in it."""
    name = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise CappolicyError(Diagnostic("CP430", f"cannot read test file {name}: {reason}",
                                        Span(name, 1, 1))) from None
    return _Reader(name, path).read(text)


class _Bad(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Reader:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.errors: list[Diagnostic] = []

    def error(self, code: str, message: str, span: Span | None, help_: str | None = None) -> None:
        self.errors.append(Diagnostic(code, message, span or Span(self.name, 1, 1), help_))

    def read(self, text: str) -> FixtureFile:
        try:
            root = compose_yaml(text, self.name)
        except ProposalError as exc:
            raise CappolicyError([attrs.evolve(d, code="CP430", help=_flow_help(d.help, d.message))
                                  for d in exc.diagnostics]) from None
        if root is None or _deref(root).kind != "map":
            raise CappolicyError(Diagnostic(
                "CP430", f"{self.name} is not a rule test file: it must be a mapping",
                root.span if root is not None else Span(self.name, 1, 1),
                "start it with `cappolicy-test: 1`, `ruleset:`, `base:` and `cases:`"))
        fields = self.fields(_deref(root), _FILE_KEYS, "a rule test file")
        version = fields.get("cappolicy-test")
        if version is None:
            self.error("CP430", "missing `cappolicy-test: 1`: the format version of rule tests",
                       root.span)
        elif _deref(version[1]).value != FORMAT_VERSION or _deref(version[1]).tag != "int":
            self.error("CP430", f"unsupported rule test format {_deref(version[1]).text!r}",
                       version[1].span, f"this cappolicy reads `cappolicy-test: {FORMAT_VERSION}`")
        ruleset = self.text_field(fields, "ruleset", root.span, "the ruleset under test, e.g. baseline")
        base = self.text_field(fields, "base", root.span,
                               "a complete proposal the cases edit, relative to this file")
        base_path = Path()
        if base is not None:
            base_path = self.path.parent / base[0]
            if not base_path.is_file():
                self.error("CP430", f"base proposal {base[0]} not found (looked for "
                           f"{_display(base_path)})", base[1],
                           "give a path relative to this test file")
        as_of = None
        if "as_of" in fields:
            node = _deref(fields["as_of"][1])
            if node.kind == "scalar" and isinstance(node.value, dt.date):
                as_of = node.value
            else:
                self.error("CP430", "as_of must be a date such as 2027-01-15", node.span)
        cases = self.cases(fields.get("cases"), root.span)
        if self.errors:
            raise CappolicyError(sorted(self.errors, key=_line))
        assert ruleset is not None and base is not None
        return FixtureFile(self.name, ruleset[0], ruleset[1], base_path, base[1], as_of, cases)

    def fields(self, node: Node, known: Sequence[str], what: str) -> dict[str, tuple[Node, Node]]:
        """The mapping's entries by key, with an error for each unknown or repeated key."""
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            key = _deref(key)
            word = key.value if key.kind == "scalar" else None
            if not isinstance(word, str) or word not in known:
                best = did_you_mean(str(word), known)
                self.error("CP430", f"unknown field {key.text or '?'!r} in {what}", key.span,
                           f"did you mean '{best}'?" if best else f"the fields are {', '.join(known)}")
            elif word in out:
                self.error("CP430", f"field '{word}' is given twice", key.span)
            else:
                out[word] = (key, value)
        return out

    def text_field(self, fields: Mapping[str, tuple[Node, Node]], key: str, at: Span,
                   what: str) -> tuple[str, Span] | None:
        if key not in fields:
            self.error("CP430", f"missing field '{key}': {what}", at)
            return None
        node = _deref(fields[key][1])
        if node.kind != "scalar" or not isinstance(node.value, str) or not node.value.strip():
            self.error("CP430", f"'{key}' must be text: {what}", node.span)
            return None
        return node.value.strip(), node.span

    def cases(self, entry: tuple[Node, Node] | None, at: Span) -> tuple[Case, ...]:
        if entry is None:
            self.error("CP430", "missing field 'cases': the list of cases", at)
            return ()
        node = _deref(entry[1])
        if node.kind != "seq" or not node.value:
            self.error("CP430", "'cases' must be a list of at least one case", node.span,
                       "each case has a name, optional set/remove, and expect")
            return ()
        cases: list[Case] = []
        seen: dict[str, Span] = {}
        for item in node.value:
            case = self.case(_deref(item))
            if case is None:
                continue
            if case.name in seen:
                self.error("CP430", f"two cases are named {case.name!r}", case.span,
                           f"the first is at line {seen[case.name].line}; names identify cases "
                           "in reports, so make them unique")
                continue
            seen[case.name] = case.span
            cases.append(case)
        return tuple(cases)

    def case(self, node: Node) -> Case | None:
        if node.kind != "map":
            self.error("CP430", "a case must be a mapping with name and expect", node.span)
            return None
        before = len(self.errors)
        fields = self.fields(node, _CASE_KEYS, "a case")
        named = self.text_field(fields, "name", node.span, "what the case shows")
        name = named[0] if named else "?"
        edits = [*self.sets(fields.get("set")), *self.removes(fields.get("remove"))]
        expect = self.expect(fields.get("expect"), node.span, name)
        if len(self.errors) > before:
            return None
        return Case(name, node.span, tuple(edits), expect)

    def edit_path(self, node: Node) -> tuple[Any, ...] | None:
        text = node.value if node.kind == "scalar" else None
        steps = parse_path(text) if isinstance(text, str) else None
        if steps is None:
            self.error("CP433", f"{node.text or '?'!r} is not a path into the proposal",
                       node.span, "write paths as findings show them: funding.sources[1].by_year, "
                       "activities[0].data_flows[1].basis")
        return steps

    def sets(self, entry: tuple[Node, Node] | None) -> list[Edit]:
        if entry is None:
            return []
        node = _deref(entry[1])
        if node.kind != "map":
            self.error("CP430", "'set' must be a mapping of path: value", node.span)
            return []
        edits: list[Edit] = []
        seen: set[tuple[Any, ...]] = set()
        for key, value in node.value:
            key = _deref(key)
            steps = self.edit_path(key)
            if steps is None:
                continue
            if steps in seen:
                self.error("CP430", f"'set' names {key.value} twice", key.span)
                continue
            seen.add(steps)
            try:
                plain = _plain(value)
            except _Bad as exc:
                self.errors.append(exc.diagnostic)
                continue
            edits.append(Edit("set", steps, key.value, key.span, plain, node_origin(value, key.span)))
        return edits

    def removes(self, entry: tuple[Node, Node] | None) -> list[Edit]:
        if entry is None:
            return []
        node = _deref(entry[1])
        items = node.value if node.kind == "seq" else [node]
        edits: list[Edit] = []
        for item in items:
            item = _deref(item)
            steps = self.edit_path(item)
            if steps is not None:
                edits.append(Edit("remove", steps, item.value, item.span))
        return edits

    def expect(self, entry: tuple[Node, Node] | None, at: Span, case: str) -> tuple[Expectation, ...]:
        if entry is None:
            self.error("CP430", f"case {case!r} expects nothing", at,
                       "add `expect: {RULE-ID: fail}` (a case that checks nothing cannot fail)")
            return ()
        node = _deref(entry[1])
        if node.kind != "map" or not node.value:
            self.error("CP430", "'expect' must map rule ids to outcomes, e.g. {FIN-01: fail}",
                       node.span)
            return ()
        out: list[Expectation] = []
        seen: set[str] = set()
        for key, value in node.value:
            key, value = _deref(key), _deref(value)
            label = key.value if key.kind == "scalar" and isinstance(key.value, str) else None
            rule, _, target = (label or "").partition("@")
            if label is None or not _RULE_ID.fullmatch(rule) or (label.endswith("@")):
                self.error("CP430", f"{key.text or '?'!r} is not a rule id", key.span,
                           "write RULE-ID, or RULE-ID@ELEMENT for one element of a `for` rule "
                           "(OWN-02@A2)")
                continue
            if label in seen:
                self.error("CP430", f"case {case!r} expects {label} twice", key.span)
                continue
            seen.add(label)
            word = value.value if value.kind == "scalar" else None
            if not isinstance(word, str) or word not in OUTCOMES:
                best = did_you_mean(str(word), OUTCOMES) if isinstance(word, str) else None
                self.error("CP432", f"unknown outcome {value.text or '?'!r} for {label}",
                           value.span, f"did you mean '{best}'?" if best else
                           f"the outcomes are {', '.join(OUTCOMES)}")
                continue
            out.append(Expectation(rule, target or None, word, key.span))
        return tuple(out)


def _flow_help(help_: str | None, message: str) -> str | None:
    if "expected ','" in message or "flow" in message:
        extra = ("a path with [ ] inside { ... } or [ ... ] must be quoted; or write the "
                 "mapping or list one entry per line")
        return f"{help_}; {extra}" if help_ else extra
    return help_


def _deref(node: Node) -> Node:
    while node.kind == "alias":
        node = node.value
    return node


def _plain(node: Node) -> Any:
    """A composed value as plain Python data, as a proposal holds it."""
    node = _deref(node)
    if node.problem is not None:
        _, message, help_ = node.problem
        raise _Bad(Diagnostic("CP430", message, node.span, help_))
    if node.kind == "map":
        out: dict[Any, Any] = {}
        for key, value in node.value:
            key = _deref(key)
            if key.kind != "scalar" or key.value is None:
                raise _Bad(Diagnostic("CP430", "a key must be a plain value", key.span))
            out[key.value] = _plain(value)
        return out
    if node.kind == "seq":
        return [_plain(item) for item in node.value]
    return node.value


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
        if root is None or (catalog.roots and catalog.roots[-1].resolve() == root):
            return self.rulesets
        if root not in self._local:
            roots = [r for r in catalog.roots if r.resolve() != root]
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
        try:
            found = discover(Path(path))
        except CappolicyError as exc:
            errors.extend(exc.diagnostics)
            continue
        if not found:
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
    flipped = attrs.evolve(rule, check_kind="forbid" if rule.check_kind == "require" else "require")
    again = evaluate([flipped], proposal, as_of, ruleset=ruleset.id, effective=ruleset)
    explained = {_key(f): f.evidence for f in again if f.rule == rule.id and f.evidence}
    return tuple(
        attrs.evolve(f, evidence=explained.get(_key(f), ()))
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


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _line(d: Diagnostic) -> tuple[int, int]:
    return (d.span.line, d.span.column) if d.span else (0, 0)
