"""The governance graph written out: the JSON document "cappolicy-graph" version 1,
Graphviz DOT, and SVG drawn by Graphviz's `dot` (docs/graph.md).

`from_json` reads a document back into an equal GovernanceGraph (the proposal
elements behind the nodes are not written, so they come back empty), and
rejects anything else with a located CP424 error. DOT output is deterministic
and safe for any text: nodes are named `n0`, `n1`... in graph order and every
label is an HTML-like label whose text is entity-escaped, so no id, name or
attribute from a proposal is ever written inside a DOT quoted string.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NoReturn

from ..base.errors import CappolicyError, Diagnostic
from ..base.visible import no_commands, visible
from ..engine.findings import OUTCOMES, Finding
from ..graph.governance import GovernanceGraph
from ..graph.parts import Edge, NodeInfo
from ..proposal.model import Path, Proposal
from .marks import Marks

FORMAT = "cappolicy-graph"
VERSION = 1
DOT_TIMEOUT = 60.0  # seconds Graphviz may take to lay out one graph
#: seconds Graphviz may take for all the drawings of one HTML report: then the others are
#: laid out without it (a page of many proposals made slow to lay out, a stranger's among
#: them, would otherwise wait DOT_TIMEOUT for each)
DOT_BUDGET = 120.0
NOT_INSTALLED = "Graphviz's 'dot' is not installed; install Graphviz or use --format dot"
JSONDict = dict[str, Any]

#: The node fields a document holds, in the order they are written.
SUMMARY_FIELDS = ("id", "category", "kind", "name", "country", "host")


class GraphDocumentError(CappolicyError):
    """CP424: a document is not a cappolicy-graph, version 1."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(Diagnostic(
            "CP424", f"graph document, at {where}: {problem}", None,
            f"documents written by `cappolicy graph --format json` are format "
            f"'{FORMAT}', version {VERSION}"))


class GraphvizError(CappolicyError):
    """CP423: Graphviz's `dot` is missing or could not draw the graph."""

    def __init__(self, message: str) -> None:
        super().__init__(Diagnostic("CP423", message))


# --- JSON ------------------------------------------------------------------------------------


def to_json(graph: GovernanceGraph, proposal: Proposal | None = None, *,
            highlight: Iterable[int] | None = None, findings: Sequence[Finding] | None = None,
            ruleset: str | None = None, highlight_nodes: Iterable[str] | None = None,
            marks: Mapping[int, Marks] | None = None) -> JSONDict:
    """The graph as a JSON-ready dict. `proposal` supplies the file and the line and
    column of each node and edge (`at`, null without it); `highlight` adds the ids
    of the edges to mark (ids not in the graph are dropped), `highlight_nodes` the keys
    of the nodes to mark; `findings` adds a summary of the findings the highlight comes
    from, checked against `ruleset`, with the nodes and edges each failing one is about
    when `marks` gives them (by position in `findings`)."""
    edges = graph.all_edges()
    doc: JSONDict = {
        "format": FORMAT,
        "version": VERSION,
        "proposal": {
            "id": graph.proposal_id,
            "title": graph.title,
            "host_country": graph.host_country,
            "file": proposal.file if proposal is not None else None,
        },
        "nodes": [node_to_json(_node(graph, key), proposal) for key in graph.nodes()],
        "edges": [edge_to_json(e, proposal) for e in edges],
        "notes": list(graph.notes),
    }
    if highlight is not None:
        doc["highlight"] = sorted({i for i in highlight if 0 <= i < len(edges)})
    if highlight_nodes is not None:
        wanted = set(highlight_nodes)
        doc["highlight_nodes"] = [key for key in graph.nodes() if key in wanted]
    if findings is not None:
        doc["findings"] = findings_to_json(findings, ruleset, marks)
    return doc


def node_to_json(node: NodeInfo, proposal: Proposal | None = None) -> JSONDict:
    summary = node.summary
    data: JSONDict = {"key": node.key}
    data.update((name, summary.get(name)) for name in ("category", "kind", "id", "name",
                                                        "country", "host"))
    data["path"] = list(node.path)
    data["at"] = _at(proposal, node.path)
    return data


def edge_to_json(edge: Edge, proposal: Proposal | None = None) -> JSONDict:
    return {
        "id": edge.id,
        "kind": edge.kind,
        "from": edge.source,
        "to": edge.target,
        "attributes": {name: _attribute_to_json(name, value) for name, value in edge.attrs.items()},
        "path": list(edge.path),
        "at": _at(proposal, edge.path),
    }


def findings_to_json(findings: Sequence[Finding], ruleset: str | None = None,
                     marks: Mapping[int, Marks] | None = None) -> JSONDict:
    """How the findings came out, and the failing ones with the edges they cite (and,
    given their `marks` by position in `findings`, the nodes and edges they are about)."""
    counts = dict.fromkeys(OUTCOMES, 0)
    for f in findings:
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
    failing = sorted((i for i, f in enumerate(findings) if f.outcome == "fail"),
                     key=lambda i: findings[i].sort_key)
    if ruleset is None:
        ruleset = next((f.ruleset for f in findings if f.ruleset), None)
    rows = []
    for i in failing:
        f = findings[i]
        row: JSONDict = {
            "rule": f.rule,
            "severity": f.severity,
            "element": f.element,
            "path": f.path,
            "line": f.span.line,
            "column": f.span.column,
            "message": f.message,
            "edges": sorted(set(f.edges)),
        }
        if marks is not None and i in marks:
            row["marked_nodes"] = list(marks[i].nodes)
            row["marked_edges"] = list(marks[i].edges)
        rows.append(row)
    return {"ruleset": ruleset, "outcomes": counts, "failing": rows}


def _node(graph: GovernanceGraph, key: str) -> NodeInfo:
    node = graph.node(key)
    assert node is not None  # keys come from graph.nodes()
    return node


def _at(proposal: Proposal | None, path: Path) -> JSONDict | None:
    if proposal is None:
        return None
    span = proposal.span_of(path)
    return {"line": span.line, "column": span.column}


def _attribute_to_json(name: str, value: Any) -> Any:
    if name == "by_year" and isinstance(value, Mapping):
        return {str(year): _plain(amount) for year, amount in value.items()}
    return _plain(value)


def _plain(value: Any) -> Any:
    """A copy made of dicts and lists, so that editing the document leaves the graph alone."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_YEAR = re.compile(r"-?(0|[1-9][0-9]{0,17})")


def from_json(doc: Any) -> GovernanceGraph:
    """The graph a document written by `to_json` describes (after `json.loads`).
    `at`, `proposal.file`, `highlight` and `findings` are not part of the graph;
    `highlight` is still checked to name edges of the document."""
    return _Reader().graph(doc)


def highlight_from_json(doc: Any) -> frozenset[int]:
    """The edge ids a valid document highlights (none when it has no `highlight`)."""
    from_json(doc)
    return frozenset(doc.get("highlight", ()))


class _Reader:
    def fail(self, where: str, problem: str) -> NoReturn:
        raise GraphDocumentError(where, problem)

    def obj(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(where, f"expected an object, found {_found(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(where, f"expected an object, found a key {_found(key)}")
        return value

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, f"expected a list, found {_found(value)}")
        return value

    def field(self, data: Mapping[str, Any], name: str, where: str) -> Any:
        if name not in data:
            self.fail(where, f"'{name}' is missing")
        return data[name]

    def text(self, value: Any, where: str, *, null: bool = False) -> Any:
        if isinstance(value, str) or (null and value is None):
            return value
        self.fail(where, f"expected a string{' or null' if null else ''}, found {_found(value)}")

    def integer(self, value: Any, where: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.fail(where, f"expected an integer, found {_found(value)}")

    def path(self, value: Any, where: str) -> Path:
        steps = self.array(value, where)
        for i, step in enumerate(steps):
            if not (isinstance(step, str) or (isinstance(step, int) and not isinstance(step, bool))):
                self.fail(f"{where}[{i}]", f"a path step is a string or an integer, "
                                           f"found {_found(step)}")
        return tuple(steps)

    def graph(self, doc: Any) -> GovernanceGraph:
        top = self.obj(doc, "(top)")
        fmt = self.field(top, "format", "(top)")
        if fmt != FORMAT:
            self.fail("format", f"expected '{FORMAT}', found {_found(fmt)}")
        version = self.field(top, "version", "(top)")
        if version != VERSION or isinstance(version, bool):
            self.fail("version", f"unsupported version {_found(version)} "
                                 f"(this cappolicy reads version {VERSION})")
        head = self.obj(self.field(top, "proposal", "(top)"), "proposal")
        graph = GovernanceGraph(
            self.text(self.field(head, "id", "proposal"), "proposal.id"),
            self.text(self.field(head, "host_country", "proposal"), "proposal.host_country",
                      null=True),
            self.text(self.field(head, "title", "proposal"), "proposal.title"))
        for i, item in enumerate(self.array(self.field(top, "nodes", "(top)"), "nodes")):
            self.node(graph, item, f"nodes[{i}]")
        for i, item in enumerate(self.array(self.field(top, "edges", "(top)"), "edges")):
            self.edge(graph, item, i, f"edges[{i}]")
        for i, note in enumerate(self.array(top.get("notes", []), "notes")):
            graph.notes.append(self.text(note, f"notes[{i}]"))
        if "highlight" in top:
            count = len(graph.all_edges())
            for i, ident in enumerate(self.array(top["highlight"], "highlight")):
                if not 0 <= self.integer(ident, f"highlight[{i}]") < count:
                    self.fail(f"highlight[{i}]", f"no edge {ident}")
        return graph

    def node(self, graph: GovernanceGraph, item: Any, where: str) -> None:
        data = self.obj(item, where)
        key = self.text(self.field(data, "key", where), f"{where}.key")
        if key in graph:
            self.fail(f"{where}.key", f"a second node '{key}'")
        summary: dict[str, Any] = {
            "id": self.text(self.field(data, "id", where), f"{where}.id"),
            "category": self.text(self.field(data, "category", where), f"{where}.category"),
        }
        for name in ("kind", "name", "country"):
            summary[name] = self.text(self.field(data, name, where), f"{where}.{name}", null=True)
        host = self.field(data, "host", where)
        if host is not None and not isinstance(host, bool):
            self.fail(f"{where}.host", f"expected true, false or null, found {_found(host)}")
        summary["host"] = host
        path = self.path(self.field(data, "path", where), f"{where}.path")
        graph.add_node(key, {name: summary[name] for name in SUMMARY_FIELDS}, {}, path)
        if summary["category"] != "program":  # so ids still find their (renamed) nodes
            graph.ids.setdefault(summary["category"], {}).setdefault(summary["id"], key)

    def edge(self, graph: GovernanceGraph, item: Any, index: int, where: str) -> None:
        data = self.obj(item, where)
        ident = self.integer(self.field(data, "id", where), f"{where}.id")
        if ident != index:
            self.fail(f"{where}.id", f"expected {index}: edges are numbered from 0 in order, "
                                     f"found {ident}")
        kind = self.text(self.field(data, "kind", where), f"{where}.kind")
        ends = []
        for name in ("from", "to"):
            key = self.text(self.field(data, name, where), f"{where}.{name}")
            if key not in graph:
                self.fail(f"{where}.{name}", f"no node '{key}'")
            ends.append(key)
        attributes = dict(self.obj(self.field(data, "attributes", where), f"{where}.attributes"))
        if "by_year" in attributes:
            attributes["by_year"] = self.by_year(attributes["by_year"],
                                                 f"{where}.attributes.by_year")
        path = self.path(self.field(data, "path", where), f"{where}.path")
        graph.add_edge(kind, ends[0], ends[1], attributes, path)

    def by_year(self, value: Any, where: str) -> dict[int, Any]:
        years: dict[int, Any] = {}
        for key, amount in self.obj(value, where).items():
            if not _YEAR.fullmatch(key):
                self.fail(where, f"a year is written as an integer in a string, "
                                 f"found {_found(key)}")
            years[int(key)] = amount
        return years


def _found(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


# --- DOT -------------------------------------------------------------------------------------

#: Shape and fill of each node category; organisations are filled by country instead.
_SHAPES = {
    "program": ('shape=doubleoctagon, style="filled"', "#c9daf8"),
    "organisation": ('shape=box, style="rounded,filled"', "#eeeeee"),
    "body": ('shape=hexagon, style="filled"', "#fff2cc"),
    "activity": ('shape=ellipse, style="filled"', "#ead1dc"),
}
_OTHER_SHAPE = ('shape=box, style="filled"', "#eeeeee")
HOST_FILL = "#b7e1cd"
FOREIGN_FILL = "#f9cb9c"
UNKNOWN_FILL = "#eeeeee"
HIGHLIGHT = 'color="#d62728", fontcolor="#d62728", penwidth=2.5, style=bold'


def to_dot(graph: GovernanceGraph, highlight: Collection[int] = frozenset(),
           proposal: Proposal | None = None,
           highlight_nodes: Collection[str] = frozenset()) -> str:
    """The graph in Graphviz DOT, one statement a line, nodes then edges in graph order.
    Edges whose id is in `highlight` and nodes whose key is in `highlight_nodes` are
    drawn red and bold."""
    marked = set(highlight)
    marked_nodes = set(highlight_nodes)
    names: dict[str, str] = {}
    for key in graph.nodes():
        names[key] = f"n{len(names)}"
    lines = [
        "digraph governance {",
        ("  graph [rankdir=LR, labelloc=t, fontname=Helvetica, "
         f"label=<{_title(graph, proposal, bool(marked or marked_nodes))}>];"),
        "  node [fontname=Helvetica, fontsize=11];",
        '  edge [fontname=Helvetica, fontsize=9, color="#555555"];',
    ]
    for key in graph.nodes():
        attributes = _node_attributes(_node(graph, key))
        if key in marked_nodes:
            attributes += ', color="#d62728", penwidth=2.5'
        lines.append(f"  {names[key]} [{attributes}];")
    for edge in graph.all_edges():
        for key in (edge.source, edge.target):  # an end the graph holds no facts about
            if key not in names:
                names[key] = f"n{len(names)}"
                lines.append(f"  {names[key]} [shape=box, style=dashed, label=<{_html(key)}>];")
        attributes = f"id=e{edge.id}, label=<{_edge_label(edge)}>"
        if edge.id in marked:
            attributes += ", " + HIGHLIGHT
        lines.append(f"  {names[edge.source]} -> {names[edge.target]} [{attributes}];")
    lines.append("}")
    # printed to a log (stdout by default): `##[`, which a CI runner reads anywhere in a
    # line, as the human reports spell it (an id or a label, every occurrence alike)
    return no_commands("\n".join(lines) + "\n")


def _title(graph: GovernanceGraph, proposal: Proposal | None, highlighted: bool) -> str:
    head = graph.proposal_id + (f": {graph.title}" if graph.title else "")
    parts = [f"<B>{_html(head)}</B>"]
    if proposal is not None:
        parts.append(_html(proposal.file))
    host = graph.host_country or "unknown"
    legend = (f'<FONT COLOR="#2e7d32">■</FONT> host ({_html(host)}) '
              f'<FONT COLOR="#e69138">■</FONT> foreign organisation')
    if highlighted:
        legend += ' <FONT COLOR="#d62728">→</FONT> about a failing finding'
    parts.append(f'<FONT POINT-SIZE="9">{legend}</FONT>')
    return "<BR/>".join(parts)


def _node_attributes(node: NodeInfo) -> str:
    shape, fill = _SHAPES.get(node.category, _OTHER_SHAPE)
    host = node.summary.get("host")
    if node.category == "organisation" or host is not None:
        fill = HOST_FILL if host is True else FOREIGN_FILL if host is False else UNKNOWN_FILL
    return f'{shape}, fillcolor="{fill}", label=<{_node_label(node)}>'


def _node_label(node: NodeInfo) -> str:
    summary = node.summary
    name = summary.get("name")
    lines = [f"<B>{_html(str(name))}</B>"] if name else []
    shown = str(summary.get("id", node.key)) if node.category == "program" else node.key
    if shown != name:
        lines.append(_html(shown))
    details = [str(summary[k]) for k in ("kind", "country") if summary.get(k) is not None]
    if details and details != [node.category]:
        lines.append(f'<FONT POINT-SIZE="9">{_html(" · ".join(details))}</FONT>')
    return "<BR/>".join(lines)


def _edge_label(edge: Edge) -> str:
    attrs = edge.attrs
    detail: str | None = None
    if edge.kind == "funds" and attrs.get("amount") is not None:
        detail = " ".join(x for x in (_amount(attrs["amount"]), _str(attrs.get("currency"))) if x)
    elif edge.kind == "shares_data" and attrs.get("data") is not None:
        detail = _str(attrs["data"])
        if attrs.get("basis") is not None:
            detail += f" ({_str(attrs['basis'])})"
    elif edge.kind == "decides" and attrs.get("scope"):
        scope = attrs["scope"]
        detail = ", ".join(map(str, scope)) if isinstance(scope, list) else str(scope)
    elif edge.kind == "participates" and attrs.get("phase") is not None:
        detail = _str(attrs["phase"])
    label = _html(edge.kind)
    if detail:
        label += f'<BR/><FONT POINT-SIZE="8">{_html(detail)}</FONT>'
    return label


def _amount(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _str(value: Any) -> str:
    return "" if value is None else str(value)


_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
#: written as character references too: line and paragraph separators, and the bidi
#: controls, which would reorder the DOT text for whoever reads it (visible.py)
_REFERENCED = frozenset((0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
                         *range(0x2066, 0x206A)))


#: what the SVG holds of these, should any come back from `dot`: spelled out (visible.py)
_SVG_SPELLED = {code: visible(chr(code)) for code in (*_REFERENCED, *range(0x7F, 0xA0))}


def _html(text: str) -> str:
    """Text for an HTML-like label: markup characters as entities, line breaks as <BR/>,
    characters XML cannot hold (controls, surrogates, U+FFFE, U+FFFF) as U+FFFD, and
    other characters some readers take for line ends (U+007F-U+009F, U+2028, U+2029) or
    that reorder text (bidi controls) spelled out as the reports spell them (`\\u202e`,
    visible.py), so that a statement stays on one line and reads in order, in the DOT
    text and in the drawing (a character reference is the character again to whatever
    draws the SVG)."""
    out: list[str] = []
    for ch in text.replace("\r\n", "\n"):
        code = ord(ch)
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in "\n\r":
            out.append("<BR/>")
        elif ch == "\t":
            out.append(" ")
        elif code < 0x20 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append("\ufffd")
        elif 0x7F <= code <= 0x9F or code in _REFERENCED:
            out.append(visible(ch))
        else:
            out.append(ch)
    return "".join(out)


# --- SVG -------------------------------------------------------------------------------------


def to_svg(dot_text: str, *, timeout: float = DOT_TIMEOUT) -> str:
    """The graph drawn as SVG by Graphviz's `dot` (found on PATH)."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizError(NOT_INSTALLED)
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizError(f"Graphviz's 'dot' did not finish within {timeout:g} s") from None
    except OSError as exc:
        raise GraphvizError(f"cannot run {exe}: {exc.strerror or exc}") from None
    errors = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        detail = "; ".join(errors.splitlines()[:3]) or "no message"
        raise GraphvizError(f"Graphviz's 'dot' failed (exit code {done.returncode}): {detail}")
    svg = done.stdout.decode("utf-8", "replace")
    if "<svg" not in svg:
        raise GraphvizError("Graphviz's 'dot' wrote no SVG")
    # dot writes a label's `#\x23[` (to_dot) back as `##[` no more, but its character
    # references as characters: any `##[` left is written with `[` referenced, the same
    # text to whatever draws it
    svg = svg.translate(_SVG_SPELLED)
    return svg.replace("##[", "##&#91;") if "##[" in svg else svg


__all__ = [
    "FORMAT",
    "NOT_INSTALLED",
    "VERSION",
    "GraphDocumentError",
    "GraphvizError",
    "edge_to_json",
    "findings_to_json",
    "from_json",
    "highlight_from_json",
    "node_to_json",
    "to_dot",
    "to_json",
    "to_svg",
]
