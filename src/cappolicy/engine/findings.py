"""Findings: what evaluating one rule on one proposal (or one element of it) found."""

from __future__ import annotations

import attrs

from ..base.pickling import by_fields
from ..base.span import Span

OUTCOMES = ("fail", "unknown", "waived", "pass", "not-applicable")
SEVERITIES = ("must", "should", "advisory")
LEVEL = {"must": "error", "should": "warning", "advisory": "info"}
SEVERITY_RANK = {"must": 3, "should": 2, "advisory": 1}


@by_fields
@attrs.frozen
class Provenance:
    """Where a ruleset layer decided something: the file:line, why, what it replaced."""

    layer: str  # ruleset id, e.g. "baseline", "xa"
    span: Span
    because: str | None = None
    relaxation: bool = False
    previous: str | None = None  # display of the value it replaced
    previous_layer: str | None = None
    previous_span: Span | None = None


@by_fields
@attrs.frozen
class ParamUse:
    """A param a rule read, with the layer that set its value."""

    name: str
    value: str  # display form, e.g. "25%"
    type: str
    origin: Provenance


@by_fields
@attrs.frozen
class GraphHop:
    """One node of a graph explanation and the edge that led to it."""

    node: str  # node key
    label: str  # e.g. "xa-mict (ministry, XA)"
    at: Span | None  # where the proposal declares the node
    edge: int | None = None  # id of the edge that led here; None for the start
    via: str | None = None  # the edge kind as walked: "reports_to", or "oversees<-" backwards
    edge_at: Span | None = None  # where the proposal states that edge
    prev: str | None = None  # the node the edge was walked from


@by_fields
@attrs.frozen
class GraphTrace:
    """How a graph query came out: the path found (`kind` "path"), or, when no
    path exists, what was reachable instead (`kind` "reached": the hops of the
    search in the order it reached them, and the nodes where it ran out), or the
    first loop `graph.cycles` found (`kind` "cycle"; `more` counts the others)."""

    kind: str  # path | reached | cycle
    via: str  # the edge kinds followed, e.g. "reports_to, oversees<-"
    target: str  # the node or condition searched for
    hops: tuple[GraphHop, ...]
    stopped: tuple[str, ...] = ()
    more: int = 0  # hops reached but not listed (for a cycle: the other loops)
    # the search was followed only so far (explain.EXPLORED nodes): `more` and `stopped`
    # count what it reached by then, and it reaches more
    partial: bool = False

    @property
    def edges(self) -> tuple[int, ...]:
        return tuple(h.edge for h in self.hops if h.edge is not None)


@by_fields
@attrs.frozen
class Evidence:
    """One part of a condition and how it came out.

    For a comparison, `left`/`right` are the actual values shown as text and
    `left_at`/`right_at` where they come from in the proposal; for a
    quantifier, `children` explain the elements; `missing` lists the paths whose
    absence made the part unknown."""

    expr: str
    result: str  # "true" | "false" | "unknown"
    op: str | None = None
    left: str | None = None
    right: str | None = None
    left_at: Span | None = None
    right_at: Span | None = None
    note: str | None = None
    missing: tuple[str, ...] = ()
    children: tuple[Evidence, ...] = ()
    graph: GraphTrace | None = None


@by_fields
@attrs.frozen
class Wording:
    """A finding's message and hint for a reader of another language (`check --lang`):
    the rule's translation when its rule file has one (`message fr "…"`), else its English
    text; either way with the values in the reader's locale. Only the reports a person
    reads show it; JSON, SARIF and JUnit keep `message` and `hint`."""

    lang: str
    message: str | None  # None: the finding's message is one evaluation wrote (`cannot decide`)
    hint: str | None = None
    # the texts shown in English for want of a translation: "title", "message", "hint"
    untranslated: tuple[str, ...] = ()
    title: str | None = None  # the rule's title in that language; None: its English


@by_fields
@attrs.frozen
class Finding:
    rule: str
    title: str
    principle: str
    source: str | None
    severity: str  # must | should | advisory (after overrides)
    outcome: str  # fail | unknown | waived | pass | not-applicable
    file: str
    span: Span  # the value or element at fault in the proposal
    path: str  # e.g. activities[1].data_flows[0]
    message: str
    hint: str | None = None
    element: str | None = None  # the element a `for` rule is about, e.g. "A2"
    evidence: tuple[Evidence, ...] = ()
    params: tuple[ParamUse, ...] = ()
    missing: tuple[str, ...] = ()
    rule_origin: Provenance | None = None  # where the rule was defined
    severity_origin: Provenance | None = None  # set when a layer changed the severity
    waiver: str | None = None  # the waiver's reason and approver, when waived
    ruleset: str | None = None  # id of the effective ruleset it was checked against
    edges: tuple[int, ...] = ()  # governance-graph edges the finding is about (witness paths)
    local: Wording | None = None  # message and hint in the reader's language (--lang)

    @property
    def level(self) -> str:
        return LEVEL[self.severity]

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.span.line, self.span.column, self.rule)
