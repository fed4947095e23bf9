"""One rule explained for the people who apply it (`cappolicy explain RULE`): what it
asks and why (title, principle, the source paragraph quoted from the cited source documents),
how hard (severity, and the layer that set it), with which thresholds (every param it
reads, with the layers that set it and their `because`), the condition as written, and
examples that fail and pass it, taken from the rule tests.

    effective ruleset + rule id --find--> RuleSpec (or the layer that disables it)
      --describe: compile, quote the source, run the rule's test cases--> RuleDoc
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from ..base.errors import CappolicyError, Diagnostic, did_you_mean
from ..engine.evaluate import RuleSpec
from ..engine.findings import Provenance
from ..engine.waivers import CHECKS as WAIVER_CHECKS
from ..lang import ast
from ..lang.unparse import unparse
from .catalog import Catalog, Disabled, EffectiveRuleset, Rulesets, load_layer
from .definitions import reads
from .sources import Quote, parse_citation, quote
from .testfile import Case, FixtureFile, discover, read_fixture
from .testing import Runner

MAX_EXAMPLES = 60  # cases run for one rule


@attrs.frozen
class ParamDoc:
    name: str
    type: str
    value: str
    stricter: str | None  # higher | lower | larger | smaller
    about: str | None  # the declaration's description
    declared: Provenance  # where it was declared, with its first value in `declared_value`
    declared_value: str
    sets: tuple[tuple[str, Provenance], ...]  # each later value and the `set` that gave it
    relaxed: bool  # ends less strict than some layer had it


@attrs.frozen
class Example:
    """A rule test case naming the rule, and what the rule gives for it in the explained
    ruleset (`outcome`; None when the case names an element the rule gives no finding for).
    `expected` is what the test file expects in `tested`, the ruleset it names."""

    file: str
    line: int
    name: str
    tested: str
    expected: str
    target: str | None
    outcome: str | None
    case: Case
    base: str


@attrs.frozen
class RuleDoc:
    id: str
    title: str
    ruleset: str  # the effective ruleset it is shown in
    ruleset_title: str | None
    principle: str | None
    source: str | None
    quote: Quote | None  # None when the source is not `FILE, paragraph N`
    defined: Provenance
    severity: str
    declared_severity: str
    severity_origin: Provenance | None
    relaxed: bool
    params: tuple[ParamDoc, ...]
    condition: tuple[tuple[str, str], ...]  # (keyword, text): for, where, let, when, require
    message: str | None
    message_override: Provenance | None
    hint: str | None
    hint_override: Provenance | None
    examples: tuple[Example, ...]
    unread_tests: int  # test files found that could not be read
    note: str | None = None
    disabled: Disabled | None = None  # set when `disabled_in` disables it
    disabled_in: str | None = None

    @property
    def failing(self) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.outcome == "fail")

    @property
    def passing(self) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.outcome == "pass")

    @property
    def other(self) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if e.outcome not in ("fail", "pass"))


# --- finding the rule ------------------------------------------------------------------------


@attrs.frozen
class Found:
    ruleset: EffectiveRuleset
    spec: RuleSpec
    note: str | None = None
    disabled: Disabled | None = None
    disabled_in: str | None = None


def defining_rulesets(catalog: Catalog) -> dict[str, list[str]]:
    """Rule id -> the rulesets of the catalog whose own files define it (rulesets that do
    not parse are passed over)."""
    out: dict[str, list[str]] = {}
    for rid in catalog.ids():
        try:
            layer = load_layer(catalog.sources[rid])
        except CappolicyError:
            continue
        for item in layer.items():
            if isinstance(item, ast.Rule):
                out.setdefault(item.id, []).append(rid)
    return out


def find(rulesets: Rulesets, eff: EffectiveRuleset, rule_id: str, *, strict: bool) -> Found:
    """The rule `rule_id` as `eff` has it. When `eff` does not have it: with `strict`
    (the ruleset was named on the command line) a CP435 error saying which rulesets do;
    else the ruleset that defines it, with a note. A rule `eff` disables is shown as the
    ruleset it disables it from has it."""
    specs = {s.rule.id: s for s in eff.rules}
    disabled = {d.rule: d for d in eff.disabled}
    rid = _spelt(rule_id, [*specs, *disabled])
    if rid in specs:
        return Found(eff, specs[rid])
    if rid in disabled:
        return _disabled(rulesets, eff, disabled[rid])
    definers = defining_rulesets(rulesets.catalog)
    rid = _spelt(rule_id, definers)
    if rid in definers:
        where = definers[rid]
        if strict:
            raise CappolicyError(Diagnostic(
                "CP435", f"ruleset {eff.id} has no rule {rid}", None,
                f"{rid} is a rule of {' and '.join(where)}: "
                f"cappolicy explain {rid} --ruleset {where[0]}"))
        source = rulesets.catalog.find(where[0])
        assert source is not None
        other = rulesets.get(source)
        found = find(rulesets, other, rid, strict=True)
        return attrs.evolve(found, note=f"{rid} is not a rule of {eff.id}; shown as {other.id}, "
                            "which defines it, has it")
    if rule_id.upper() in {c.id for c in WAIVER_CHECKS}:
        raise CappolicyError(Diagnostic(
            "CP435", f"{rule_id.upper()} is a built-in check of waivers, not a rule of a ruleset",
            None, "see docs/language.md, \"Waivers\""))
    known = sorted({*specs, *disabled, *definers})
    best = did_you_mean(rule_id.upper(), known)
    raise CappolicyError(Diagnostic(
        "CP435", f"no rule {rule_id} in ruleset {eff.id}" + ("" if strict else " or any other"),
        None, f"did you mean '{best}'?" if best else
        f"`cappolicy rulesets show {eff.id}` lists its {len(specs)} rules"))


def _spelt(rule_id: str, known: Iterable[str]) -> str:
    """`rule_id` as the ruleset spells it (ids are matched regardless of case)."""
    known = list(known)
    if rule_id in known:
        return rule_id
    by_case = {k.upper(): k for k in known}
    return by_case.get(rule_id.upper(), rule_id)


def _disabled(rulesets: Rulesets, eff: EffectiveRuleset, d: Disabled) -> Found:
    """A disabled rule, shown as the ruleset above the layer that disables it has it."""
    layer = d.origin.layer
    index = eff.chain.index(layer) if layer in eff.chain else -1
    if index > 0:
        source = rulesets.catalog.find(eff.chain[index - 1])
        if source is not None:
            parent = rulesets.get(source)
            for spec in parent.rules:
                if spec.rule.id == d.rule:
                    return Found(parent, spec, disabled=d, disabled_in=eff.id)
    raise CappolicyError(Diagnostic(
        "CP435", f"{d.rule} is disabled in {eff.id} by {layer} at {d.origin.span.short()}"
        + (f' because "{d.origin.because}"' if d.origin.because else "")
        + "; the ruleset it was disabled from cannot be found", None))


# --- describing it ---------------------------------------------------------------------------


def describe(found: Found, *, runner: Runner, test_files: Sequence[Path] = (),
             sources: Path | None = None) -> RuleDoc:
    """The rule's documentation; its `source` quoted from `sources`, the folder of the
    cited source documents (None: not given, the citation alone is shown)."""
    eff, spec = found.ruleset, found.spec
    rule = spec.rule
    compiled = {r.id: r for r in eff.compiled()}[rule.id]
    citation = parse_citation(rule.source) if rule.source else None
    quoted = None
    if citation is not None:
        quoted = quote(citation, sources)
    examples, unread = _examples(spec, eff, runner, test_files)
    return RuleDoc(
        id=rule.id, title=rule.title, ruleset=eff.id, ruleset_title=eff.title,
        principle=rule.principle, source=rule.source, quote=quoted, defined=spec.origin,
        severity=spec.severity, declared_severity=rule.severity or "must",
        severity_origin=spec.severity_origin, relaxed=eff.rule_relaxed(spec),
        params=tuple(_param(eff, use.name) for use in compiled.params),
        condition=condition(rule, reads(spec, compiled)),
        message=spec.message.text if spec.message is not None else None,
        message_override=eff.text_overrides.get((rule.id, "message")),
        hint=spec.hint.text if spec.hint is not None else None,
        hint_override=eff.text_overrides.get((rule.id, "hint")),
        examples=examples, unread_tests=unread, note=found.note, disabled=found.disabled,
        disabled_in=found.disabled_in)


def condition(rule: ast.Rule, definitions: tuple[ast.Let, ...] = ()
              ) -> tuple[tuple[str, str], ...]:
    """The rule's condition clause by clause, as the language writes it; the `definitions`
    it reads (rulesets/definitions.py) first, as the lets they are to it."""
    out: list[tuple[str, str]] = []
    if rule.for_ is not None:
        out.append(("for", f"{rule.for_.var} in {unparse(rule.for_.collection)}"))
        if rule.for_.where is not None:
            out.append(("where", unparse(rule.for_.where)))
    out += [("let", f"{let.name} = {unparse(let.expr)}   (a definition, {let.span.short()})")
            for let in definitions]
    out += [("let", f"{let.name} = {unparse(let.expr)}") for let in rule.lets]
    if rule.when is not None:
        out.append(("when", unparse(rule.when)))
    if rule.check is not None and rule.check_kind is not None:
        out.append((rule.check_kind, unparse(rule.check)))
    return tuple(out)


def _param(eff: EffectiveRuleset, name: str) -> ParamDoc:
    value = eff.params[name]
    decl = eff.param_decls[name]
    steps = [*eff.param_history.get(name, ()), value]
    first = steps[0]
    return ParamDoc(
        name=name, type=str(decl.type), value=value.display, stricter=decl.stricter,
        about=decl.doc, declared=first.origin, declared_value=first.display,
        sets=tuple((s.display, s.origin) for s in steps[1:]), relaxed=eff.param_relaxed(name))


def test_files(roots: Iterable[Path]) -> list[Path]:
    """Every rule test file below the given folders, each once."""
    seen: dict[Path, Path] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for path in discover(root):
            seen.setdefault(path.resolve(), path)
    return list(seen.values())


def _examples(spec: RuleSpec, eff: EffectiveRuleset, runner: Runner,
              files: Sequence[Path]) -> tuple[tuple[Example, ...], int]:
    """The cases that name the rule in the test files of rulesets that have this very rule
    (defined in the same place), run against `eff`: the cases written for `eff` first, then
    for the rulesets it extends (nearest first), then for the rulesets extending those."""
    rule_id = spec.rule.id
    chosen: list[tuple[int, str, FixtureFile, Case]] = []
    unread = 0
    order = {rid: i for i, rid in enumerate(reversed(eff.chain))}
    for path in files:
        try:
            fixture = read_fixture(path)
        except CappolicyError:
            unread += 1
            continue
        cases = [case for case in fixture.cases if any(e.rule == rule_id for e in case.expect)]
        if not cases:
            continue
        try:
            tested = runner.ruleset_of(fixture)
        except CappolicyError:
            unread += 1
            continue
        if not any(s.rule.id == rule_id and s.origin == spec.origin for s in tested.rules):
            continue  # a rule of that id, but not this one (or not in force there)
        rank = order.get(tested.id, len(order))
        chosen += [(rank, tested.id, fixture, case) for case in cases]
    chosen.sort(key=lambda c: c[0])  # stable: file order, then case order, within a rank
    out = []
    for _, tested_id, fixture, case in chosen[:MAX_EXAMPLES]:
        try:
            result = runner.example(fixture, case, eff, rule_id)
        except CappolicyError:
            continue
        if result.errors or not result.checks:
            continue
        check = next((c for c in result.checks if c.expectation.target is None),
                     result.checks[0])
        out.append(Example(
            file=fixture.path, line=case.span.line, name=case.name, tested=tested_id,
            expected=check.expectation.outcome, target=check.expectation.target,
            outcome=check.actual, case=case, base=_shown(fixture.base)))
    return tuple(out), unread


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
