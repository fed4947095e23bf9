"""The nodes and edges a finding is about (marks.py): every failing finding of the
examples about an organisation, body, activity or relation names them, so that the HTML
report's drawing and `cappolicy graph` can mark them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cappolicy.base.resources import shipped_rulesets
from cappolicy.base.span import Span
from cappolicy.engine.evaluate import evaluate
from cappolicy.engine.findings import Finding
from cappolicy.graph.governance import GovernanceGraph, build
from cappolicy.proposal.load import load_proposal
from cappolicy.proposal.model import Proposal
from cappolicy.render.marks import Marker, Marks
from cappolicy.rulesets.catalog import Catalog, Rulesets
from cappolicy.rulesets.edits import parse_path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
AS_OF = dt.date(2026, 1, 1)
ABOUT_ELEMENTS = ("organisations", "governance", "activities")


def checked(name: str) -> tuple[Proposal, GovernanceGraph, list[Finding]]:
    proposal = load_proposal(EXAMPLES / name)
    eff = Rulesets(Catalog([shipped_rulesets()])).for_country(proposal.host_country).ruleset
    findings = evaluate(eff.compiled(), proposal, AS_OF, ruleset=eff.id, effective=eff)
    return proposal, build(proposal.data), findings


def marked(name: str) -> tuple[GovernanceGraph, list[tuple[Finding, Marks]]]:
    proposal, graph, findings = checked(name)
    marker = Marker(graph, proposal)
    return graph, [(f, marker.marks(f)) for f in findings if f.outcome == "fail"]


def edge_names(graph: GovernanceGraph, marks: Marks) -> set[str]:
    edges = graph.all_edges()
    return {f"{edges[i].source} -{edges[i].kind}-> {edges[i].target}" for i in marks.edges}


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_failing_finding_about_an_element_names_it(name: str) -> None:
    _, found = marked(name)
    for finding, marks in found:
        path = parse_path(finding.path) or ()
        # a waiver's check names the rule waived as its element, not a part of the graph
        about = finding.element is not None and not finding.rule.startswith("WAIVER-")
        if about or (path and path[0] in ABOUT_ELEMENTS):
            assert marks.nodes or marks.edges, (finding.rule, finding.path)


def test_the_findings_that_walked_no_path_are_marked_too() -> None:
    graph, found = marked("xb-donor-led.yaml")
    by_rule = {(f.rule, f.element): m for f, m in found}
    dec = by_rule[("DEC-01", "steering")]  # a committee chaired by a foreign agency
    assert {"steering", "de-agency"} <= set(dec.nodes)
    assert "de-agency -chairs-> steering" in edge_names(graph, dec)
    own = by_rule[("OWN-02", "A1")]  # an activity led by a foreign implementer
    assert set(own.nodes) == {"fr-impl", "A1"}
    assert edge_names(graph, own) == {"fr-impl -leads-> A1"}
    cert = by_rule[("CERT-02", "xb-cert")]  # a CERT funded by a donor only
    assert edge_names(graph, cert) == {"de-agency -budgets-> xb-cert"}
    # before, only the findings whose evidence walked a graph path had edges
    assert sum(1 for f, _ in found if f.edges) < sum(1 for _, m in found if m.edges)


def test_an_evaluation_by_a_funded_party_names_both() -> None:
    _, found = marked("xd-parallel-structures.yaml")
    evals = [m for f, m in found if f.rule == "EVAL-04"]
    assert evals and all(m.nodes and m.edges for m in evals)


def test_a_finding_elsewhere_marks_nothing_of_this_graph() -> None:
    proposal, graph, _ = checked("xb-donor-led.yaml")
    stranger = Finding(rule="R", title="t", principle="p", source=None, severity="must",
                       outcome="fail", file="other.yaml",
                       span=Span("other.yaml", 3, 1), path="line 3",
                       message="m")
    assert not Marker(graph, proposal).marks(stranger)
