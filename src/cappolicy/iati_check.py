"""Check an IATI activity file: each activity as a proposal, one result each, as it is read.

What IATI does not publish (governance bodies, data flows, sunset plans, risk
assessments...) makes rules `unknown`. Each activity's result carries a note that groups
those as what to ask the publisher for, and the file's last result one for the whole
file; both are located in the XML, so every report format shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from . import iati_codes as codes
from .errors import CappolicyError, Diagnostic
from .span import Span

if TYPE_CHECKING:
    from .findings import Finding
    from .render import FileError, ProposalResult
    from .rulesets import EffectiveRuleset, Rulesets

#: the code of the notes that say what to ask the publisher for
ASK = "CP447"


def unpublished_topics(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, list[str]]:
    """What the unknown findings miss, as topics to ask the publisher for, each with the
    rules it leaves undecided (in the order met)."""
    topics: dict[str, list[str]] = {}
    for f in findings:
        if f.outcome != "unknown":
            continue
        for missing in f.missing or (f.path,):
            rules = topics.setdefault(codes.topic(missing), [])
            if f.rule not in rules:
                rules.append(f.rule)
    return topics


def ask_note(topics: dict[str, list[str]], span: Span, what: str) -> Diagnostic:
    listed = "; ".join(f"{topic} ({', '.join(rules)})" for topic, rules in topics.items())
    return Diagnostic(ASK, f"not published in IATI{what}: ask the publisher for {listed}",
                      span, "these rules give unknown until the publisher says; import the "
                      "file (cappolicy import iati) to complete the proposals", level="note")


@attrs.define
class FileSummary:
    """What the activities of one file miss, counted across them."""

    activities: int = 0
    topics: dict[str, set[str]] = attrs.field(factory=dict)
    counts: dict[str, int] = attrs.field(factory=dict)

    def add(self, topics: dict[str, list[str]]) -> None:
        self.activities += 1
        for topic, rules in topics.items():
            self.topics.setdefault(topic, set()).update(rules)
            self.counts[topic] = self.counts.get(topic, 0) + 1

    def note(self, span: Span) -> Diagnostic | None:
        if not self.topics:
            return None
        ordered = sorted(self.topics, key=lambda t: -self.counts[t])
        listed = "; ".join(f"{t} ({self.counts[t]} of {self.activities} activities)"
                           for t in ordered)
        return Diagnostic(ASK, f"not published in IATI, across the {self.activities} "
                               f"activities of this file: ask the publisher for {listed}",
                          span, "each activity's note names the rules left unknown",
                          level="note")


def check_iati(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None,
               country: str | None, as_of: dt.date) -> Iterator[ProposalResult | FileError]:
    """Each activity's result (or FileError: one that cannot be read, or the problem that
    stops reading the file), as the file is read."""
    from .check import check_proposal, internal_error
    from .iati_map import load_activities
    from .render import FileError

    name = str(file)
    summary = FileSummary()
    last: ProposalResult | None = None
    root = Span(name, 1, 1)
    for item in load_activities(file):
        if isinstance(item, list):
            yield FileError(name, tuple(item))
            continue
        try:
            result = check_proposal(item, rulesets, fixed, country, as_of)
        except CappolicyError as exc:
            yield FileError(name, tuple(exc.diagnostics))
            continue
        except Exception as exc:  # noqa: BLE001 - a fault of ours: this activity's error
            yield internal_error(file, exc)
            continue
        topics = unpublished_topics(result.findings)
        summary.add(topics)
        if topics:
            result = attrs.evolve(result, warnings=(
                *result.warnings, ask_note(topics, item.span_of(()), "")))
        if last is not None:
            yield last
        last = result
    if last is not None:
        note = summary.note(root)
        if note is not None:
            last = attrs.evolve(last, warnings=(*last.warnings, note))
        yield last


def is_iati_file(file: Path) -> bool:
    """An XML file, checked as IATI (its content says whether it is one)."""
    return file.suffix.lower() == ".xml"
