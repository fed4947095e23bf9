"""Reachability of every node at once (graph.Reach) answers as a search from each node.

A rule asking `graph.reaches(x, <condition>)` for every body of a chain of N bodies used
to search the graph from each one: N searches of up to N nodes. Now one search backwards
from the nodes meeting the condition answers them all. These tests hold the two to the
same answers, paths and explanations, on random graphs and on the rules that ask."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_lang import effective
from test_graph import multigraphs, step_sets

from cappolicy.engine.compile import Context
from cappolicy.engine.evaluate import evaluate
from cappolicy.graph.governance import GovernanceGraph, build
from cappolicy.graph.parts import Step
from cappolicy.proposal.model import Proposal

AS_OF = dt.date(2026, 11, 23)


@settings(max_examples=300, deadline=None)
@given(multigraphs(), step_sets, st.data())
def test_a_search_through_a_condition_answers_as_a_search_from_each_node(
        g: GovernanceGraph, steps: list[Step] | None, data: st.DataObject) -> None:
    """`through:` (graph.reaches(a, b, through: n -> ...)): a walk passes only through
    nodes the condition is true of; one search backwards still answers for every node,
    as a search from each, with the same path and the same nodes it did not pass."""
    three = st.sampled_from([True, False, None])
    verdicts = dict(zip(g.nodes(), data.draw(st.lists(three, min_size=len(g),
                                                      max_size=len(g))), strict=True))
    passes = dict(zip(g.nodes(), data.draw(st.lists(three, min_size=len(g),
                                                    max_size=len(g))), strict=True))
    reach = g.reach(verdicts.__getitem__, steps, passes.__getitem__)
    limit = data.draw(st.integers(1, 9))
    for start in [*g.nodes(), "elsewhere"]:
        naive = g.search(start, verdicts.__getitem__, steps, through=passes.__getitem__)
        decided = reach.decide(start)
        if naive.found is not None:
            assert decided is True
            assert all(passes[e] is True for e in _inner(naive))  # only through passable
        else:
            assert decided is (None if naive.undecided else False)
            assert all(passes[k] is False for k in naive.blocked)
            assert all(passes[k] is None for k in naive.unsure)
            assert start not in naive.blocked
        assert reach.search(start) == naive
        cut = reach.search(start, limit)
        if naive.found is None and cut.complete:
            assert cut == naive
    everywhere = g.reach(verdicts.__getitem__, steps, lambda key: True)
    plain = g.reach(verdicts.__getitem__, steps)
    assert all(everywhere.decide(k) == plain.decide(k) for k in g.nodes())


@settings(max_examples=300, deadline=None)
@given(multigraphs(), step_sets, st.data())
def test_a_node_the_through_condition_cannot_tell_about_leaves_the_answer_unknown(
        g: GovernanceGraph, steps: list[Step] | None, data: st.DataObject) -> None:
    """A node `through:` cannot decide might be passed or not: the answer is what every
    way of deciding the unknowns agrees on, else unknown. A `forbid graph.reaches(...,
    through: ...)` must not pass because the node on the way could not be judged."""
    three = st.sampled_from([True, False, None])
    nodes = list(g.nodes())
    verdicts = dict(zip(nodes, data.draw(st.lists(three, min_size=len(g), max_size=len(g))),
                        strict=True))
    passes = dict(zip(nodes, data.draw(st.lists(three, min_size=len(g), max_size=len(g))),
                      strict=True))
    unknowns = [("v", k) for k in nodes if verdicts[k] is None] + \
        [("p", k) for k in nodes if passes[k] is None]
    if len(unknowns) > 8:  # every way is too many: the two that decide the rest
        ways: Any = [(False,) * len(unknowns), (True,) * len(unknowns)]
    else:
        ways = itertools.product((False, True), repeat=len(unknowns))
    answers: dict[str, set[bool]] = {k: set() for k in nodes}
    for way in ways:
        known = {"v": dict(verdicts), "p": dict(passes)}
        for (which, key), value in zip(unknowns, way, strict=True):
            known[which][key] = value
        for start in nodes:
            answers[start].add(_reaches(g, steps, start, known["v"], known["p"]))
    reach = g.reach(verdicts.__getitem__, steps, passes.__getitem__)
    for start in nodes:
        expected = answers[start].pop() if len(answers[start]) == 1 else None
        assert reach.decide(start) is expected
        naive = g.search(start, verdicts.__getitem__, steps, through=passes.__getitem__)
        assert (True if naive.found is not None else None if naive.undecided else False) \
            is expected
        assert all(passes[k] is False for k in naive.blocked)
        assert all(passes[k] is None for k in naive.unsure)


def _reaches(g: GovernanceGraph, steps: list[Step] | None, start: str,
             target: dict[str, bool], passes: dict[str, bool]) -> bool:
    """Whether a walk from `start` meets the target through passable nodes: the plain
    definition, every value known."""
    seen, todo = {start}, [start]
    while todo:
        key = todo.pop()
        if target[key]:
            return True
        if key != start and not passes[key]:
            continue
        for nbr, _edge in g.steps_from(key, steps):
            if nbr not in seen:
                seen.add(nbr)
                todo.append(nbr)
    return False


def _inner(found: Any) -> list[str]:
    """The nodes between the start and the node found, along the path."""
    keys, at = [], found.start
    for edge in found.path[:-1]:
        at = edge.target if edge.source == at else edge.source
        keys.append(at)
    return keys


@settings(max_examples=300, deadline=None)
@given(multigraphs(), step_sets, st.data())
def test_one_search_backwards_answers_as_a_search_from_each_node(
        g: GovernanceGraph, steps: list[Step] | None, data: st.DataObject) -> None:
    verdicts = dict(zip(g.nodes(), data.draw(st.lists(
        st.sampled_from([True, False, None]), min_size=len(g), max_size=len(g))), strict=True))
    asked: list[str] = []

    def condition(key: str) -> bool | None:
        asked.append(key)
        return verdicts[key]

    reach = g.reach(condition, steps)
    assert sorted(asked) == sorted(g.nodes())  # each node asked once, for all the searches
    limit = data.draw(st.integers(1, 9))
    for start in [*g.nodes(), "elsewhere"]:
        naive = g.search(start, verdicts.__getitem__, steps)  # the search from the node
        decided = reach.decide(start)
        if naive.found is not None:
            assert decided is True
        else:
            assert decided is (None if naive.undecided else False)
        # the same path (the first of the shortest, as breadth-first from the node finds
        # it), or, without one, the same nodes reached, stopped at and undecided
        assert reach.search(start) == naive
        cut = reach.search(start, limit)
        if naive.found is None:
            assert cut.reached == naive.reached[:len(cut.reached)]
            assert cut.tree == naive.tree[:len(cut.tree)]
            assert cut.complete is (len(naive.reached) <= limit)
            if cut.complete:
                assert cut == naive
            assert bool(cut.undecided) == bool(naive.undecided)
            assert set(cut.undecided) <= set(naive.undecided)
        else:
            assert cut == naive


RULES = '''ruleset baseline "Reach test"
version "1"
rule R-1 "Every body answers to a ministry of the host" {
  principle p
  severity must
  for body in graph.nodes(kind: body)
  require graph.reaches(body, n -> n.country == host_country and n.kind == ministry,
                        via: [reports_to, oversees<-])
}
rule R-2 "No body reaches a donor" {
  principle p
  severity must
  for body in graph.nodes(kind: body)
  forbid graph.reaches(body, n -> n.kind == donor, via: [reports_to, advises])
}
rule R-3 "The way up from each body" {
  principle p
  severity must
  for body in graph.nodes(kind: body)
  require count(graph.path(body, n -> n.country == host_country and n.kind == ministry,
                           via: [reports_to, oversees<-])) > 1
}
rule R-4 "Every body reaches the treasury" {
  principle p
  severity must
  for body in graph.nodes(kind: body)
  require graph.reaches(body, "treasury", via: [reports_to])
}
'''


@st.composite
def governance(draw: st.DrawFn) -> dict[str, Any]:
    """Bodies reporting to, advised by and overseen by each other and three organisations
    (one of unknown country): chains, trees, loops and dead ends."""
    n = draw(st.integers(1, 7))
    bodies = [f"b{i}" for i in range(n)]
    orgs = [{"id": "gov", "name": "Ministry", "country": "XA", "kind": "ministry"},
            {"id": "treasury", "name": "Treasury", "country": "XA", "kind": "ministry"},
            {"id": "donor", "name": "Donor", "country": "NL", "kind": "donor"},
            {"id": "who", "name": "Unknown", "kind": "ministry"}]
    ends = st.sampled_from(bodies + ["gov", "treasury", "donor", "who"])
    relations = [{"from": a, "to": b, "kind": k} for a, b, k in draw(st.lists(st.tuples(
        st.sampled_from(bodies), ends, st.sampled_from(["reports_to", "oversees", "advises"])),
        max_size=12))]
    return {"cappolicy": 1, "id": "P", "title": "t", "host_country": "XA",
            "organisations": orgs,
            "governance": {"bodies": [{"id": b, "kind": "working-group"} for b in bodies],
                           "relations": relations}}


def naive_outcomes(data: dict[str, Any]) -> dict[str, list[str]]:
    """Each rule's outcomes, from a search of the graph from every body."""
    g = build(data)

    def ministry(k: str) -> bool | None:
        node = g.node(k)
        assert node is not None
        if node.summary.get("kind") != "ministry":
            return False
        country = node.summary.get("country")
        return None if country is None else country == "XA"

    def donor(k: str) -> bool:
        node = g.node(k)
        return node is not None and node.summary.get("kind") == "donor"

    up = [Step("reports_to"), Step("oversees", True)]
    out: dict[str, list[str]] = {"R-1": [], "R-2": [], "R-3": [], "R-4": []}
    for body in g.nodes(["body"]):
        found = g.search(body, ministry, up)
        decided = "pass" if found.found else "unknown" if found.undecided else "fail"
        out["R-1"].append(decided)
        away = g.search(body, donor, [Step("reports_to"), Step("advises")])
        out["R-2"].append("fail" if away.found else "pass")
        out["R-3"].append(decided if decided != "pass" else
                          "pass" if len(found.path) + 1 > 1 else "fail")
        out["R-4"].append("pass" if g.search(body, "treasury", [Step("reports_to")]).found
                          else "fail")
    return out


_RULES: list[Any] = []


def rules(tmp_path_factory: Any = None) -> Any:
    if not _RULES:
        import tempfile
        folder = Path(tempfile.mkdtemp())
        _RULES.append(effective(folder, {"baseline.cpol": RULES}, "baseline"))
    return _RULES[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(governance())
def test_graph_rules_decide_each_body_as_a_search_from_it_does(data: dict[str, Any]) -> None:
    eff = rules()
    p = Proposal("p.yaml", data)  # data the loader would ask more of: an organisation
    findings = evaluate(eff.compiled(), p, AS_OF)
    found: dict[str, list[str]] = {}
    for f in findings:
        if f.outcome != "not-applicable":
            found.setdefault(f.rule, []).append(f.outcome)
    assert found == {k: v for k, v in naive_outcomes(data).items() if v}
    # the generated code (from the second proposal on) decides them alike
    evaluate(eff.compiled(), p, AS_OF)
    again = evaluate(eff.compiled(), p, AS_OF)
    assert again == findings


def chain(n: int, *, broken: bool) -> Proposal:
    bodies = [{"id": f"b{i}", "kind": "working-group"} for i in range(n)]
    relations = [{"from": f"b{i}", "to": f"b{i + 1}", "kind": "reports_to"}
                 for i in range(n - 1)]
    if not broken:
        relations.append({"from": f"b{n - 1}", "to": "gov", "kind": "reports_to"})
    data = {"cappolicy": 1, "id": "P", "title": "t", "host_country": "XA",
            "organisations": [{"id": "gov", "name": "M", "country": "XA", "kind": "ministry"}],
            "governance": {"bodies": bodies, "relations": relations}}
    return Proposal("chain.yaml", data)


def test_a_long_chain_is_decided_and_explained_body_by_body() -> None:
    eff = rules()
    whole = [f for f in evaluate(eff.compiled(), chain(300, broken=False), AS_OF)
             if f.rule == "R-1"]
    assert [f.outcome for f in whole] == ["pass"] * 300
    broken = [f for f in evaluate(eff.compiled(), chain(300, broken=True), AS_OF)
              if f.rule == "R-1"]
    assert [f.outcome for f in broken] == ["fail"] * 300
    # the first body's search is shown for its first nodes only, and says so
    first = broken[0].evidence[0].graph
    assert first is not None and first.kind == "reached" and first.partial
    assert [h.node for h in first.hops][:3] == ["b0", "b1", "b2"]
    # near the top of the chain the whole search is shown, where it stopped included
    last = broken[-1].evidence[0].graph
    assert last is not None and not last.partial and last.stopped == ("b299",)
    # the path the rule walks is the chain itself
    ctx = Context(chain(5, broken=False).data, AS_OF)
    node = eff.compiled()[2].check.kids[0].kids[0]  # graph.path(...)
    from cappolicy.engine.compile import Env
    env = Env(ctx)
    env.vars["body"] = "b0"
    assert node.fn(env) == ["b0", "b1", "b2", "b3", "b4", "gov"]
