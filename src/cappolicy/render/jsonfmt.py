"""The JSON report, schema "cappolicy.report" version 1 (docs/json-report.md, report.schema.json).

Key order is fixed by the order the dicts are built in; findings are in position order.
`finding_from_json` reads a finding back, so consumers (and the tests) can check that
nothing a Finding holds is lost on the way out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import Any

from ..base.errors import Diagnostic
from ..base.span import Span
from ..base.visible import json_controls
from ..engine.findings import Evidence, Finding, GraphHop, GraphTrace, ParamUse, Provenance
from ..report.model import (
    FileError,
    ProposalResult,
    Report,
    Tally,
    count_fails_by_level,
    count_outcomes,
    is_failing,
    sorted_errors,
    sorted_findings,
    sorted_results,
    tally,
    verdict,
)
from .jsontext import Raw, dumps

SCHEMA = "cappolicy.report"
VERSION = 1
JSONDict = dict[str, Any]


def render_json(report: Report, *, indent: int | None = 2) -> str:
    """The report as JSON text (no trailing newline)."""
    if indent == 2:  # the standard library's indenting encoder is slow (jsontext.py)
        return dumps(report_to_json(report))
    return json_controls(
        json.dumps(report_to_json(report), indent=indent, ensure_ascii=False))


#: how deep a result stands in the report: {"results": [...]}
RESULT_LEVEL = 2


def result_json(result: ProposalResult, fail_on: str, allow_unknown: bool = False) -> str:
    """One result's part of the JSON report, as render_json writes it there."""
    return dumps(result_to_json(result, fail_on, allow_unknown), level=RESULT_LEVEL)


def load_schema() -> JSONDict:
    """The JSON Schema (draft 2020-12) the output of `render_json` follows."""
    path = resources.files("cappolicy.render").joinpath("report.schema.json")
    text = path.read_text(encoding="utf-8")
    schema: JSONDict = json.loads(text)
    return schema


# --- the report ------------------------------------------------------------------------------


def report_to_json(report: Report) -> JSONDict:
    results = [result_to_json(r, report.fail_on, report.allow_unknown)
               for r in sorted_results(report)]
    return report_json_of(results, report, tally(report))


def join_json(results_json: Iterable[str], report: Report, counts: Tally) -> str:
    """The JSON report from its results' JSON texts (result_json, in sorted_results order)
    and their counts: how `check -j` puts together what its processes wrote. Only the
    report's file errors and settings are read, not its results."""
    return "".join(json_pieces(results_json, report, counts))


#: where a result stands in the report written around two of them (json_pieces): a NUL,
#: which dumps writes nowhere else (it escapes every control character in a string)
_HOLE = "\0"


def json_pieces(results_json: Iterable[str], report: Report, counts: Tally) -> Iterator[str]:
    """join_json a piece at a time: what comes before the first result with it, each
    other result after what stands between two, then the rest; each result taken from
    `results_json` as it is written, so that a check writes a report of any size
    without holding it whole."""
    results = iter(results_json)
    first = next(results, None)
    if first is None:
        yield dumps(report_json_of([], report, counts))
        return
    frame = dumps(report_json_of([Raw(_HOLE, RESULT_LEVEL)] * 2, report, counts))
    head, between, tail = frame.split(_HOLE)
    yield head + first
    for text in results:
        yield between + text
    yield tail


def report_json_of(results: list[Any], report: Report, counts: Tally) -> JSONDict:
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "tool": {"name": "cappolicy", "version": report.tool_version},
        "as_of": report.as_of.isoformat(),
        "fail_on": report.fail_on,
        "inputs": {"settings": report.inputs.settings,
                   "rulesets": list(report.inputs.rulesets)},
        "summary": summary_of(counts, report),
        "results": results,
        "errors": [file_error_to_json(e) for e in sorted_errors(report)],
    }


def report_summary(report: Report) -> JSONDict:
    return summary_of(tally(report), report)


def summary_of(counts: Tally, report: Report) -> JSONDict:
    """report_summary from the counts of the report's results."""
    code = counts.exit_code(len(report.errors))
    return {
        "verdict": {0: "pass", 1: "fail", 2: "error"}[code],
        "exit_code": code,
        "proposals": counts.proposals,
        "failed": counts.failed,
        "passed": counts.passed,
        "file_errors": len(report.errors),
        "findings": counts.findings,
        "failing": counts.failing,
        "outcomes": counts.outcome_counts(),
        "fails_by_level": counts.fails_by_level(),
    }


def findings_summary(findings: list[Finding], fail_on: str) -> JSONDict:
    return {
        "findings": len(findings),
        "failing": sum(1 for f in findings if is_failing(f, fail_on)),
        "outcomes": count_outcomes(findings),
        "fails_by_level": count_fails_by_level(findings),
    }


def result_to_json(result: ProposalResult, fail_on: str, allow_unknown: bool = False) -> JSONDict:
    return {
        "file": result.file,
        "proposal": result.proposal_id,
        "host_country": result.host_country,
        "ruleset": result.ruleset,
        "ruleset_note": result.ruleset_note,
        "verdict": verdict(result, fail_on, allow_unknown),
        "summary": findings_summary(list(result.findings), fail_on),
        "findings": [finding_to_json(f) for f in sorted_findings(result.findings)],
        "warnings": [diagnostic_to_json(d) for d in result.warnings],
    }


def file_error_to_json(error: FileError) -> JSONDict:
    return {"file": error.file, "diagnostics": [diagnostic_to_json(d) for d in error.diagnostics]}


# --- locations -------------------------------------------------------------------------------


def location_to_json(span: Span | None) -> JSONDict | None:
    if span is None:
        return None
    return {
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def location_from_json(data: JSONDict | None) -> Span | None:
    return None if data is None else _located(data)


def _located(data: JSONDict) -> Span:
    """The span of an object whose location is spread over its own keys."""
    return Span(data["file"], data["line"], data["column"], data["end_line"], data["end_column"])


# --- findings --------------------------------------------------------------------------------


def finding_to_json(finding: Finding) -> JSONDict:
    span = finding.span
    data: JSONDict = {
        "outcome": finding.outcome,
        "rule": finding.rule,
        "title": finding.title,
        "principle": finding.principle,
        "source": finding.source,
        "severity": finding.severity,
        "level": finding.level,
        "ruleset": finding.ruleset,
        "file": finding.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }
    if span.file != finding.file:
        data["span_file"] = span.file
    data.update(
        {
            "path": finding.path,
            "element": finding.element,
            "message": finding.message,
            "hint": finding.hint,
            "waiver": finding.waiver,
            "missing": list(finding.missing),
            "evidence": [evidence_to_json(e) for e in finding.evidence],
            "params": [param_to_json(p) for p in finding.params],
            "rule_origin": provenance_to_json(finding.rule_origin),
            "severity_origin": provenance_to_json(finding.severity_origin),
            "edges": list(finding.edges),
        }
    )
    return data


def finding_from_json(data: JSONDict) -> Finding:
    """The Finding that `finding_to_json` wrote (the derived `level` is ignored)."""
    span = Span(
        data["span_file"] if "span_file" in data else data["file"],
        data["line"],
        data["column"],
        data["end_line"],
        data["end_column"],
    )
    return Finding(
        rule=data["rule"],
        title=data["title"],
        principle=data["principle"],
        source=data["source"],
        severity=data["severity"],
        outcome=data["outcome"],
        file=data["file"],
        span=span,
        path=data["path"],
        message=data["message"],
        hint=data["hint"],
        element=data["element"],
        evidence=tuple(evidence_from_json(e) for e in data["evidence"]),
        params=tuple(param_from_json(p) for p in data["params"]),
        missing=tuple(data["missing"]),
        rule_origin=provenance_from_json(data["rule_origin"]),
        severity_origin=provenance_from_json(data["severity_origin"]),
        waiver=data["waiver"],
        ruleset=data["ruleset"],
        edges=tuple(data.get("edges", ())),
    )


def evidence_to_json(ev: Evidence) -> JSONDict:
    return {
        "expr": ev.expr,
        "result": ev.result,
        "op": ev.op,
        "left": ev.left,
        "right": ev.right,
        "left_at": location_to_json(ev.left_at),
        "right_at": location_to_json(ev.right_at),
        "note": ev.note,
        "missing": list(ev.missing),
        "children": [evidence_to_json(c) for c in ev.children],
        "graph": graph_trace_to_json(ev.graph),
    }


def evidence_from_json(data: JSONDict) -> Evidence:
    return Evidence(
        expr=data["expr"],
        result=data["result"],
        op=data["op"],
        left=data["left"],
        right=data["right"],
        left_at=location_from_json(data["left_at"]),
        right_at=location_from_json(data["right_at"]),
        note=data["note"],
        missing=tuple(data["missing"]),
        children=tuple(evidence_from_json(c) for c in data["children"]),
        graph=graph_trace_from_json(data.get("graph")),
    )


def graph_trace_to_json(trace: GraphTrace | None) -> JSONDict | None:
    if trace is None:
        return None
    return {
        "kind": trace.kind,
        "via": trace.via,
        "target": trace.target,
        "hops": [
            {
                "node": h.node,
                "label": h.label,
                "at": location_to_json(h.at),
                "edge": h.edge,
                "via": h.via,
                "edge_at": location_to_json(h.edge_at),
                "from": h.prev,
            }
            for h in trace.hops
        ],
        "stopped": list(trace.stopped),
        "more": trace.more,
        **({"partial": True} if trace.partial else {}),  # said only when it is
    }


def graph_trace_from_json(data: JSONDict | None) -> GraphTrace | None:
    if data is None:
        return None
    hops = tuple(
        GraphHop(
            node=h["node"],
            label=h["label"],
            at=location_from_json(h["at"]),
            edge=h["edge"],
            via=h["via"],
            edge_at=location_from_json(h["edge_at"]),
            prev=h["from"],
        )
        for h in data["hops"]
    )
    return GraphTrace(data["kind"], data["via"], data["target"], hops, tuple(data["stopped"]),
                      data["more"], bool(data.get("partial", False)))


def param_to_json(use: ParamUse) -> JSONDict:
    origin = provenance_to_json(use.origin)
    return {"name": use.name, "value": use.value, "type": use.type, "origin": origin}


def param_from_json(data: JSONDict) -> ParamUse:
    origin = provenance_from_json(data["origin"])
    if origin is None:
        raise ValueError(f"param {data['name']!r} has no origin")
    return ParamUse(name=data["name"], value=data["value"], type=data["type"], origin=origin)


def provenance_to_json(origin: Provenance | None) -> JSONDict | None:
    if origin is None:
        return None
    return {
        "layer": origin.layer,
        "file": origin.span.file,
        "line": origin.span.line,
        "column": origin.span.column,
        "end_line": origin.span.end_line,
        "end_column": origin.span.end_column,
        "because": origin.because,
        "relaxation": origin.relaxation,
        "previous": origin.previous,
        "previous_layer": origin.previous_layer,
        "previous_at": location_to_json(origin.previous_span),
    }


def provenance_from_json(data: JSONDict | None) -> Provenance | None:
    if data is None:
        return None
    return Provenance(
        layer=data["layer"],
        span=_located(data),
        because=data["because"],
        relaxation=data["relaxation"],
        previous=data["previous"],
        previous_layer=data["previous_layer"],
        previous_span=location_from_json(data["previous_at"]),
    )


# --- diagnostics -----------------------------------------------------------------------------


def diagnostic_to_json(diagnostic: Diagnostic) -> JSONDict:
    span = diagnostic.span
    return {
        "code": diagnostic.code,
        "message": diagnostic.message,
        "level": diagnostic.level,
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "help": diagnostic.help,
    }


def diagnostic_from_json(data: JSONDict) -> Diagnostic:
    span = _located(data) if data["file"] is not None else None
    return Diagnostic(
        code=data["code"],
        message=data["message"],
        span=span,
        help=data["help"],
        level=data["level"],
    )
