"""What changes between two effective rulesets, and what that does to proposals.

`changes` compares two effective rulesets: each param whose value differs (old -> new,
and whether that tightens or relaxes it, by the direction its declaration gives), each
rule added, removed, disabled, enabled again, re-severitied or rewritten, with the
`because` of the layer that made the change. `impact` checks proposals against both and
keeps every finding whose outcome (or severity) differs, with the new finding and its
evidence. A change makes a proposal worse when a finding fails where it did not, fails
at a higher severity, or becomes unknown where it passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from ..base.errors import CappolicyError, Diagnostic
from ..base.span import Span
from ..engine.evaluate import CompiledRule, RuleSpec, evaluate, undecided_for_time
from ..engine.findings import SEVERITY_RANK, Finding
from ..lang import values as V
from ..proposal.load import load_proposal
from .catalog import EffectiveRuleset, Rulesets, relaxes
from .definitions import reads

#: an outcome of a rule the ruleset does not have (added, removed or disabled)
ABSENT = "absent"
#: the side of an outcome change where the rule is in force but gives no finding for the
#: element: its `for` does not select it there (or selects elements where the other
#: side found the rule not applicable as a whole)
NO_FINDING = "no-finding"


@attrs.frozen
class ParamChange:
    name: str
    old: str | None  # the value as written; None: the param is new
    new: str | None  # None: the param is gone
    #: tightens | relaxes | added | removed; changes: the same value written otherwise
    direction: str
    because: str | None
    at: Span | None  # where the new value is set (or the old one, when removed)
    layer: str | None


@attrs.frozen
class RuleChange:
    rule: str
    title: str
    kind: str  # added | removed | disabled | enabled | severity | condition | message | hint
    old: str | None = None  # for severity: the old severity; for texts, the old text
    new: str | None = None
    because: str | None = None
    relaxes: bool = False
    at: Span | None = None
    layer: str | None = None


@attrs.frozen
class OutcomeChange:
    rule: str
    title: str
    element: str | None
    old: str  # an outcome, ABSENT or NO_FINDING
    new: str
    old_severity: str | None
    new_severity: str | None
    worse: bool  # or, when `undecided`, cannot be told not to be
    finding: Finding | None  # the new finding (None when the rule is gone)
    #: one side's rule was not decided in the time a proposal's rules may take: the two
    #: outcomes could not be compared (both "unknown" was "no change" before)
    undecided: bool = False


@attrs.frozen
class ProposalImpact:
    file: str
    id: str | None
    host: str | None
    changes: tuple[OutcomeChange, ...] = ()
    errors: tuple[Diagnostic, ...] = ()  # the proposal does not load

    @property
    def worse(self) -> bool:
        return any(c.worse for c in self.changes)


@attrs.frozen
class RulesetDiff:
    old: str  # the references as given
    new: str
    old_id: str
    new_id: str
    params: tuple[ParamChange, ...]
    rules: tuple[RuleChange, ...]
    impacts: tuple[ProposalImpact, ...] = ()
    skipped: tuple[str, ...] = ()  # proposals for other countries than the ruleset's
    as_of: dt.date | None = None
    compared: bool = False  # proposals were given

    @property
    def worse(self) -> tuple[ProposalImpact, ...]:
        return tuple(i for i in self.impacts if i.worse)

    @property
    def changed(self) -> tuple[ProposalImpact, ...]:
        return tuple(i for i in self.impacts if i.changes)


# ------------------------------------------------------------------ the rulesets


def param_changes(old: EffectiveRuleset, new: EffectiveRuleset) -> list[ParamChange]:
    found: list[ParamChange] = []
    for name, now in new.params.items():
        was = old.params.get(name)
        origin = now.origin
        because = origin.because if origin.previous_layer is not None else None
        if was is None:
            found.append(ParamChange(name, None, now.display, "added", because, origin.span,
                                     origin.layer))
            continue
        if V.equal(was.value, now.value) is True and was.display == now.display:
            continue
        stricter = new.param_decls[name].stricter
        if V.equal(was.value, now.value) is True:
            direction = "changes"  # the same value, written otherwise (`15%`, `0.15`)
        elif relaxes(stricter, was.value, now.value):  # a change without a direction too
            direction = "relaxes"
        elif relaxes(stricter, now.value, was.value):
            direction = "tightens"
        else:
            direction = "changes"
        found.append(ParamChange(name, was.display, now.display, direction, because,
                                 origin.span, origin.layer))
    for name, was in old.params.items():
        if name not in new.params:
            found.append(ParamChange(name, was.display, None, "removed", None, None, None))
    return found


def _same_rule(a: RuleSpec, b: RuleSpec, a_rule: CompiledRule | None,
               b_rule: CompiledRule | None) -> bool:
    """Whether two rules decide alike (what they read and require, the definitions they
    read among it; not their texts)."""
    def core(spec: RuleSpec, rule: CompiledRule | None) -> object:
        r = spec.rule
        return (r.for_, reads(spec, rule), r.lets, r.when, r.check_kind, r.check)
    return core(a, a_rule) == core(b, b_rule)


def _compiled(eff: EffectiveRuleset) -> dict[str, CompiledRule]:
    try:
        return {rule.id: rule for rule in eff.compiled()}
    except CappolicyError:  # a ruleset that does not compile is refused before a diff
        return {}


def _text(template: object) -> str | None:
    return getattr(template, "text", None)


def rule_changes(old: EffectiveRuleset, new: EffectiveRuleset) -> list[RuleChange]:
    before = {spec.rule.id: spec for spec in old.rules}
    after = {spec.rule.id: spec for spec in new.rules}
    compiled_before, compiled_after = _compiled(old), _compiled(new)
    disabled_now = {d.rule: d for d in new.disabled}
    disabled_before = {d.rule: d for d in old.disabled}
    found: list[RuleChange] = []
    for rid, spec in after.items():
        was = before.get(rid)
        title = spec.rule.title
        if was is None:
            kind = "enabled" if rid in disabled_before else "added"
            found.append(RuleChange(rid, title, kind, None, spec.severity, at=spec.origin.span,
                                    layer=spec.origin.layer))
            continue
        if was.severity != spec.severity:
            origin = spec.severity_origin or spec.origin
            found.append(RuleChange(
                rid, title, "severity", was.severity, spec.severity,
                origin.because if spec.severity_origin is not None else None,
                SEVERITY_RANK[spec.severity] < SEVERITY_RANK[was.severity], origin.span,
                origin.layer))
        if not _same_rule(was, spec, compiled_before.get(rid), compiled_after.get(rid)):
            found.append(RuleChange(rid, title, "condition", at=spec.rule.span,
                                    layer=spec.origin.layer))
        for field in ("message", "hint"):
            a, b = _text(getattr(was, field)), _text(getattr(spec, field))
            if a != b:
                text_origin = new.text_overrides.get((rid, field))
                where = text_origin or spec.origin
                found.append(RuleChange(
                    rid, title, field, a, b,
                    text_origin.because if text_origin is not None else None,
                    at=where.span, layer=where.layer))
    for rid, was in before.items():
        if rid in after:
            continue
        gone = disabled_now.get(rid)
        if gone is not None:
            found.append(RuleChange(rid, was.rule.title, "disabled", was.severity, None,
                                    gone.origin.because, True, gone.origin.span,
                                    gone.origin.layer))
        else:
            found.append(RuleChange(rid, was.rule.title, "removed", was.severity, None,
                                    relaxes=True))
    return found


# ------------------------------------------------------------------ the proposals


def badness(outcome: str, severity: str | None) -> int:
    """How bad an outcome is: a failure by its severity, then unknown, then the rest."""
    if outcome == "fail":
        return 10 + SEVERITY_RANK.get(severity or "must", 3)
    if outcome == "unknown":
        return 5
    return 0


def _keyed(findings: Iterable[Finding]) -> dict[tuple[str, str | None, int], Finding]:
    keyed: dict[tuple[str, str | None, int], Finding] = {}
    for f in findings:
        n = 0
        while (f.rule, f.element, n) in keyed:
            n += 1
        keyed[(f.rule, f.element, n)] = f
    return keyed


def outcome_changes(before: Sequence[Finding], after: Sequence[Finding]
                    ) -> list[OutcomeChange]:
    old, new = _keyed(before), _keyed(after)
    old_rules, new_rules = {k[0] for k in old}, {k[0] for k in new}
    found: list[OutcomeChange] = []
    for key in [*new, *(k for k in old if k not in new)]:
        was, now = old.get(key), new.get(key)
        a = (was.outcome, was.severity) if was is not None else \
            (NO_FINDING if key[0] in old_rules else ABSENT, None)
        b = (now.outcome, now.severity) if now is not None else \
            (NO_FINDING if key[0] in new_rules else ABSENT, None)
        late = any(f is not None and undecided_for_time(f) for f in (was, now))
        if not late and (a == b or (a[0] == b[0] and a[0] not in ("fail", "unknown"))):
            continue  # a passing rule's severity is no change to the proposal
        title = (now or was).title  # type: ignore[union-attr]
        found.append(OutcomeChange(key[0], title, key[1], a[0], b[0], a[1], b[1],
                                   late or badness(*b) > badness(*a), now, late))
    return found


def impact(old: EffectiveRuleset, new: EffectiveRuleset, proposals: Sequence[Path],
           as_of: dt.date, every: bool = False
           ) -> tuple[list[ProposalImpact], list[str]]:
    """Each proposal checked against both rulesets; and the proposals left out, those of
    other host countries than the new ruleset's jurisdiction (unless `every`)."""
    impacts: list[ProposalImpact] = []
    skipped: list[str] = []
    old_rules, new_rules = old.compiled(), new.compiled()
    for path in proposals:
        try:
            proposal = load_proposal(path)
        except CappolicyError as exc:
            impacts.append(ProposalImpact(str(path), None, None, (), tuple(exc.diagnostics)))
            continue
        host = (proposal.host_country or "").upper() or None
        if not every and new.jurisdiction and host not in new.jurisdiction:
            skipped.append(str(path))
            continue
        before = evaluate(old_rules, proposal, as_of, ruleset=old.id, effective=old)
        after = evaluate(new_rules, proposal, as_of, ruleset=new.id, effective=new)
        impacts.append(ProposalImpact(str(path), _id_of(proposal.data), host,
                                      tuple(outcome_changes(before, after))))
    return impacts, skipped


def _id_of(data: object) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if value is not None else None


def diff(old_ref: str, new_ref: str, old: EffectiveRuleset, new: EffectiveRuleset,
         proposals: Sequence[Path] | None = None, as_of: dt.date | None = None,
         every: bool = False) -> RulesetDiff:
    impacts: list[ProposalImpact] = []
    skipped: list[str] = []
    when = as_of or dt.date.today()
    if proposals:
        impacts, skipped = impact(old, new, proposals, when, every)
    return RulesetDiff(old_ref, new_ref, old.id, new.id, tuple(param_changes(old, new)),
                       tuple(rule_changes(old, new)), tuple(impacts), tuple(skipped),
                       when if proposals else None, bool(proposals))


def by_ruleset(files: Sequence[Path], before: Rulesets, after: Rulesets, country: str | None,
               revision: str
               ) -> tuple[list[tuple[EffectiveRuleset, EffectiveRuleset, list[Path]]],
                          list[Diagnostic], list[str]]:
    """The proposals grouped by the ruleset `check` uses for each (`country`, else the
    proposal's host country's, else the baseline) in `before` and in `after`; the
    diagnostics of proposals that do not load (or whose ruleset does not, in `after`);
    and notes on proposals whose ruleset does not load in `before` (not compared)."""
    groups: dict[tuple[str, str], tuple[EffectiveRuleset, EffectiveRuleset, list[Path]]] = {}
    problems: list[Diagnostic] = []
    notes: list[str] = []
    for file in files:
        try:
            proposal = load_proposal(file)
            host = country or (proposal.host_country or "").upper() or None
            new = after.for_country(host).ruleset
        except CappolicyError as exc:
            problems.extend(exc.diagnostics)
            continue
        try:
            old = before.for_country(host).ruleset
        except CappolicyError as exc:
            notes.append(f"the rulesets of {revision} do not load for {file} "
                         f"({exc.diagnostics[0].message}): not compared")
            continue
        groups.setdefault((old.id, new.id), (old, new, []))[2].append(file)
    return list(groups.values()), problems, notes
