"""The JSON report, schema "cappolicy.report" version 2 (docs/json-report.md, report.schema.json).

Version 2 says each thing once. A finding keeps what is its own (rule id, outcome,
position, path, element, message, hint, waiver, missing, evidence, edges), written on
one line, with the keys whose value is null or [] left out; what every finding of a
rule shares (title, principle, source, severity, params and where each was set, where
the rule was defined) is said once, in the report's `rulesets`, for the rules' rulesets.

A result names its rules by a key: the ruleset's id and a digest of what its rules
say, `national/xa@1f0c9e3a`. The key depends on nothing but those definitions, so the
processes of `check -j` each write their results' parts alone and agree on it: a part
(`result_json`) carries the result's rules the first time its writer meets them, and
`join_json` lists each set once. Key order is fixed by the order the dicts are built
in; findings are in position order.

`finding_from_json` reads a finding back, with its rule and result, so consumers (and
the tests) can check that nothing a Finding holds is lost on the way out.
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
VERSION = 2
JSONDict = dict[str, Any]

#: between the pieces of a result's part: a set of rules it brings, then the result.
#: JSON text never holds it raw (its encoder escapes every C0 control).
SEPARATOR = "\x00"
#: how deep a result, and a set of rules, stand in the report: {"results": [...]}
RESULT_LEVEL = 2
#: a finding on one line: no space after "," and ":"
_COMPACT = (",", ":")


def render_json(report: Report, *, indent: int | None = 2) -> str:
    """The report as JSON text (no trailing newline)."""
    if indent == 2:  # the standard library's indenting encoder is slow (jsontext.py)
        shipped: set[str] = set()
        parts = [result_json(r, report.fail_on, report.allow_unknown, shipped)
                 for r in sorted_results(report)]
        return join_json(parts, report, tally(report))
    return json_controls(
        json.dumps(report_to_json(report), indent=indent, ensure_ascii=False))


def result_json(result: ProposalResult, fail_on: str, allow_unknown: bool = False,
                shipped: set[str] | None = None) -> str:
    """One result's part of the JSON report, for `join_json`: the set of rules it names,
    unless `shipped` holds its key (then added to it: each writer of parts brings a set
    once), then the result as render_json writes it there."""
    ordered = sorted_findings(result.findings)
    key, rules_text, firsts = _rules_of(result.ruleset, ordered)
    body = _result_text(result, fail_on, allow_unknown, key, firsts, ordered)
    if shipped is not None:
        if key in shipped:
            return body
        shipped.add(key)
    return rules_text + SEPARATOR + body


def join_json(parts: Iterable[str], report: Report, counts: Tally) -> str:
    """The JSON report from its results' parts (result_json, in sorted_results order)
    and their counts: how `check` puts together what it, or its processes, wrote. Only
    the report's file errors and settings are read, not its results."""
    return "".join(join_json_pieces(parts, report, counts))


def join_json_pieces(parts: Iterable[str], report: Report, counts: Tally) -> Iterator[str]:
    """join_json's text, piece by piece as the parts come, to write as it is made: the
    head of the report, each result, then the rulesets the parts brought and the rest."""
    text = dumps(report_json_of([Raw(_HOLE)], report, counts, [Raw(_HOLE)]))
    head, between, tail = text.split(_HOLE)
    comma = ",\n" + "  " * RESULT_LEVEL
    rules: set[str] = set()
    count = 0
    for part in parts:
        *brought, body = part.split(SEPARATOR)
        rules.update(brought)
        yield (head if count == 0 else comma) + body
        count += 1
    if count == 0:
        yield _empty_before(head)
        between = _empty_after(between)
    listed = sorted(rules, key=_key_of)
    if listed:
        yield between + comma.join(listed) + tail
    else:
        yield _empty_before(between) + _empty_after(tail)


_HOLE = "\x01"  # where join_json's pieces go in the report's text


def _key_of(rules_text: str) -> str:
    """The key of a set of rules, from its text (`{"key": ..., ` on its first lines)."""
    start = rules_text.index(":") + 1
    key: str = json.loads(rules_text[start:rules_text.index("\n", start)].rstrip(","))
    return key


def _empty_before(text: str) -> str:
    """`text`, which ends where a list's first item would begin, ending with `[]`."""
    return text[:text.rindex("[") + 1] + "]"


def _empty_after(text: str) -> str:
    """`text`, which begins where a list's last item would end, without the list's end."""
    return text[text.index("]") + 1:]


def load_schema() -> JSONDict:
    """The JSON Schema (draft 2020-12) the output of `render_json` follows."""
    path = resources.files("cappolicy.render").joinpath("report.schema.json")
    text = path.read_text(encoding="utf-8")
    schema: JSONDict = json.loads(text)
    return schema


# --- the report ------------------------------------------------------------------------------


def report_to_json(report: Report) -> JSONDict:
    """The report as a JSON value: what render_json writes."""
    results: list[Any] = []
    rulesets: dict[str, JSONDict] = {}
    for result in sorted_results(report):
        key, _, firsts = _rules_of(result.ruleset, sorted_findings(result.findings))
        rulesets.setdefault(key, ruleset_to_json(key, result.ruleset, firsts))
        results.append(result_to_json(result, report.fail_on, report.allow_unknown, key, firsts))
    return report_json_of(results, report, tally(report),
                          [rulesets[k] for k in sorted(rulesets)])


def report_json_of(results: list[Any], report: Report, counts: Tally,
                   rulesets: list[Any]) -> JSONDict:
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
        "rulesets": rulesets,
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


def _result_head(result: ProposalResult, fail_on: str, allow_unknown: bool, key: str
                 ) -> JSONDict:
    head: JSONDict = {
        "file": result.file,
        "proposal": result.proposal_id,
        "host_country": result.host_country,
        "ruleset": result.ruleset,
        "rules": key,
        "ruleset_note": result.ruleset_note,
    }
    if result.relied_on:  # what the verdict owes to a layer's relaxations, when anything
        head["relaxed"] = list(result.relied_on)
    head["verdict"] = verdict(result, fail_on, allow_unknown)
    head["summary"] = findings_summary(list(result.findings), fail_on)
    return head


def result_to_json(result: ProposalResult, fail_on: str, allow_unknown: bool, key: str,
                   firsts: dict[str, Finding]) -> JSONDict:
    """The result as a JSON value, its findings told apart from their rules' definitions
    (`firsts`: a finding of each rule, whose definition the rules listed under `key` hold)."""
    data = _result_head(result, fail_on, allow_unknown, key)
    data["findings"] = [finding_to_report_json(f, firsts.get(f.rule), result)
                        for f in sorted_findings(result.findings)]
    data["warnings"] = [diagnostic_to_json(d) for d in result.warnings]
    return data


def _result_text(result: ProposalResult, fail_on: str, allow_unknown: bool, key: str,
                 firsts: dict[str, Finding], ordered: list[Finding]) -> str:
    """result_to_json as render_json writes it: a finding a line, by the C encoder."""
    data = _result_head(result, fail_on, allow_unknown, key)
    line = json.JSONEncoder(ensure_ascii=False, separators=_COMPACT).encode
    data["findings"] = [Raw(line(finding_to_report_json(f, firsts.get(f.rule), result)),
                            RESULT_LEVEL + 2)
                        for f in ordered]
    data["warnings"] = [diagnostic_to_json(d) for d in result.warnings]
    return dumps(data, level=RESULT_LEVEL)


def file_error_to_json(error: FileError) -> JSONDict:
    return {"file": error.file, "diagnostics": [diagnostic_to_json(d) for d in error.diagnostics]}


# --- the rules of a result -------------------------------------------------------------------

#: (ruleset, each rule's definition) -> (key, text of the set): a run meets few sets,
#: each in many results
_MADE: dict[tuple[Any, ...], tuple[str, str]] = {}
_MADE_MAX = 256
#: the same, by the identities of the definitions' parts -> (the definitions, which keep
#: those identities theirs, and the key and text made of them)
_SEEN: dict[tuple[Any, ...], tuple[tuple[Any, ...], tuple[str, str]]] = {}


def _definition(finding: Finding) -> tuple[Any, ...]:
    """What every finding of a rule in one set of rules shares."""
    return (finding.title, finding.principle, finding.source, finding.severity,
            finding.params, finding.rule_origin, finding.severity_origin)


def _rules_of(ruleset: str, ordered: list[Finding]) -> tuple[str, str, dict[str, Finding]]:
    """Of a result's findings (`ordered`: in position order), checked against `ruleset`:
    the key of the result's set of rules, its text as the report lists it, and the
    finding of each rule (the first, in position order) whose definition the set holds.
    The set holds the rules a ruleset defines: a check built into cappolicy (a waiver's,
    WAIVER-01 to 04) has no `rule_origin`, and its findings say what it is themselves."""
    firsts: dict[str, Finding] = {}
    for f in ordered:
        if f.rule_origin is not None:  # a rule of the ruleset, not a check built in
            firsts.setdefault(f.rule, f)
    ids = sorted(firsts)
    # A run's findings of one rule share its definition's objects: looked up by their
    # identities first (kept alive with the entry, so that no other object takes an
    # identity), which spares hashing each definition's records for every result.
    same = (ruleset, *((i, *map(id, _definition(firsts[i]))) for i in ids))
    seen = _SEEN.get(same)
    if seen is not None:
        return seen[1][0], seen[1][1], firsts
    memo = (ruleset, *((i, *_definition(firsts[i])) for i in ids))
    made = _MADE.get(memo)
    if made is None:
        import hashlib

        rules = {i: rule_to_json(firsts[i]) for i in ids}
        digest = hashlib.sha256(json.dumps([ruleset, rules], ensure_ascii=False,
                                           separators=_COMPACT).encode("utf-8")).hexdigest()
        key = f"{ruleset}@{digest[:10]}"
        text = dumps({"key": key, "id": ruleset, "rules": rules}, level=RESULT_LEVEL)
        if len(_MADE) >= _MADE_MAX:
            _MADE.clear()
        made = _MADE[memo] = (key, text)
    if len(_SEEN) >= _MADE_MAX:
        _SEEN.clear()
    _SEEN[same] = (memo, made)
    return made[0], made[1], firsts


def ruleset_to_json(key: str, ruleset: str, firsts: dict[str, Finding]) -> JSONDict:
    """A set of rules as the report's `rulesets` lists it."""
    return {"key": key, "id": ruleset,
            "rules": {i: rule_to_json(firsts[i]) for i in sorted(firsts)}}


def rule_to_json(finding: Finding) -> JSONDict:
    """The definition of a finding's rule: what all its findings in a set share."""
    return {
        "title": finding.title,
        "principle": finding.principle,
        "source": finding.source,
        "severity": finding.severity,
        "level": finding.level,
        "params": [param_to_json(p) for p in finding.params],
        "origin": provenance_to_json(finding.rule_origin),
        "severity_origin": provenance_to_json(finding.severity_origin),
    }


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


def location_from_json(data: JSONDict | None, file: str | None = None) -> Span | None:
    """The span a location holds; `file` is the one a location without `file` is in
    (a location inside a finding of the report: the finding's file)."""
    if data is None:
        return None
    if file is not None and "file" not in data:
        return Span(file, data["line"], data["column"], data["end_line"], data["end_column"])
    return _located(data)


def _place(span: Span, file: str) -> JSONDict:
    """A location inside a finding of the report: `file` left out when it is the finding's."""
    if span.file != file:
        return location_to_json(span)  # type: ignore[return-value]
    return {"line": span.line, "column": span.column, "end_line": span.end_line,
            "end_column": span.end_column}


def _located(data: JSONDict) -> Span:
    """The span of an object whose location is spread over its own keys."""
    return Span(data["file"], data["line"], data["column"], data["end_line"], data["end_column"])


# --- findings --------------------------------------------------------------------------------

#: what a finding of the report says only when its own differs from its rule's (or
#: result's): the rule's definition, in the order of rule_to_json
_OWN_DEFINITION = ("title", "principle", "source", "severity", "params", "origin",
                   "severity_origin")


def finding_to_report_json(finding: Finding, first: Finding | None, result: ProposalResult
                           ) -> JSONDict:
    """A finding as the report lists it: what is its own. `first` is the finding of its
    rule whose definition the report's rules hold (None: they do not hold it, and the
    finding says it); a key null or [] is left out, and so is a message that is the
    rule's title (a pass says its rule's title)."""
    span = finding.span
    data: JSONDict = {
        "outcome": finding.outcome,
        "rule": finding.rule,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }
    if span.file != finding.file:
        data["span_file"] = span.file
    data["path"] = finding.path
    if finding.element is not None:
        data["element"] = finding.element
    if finding.message != finding.title:
        data["message"] = finding.message
    if finding.hint is not None:
        data["hint"] = finding.hint
    if finding.waiver is not None:
        data["waiver"] = finding.waiver
    if finding.missing:
        data["missing"] = list(finding.missing)
    if finding.evidence:
        data["evidence"] = [evidence_to_report_json(e, finding.file) for e in finding.evidence]
    if finding.edges:
        data["edges"] = list(finding.edges)
    # rarely: what the finding holds that its result or its rule's definition does not say
    if finding.file != result.file:
        data["file"] = finding.file
    if finding.ruleset != result.ruleset:
        data["ruleset"] = finding.ruleset
    if first is None:
        data.update(rule_to_json(finding))
    elif finding is not first and _definition(finding) != _definition(first):
        own = rule_to_json(finding)
        theirs = rule_to_json(first)
        data.update((k, own[k]) for k in _OWN_DEFINITION if own[k] != theirs[k])
    return data


def finding_from_json(data: JSONDict, rule: JSONDict | None, result: JSONDict) -> Finding:
    """The Finding that `finding_to_report_json` wrote, with the definition of its rule
    (`rule`: the entry of the report's `rulesets` its result's `rules` name; None when
    they have none, and the finding holds it) and its result (`result`: file, ruleset);
    the derived `level` is ignored."""
    def defined(key: str) -> Any:
        return data[key] if key in data or rule is None else rule[key]

    file: str = data["file"] if "file" in data else result["file"]
    span = Span(data["span_file"] if "span_file" in data else file, data["line"], data["column"], data["end_line"],
                data["end_column"])
    title = defined("title")
    return Finding(
        rule=data["rule"],
        title=title,
        principle=defined("principle"),
        source=defined("source"),
        severity=defined("severity"),
        outcome=data["outcome"],
        file=file,
        span=span,
        path=data["path"],
        message=data.get("message", title),
        hint=data.get("hint"),
        element=data.get("element"),
        evidence=tuple(evidence_from_json(e, file) for e in data.get("evidence", ())),
        params=tuple(param_from_json(p) for p in defined("params")),
        missing=tuple(data.get("missing", ())),
        rule_origin=provenance_from_json(defined("origin")),
        severity_origin=provenance_from_json(defined("severity_origin")),
        waiver=data.get("waiver"),
        ruleset=data.get("ruleset", result["ruleset"]),
        edges=tuple(data.get("edges", ())),
    )


def findings_from_json(report: JSONDict) -> Iterator[tuple[JSONDict, list[Finding]]]:
    """Each result of a JSON report (version 2) with its findings read back."""
    rulesets = {r["key"]: r["rules"] for r in report["rulesets"]}
    for result in report["results"]:
        rules = rulesets[result["rules"]]
        yield result, [finding_from_json(f, rules.get(f["rule"]), result)
                       for f in result["findings"]]


def rule_json_of(report: JSONDict, result: JSONDict, finding: JSONDict) -> JSONDict:
    """The definition of a finding's rule in a JSON report (version 2), as rule_to_json
    writes it: its entry in the report's `rulesets`, under what the finding says itself."""
    listed = next(r["rules"] for r in report["rulesets"] if r["key"] == result["rules"])
    rule = listed.get(finding["rule"], {})
    return {k: finding[k] if k in finding else rule[k] for k in _DEFINITION_KEYS}


_DEFINITION_KEYS = ("title", "principle", "source", "severity", "level", "params", "origin",
                    "severity_origin")


def finding_to_json(finding: Finding) -> JSONDict:
    """A finding whole, every key present: how the documents that show a finding or two
    (`rulesets test`, `rulesets diff`) write it; `whole_finding_from_json` reads it."""
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


def whole_finding_from_json(data: JSONDict) -> Finding:
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


def evidence_to_report_json(ev: Evidence, file: str) -> JSONDict:
    """evidence_to_json as a finding of the report (in `file`) holds it: without the keys
    whose value is null or [], and its locations without `file` when they are in `file`."""
    data: JSONDict = {"expr": ev.expr, "result": ev.result}
    if ev.op is not None:
        data["op"] = ev.op
    if ev.left is not None:
        data["left"] = ev.left
    if ev.right is not None:
        data["right"] = ev.right
    if ev.left_at is not None:
        data["left_at"] = _place(ev.left_at, file)
    if ev.right_at is not None:
        data["right_at"] = _place(ev.right_at, file)
    if ev.note is not None:
        data["note"] = ev.note
    if ev.missing:
        data["missing"] = list(ev.missing)
    if ev.children:
        data["children"] = [evidence_to_report_json(c, file) for c in ev.children]
    if ev.graph is not None:
        data["graph"] = graph_trace_to_json(ev.graph, file)
    return data


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


def evidence_from_json(data: JSONDict, file: str | None = None) -> Evidence:
    """The Evidence that evidence_to_json, or evidence_to_report_json for a finding in
    `file`, wrote."""
    return Evidence(
        expr=data["expr"],
        result=data["result"],
        op=data.get("op"),
        left=data.get("left"),
        right=data.get("right"),
        left_at=location_from_json(data.get("left_at"), file),
        right_at=location_from_json(data.get("right_at"), file),
        note=data.get("note"),
        missing=tuple(data.get("missing", ())),
        children=tuple(evidence_from_json(c, file) for c in data.get("children", ())),
        graph=graph_trace_from_json(data.get("graph"), file),
    )


def graph_trace_to_json(trace: GraphTrace | None, file: str | None = None) -> JSONDict | None:
    """A graph trace; given `file` (a finding of the report's), its locations in that
    file are written without it."""
    if trace is None:
        return None
    if file is not None:
        def place(span: Span | None) -> JSONDict | None:
            return None if span is None else _place(span, file)
    else:
        place = location_to_json
    return {
        "kind": trace.kind,
        "via": trace.via,
        "target": trace.target,
        "hops": [
            {
                "node": h.node,
                "label": h.label,
                "at": place(h.at),
                "edge": h.edge,
                "via": h.via,
                "edge_at": place(h.edge_at),
                "from": h.prev,
            }
            for h in trace.hops
        ],
        "stopped": list(trace.stopped),
        "more": trace.more,
        **({"partial": True} if trace.partial else {}),  # said only when it is
        **({"through": trace.through, "blocked": list(trace.blocked)}
           if trace.through is not None else {}),  # a search `through:` a condition
        **({"unsure": list(trace.unsure)} if trace.unsure else {}),
    }


def graph_trace_from_json(data: JSONDict | None, file: str | None = None) -> GraphTrace | None:
    if data is None:
        return None
    hops = tuple(
        GraphHop(
            node=h["node"],
            label=h["label"],
            at=location_from_json(h["at"], file),
            edge=h["edge"],
            via=h["via"],
            edge_at=location_from_json(h["edge_at"], file),
            prev=h["from"],
        )
        for h in data["hops"]
    )
    return GraphTrace(data["kind"], data["via"], data["target"], hops, tuple(data["stopped"]),
                      data["more"], bool(data.get("partial", False)), data.get("through"),
                      tuple(data.get("blocked", ())), tuple(data.get("unsure", ())))


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
