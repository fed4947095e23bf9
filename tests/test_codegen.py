"""Rules compiled to Python (codegen.py) decide exactly as the closures that explain them.

`verdicts()` and the pass path of `evaluate()` run the generated functions; the closures
remain the reference. These tests hold the two to the same outcome, or to the same
exception, on the shipped rulesets and examples, on generated proposals, and on generated
expressions (well typed or not) over generated proposals.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import mutated
from strategies_lang import effective, expressions, exprs, small_proposals

from cappolicy.engine import asked, codegen
from cappolicy.engine.compile import Compiler, Context
from cappolicy.engine.evaluate import (
    _BATCHES,
    VERDICT_ORDER,
    CompiledRule,
    _batch,
    closure_functions,
    closure_outcome,
    closure_verdict,
    evaluate,
    functions_of,
    prepare,
    summary,
    verdicts,
)
from cappolicy.engine.nodes import Presence, Quantifier
from cappolicy.engine.runtime import Env, resumed, sift
from cappolicy.lang import values as V
from cappolicy.lang.types import BOOL
from cappolicy.engine.rules import replace as replace_rule
from cappolicy.lang.parse import parse_expr
from cappolicy.proposal.load import load_proposal
from cappolicy.proposal.model import Proposal
from cappolicy.rulesets.catalog import Catalog, EffectiveRuleset, Rulesets

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 23)
EXAMPLE = Path(__file__).parent / "data" / "xa-cirt.yaml"


def shipped() -> list[EffectiveRuleset]:
    rulesets = Rulesets(Catalog())
    return [rulesets.get(rulesets.catalog.sources[i]) for i in rulesets.catalog.ids()]


@pytest.fixture(scope="module")
def every_ruleset() -> list[EffectiveRuleset]:
    return shipped()


_SHIPPED = shipped()


def proposals_on_disk() -> list[Proposal]:
    files = sorted((ROOT / "examples").rglob("*.yaml")) + [EXAMPLE]
    return [load_proposal(f) for f in files if not _refused(f)]


def _refused(path: Path) -> bool:
    """Whether an example is written to be refused when loaded (examples/incoherent/)."""
    return "Expected errors: CP" in path.read_text(encoding="utf-8").split("\ncappolicy:")[0]


def outcome_or_fault(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the fault itself is what is compared
        return f"{type(exc).__name__}: {exc}"


def batched(rules: list[CompiledRule]) -> Any:
    """The one function verdicts() decides `rules` with once it has seen them before."""
    decide_all = _batch(rules) or _batch(rules)
    assert callable(decide_all)
    return decide_all


def assert_same_verdicts(rules: list[CompiledRule], p: Proposal) -> None:
    ctx_fast, ctx_slow = Context(p.data, AS_OF, p), Context(p.data, AS_OF, p)
    expected = {}
    for rule in rules:
        decide, verdict = functions_of(rule)
        fast = outcome_or_fault(lambda v=verdict: v(ctx_fast))
        slow = outcome_or_fault(lambda r=rule: closure_verdict(r, ctx_slow))
        assert fast == slow, f"{rule.id} on {p.file}"
        assert_sifted_from_where_deciding_stopped(rule, Context(p.data, AS_OF, p), decide,
                                                  f"{rule.id} on {p.file}")
        # a fault of ours leaves the rule undecided, and the other rules decided
        expected[rule.id] = slow if slow in VERDICT_ORDER else "unknown"
    # all the rules in one function: the same verdicts
    assert batched(rules)(Context(p.data, AS_OF, p)) == expected, p.file


def test_every_shipped_rule_compiles_to_python(every_ruleset: list[EffectiveRuleset]) -> None:
    # A rule whose source does not compile falls back to its closures, which is correct
    # but slow; none of the shipped rules may need that.
    assert len(every_ruleset) >= 5
    for eff in every_ruleset:
        for rule in eff.compiled():
            decide, verdict, source = codegen.generate(rule)
            assert source.startswith("def decide(")
            assert callable(decide) and callable(verdict)


def test_shipped_rulesets_decide_the_examples_as_the_closures_do(
        every_ruleset: list[EffectiveRuleset]) -> None:
    proposals = proposals_on_disk()
    assert len(proposals) >= 10
    seen: set[str] = set()
    for eff in every_ruleset:
        rules = eff.compiled()
        for p in proposals:
            assert_same_verdicts(rules, p)
            found = verdicts(rules, p, AS_OF, eff.id, effective=eff)
            assert found == summary(evaluate(rules, p, AS_OF, eff.id, effective=eff))
            seen.update(found.values())
    # the examples pass, fail and leave rules undecided or inapplicable: all paths are run
    assert {"pass", "fail", "unknown", "not-applicable", "waived"} <= seen


def test_a_verdict_is_the_worst_outcome_of_the_findings() -> None:
    assert VERDICT_ORDER == ("not-applicable", "pass", "waived", "unknown", "fail")
    eff = shipped()[0]
    p = load_proposal(EXAMPLE)
    findings = evaluate(eff.compiled(), p, AS_OF)
    worst = summary(findings)
    for f in findings:
        assert VERDICT_ORDER.index(worst[f.rule]) >= VERDICT_ORDER.index(f.outcome)
        assert any(g.rule == f.rule and g.outcome == worst[f.rule] for g in findings)


def test_evaluate_gives_the_same_findings_with_and_without_generated_code(
        every_ruleset: list[EffectiveRuleset], monkeypatch: pytest.MonkeyPatch) -> None:
    # The pass path of evaluate() trusts the generated decide; with the closures alone
    # (every rule's functions replaced by theirs), each finding must be the same.
    proposals = proposals_on_disk()
    fast = {eff.id: [evaluate(eff.compiled(), p, AS_OF, eff.id) for p in proposals]
            for eff in every_ruleset}
    for eff in every_ruleset:
        for rule in eff.compiled():
            monkeypatch.setattr(rule, "_functions", closure_functions(rule))
    for eff in every_ruleset:
        assert [evaluate(eff.compiled(), p, AS_OF, eff.id) for p in proposals] == fast[eff.id]


# ------------------------------------------------------------------ generated proposals


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=small_proposals())
def test_generated_proposals_are_decided_as_the_closures_do(data: dict[str, Any]) -> None:
    p = Proposal("p.yaml", data)
    for eff in _SHIPPED:
        assert_same_verdicts(eff.compiled(), p)


EXAMPLE_DATA = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
ODD_VALUES = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | \
    st.text(max_size=5) | st.sampled_from(["XA", "NO", "xa-cirt", "2027-01-01", "personal"]) | \
    st.dates() | st.lists(st.integers(0, 3), max_size=3) | st.builds(lambda: {"a": 1})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(EXAMPLE_DATA, ODD_VALUES))
def test_proposals_with_odd_values_are_decided_as_the_closures_do(data: Any) -> None:
    # Values of the wrong type reach the rules only through the Python API (the loader
    # refuses them), but the generated code's shortcuts for plain values must not
    # change what happens to them: the same outcome, or the same fault.
    p = Proposal("p.yaml", copy.deepcopy(data))
    for eff in _SHIPPED:
        assert_same_verdicts(eff.compiled(), p)


def test_an_unhashable_value_is_no_member_of_a_set_in_both_paths() -> None:
    # Found by the test above: a list where a kind belongs, asked `in public_sector`.
    # The generated code decided without asking (host_country False settles the
    # `and` first); the closures asked, and Python's `in` raised on the list.
    data = copy.deepcopy(EXAMPLE_DATA)
    data["organisations"][0]["kind"] = []
    data["host_country"] = False
    p = Proposal("p.yaml", data)
    for eff in _SHIPPED:
        assert_same_verdicts(eff.compiled(), p)


# ------------------------------------------------------------------ generated expressions

def rule_of(text: str, kind: str) -> CompiledRule | None:
    """A rule `require <text>` compiled whatever its type errors: a node the compiler
    refuses evaluates as unknown, in both paths."""
    try:
        expr = parse_expr(text)
    except Exception:  # noqa: BLE001 - text the generator got wrong is skipped
        return None
    node = Compiler({}).expr(expr, {})
    return CompiledRule(id="R-1", title="t", principle="p", source=None, severity="must",
                        check_kind=kind, check=node)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=expressions(), kind=st.sampled_from(["require", "forbid"]), data=small_proposals())
def test_generated_expressions_are_decided_as_the_closures_do(
        text: str, kind: str, data: dict[str, Any]) -> None:
    rule = rule_of(text, kind)
    if rule is None:
        return
    p = Proposal("p.yaml", data)
    decide, _, source = codegen.generate(rule)
    fast = outcome_or_fault(lambda: decide(Context(data, AS_OF, p), None, None))
    slow = outcome_or_fault(lambda: closure_outcome(rule, Context(data, AS_OF, p), None, None))
    assert fast == slow, f"{text}\n{source}"
    assert_conditions_as_the_closures(rule.check, Context(data, AS_OF, p), text)
    assert_sifted_from_where_deciding_stopped(rule, Context(data, AS_OF, p), decide, text)


def assert_sifted_from_where_deciding_stopped(rule: CompiledRule, ctx: Context, decide: Any,
                                              source: str) -> None:
    """Where the generated decide leaves that its walk of the check stopped
    (Env.stopped), the explaining path's sift from there on finds what the sift from
    the first element finds, through the closures and the Python written alike."""
    if not isinstance(rule.check, Quantifier):
        return
    if rule.for_coll is None or rule.for_var is None:
        elements: Any = [None]
    else:  # each element of a `for` rule, bound as _run binds it
        elements = outcome_or_fault(lambda: V.elements(rule.for_coll.fn(Env(ctx))))
        if not isinstance(elements, (list, tuple)):
            return
    for item in elements:
        env = Env(ctx)
        if rule.for_var is not None:
            env.vars[rule.for_var] = item
        outcome_or_fault(lambda: decide(ctx, env, item))
        if env.stopped is not None:
            assert_resumed(rule, env, source)


def assert_resumed(rule: CompiledRule, env: Env, source: str) -> None:
    assert env.stopped is not None
    node = env.stopped[0]
    assert node is rule.check and isinstance(node, Quantifier), source
    items = V.elements(node.coll.fn(env))
    start, before = resumed(env.stopped, items)
    assert items[start] is env.stopped[1], source
    true = node.is_any  # `any` stops at a true element, `all` at a false one

    def answer(e: Env, part: Any) -> Any:
        try:
            return V.truth(part.fn(e))
        except V.EvalProblem:
            return V.UNKNOWN
    where = node.where
    ask = (lambda e: answer(e, where)) if where is not None else None

    def slow(*more: int) -> Any:
        return outcome_or_fault(lambda: sift(env, node.var, items, ask,
                                             lambda e: answer(e, node.body),
                                             lambda r: (r is True) is true, *more))
    assert slow(start, before) == slow(), source
    try:
        quick = asked.sifter(node)[0]
    except codegen.Unwritable:
        return
    assert outcome_or_fault(lambda: quick(env, items, true, start, before)) == slow(), source


def assert_conditions_as_the_closures(node: Any, ctx: Context, source: str) -> None:
    """asked.condition of `node`, and of the body and `where` of each quantifier in it
    for every element its collection has (the variable bound, as explaining binds it),
    give what the closures give, a problem included."""
    def closure(part: Any, env: Env) -> Any:
        return outcome_or_fault(lambda: V.truth(part.fn(env)))

    def written(part: Any, env: Env) -> Any:
        try:
            truth = asked.condition(part)[0]
        except codegen.Unwritable:
            return closure(part, env)
        return outcome_or_fault(lambda: truth(env))

    env = Env(ctx)
    if node.type == BOOL:
        assert written(node, env) == closure(node, env), source
    stack = [node]
    while stack:
        part = stack.pop()
        stack.extend(part.kids)
        if not isinstance(part, Quantifier) or part.free:  # explained with its variables bound
            continue
        items = outcome_or_fault(lambda: V.elements(part.coll.fn(env)))
        if items is V.UNKNOWN or isinstance(items, str):  # none, or a fault said as text
            continue
        for item in list(items)[:4]:
            env.vars[part.var] = item
            for question in (part.where, part.body):
                if question is not None:
                    assert written(question, env) == closure(question, env), source
        env.vars.pop(part.var, None)
        assert_sifted_as_the_closures(part, env, items, source)


def assert_sifted_as_the_closures(node: Quantifier, env: Env, items: Any, source: str) -> None:
    """asked.sifter (the explaining path's quick walk, one loop of Python) covers and
    picks the same elements as runtime.sift through the closures, and leaves the
    variable as it found it."""
    try:
        quick = asked.sifter(node)[0]
    except codegen.Unwritable:
        return

    def ask(part: Any) -> Any:
        def answer(e: Env) -> Any:  # as evidence.asker asks: a problem is unknown
            try:
                return V.truth(part.fn(e))
            except V.EvalProblem:
                return V.UNKNOWN
        return answer
    where = ask(node.where) if node.where is not None else None
    for true in (True, False):
        before = dict(env.vars)
        slow = outcome_or_fault(lambda: sift(
            env, node.var, items, where, ask(node.body), lambda r: (r is True) is true))
        assert dict(env.vars) == before
        fast = outcome_or_fault(lambda: quick(env, items, true))
        assert dict(env.vars) == before
        assert fast == slow, source


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=exprs, data=small_proposals())
def test_any_expression_tree_is_decided_as_the_closures_do(expr: Any, data: dict[str, Any]) -> None:
    # Trees the grammar may not even write (strategies_lang.exprs), graph queries among them.
    node = Compiler({}).expr(expr, {})
    rule = CompiledRule(id="R-1", title="t", principle="p", source=None, severity="must",
                        check_kind="require", check=node)
    p = Proposal("p.yaml", data)
    decide, _ = functions_of(rule)
    fast = outcome_or_fault(lambda: decide(Context(data, AS_OF, p), None, None))
    slow = outcome_or_fault(lambda: closure_outcome(rule, Context(data, AS_OF, p), None, None))
    assert fast == slow
    assert_conditions_as_the_closures(node, Context(data, AS_OF, p), repr(expr))


def test_deeply_nested_rules_fall_back_to_their_closures(tmp_path: Path) -> None:
    # Python refuses more than 20 nested blocks; such a rule still decides, as the closures do.
    # (each quantifier reads the outermost one's variable: none is the same for every
    # element, to be run as its closure instead)
    text = "".join(f"any a{i} in activities: " for i in range(30)) + "a0.id == a29.id"
    rule = rule_of(text, "require")
    assert rule is not None
    with pytest.raises(SyntaxError):
        codegen.generate(rule)
    decide, verdict = functions_of(rule)
    data = {"activities": [{"id": "A1"}]}
    p = Proposal("p.yaml", data)
    assert verdict(Context(data, AS_OF, p)) == "pass"
    assert decide(Context({"activities": []}, AS_OF, p), None, None) == "fail"


def test_a_pass_decided_by_generated_code_is_located_through_its_lets(tmp_path: Path) -> None:
    # The generated decide leaves the lets in env.vars; the passing finding is located
    # where the check reads the proposal through them, and a failing one still explained.
    eff = effective(tmp_path, {"baseline.cpol": '''ruleset baseline "B"
rule R-1 "t" {
  principle p
  let langs = activities[1].languages
  require count(langs) >= 2
}
'''}, "baseline")
    rule = eff.compiled()[0]
    good = Proposal("p.yaml", {"activities": [{"id": "A1"}, {"id": "A2", "languages": ["en", "fr"]}]})
    [passed] = evaluate([rule], good, AS_OF)
    assert passed.outcome == "pass"
    assert passed.path == "(proposal)"
    bad = Proposal("p.yaml", {"activities": [{"id": "A1"}, {"id": "A2", "languages": ["en"]}]})
    [failed] = evaluate([rule], bad, AS_OF)
    assert failed.outcome == "fail"
    assert (failed.evidence[0].left, failed.evidence[0].right) == ("1", "2")
    assert verdicts([rule], bad, AS_OF) == {"R-1": "fail"}


def test_every_shipped_ruleset_is_decided_by_one_function(
        every_ruleset: list[EffectiveRuleset]) -> None:
    # No rule falls back to being called on its own, and the function compiles.
    for eff in every_ruleset:
        rules = eff.compiled()
        made = codegen.batch(rules, lambda rule, ctx: "unknown", functions_of)
        assert made is not None, eff.id
        _, source = made
        assert source.count("    while True:") == len(rules)
        assert "no inline code" not in source


THREE_RULES = '''ruleset baseline "B"
rule R-1 "t" {
  principle p
  require count(activities) > 1
}
rule R-2 "t" {
  principle p
  require count(activities) > 5
}
rule R-3 "t" {
  principle p
  for act in activities
  require act.mandate present
}
'''


def test_a_fault_in_one_rule_leaves_the_others_decided(tmp_path: Path) -> None:
    rules = effective(tmp_path, {"baseline.cpol": THREE_RULES}, "baseline").compiled()
    p = Proposal("p.yaml", {"activities": [{"id": "A1", "mandate": "m"}, {"id": "A2"}]})
    assert verdicts(rules, p, AS_OF) == {"R-1": "pass", "R-2": "fail", "R-3": "fail"}

    class Broken(list):  # type: ignore[type-arg]
        def __len__(self) -> int:
            raise RuntimeError("a fault of ours")

    broken = Proposal("p.yaml", {"activities": Broken([{"id": "A1", "mandate": "m"}])})
    ctx = Context(broken.data, AS_OF, broken)
    assert batched(rules)(ctx) == {"R-1": "unknown", "R-2": "unknown", "R-3": "pass"}
    assert verdicts(rules, broken, AS_OF) == summary(evaluate(rules, broken, AS_OF))


def test_a_rule_without_inline_code_runs_its_own_functions_among_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = effective(tmp_path, {"baseline.cpol": THREE_RULES}, "baseline").compiled()

    def unsupported(*args: Any) -> str:
        raise codegen._Unsupported("presence")
    monkeypatch.setitem(codegen._WRITE, Presence, unsupported)
    made = codegen.batch(rules, lambda rule, ctx: "unknown", functions_of)
    assert made is not None
    decide_all, source = made
    assert source.count("no inline code") == 1
    p = Proposal("p.yaml", {"activities": [{"id": "A1", "mandate": "m"}, {"id": "A2"}]})
    assert decide_all(Context(p.data, AS_OF, p)) == {"R-1": "pass", "R-2": "fail", "R-3": "fail"}


def test_rules_are_written_as_one_function_only_once_they_have_decided_before(
        tmp_path: Path) -> None:
    eff = effective(tmp_path, {"baseline.cpol": '''ruleset baseline "B"
rule R-1 "t" {
  principle p
  require count(activities) > 1
}
'''}, "baseline")
    rules = eff.compiled()
    p = Proposal("p.yaml", {"activities": [{"id": "A1"}, {"id": "A2"}]})
    assert verdicts(rules, p, AS_OF) == {"R-1": "pass"}
    assert _BATCHES[tuple(rules)] == 1  # seen once: decided rule by rule
    assert verdicts(rules, p, AS_OF) == {"R-1": "pass"}
    assert callable(_BATCHES[tuple(rules)])

    fresh = [replace_rule(rule) for rule in rules]  # the same rules, not yet written
    assert tuple(fresh) not in _BATCHES and fresh[0]._functions is None
    prepare(fresh)  # written before the first proposal
    assert callable(_BATCHES[tuple(fresh)]) and fresh[0]._functions is not None
    assert verdicts(fresh, p, AS_OF) == {"R-1": "pass"}


@pytest.mark.parametrize("check, counted, stopped", [
    ('require all a in activities: a.id == "A1" or a.mandate != "z"', "7 of 12", (3, 3)),
    ('require all a in activities where a.id != "A1": a.mandate != "z"', "7 of 11", (3, 2)),
    ('forbid any a in activities where a.id != "A1": a.mandate == "z"', "", (3, 2)),
    # an element before the first false one is unknown: it decides too, the sift is whole
    ('require all a in activities where a.id != "A0": a.mandate != "z"', "8 of 11", None)])
def test_a_failing_quantifier_is_explained_from_where_deciding_stopped(
        tmp_path: Path, check: str, counted: str, stopped: tuple[int, int] | None) -> None:
    # The generated decide walks the check up to the first element that decides it, and
    # leaves where (Env.stopped): explaining sifts the rest only, and counts what it
    # need not explain. The finding is the same as the closures' alone give.
    eff = effective(tmp_path, {"baseline.cpol": f'''ruleset baseline "B"
rule R-1 "t" {{
  principle p
  {check}
}}
'''}, "baseline")
    [rule] = eff.compiled()
    acts = [{"id": f"A{i}", **({} if i == 1 else {"mandate": "z" if 3 <= i < 10 else "m"})}
            for i in range(12)]
    p = Proposal("p.yaml", {"activities": acts})
    first, second, third = (evaluate([rule], p, AS_OF) for _ in range(3))
    assert rule._functions is not None and first == second == third
    [finding] = first
    assert finding.outcome == "fail"
    note = finding.evidence[0].note or ""
    assert "the first 5 are shown" in note and counted in note, note
    env = Env(Context(p.data, AS_OF, p))
    assert rule._functions[0](env.ctx, env, None) == "fail"
    if stopped is None:
        assert env.stopped is None
    else:
        assert env.stopped is not None and env.stopped[:2] == (rule.check, acts[3])
        assert resumed(env.stopped, acts) == stopped


def test_python_is_written_for_a_rule_only_once_it_has_decided_before(tmp_path: Path) -> None:
    # One proposal (a pre-commit hook's check) is decided by the closures alone: writing
    # and compiling the rules' Python would cost more than it saves. From the second on,
    # the generated code decides.
    eff = effective(tmp_path, {"baseline.cpol": '''ruleset baseline "B"
rule R-1 "t" {
  principle p
  require count(activities) > 1
}
'''}, "baseline")
    [rule] = eff.compiled()
    p = Proposal("p.yaml", {"activities": [{"id": "A1"}, {"id": "A2"}]})
    [first] = evaluate([rule], p, AS_OF)
    assert rule._functions is None
    [second] = evaluate([rule], p, AS_OF)
    assert rule._functions is not None
    assert first == second and first.outcome == "pass"


def test_a_rule_over_many_elements_of_one_proposal_is_decided_by_its_closures(
        tmp_path: Path) -> None:
    # Counted once a proposal, not once an element: a `for` rule over three activities
    # decided three times on one proposal wrote its Python on the second element, and a
    # one-file check paid for writing most of its rules.
    eff = effective(tmp_path, {"baseline.cpol": '''ruleset baseline "B"
rule R-1 "t" {
  principle p
  for a in activities
  require a.id != ""
}
'''}, "baseline")
    p = Proposal("p.yaml", {"activities": [{"id": "A1"}, {"id": "A2"}, {"id": "A3"}]})
    [rule] = eff.compiled()
    first = evaluate([rule], p, AS_OF)
    assert [f.outcome for f in first] == ["pass"] * 3 and rule._functions is None
    assert evaluate([rule], p, AS_OF) == first and rule._functions is not None
    rule = replace_rule(rule)  # not yet written; decided by verdicts, rule by rule
    assert verdicts([rule], p, AS_OF) == {"R-1": "pass"} and rule._functions is None
    _BATCHES.clear()  # still rule by rule (a ruleset's diff asks one rule at a time)
    assert verdicts([rule], p, AS_OF) == {"R-1": "pass"} and rule._functions is not None


@pytest.mark.parametrize("text", ['"" < 0 days', '0 days < ""', '"a" == 1', "3 < XA",
                                  '2027-01-01 < "x"', "host_country < 3"])
def test_a_constant_compared_with_a_value_of_another_class_is_compared_as_the_closures_do(
        text: str) -> None:
    # Found by the expression trees above: the inline comparison with a plain constant
    # asked the class of the wrong side, and Python's own `<` raised where the language
    # says `cannot order`.
    rule = rule_of(text, "require")
    assert rule is not None
    p = Proposal("p.yaml", {"host_country": "XA"})
    decide, _, source = codegen.generate(rule)
    fast = outcome_or_fault(lambda: decide(Context(p.data, AS_OF, p), None, None))
    slow = outcome_or_fault(lambda: closure_outcome(rule, Context(p.data, AS_OF, p), None, None))
    assert fast == slow, source


# ------------------------------------------------------------------ numbers past the largest float

#: amounts that are finite, but whose sums, products or quotients may not be
LARGE = st.sampled_from([1e308, -1e308, 1.7976931348623157e308, 9e307, 1e-308, 2.5, 0, 3,
                         10 ** 400])
OVERFLOWING = [
    "sum(sum(s.by_year) for s in funding.sources) > 0",
    "sum(s.by_year[2027] for s in funding.sources) * 2 >= 0",
    "sum(s.by_year[2027] for s in funding.sources) / sum(s.by_year[2028] for s in "
    "funding.sources) > 50%",
    "sum(funding.sources[0].by_year) - sum(funding.sources[1].by_year) < 1",
    "funding.sources[0].by_year[2027] + funding.sources[1].by_year[2027] > 0",
    "funding.sources[0].by_year[2027] * funding.sources[1].by_year[2028] > 0",
    "funding.sources[0].by_year[2027] / funding.sources[1].by_year[2028] > 1",
    "50% * funding.sources[0].by_year[2027] * 4 > 0",
    "-(funding.sources[0].by_year[2027] + funding.sources[0].by_year[2028]) < 0",
    "all s in funding.sources: sum(s.by_year) / sum(sum(t.by_year) for t in funding.sources) "
    "< 50%",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amounts=st.lists(st.tuples(LARGE, LARGE), min_size=2, max_size=3),
       kind=st.sampled_from(["require", "forbid"]))
def test_sums_past_the_largest_float_are_decided_as_the_closures_do(
        amounts: list[tuple[Any, Any]], kind: str) -> None:
    # Both paths compute a number that is not finite as a problem, never a value that
    # a comparison would silently decide: the rule is unknown, or decided on finite numbers.
    data = {"funding": {"currency": "EUR", "sources": [
        {"from": f"o{i}", "by_year": {2027: a, 2028: b}} for i, (a, b) in enumerate(amounts)]}}
    p = Proposal("p.yaml", data)
    rules = []
    for n, text in enumerate(OVERFLOWING):
        rule = rule_of(text, kind)
        assert rule is not None
        rule = replace_rule(rule, id=f"R-{n}")
        rules.append(rule)
        decide, _, source = codegen.generate(rule)
        fast = outcome_or_fault(lambda d=decide: d(Context(data, AS_OF, p), None, None))
        slow = outcome_or_fault(lambda r=rule: closure_outcome(r, Context(data, AS_OF, p), None,
                                                                None))
        assert fast == slow, f"{text}\n{source}"
        assert fast in ("pass", "fail", "unknown"), fast  # never a fault of ours
        found = evaluate([rule], p, AS_OF)
        assert summary(found)[rule.id] == slow
        if slow == "unknown":  # the problem is told: what overflowed, or a division by zero
            assert all("not a finite number" in f.message or "division by zero" in f.message
                       for f in found), found
    assert_same_verdicts(rules, p)


def test_a_sum_past_the_largest_float_is_a_problem_in_both_paths() -> None:
    data = {"funding": {"sources": [{"by_year": {2027: 1e308}}, {"by_year": {2027: 1e308}}]}}
    p = Proposal("p.yaml", data)
    rule = rule_of("sum(s.by_year[2027] for s in funding.sources) / "
                   "sum(s.by_year[2027] for s in funding.sources) > 50%", "forbid")
    assert rule is not None
    decide, _, _ = codegen.generate(rule)
    assert decide(Context(data, AS_OF, p), None, None) == "unknown"  # NaN > 50% passed before
    assert closure_outcome(rule, Context(data, AS_OF, p), None, None) == "unknown"
    [finding] = evaluate([rule], p, AS_OF)
    assert finding.outcome == "unknown"
    assert "the sum of [1e+308, 1e+308] is not a finite number" in finding.message


@pytest.mark.parametrize("text", [
    "(organisations) == (1000 EUR)",
    "sum(sum(s.by_year) for s in funding.sources) >= 1000 EUR",
])
def test_a_money_literal_compared_with_the_proposal_is_written_as_code_too(text: str) -> None:
    # The comparison asks funding.currency first (values.same_currency); the writer runs
    # its closure for it instead of giving up on the rule (Hypothesis found the give-up).
    rule = rule_of(text, "require")
    assert rule is not None
    for currency, amount in (("EUR", 2000), ("USD", 2000), (None, None)):
        data: dict[str, Any] = {"cappolicy": 1, "id": "P-1", "title": "t", "host_country": "XA",
                                "period": {"start": dt.date(2025, 1, 1),
                                           "end": dt.date(2026, 1, 1)}}
        if currency is not None:
            data["funding"] = {"currency": currency, "sources": [{"by_year": {2025: amount}}]}
        p = Proposal("p.yaml", data)
        decide, _, source = codegen.generate(rule)
        fast = outcome_or_fault(lambda: decide(Context(data, AS_OF, p), None, None))
        slow = outcome_or_fault(lambda: closure_outcome(rule, Context(data, AS_OF, p), None, None))
        assert fast == slow, f"{text} in {currency}\n{source}"


_TOTAL = "sum(sum(s.by_year) for s in funding.sources)"


@pytest.mark.parametrize(("text", "in_eur"), [
    (f"{_TOTAL} <= 1000 EUR * 2", "pass"),
    (f"{_TOTAL} <= 3000 EUR / 2", "fail"),
    (f"{_TOTAL} <= min([1000 EUR, 5000 EUR])", "fail"),
    (f"{_TOTAL} - 1000 EUR > 500", "pass"),
    (f"{_TOTAL} * 2 >= 1000 EUR + 2000", "pass"),
])
def test_a_money_value_computed_from_a_literal_is_held_to_the_proposal_s_currency(
        text: str, in_eur: str) -> None:
    # only a literal or param right beside the comparison asked funding.currency: through
    # arithmetic or min() the amounts of a proposal in dollars were compared with euros
    rule = rule_of(text, "require")
    assert rule is not None
    for currency, expected in (("EUR", in_eur), ("USD", "unknown")):
        data: dict[str, Any] = {"cappolicy": 1, "id": "P-1", "title": "t", "host_country": "XA",
                                "period": {"start": dt.date(2025, 1, 1),
                                           "end": dt.date(2026, 1, 1)},
                                "funding": {"currency": currency,
                                            "sources": [{"by_year": {2025: 2000}}]}}
        p = Proposal("p.yaml", data)
        decide, _, source = codegen.generate(rule)
        fast = outcome_or_fault(lambda: decide(Context(data, AS_OF, p), None, None))
        slow = outcome_or_fault(lambda: closure_outcome(rule, Context(data, AS_OF, p), None, None))
        assert fast == slow == expected, f"{text} in {currency}\n{source}"


def test_a_money_param_through_a_let_is_held_to_the_proposal_s_currency(
        tmp_path: Path) -> None:
    (tmp_path / "national").mkdir()
    (tmp_path / "national" / "xq.cpol").write_text(
        'ruleset xq "Quebra"\nversion "1"\nextends baseline\njurisdiction XA\n'
        'param max_total: money = 1000000 EUR lower is stricter "Largest programme"\n'
        'rule XQ-01 "A programme of at most max_total" {\n'
        '  principle co-financing\n  source "000_66251300b48a3485.txt, paragraph 5"\n'
        '  let total = sum(sum(src.by_year) for src in funding.sources)\n'
        '  let cap = max_total\n  require total <= cap\n  message "m"\n  hint "h"\n}\n',
        encoding="utf-8")
    rulesets = Rulesets(Catalog([*Catalog().roots, tmp_path]))
    eff = rulesets.get(rulesets.catalog.sources["national/xq"])
    good = (ROOT / "examples" / "proposals" / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    for currency, expected in (("EUR", "fail"), ("USD", "unknown")):
        path = tmp_path / f"{currency}.yaml"
        path.write_text(good.replace("currency: EUR", f"currency: {currency}"), encoding="utf-8")
        proposal = load_proposal(path)
        for _ in range(3):  # closures first, then the rule's generated Python
            [finding] = [f for f in evaluate(eff.compiled(), proposal, AS_OF, ruleset=eff.id)
                         if f.rule == "XQ-01"]
            assert finding.outcome == expected, (currency, finding.message)


@pytest.mark.parametrize(("mandate", "outcome"), [
    ("xa-cirt/incident-response", "pass"),  # the host CERT's
    ("impl-a/consulting", "fail"),  # a foreign implementer's
    ("nobody/x", "unknown"),  # an organisation the proposal does not declare
    ("no-slash", "unknown"),  # no organisation named
    (None, "unknown"),
])
def test_a_mandate_s_owner_is_read_alike_by_the_closures_and_the_generated_code(
        mandate: str | None, outcome: str) -> None:
    # `act.mandate.owner`: the organisation before the `/` of the reference, which
    # MAND-01 holds to be a national public body.
    rule = rule_of('activities[0].mandate.owner.country == "XA"', "require")
    assert rule is not None
    data: dict[str, Any] = {
        "host_country": "XA",
        "organisations": [{"id": "xa-cirt", "country": "XA", "kind": "cert"},
                          {"id": "impl-a", "country": "BE", "kind": "implementer"}],
        "activities": [{"id": "A1"} if mandate is None else {"id": "A1", "mandate": mandate}]}
    p = Proposal("p.yaml", data)
    decide, _, source = codegen.generate(rule)
    fast = outcome_or_fault(lambda: decide(Context(data, AS_OF, p), None, None))
    slow = outcome_or_fault(lambda: closure_outcome(rule, Context(data, AS_OF, p), None, None))
    assert fast == slow == outcome, source


def test_the_code_of_a_rule_grows_with_its_lets_not_with_their_square(tmp_path: Path) -> None:
    # each graph query ran as its closure after writing every variable in scope into
    # env.vars: a rule of 2,000 lets wrote two million lines, and compile() took 7 GB
    def lines(n: int) -> int:
        lets = "".join(f"  let g{i} = count(graph.nodes(kind: activity))\n" for i in range(n))
        text = (f'ruleset lets "L"\nversion "1"\nrule L-01 "lets" {{\n  principle co-financing\n'
                f'{lets}  require title present\n}}\n')
        eff = effective(tmp_path / str(n), {"lets.cpol": text}, "lets")
        [rule] = eff.compiled()
        return len(codegen.generate(rule)[2].splitlines())
    small, large = lines(100), lines(400)
    assert large < 6 * small, (small, large)  # four times the lets: about four times the code


def test_a_sum_over_nothing_is_the_same_zero_in_both_paths() -> None:
    # the closures' sum of no elements was 0.0 and the generated code's 0: the same value
    # to a comparison, but not to what is added to it (Hypothesis found the two faults of
    # `organisations + sum(...)` told apart)
    assert V.total([]) == 0 and V.total([]).__class__ is int
    rule = rule_of("(organisations) + (sum(v2 in organisations))", "require")
    assert rule is not None
    data: dict[str, Any] = {"organisations": []}
    p = Proposal("p.yaml", data)
    decide, _, source = codegen.generate(rule)
    fast = outcome_or_fault(lambda: decide(Context(data, AS_OF, p), None, None))
    slow = outcome_or_fault(lambda: closure_outcome(rule, Context(data, AS_OF, p), None, None))
    assert fast == slow, source


@pytest.mark.parametrize(("text", "expected"), [
    ("5% in {0.05}", "pass"), ("0.05 in {5%, 10%}", "pass"), ("5% not in {0.05}", "fail"),
    ("{5%, 10%} == {0.1, 0.05}", "pass"), ("[5%] == [0.05]", "pass"),
    ("6% in {0.05}", "fail")])
def test_membership_means_equality_in_both_paths(text: str, expected: str) -> None:
    """`5% == 0.05` holds, so 5% is a member of {0.05}: a set is asked as equality is."""
    rule = rule_of(text, "require")
    assert rule is not None
    p = Proposal("p.yaml", {})
    decide, _, _ = codegen.generate(rule)
    assert decide(Context({}, AS_OF, p), None, None) == expected
    assert closure_outcome(rule, Context({}, AS_OF, p), None, None) == expected
