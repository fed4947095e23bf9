"""Compiled rules x proposal -> findings.

The evaluator knows nothing of files, formats or terminals: it takes a compiled
ruleset and a loaded proposal and returns findings. Rules run on the fast path
(the closures built by `compile`); only failing and undecided findings are then
explained.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..base.collector import paused
from ..base.deferred import N_
from ..base.errors import AnalysisError, Diagnostic
from ..base.record import replace
from ..base.span import Span
from ..lang import values as V
from ..lang.i18n import format_value, is_english, uncomputable
from ..lang.types import ANY, BOOL, Type, element_type
from ..proposal.model import Proposal, format_path
from . import budget
from .compile import ParamValue
from .lets import RuleCompiler, compile_let, table
from .evidence import Explainer
from .findings import (Evidence, Finding, ParamUse, Wording, all_missing, bounded,
                       first_location)
from .nodes import Graph, Node, Root, element_path
from .places import place, placed, span_path
from .rules import CompiledRule, RuleSpec
from .runtime import Context, Env
from .waivers import RulesetView, apply_waivers

if TYPE_CHECKING:
    from .runtime import Decide, Verdict


def functions_of(rule: CompiledRule) -> tuple[Decide, Verdict]:
    """The rule compiled to Python (codegen.py): decide(ctx, env, item) and verdict(ctx),
    made on first use and kept on the rule; its closures' when the generated source does
    not compile (Python limits the nesting of blocks)."""
    if rule._functions is None:
        from . import codegen

        try:
            decide, verdict, _ = codegen.generate(rule)
            rule._functions = decide, verdict
        except codegen.Unwritable:
            rule._functions = closure_functions(rule)
    return rule._functions


def closure_functions(rule: CompiledRule) -> tuple[Decide, Verdict]:
    """decide and verdict made of the rule's closures, through the evaluator itself:
    for a rule whose generated source does not compile, and the reference the
    generated code is tested against."""

    def decide(ctx: Context, env: Env | None, item: Any) -> str:
        return closure_outcome(rule, ctx, env, item)

    def verdict(ctx: Context) -> str:
        return closure_verdict(rule, ctx)
    return decide, verdict


def _generated(rule: CompiledRule) -> tuple[Decide, Verdict] | None:
    """The rule's generated functions once it has been decided before (each call is one
    use: a proposal's), else None. Writing and compiling the Python of a ruleset's rules
    takes tens of milliseconds, more than the closures take on one proposal: a check of a
    single file never pays it, a portfolio pays it once."""
    if rule._functions is not None:
        return rule._functions
    rule._evaluated += 1
    return functions_of(rule) if rule._evaluated > 1 else None


def decide_fast(rule: CompiledRule) -> Decide | None:
    """The generated decide once this rule has decided before, else None (_generated)."""
    made = _generated(rule)
    return made[0] if made is not None else None


def verdict_fast(rule: CompiledRule) -> Verdict:
    """The generated verdict once this rule has been decided before, else its closures'
    (_generated)."""
    made = _generated(rule)
    return made[1] if made is not None else lambda ctx: closure_verdict(rule, ctx)


def compile_rules(specs: Sequence[RuleSpec], params: Mapping[str, ParamValue]) -> list[CompiledRule]:
    """Compile every rule; raise AnalysisError with all the errors of all rules."""
    shared: dict[Any, Any] = {}  # lets that read no variable, compiled once (lets.py)
    defs = table(params, shared, specs[0].definitions) if specs and specs[0].definitions else None
    errors: list[Diagnostic] = [*defs.errors] if defs is not None else []  # read or not
    compiled: list[CompiledRule] = []
    words = params.get("placeholders")
    placeholders = frozenset(words.value) if words is not None and isinstance(
        words.value, (set, frozenset, list, tuple)) else None
    for spec in specs:
        rule = _compile_rule(spec, compiler := RuleCompiler(params, shared, defs), placeholders)
        errors.extend(compiler.errors)
        if rule is not None:
            compiled.append(rule)
    if errors:  # once each: a definition is a let of every rule that reads it
        raise AnalysisError(sorted(dict.fromkeys(errors), key=lambda d: (
            d.span.file, d.span.line, d.span.column) if d.span else ("", 0, 0)))
    return compiled


def _compile_rule(spec: RuleSpec, c: RuleCompiler, placeholders: frozenset[str] | None = None
                  ) -> CompiledRule | None:
    rule = spec.rule
    scope: dict[str, Type] = {}
    for_var = for_coll = for_where = None
    if rule.for_ is not None:
        c.in_for = True
        for_coll = c._collection(rule.for_.collection, scope)
        for_var = rule.for_.var
        scope[for_var] = element_type(for_coll.type)
        if rule.for_.where is not None:
            for_where = c.expr(rule.for_.where, scope)
            c._want_bool(for_where, rule.for_.where.span)
        c.in_for = False
    lets: list[tuple[str, Node]] = []
    for let in rule.lets:
        origin = c.params[let.name].origin if let.name in c.params else None
        if let.name not in scope and origin is not None \
                and origin.span.file != let.span.file:  # a param another layer declared:
            c.error("CP208", f"param '{let.name}' takes the name of a let of {rule.id} "  # said
                    f"({let.span.file}:{let.span.line})", origin.span,  # where it is declared
                    "choose another name for the param: a rule of a parent ruleset reads it")
        elif let.name in scope or let.name in c.params:
            c.error("CP208", f"'{let.name}' is already defined", let.span,
                    "choose another name for the let")
        node = compile_let(c, let.expr, scope)
        scope[let.name] = node.type
        if c.money_seen and c.holds_money(node):
            c.money_lets.add(let.name)
        lets.append((let.name, node))
    when = None
    if rule.when is not None:
        when = c.expr(rule.when, scope)
        c._want_bool(when, rule.when.span)
    if rule.check is None or rule.check_kind is None:
        c.error("CP209", f"rule {rule.id} has no 'require' or 'forbid' clause", rule.id_span,
                "add `require <condition>` (or `forbid <condition>`)")
        return None
    check = c.expr(rule.check, scope)
    c._want_bool(check, rule.check.span)
    if rule.principle is None:
        c.error("CP210", f"rule {rule.id} names no principle", rule.id_span,
                "add `principle <id>`, for example `principle local-ownership`")
    holes: dict[tuple[str, ...], Node] = {}
    message = c.template(spec.message, scope, holes)
    hint = c.template(spec.hint, scope, holes)
    translations = tuple((t.lang, t.field, c.template(t.template, scope, holes) or ())
                         for t in spec.translations)
    params = tuple(
        ParamUse(name, c.params[name].display, c.params[name].type.describe(), c.params[name].origin)
        for name in sorted(c.used_params))
    return CompiledRule(
        id=rule.id, title=rule.title, principle=rule.principle or "", source=rule.source,
        severity=spec.severity, check_kind=rule.check_kind, check=check, for_var=for_var,
        for_coll=for_coll, for_where=for_where, lets=c.with_definitions(lets), when=when, message=message,
        hint=hint, translations=translations, params=params, origin=spec.origin,
        severity_origin=spec.severity_origin, placeholders=placeholders)


# ---------------------------------------------------------------- evaluation


def evaluate(rules: Sequence[CompiledRule], proposal: Proposal, as_of: dt.date,
             ruleset: str | None = None, *, effective: RulesetView | None = None,
             lang: str | None = None) -> list[Finding]:
    """Every rule's findings, then the proposal's waivers applied to them (waivers.py).
    Given the `effective` ruleset, waivers are also checked against its disabled rules and
    its `public_sector` param. Given a `lang` other than English, each failing finding
    also carries its message and hint worded for that reader (Finding.local)."""
    ctx = Context(proposal.data, as_of, proposal, _placeholders(rules),
                  None if lang is None or is_english(lang) else lang)
    findings: list[Finding] = []
    # Evaluating allocates many small objects and no cyclic garbage to speak of. With the
    # cyclic collector on, each full collection walks every live object (the proposal, its
    # graph, the findings so far), and a large proposal triggers several: a cost that grows
    # faster than the proposal (bench/linear.py). It runs again once the proposal is done.
    with paused():
        try:
            armed = budget.arm()
            late: str | None = None  # the rule being decided when the time ran out
            try:
                try:
                    for rule in rules:
                        if budget.spent():
                            break
                        late = rule.id
                        findings.extend(_findings(rule, ctx, proposal, ruleset))
                    late = None
                finally:
                    if armed:
                        budget.disarm()
            except budget.Overtime:  # wherever it rang: the rules not decided are said so
                pass
            decided = {f.rule for f in findings}
            findings.extend(_overtime([r for r in rules if r.id not in decided], late,
                                      proposal, ruleset))
            found = apply_waivers(findings, rules, proposal, as_of, ruleset, effective=effective)
            return found if ctx.lang is None else _titled(found, rules, ctx.lang)
        finally:
            # what was kept for the proposal goes with it: a search `through:` a condition
            # keeps the condition, which holds the Env and so the Context: a cycle the
            # collector would have to find among the next proposals' objects (a check of
            # 1,000: 12% slower)
            ctx.memo.clear()


def _overtime(rules: Sequence[CompiledRule], late: str | None, proposal: Proposal,
              ruleset: str | None) -> list[Finding]:
    """The findings of the rules the time did not suffice for (budget.py): `late` was
    being decided, the others were not reached (or the time had run out before them, in
    what the proposal's check decided first). Unknown, naming nothing missing."""
    return [_finding(rule, proposal, ruleset, "unknown", proposal.span_of(()), "(proposal)",
                     message=N_("cannot decide: deciding this rule took longer than the "
                                "{seconds} s the rules of a proposal may take",
                                seconds=f"{budget.SECONDS:g}") if rule.id == late else
                     N_("not decided: the time the rules of a proposal may take ran out "
                        "while {rule} was decided", rule=late) if late is not None else
                     N_("not decided: the time the rules of a proposal may take had run out"))
            for rule in rules]


def undecided_for_time(finding: Finding) -> bool:
    """Whether `finding` is one of _overtime's: its rule not decided in the time allowed."""
    return finding.outcome == "unknown" and getattr(finding.message, "template", "").startswith(
        ("cannot decide: deciding this rule took longer", "not decided: the time the rules"))


def _placeholders(rules: Sequence[CompiledRule]) -> frozenset[str] | None:
    """The placeholder words of the rules' ruleset (None: the default ones)."""
    return rules[0].placeholders if rules else None


#: a rule's verdict over its findings: the worst outcome, in this order from best
VERDICT_ORDER = ("not-applicable", "pass", "waived", "unknown", "fail")
_VERDICT_RANK = {outcome: i for i, outcome in enumerate(VERDICT_ORDER)}


def verdicts(rules: Sequence[CompiledRule], proposal: Proposal, as_of: dt.date,
             ruleset: str | None = None, *, effective: RulesetView | None = None
             ) -> dict[str, str]:
    """Each rule's verdict, decided without explaining: the worst outcome of its findings
    (VERDICT_ORDER), exactly as `summary(evaluate(...))` gives it, at a fraction of the
    cost. Rules run as the Python functions codegen.py writes for them. A proposal with
    waivers is evaluated in full, since waivers change outcomes and add findings."""
    waivers = proposal.data.get("waivers")
    if isinstance(waivers, list) and waivers:
        return summary(evaluate(rules, proposal, as_of, ruleset, effective=effective))
    out: dict[str, str] = {}
    armed = budget.arm()
    try:
        try:
            if budget.spent():  # within a budget already spent: nothing is decided
                raise budget.Overtime()
            return _verdicts(rules, proposal, as_of, out)
        finally:
            if armed:
                budget.disarm()
    except budget.Overtime:  # what was not decided in time is unknown (budget.py)
        return {rule.id: out.get(rule.id, "unknown") for rule in rules}


def _verdicts(rules: Sequence[CompiledRule], proposal: Proposal, as_of: dt.date,
              out: dict[str, str]) -> dict[str, str]:
    """verdicts(); those decided one by one are put in `out` as they are."""
    ctx = Context(proposal.data, as_of, proposal, _placeholders(rules))
    decide_all = _batch(rules)
    try:
        if decide_all is not None:
            try:
                decided: dict[str, str] = decide_all(ctx)
                return decided
            except Exception:  # noqa: BLE001 - reading the proposal failed: rule by rule
                ctx.memo.clear()
                ctx = Context(proposal.data, as_of, proposal, _placeholders(rules))
        for rule in rules:
            try:
                out[rule.id] = verdict_fast(rule)(ctx)
            except Exception:  # noqa: BLE001 - what evaluate makes of it, a fault of ours too
                out[rule.id] = _fallback_verdict(rule, ctx)
        return out
    finally:
        ctx.memo.clear()  # what was kept for the proposal goes with it, as in evaluate


#: rules given to verdicts() -> 1 once seen, then their one generated function (or None
#: if it does not compile). Kept for the last few sets of rules only.
_BATCHES: dict[tuple[CompiledRule, ...], Any] = {}
_MAX_BATCHES = 16


def _batch(rules: Sequence[CompiledRule]) -> Any:
    """The one function deciding all of `rules` (codegen.batch), from the second
    proposal they are given on: a single proposal decides as quickly rule by rule as
    it takes to write the function."""
    key = rules if rules.__class__ is tuple else tuple(rules)
    found = _BATCHES.get(key)
    if found is None:
        if len(_BATCHES) >= _MAX_BATCHES:
            _BATCHES.clear()
        _BATCHES[key] = 1
        return None
    if found == 1:
        found = _write_batch(key)
    return found or None


def _write_batch(key: tuple[CompiledRule, ...]) -> Any:
    from .codegen import batch
    made = batch(key, _fallback_verdict, functions_of)
    found = _BATCHES[key] = made[0] if made is not None else False
    return found


def prepare(rules: Sequence[CompiledRule]) -> None:
    """Write and compile now the Python that decides `rules`, which verdicts() and
    evaluate() otherwise write when a second proposal needs it: for a caller about to
    decide many proposals who wants that cost paid before the first."""
    for rule in rules:
        functions_of(rule)
    key = tuple(rules)
    if not callable(_BATCHES.get(key)):
        if len(_BATCHES) >= _MAX_BATCHES:
            _BATCHES.clear()
        _write_batch(key)


def _fallback_verdict(rule: CompiledRule, ctx: Context) -> str:
    """The rule's verdict as evaluate() makes it: a fault of ours included."""
    assert ctx.proposal is not None, "verdicts are decided in the context of a proposal"
    return summary(_findings(rule, ctx, ctx.proposal, None)).get(rule.id, "not-applicable")


def summary(findings: Sequence[Finding]) -> dict[str, str]:
    """Each rule's worst outcome among `findings`, in the order rules first appear."""
    out: dict[str, str] = {}
    for f in findings:
        seen = out.get(f.rule)
        if seen is None or _VERDICT_RANK[f.outcome] > _VERDICT_RANK[seen]:
            out[f.rule] = f.outcome
    return out


def closure_outcome(rule: CompiledRule, ctx: Context, env: Env | None, item: Any) -> str:
    """One element's outcome as the explaining path decides it (codegen's reference)."""
    env = env if env is not None else Env(ctx)
    if rule.for_var is not None:
        env.vars[rule.for_var] = item
    return _settle(rule, env)[0]


def closure_verdict(rule: CompiledRule, ctx: Context) -> str:
    """The rule's verdict as the explaining path decides it (codegen's reference)."""
    assert ctx.proposal is not None, "verdicts are decided in the context of a proposal"
    return summary(list(_run(rule, ctx, ctx.proposal, None, fast=False))).get(
        rule.id, "not-applicable")


def _findings(rule: CompiledRule, ctx: Context, proposal: Proposal,
              ruleset: str | None) -> list[Finding]:
    """The rule's findings; a fault of ours while evaluating it becomes an unknown one,
    after the findings made before it."""
    findings: list[Finding] = []
    try:
        findings.extend(_run(rule, ctx, proposal, ruleset))
    except Exception as exc:  # noqa: BLE001 - a fault of ours must not hide the other rules' findings
        findings.append(_finding(
            rule, proposal, ruleset, "unknown", proposal.span_of(()), "(proposal)",
            message=f"internal error while evaluating this rule ({type(exc).__name__}: "
                    f"{exc}); the rule could not be decided, please report it"))
    return findings


def _run(rule: CompiledRule, ctx: Context, proposal: Proposal, ruleset: str | None,
         *, fast: bool = True) -> Iterator[Finding]:
    env = Env(ctx)
    decide = decide_fast(rule) if fast else None  # counted once a proposal, not an element
    if rule.for_coll is None:
        yield _decide(rule, env, proposal, ruleset, None, None, decide)
        return
    coll = rule.for_coll
    var = rule.for_var
    assert var is not None
    explainer = _explainer(rule, proposal, env.ctx)
    try:
        raw = coll.fn(env)
        items = V.elements(raw)
    except V.EvalProblem as exc:
        yield _finding(rule, proposal, ruleset, "unknown", proposal.span_of(()), "(proposal)",
                       message=f"cannot decide: {exc}")
        return
    if items is V.UNKNOWN:
        missing = explainer.missing(coll, env) or [coll.text]
        path = coll.loc(env) if coll.loc else None
        yield _finding(rule, proposal, ruleset, "unknown",
                       proposal.span_of(path or ()), missing[0],
                       message=f"cannot decide: {', '.join(missing)} is missing",
                       missing=tuple(missing))
        return
    base = coll.loc(env) if coll.loc else None
    keys = list(raw.keys()) if isinstance(raw, Mapping) else None
    applicable = undecided = 0
    where = rule.for_where
    ask = explainer.condition(where) if where is not None else None
    for i, item in enumerate(items):
        env.vars[var] = item
        step = keys[i] if keys is not None else i
        path = element_path(coll, env, base, step, item)
        env.paths[var] = path
        if ask is not None:
            assert where is not None
            problem = None
            try:
                w = ask(env)
            except V.EvalProblem as exc:
                w = V.UNKNOWN
                problem = str(exc)
            if w is False:
                continue
            if w is V.UNKNOWN:
                undecided += 1
                missing = explainer.missing(where, env) or ([] if problem else [where.text])
                yield _finding(rule, proposal, ruleset, "unknown",
                               proposal.span_of(path or ()), format_path(path or ()),
                               element=_element_name(item),
                               message="cannot tell whether the rule applies: "
                                       f"{_reason(missing, problem)}",
                               missing=() if problem else tuple(missing))  # see _reason
                continue
        applicable += 1
        yield _decide(rule, env, proposal, ruleset, path, item, decide)
    if applicable == 0 and undecided == 0:  # an undecided element may yet apply
        what = coll.text + (f" where {rule.for_where.text}" if rule.for_where else "")
        yield _finding(rule, proposal, ruleset, "not-applicable", proposal.span_of(base or ()),
                       format_path(base) if base else coll.text,
                       message=N_("no element of {collection}", collection=what))


def _decide(rule: CompiledRule, env: Env, proposal: Proposal, ruleset: str | None,
            path: tuple[Any, ...] | None, item: Any, decide: Decide | None) -> Finding:
    """The finding of one element (or of the proposal, without `for`). The rule's
    generated function decides first; a pass needs no explanation, so only the other
    outcomes are worked out again here, through the closures that can explain them."""
    element = _element_name(item) if item is not None else None
    at = proposal.span_of(path) if path is not None else None
    where = format_path(path) if path is not None else None
    outcome = env.stopped = None  # where decide stops walking the check (Env.stopped)
    if decide is not None:
        try:
            outcome = decide(env.ctx, env, item)  # leaves the lets in env.vars
        except Exception:  # noqa: BLE001 - decided again below, where the closures meet the fault
            outcome = None
        if outcome == "pass":  # the lets' places are read only to locate it (_first_read)
            return _passed(rule, env, proposal, ruleset, at, where, element, lets_placed=False)
    if outcome == "fail" or outcome == "not-applicable":
        # what the closures would settle (tests/test_engine.py holds the two to one
        # meaning): a failure is the check's, with no problem met (a problem makes it
        # unknown); not-applicable is the `when`'s. Only an unknown needs to be settled
        # again, to learn which clause and which problem left it undecided.
        for name, node in rule.lets:
            env.paths[name] = node.loc(env) if node.loc else None
        clause = "check" if outcome == "fail" else "when"
        problem = None
    else:
        outcome, clause, problem = _settle(rule, env)
    explainer = _explainer(rule, proposal, env.ctx)
    if clause == "when":
        if problem is not None:
            return _finding(rule, proposal, ruleset, "unknown", at or proposal.span_of(()),
                            where or "(proposal)", element=element,
                            message=f"cannot tell whether the rule applies: {problem}")
        assert rule.when is not None
        if outcome == "not-applicable":
            return _finding(rule, proposal, ruleset, "not-applicable", at or proposal.span_of(()),
                            where or "(proposal)", element=element,
                            message=f"does not apply: {rule.when.text} is false")
        ev = explainer.explain(rule.when, env)
        ev = bounded(ev) if explainer.reused else ev
        missing = tuple(all_missing(ev))
        loc = at or _missing_span(proposal, missing) or proposal.span_of(())
        return _finding(rule, proposal, ruleset, "unknown", loc, where or _path_text(missing),
                        element=element, evidence=(ev,), missing=missing,
                        message=f"cannot tell whether the rule applies: "
                                f"{', '.join(missing) or rule.when.text} is missing")
    if outcome == "pass":
        return _passed(rule, env, proposal, ruleset, at, where, element)
    # a failure tells what the check came to: True for `forbid`, False for `require`
    ev = explainer.explain(rule.check, env, rule.check_kind == "forbid") \
        if outcome == "fail" else explainer.explain(rule.check, env)
    ev = bounded(ev) if explainer.reused else ev
    said = f"cannot be computed: {problem}"
    if problem and ev.note != said:  # said once, where the problem arose
        ev = replace(ev, note="; ".join(n for n in (ev.note, said) if n))
    missing = tuple(all_missing(ev)) if outcome == "unknown" else ()
    # a failure is located at the value at fault; so is a value that cannot be computed
    # (an overflow...), where no missing data says where to look
    fault = first_location(ev) if outcome == "fail" or (
        outcome == "unknown" and problem and not missing) else None
    loc = (fault if fault is not None and path is None else at) or fault or \
        _missing_span(proposal, missing) or _first_path_span(rule.check, env, proposal) or \
        place(env.ctx, proposal, ())
    if outcome == "unknown":
        message = f"cannot decide: {_reason(missing, problem) or 'undecidable'}"
    else:
        message = _render(rule.message, env, explainer) if rule.message else rule.title
    finding = _finding(rule, proposal, ruleset, outcome, loc,
                       where or _path_text(missing) or span_path(env.ctx, proposal, loc),
                       element=element, evidence=(ev,), message=message,
                       missing=() if problem else missing,  # see _reason
                       hint=_render(rule.hint, env, explainer) if rule.hint else None)
    if env.ctx.lang is not None:  # a failure's message and hint; an unknown's hint
        finding = replace(finding, local=_wording(rule, env, explainer, env.ctx.lang,
                                                  message=outcome == "fail"))
    edges = _graph_edges(item, ev) if item is not None or _reads_graph(rule) else ()
    return replace(finding, edges=edges) if edges else finding


#: the key of whether a rule's check reads the graph, among what explaining learnt of it
_GRAPH = object()


def _reads_graph(rule: CompiledRule) -> bool:
    """Whether the rule's check or its lets have a graph query, the only parts whose
    evidence shows graph paths (_graph_edges): learnt once a rule."""
    static = rule._explaining
    found = static.get(_GRAPH)
    if found is None:
        stack: list[Node] = [rule.check, *(node for _, node in rule.lets)]
        found = False
        while stack and not found:
            node = stack.pop()
            found = isinstance(node, Graph)
            stack.extend(node.kids)
        static[_GRAPH] = found
    return bool(found)


def _explainer(rule: CompiledRule, proposal: Proposal, ctx: Context) -> Explainer:
    """The explainer of a finding of `rule` on `proposal`, with what explaining the
    rule's other findings learnt of its nodes."""
    static = rule._explaining
    lets = static.get(_LETS)
    if lets is None:
        lets = static[_LETS] = dict(rule.lets)
    return Explainer(proposal, lets, static, placed(ctx))


#: the key of a rule's lets by name among what explaining learnt of it
_LETS = object()


def _passed(rule: CompiledRule, env: Env, proposal: Proposal, ruleset: str | None,
            at: Span | None, where: str | None, element: str | None, *,
            lets_placed: bool = True) -> Finding:
    """A passing finding: at its element, else where the check first reads the proposal.
    `lets_placed`: the lets' places are in env.paths (else they are put there if needed)."""
    loc = at or _first_read(rule, env, proposal, lets_placed) or proposal.span_of(())
    return _finding(rule, proposal, ruleset, "pass", loc, where or format_path(()),
                    element=element, message=rule.title)


#: the key of the rule's first read of the proposal, among what explaining learnt of it
_FIRST = object()


def _first_read(rule: CompiledRule, env: Env, proposal: Proposal, lets_placed: bool
                ) -> Span | None:
    """_first_path_span of the rule's check; when the first part of it with a place is
    a top-level field of the proposal, whose place is always the same, found once a rule.
    Unless `lets_placed`, the lets' places are put in env.paths first, if they may be read."""
    static = rule._explaining
    root = static.get(_FIRST)
    if root is None:
        root = static[_FIRST] = _first_located(rule.check) or False
    if not isinstance(root, Root) or root.loc is None:
        if not lets_placed:
            for name, node in rule.lets:
                env.paths[name] = node.loc(env) if node.loc else None
        return _first_path_span(rule.check, env, proposal)
    return proposal.span_of(root.loc(env) or ())


def _first_located(node: Node) -> Node | bool | None:
    """The first part of `node` with a place, in _first_path_span's order, if it is a
    top-level field (False: another part; None: no part has a place)."""
    if node.loc is not None:
        return node if node.__class__ is Root else False
    for kid in node.outer():
        found = _first_located(kid)
        if found is not None:
            return found
    return None


def _reason(missing: Sequence[str], problem: str | None) -> str:
    """Why a finding is undecided. A value that cannot be computed (an overflow) leaves it
    undecided whatever data is added, so such a finding names no missing data (its
    evidence still shows what is missing): --allow-unknown, which excuses what is
    undecided for want of data, never excuses it."""
    said = f"{', '.join(missing)} is missing" if missing else ""
    return f"{problem}; {said}" if problem and said else problem or said


def _settle(rule: CompiledRule, env: Env) -> tuple[str, str, str | None]:
    """Decide through the closures: the lets into env (values and places), then `when`,
    then the check. Returns the outcome, the clause that settled it ("when" or "check")
    and the problem met on the way (an EvalProblem's text), if any."""
    let_problems: list[str] = []
    for name, node in rule.lets:
        try:
            env.vars[name] = node.fn(env)
        except V.EvalProblem as exc:
            env.vars[name] = V.UNKNOWN
            let_problems.append(f"{name}: {exc}")
        env.paths[name] = node.loc(env) if node.loc else None
    if rule.when is not None:
        try:
            w = V.truth(rule.when.fn(env))
        except V.EvalProblem as problem:
            return "unknown", "when", str(problem)
        if w is False:
            return "not-applicable", "when", None
        if w is V.UNKNOWN:
            return "unknown", "when", None
    try:
        result = V.truth(rule.check.fn(env))
    except V.EvalProblem as exc:
        return "unknown", "check", str(exc)
    if result is V.UNKNOWN:
        return "unknown", "check", "; ".join(let_problems) or None
    passed = result is (rule.check_kind == "require")
    return "pass" if passed else "fail", "check", None


def _graph_edges(item: Any, ev: Evidence) -> tuple[int, ...]:
    """The governance-graph edges a finding is about: the edge it is located at
    (a `for` over graph edges) and those of the paths its evidence shows."""
    out: list[int] = []
    if hasattr(item, "shown") and isinstance(getattr(item, "id", None), int):
        out.append(item.id)
    stack = [ev]
    while stack:
        part = stack.pop()
        if part.graph is not None:
            out.extend(part.graph.edges)
        stack.extend(reversed(part.children))
    return tuple(dict.fromkeys(out))


def _finding(rule: CompiledRule, proposal: Proposal, ruleset: str | None, outcome: str, span: Span,
             path: str, *, message: str, element: str | None = None,
             evidence: tuple[Evidence, ...] = (), missing: tuple[str, ...] = (),
             hint: str | None = None) -> Finding:
    return Finding(  # by position: a finding of each rule for each proposal
        rule.id, rule.title, rule.principle, rule.source, rule.severity, outcome,
        proposal.file, span, path, message, hint, element, evidence, rule.params, missing,
        rule.origin, rule.severity_origin, None, ruleset)


def _render(parts: tuple[str | Node, ...], env: Env, explainer: Explainer,
            lang: str | None = None) -> str:
    """A message with its holes filled: values as the machine formats show them, or,
    given `lang`, as a reader of that language reads them (i18n.format_value). A value
    that cannot be computed (0 / 0, in the hole or in a let it names) is said to be so,
    as evidence says it, not shown as missing."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        try:
            value = part.fn(env)
        except V.EvalProblem:
            value = V.UNKNOWN
        if value is V.UNKNOWN and explainer.problem(part, env):
            out.append(uncomputable(lang))
            continue
        out.append(V.text(value) if lang is None else format_value(value, lang))
    return "".join(out)


def _titled(findings: list[Finding], rules: Sequence[CompiledRule], lang: str) -> list[Finding]:
    """Each finding of a rule with its title for a reader of `lang` (Finding.local),
    the title marked untranslated when the rule has none in that language."""
    titles: dict[str, str | None] = {}
    for rule in rules:
        parts = _texts(rule, lang).get("title")
        titles[rule.id] = "".join(p for p in parts if isinstance(p, str)) if parts else None
    out = []
    for f in findings:
        if f.rule not in titles:  # a waiver's check, not a rule's
            out.append(f)
            continue
        title = titles[f.rule]
        local = f.local or Wording(lang, None)
        missing = local.untranslated + (("title",) if title is None else ())
        out.append(replace(f, local=replace(local, title=title, untranslated=missing)))
    return out


def _texts(rule: CompiledRule, lang: str) -> dict[str, tuple[str | Node, ...]]:
    """The rule's texts in `lang` (else in its language without region: `pt` for `pt-br`)."""
    texts: dict[str, tuple[str | Node, ...]] = {}
    base = lang.split("-")[0]
    for want in (base, lang):  # the exact language wins over its base
        texts.update({field: parts for tag, field, parts in rule.translations if tag == want})
    return texts


def _wording(rule: CompiledRule, env: Env, explainer: Explainer, lang: str, *,
             message: bool = True) -> Wording:
    """The message (unless not `message`: evaluation wrote the finding's) and hint for a
    reader of `lang`: the rule's translations (of `lang`, else of its language without
    region: `pt` for `pt-br`), else the English; the values in the reader's locale either
    way."""
    texts = _texts(rule, lang)
    untranslated = []
    shown: dict[str, str | None] = {}
    for field, english in (("message", rule.message if message else None),
                           ("hint", rule.hint)):
        parts = texts.get(field) if english is not None else None
        if parts is None and english is not None:
            untranslated.append(field)
            parts = english
        shown[field] = _render(parts, env, explainer, lang) if parts is not None else None
    said = shown["message"] if not message or shown["message"] is not None else rule.title
    return Wording(lang, said, shown["hint"], tuple(untranslated))


def _element_name(item: Any) -> str:
    shown = getattr(item, "shown", None)  # a graph edge
    if callable(shown):
        return str(shown())
    if isinstance(item, Mapping):
        for key in ("id", "category", "data", "from", "kind"):
            if isinstance(item.get(key), str):
                return str(item[key])
    return V.display(item)


def _missing_span(proposal: Proposal, missing: tuple[str, ...]) -> Span | None:
    if not missing:
        return None
    return proposal.span_of(_parse_path(missing[0]))


def _parse_path(text: str) -> tuple[Any, ...]:
    out: list[Any] = []
    for part in text.replace("]", "").split("."):
        name, *indices = part.split("[")
        if name:
            out.append(name)
        out.extend(int(i) for i in indices if i.lstrip("-").isdigit())
    return tuple(out)


def _path_text(missing: tuple[str, ...]) -> str:
    return missing[0] if missing else ""


def _first_path_span(node: Node, env: Env, proposal: Proposal) -> Span | None:
    """Where a rule reads the proposal first: the place a passing finding points at."""
    if node.loc is not None:
        try:
            path = node.loc(env)
        except V.EvalProblem:
            path = None
        if path is not None:
            return place(env.ctx, proposal, path)
    for kid in node.outer():
        found = _first_path_span(kid, env, proposal)
        if found is not None:
            return found
    return None


__all__ = [
    "ANY",
    "BOOL",
    "CompiledRule",
    "RuleSpec",
    "compile_rules",
    "evaluate",
    "summary",
    "verdicts",
]
