"""Findings: what evaluating one rule on one proposal (or one element of it) found."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..base.deferred import joined
from ..base.record import Record, replace
from ..base.span import Span
from ..lang.i18n import deferred_ngettext as ngettext  # extracted as ngettext

OUTCOMES = ("fail", "unknown", "waived", "pass", "not-applicable")
SEVERITIES = ("must", "should", "advisory")
LEVEL = {"must": "error", "should": "warning", "advisory": "info"}
SEVERITY_RANK = {"must": 3, "should": 2, "advisory": 1}


class Provenance(Record):
    """Where a ruleset layer decided something: the file:line, why, what it replaced."""

    __slots__ = ("layer", "span", "because", "relaxation", "previous", "previous_layer",
                 "previous_span")
    layer: str  # ruleset id, e.g. "baseline", "xa"
    span: Span
    because: str | None
    relaxation: bool
    previous: str | None  # display of the value it replaced
    previous_layer: str | None
    previous_span: Span | None

    def __init__(self, layer: str, span: Span, because: str | None = None,
                 relaxation: bool = False, previous: str | None = None,
                 previous_layer: str | None = None, previous_span: Span | None = None) -> None:
        _Provenance_layer(self, layer)
        _Provenance_span(self, span)
        _Provenance_because(self, because)
        _Provenance_relaxation(self, relaxation)
        _Provenance_previous(self, previous)
        _Provenance_previous_layer(self, previous_layer)
        _Provenance_previous_span(self, previous_span)


class ParamUse(Record):
    """A param a rule read, with the layer that set its value."""

    __slots__ = ("name", "value", "type", "origin")
    name: str
    value: str  # display form, e.g. "25%"
    type: str
    origin: Provenance

    def __init__(self, name: str, value: str, type: str, origin: Provenance) -> None:
        _ParamUse_name(self, name)
        _ParamUse_value(self, value)
        _ParamUse_type(self, type)
        _ParamUse_origin(self, origin)


class GraphHop(Record):
    """One node of a graph explanation and the edge that led to it."""

    __slots__ = ("node", "label", "at", "edge", "via", "edge_at", "prev")
    node: str  # node key
    label: str  # e.g. "xa-mict (ministry, XA)"
    at: Span | None  # where the proposal declares the node
    edge: int | None  # id of the edge that led here; None for the start
    via: str | None  # the edge kind as walked: "reports_to", or "oversees<-" backwards
    edge_at: Span | None  # where the proposal states that edge
    prev: str | None  # the node the edge was walked from

    def __init__(self, node: str, label: str, at: Span | None, edge: int | None = None,
                 via: str | None = None, edge_at: Span | None = None,
                 prev: str | None = None) -> None:
        _GraphHop_node(self, node)
        _GraphHop_label(self, label)
        _GraphHop_at(self, at)
        _GraphHop_edge(self, edge)
        _GraphHop_via(self, via)
        _GraphHop_edge_at(self, edge_at)
        _GraphHop_prev(self, prev)


class GraphTrace(Record):
    """How a graph query came out: the path found (`kind` "path"), or, when no
    path exists, what was reachable instead (`kind` "reached": the hops of the
    search in the order it reached them, and the nodes where it ran out), or the
    first loop `graph.cycles` found (`kind` "cycle"; `more` counts the others)."""

    __slots__ = ("kind", "via", "target", "hops", "stopped", "more", "partial", "through",
                 "blocked", "unsure")
    kind: str  # path | reached | cycle
    via: str  # the edge kinds followed, e.g. "reports_to, oversees<-"
    target: str  # the node or condition searched for
    hops: tuple[GraphHop, ...]
    stopped: tuple[str, ...]
    more: int  # hops reached but not listed (for a cycle: the other loops)
    # the search was followed only so far (explain.EXPLORED nodes): `more` and `stopped`
    # count what it reached by then, and it reaches more
    partial: bool
    through: str | None  # a search's `through:` condition, as written
    blocked: tuple[str, ...]  # the nodes reached that it did not pass through
    unsure: tuple[str, ...]  # ... and those it could not tell whether to pass through

    def __init__(self, kind: str, via: str, target: str, hops: tuple[GraphHop, ...],
                 stopped: tuple[str, ...] = (), more: int = 0, partial: bool = False,
                 through: str | None = None, blocked: tuple[str, ...] = (),
                 unsure: tuple[str, ...] = ()) -> None:
        _GraphTrace_kind(self, kind)
        _GraphTrace_via(self, via)
        _GraphTrace_target(self, target)
        _GraphTrace_hops(self, hops)
        _GraphTrace_stopped(self, stopped)
        _GraphTrace_more(self, more)
        _GraphTrace_partial(self, partial)
        _GraphTrace_through(self, through)
        _GraphTrace_blocked(self, blocked)
        _GraphTrace_unsure(self, unsure)

    @property
    def edges(self) -> tuple[int, ...]:
        return tuple(h.edge for h in self.hops if h.edge is not None)


class Evidence(Record):
    """One part of a condition and how it came out.

    For a comparison, `left`/`right` are the actual values shown as text and
    `left_at`/`right_at` where they come from in the proposal; for a
    quantifier, `children` explain the elements; `missing` lists the paths whose
    absence made the part unknown."""

    __slots__ = ("expr", "result", "op", "left", "right", "left_at", "right_at", "note", "missing",
                 "children", "graph")
    expr: str
    result: str  # "true" | "false" | "unknown"
    op: str | None
    left: str | None
    right: str | None
    left_at: Span | None
    right_at: Span | None
    note: str | None
    missing: tuple[str, ...]
    children: tuple[Evidence, ...]
    graph: GraphTrace | None

    def __init__(self, expr: str, result: str, op: str | None = None, left: str | None = None,
                 right: str | None = None, left_at: Span | None = None,
                 right_at: Span | None = None, note: str | None = None,
                 missing: tuple[str, ...] = (), children: tuple[Evidence, ...] = (),
                 graph: GraphTrace | None = None) -> None:
        _Evidence_expr(self, expr)
        _Evidence_result(self, result)
        _Evidence_op(self, op)
        _Evidence_left(self, left)
        _Evidence_right(self, right)
        _Evidence_left_at(self, left_at)
        _Evidence_right_at(self, right_at)
        _Evidence_note(self, note)
        _Evidence_missing(self, missing)
        _Evidence_children(self, children)
        _Evidence_graph(self, graph)


class Wording(Record):
    """A finding's message and hint for a reader of another language (`check --lang`):
    the rule's translation when its rule file has one (`message fr "…"`), else its English
    text; either way with the values in the reader's locale. Only the reports a person
    reads show it; JSON, SARIF and JUnit keep `message` and `hint`."""

    __slots__ = ("lang", "message", "hint", "untranslated", "title")
    lang: str
    message: str | None  # None: the finding's message is one evaluation wrote (`cannot decide`)
    hint: str | None
    # the texts shown in English for want of a translation: "title", "message", "hint"
    untranslated: tuple[str, ...]
    title: str | None  # the rule's title in that language; None: its English

    def __init__(self, lang: str, message: str | None, hint: str | None = None,
                 untranslated: tuple[str, ...] = (), title: str | None = None) -> None:
        _Wording_lang(self, lang)
        _Wording_message(self, message)
        _Wording_hint(self, hint)
        _Wording_untranslated(self, untranslated)
        _Wording_title(self, title)


class Finding(Record):
    __slots__ = ("rule", "title", "principle", "source", "severity", "outcome", "file", "span",
                 "path", "message", "hint", "element", "evidence", "params", "missing",
                 "rule_origin", "severity_origin", "waiver", "ruleset", "edges", "local")
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
    hint: str | None
    element: str | None  # the element a `for` rule is about, e.g. "A2"
    evidence: tuple[Evidence, ...]
    params: tuple[ParamUse, ...]
    missing: tuple[str, ...]
    rule_origin: Provenance | None  # where the rule was defined
    severity_origin: Provenance | None  # set when a layer changed the severity
    waiver: str | None  # the waiver's reason and approver, when waived
    ruleset: str | None  # id of the effective ruleset it was checked against
    edges: tuple[int, ...]  # governance-graph edges the finding is about (witness paths)
    local: Wording | None  # message and hint in the reader's language (--lang)

    def __init__(self, rule: str, title: str, principle: str, source: str | None, severity: str,
                 outcome: str, file: str, span: Span, path: str, message: str,
                 hint: str | None = None, element: str | None = None,
                 evidence: tuple[Evidence, ...] = (), params: tuple[ParamUse, ...] = (),
                 missing: tuple[str, ...] = (), rule_origin: Provenance | None = None,
                 severity_origin: Provenance | None = None, waiver: str | None = None,
                 ruleset: str | None = None, edges: tuple[int, ...] = (),
                 local: Wording | None = None) -> None:
        _Finding_rule(self, rule)
        _Finding_title(self, title)
        _Finding_principle(self, principle)
        _Finding_source(self, source)
        _Finding_severity(self, severity)
        _Finding_outcome(self, outcome)
        _Finding_file(self, file)
        _Finding_span(self, span)
        _Finding_path(self, path)
        _Finding_message(self, message)
        _Finding_hint(self, hint)
        _Finding_element(self, element)
        _Finding_evidence(self, evidence)
        _Finding_params(self, params)
        _Finding_missing(self, missing)
        _Finding_rule_origin(self, rule_origin)
        _Finding_severity_origin(self, severity_origin)
        _Finding_waiver(self, waiver)
        _Finding_ruleset(self, ruleset)
        _Finding_edges(self, edges)
        _Finding_local(self, local)

    @property
    def level(self) -> str:
        return LEVEL[self.severity]

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.span.line, self.span.column, self.rule)


#: the parts of one finding's evidence, counted as the reports show it (a tree): past
#: this, the parts left are not shown. An explanation made once a proposal and shown under
#: each element of a walk around it (a quantifier nested in quantifiers that read none of
#: its variables) is shared in memory, but a tree of such walks grows as the elements to
#: the power of its depth.
MAX_PARTS = 1_000


def bounded(evidence: Evidence, limit: int = MAX_PARTS) -> Evidence:
    """`evidence`, or when it has more than `limit` parts as a tree, its first `limit`
    parts, each part whose later children are left out saying how many."""
    sizes: dict[int, int] = {}

    def size(ev: Evidence) -> int:  # as a tree; each shared part counted once in work
        found = sizes.get(id(ev))
        if found is None:
            found = sizes[id(ev)] = 1 + sum(size(c) for c in ev.children)
        return found
    if size(evidence) <= limit:
        return evidence
    left = [limit]

    def cut(ev: Evidence) -> Evidence:
        left[0] -= 1
        kids: list[Evidence] = []
        for child in ev.children:
            if left[0] <= 0:
                break
            kids.append(cut(child) if size(child) > left[0] else _spent(child, left))
        if len(kids) == len(ev.children):
            return ev if all(a is b for a, b in zip(kids, ev.children)) else \
                replace(ev, children=tuple(kids))
        gone = len(ev.children) - len(kids)
        said = ngettext("{n} more part not shown: the explanation is too large",
                        "{n} more parts not shown: the explanation is too large", gone, n=gone)
        return replace(ev, children=tuple(kids),
                       note=joined("; ", (ev.note, said)) if ev.note else said)
    return cut(evidence)


def _spent(ev: Evidence, left: list[int]) -> Evidence:
    """A part kept whole: what it takes of the parts left."""
    stack = [ev]
    while stack:
        part = stack.pop()
        left[0] -= 1
        stack.extend(part.children)
    return ev


def first_location(evidence: Evidence) -> Span | None:
    """The value at fault: the first located value among the deciding parts (for
    a path or a loop in the graph, its first edge)."""
    for ev in evidence.children:
        found = first_location(ev)
        if found is not None:
            return found
    if evidence.graph is not None and evidence.graph.kind in ("path", "cycle"):
        for hop in evidence.graph.hops:
            if hop.edge_at is not None:
                return hop.edge_at
    return evidence.left_at or evidence.right_at


def all_missing(evidence: Evidence) -> list[str]:
    out = list(evidence.missing)
    for child in evidence.children:
        out.extend(all_missing(child))
    return list(dict.fromkeys(out))


def _setters(cls: type[Record]) -> Iterator[Callable[[Any, Any], None]]:
    """The setters of a record's slots, in its fields' order: a finding's fields are set
    through them, in half the time of object.__setattr__ on a class that forbids setting
    (base/span.py does the same); thousands of findings are made for each proposal."""
    return (getattr(cls, name).__set__ for name in cls.FIELDS)


(_Provenance_layer, _Provenance_span, _Provenance_because, _Provenance_relaxation,
 _Provenance_previous, _Provenance_previous_layer,
 _Provenance_previous_span) = _setters(Provenance)
(_ParamUse_name, _ParamUse_value, _ParamUse_type, _ParamUse_origin) = _setters(ParamUse)
(_GraphHop_node, _GraphHop_label, _GraphHop_at, _GraphHop_edge, _GraphHop_via, _GraphHop_edge_at,
 _GraphHop_prev) = _setters(GraphHop)
(_GraphTrace_kind, _GraphTrace_via, _GraphTrace_target, _GraphTrace_hops, _GraphTrace_stopped,
 _GraphTrace_more, _GraphTrace_partial, _GraphTrace_through,
 _GraphTrace_blocked, _GraphTrace_unsure) = _setters(GraphTrace)
(_Evidence_expr, _Evidence_result, _Evidence_op, _Evidence_left, _Evidence_right,
 _Evidence_left_at, _Evidence_right_at, _Evidence_note, _Evidence_missing, _Evidence_children,
 _Evidence_graph) = _setters(Evidence)
(_Wording_lang, _Wording_message, _Wording_hint, _Wording_untranslated,
 _Wording_title) = _setters(Wording)
(_Finding_rule, _Finding_title, _Finding_principle, _Finding_source, _Finding_severity,
 _Finding_outcome, _Finding_file, _Finding_span, _Finding_path, _Finding_message, _Finding_hint,
 _Finding_element, _Finding_evidence, _Finding_params, _Finding_missing, _Finding_rule_origin,
 _Finding_severity_origin, _Finding_waiver, _Finding_ruleset, _Finding_edges,
 _Finding_local) = _setters(Finding)
