"""The shipped examples against the shipped rulesets: what each is meant to show."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.base.errors import CappolicyError
from cappolicy.cli.main import main
from cappolicy.engine.evaluate import evaluate
from cappolicy.proposal.load import load_proposal
from cappolicy.rulesets.catalog import Catalog, Rulesets

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
AS_OF = dt.date(2027, 1, 15)


@pytest.fixture(scope="module")
def rulesets() -> Rulesets:
    return Rulesets(Catalog())


def check(name: str, rulesets: Rulesets) -> list:
    return check_path(EXAMPLES / name, rulesets)


def check_path(path: Path, rulesets: Rulesets) -> list:
    proposal = load_proposal(path)
    choice = rulesets.for_country(proposal.host_country)
    return evaluate(choice.ruleset.compiled(), proposal, AS_OF, ruleset=choice.ruleset.id,
                    effective=choice.ruleset)


def test_the_good_proposal_passes_every_rule(rulesets: Rulesets) -> None:
    findings = check("xa-cirt-good.yaml", rulesets)
    bad = [(f.rule, f.outcome, f.message) for f in findings if f.outcome in ("fail", "unknown")]
    assert bad == []
    assert sum(f.outcome == "pass" for f in findings) >= 12


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")
                                        if p.name not in ("xa-cirt-good.yaml", "incomplete.yaml")))
def test_each_failing_example_fails_with_located_explained_findings(name: str, rulesets: Rulesets) -> None:
    failed = [f for f in check(name, rulesets) if f.outcome == "fail"]
    assert failed, f"{name} was written to fail but passed"
    for f in failed:
        assert f.span.line >= 1 and f.span.file.endswith(name)
        assert f.evidence, f"{f.rule} failed without evidence"
        assert f.principle and f.message


def test_the_failing_examples_fail_in_different_ways(rulesets: Rulesets) -> None:
    signatures = {
        name: frozenset(f.rule for f in check(name, rulesets) if f.outcome == "fail")
        for name in (p.name for p in EXAMPLES.glob("*.yaml"))
        if name not in ("xa-cirt-good.yaml", "incomplete.yaml")
    }
    assert len(set(signatures.values())) == len(signatures)


def test_the_incomplete_proposal_is_unknown_only_for_what_the_format_leaves_optional(
        rulesets: Rulesets) -> None:
    """An optional field of format v1 that is not stated leaves its rule undecided, naming
    the field; so do the rules over each funding source when there is none."""
    findings = check("incomplete.yaml", rulesets)
    unknown = {f.rule: f.missing for f in findings if f.outcome == "unknown"}
    assert unknown == {"CERT-02": ("organisations[1].funded_by",),
                       "BUD-02": ("funding",), "BUD-03": ("funding",), "SUN-04": ("funding",)}


def test_the_incomplete_proposal_fails_for_each_clause_a_principle_requires(
        rulesets: Rulesets) -> None:
    """A missing funding, sunset or evaluation section is a failure of the principle that
    asks for it (co-financing, sunset-and-exit, independent-evaluation), not an undecided rule."""
    findings = check("incomplete.yaml", rulesets)
    failed = {f.rule: f.principle for f in findings if f.outcome == "fail"}
    assert failed == {"FIN-01": "co-financing", "SUN-01": "sunset-and-exit",
                      "SUN-02": "sunset-and-exit", "EVAL-01": "independent-evaluation",
                      "EVAL-02": "independent-evaluation", "EVAL-03": "independent-evaluation"}


def _expected_failures(path: Path) -> set[str]:
    """The rule ids an example's header comment says it fails ("Expected failures: ...")."""
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line[1:].strip())
    text = " ".join(header)
    start = text.find("Expected failures:")
    assert start >= 0, f"{path.name} does not say which rules it fails"
    stated = text[start:].split("Everything else")[0]
    return set(re.findall(r"\b[A-Z]{2,6}-\d{2}\b", stated))  # 6: the built-in WAIVER-0n


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.yaml")
                                        if p.name not in ("xa-cirt-good.yaml", "incomplete.yaml")))
def test_each_example_fails_exactly_the_rules_its_header_names(name: str, rulesets: Rulesets) -> None:
    failed = {f.rule for f in check(name, rulesets) if f.outcome == "fail"}
    assert failed == _expected_failures(EXAMPLES / name)


def test_the_graph_examples_explain_where_a_reporting_chain_stops(rulesets: Rulesets) -> None:
    """A body answering to no host authority: the finding is located at the body and its
    evidence lists, with lines, what the reporting chain reached and where it stopped."""
    findings = [f for f in check("xb-donor-led.yaml", rulesets)
                if f.rule == "GOV-01" and f.outcome == "fail"]
    assert [f.element for f in findings] == ["steering"]
    trace = findings[0].evidence[0].graph
    assert trace is not None and trace.kind == "reached"
    assert [h.node for h in trace.hops] == ["steering", "de-agency"]
    # a donor: the chain is not passed on through it (GOV-01's `through:`), whatever follows
    assert trace.blocked == ("de-agency",) and trace.stopped == ()
    assert all(h.at is not None and h.at.line > 0 for h in trace.hops)
    assert trace.hops[1].via == "reports_to" and trace.hops[1].edge_at is not None
    assert findings[0].edges == (trace.hops[1].edge,)


def test_a_donor_deciding_alone_fails_decision_rights_at_the_relation(rulesets: Rulesets) -> None:
    proposal = load_proposal(EXAMPLES / "xb-donor-led.yaml")
    findings = [f for f in check("xb-donor-led.yaml", rulesets)
                if f.rule == "DEC-02" and f.outcome == "fail"]
    donor = [f for f in findings if "de-agency" in f.message]
    assert len(donor) == 1
    relation = proposal.data["governance"]["relations"].index(
        {"from": "de-agency", "kind": "decides", "scope": ["budget-reallocation"]})
    assert donor[0].span == proposal.span_of(("governance", "relations", relation))
    # a donor decides (a foreign party, DEC-02's first clause), and answers to no one
    def walk(evidence):  # type: ignore[no-untyped-def]
        for ev in evidence:
            yield ev
            yield from walk(ev.children)
    said = list(walk(donor[0].evidence))
    assert any(ev.expr == "decision.from.kind not in foreign_kinds" and ev.result == "false"
               for ev in said)
    [trace] = [ev.graph for ev in said if ev.graph is not None]
    assert [h.node for h in trace.hops] == ["de-agency"]
    assert trace.stopped == ("de-agency",)  # the start is not held to `through:`


def test_a_reporting_loop_is_shown_edge_by_edge(rulesets: Rulesets) -> None:
    loop = [f for f in check("xd-parallel-structures.yaml", rulesets)
            if f.rule == "GOV-02" and f.outcome == "fail"]
    assert len(loop) == 1
    trace = loop[0].evidence[0].graph
    assert trace is not None and trace.kind == "cycle"
    assert [h.node for h in trace.hops] == ["steering", "pmu", "steering"]
    assert len(loop[0].edges) == 2


INCOHERENT = EXAMPLES.parent / "incoherent"


def _header(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    return " ".join(lines)


@pytest.mark.parametrize("name", sorted(p.name for p in INCOHERENT.glob("*.yaml")))
def test_each_incoherent_example_fails_or_is_refused_for_the_reason_it_states(
        name: str, rulesets: Rulesets) -> None:
    """An incoherent proposal never passes: either the loader refuses it (exit 2, the error
    located at the value at fault) or exactly the rules its header names fail, and no rule
    at `must` is left undecided."""
    path = INCOHERENT / name
    header = _header(path)
    refused = re.search(r"Expected errors: (CP\d{3}) at line (\d+)\.", header)
    if refused:
        with pytest.raises(CappolicyError) as info:
            load_proposal(path)
        assert [(d.code, d.span.line if d.span else None) for d in info.value.diagnostics] == \
            [(refused.group(1), int(refused.group(2)))]
        result = CliRunner().invoke(main, ["check", str(path), "--as-of", AS_OF.isoformat()])
        assert result.exit_code == 2, result.output
        return
    findings = check_path(path, rulesets)
    assert {f.rule for f in findings if f.outcome == "fail"} == _expected_failures(path)
    assert [f.rule for f in findings if f.outcome == "unknown" and f.severity == "must"] == []


def test_there_are_incoherent_examples_of_each_kind() -> None:
    headers = [_header(p) for p in INCOHERENT.glob("*.yaml")]
    assert sum("Expected errors:" in h for h in headers) >= 3
    assert sum("Expected failures:" in h for h in headers) >= 5
