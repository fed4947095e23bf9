"""The governance graph written out (render/graphout.py) and `cappolicy graph`:
JSON that reads back to an equal graph, DOT that any id leaves well-formed, SVG
through Graphviz's `dot`, and the command's formats, files and exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from strategies import json_values, mutated

from cappolicy.base.span import Span
from cappolicy.cli.main import main
from cappolicy.engine.findings import Finding
from cappolicy.graph.governance import GovernanceGraph, build
from cappolicy.graph.parts import CATEGORIES, EDGE_KINDS, PROGRAM
from cappolicy.proposal.load import load_proposal, load_proposal_text
from cappolicy.proposal.model import Proposal
from cappolicy.render import graphout
from cappolicy.render.graphout import (
    NOT_INSTALLED,
    GraphDocumentError,
    GraphvizError,
    from_json,
    highlight_from_json,
    to_dot,
    to_json,
    to_svg,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))

#: A proposal of our own, so that editing the examples leaves these tests alone.
PROPOSAL = """cappolicy: 1
id: XA-PHISH-2028
title: Citizen phishing-reporting service
host_country: XA
period: {start: 2028-01-01, end: 2030-12-31}
organisations:
  - {id: xa-mict, name: Ministry of ICT, country: XA, kind: ministry}
  - {id: xa-cirt, name: National CIRT, country: XA, kind: cert}
  - {id: xa-treasury, name: National Treasury, country: XA, kind: ministry}
  - {id: xa-uni, name: University of Arcadia, country: XA, kind: academia}
  - {id: donor-b, name: Digital Development Fund, country: NL, kind: donor}
  - {id: impl-us, name: SafeClick Inc., country: US, kind: implementer}
roles:
  design: [xa-cirt, impl-us]
  implementation: [xa-cirt, impl-us]
  evaluation: [xa-uni]
funding:
  currency: EUR
  sources:
    - {from: donor-b, type: grant, by_year: {2028: 500000, 2029: 400000, 2030: 250000}}
    - {from: xa-treasury, type: co-financing, by_year: {2028: 100000, 2029: 150000}}
sunset: {date: 2030-12-31, handover_to: xa-cirt, plan: "The CIRT runs the service"}
activities:
  - id: A2
    title: Citizen phishing-reporting service
    type: equipment
    led_by: xa-cirt
    partners: [impl-us]
    start: 2028-01-01
    end: 2030-12-31
    data_flows:
      - {data: personal, from: xa-cirt, to: impl-us, basis: "Data Act s.9"}
      - {data: threat-intel, from: xa-cirt, to: impl-us}
governance:
  bodies:
    - {id: steering, kind: steering-committee, chair: [xa-mict], members: [xa-mict, donor-b]}
  relations:
    - {from: steering, kind: decides, scope: [budget, procurement]}
evaluation: {independent: true, by: xa-uni}
"""


def located(needle: str, text: str = PROPOSAL) -> tuple[int, int]:
    """Line and column where `needle` first occurs in `text`."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


@pytest.fixture()
def proposal_file(tmp_path: Path) -> Path:
    path = tmp_path / "phish.yaml"
    path.write_text(PROPOSAL, encoding="utf-8")
    return path


def loaded(name: str = "phish.yaml") -> Proposal:
    return load_proposal_text(PROPOSAL, name)


def edge_id(graph: GovernanceGraph, kind: str, **attrs: Any) -> int:
    [edge] = [e for e in graph.edges([kind]) if all(e.attrs.get(k) == v for k, v in attrs.items())]
    return edge.id

#: Ids a hostile proposal could hold: DOT and HTML syntax, escapes, a trailing backslash.
HOSTILE = ['"', "\\", 'a\\', '\\"', 'x" -> "y', "n0 -> n1", "<B>bold</B>", "&amp;", "a;b",
           "}", "{", "[label=x]", "// c", "/* c */", "#", "ünïcødé ✓", "line\nbreak", "é\"\\"]


# --- strategies: kept here because only these tests draw governance graphs ---------------------

texts = st.text(max_size=12) | st.sampled_from(HOSTILE)
steps = st.text(max_size=8) | st.integers(min_value=-3, max_value=10_000)
paths = st.lists(steps, max_size=4).map(tuple)
numbers = st.integers(min_value=-(10**15), max_value=10**15) | st.floats(
    allow_nan=False, allow_infinity=False)
by_year = st.dictionaries(st.integers(min_value=-(10**6), max_value=10**6), numbers, max_size=4)
attributes = st.dictionaries(st.text(max_size=8).filter(lambda k: k != "by_year"), json_values,
                             max_size=3)


@st.composite
def graphs(draw: st.DrawFn) -> GovernanceGraph:
    graph = GovernanceGraph(draw(texts), draw(st.none() | texts), draw(texts))
    keys = draw(st.lists(texts, min_size=1, max_size=8, unique=True))
    for key in keys:
        graph.add_node(key, {
            "id": draw(texts), "category": draw(st.sampled_from(CATEGORIES)),
            "kind": draw(st.none() | texts), "name": draw(st.none() | texts),
            "country": draw(st.none() | texts), "host": draw(st.none() | st.booleans()),
        }, {"ignored": "elements are not written"}, draw(paths))
    for _ in range(draw(st.integers(min_value=0, max_value=10))):
        attrs = draw(attributes)
        if draw(st.booleans()):
            attrs["by_year"] = draw(by_year)
        graph.add_edge(draw(st.sampled_from(EDGE_KINDS) | texts), draw(st.sampled_from(keys)),
                       draw(st.sampled_from(keys)), attrs, draw(paths))
    graph.notes.extend(draw(st.lists(texts, max_size=2)))
    return graph


def through_json(doc: dict[str, Any]) -> Any:
    return json.loads(json.dumps(doc))


# --- JSON ------------------------------------------------------------------------------------


@given(graphs())
def test_json_reads_back_to_an_equal_graph(graph: GovernanceGraph) -> None:
    back = from_json(through_json(to_json(graph)))
    assert back == graph
    assert back.notes == graph.notes
    for edge in back.all_edges():  # by_year keys are years again, not strings
        assert all(isinstance(y, int) for y in edge.attrs.get("by_year", {}))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_reads_back(path: Path) -> None:
    proposal = load_proposal(path)
    graph = build(proposal.data)
    doc = through_json(to_json(graph, proposal))
    assert from_json(doc) == graph
    assert doc["proposal"]["file"] == proposal.file
    for edge, data in zip(graph.all_edges(), doc["edges"]):
        span = proposal.span_of(edge.path)
        assert data["at"] == {"line": span.line, "column": span.column}


def test_document_shape_for_a_proposal() -> None:
    proposal = loaded()
    graph = build(proposal.data)
    personal = edge_id(graph, "shares_data", data="personal")
    grant = edge_id(graph, "funds", type="grant")
    doc = to_json(graph, proposal, highlight=[personal, grant, 999, personal])
    assert (doc["format"], doc["version"]) == ("cappolicy-graph", 1)
    assert doc["proposal"] == {"id": "XA-PHISH-2028", "title": "Citizen phishing-reporting service",
                               "host_country": "XA", "file": "phish.yaml"}
    assert doc["highlight"] == sorted([personal, grant])  # an id the graph lacks is dropped
    [impl] = [n for n in doc["nodes"] if n["key"] == "impl-us"]
    line, column = located("{id: impl-us")
    assert impl == {"key": "impl-us", "category": "organisation", "kind": "implementer",
                    "id": "impl-us", "name": "SafeClick Inc.", "country": "US", "host": False,
                    "path": ["organisations", 5], "at": {"line": line, "column": column}}
    funds = doc["edges"][grant]
    assert funds["id"] == grant
    assert funds["kind"] == "funds" and funds["from"] == "donor-b" and funds["to"] == PROGRAM
    assert funds["attributes"] == {"type": "grant", "amount": 1150000, "currency": "EUR",
                                   "by_year": {"2028": 500000, "2029": 400000, "2030": 250000}}
    assert funds["path"] == ["funding", "sources", 0]
    line, column = located("{from: donor-b")
    assert funds["at"] == {"line": line, "column": column}
    assert "findings" not in doc


def test_document_without_a_proposal_has_no_locations() -> None:
    doc = to_json(build(loaded().data))
    assert doc["proposal"]["file"] is None
    assert all(item["at"] is None for item in doc["nodes"] + doc["edges"])
    assert "highlight" not in doc


def test_editing_the_document_leaves_the_graph_alone() -> None:
    graph = GovernanceGraph("P")
    graph.add_node("a", {"id": "a", "category": "organisation"}, {}, ())
    graph.add_edge("decides", "a", "a", {"scope": ["budget"]}, ("x",))
    to_json(graph)["edges"][0]["attributes"]["scope"].append("everything")
    assert graph.all_edges()[0].attrs["scope"] == ["budget"]


def finding(outcome: str, edges: tuple[int, ...], rule: str = "R-1") -> Finding:
    return Finding(rule=rule, title="t", principle="p", source=None, severity="must",
                   outcome=outcome, file="f.yaml", span=Span("f.yaml", 3, 5), path="roles",
                   message=f"{rule} {outcome}", ruleset="xa", edges=edges)


def test_findings_summary_lists_failing_findings_and_their_edges() -> None:
    graph = build(loaded().data)
    doc = to_json(graph, findings=[finding("fail", (20, 19, 20)), finding("pass", (1,), "R-2"),
                                   finding("waived", (2,), "R-3")])
    summary = doc["findings"]
    assert summary["ruleset"] == "xa"
    assert summary["outcomes"] == {"fail": 1, "unknown": 0, "waived": 1, "pass": 1,
                                   "not-applicable": 0}
    assert summary["failing"] == [{"rule": "R-1", "severity": "must", "element": None,
                                   "path": "roles", "line": 3, "column": 5,
                                   "message": "R-1 fail", "edges": [19, 20]}]


def valid_doc() -> dict[str, Any]:
    proposal = loaded()
    doc: dict[str, Any] = through_json(to_json(build(proposal.data), proposal, highlight=[0]))
    return doc


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "value", "message"), [
    (("format",), "cappolicy.report", "at format: expected 'cappolicy-graph'"),
    (("version",), 2, "at version: unsupported version the number 2 (this cappolicy reads version 1)"),
    (("version",), True, "at version"),
    (("proposal",), KeyError, "at (top): 'proposal' is missing"),
    (("proposal", "host_country"), 3, "at proposal.host_country: expected a string or null"),
    (("nodes",), {}, "at nodes: expected a list, found an object"),
    (("nodes", 1, "key"), "program", "at nodes[1].key: a second node 'program'"),
    (("nodes", 2, "host"), "yes", "at nodes[2].host: expected true, false or null"),
    (("nodes", 3, "path", 1), True, "at nodes[3].path[1]: a path step is a string or an integer"),
    (("nodes", 0, "name"), KeyError, "at nodes[0]: 'name' is missing"),
    (("edges", 1, "id"), 5, "at edges[1].id: expected 1"),
    (("edges", 0, "to"), "nobody", "at edges[0].to: no node 'nobody'"),
    (("edges", 0, "attributes", "by_year"), {"20x7": 1}, "at edges[0].attributes.by_year"),
    (("edges", 0, "attributes", "by_year"), {"02027": 1}, "found the string '02027'"),
    (("edges", 0, "attributes"), [], "at edges[0].attributes: expected an object"),
    (("highlight",), [0, 10**6], "at highlight[1]: no edge 1000000"),
    (("notes",), [1], "at notes[0]: expected a string"),
])
def test_malformed_documents_are_refused_with_their_place(
        path: tuple[Any, ...], value: Any, message: str) -> None:
    doc = _set(valid_doc(), path, value)
    with pytest.raises(GraphDocumentError) as caught:
        from_json(doc)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "CP424"
    assert message in diagnostic.message


@pytest.mark.parametrize("doc", [None, [], "graph", {"format": "cappolicy-graph"}])
def test_documents_that_are_not_graphs_are_refused(doc: Any) -> None:
    with pytest.raises(GraphDocumentError):
        from_json(doc)


_VALID = valid_doc()


@given(mutated(_VALID, json_values))
def test_any_edit_of_a_document_reads_or_is_refused(doc: Any) -> None:
    try:
        graph = from_json(doc)
    except GraphDocumentError:
        return
    assert isinstance(graph, GovernanceGraph)


def test_highlight_reads_back() -> None:
    assert highlight_from_json(valid_doc()) == frozenset({0})
    doc = valid_doc()
    del doc["highlight"]
    assert highlight_from_json(doc) == frozenset()


# --- DOT -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<arrow>->)
  | (?P<punct>[\[\];,={}])
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
  | (?P<quoted>"(?:[^"\\]|\\["\\])*")
  | (?P<html><)
)""", re.VERBOSE)


def dot_tokens(line: str) -> list[tuple[str, str]]:
    """The tokens of one line of DOT; fails on anything the DOT grammar would not read.
    Quoted strings may hold no backslash but before a quote (Graphviz reads `"a\\\\"` as
    an unterminated string), and an HTML string must close on the same line."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        assert m is not None, f"cannot read DOT at column {pos + 1}: {line[pos:pos + 30]!r}"
        kind = m.lastgroup
        assert kind is not None
        if kind == "html":
            depth, end = 0, m.start("html")
            while True:
                assert end < len(line), f"an HTML string is not closed: {line!r}"
                depth += {"<": 1, ">": -1}.get(line[end], 0)
                end += 1
                if depth == 0:
                    break
            tokens.append(("html", line[m.start("html") + 1:end - 1]))
            pos = end
            continue
        if kind == "quoted":
            assert "\\" not in m.group(kind).replace('\\"', ""), line
        tokens.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(line) and line[pos] == " ":
            pos += 1
    return tokens


def label_text(html: str) -> str:
    """The text an HTML-like label shows, line breaks as newlines (it must be well-formed XML)."""
    root = ET.fromstring(f"<label>{html.replace('<BR/>', '&#10;')}</label>")
    return "".join(root.itertext())


def statements(dot: str) -> dict[str, list[list[tuple[str, str]]]]:
    """Node and edge statements of a DOT text written one statement a line."""
    lines = dot.splitlines()
    assert lines[0] == "digraph governance {" and lines[-1] == "}"
    out: dict[str, list[list[tuple[str, str]]]] = {"node": [], "edge": [], "default": []}
    for line in lines[1:-1]:
        tokens = dot_tokens(line)
        assert tokens[-1] == ("punct", ";"), line
        if tokens[0][1] in ("graph", "node", "edge"):
            out["default"].append(tokens)
        elif tokens[1] == ("arrow", "->"):
            out["edge"].append(tokens)
        else:
            out["node"].append(tokens)
    return out


def attribute(tokens: list[tuple[str, str]], name: str) -> tuple[str, str] | None:
    for i, token in enumerate(tokens[:-2]):
        if token == ("id", name) and tokens[i + 1] == ("punct", "="):
            return tokens[i + 2]
    return None


def hostile_graph() -> GovernanceGraph:
    graph = GovernanceGraph('P"1\\', "X\"A", 'Title <with> "quotes" \\')
    graph.add_node(PROGRAM, {"id": 'P"1\\', "category": "program", "kind": "program",
                             "name": None, "country": None, "host": None}, {}, ())
    for i, key in enumerate(HOSTILE):
        graph.add_node(key, {"id": key, "category": CATEGORIES[1 + i % 3], "kind": key,
                             "name": None, "country": key, "host": i % 2 == 0}, {}, ())
    for i, key in enumerate(HOSTILE):
        graph.add_edge("shares_data", key, HOSTILE[-1 - i], {"data": key, "basis": key}, ())
    graph.add_edge('kind "x" \\', HOSTILE[0], PROGRAM, {}, ())
    return graph


def test_hostile_ids_give_well_formed_dot_that_shows_them() -> None:
    graph = hostile_graph()
    dot = to_dot(graph, highlight={0})
    parsed = statements(dot)
    assert len(parsed["node"]) == len(graph)
    assert len(parsed["edge"]) == len(graph.all_edges())
    shown = [label_text(attribute(tokens, "label")[1]) for tokens in parsed["node"]]  # type: ignore[index]
    for key, text in zip(graph.nodes()[1:], shown[1:]):
        assert key in text  # every id is shown as it is, newline included
    for edge, tokens in zip(graph.all_edges(), parsed["edge"]):
        text = label_text(attribute(tokens, "label")[1])  # type: ignore[index]
        assert text.startswith(edge.kind)
        if edge.kind == "shares_data":
            assert f"{edge.attrs['data']} ({edge.attrs['basis']})" in text
    [title] = [attribute(t, "label") for t in parsed["default"] if t[0][1] == "graph"]
    assert title is not None and 'P"1\\: Title <with> "quotes" \\' in label_text(title[1])


@given(graphs(), st.sets(st.integers(min_value=-1, max_value=12)))
def test_any_graph_gives_well_formed_dot(graph: GovernanceGraph, marked: set[int]) -> None:
    dot = to_dot(graph, marked)
    parsed = statements(dot)
    assert len(parsed["node"]) == len(graph)
    assert len(parsed["edge"]) == len(graph.all_edges())
    for tokens in parsed["node"] + parsed["edge"]:
        label = attribute(tokens, "label")
        assert label is not None and label[0] == "html"
        label_text(label[1])
    assert to_dot(graph, marked) == dot  # deterministic


def test_nodes_are_styled_by_category_and_country() -> None:
    graph = build(loaded().data)
    parsed = statements(to_dot(graph))
    by_key = dict(zip(graph.nodes(), parsed["node"]))

    def style(key: str) -> tuple[str | None, str | None]:
        shape, fill = attribute(by_key[key], "shape"), attribute(by_key[key], "fillcolor")
        return (shape[1] if shape else None, fill[1] if fill else None)

    assert style(PROGRAM)[0] == "doubleoctagon"
    assert style("steering")[0] == "hexagon"
    assert style("A2")[0] == "ellipse"
    assert style("xa-cirt") == ("box", f'"{graphout.HOST_FILL}"')
    assert style("impl-us") == ("box", f'"{graphout.FOREIGN_FILL}"')
    impl = label_text(attribute(by_key["impl-us"], "label")[1])  # type: ignore[index]
    assert impl == "SafeClick Inc.\nimpl-us\nimplementer · US"


def test_edges_are_labelled_and_highlighted_edges_are_red() -> None:
    graph = build(loaded().data)
    personal = edge_id(graph, "shares_data", data="personal")
    edges = statements(to_dot(graph, highlight={personal}))["edge"]
    labels = [label_text(attribute(t, "label")[1]) for t in edges]  # type: ignore[index]
    assert labels[edge_id(graph, "funds", type="grant")] == "funds\n1,150,000 EUR"
    assert labels[personal] == "shares_data\npersonal (Data Act s.9)"
    assert labels[edge_id(graph, "shares_data", data="threat-intel")] == "shares_data\nthreat-intel"
    assert labels[edge_id(graph, "decides")] == "decides\nbudget, procurement"
    assert labels[edge_id(graph, "participates", phase="evaluation")] == "participates\nevaluation"
    assert labels[edge_id(graph, "chairs")] == "chairs"
    red = [i for i, t in enumerate(edges) if attribute(t, "color") == ("quoted", '"#d62728"')]
    assert red == [personal]
    assert attribute(edges[personal], "style") == ("id", "bold")
    assert [attribute(t, "id") for t in edges] == [("id", f"e{i}") for i in range(len(edges))]


def test_a_decision_shows_its_scope() -> None:
    graph = GovernanceGraph("P")
    graph.add_node("board", {"id": "board", "category": "body"}, {}, ())
    graph.add_node(PROGRAM, {"id": "P", "category": "program"}, {}, ())
    graph.add_edge("decides", "board", PROGRAM, {"scope": ["budget", "procurement"]}, ())
    [edge] = statements(to_dot(graph))["edge"]
    assert label_text(attribute(edge, "label")[1]) == "decides\nbudget, procurement"  # type: ignore[index]


# --- SVG -------------------------------------------------------------------------------------

FAKE_DOT = """#!{python}
import sys
data = sys.stdin.buffer.read().decode("utf-8")
if sys.argv[1:] != ["-Tsvg"] or {fail}:
    sys.stderr.write("Error: <stdin>: syntax error in line 3 near 'x'\\n")
    sys.exit(1)
first = data.splitlines()[0]
sys.stdout.write('<svg xmlns="http://www.w3.org/2000/svg"><!-- ' + first + ' --></svg>\\n')
"""


@pytest.fixture()
def fake_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `dot` first on PATH that answers -Tsvg with an <svg> naming the DOT's first line."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "dot"
    script.write_text(FAKE_DOT.format(python=sys.executable, fail=False))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return script


@pytest.fixture()
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_svg_comes_from_dot(fake_dot: Path) -> None:
    svg = to_svg("digraph governance {\n}\n")
    assert svg.startswith("<svg") and "<!-- digraph governance { -->" in svg


def test_a_failing_dot_is_reported_with_its_message(fake_dot: Path) -> None:
    fake_dot.write_text(FAKE_DOT.format(python=sys.executable, fail=True))
    with pytest.raises(GraphvizError) as caught:
        to_svg("digraph governance {\n}\n")
    message = caught.value.diagnostics[0].message
    assert "exit code 1" in message and "syntax error in line 3" in message


def test_missing_graphviz_says_what_to_do(no_dot: None) -> None:
    with pytest.raises(GraphvizError) as caught:
        to_svg("digraph governance {\n}\n")
    assert caught.value.diagnostics[0].message == NOT_INSTALLED
    assert caught.value.exit_code == 2


# --- the documentation -----------------------------------------------------------------------


def test_the_documentation_lists_every_edge_kind_and_no_other() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "graph.md").read_text("utf-8")
    table = text.split("## Edges", 1)[1].split("\n## ", 1)[0]
    documented = {kind for line in table.splitlines() if line.startswith("| `")
                  for kind in re.findall(r"`([a-z_]+)`", line.split(" | ")[0])}
    assert documented == set(EDGE_KINDS)


# --- the command -----------------------------------------------------------------------------


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, ["graph", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


def test_dot_is_the_default_format(proposal_file: Path) -> None:
    result = run(str(proposal_file))
    assert result.exit_code == 0, result.output
    graph = build(load_proposal(proposal_file).data)
    parsed = statements(result.stdout)
    assert len(parsed["node"]) == len(graph) and len(parsed["edge"]) == len(graph.all_edges())
    assert not [t for t in parsed["edge"] if attribute(t, "color")]  # nothing is marked


def test_json_format_reads_back_to_the_built_graph(proposal_file: Path) -> None:
    result = run(str(proposal_file), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert from_json(doc) == build(load_proposal(proposal_file).data)
    assert doc["proposal"]["file"] == str(proposal_file)
    assert "highlight" not in doc and "findings" not in doc


def test_svg_format_runs_dot(fake_dot: Path, proposal_file: Path) -> None:
    result = run(str(proposal_file), "--format", "svg")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<svg") and "digraph governance {" in result.stdout


def test_svg_without_graphviz_exits_two(no_dot: None, proposal_file: Path) -> None:
    result = run(str(proposal_file), "--format", "svg")
    assert result.exit_code == 2
    assert f"error[CP423]: {NOT_INSTALLED}" in result.output
    assert result.stdout == ""


def test_output_file_and_format_from_its_suffix(tmp_path: Path, proposal_file: Path) -> None:
    out = tmp_path / "graph.json"
    result = run(str(proposal_file), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert from_json(json.loads(out.read_text(encoding="utf-8"))) == \
        build(load_proposal(proposal_file).data)
    dot = tmp_path / "graph.txt"
    assert run(str(proposal_file), "-o", str(dot)).exit_code == 0
    assert dot.read_text(encoding="utf-8").startswith("digraph governance {")
    forced = tmp_path / "forced.json"
    assert run(str(proposal_file), "-o", str(forced), "--format", "dot").exit_code == 0
    assert forced.read_text(encoding="utf-8").startswith("digraph")


def test_unwritable_output_exits_two(tmp_path: Path, proposal_file: Path) -> None:
    result = run(str(proposal_file), "-o", str(tmp_path / "no" / "such" / "g.dot"))
    assert result.exit_code == 2
    assert "error[CP422]: cannot write" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["no-such.yaml"], "error[CP421]: no such file: no-such.yaml"),
    ([str(EXAMPLES)], "is a folder; `cappolicy graph` draws one proposal file"),
    (["{p}", "--ruleset", "no/such"], "error[CP420]: no ruleset file, folder or id 'no/such'"),
    (["{p}", "--ruleset", "x.cpol", "--country", "XA"], "give --ruleset or --country"),
    (["{p}", "--format", "png"], "'png' is not one of"),
])
def test_bad_arguments_exit_two(args: list[str], message: str, proposal_file: Path) -> None:
    result = run(*(a.format(p=proposal_file) for a in args))
    assert result.exit_code == 2
    assert message in result.output


def test_a_broken_proposal_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cappolicy: 1\nid: [unclosed\n")
    result = run(str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3:1: error[CP402]" in result.output
    assert result.stdout == ""


def test_notes_go_to_standard_error(tmp_path: Path) -> None:
    text = PROPOSAL.replace("  - id: A2\n", "  - id: steering\n")
    proposal = tmp_path / "p.yaml"
    proposal.write_text(text, encoding="utf-8")
    result = run(str(proposal), "--format", "json")
    assert result.exit_code == 0, result.output
    note = "activity 'steering' shares its id with another node; its node is 'activity:steering'"
    assert f"note: {note}" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["notes"] == [note]
    assert "activity:steering" in [n["key"] for n in doc["nodes"]]


def test_an_unknown_reference_is_a_located_error(tmp_path: Path) -> None:
    text = PROPOSAL.replace("handover_to: xa-cirt", "handover_to: xa-cert")
    proposal = tmp_path / "p.yaml"
    proposal.write_text(text, encoding="utf-8")
    result = run(str(proposal))
    assert result.exit_code == 2
    line, column = located("xa-cert", text)
    assert f"{proposal}:{line}:{column}: error[CP407]: unknown organisation 'xa-cert'" \
        in result.output
    assert result.stdout == ""


def test_edges_of_failing_findings_are_marked(monkeypatch: pytest.MonkeyPatch,
                                              proposal_file: Path) -> None:
    graph = build(loaded().data)
    personal = edge_id(graph, "shares_data", data="personal")
    intel = edge_id(graph, "shares_data", data="threat-intel")
    grant = edge_id(graph, "funds", type="grant")
    chairs = edge_id(graph, "chairs")

    def evaluate(rules: Any, proposal: Any, as_of: dt.date, ruleset: str | None = None,
                 **_: Any) -> list[Finding]:
        assert as_of == dt.date(2028, 6, 1)
        return [finding("fail", (intel,)), finding("pass", (grant,), "R-2"),
                finding("unknown", (chairs,), "R-3"), finding("fail", (personal,), "R-4")]

    monkeypatch.setattr("cappolicy.engine.evaluate.evaluate", evaluate)
    args = (str(proposal_file), "--country", "XA", "--as-of", "2028-06-01")
    result = run(*args)
    assert result.exit_code == 0, result.output
    edges = statements(result.stdout)["edge"]
    red = [i for i, t in enumerate(edges) if attribute(t, "color") == ("quoted", '"#d62728"')]
    assert red == sorted([personal, intel])
    # the ends of the marked data flows are marked too
    assert "2 failing findings against national/xa; 2 edges and 2 nodes marked" \
        in result.stderr
    doc = json.loads(run(*args, "--format", "json").stdout)
    assert doc["highlight"] == sorted([personal, intel])
    assert doc["highlight_nodes"] == ["xa-cirt", "impl-us"]
    assert [f["rule"] for f in doc["findings"]["failing"]] == ["R-1", "R-4"]


RULESET = """ruleset baseline "Test baseline"
version "1"
rule ORG-01 "Someone evaluates the programme" {
  principle evaluation
  severity must
  require evaluation.by present
}
rule SUN-01 "A sunset date is set" {
  principle sunset-and-exit
  severity should
  require sunset.date present
}
"""


def test_a_ruleset_file_or_id_is_checked(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "baseline").mkdir(parents=True)
    (rules / "baseline" / "core.cpol").write_text(RULESET)
    text = PROPOSAL.replace("evaluation: {independent: true, by: xa-uni}",
                            "evaluation: {independent: true}")
    proposal = tmp_path / "p.yaml"
    proposal.write_text(text, encoding="utf-8")
    for ref in (str(rules / "baseline"), "baseline"):
        result = run(str(proposal), "--ruleset", ref, "--rulesets", str(rules),
                     "--format", "json")
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)["findings"]
        assert summary["ruleset"] == "baseline"
        assert summary["outcomes"]["fail"] == 1 and summary["outcomes"]["pass"] == 1
        assert [f["rule"] for f in summary["failing"]] == ["ORG-01"]


def test_a_graph_read_back_still_finds_a_renamed_node_by_its_id() -> None:
    text = """\
cappolicy: 1
id: XA-CLASH
title: An activity named like an organisation
host_country: XA
period: {start: 2027-01-01, end: 2027-12-31}
organisations:
  - {id: a1, name: Ministry, country: XA, kind: ministry}
activities:
  - {id: a1, type: training, led_by: a1}
"""
    proposal = load_proposal_text(text, "clash.yaml")
    graph = build(proposal.data)
    back = graphout.from_json(json.loads(json.dumps(graphout.to_json(graph, proposal))))
    assert back == graph
    assert back.key_for("a1", ("activity",)) == "activity:a1"
    assert back.key_for("a1", ("organisation",)) == "a1"


def test_bidi_controls_are_spelled_out_in_the_svg(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a right-to-left override in the SVG, raw or as a character reference (the same
    # character to whatever draws it), reorders the name; spelled out, as the HTML report
    # spells it, it reads in order; and `##[` is left in no line of a log
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "dot"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.stdin.read()\n"
                      "sys.stdout.write('<svg><text>ab\\u202ecd\\u2028e\\x85f ##[x]</text></svg>')\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    svg = to_svg("digraph governance {\n}\n")
    assert svg == "<svg><text>ab\\u202ecd\\u2028e\\x85f ##&#91;x]</text></svg>"


def test_a_name_s_bidi_control_and_workflow_command_are_spelled_in_the_dot_text() -> None:
    text = """\
cappolicy: 1
id: XA-BIDI
title: A name that reorders
host_country: XA
period: {start: 2027-01-01, end: 2027-12-31}
organisations:
  - {id: a1, name: "Ministry \\u202eRLO ##[error]x", country: XA, kind: ministry}
"""
    proposal = load_proposal_text(text, "bidi.yaml")
    dot = graphout.to_dot(build(proposal.data), proposal=proposal)
    assert "\u202e" not in dot and "&#8238;" not in dot and "##[" not in dot
    assert "Ministry \\u202eRLO #\\x23[error]x" in dot


def test_an_iati_file_is_told_to_be_imported_first(tmp_path: Path) -> None:
    # it was read as YAML and refused as "a proposal is a mapping of fields"
    path = tmp_path / "acts.xml"
    path.write_text('<?xml version="1.0"?>\n<iati-activities version="2.03">'
                    "<iati-activity><iati-identifier>X-1</iati-identifier></iati-activity>"
                    "</iati-activities>\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["graph", str(path)])
    assert result.exit_code == 2
    assert "is an IATI activity file; `cappolicy graph` draws one proposal" in result.output
    assert "cappolicy import iati FILE -o DIR" in result.output
