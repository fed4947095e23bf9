"""The report as JUnit XML (docs/ci-formats.md), for CI test-report views.

One `<testsuite>` per proposal (named by its id), one `<testcase>` per finding:
a rule, or a rule and one element for a `for` rule. The testcase's `classname` is
`<proposal id>.<principle>`, so viewers that split it group the rules of a proposal
by principle. Outcomes:

| outcome          | testcase                                                     |
|------------------|--------------------------------------------------------------|
| `pass`           | empty (passed)                                               |
| `fail`           | `<failure type="error|warning|info">`, whatever `fail_on` is |
| `unknown`        | `<error type="unknown">`: the rule could not be decided      |
| `not-applicable` | `<skipped>`                                                  |
| `waived`         | passed, with the waiver in `<system-out>` and a `waived`     |
|                  | property of its testsuite                                    |

A proposal's ruleset note (`national/xa is read from rules/national/xa.cpol, which hides
the shipped national/xa`) and what its verdict owes to a layer's relaxations (the text
report's `note` and `relaxed` lines) are properties of its testsuite (`ruleset_note`, a
`relaxed` one per line) and, passing or not, the testsuite's `<system-out>`.
A file that could not be loaded is a testsuite of its own with one testcase in error.
Every testsuite names what the run read: a `settings` property (the settings file, or
`none (defaults)`) and a `rulesets` property per rulesets folder (`<shipped>` too).
The output follows the JUnit schema of Jenkins' xUnit plugin (junit-10.xsd); every
text and attribute is escaped, and control characters (which XML 1.0 mostly cannot
hold, and a CI log should not show raw) are spelled out as in every human format,
`\\x1b`, `\\r`, `\\u2028` (visible.py); so is anything else XML 1.0 cannot hold.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..base.errors import Diagnostic
from ..base.visible import no_commands, visible
from ..engine.findings import Finding
from ..report.model import (
    FileError,
    ProposalResult,
    Report,
    sorted_errors,
    sorted_findings,
    sorted_results,
    verdict,
)
from .text import render_finding

#: What XML 1.0 cannot hold: C0 controls other than tab, newline and return;
#: lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text XML 1.0 can hold, control characters spelled out (`\\xNN`, `\\uNNNN`) but
    for tab and newline."""
    return _NOT_XML.sub(_escape_char, visible(str(value), newlines=True))


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document (no trailing newline)."""
    suites = ET.Element("testsuites", {"name": "cappolicy"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for result in sorted_results(report):
        suite = _proposal_suite(result, report)
        suites.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for error in sorted_errors(report):
        suites.append(_error_suite(error, report))
        totals["tests"] += 1
        totals["errors"] += 1
    for key, count in totals.items():
        suites.set(key, str(count))
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + no_xml_commands(body)


#: a line of the document that begins, blanks aside, with `::` (only text can: markup
#: begins with `<`, and the serializer writes a newline in an attribute as `&#10;`)
_LINE_COMMAND = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)


def no_xml_commands(xml: str) -> str:
    """The document with nothing a CI runner would act on when it is printed to a log: the
    first `:` of a line that begins with `::` and the `[` of `##[` (paths.no_commands) are
    written as character references, `&#58;` and `&#91;`, the same text to an XML reader."""
    if "::" in xml:
        xml = _LINE_COMMAND.sub(r"\1&#58;", xml)
    return xml.replace("##[", "##&#91;") if "##[" in xml else xml


def _proposal_suite(result: ProposalResult, report: Report) -> ET.Element:
    findings = sorted_findings(result.findings)
    counts = {
        "tests": len(findings),
        "failures": sum(1 for f in findings if f.outcome == "fail"),
        "errors": sum(1 for f in findings if f.outcome == "unknown"),
        "skipped": sum(1 for f in findings if f.outcome == "not-applicable"),
    }
    suite = _element("testsuite", name=result.proposal_id,
                     **{k: str(v) for k, v in counts.items()}, file=result.file)
    properties = ET.SubElement(suite, "properties")
    described = {
        "file": result.file,
        "proposal": result.proposal_id,
        "host_country": result.host_country,
        "ruleset": result.ruleset,
        "ruleset_note": result.ruleset_note,
        "verdict": verdict(result, report.fail_on, report.allow_unknown),
        "fail_on": report.fail_on,
        "as_of": report.as_of.isoformat(),
    }
    for name, value in described.items():
        if value is not None:
            properties.append(_element("property", name=name, value=value))
    for f in findings:
        if f.outcome == "waived":
            properties.append(_element("property", name="waived",
                                       value=f"{_case_name(f)}: {f.waiver or 'waived'}"))
    for line in result.relied_on:
        properties.append(_element("property", name="relaxed", value=line))
    _inputs(properties, report)
    for f in findings:
        suite.append(_testcase(f, result))
    # a path in a note is the project's: a newline in it would start a line of its own
    said = [f"{label}: {visible(line)}" for label, line in result.ruleset_lines()]
    if said:
        ET.SubElement(suite, "system-out").text = xml_text("\n".join(said))
    if result.warnings:
        ET.SubElement(suite, "system-err").text = xml_text(
            no_commands("\n".join(d.render() for d in result.warnings)))
    return suite


def _case_name(finding: Finding) -> str:
    element = f" [{finding.element}]" if finding.element is not None else ""
    return f"{finding.rule}{element}"


def _testcase(finding: Finding, result: ProposalResult) -> ET.Element:
    case = _element("testcase", name=f"{_case_name(finding)} {finding.title}",
                    classname=f"{result.proposal_id}.{finding.principle}")
    explained = render_finding(finding)
    if finding.outcome == "fail":
        failure = _element("failure", type=finding.level, message=finding.message)
        failure.text = xml_text(explained)
        case.append(failure)
    elif finding.outcome == "unknown":
        missing = f" (missing: {', '.join(finding.missing)})" if finding.missing else ""
        error = _element("error", type="unknown",
                         message=f"undecided{missing}: {finding.message}")
        error.text = xml_text(explained)
        case.append(error)
    elif finding.outcome == "not-applicable":
        case.append(_element("skipped", message="not applicable: the rule selects nothing "
                                                "in this proposal"))
    elif finding.outcome == "waived":
        ET.SubElement(case, "system-out").text = xml_text(explained)
    return case


def _inputs(properties: ET.Element, report: Report) -> None:
    """The settings file of the run and each of its rulesets folders, as properties of
    every testsuite: JUnit's `<testsuites>` has none."""
    properties.append(_element("property", name="settings",
                               value=report.inputs.settings or "none (defaults)"))
    for folder in report.inputs.rulesets:
        properties.append(_element("property", name="rulesets", value=folder))


def _error_suite(error: FileError, report: Report) -> ET.Element:
    suite = _element("testsuite", name=error.file, tests="1", failures="0", errors="1",
                     skipped="0", file=error.file)
    _inputs(ET.SubElement(suite, "properties"), report)
    case = _element("testcase", name="load", classname=error.file)
    first: Diagnostic | None = error.diagnostics[0] if error.diagnostics else None
    failure = _element("error", type=first.code if first else "CP400",
                       message=first.message if first else f"{error.file} could not be loaded")
    failure.text = xml_text("\n".join(d.render() for d in error.diagnostics))
    case.append(failure)
    suite.append(case)
    return suite


def _element(tag: str, **attributes: str | None) -> ET.Element:
    return ET.Element(tag, {k: xml_text(v) for k, v in attributes.items() if v is not None})
