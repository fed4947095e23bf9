"""What a proposal's verdict owes to a layer's relaxations: the rules it passes only because
a layer relaxed a param, the failures a layer lowered, and the disabled rules it would fail.

The text report shows one line per layer that relaxed something the verdict depends on:

    national/xc: passes SUN-01 only because national/xc allows max_sunset_delay = 12 months
    instead of 6 months; SUN-03 disabled by national/xc

Each claim is checked, not guessed: a rule that passed is compiled again with the value the
relaxed param had before the layer changed it, and evaluated on the same proposal; a disabled
rule is evaluated as its parent ruleset has it. Only when that fails (or cannot be decided)
is the line written. Nothing is re-evaluated for a ruleset that relaxes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from ..base.deferred import N_, joined
from ..engine.compile import ParamValue
from ..engine.evaluate import CompiledRule, RuleSpec, compile_rules, verdicts
from ..engine.findings import SEVERITY_RANK, Finding
from ..proposal.model import Proposal
from .catalog import EffectiveRuleset, relaxes

#: the param of the words a text field holding only one of is read as absent (evaluate.py)
PLACEHOLDERS = "placeholders"
#: outcomes that the stricter value would have to turn into for the verdict to depend on it
_WORSE = ("fail", "unknown")
#: outcomes a relaxation may have bought
_SPARED = ("pass", "not-applicable", "waived")


def relied_on(eff: EffectiveRuleset, proposal: Proposal, findings: Sequence[Finding],
              as_of: dt.date,
              ancestor: Callable[[str], EffectiveRuleset | None] | None = None
              ) -> tuple[str, ...]:
    """One line per layer: what this proposal's outcome owes to that layer's relaxations.
    `ancestor` gives the effective ruleset of an id of the chain (to find a disabled rule)."""
    said: dict[str, list[str]] = {}

    def say(layer: str, text: str) -> None:
        if text not in said.setdefault(layer, []):
            said[layer].append(text)

    relaxed, specs = _relaxations(eff)
    spared_by: dict[str, set[str]] = {}  # param -> the rules it spared (that use it)
    # every rule reads the proposal's texts through the placeholder words: fewer of them
    # may spare any rule (`TODO` read as an answer)
    words = any(name == PLACEHOLDERS for name, *_ in relaxed)
    if relaxed:
        for f in findings:
            if f.outcome in _SPARED and f.rule in specs:
                for use in f.params:
                    spared_by.setdefault(use.name, set()).add(f.rule)
                if words:
                    spared_by.setdefault(PLACEHOLDERS, set()).add(f.rule)
    for name, value, previous, layer in relaxed:
        for rule in sorted(spared_by.get(name, ())):
            if _worse(specs[rule], eff, proposal, as_of, name, previous):
                say(layer, N_("passes {rule} only because {layer} {change}", rule=rule,
                              layer=layer, change=_change(name, previous, value)))
    for f in findings:
        origin = f.severity_origin
        if f.outcome == "fail" and origin is not None and origin.relaxation \
                and origin.previous in SEVERITY_RANK:
            say(origin.layer, N_("{rule} fails only as {severity}: {layer} lowered it from "
                                 "{previous}", rule=f.rule, severity=f.severity,
                                 layer=origin.layer, previous=origin.previous))
    for disabled in eff.disabled:
        if not disabled.origin.relaxation:
            continue
        spec = _parent_spec(eff, disabled.rule, ancestor)
        if spec is not None and _worse(spec, eff, proposal, as_of):
            say(disabled.origin.layer, N_("{rule} disabled by {layer}", rule=disabled.rule,
                                          layer=disabled.origin.layer))
    return tuple(N_("{layer}: {changes}", layer=layer, changes=joined("; ", texts))
                 for layer, texts in said.items())


#: a relaxed param: its name, its value, the value before, the layer that relaxed it
Relaxed = tuple[str, ParamValue, ParamValue, str]


def _relaxations(eff: EffectiveRuleset) -> tuple[list[Relaxed], dict[str, RuleSpec]]:
    """The params `eff` relaxed, in its order, and its rules by id: worked out once a run
    for each ruleset, not once a proposal."""
    found = _RELAXATIONS.get(id(eff))
    if found is None or found[0] is not eff:
        relaxed = [(name, value, previous, _relaxing_layer(eff, name, previous, value))
                   for name, value in eff.params.items()
                   if (previous := _before_relaxation(eff, name)) is not None]
        if len(_RELAXATIONS) >= _RELAXED_MAX:
            _RELAXATIONS.clear()
        # the ruleset is kept with its id, so that no other object takes it
        found = _RELAXATIONS[id(eff)] = (eff, relaxed, {spec.rule.id: spec for spec in eff.rules})
    return found[1], found[2]


_RELAXATIONS: dict[int, tuple[EffectiveRuleset, list[Relaxed], dict[str, RuleSpec]]] = {}


def _before_relaxation(eff: EffectiveRuleset, name: str) -> ParamValue | None:
    """The latest value of the chain that the param's effective value is less strict
    than (per the direction its declaration says is stricter), if any: the value before
    a relaxation that no later layer took back, whichever layer set the effective value
    (a layer that tightens a little what its parent relaxed a lot leaves a relaxation)."""
    value = eff.params[name]
    stricter = eff.param_decls[name].stricter
    looser_than = [old for old in eff.param_history.get(name, ())
                   if relaxes(stricter, old.value, value.value)]
    return looser_than[-1] if looser_than else None


def _relaxing_layer(eff: EffectiveRuleset, name: str, previous: ParamValue,
                    value: ParamValue) -> str:
    """The layer that made the param less strict than `previous`: the first after it
    whose value is looser than `previous`'s (the effective value's layer if none)."""
    stricter = eff.param_decls[name].stricter
    steps = [*eff.param_history.get(name, ()), value]
    after = steps[next(i for i, step in enumerate(steps) if step is previous) + 1:]
    return str(next((step.origin.layer for step in after
                     if relaxes(stricter, previous.value, step.value)), value.origin.layer))


def _change(name: str, before: ParamValue, after: ParamValue) -> str:
    """`allows max_sunset_delay = 12 months instead of 6 months`; for sets, what was added
    or taken away rather than both sets in full."""
    old, new = before.value, after.value
    if isinstance(old, (set, frozenset)) and isinstance(new, (set, frozenset)):
        added = ", ".join(sorted(str(v) for v in new - old))
        removed = ", ".join(sorted(str(v) for v in old - new))
        said = [N_("adds {values} to {param}", values=added, param=name)] if added else []
        said += [N_("removes {values} from {param}", values=removed, param=name)] \
            if removed else []
        if len(said) == 2:
            return N_("{change} and {other}", change=said[0], other=said[1])
        if said:
            return said[0]
    return N_("allows {param} = {value} instead of {before}", param=name, value=after.display,
              before=before.display)


def _parent_spec(eff: EffectiveRuleset, rule: str,
                 ancestor: Callable[[str], EffectiveRuleset | None] | None) -> RuleSpec | None:
    if ancestor is None:
        return None
    for layer in reversed(eff.chain[:-1]):
        parent = ancestor(layer)
        if parent is None:
            continue
        for spec in parent.rules:
            if spec.rule.id == rule:
                return spec
    return None


def _worse(spec: RuleSpec, eff: EffectiveRuleset, proposal: Proposal, as_of: dt.date,
           name: str | None = None, previous: ParamValue | None = None) -> bool:
    """Whether the rule fails (or is undecided) on the proposal under `eff`'s params, with
    param `name` at its `previous` value when given. Only the verdict is wanted, so the
    rule is decided without explaining it (verdicts), and it is compiled once a run for
    each such change, not once a proposal."""
    compiled = _relaxed_rule(spec, eff, name, previous)
    if compiled is None:
        return False
    return verdicts(compiled, proposal, as_of, ruleset=eff.id).get(spec.rule.id) in _WORSE


#: (rule, ruleset, param, value) -> the objects the key's ids are of, and the rule
#: compiled with that value (None: it does not compile under it); a run meets few
_RELAXED: dict[tuple[int, int, str | None, int], tuple[object, list[CompiledRule] | None]] = {}
_RELAXED_MAX = 256


def _relaxed_rule(spec: RuleSpec, eff: EffectiveRuleset, name: str | None,
                  previous: ParamValue | None) -> list[CompiledRule] | None:
    key = (id(spec), id(eff), name, id(previous))
    found = _RELAXED.get(key)
    if found is None:
        params = eff.params if name is None or previous is None \
            else {**eff.params, name: previous}
        try:
            compiled: list[CompiledRule] | None = compile_rules([spec], params)
        except Exception:  # noqa: BLE001 - a rule that does not compile under them decides nothing
            compiled = None
        if len(_RELAXED) >= _RELAXED_MAX:
            _RELAXED.clear()
        # the objects are kept with their ids, so that no other object takes one of them
        found = _RELAXED[key] = ((spec, eff, previous), compiled)
    return found[1]
