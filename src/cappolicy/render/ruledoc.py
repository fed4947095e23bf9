"""One rule explained (`cappolicy explain RULE`), as text and as versioned JSON
("cappolicy.rule", version 1).

```
FIN-01  Host-country co-financing meets the minimum
  ruleset   national/xa "Arcadia national ruleset for cyber capacity building"
  principle co-financing
  source    000_66251300b48a3485.txt, paragraph 5
            | Investment strategies for cross-border cyber capacity must emphasize ...
  severity  must (error), as defined in baseline at rulesets/baseline/financing.cpol:19
  param     min_co_financing = 25%   (percent, higher is stricter)
            ...
  condition let national_share = ...
            require national_share >= min_co_financing
  fails     co-financing below the minimum   (rulesets/baseline/tests/financing.test.yaml:18)
              set funding.sources[1].by_year: {2027: 100000, 2028: 100000, 2029: 100000}
```
"""

from __future__ import annotations

import datetime as dt
import os
import re
import textwrap
from typing import Any

import attrs

from ..base.record import Record, replace
from ..base.span import Span
from ..base.visible import no_commands, visible
from ..engine.findings import LEVEL, SEVERITY_RANK, Provenance
from ..rulesets.documentation import Example, ParamDoc, RuleDoc
from ..rulesets.edits import Edit
from .jsonfmt import location_to_json, provenance_to_json
from .paths import in_rulesets
from .style import style as style_text

SCHEMA = "cappolicy.rule"
VERSION = 1
JSONDict = dict[str, Any]

LABEL_WIDTH = 10
WIDTH = 96  # quoted paragraphs are wrapped to this width
SHOWN = 3  # examples of each outcome shown in text
RELAXED = "RELAXED"


def _style(text: str, color: bool, **style: Any) -> str:
    return style_text(text, **style) if color else text


# --- text ------------------------------------------------------------------------------------


def render_rule_doc(doc: RuleDoc, *, color: bool = False) -> str:
    doc = _shown(doc)
    lines = [f"{_style(doc.id, color, bold=True)}  {doc.title}"]
    title = f' "{doc.ruleset_title}"' if doc.ruleset_title else ""
    if doc.disabled is not None:
        d = doc.disabled.origin
        lines += _field("disabled", f"in {doc.disabled_in}: by {d.layer} at {_cite(d.span, d.layer)}"
                        f"{_because(d)}   " + _style(RELAXED, color, fg="yellow", bold=True))
        lines.append(_continue(f"a proposal checked against {doc.disabled_in} gets no finding "
                               f"of it; below, the rule as {doc.ruleset} has it"))
    lines += _field("ruleset", f"{doc.ruleset}{title}")
    if doc.note:
        lines += _field("note", doc.note)
    lines += _field("principle", doc.principle or "(none given)")
    lines += _source_lines(doc)
    lines += _field("defined", f"in {doc.defined.layer} at {_cite(doc.defined.span, doc.defined.layer)}")
    lines += _severity_lines(doc, color)
    for param in doc.params:
        lines += _param_lines(param, color)
    if not doc.params:
        lines += _field("params", "(none: the rule reads no param)")
    for i, (keyword, text) in enumerate(doc.condition):
        line = f"{keyword} {text}"
        lines += _field("condition", line) if i == 0 else [_continue(line)]
    lines += _text_lines("message", doc.message, doc.message_override)
    lines += _text_lines("hint", doc.hint, doc.hint_override)
    lines += _example_lines(doc)
    return no_commands("\n".join(lines))


def _shown(value: Any) -> Any:
    """`value` with every text in it as a terminal or a CI log may show it: control, bidi
    and line-separator characters spelled out (visible.py), so that a rule file's title,
    message or `because` neither moves the cursor nor begins a line of its own; each
    part of the document is so before it is laid out, and coloured, here."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_shown(v) for v in value)
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if attrs.has(type(value)):
        return attrs.evolve(value, **{f.name: _shown(getattr(value, f.name))
                                      for f in attrs.fields(type(value)) if f.init})
    if isinstance(value, Record):
        return replace(value, **{name: _shown(getattr(value, name)) for name in value.FIELDS})
    return value


def _source_lines(doc: RuleDoc) -> list[str]:
    if doc.source is None:
        return _field("source", "(none given)")
    lines = _field("source", doc.source)
    q = doc.quote
    if q is None:
        lines.append(_continue("(not a `FILE, paragraph N` citation: nothing to quote)"))
    elif q.text is None:
        lines.append(_continue(f"(not quoted: {q.problem})"))
    else:
        wrap = WIDTH - LABEL_WIDTH - 4
        lines += [_continue("| " + line)
                  for line in textwrap.wrap(q.text, wrap, break_on_hyphens=False)]
        lines.append(_continue(f"(from {q.file})"))
    return lines


def _severity_lines(doc: RuleDoc, color: bool) -> list[str]:
    now = f"{doc.severity} ({LEVEL[doc.severity]})"
    origin = doc.severity_origin
    if origin is None:
        return _field("severity", f"{now}, as defined in {doc.defined.layer} at "
                      f"{_cite(doc.defined.span, doc.defined.layer)}")
    before = origin.previous or doc.declared_severity
    rank, was = SEVERITY_RANK[doc.severity], SEVERITY_RANK.get(before, SEVERITY_RANK["must"])
    verb = "lowered" if rank < was else "raised" if rank > was else "set"
    mark = ("   " + _style(RELAXED, color, fg="yellow", bold=True)) if rank < was else ""
    lines = _field("severity", f"{now}, {verb} by {origin.layer} at {_cite(origin.span, origin.layer)}"
                   f"{_because(origin)}{mark}")
    where = f" ({_cite(origin.previous_span, origin.previous_layer)})" if origin.previous_span is not None else ""
    lines.append(_continue(f"replaces {before} of {origin.previous_layer}{where}"))
    return lines


def _param_lines(p: ParamDoc, color: bool) -> list[str]:
    kind = p.type + (f", {p.stricter} is stricter" if p.stricter else "")
    mark = ("   " + _style(RELAXED, color, fg="yellow", bold=True)) if p.relaxed else ""
    lines = _field("param", f"{p.name} = {p.value}   ({kind}){mark}")
    if p.about:
        lines += _field("about", p.about, LABEL_WIDTH + 4)
    lines += _field("declared", f"{p.declared_value} by {p.declared.layer} at "
                    f"{_cite(p.declared.span, p.declared.layer)}", LABEL_WIDTH + 4)
    for value, origin in p.sets:
        verb = "relaxes" if origin.relaxation else "tightens"
        lines += _field("set", f"{value} by {origin.layer} at {_cite(origin.span, origin.layer)}"
                        f"{_because(origin)}", LABEL_WIDTH + 4)
        lines.append(_continue(f"{verb} {origin.previous} of {origin.previous_layer}",
                               LABEL_WIDTH + 4))
    return lines


def _text_lines(label: str, text: str | None, override: Provenance | None) -> list[str]:
    if text is None:
        return []
    lines = _field(label, f'"{text}"')
    if override is not None:
        lines.append(_continue(f"written by {override.layer} at {_cite(override.span, override.layer)}"
                               f"{_because(override)}"))
    return lines


def _example_lines(doc: RuleDoc) -> list[str]:
    if not doc.examples:
        note = (f" ({_plural(doc.unread_tests, 'test file')} could not be read, or their "
                "ruleset could not be loaded)") if doc.unread_tests else ""
        return _field("examples", f"none: no rule test names {doc.id}{note}")
    lines: list[str] = []
    for label, group in (("fails", doc.failing), ("passes", doc.passing)):
        if not group:
            lines += _field(label, f"no case of the rule tests makes it {label[:-1]} in "
                            f"{doc.ruleset}")
            continue
        for i, example in enumerate(group[:SHOWN]):
            head = _example_head(example, doc.ruleset)
            lines += _field(label, head) if i == 0 else [_continue(head)]
            lines += [_continue("  " + e) for e in example_edits(example)]
        if len(group) > SHOWN:
            lines.append(_continue(f"... and {len(group) - SHOWN} more"))
    other = doc.other
    if other:
        for i, example in enumerate(other[:SHOWN]):
            head = f"{example.outcome or 'no finding'}: {_example_head(example, doc.ruleset)}"
            lines += _field("other", head) if i == 0 else [_continue(head)]
        if len(other) > SHOWN:
            lines.append(_continue(f"... and {len(other) - SHOWN} more"))
    lines += _field("examples", f"{len(doc.examples)} cases of the rule tests that name "
                    f"{doc.id}, each run against {doc.ruleset}; --format json lists them all")
    return lines


def _example_head(example: Example, ruleset: str) -> str:
    target = f" (for {example.target})" if example.target else ""
    said = ""
    if example.outcome != example.expected:
        said = f"; its test expects {example.expected} in {example.tested}"
    return f"{example.name}{target}   ({example.file}:{example.line}{said})"


def example_edits(example: Example) -> list[str]:
    """`set path: value` and `remove path` lines, or the base proposal left unchanged."""
    if not example.case.edits:
        return [f"(the base proposal, unchanged: {example.base})"]
    return [edit_text(e) for e in example.case.edits]


def edit_text(edit: Edit) -> str:
    if edit.op == "remove":
        return f"remove {edit.text}"
    return f"set {edit.text}: {flow(edit.value)}"


def flow(value: Any) -> str:
    """A value as YAML flow text, as a test file would write it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, dt.date)):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _WORDS:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./ -]*[A-Za-z0-9_.]|[A-Za-z_]")
_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def _field(label: str, text: str, indent: int = 2) -> list[str]:
    return [" " * indent + label.ljust(LABEL_WIDTH - 1) + " " + text]


def _continue(text: str, indent: int = 2) -> str:
    return " " * (indent + LABEL_WIDTH) + text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cite(span: Span, layer: str | None = None) -> str:
    """`file:line` of a ruleset line; a file outside the current folder (an installed
    package's) named as under its rulesets root (`baseline/financing.cpol:8`)."""
    file = span.file
    if layer and (os.path.isabs(file) or file.startswith("..")):
        file = in_rulesets(file, layer)
    return f"{file}:{span.line}" if span.line else file


def _because(origin: Provenance) -> str:
    return f' because "{origin.because}"' if origin.because else ""


# --- JSON ------------------------------------------------------------------------------------


def rule_doc_to_json(doc: RuleDoc, tool_version: str | None = None) -> JSONDict:
    q = doc.quote
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "tool_version": tool_version,
        "id": doc.id,
        "title": doc.title,
        "ruleset": doc.ruleset,
        "ruleset_title": doc.ruleset_title,
        "note": doc.note,
        "disabled": None if doc.disabled is None else {
            "in": doc.disabled_in, "origin": provenance_to_json(doc.disabled.origin)},
        "principle": doc.principle,
        "source": {
            "citation": doc.source,
            "file": q.citation.file if q else None,
            "paragraph": q.citation.paragraph if q else None,
            "seeds": str(q.folder) if q and q.folder else None,
            "text": q.text if q else None,
            "problem": q.problem if q else None,
        },
        "defined": provenance_to_json(doc.defined),
        "severity": doc.severity,
        "level": LEVEL[doc.severity],
        "declared_severity": doc.declared_severity,
        "severity_origin": provenance_to_json(doc.severity_origin),
        "relaxed": doc.relaxed,
        "params": [_param_json(p) for p in doc.params],
        "condition": [{"clause": k, "text": t} for k, t in doc.condition],
        "message": doc.message,
        "message_override": provenance_to_json(doc.message_override),
        "hint": doc.hint,
        "hint_override": provenance_to_json(doc.hint_override),
        "examples": [_example_json(e) for e in doc.examples],
        "unread_tests": doc.unread_tests,
    }


def _param_json(p: ParamDoc) -> JSONDict:
    return {
        "name": p.name, "type": p.type, "value": p.value, "stricter": p.stricter,
        "description": p.about, "relaxed": p.relaxed,
        "declared": {"value": p.declared_value, "origin": provenance_to_json(p.declared)},
        "sets": [{"value": v, "origin": provenance_to_json(o)} for v, o in p.sets],
    }


def _example_json(e: Example) -> JSONDict:
    return {
        "case": e.name, "file": e.file, "line": e.line, "tested": e.tested,
        "expected": e.expected, "target": e.target, "outcome": e.outcome, "base": e.base,
        "edits": [_edit_json(x) for x in e.case.edits],
    }


def _edit_json(edit: Edit) -> JSONDict:
    return {"op": edit.op, "path": edit.text, "value": _plain(edit.value) if edit.op == "set"
            else None, "at": location_to_json(edit.span)}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value

