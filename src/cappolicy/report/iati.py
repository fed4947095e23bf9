"""Check an IATI activity file: each activity as a proposal, one result each, as it is read.

What IATI does not publish (governance bodies, data flows, sunset plans, risk
assessments...) makes rules `unknown`. Each activity's result carries a note that groups
those as what to ask the publisher for, and the file's last result one for the whole
file; both are located in the XML, so every report format shows them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ..base.deferred import N_, joined
from ..base.errors import Diagnostic
from ..base.record import replace
from ..base.span import Span
from ..lang.i18n import deferred_ngettext as ngettext  # extracted as ngettext
from ..proposal import iati_codes as codes

if TYPE_CHECKING:
    from ..engine.findings import Evidence, Finding

#: the code of the notes that say what to ask the publisher for
ASK = "CP467"
#: fields of format v1 that no IATI element holds: their absence from an activity says
#: nothing about the programme, only about what IATI publishes
NEVER_PUBLISHED = re.compile(
    r"^(sunset|risk_assessment|governance|accountability|alignment)\b|"
    r"^evaluation\.(independent|by|local|schedule)\b|^roles\.evaluation\b|"
    r"^activities\[\d*\]\.type\b|"
    r"\.(data_flows|mandate|mandates|languages|delivery|recurrence)\b")
_MISSING_NOTE = re.compile(r"^(\S+) is missing$")


def _absent_fields(findings: list[Finding]) -> re.Pattern[str] | None:
    """The fields some unknown finding misses, as one pattern a path matches when it is
    one of them or inside one (`funding.sources` is inside `funding`); an index left
    out (`activities[].data_flows`, a rule over every activity) stands for any."""
    fields = {m for f in findings if f.outcome == "unknown" for m in f.missing}
    if not fields:
        return None
    alternatives = (re.escape(m).replace(r"\[\]", r"\[\d*\]") for m in sorted(fields))
    return re.compile(rf"(?:{'|'.join(alternatives)})(?:$|[.\[])")


def _unpublished_leaves(ev: Evidence, absent: re.Pattern[str] | None) -> list[str] | None:
    """The fields whose absence alone made `ev` false, each never published or in
    `absent`; None when something else did."""
    if ev.result != "false":
        return []
    if ev.children and ev.graph is None:
        found: list[str] = []
        for child in ev.children:
            leaves = _unpublished_leaves(child, absent)
            if leaves is None:
                return None
            found += leaves
        return found or None
    if not ev.expr.endswith(" present") or ev.left != "(missing)":
        return None
    named = _MISSING_NOTE.match(ev.note or "")
    path = named.group(1) if named else ev.expr.removesuffix(" present")
    return [path] if NEVER_PUBLISHED.search(path) or NEVER_PUBLISHED.search("." + path) \
        or absent is not None and absent.match(path) else None


#: what a rule over the governance graph walks that no IATI element fills: its bodies, the
#: relations between organisations and bodies, and data flows. A rule that finds none of
#: them to check has not found that there are none: it is unknown, naming the section.
_NEVER_FILLED = (
    # one kind, or a set of them (`edges(kind: {oversees, reports_to})`)
    (re.compile(r"^graph\.(nodes\(kind: (body|steering-committee)\b|edges\(kind: \{?"
                r"(chairs|member_of|reports_to|oversees|advises|decides|audits|employs)\b)"),
     "governance.bodies"),
    (re.compile(r"^graph\.edges\(kind: shares_data\b"), "activities[].data_flows"),
)


#: rules that pass whenever the governance graph holds no relation of a kind: a loop of
#: reporting lines (GOV-02) is never found where no reporting line is published. Keyed by
#: rule, since a pass carries no evidence of what it looked at (see unpublished_findings).
_PASS_ON_NOTHING = {"GOV-02": "governance.relations"}


def _never_filled(f: Finding) -> str | None:
    """The never-published section a not-applicable finding found nothing in, if any."""
    for pattern, section in _NEVER_FILLED:
        if f.path and pattern.search(f.path):
            return section
    return None


def unpublished_findings(findings: list[Finding]) -> list[Finding]:
    """Of an IATI activity's findings, a failure that only says a field no IATI element
    holds is absent becomes unknown, naming the fields: IATI does not publish governance
    bodies, data flows, sunset plans or risk assessments, so their absence is no fact
    about the programme. So does a rule found not applicable for want of any of them, and
    a rule that passes only because the governance graph holds none of them (GOV-02: no
    loop of reporting lines, where none is published), when the activity has no governance
    body at all: once a reviewer writes the governance in, its pass stands.

    A field is absent alike for every rule: a failure that only says a field is absent
    becomes unknown too when another rule of the activity is unknown for its absence (the
    funding of a parent activity, published in its child: BUD-02 cannot decide without it,
    and no rule fails for it), and the question for the publisher names both rules."""
    out = []
    absent = _absent_fields(findings)
    no_bodies = any(f.outcome == "not-applicable" and _never_filled(f) == "governance.bodies"
                    for f in findings)
    for f in findings:
        section = _never_filled(f) if f.outcome == "not-applicable" else None
        if f.outcome == "pass" and no_bodies and f.rule in _PASS_ON_NOTHING:
            section = _PASS_ON_NOTHING[f.rule]
            f = replace(f, outcome="unknown", missing=(section,), message=N_(
                "cannot decide: {fields} not published in IATI ({message})", fields=section,
                message=f.title))
        elif section is not None:
            f = replace(f, outcome="unknown", missing=(section,), message=N_(
                "cannot decide: {fields} not published in IATI ({message})", fields=section,
                message=f.message))
        if f.outcome == "fail" and f.evidence:
            leaves: list[str] | None = []
            for ev in f.evidence:
                got = _unpublished_leaves(ev, absent)
                leaves = None if got is None or leaves is None else leaves + got
            if leaves:
                paths = tuple(dict.fromkeys(leaves))
                f = replace(f, outcome="unknown", missing=paths, message=N_(
                    "cannot decide: {fields} not published in IATI ({message})",
                    fields=", ".join(paths), message=f.message))
        out.append(f)
    return out


def unpublished_topics(findings: tuple[Finding, ...] | list[Finding]) -> dict[str, list[str]]:
    """What the unknown findings miss, as topics to ask the publisher for, each with the
    rules it leaves undecided (in the order met). A finding unknown for another reason
    (a share of a zero total) names nothing missing, and is no question for the publisher."""
    topics: dict[str, list[str]] = {}
    for f in findings:
        if f.outcome != "unknown":
            continue
        for missing in f.missing:
            rules = topics.setdefault(codes.topic(missing), [])
            if f.rule not in rules:
                rules.append(f.rule)
    return topics


def ask_note(topics: dict[str, list[str]], span: Span, what: str) -> Diagnostic:
    listed = joined("; ", (N_("{topic} ({rules})", topic=topic, rules=", ".join(rules))
                           for topic, rules in topics.items()))
    return Diagnostic(ASK, N_("not published in IATI{what}: ask the publisher for {topics}",
                              what=what, topics=listed),
                      span, N_("these rules give unknown until the publisher says; import the "
                               "file (cappolicy import iati) to complete the proposals"),
                      level="note")


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
        total = self.activities
        listed = joined("; ", (ngettext("{topic} ({n} of {total} activity)",
                                        "{topic} ({n} of {total} activities)", total, topic=t,
                                        n=self.counts[t], total=total) for t in ordered))
        return Diagnostic(ASK, ngettext("not published in IATI, in the {n} activity of this "
                                        "file: ask the publisher for {topics}",
                                        "not published in IATI, across the {n} activities of "
                                        "this file: ask the publisher for {topics}", total,
                                        n=total, topics=listed),
                          span, N_("each activity's note names the rules left unknown"),
                          level="note")


def is_iati_file(file: Path) -> bool:
    """An XML file, checked as IATI (its content says whether it is one)."""
    return file.suffix.lower() == ".xml"
