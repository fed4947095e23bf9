"""The report as SARIF 2.1.0 (docs/ci-formats.md): one run, for code-scanning tools.

- `tool.driver.rules` holds every rule that produced a finding, of any outcome;
  `results` only the findings a reviewer has to see: `fail`, `unknown` and `waived`.
- `level` comes from the severity (must: error, should: warning, advisory: note),
  for an undecided finding too: it is a `fail` kind of result whose
  `properties.undecided` is true and `properties.missing` names what was missing.
  A waived finding keeps its level and carries a `suppressions` entry of kind
  "external" with the waiver as its justification.
- File names are URIs relative to a root folder (`%SRCROOT%`, given in
  `originalUriBaseIds`); a file outside it gets an absolute `file:` URI.
- `partialFingerprints["cappolicy/v1"]` hashes the rule id, the file, and the
  element (or the proposal path) of a finding, never its line, so that a result
  keeps its identity when lines move.
- Files that could not be loaded are `toolExecutionNotifications` of the one
  invocation, whose `executionSuccessful` is then false.
- A proposal's ruleset note (`national/xa is read from rules/national/xa.cpol, which
  hides the shipped national/xa`) and what its verdict owes to a layer's relaxations
  (the text report's `note` and `relaxed` lines) are `toolConfigurationNotifications`
  of the invocation, at level "note" on the proposal's file, passing or not; its entry
  in `run.properties.proposals` holds them too (`rulesetNote`, `relaxed`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..base.errors import Diagnostic
from ..base.span import Span
from ..base.visible import json_controls
from ..engine.findings import Evidence, Finding
from ..report.model import (
    REPORTED,
    ProposalResult,
    Report,
    count_fails_by_level,
    count_outcomes,
    exit_code,
    sorted_errors,
    sorted_findings,
    sorted_results,
    verdict,
)
from .jsontext import dumps
from .paths import absolute_uri, forget, relative_uri, repo_path

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
ROOT_ID = "%SRCROOT%"
FINGERPRINT = "cappolicy/v1"
SARIF_LEVEL = {"must": "error", "should": "warning", "advisory": "note"}
MAX_RELATED = 50  # related locations per result, before the rest are left out
JSONDict = dict[str, Any]


def render_sarif(report: Report, *, root: str | os.PathLike[str] | None = None,
                 indent: int | None = 2) -> str:
    """The SARIF log as JSON text (no trailing newline). URIs are relative to
    `root` (default: the current folder)."""
    if indent == 2:  # the standard library's indenting encoder is slow (jsontext.py)
        return dumps(report_to_sarif(report, root=root))
    return json_controls(
        json.dumps(report_to_sarif(report, root=root), indent=indent, ensure_ascii=False))


def report_to_sarif(report: Report, *, root: str | os.PathLike[str] | None = None) -> JSONDict:
    base = root if root is not None else os.curdir
    forget()
    results = sorted_results(report)
    rules, index = _rules(results)
    fingerprints = _Fingerprints(base)
    run: JSONDict = {
        "tool": {"driver": {
            "name": "cappolicy",
            "version": report.tool_version,
            "semanticVersion": report.tool_version,
            "rules": rules,
        }},
        "invocations": [_invocation(report, base)],
        "originalUriBaseIds": {ROOT_ID: {"uri": absolute_uri(base, folder=True)}},
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, result, index[f.rule], fingerprints.of(f), base)
            for result in results
            for f in sorted_findings(result.findings)
            if f.outcome in REPORTED
        ],
        "properties": _run_properties(report, results),
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


# --- rules -----------------------------------------------------------------------------------


def _rules(results: list[ProposalResult]) -> tuple[list[JSONDict], dict[str, int]]:
    """One descriptor per rule id, in id order, described by its first finding
    (results and findings in report order); and each id's index."""
    first: dict[str, Finding] = {}
    hints: dict[str, set[str]] = {}
    for result in results:
        for f in sorted_findings(result.findings):
            first.setdefault(f.rule, f)
            if f.hint:
                hints.setdefault(f.rule, set()).add(f.hint)
    ids = sorted(first)
    return [_descriptor(first[i], hints.get(i, set())) for i in ids], {i: n for n, i in enumerate(ids)}


def _descriptor(finding: Finding, hints: set[str]) -> JSONDict:
    cited = f" ({finding.source})" if finding.source else ""
    full = f"{finding.title}. Principle: {finding.principle}{cited}."
    if len(hints) == 1:
        helped = next(iter(hints))
    elif hints:
        helped = f"{full} Each result's message ends with the fix for its element."
    else:
        helped = full
    return {
        "id": finding.rule,
        "name": _pascal(finding.title) or finding.rule,
        "shortDescription": {"text": finding.title},
        "fullDescription": {"text": full},
        "help": {"text": helped},
        "defaultConfiguration": {"level": SARIF_LEVEL[finding.severity]},
        "properties": {
            "principle": finding.principle,
            "source": finding.source,
            "severity": finding.severity,
            "tags": ["cappolicy", finding.principle],
        },
    }


def _pascal(title: str) -> str:
    """`Host-country co-financing meets...` -> `HostCountryCoFinancingMeets...` (ASCII words)."""
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


# --- results ---------------------------------------------------------------------------------


def _result(finding: Finding, result: ProposalResult, rule_index: int, fingerprint: str,
            base: str | os.PathLike[str]) -> JSONDict:
    data: JSONDict = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": SARIF_LEVEL[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [{"physicalLocation": _physical(finding.span, base, finding.file)}],
    }
    related = _related(finding, base)
    if related:
        data["relatedLocations"] = related
    data["partialFingerprints"] = {FINGERPRINT: fingerprint}
    if finding.outcome == "waived":
        data["suppressions"] = [{
            "kind": "external",
            "status": "accepted",
            "justification": finding.waiver or "waived in the proposal",
        }]
    properties: JSONDict = {
        "outcome": finding.outcome,
        "undecided": finding.outcome == "unknown",
        "severity": finding.severity,
        "principle": finding.principle,
        "proposal": result.proposal_id,
        "ruleset": finding.ruleset or result.ruleset,
        "path": finding.path,
    }
    if finding.element is not None:
        properties["element"] = finding.element
    if finding.missing:
        properties["missing"] = list(finding.missing)
    if finding.hint:
        properties["hint"] = finding.hint
    data["properties"] = properties
    return data


def _message(finding: Finding) -> str:
    text = finding.message or finding.title
    if finding.outcome == "unknown":
        text = f"Undecided: {text}"
        if finding.missing:
            text += f"\nMissing: {', '.join(finding.missing)}"
    elif finding.outcome == "waived":
        text = f"Waived: {text}"
    if finding.hint:
        text += f"\nHint: {finding.hint}"
    return text


def _physical(span: Span | None, base: str | os.PathLike[str], file: str) -> JSONDict:
    """An artifact location (the span's file, else `file`) and the span's region."""
    located: JSONDict = {"artifactLocation": artifact_location(span.file if span else file, base)}
    region = _region(span)
    if region is not None:
        located["region"] = region
    return located


def artifact_location(file: str, base: str | os.PathLike[str]) -> JSONDict:
    relative = repo_path(file, base)
    if relative is None:
        if file.startswith("<"):  # a built-in: no file at all
            return {"uri": relative_uri(file.strip("<>") or "builtin")}
        return {"uri": absolute_uri(file)}
    return {"uri": relative_uri(relative), "uriBaseId": ROOT_ID}


def _region(span: Span | None) -> JSONDict | None:
    if span is None or span.line < 1:
        return None
    region: JSONDict = {"startLine": span.line}
    if span.column >= 1:
        region["startColumn"] = span.column
    if span.end_line >= span.line:
        region["endLine"] = span.end_line
        if span.end_column >= 1 and (span.end_line > span.line or span.end_column > span.column):
            region["endColumn"] = span.end_column
    return region


def _related(finding: Finding, base: str | os.PathLike[str]) -> list[JSONDict]:
    """Where the values the evidence cites come from, each once, with what it is."""
    seen: set[tuple[str, int, int, str]] = set()
    related: list[JSONDict] = []
    for at, text in _evidence_places(finding.evidence):
        key = (at.file, at.line, at.column, text)
        if key in seen or at.line < 1:
            continue
        seen.add(key)
        if len(related) == MAX_RELATED:
            break
        related.append({
            "id": len(related) + 1,
            "physicalLocation": _physical(at, base, finding.file),
            "message": {"text": text},
        })
    return related


def _evidence_places(parts: tuple[Evidence, ...]) -> Iterator[tuple[Span, str]]:
    for ev in parts:
        for side, value, at in (("left", ev.left, ev.left_at), ("right", ev.right, ev.right_at)):
            if at is not None:
                shown = f"{value} " if value is not None else ""
                yield at, f"{shown}({side} of {ev.expr})"
        if ev.graph is not None:
            for hop in ev.graph.hops:
                if hop.at is not None:
                    yield hop.at, hop.label
                if hop.edge_at is not None and hop.prev is not None:
                    kind = (hop.via or "").removesuffix("<-")
                    if hop.via and hop.via.endswith("<-"):
                        yield hop.edge_at, f"{hop.node} -{kind}-> {hop.prev}"
                    else:
                        yield hop.edge_at, f"{hop.prev} -{kind}-> {hop.node}"
        yield from _evidence_places(ev.children)


_LINE_PATH = re.compile(r"line [0-9]+")  # a finding the evaluator could only place by line


class _Fingerprints:
    """Stable identities: the rule, the file relative to the root, the element (or
    the proposal path when the finding has no element; or the governance-graph edges
    it is about when its path is only a line), and which occurrence of that identity
    it is, in position order, should two findings share it."""

    def __init__(self, base: str | os.PathLike[str]) -> None:
        self.base = base
        self.seen: Counter[tuple[str, ...]] = Counter()

    def of(self, finding: Finding) -> str:
        file = repo_path(finding.file, self.base) or finding.file
        if finding.element is not None:
            where = ("element", finding.element)
        elif not _LINE_PATH.fullmatch(finding.path):
            where = ("path", finding.path)
        else:
            where = ("edges", ",".join(map(str, sorted(set(finding.edges)))))
        identity = (finding.rule, file, *where)
        occurrence = self.seen[identity]
        self.seen[identity] += 1
        text = "\x00".join((*identity, str(occurrence)))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# --- the invocation and the run --------------------------------------------------------------


def _invocation(report: Report, base: str | os.PathLike[str]) -> JSONDict:
    notices = [_notification(d, e.file, "error", base)
               for e in sorted_errors(report) for d in e.diagnostics]
    notices += [_notification(d, r.file, "warning", base)
                for r in sorted_results(report) for d in r.warnings]
    code = exit_code(report)
    invocation: JSONDict = {
        "executionSuccessful": not report.errors,
        "exitCode": code,
        "exitCodeDescription": {0: "nothing fails at or above fail_on",
                                1: "a finding fails at or above fail_on",
                                2: "a file could not be loaded"}[code],
    }
    if notices:
        invocation["toolExecutionNotifications"] = notices
    configured = [_ruleset_notification(text, kind, r, base)
                  for r in sorted_results(report) for kind, text in r.ruleset_lines()]
    if configured:
        invocation["toolConfigurationNotifications"] = configured
    invocation["properties"] = {
        "failOn": report.fail_on,
        "asOf": report.as_of.isoformat(),
        "allowUnknown": report.allow_unknown,
    }
    return invocation


def _notification(diagnostic: Diagnostic, file: str, default_level: str,
                  base: str | os.PathLike[str]) -> JSONDict:
    level = {"error": "error", "warning": "warning", "note": "note"}.get(diagnostic.level,
                                                                        default_level)
    text = diagnostic.message + (f"\nhelp: {diagnostic.help}" if diagnostic.help else "")
    return {
        "level": level,
        "message": {"text": text},
        "descriptor": {"id": diagnostic.code},
        "locations": [{"physicalLocation": _physical(diagnostic.span, base, file)}],
    }


def _ruleset_notification(text: str, kind: str, result: ProposalResult,
                          base: str | os.PathLike[str]) -> JSONDict:
    """A line of ProposalResult.ruleset_lines as a notification about the ruleset the
    proposal was checked against, on the proposal's file."""
    return {
        "level": "note",
        "message": {"text": text if kind == "note" else f"{kind}: {text}"},
        "locations": [{"physicalLocation": _physical(None, base, result.file)}],
        "properties": {"kind": kind, "proposal": result.proposal_id,
                       "ruleset": result.ruleset},
    }


def _proposal_properties(result: ProposalResult, report: Report) -> JSONDict:
    said: JSONDict = {
        "file": result.file,
        "proposal": result.proposal_id,
        "ruleset": result.ruleset,
        "verdict": verdict(result, report.fail_on, report.allow_unknown),
    }
    if result.ruleset_note:
        said["rulesetNote"] = result.ruleset_note
    if result.relied_on:
        said["relaxed"] = list(result.relied_on)
    return said


def _run_properties(report: Report, results: list[ProposalResult]) -> JSONDict:
    findings = [f for r in results for f in r.findings]
    return {
        "verdict": {0: "pass", 1: "fail", 2: "error"}[exit_code(report)],
        "settings": report.inputs.settings,
        "rulesets": list(report.inputs.rulesets),
        "outcomes": count_outcomes(findings),
        "failsByLevel": count_fails_by_level(findings),
        "proposals": [_proposal_properties(r, report) for r in results],
    }
