"""The governance graph: what building makes of a proposal, and the queries rules ask of it.

Unit tests pin the builder to the design card (every edge kind, its endpoints, its
attributes and the proposal path that made it). Property tests compare the queries with
brute force on random multi-digraphs (reachability and shortest distances by a
Floyd-Warshall fixpoint, strongly connected components by mutual reachability), and check
that building never raises and never invents a node or an edge on generated proposals,
loaded or not.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import dump_yaml, json_values, mutated

from cappolicy.graph import governance as graph
from cappolicy.graph import parts
from cappolicy.graph.governance import GovernanceGraph
from cappolicy.graph.parts import PROGRAM, Edge, Step
from cappolicy.proposal.load import load_proposal, load_proposal_text
from cappolicy.proposal.model import Proposal, format_path
from cappolicy.proposal.schema import (
    ACTIVITY_TYPES,
    BODY_KINDS,
    DATA_KINDS,
    ORG_KINDS,
    RELATION_KINDS,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
GOOD = EXAMPLES / "xa-cirt-good.yaml"

HEAD = """\
cappolicy: 1
id: XA-TEST
title: Test programme
host_country: XA
period: {start: 2027-01-01, end: 2029-12-31}
"""


def load(text: str) -> Proposal:
    return load_proposal_text(text, "p.yaml")


def shown(edges: Sequence[Edge]) -> list[tuple[str, str, str, str]]:
    """Edges as (kind, from, to, proposal path), the way a reviewer reads them."""
    return [(e.kind, e.source, e.target, format_path(e.path)) for e in edges]


def category(g: GovernanceGraph, key: str) -> str | None:
    info = g.node(key)
    return None if info is None else info.category


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.fixture(scope="module")
def good() -> Proposal:
    return load_proposal(GOOD)


@pytest.fixture(scope="module")
def good_graph(good: Proposal) -> GovernanceGraph:
    return graph.build(good.data)


# ---------------------------------------------------------------- building: the example


def test_the_example_has_one_node_per_element(good_graph: GovernanceGraph) -> None:
    assert good_graph.nodes() == [
        PROGRAM, "xa-mict", "xa-cirt", "xa-treasury", "xa-uni", "xa-rights", "xa-bankers",
        "donor-a", "impl-a", "steering", "pmu", "curriculum-wg", "A1", "A2", "A3"]
    assert good_graph.nodes(["organisation"]) == good_graph.nodes()[1:9]
    assert good_graph.nodes(["body"]) == ["steering", "pmu", "curriculum-wg"]
    assert good_graph.nodes(["activity"]) == ["A1", "A2", "A3"]
    assert good_graph.nodes(["cert", "pmu"]) == ["xa-cirt", "pmu"]  # kinds filter too
    assert good_graph.notes == []
    assert (good_graph.proposal_id, good_graph.host_country) == ("XA-CIRT-2027", "XA")


def test_every_fact_of_the_example_is_an_edge_with_its_path(good_graph: GovernanceGraph) -> None:
    assert shown(good_graph.edges()) == [
        ("funds", "donor-a", PROGRAM, "funding.sources[0]"),
        ("funds", "xa-treasury", PROGRAM, "funding.sources[1]"),
        ("budgets", "xa-treasury", "xa-cirt", "organisations[1].funded_by[0]"),
        ("participates", "xa-mict", PROGRAM, "roles.design[0]"),
        ("participates", "xa-cirt", PROGRAM, "roles.design[1]"),
        ("participates", "xa-rights", PROGRAM, "roles.design[2]"),
        ("participates", "impl-a", PROGRAM, "roles.design[3]"),
        ("participates", "xa-cirt", PROGRAM, "roles.implementation[0]"),
        ("participates", "impl-a", PROGRAM, "roles.implementation[1]"),
        ("participates", "xa-uni", PROGRAM, "roles.evaluation[0]"),
        ("chairs", "xa-mict", "steering", "governance.bodies[0].chair[0]"),
        ("member_of", "xa-mict", "steering", "governance.bodies[0].members[0]"),
        ("member_of", "xa-cirt", "steering", "governance.bodies[0].members[1]"),
        ("member_of", "donor-a", "steering", "governance.bodies[0].members[2]"),
        ("chairs", "xa-cirt", "pmu", "governance.bodies[1].chair[0]"),
        ("member_of", "xa-cirt", "pmu", "governance.bodies[1].members[0]"),
        ("member_of", "impl-a", "pmu", "governance.bodies[1].members[1]"),
        ("chairs", "xa-cirt", "curriculum-wg", "governance.bodies[2].chair[0]"),
        ("member_of", "xa-cirt", "curriculum-wg", "governance.bodies[2].members[0]"),
        ("member_of", "xa-uni", "curriculum-wg", "governance.bodies[2].members[1]"),
        ("member_of", "impl-a", "curriculum-wg", "governance.bodies[2].members[2]"),
        ("reports_to", "steering", "xa-mict", "governance.relations[0]"),
        ("reports_to", "pmu", "xa-cirt", "governance.relations[1]"),
        ("reports_to", "curriculum-wg", "pmu", "governance.relations[2]"),
        ("oversees", "xa-mict", "steering", "governance.relations[3]"),
        ("decides", "steering", PROGRAM, "governance.relations[4]"),
        ("leads", "xa-cirt", "A1", "activities[0].led_by"),
        ("partners", "impl-a", "A1", "activities[0].partners[0]"),
        ("shares_data", "xa-cirt", "impl-a", "activities[0].data_flows[0]"),
        ("shares_data", "xa-cirt", "impl-a", "activities[0].data_flows[1]"),
        ("leads", "xa-cirt", "A2", "activities[1].led_by"),
        ("partners", "impl-a", "A2", "activities[1].partners[0]"),
        ("partners", "xa-bankers", "A2", "activities[1].partners[1]"),
        ("shares_data", "xa-bankers", "xa-cirt", "activities[1].data_flows[0]"),
        ("leads", "xa-mict", "A3", "activities[2].led_by"),
        ("partners", "impl-a", "A3", "activities[2].partners[0]"),
        ("partners", "xa-rights", "A3", "activities[2].partners[1]"),
        ("hands_over_to", PROGRAM, "xa-cirt", "sunset.handover_to"),
        ("evaluates", "xa-uni", PROGRAM, "evaluation.by"),
    ]


def test_edge_paths_locate_the_field_in_the_file(good: Proposal,
                                                 good_graph: GovernanceGraph) -> None:
    text = GOOD.read_text(encoding="utf-8")
    for edge in good_graph.edges():
        assert edge.path in good.positions, edge
    [grant, _] = good_graph.edges(["funds"])
    assert good.span_of(grant.path).line == line_of(text, "{from: donor-a")
    [decides] = good_graph.edges(["decides"])
    assert good.span_of(decides.path).line == line_of(text, "kind: decides")
    personal = good_graph.edges(["shares_data"])[1]
    assert good.span_of(personal.path).line == line_of(text, "{data: personal")


def test_funding_edges_carry_the_total_and_the_currency(good_graph: GovernanceGraph) -> None:
    grant, co = good_graph.edges(["funds"])
    assert dict(grant) == {
        "kind": "funds", "from": "donor-a", "to": PROGRAM, "type": "grant",
        "amount": 1200000 + 900000 + 600000, "currency": "EUR",
        "by_year": {2027: 1200000, 2028: 900000, 2029: 600000}}
    assert (co["type"], co["amount"], co["currency"]) == ("co-financing", 1350000, "EUR")


def test_participation_edges_name_their_phase(good_graph: GovernanceGraph) -> None:
    phases = Counter((e.source, e["phase"]) for e in good_graph.edges(["participates"]))
    assert phases == Counter({
        ("xa-mict", "design"): 1, ("xa-cirt", "design"): 1, ("xa-rights", "design"): 1,
        ("impl-a", "design"): 1, ("xa-cirt", "implementation"): 1,
        ("impl-a", "implementation"): 1, ("xa-uni", "evaluation"): 1})


def test_data_flows_carry_data_basis_and_activity(good_graph: GovernanceGraph) -> None:
    flows = [(e["data"], e["basis"], e["activity"]) for e in good_graph.edges(["shares_data"])]
    assert flows == [
        ("threat-intel", "MoU 2026-04", "A1"),
        ("personal", "Trainee records: Data Protection Act 2020 s.31, contract clauses with impl-a",
         "A1"),
        ("incident", "Cybersecurity Act 2021 s.9 reporting duty", "A2")]


def test_a_decision_without_target_is_about_the_programme(good_graph: GovernanceGraph) -> None:
    [decides] = good_graph.edges(["decides"])
    assert (decides.source, decides.target) == ("steering", PROGRAM)
    assert decides["scope"] == ["priorities", "budget-reallocation"]
    [reports] = good_graph.edges(["reports_to"], source="steering")
    assert "scope" not in reports  # no scope stated, none made up


def test_node_summaries(good_graph: GovernanceGraph) -> None:
    program = good_graph.node(PROGRAM)
    assert program is not None
    assert dict(program) == {"id": "XA-CIRT-2027", "category": "program", "kind": "program",
                             "name": "Strengthening national incident response in Arcadia"}
    cirt = good_graph.node("xa-cirt")
    assert cirt is not None
    assert (cirt.category, cirt["kind"], cirt["country"], cirt["host"], cirt.label) == \
        ("organisation", "cert", "XA", True, "National CIRT")
    assert cirt["mandates"] == [{"id": "incident-response",
                                 "basis": "Cybersecurity Act 2021 s.4"}]  # the element's fields
    assert cirt.path == ("organisations", 1)
    donor = good_graph.node("donor-a")
    assert donor is not None and (donor["country"], donor["host"]) == ("NL", False)
    pmu = good_graph.node("pmu")
    assert pmu is not None
    assert (pmu.category, pmu["kind"], pmu.label, pmu["meets"]) == ("body", "pmu", "pmu", "monthly")
    assert "country" not in pmu and "host" not in pmu  # a body has neither
    a2 = good_graph.node("A2")
    assert a2 is not None
    assert (a2.category, a2["kind"], a2["type"], a2.path) == \
        ("activity", "exercise", "exercise", ("activities", 1))
    assert a2["name"] == a2["title"] == a2.label
    for key in good_graph.nodes():
        info = good_graph.node(key)
        assert info is not None and len(dict(info)) == len(info)


# ---------------------------------------------------------------- building: small proposals


RELATIONS = HEAD + """\
organisations:
  - {id: xa-mict, name: Ministry, country: XA, kind: ministry}
  - {id: xa-audit, name: Audit Office, country: XA, kind: regulator}
  - {id: impl-a, name: Implementer A, country: BE, kind: implementer}
governance:
  bodies:
    - {id: board, kind: advisory-board, members: [impl-a]}
    - {id: pmu, kind: pmu}
  relations:
    - {from: xa-mict, to: pmu, kind: oversees}
    - {from: board, to: xa-mict, kind: advises}
    - {from: xa-audit, to: pmu, kind: audits}
    - {from: impl-a, to: pmu, kind: employs}
    - {from: xa-mict, to: board, kind: decides, scope: [membership]}
    - {from: pmu, kind: reports_to}
"""


def test_every_relation_kind_is_an_edge() -> None:
    g = graph.build(load(RELATIONS).data)
    assert shown(g.edges(parts.RELATION_EDGES)) == [
        ("oversees", "xa-mict", "pmu", "governance.relations[0]"),
        ("advises", "board", "xa-mict", "governance.relations[1]"),
        ("audits", "xa-audit", "pmu", "governance.relations[2]"),
        ("employs", "impl-a", "pmu", "governance.relations[3]"),
        ("decides", "xa-mict", "board", "governance.relations[4]"),
    ]
    assert g.edges(["decides"])[0]["scope"] == ["membership"]
    # Only a decision may leave out its target; any other relation without one makes no edge.
    assert g.notes == ["reports_to relation at governance.relations[5] names no 'to'"]


def test_the_design_card_edge_kinds_all_occur() -> None:
    kinds = {e.kind for e in graph.build(load_proposal(GOOD).data).edges()}
    kinds |= {e.kind for e in graph.build(load(RELATIONS).data).edges()}
    assert kinds == set(parts.EDGE_KINDS)


def test_host_is_unknown_without_a_host_country() -> None:
    g = graph.build({"organisations": [{"id": "o", "country": "XA", "kind": "cert"}]})
    o = g.node("o")
    assert o is not None and o["country"] == "XA" and "host" not in o
    assert g.host_country is None


def test_an_activity_sharing_an_organisation_id_gets_its_own_key() -> None:
    p = load(HEAD + """\
organisations:
  - {id: A1, name: Agency One, country: XA, kind: cert}
activities:
  - {id: A1, title: Drills, type: exercise, led_by: A1}
evaluation: {by: A1}
""")
    g = graph.build(p.data)
    assert g.nodes() == [PROGRAM, "A1", "activity:A1"]
    org, act = g.node("A1"), g.node("activity:A1")
    assert org is not None and act is not None
    assert (org.category, act.category, act["id"], act["name"]) == \
        ("organisation", "activity", "A1", "Drills")
    assert g.notes == ["activity 'A1' shares its id with another node; its node is 'activity:A1'"]
    # References to organisations still mean the organisation.
    assert shown(g.edges()) == [("leads", "A1", "activity:A1", "activities[0].led_by"),
                                ("evaluates", "A1", PROGRAM, "evaluation.by")]


def test_a_prefixed_key_never_replaces_another_node() -> None:
    """An organisation may be called 'activity:A1' too: each element keeps its own node."""
    p = load(HEAD + """\
organisations:
  - {id: A1, name: Agency One, country: XA, kind: cert}
  - {id: "activity:A1", name: Odd name, country: XA, kind: ngo}
activities:
  - {id: A1, type: exercise, led_by: "activity:A1"}
""")
    g = graph.build(p.data)
    assert [category(g, k) for k in g.nodes()] == \
        ["program", "organisation", "organisation", "activity"]
    [leads] = g.edges(["leads"])
    assert leads.source == "activity:A1" and leads.target != leads.source
    assert category(g, leads.source) == "organisation"
    assert category(g, leads.target) == "activity"


def test_fields_the_summary_leaves_empty_are_read_from_the_element() -> None:
    p = load(HEAD + """\
organisations:
  - {id: o, name: O, country: XA, kind: cert}
activities:
  - {id: A1, type: training, led_by: o, country: XA}
""")
    act = graph.build(p.data).node("A1")
    assert act is not None
    assert act["country"] == "XA"  # an extension field of the activity
    assert dict(act)["country"] == "XA" and "country" in act


def test_references_to_nothing_make_notes_not_edges() -> None:
    g = graph.build({
        "organisations": [{"id": "o"}],
        "funding": {"sources": [{"from": "nobody", "by_year": {2027: 5}}]},
        "governance": {"relations": [{"from": "o", "to": "ghost", "kind": "oversees"}]},
        "sunset": {"handover_to": "o"},
    })
    assert shown(g.edges()) == [("hands_over_to", PROGRAM, "o", "sunset.handover_to")]
    assert g.notes == [
        "no organisation 'nobody' (at funding.sources[0].from): no edge made",
        "no organisation or body 'ghost' (at governance.relations[0].to): no edge made"]


def test_a_repeated_id_keeps_the_first_element_and_only_its_edges() -> None:
    g = graph.build({
        "organisations": [{"id": "a"}, {"id": "b"}, {"id": "a", "funded_by": ["b"]}],
        "governance": {"bodies": [{"id": "s", "members": ["a"]}, {"id": "s", "members": ["b"]}]},
        "activities": [{"id": "X", "led_by": "a"}, {"id": "X", "led_by": "b"}],
    })
    assert g.nodes(["body"]) == ["s"] and g.nodes(["activity"]) == ["X"]
    assert shown(g.edges()) == [("member_of", "a", "s", "governance.bodies[0].members[0]"),
                                ("leads", "a", "X", "activities[0].led_by")]
    assert g.notes == ["duplicate organisation id 'a': the first is kept",
                       "duplicate body id 's': the first is kept",
                       "duplicate activity id 'X': the first is kept"]


def test_funding_without_years_has_no_amount() -> None:
    g = graph.build({"organisations": [{"id": "d"}],
                     "funding": {"sources": [{"from": "d", "type": "in-kind"},
                                             {"from": "d", "by_year": {2027: "lots", 2028: 10}}]}})
    bare, partial = g.edges(["funds"])
    assert "amount" not in bare and "currency" not in bare and bare["type"] == "in-kind"
    assert partial["amount"] == 10 and partial["by_year"] == {2028: 10}


@pytest.mark.parametrize("section", [
    "organisations", "roles", "funding", "sunset", "activities", "governance", "evaluation"])
def test_a_missing_section_only_removes_its_own_edges(good: Proposal, section: str) -> None:
    full = graph.build(good.data)
    data = copy.deepcopy(dict(good.data))
    del data[section]
    g = graph.build(data)
    if section == "organisations":  # only the edges between bodies and the programme are left
        assert shown(g.edges()) == [
            s for s, e in zip(shown(full.edges()), full.edges(), strict=True)
            if "organisation" not in (category(full, e.source), category(full, e.target))]
        assert g.edges(["decides", "reports_to"])  # the example has some
        assert g.nodes(["organisation"]) == []
        assert g.notes and all(n.startswith("no organisation") for n in g.notes)
    else:
        assert shown(g.edges()) == [s for s in shown(full.edges())
                                    if not s[3].startswith(section)]
        assert g.notes == []


def test_an_early_draft_without_funding_sunset_or_evaluation_builds() -> None:
    g = graph.build(load_proposal(EXAMPLES / "incomplete.yaml").data)
    kinds = {e.kind for e in g.edges()}
    assert kinds.isdisjoint({"funds", "hands_over_to", "evaluates"})  # the missing sections
    assert {"participates", "chairs", "member_of", "reports_to", "leads", "partners"} <= kinds
    assert g.notes == []


def test_a_proposal_with_only_its_required_fields_is_the_programme_alone() -> None:
    g = graph.build(load(HEAD).data)
    assert g.nodes() == [PROGRAM] and g.edges() == [] and g.notes == []
    assert graph.build({}).nodes() == [PROGRAM]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_builds_a_graph_whose_edges_join_nodes(path: Path) -> None:
    p = load_proposal(path)
    g = graph.build(p.data)
    assert g.notes == []  # the examples refer to nothing that is missing
    for edge in g.edges():
        assert edge.source in g and edge.target in g
        assert edge.path in p.positions


# ---------------------------------------------------------------- queries on the example


def test_search_returns_the_witness_path(good_graph: GovernanceGraph) -> None:
    found = good_graph.search("donor-a", "xa-mict", [Step("member_of"), Step("reports_to")])
    assert found.found == "xa-mict"
    assert [str(e) for e in found.path] == ["donor-a -member_of-> steering",
                                            "steering -reports_to-> xa-mict"]
    assert found.steps == (Step("member_of"), Step("reports_to"))


def test_search_backwards_reports_the_frontier(good_graph: GovernanceGraph) -> None:
    """Who funds the programme, and is the CIRT among them? It is not: the search runs out
    at the two funders, which nothing funds."""
    missed = good_graph.search(PROGRAM, "xa-cirt", [Step("funds", reverse=True)])
    assert missed.found is None and missed.path == ()
    assert missed.reached == (PROGRAM, "donor-a", "xa-treasury")
    assert missed.stopped == ("donor-a", "xa-treasury")
    assert missed.undecided == ()
    assert str(Step("funds", reverse=True)) == "funds<-"


def test_search_for_a_condition_reports_what_it_could_not_decide(
        good_graph: GovernanceGraph) -> None:
    """Does a foreign organisation control the programme's decisions? Bodies and the
    programme have no country: for them the condition cannot tell."""

    def foreign(key: str) -> bool | None:
        info = good_graph.node(key)
        return None if info is None or "host" not in info else not info["host"]

    steps = [Step("decides", reverse=True), Step("reports_to")]
    missed = good_graph.search(PROGRAM, foreign, steps)
    assert missed.found is None
    assert missed.reached == (PROGRAM, "steering", "xa-mict")
    assert missed.undecided == (PROGRAM, "steering")
    assert missed.stopped == ("xa-mict",)

    def domestic(key: str) -> bool | None:
        answer = foreign(key)
        return None if answer is None else not answer

    found = good_graph.search(PROGRAM, domestic, steps)
    assert found.found == "xa-mict"
    assert [str(e) for e in found.path] == ["steering -decides-> program",
                                               "steering -reports_to-> xa-mict"]


def test_search_from_an_unknown_node_reaches_nothing(good_graph: GovernanceGraph) -> None:
    missed = good_graph.search("nobody", "program")
    assert (missed.found, missed.reached, missed.path) == (None, (), ())
    assert good_graph.reachable("nobody") == []


def test_a_body_that_reports_to_its_own_chair_is_a_cycle(good_graph: GovernanceGraph) -> None:
    cycles = good_graph.cycles([Step("chairs"), Step("reports_to")])
    assert [[str(e) for e in c] for c in cycles] == [
        ["xa-mict -chairs-> steering", "steering -reports_to-> xa-mict"],
        ["xa-cirt -chairs-> pmu", "pmu -reports_to-> xa-cirt"]]
    assert good_graph.cycles([Step("reports_to")]) == []


def test_neighbours_and_edge_filters(good_graph: GovernanceGraph) -> None:
    assert good_graph.successors("xa-cirt", [Step("member_of")]) == \
        ["steering", "pmu", "curriculum-wg"]
    assert good_graph.successors("xa-cirt", [Step("shares_data")]) == ["impl-a"]  # once
    assert good_graph.predecessors(PROGRAM, [Step("funds")]) == ["donor-a", "xa-treasury"]
    assert good_graph.predecessors("xa-cirt", [Step("shares_data", reverse=True)]) == ["impl-a"]
    assert set(good_graph.predecessors(PROGRAM)) == {
        "donor-a", "xa-treasury", "xa-mict", "xa-cirt", "xa-rights", "impl-a", "xa-uni",
        "steering"}
    assert good_graph.successors("nobody") == [] and good_graph.predecessors("nobody") == []
    assert shown(good_graph.edges(["shares_data"], target="xa-cirt")) == [
        ("shares_data", "xa-bankers", "xa-cirt", "activities[1].data_flows[0]")]
    assert len(good_graph.edges(["shares_data"], source="xa-cirt")) == 2
    assert shown(good_graph.edges(["participates", "evaluates"], source="xa-uni")) == [
        ("participates", "xa-uni", PROGRAM, "roles.evaluation[0]"),
        ("evaluates", "xa-uni", PROGRAM, "evaluation.by")]
    assert good_graph.edges(source="nobody") == [] and good_graph.edges(target="nobody") == []


# ---------------------------------------------------------------- properties of the queries

KINDS = ("reports_to", "oversees", "funds")
INFINITY = 10**9


@st.composite
def multigraphs(draw: st.DrawFn) -> GovernanceGraph:
    """Up to 8 nodes and 24 edges of three kinds: self-loops and parallel edges included."""
    n = draw(st.integers(min_value=1, max_value=8))
    g = GovernanceGraph("random")
    for i in range(n):
        g.add_node(f"n{i}", {"id": f"n{i}", "category": "organisation"}, {}, ())
    ends = st.integers(min_value=0, max_value=n - 1)
    for i, (kind, a, b) in enumerate(draw(st.lists(
            st.tuples(st.sampled_from(KINDS), ends, ends), max_size=24))):
        g.add_edge(kind, f"n{a}", f"n{b}", {}, ("edges", i))
    return g


#: None means "every edge, forwards"; a kind no edge has is allowed too.
step_sets = st.none() | st.lists(
    st.builds(Step, st.sampled_from((*KINDS, "advises")), st.booleans()), max_size=4, unique=True)


def can_step(edge: Edge, steps: Sequence[Step] | None, reverse: bool) -> bool:
    if steps is None:
        return not reverse
    return Step(edge.kind, reverse) in steps


def moves(g: GovernanceGraph, steps: Sequence[Step] | None) -> set[tuple[str, str]]:
    """Brute force: the (from, to) pairs one allowed step joins."""
    out = set()
    for e in g.edges():
        if can_step(e, steps, reverse=False):
            out.add((e.source, e.target))
        if can_step(e, steps, reverse=True):
            out.add((e.target, e.source))
    return out


def distances(g: GovernanceGraph, steps: Sequence[Step] | None) -> dict[tuple[str, str], int]:
    """Brute force: shortest numbers of steps between all pairs (Floyd-Warshall)."""
    nodes, joined = g.nodes(), moves(g, steps)
    d = {(a, b): 0 if a == b else 1 if (a, b) in joined else INFINITY
         for a in nodes for b in nodes}
    for k in nodes:
        for a in nodes:
            for b in nodes:
                d[a, b] = min(d[a, b], d[a, k] + d[k, b])
    return d


def walk(start: str, path: Sequence[Edge], steps: Sequence[Step] | None) -> list[str]:
    """The nodes a walk along `path` visits from `start`; fails on a step not allowed."""
    at, seen = start, [start]
    for e in path:
        if can_step(e, steps, reverse=False) and e.source == at:
            at = e.target
        elif can_step(e, steps, reverse=True) and e.target == at:
            at = e.source
        else:
            raise AssertionError(f"{e} cannot be walked from {at} along {steps}")
        seen.append(at)
    return seen


def check_edges_are_the_graphs(g: GovernanceGraph, path: Sequence[Edge]) -> None:
    known = g.edges()
    assert all(any(e is k for k in known) for e in path)


@given(multigraphs(), step_sets, st.data())
def test_search_for_a_node_finds_it_exactly_when_reachable(
        g: GovernanceGraph, steps: list[Step] | None, data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(g.nodes()))
    target = data.draw(st.sampled_from([*g.nodes(), "elsewhere"]))
    d = distances(g, steps)
    reach = {b for b in g.nodes() if d[start, b] < INFINITY}
    result = g.search(start, target, steps)
    if target in reach:
        assert result.found == target
        assert walk(start, result.path, steps)[-1] == target
        assert len(result.path) == d[start, target]  # breadth-first: a shortest witness
        check_edges_are_the_graphs(g, result.path)
    else:
        assert result.found is None and result.path == ()
        assert set(result.reached) == reach
        assert result.undecided == ()  # a node key is always decided


@given(multigraphs(), step_sets, st.data())
def test_search_for_a_condition_agrees_with_brute_force(
        g: GovernanceGraph, steps: list[Step] | None, data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(g.nodes()))
    verdicts = dict(zip(g.nodes(), data.draw(st.lists(
        st.sampled_from([True, False, None]), min_size=len(g), max_size=len(g))), strict=True))
    asked: list[str] = []

    def condition(key: str) -> bool | None:
        asked.append(key)
        return verdicts[key]

    d = distances(g, steps)
    reach = [b for b in g.nodes() if d[start, b] < INFINITY]
    joined = moves(g, steps)
    result = g.search(start, condition, steps)
    assert len(asked) == len(set(asked))  # each node is asked at most once
    meeting = [b for b in reach if verdicts[b] is True]
    if meeting:
        assert result.found is not None and verdicts[result.found] is True
        visited = walk(start, result.path, steps)
        assert visited[-1] == result.found
        assert len(result.path) == d[start, result.found] == min(d[start, b] for b in meeting)
        check_edges_are_the_graphs(g, result.path)
    else:
        assert result.found is None and result.path == ()
        assert result.reached[0] == start
        assert sorted(result.reached) == sorted(reach)  # each reached node once
        order = [d[start, b] for b in result.reached]
        assert order == sorted(order)  # breadth-first
        assert set(result.undecided) == {b for b in reach if verdicts[b] is None}
        assert set(result.stopped) == {b for b in reach
                                       if not any(a == b for a, _ in joined)}
        assert sorted(asked) == sorted(reach)


@given(multigraphs(), step_sets, st.data())
def test_reachable_is_the_closure(g: GovernanceGraph, steps: list[Step] | None,
                                  data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(g.nodes()))
    # An independent fixpoint: keep adding what one step joins until nothing changes.
    joined, closure = moves(g, steps), {start}
    while True:
        grown = closure | {b for a, b in joined if a in closure}
        if grown == closure:
            break
        closure = grown
    reached = g.reachable(start, steps)
    assert reached[0] == start and len(reached) == len(set(reached))
    assert set(reached) == closure


@given(multigraphs(), step_sets)
def test_one_real_cycle_per_strongly_connected_component(
        g: GovernanceGraph, steps: list[Step] | None) -> None:
    d, joined = distances(g, steps), moves(g, steps)
    components = {frozenset(b for b in g.nodes() if d[a, b] < INFINITY and d[b, a] < INFINITY)
                  for a in g.nodes()}
    with_cycle = {c for c in components if len(c) > 1 or any((a, a) in joined for a in c)}
    cycles = g.cycles(steps)
    seen: set[frozenset[str]] = set()
    for cycle in cycles:
        assert cycle
        check_edges_are_the_graphs(g, cycle)
        visits = []
        for start in dict.fromkeys((cycle[0].source, cycle[0].target)):
            try:
                visits = walk(start, cycle, steps)
            except AssertionError:
                continue
            if visits[-1] == visits[0]:
                break
        assert visits and visits[-1] == visits[0], cycle  # closed walk of allowed steps
        assert len(set(visits[:-1])) == len(cycle)  # through each node once
        [home] = [c for c in with_cycle if set(visits) <= c]
        assert home not in seen  # one per component
        seen.add(home)
    assert seen == with_cycle


@given(multigraphs(), step_sets, st.data())
def test_successors_and_predecessors_are_one_step(
        g: GovernanceGraph, steps: list[Step] | None, data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(g.nodes()))
    joined = moves(g, steps)
    after, before = g.successors(key, steps), g.predecessors(key, steps)
    assert len(after) == len(set(after)) and len(before) == len(set(before))
    assert set(after) == {b for a, b in joined if a == key}
    assert set(before) == {a for a, b in joined if b == key}


# ---------------------------------------------------------------- properties of building

ORG_IDS = ("xa-mict", "xa-cirt", "donor-a", "impl-a", "A1", "pmu", "program", "activity:A1")
BODY_IDS = ("steering", "pmu", "board", "body:steering", "xa-cirt")
ACTIVITY_IDS = ("A1", "A2", "xa-cirt", "steering", "program", "activity:A1")
UNKNOWN_IDS = ("nobody", "xa-cirtt")
COUNTRIES = ("XA", "XB", "NL", "NO", "BE")
YEARS = st.integers(min_value=2026, max_value=2031)


def optional(draw: st.DrawFn, record: dict[str, Any], key: str,
             values: st.SearchStrategy[Any]) -> None:
    if draw(st.booleans()):
        record[key] = draw(values)


@st.composite
def proposals(draw: st.DrawFn, loadable: bool) -> dict[str, Any]:
    """Proposal data in format v1. `loadable`: ids unique per list (of declarations and of
    references), no body named like an organisation, every reference to something
    declared (what the loader accepts);
    otherwise anything goes: repeated ids, references to nothing, values of the wrong type."""
    def ids(pool: Sequence[str], least: int = 0) -> list[str]:
        drawn = draw(st.lists(st.sampled_from(pool), min_size=least, max_size=5,
                              unique=loadable))
        if not loadable and drawn and draw(st.booleans()):
            drawn.append(draw(st.sampled_from(drawn)))  # a repeated id, last
        return drawn

    org_ids = ids(ORG_IDS, 1 if loadable else 0)
    body_ids = ids([b for b in BODY_IDS if b not in org_ids] if loadable else BODY_IDS)
    activity_ids = ids(ACTIVITY_IDS)
    org: st.SearchStrategy[Any]
    if loadable:
        org = st.sampled_from(org_ids)
        node = st.sampled_from(org_ids + body_ids)
    else:
        junk = st.sampled_from(UNKNOWN_IDS) | st.none() | st.integers() \
            | st.builds(lambda: ["xa-cirt"])
        declared_ids = org_ids + body_ids  # mostly references that resolve, to make edges
        org = (st.sampled_from(declared_ids) if declared_ids else st.nothing()) \
            | st.sampled_from(ORG_IDS + BODY_IDS) | junk
        node = org
    refs = st.lists(org, max_size=3, unique=loadable)  # the loader refuses an id listed twice

    data: dict[str, Any] = {
        "cappolicy": 1, "id": "XA-GEN", "title": "Generated", "host_country": "XA",
        "period": {"start": dt.date(2027, 1, 1), "end": dt.date(2029, 12, 31)}}
    data["organisations"] = []
    for i in org_ids:
        organisation = {"id": i, "name": f"Org {i}", "country": draw(st.sampled_from(COUNTRIES)),
                        "kind": draw(st.sampled_from(ORG_KINDS.values))}
        optional(draw, organisation, "funded_by", refs)
        data["organisations"].append(organisation)
    bodies = []
    for i in body_ids:
        body: dict[str, Any] = {"id": i, "kind": draw(st.sampled_from(BODY_KINDS.values))}
        optional(draw, body, "chair", refs)
        optional(draw, body, "members", refs)
        bodies.append(body)
    relations = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        relation: dict[str, Any] = {"from": draw(node),
                                    "kind": draw(st.sampled_from(RELATION_KINDS.values))}
        optional(draw, relation, "to", node)
        optional(draw, relation, "scope", st.lists(st.sampled_from(["budget", "staff"])))
        relations.append(relation)
    governance: dict[str, Any] = {}  # a section is left out only when nothing needs it
    keep: bool = draw(st.booleans())
    if bodies or keep:
        governance["bodies"] = bodies
    keep = draw(st.booleans())
    if relations or keep:
        governance["relations"] = relations
    keep = draw(st.booleans())
    if governance or keep:
        data["governance"] = governance

    activities = []
    for i in activity_ids:
        act: dict[str, Any] = {"id": i, "type": draw(st.sampled_from(ACTIVITY_TYPES.values)),
                               "led_by": draw(org)}
        optional(draw, act, "title", st.just(f"Activity {i}"))
        optional(draw, act, "partners", refs)
        optional(draw, act, "country", st.sampled_from(COUNTRIES))  # an extension field
        flows = []
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            flow: dict[str, Any] = {"data": draw(st.sampled_from(DATA_KINDS.values)),
                                    "from": draw(org), "to": draw(org)}
            optional(draw, flow, "basis", st.just("MoU"))
            flows.append(flow)
        optional(draw, act, "data_flows", st.just(flows))
        activities.append(act)
    optional(draw, data, "activities", st.just(activities))

    sources = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        source: dict[str, Any] = {"from": draw(org)}
        optional(draw, source, "type", st.sampled_from(["grant", "co-financing", "in-kind"]))
        optional(draw, source, "by_year", st.dictionaries(
            YEARS, st.integers(min_value=0, max_value=10**7), max_size=3))
        sources.append(source)
    funding: dict[str, Any] = {"sources": sources}
    optional(draw, funding, "currency", st.sampled_from(["EUR", "USD"]))
    optional(draw, data, "funding", st.just(funding))
    optional(draw, data, "roles", st.fixed_dictionaries({}, optional={
        phase: refs for phase in ("design", "implementation", "evaluation")}))
    optional(draw, data, "sunset", st.fixed_dictionaries(
        {}, optional={"handover_to": org, "date": st.just(dt.date(2029, 12, 31))}))
    optional(draw, data, "evaluation", st.fixed_dictionaries(
        {}, optional={"by": org, "independent": st.booleans()}))
    return data


def at(data: Any, path: Sequence[Any]) -> Any:
    """The value at `path`; fails when there is none."""
    for step in path:
        assert isinstance(data, (Mapping, list)), path
        data = data[step]
    return data


def declared(data: Any, *path: str) -> list[str]:
    """The distinct string ids of the records listed at `path`, in order."""
    items: Any = data
    for step in path:
        items = items.get(step) if isinstance(items, Mapping) else None
    if not isinstance(items, list):
        return []
    return list(dict.fromkeys(r["id"] for r in items
                              if isinstance(r, Mapping) and isinstance(r.get("id"), str)))


def expected_ends(data: Any, edge: Edge) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """(category, id) of both ends of an edge, read from the data at the edge's path."""
    here = at(data, edge.path)
    program = ("program", None)
    if edge.kind == "funds":
        return ("organisation", here["from"]), program
    if edge.kind == "budgets":
        return ("organisation", here), ("organisation", at(data, edge.path[:2])["id"])
    if edge.kind in ("participates", "evaluates"):
        return ("organisation", here), program
    if edge.kind in ("chairs", "member_of"):
        return ("organisation", here), ("body", at(data, edge.path[:3])["id"])
    if edge.kind in ("leads", "partners"):
        return ("organisation", here), ("activity", at(data, edge.path[:2])["id"])
    if edge.kind == "shares_data":
        return ("organisation", here["from"]), ("organisation", here["to"])
    if edge.kind == "hands_over_to":
        return program, ("organisation", here)
    assert edge.kind in parts.RELATION_EDGES and here["kind"] == edge.kind
    to = here.get("to")
    return ("node", here["from"]), ("node", to) if to is not None else program


#: Edge kinds made by a field inside the element their target stands for: how long its path is.
OWNED_BY = {"budgets": 2, "chairs": 3, "member_of": 3, "leads": 2, "partners": 2}


def check_graph(data: Any, g: GovernanceGraph) -> None:
    """What holds of every graph, whatever the proposal: one node per distinct element id,
    every edge between nodes, made by a field that exists, joining what that field names."""
    sections = {"organisation": ("organisations",), "body": ("governance", "bodies"),
                "activity": ("activities",)}
    ids: dict[str, dict[str, str]] = {c: {} for c in sections}
    for key in g.nodes():
        info = g.node(key)
        assert info is not None and len(dict(info)) == len(info)
        if info.category != "program":
            assert info["id"] not in ids[info.category]
            ids[info.category][info["id"]] = key
    assert len(g) == 1 + sum(len(v) for v in ids.values())
    for category, path in sections.items():
        assert list(ids[category]) == declared(data, *path)

    def key_of(end: tuple[str, Any]) -> str | None:
        category, ident = end
        if category == "program":
            return PROGRAM
        if category == "node":
            return ids["organisation"].get(ident) or ids["body"].get(ident)
        return ids[category].get(ident)

    paths = [e.path for e in g.edges()]
    assert len(paths) == len(set(paths))  # one edge per field
    for edge in g.edges():
        assert edge.source in g and edge.target in g
        source, target = expected_ends(data, edge)
        assert (edge.source, edge.target) == (key_of(source), key_of(target)), edge
        # A field inside an element makes an edge of that element's node, not of another
        # element that happens to share its id.
        owner = OWNED_BY.get(edge.kind)
        if owner is not None:
            info = g.node(edge.target)
            assert info is not None and info.path == edge.path[:owner], edge


@given(proposals(loadable=False).flatmap(lambda d: mutated(d, json_values) | st.just(d)))
def test_building_never_raises_and_never_invents(data: dict[str, Any]) -> None:
    check_graph(data, graph.build(data))


@given(proposals(loadable=True))
def test_a_loaded_proposal_makes_one_edge_per_stated_fact(data: dict[str, Any]) -> None:
    p = load_proposal_text(dump_yaml(data), "p.yaml")
    g = graph.build(p.data)
    check_graph(p.data, g)
    for edge in g.edges():
        assert edge.path in p.positions  # a finding about the edge can point at the field
    # Every reference resolves: the only notes are about shared ids and missing targets.
    assert all("shares its id" in note or "names no 'to'" in note for note in g.notes)

    roles = data.get("roles", {})
    governance = data.get("governance", {})
    activities = data.get("activities", [])
    relations = governance.get("relations", [])
    expected = Counter({
        "funds": len(data.get("funding", {}).get("sources", [])),
        "budgets": sum(len(o.get("funded_by", [])) for o in data["organisations"]),
        "participates": sum(len(v) for v in roles.values()),
        "chairs": sum(len(b.get("chair", [])) for b in governance.get("bodies", [])),
        "member_of": sum(len(b.get("members", [])) for b in governance.get("bodies", [])),
        "leads": len(activities),
        "partners": sum(len(a.get("partners", [])) for a in activities),
        "shares_data": sum(len(a.get("data_flows", [])) for a in activities),
        "hands_over_to": int("handover_to" in data.get("sunset", {})),
        "evaluates": int("by" in data.get("evaluation", {})),
    })
    expected.update(r["kind"] for r in relations if "to" in r or r["kind"] == "decides")
    assert Counter(e.kind for e in g.edges()) == +expected

    currency = data.get("funding", {}).get("currency")
    for edge in g.edges(["funds"]):
        by_year = at(p.data, edge.path).get("by_year")
        assert edge.get("amount") == (sum(by_year.values()) if by_year else None)
        assert edge.get("currency") == currency
    for edge in g.edges(["participates"]):
        assert edge["phase"] == edge.path[1]


# --- strongly connected components (cycles), without networkx ---------------------------


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40),
       st.integers(1, 13))
def test_components_are_networkx_components(pairs: list[tuple[int, int]], n: int) -> None:
    import networkx as nx

    succ: dict[str, dict[str, None]] = {str(i): {} for i in range(n)}
    for a, b in pairs:
        succ.setdefault(str(a), {})[str(b)] = None
        succ.setdefault(str(b), {})
    ours = parts.strongly_connected(succ)
    view = nx.DiGraph()
    view.add_nodes_from(succ)
    view.add_edges_from((a, b) for a, nbrs in succ.items() for b in nbrs)
    theirs = list(nx.strongly_connected_components(view))
    assert sorted(map(sorted, ours)) == sorted(map(sorted, theirs))
    assert sum(len(c) for c in ours) == len(succ)


def test_components_of_a_long_chain_need_no_recursion() -> None:
    n = 50_000
    succ = {str(i): {str(i + 1): None} for i in range(n)}
    succ[str(n)] = {"0": None}  # one ring through every node
    assert [len(c) for c in parts.strongly_connected(succ)] == [n + 1]


def test_networkx_copy_keeps_nodes_and_edges(good_graph: GovernanceGraph) -> None:
    copy_ = good_graph.networkx()
    assert list(copy_.nodes) == good_graph.nodes()
    assert sorted(k for _, _, k in copy_.edges(keys=True)) == \
        [e.id for e in good_graph.all_edges()]


def test_edges_are_walked_in_networkx_order(good_graph: GovernanceGraph) -> None:
    """The adjacency is laid out as networkx's MultiDiGraph's: neighbours in the order
    first linked, then the edges to each. Searches and cycles depend on that order."""
    nx_graph = good_graph.networkx()
    back = [Step(k, True) for k in parts.EDGE_KINDS]
    for key in good_graph.nodes():
        assert [e.id for _, e in good_graph.steps_from(key, None)] == \
            [k for _, _, k in nx_graph.out_edges(key, keys=True)]
        assert [e.id for _, e in good_graph.steps_from(key, back)] == \
            [k for _, _, k in nx_graph.in_edges(key, keys=True)]
