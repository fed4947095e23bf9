"""Graph queries in the rule language: what they compute, what they refuse, and how a
graph rule explains itself (the path found, or what was reached and where it stopped)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import jsonschema
import pytest

from cappolicy.base.errors import AnalysisError, Diagnostic
from cappolicy.base.span import Span
from cappolicy.engine.compile import Compiler, Context, Env, ParamValue
from cappolicy.engine.evaluate import RuleSpec, compile_rules, evaluate
from cappolicy.engine.findings import Finding, Provenance
from cappolicy.lang import ast
from cappolicy.lang import values as V
from cappolicy.lang.parse import parse_expr, parse_text
from cappolicy.lang.types import STRING, SetT
from cappolicy.proposal.load import load_proposal_text
from cappolicy.proposal.model import Proposal
from cappolicy.render.jsonfmt import (
    finding_to_json,
    findings_from_json,
    load_schema,
    render_json,
    whole_finding_from_json,
)
from cappolicy.render.text import render_finding
from cappolicy.report.model import ProposalResult, Report

PUBLIC = ParamValue("public_sector", SetT(STRING), frozenset({"ministry", "cert"}),
                    "{cert, ministry}", Provenance("baseline", Span("baseline.cpol", 2, 1)))
PARAMS = {"public_sector": PUBLIC}

PROPOSAL = """\
cappolicy: 1
id: XA-T
title: Graph test
host_country: XA
period: {start: 2027-01-01, end: 2028-12-31}
organisations:
  - {id: mict, name: Ministry, country: XA, kind: ministry}
  - {id: cirt, name: CIRT, country: XA, kind: cert, funded_by: [mict]}
  - {id: donor, name: Donor, country: NL, kind: donor}
  - {id: impl, name: Implementer, country: BE, kind: implementer}
roles: {design: [mict, impl], implementation: [cirt, impl]}
funding:
  currency: EUR
  sources:
    - {from: donor, type: grant, by_year: {2027: 600, 2028: 300}}
    - {from: mict, type: co-financing, by_year: {2027: 100}}
activities:
  - {id: A1, type: mentorship, led_by: cirt, partners: [impl],
     data_flows: [{data: personal, from: cirt, to: impl, basis: "DPA s.3"}]}
governance:
  bodies:
    - {id: steering, kind: steering-committee, chair: [mict], members: [mict, donor]}
    - {id: pmu, kind: pmu, chair: [impl], members: [impl, cirt]}
    - {id: wg, kind: working-group, chair: [impl], members: [impl]}
  relations:
    - {from: pmu, to: steering, kind: reports_to}
    - {from: steering, to: mict, kind: reports_to}
    - {from: wg, to: impl, kind: reports_to}
    - {from: mict, to: pmu, kind: oversees}
    - {from: donor, kind: decides, scope: [budget-reallocation]}
sunset: {date: 2028-12-31, handover_to: cirt}
evaluation: {by: impl}
"""


@pytest.fixture(scope="module")
def proposal() -> Proposal:
    return load_proposal_text(PROPOSAL, "p.yaml")


def value(text: str, proposal: Proposal, **bound: object) -> object:
    c = Compiler(PARAMS)
    node = c.expr(parse_expr(text), {name: ast_type for name, ast_type in _types(bound).items()})
    assert c.errors == [], [d.message for d in c.errors]
    env = Env(Context(proposal.data, dt.date(2027, 1, 1), proposal))
    env.vars.update(bound)
    return node.fn(env)


def _types(bound: Mapping[str, object]) -> dict:
    from cappolicy.proposal.schema import GRAPH_NODE_REF
    return {name: GRAPH_NODE_REF for name in bound}


def errors(check: str) -> list[Diagnostic]:
    text = f'ruleset r\nrule R-1 "t" {{\n  principle p\n  require {check}\n}}\n'
    f = parse_text(text, "r.cpol")
    specs = [RuleSpec(r, "must", r.message, r.hint, Provenance("r", r.span))
             for r in f.items if isinstance(r, ast.Rule)]
    with pytest.raises(AnalysisError) as info:
        compile_rules(specs, PARAMS)
    return list(info.value.diagnostics)


def findings(rule_text: str, proposal: Proposal) -> list[Finding]:
    f = parse_text('ruleset r\n' + rule_text, "r.cpol")
    specs = [RuleSpec(r, r.severity or "must", r.message, r.hint, Provenance("r", r.span))
             for r in f.items if isinstance(r, ast.Rule)]
    return evaluate(compile_rules(specs, PARAMS), proposal, dt.date(2027, 1, 1), "r")


# ------------------------------------------------------------------ queries


def test_nodes_by_category_by_kind_and_by_a_param(proposal: Proposal) -> None:
    assert value("graph.nodes(kind: body)", proposal) == ["steering", "pmu", "wg"]
    assert value("graph.nodes(kind: cert)", proposal) == ["cirt"]
    assert value("graph.nodes(kind: public_sector)", proposal) == ["mict", "cirt"]
    assert value("graph.nodes(kind: {donor, activity})", proposal) == ["donor", "A1"]
    assert value("count(graph.nodes())", proposal) == 1 + 4 + 3 + 1


def test_edges_by_kind_and_end(proposal: Proposal) -> None:
    funds = value("graph.edges(kind: funds)", proposal)
    assert [(e["from"], e["to"], e["amount"]) for e in funds] == [
        ("donor", "program", 900), ("mict", "program", 100)]
    assert [e["kind"] for e in value('graph.edges(from: "impl")', proposal)] == [
        "participates", "participates", "chairs", "member_of", "chairs", "member_of",
        "partners", "evaluates"]
    assert value('count(graph.edges(kind: reports_to, to: "steering"))', proposal) == 1


def test_following_edges_forwards_and_backwards(proposal: Proposal) -> None:
    assert value('graph.successors("pmu", via: [reports_to])', proposal) == ["steering"]
    assert value('graph.successors("pmu", via: [oversees<-])', proposal) == ["mict"]
    assert value('graph.predecessors("cirt", via: [budgets])', proposal) == ["mict"]
    assert value('graph.reachable("pmu", via: [reports_to])', proposal) == [
        "pmu", "steering", "mict"]


def test_reaching_a_node_or_a_node_meeting_a_condition(proposal: Proposal) -> None:
    host_authority = "n -> n.country == host_country and n.kind in public_sector"
    assert value(f"graph.reaches(b, {host_authority}, via: [reports_to])", proposal,
                 b="pmu") is True
    assert value(f"graph.reaches(b, {host_authority}, via: [reports_to])", proposal,
                 b="wg") is False
    assert value('graph.reaches("pmu", "mict", via: [reports_to])', proposal) is True
    assert value('graph.reaches("mict", "pmu", via: [reports_to])', proposal) is False
    assert value('graph.reaches("mict", to: "mict", via: [reports_to])', proposal) is True
    assert value('graph.path("pmu", "mict", via: [reports_to])', proposal) == [
        "pmu", "steering", "mict"]
    assert value('graph.path("mict", "pmu", via: [reports_to])', proposal) == []
    assert value('graph.path("pmu", "mict", via: [oversees<-])', proposal) == ["pmu", "mict"]


def test_references_name_their_nodes(proposal: Proposal) -> None:
    assert value("graph.successors(activities[0].led_by, via: [leads])", proposal) == ["A1"]
    assert value("graph.successors(program, via: [hands_over_to])", proposal) == ["cirt"]


def test_a_condition_that_cannot_be_decided_leaves_the_query_unknown(proposal: Proposal) -> None:
    # bodies have no country: 'n.country == XA' alone is unknown at every body reached
    assert value('graph.reaches("mict", n -> n.country == "FR", via: [reports_to])',
                 proposal) is False
    assert value('graph.reaches("wg", n -> n.country == "FR", via: [reports_to])',
                 proposal) is V.UNKNOWN
    assert value('graph.reaches("pmu", n -> n.country == "FR" and n.kind == pmu, '
                 'via: [reports_to])', proposal) is V.UNKNOWN
    # ...unless another node decides it
    assert value('graph.reaches("pmu", n -> n.country == "XA" or n.kind == pmu, '
                 'via: [reports_to])', proposal) is True


def test_shares_of_funding_over_edges(proposal: Proposal) -> None:
    share = value("sum(e.amount for e in graph.edges(kind: funds) where e.from.host) / "
                  "sum(e.amount for e in graph.edges(kind: funds))", proposal)
    assert share == ast.Percent(0.1)


def test_cycles_are_found_once_per_loop(proposal: Proposal) -> None:
    assert value("graph.cycles(via: [reports_to])", proposal) == []
    assert value("graph.cycles(via: [reports_to, oversees])", proposal) == [
        ["mict", "pmu", "steering"]]


# ------------------------------------------------------------------ refusals


def test_unknown_methods_and_edge_kinds_are_named_with_a_suggestion() -> None:
    [d] = errors('graph.reach("a", "b")')
    assert d.code == "CP206" and d.help == "did you mean 'reaches'?"
    [d] = errors('graph.reaches("a", "b", via: [report_to])')
    assert d.code == "CP206" and d.help == "did you mean 'reports_to'?"
    [d] = errors("count(graph.nodes(kind: bodies)) > 0")
    assert d.code == "CP201" and d.help == "did you mean 'body'?"


def test_methods_belong_to_the_graph_only() -> None:
    [d] = errors('sunset.reaches("a", "b")')
    assert d.code == "CP206" and "only the governance graph" in (d.help or "")


def test_a_node_condition_or_via_outside_a_graph_query_is_refused() -> None:
    [d] = errors("len(n -> n.host) > 0")
    assert d.code == "CP206" and "only an argument of a graph query" in d.message


def test_a_graph_query_inside_a_node_condition_is_refused_to_stay_linear() -> None:
    [d] = errors('graph.reaches("a", n -> graph.reaches(n, "b"))')
    assert d.code == "CP206" and "once per node" in d.message


def test_arguments_are_checked() -> None:
    [d] = errors('graph.reaches("a")')
    assert d.code == "CP206" and "node and target" in d.message
    [d] = errors('count(graph.nodes(via: [funds])) > 0')
    assert d.code == "CP206" and "takes no 'via:'" in d.message
    [d] = errors("graph.reaches(period, \"b\")")
    assert d.code == "CP203" and "not a node" in d.message


# ------------------------------------------------------------------ explanations

BODY_RULE = '''rule GOV-01 "Bodies answer to a host authority" {
  principle no-parallel-mechanisms
  for body in graph.nodes(kind: body)
  require graph.reaches(body, n -> n.country == host_country and n.kind in public_sector,
                        via: [reports_to, oversees<-])
  message "{body} answers to no authority of {host_country}"
}
'''


def test_a_missing_reporting_line_shows_what_was_reached_and_where_it_stopped(
        proposal: Proposal) -> None:
    result = {f.element: f for f in findings(BODY_RULE, proposal)}
    assert {k: f.outcome for k, f in result.items()} == {
        "steering": "pass", "pmu": "pass", "wg": "fail"}
    wg = result["wg"]
    assert wg.span == proposal.span_of(("governance", "bodies", 2))
    trace = wg.evidence[0].graph
    assert trace is not None and trace.kind == "reached"
    assert [(h.node, h.via) for h in trace.hops] == [("wg", None), ("impl", "reports_to")]
    assert trace.stopped == ("impl",)
    assert trace.hops[1].edge_at == proposal.span_of(("governance", "relations", 2))
    assert trace.hops[1].at == proposal.span_of(("organisations", 3))
    assert wg.edges == (trace.hops[1].edge,)
    text = render_finding(wg)
    assert "wg -reports_to-> impl (implementer, BE, line 10)   (edge at line 28)" in text
    assert "stopped at impl: no reports_to, oversees<- edge leads on" in text


def test_a_forbidden_path_is_shown_as_the_witness(proposal: Proposal) -> None:
    rule = '''rule DEC-09 "No donor sits over the PMU" {
  principle decision-rights
  forbid graph.reaches("pmu", n -> n.kind == donor, via: [reports_to, member_of<-])
}
'''
    [f] = findings(rule, proposal)
    assert f.outcome == "fail"
    trace = f.evidence[0].graph
    assert trace is not None and trace.kind == "path"
    assert [(h.node, h.via) for h in trace.hops] == [
        ("pmu", None), ("steering", "reports_to"), ("donor", "member_of<-")]
    text = render_finding(f)
    assert "donor (donor, NL, line 9) -member_of-> steering" in text


def test_a_graph_explanation_survives_the_json_report(proposal: Proposal) -> None:
    [wg] = [f for f in findings(BODY_RULE, proposal) if f.outcome == "fail"]
    assert wg.evidence and wg.edges
    assert whole_finding_from_json(finding_to_json(wg)) == wg
    result = ProposalResult(file=wg.file, proposal_id="P", host_country=None,
                            ruleset=wg.ruleset or "r", findings=(wg,))
    report = Report(results=(result,), errors=(), fail_on="must", as_of=dt.date(2027, 1, 15),
                    tool_version="0")
    [(_, [back])] = findings_from_json(json.loads(render_json(report)))
    assert back == wg


def test_a_loop_found_backwards_is_listed_in_walking_order(proposal: Proposal) -> None:
    # along oversees<- and reports_to<-: mict <-oversees- ... the loop mict -> pmu -> steering
    # walked backwards visits mict, steering, pmu
    loops = value("graph.cycles(via: [reports_to<-, oversees<-])", proposal)
    assert loops == [["mict", "steering", "pmu"]]


# ------------------------------------------------------------------ through:


def test_a_search_through_a_condition_passes_only_the_nodes_it_holds_for(
        proposal: Proposal) -> None:
    # wg reports to the implementer only; with the implementer reporting on to the
    # ministry, wg reaches it, but not through a foreign party
    rerouted = load_proposal_text(PROPOSAL.replace(
        "    - {from: donor, kind: decides, scope: [budget-reallocation]}\n",
        "    - {from: donor, kind: decides, scope: [budget-reallocation]}\n"
        "    - {from: impl, to: mict, kind: reports_to}\n"), "p.yaml")
    host = "n -> n.country == host_country and n.kind in public_sector"
    not_foreign = "n -> n.kind not in {donor, implementer}"
    assert value(f"graph.reaches(b, {host}, via: [reports_to])", rerouted, b="wg") is True
    assert value(f"graph.reaches(b, {host}, via: [reports_to], through: {not_foreign})",
                 rerouted, b="wg") is False
    assert value(f'graph.path("wg", "mict", via: [reports_to], through: {not_foreign})',
                 rerouted) == []
    # the start and the node found are not held to it; bodies pass
    assert value(f'graph.reaches("impl", "mict", via: [reports_to], through: {not_foreign})',
                 rerouted) is True
    assert value(f"graph.path(b, {host}, via: [reports_to], through: {not_foreign})",
                 rerouted, b="pmu") == ["pmu", "steering", "mict"]
    # a node the condition cannot be decided for (bodies have no country) might be
    # passed or not: whether the walk through it reaches the ministry is unknown
    assert value(f'graph.reaches("pmu", "mict", via: [reports_to], '
                 f'through: n -> n.country == "XA")', rerouted) is V.UNKNOWN
    assert value(f'graph.path("pmu", "mict", via: [reports_to], '
                 f'through: n -> n.country == "XA")', rerouted) is V.UNKNOWN
    # ... unless no walk through it would reach it anyway
    assert value(f'graph.reaches("pmu", "donor", via: [reports_to], '
                 f'through: n -> n.country == "XA")', rerouted) is False


def test_a_forbidden_walk_through_a_node_that_cannot_be_judged_does_not_pass(
        proposal: Proposal) -> None:
    """`forbid graph.reaches(..., through: ...)`: a node the condition cannot be decided
    for might let the walk through. The rule is unknown there, and says which node; it
    does not pass as if the walk had stopped there."""
    rule = """rule G-8 "The PMU does not answer to the ministry through national bodies" {
  principle p
  forbid graph.reaches("pmu", "mict", via: [reports_to], through: n -> %s)
}
"""
    [f] = findings(rule % 'n.country == "XA"', proposal)
    assert f.outcome == "unknown", f.outcome
    shown = render_finding(f)
    assert "not known whether it passes through steering: cannot tell whether " \
           'n -> n.country == "XA" holds there' in shown, shown
    trace = finding_to_json(f)["evidence"][0]["graph"]
    assert (trace["blocked"], trace["unsure"]) == ([], ["steering"])
    schema = load_schema()  # the JSON report's schema takes it (no other key is allowed)
    assert list(jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/graph_trace", "$defs": schema["$defs"]}).iter_errors(trace)) == []
    assert render_finding(whole_finding_from_json(finding_to_json(f))) == shown
    # a condition true of the committee lets the walk through: the rule fails
    [f] = findings(rule % 'n.country == "XA" or n.kind == steering-committee', proposal)
    assert f.outcome == "fail", f.outcome


def test_a_through_that_is_no_node_condition_is_refused() -> None:
    [d] = errors('graph.reaches("a", "b", through: "c")')
    assert d.code == "CP206" and "'through:' takes a node condition" in d.message
    found = errors('count(graph.successors("a", through: n -> n.host)) > 0')
    assert [(d.code, d.message) for d in found] == [
        ("CP206", "graph.successors() takes no 'through:'")]


def test_the_nodes_not_passed_through_are_explained(proposal: Proposal) -> None:
    rerouted = load_proposal_text(PROPOSAL.replace(
        "    - {from: donor, kind: decides, scope: [budget-reallocation]}\n",
        "    - {from: donor, kind: decides, scope: [budget-reallocation]}\n"
        "    - {from: impl, to: mict, kind: reports_to}\n"), "p.yaml")
    rule = '''rule G-9 "Bodies answer to the host, not through a foreign party" {
  principle p
  for body in graph.nodes(kind: body)
  require graph.reaches(body, n -> n.country == host_country and n.kind in public_sector,
                        via: [reports_to], through: n -> n.kind not in {donor, implementer})
}
'''
    [failed] = [f for f in findings(rule, rerouted) if f.outcome == "fail"]
    assert failed.element == "wg"
    shown = render_finding(failed)
    assert "not passed through impl: n -> n.kind not in {donor, implementer} does not " \
           "hold there" in shown, shown
    assert "every edge from these leads back" not in shown
    trace = finding_to_json(failed)["evidence"][0]["graph"]
    assert (trace["through"], trace["blocked"]) == (
        "n -> n.kind not in {donor, implementer}", ["impl"])
    again = whole_finding_from_json(finding_to_json(failed))
    assert render_finding(again) == shown  # read back from JSON, it says the same
