"""Proposal format version 1, as types: the contract of field names.

The loader validates proposals against it; the analyser checks every path in a
rule against it. Field names are a contract (see the design card); add fields,
never rename them."""

from __future__ import annotations

from ..lang.types import (
    BOOL,
    COUNTRY,
    CURRENCY,
    DATE,
    LANGUAGE,
    MONEY,
    NUMBER,
    STRING,
    YEAR,
    EnumT,
    Field,
    ListT,
    MapT,
    RecordT,
    RefT,
)

FORMAT_VERSION = 1

ORG_KINDS = EnumT("organisation kind", (
    "ministry", "regulator", "cert", "law-enforcement", "judiciary", "parliament", "ngo",
    "academia", "industry", "donor", "implementer", "international-org", "regional-body",
    # an extension of format v1 (docs/format.md): a public agency that is neither a ministry,
    # a regulator nor a CERT, such as a national cyber agency
    "agency"))
ACTIVITY_TYPES = EnumT("activity type", (
    "training", "train-the-trainer", "mentorship", "secondment", "exercise", "equipment",
    "policy-support", "legal-reform", "awareness", "research", "scholarship", "assessment"))
DATA_KINDS = EnumT("data", ("personal", "threat-intel", "incident", "aggregate", "public"))
RELATION_KINDS = EnumT("relation kind", (
    "reports_to", "oversees", "advises", "decides", "audits", "employs"))
BODY_KINDS = EnumT("governance body kind", (
    "steering-committee", "pmu", "working-group", "advisory-board", "secretariat"))
BUDGET_CATEGORIES = EnumT("budget category", (
    "personnel", "training", "equipment", "equipment-refresh", "maintenance", "licences",
    "evaluation", "audit", "red-team", "travel", "overhead", "other"))
DELIVERY = EnumT("delivery", ("in-person", "online", "offline", "blended"))
RECURRENCE = EnumT("recurrence", ("once", "monthly", "quarterly", "yearly"))
PROCUREMENT_METHODS = EnumT("procurement method", ("open-tender", "restricted", "direct"))

ENUMS: tuple[EnumT, ...] = (
    ORG_KINDS, ACTIVITY_TYPES, DATA_KINDS, RELATION_KINDS, BODY_KINDS, BUDGET_CATEGORIES,
    DELIVERY, RECURRENCE, PROCUREMENT_METHODS)

#: Every enumeration value; a bare word in a rule that is one of these is a symbol.
SYMBOLS: frozenset[str] = frozenset(v for e in ENUMS for v in e.values)

ORG_REF = RefT("organisation")
NODE_REF = RefT("node")


def _r(name: str, *fields: Field) -> RecordT:
    return RecordT(name, tuple(fields))


def _f(name: str, type_: object, required: bool = False, doc: str = "") -> Field:
    return Field(name, type_, required, doc)  # type: ignore[arg-type]


PERIOD = _r("period", _f("start", DATE, True), _f("end", DATE, True))
MANDATE = _r("mandate", _f("id", STRING, True), _f("basis", STRING))
ORGANISATION = _r(
    "organisation",
    _f("id", STRING, True, "referenced everywhere else"),
    _f("name", STRING, True),
    _f("country", COUNTRY, True, "ISO 3166-1 alpha-2"),
    _f("kind", ORG_KINDS, True),
    _f("mandates", ListT(MANDATE)),
    _f("funded_by", ListT(ORG_REF), False,
       "optional (an extension of format v1, docs/format.md): the organisations that pay its "
       "own budget, e.g. the treasury for a national CERT; CERT-02 reads it"),
)
NEEDS_ASSESSMENT = _r(
    "needs assessment",
    _f("date", DATE), _f("by", ListT(ORG_REF)), _f("sectors", ListT(STRING)))
ALIGNMENT = _r(
    "alignment",
    _f("national_strategy", STRING), _f("objectives", ListT(STRING)),
    _f("needs_assessment", NEEDS_ASSESSMENT))
ROLES = _r(
    "roles",
    _f("design", ListT(ORG_REF)), _f("implementation", ListT(ORG_REF)),
    _f("evaluation", ListT(ORG_REF)))
FUNDING_SOURCE = _r(
    "funding source",
    _f("from", ORG_REF, True), _f("type", STRING, False, "grant, co-financing, in-kind, loan..."),
    _f("by_year", MapT(YEAR, MONEY)), _f("milestones", ListT(STRING)))
FUNDING = _r("funding", _f("currency", CURRENCY), _f("sources", ListT(FUNDING_SOURCE)))
BUDGET_LINE = _r(
    "budget line", _f("category", BUDGET_CATEGORIES, True), _f("by_year", MapT(YEAR, MONEY)))
BUDGET = _r("budget", _f("lines", ListT(BUDGET_LINE)))
SUNSET = _r("sunset", _f("date", DATE), _f("handover_to", ORG_REF), _f("plan", STRING))
DATA_FLOW = _r(
    "data flow",
    _f("data", DATA_KINDS, True), _f("from", ORG_REF, True), _f("to", ORG_REF, True),
    _f("basis", STRING))
ACTIVITY = _r(
    "activity",
    _f("id", STRING, True), _f("title", STRING), _f("type", ACTIVITY_TYPES, True),
    _f("led_by", ORG_REF, True), _f("partners", ListT(ORG_REF)),
    _f("start", DATE), _f("end", DATE), _f("mandate", RefT("mandate")),
    _f("languages", ListT(LANGUAGE)), _f("delivery", ListT(DELIVERY)),
    _f("recurrence", RECURRENCE), _f("data_flows", ListT(DATA_FLOW)))
BODY = _r(
    "body",
    _f("id", STRING, True), _f("kind", BODY_KINDS, True), _f("chair", ListT(ORG_REF)),
    _f("members", ListT(ORG_REF)), _f("meets", RECURRENCE))
RELATION = _r(
    "relation",
    _f("from", NODE_REF, True), _f("to", NODE_REF), _f("kind", RELATION_KINDS, True),
    _f("scope", ListT(STRING)))
GOVERNANCE = _r("governance", _f("bodies", ListT(BODY)), _f("relations", ListT(RELATION)))
RISK_ASSESSMENT = _r("risk assessment", _f("date", DATE), _f("covers", ListT(STRING)))
EVALUATION = _r(
    "evaluation",
    _f("independent", BOOL), _f("by", ORG_REF), _f("local", BOOL),
    _f("schedule", ListT(STRING)), _f("public", BOOL))
INDICATOR = _r(
    "indicator",
    _f("id", STRING, True), _f("name", STRING), _f("kind", STRING, False, "process or outcome"),
    _f("baseline", NUMBER), _f("target", NUMBER), _f("unit", STRING), _f("owner", ORG_REF))
PROCUREMENT = _r(
    "procurement", _f("method", PROCUREMENT_METHODS), _f("safeguards", ListT(STRING)))
REPORTING = _r("reporting", _f("cadence", RECURRENCE), _f("public_dashboard", BOOL))
ACCOUNTABILITY = _r(
    "accountability", _f("grievance_mechanism", STRING), _f("reporting", REPORTING))
WAIVER = _r(
    "waiver",
    _f("rule", STRING, True), _f("reason", STRING, True), _f("approved_by", ORG_REF, True),
    _f("expires", DATE))

PROPOSAL = _r(
    "proposal",
    _f("cappolicy", NUMBER, True, "format version"),
    _f("id", STRING, True),
    _f("title", STRING, True),
    _f("host_country", COUNTRY, True),
    _f("period", PERIOD, True),
    _f("alignment", ALIGNMENT),
    _f("organisations", ListT(ORGANISATION)),
    _f("roles", ROLES),
    _f("funding", FUNDING),
    _f("budget", BUDGET),
    _f("sunset", SUNSET),
    _f("activities", ListT(ACTIVITY)),
    _f("governance", GOVERNANCE),
    _f("risk_assessment", RISK_ASSESSMENT),
    _f("evaluation", EVALUATION),
    _f("indicators", ListT(INDICATOR)),
    _f("procurement", PROCUREMENT),
    _f("accountability", ACCOUNTABILITY),
    _f("waivers", ListT(WAIVER)),
)

#: Records a reference can point at, by RefT.target. `node` is an organisation or a body.
RECORDS: dict[str, RecordT] = {
    "organisation": ORGANISATION,
    "body": BODY,
    "activity": ACTIVITY,
    "mandate": MANDATE,
    "node": RecordT("node", (
        _f("id", STRING, True), _f("name", STRING), _f("country", COUNTRY),
        _f("kind", STRING))),
}


# ----------------------------------------------------------- governance graph

GRAPH_NODE_REF = RefT("graph-node")


def _merged(name: str, first: tuple[Field, ...], *records: RecordT) -> RecordT:
    fields = list(first)
    names = {f.name for f in fields}
    for record in records:
        for f in record.fields:
            if f.name not in names:
                names.add(f.name)
                fields.append(Field(f.name, f.type, False, f.doc))
    return RecordT(name, tuple(fields))


#: What a rule reads of a graph node: a summary every node has, then the fields
#: of the organisation, body or activity it stands for.
GRAPH_NODE = _merged(
    "graph node",
    (
        _f("id", STRING, True, "the id in the proposal (the proposal's id for the programme)"),
        _f("category", STRING, True, "program, organisation, body or activity"),
        _f("kind", STRING, False, "organisation kind, body kind or activity type"),
        _f("name", STRING, False, "name, or an activity's title"),
        _f("country", COUNTRY, False, "an organisation's country"),
        _f("host", BOOL, False, "whether an organisation is of the host country"),
    ),
    ORGANISATION, BODY, ACTIVITY)

#: What a rule reads of a graph edge: its kind, ends and the attributes of the fact.
GRAPH_EDGE = RecordT("graph edge", (
    _f("kind", STRING, True, "funds, budgets, participates, chairs, member_of, a relation kind, "
       "leads, partners, shares_data, hands_over_to or evaluates"),
    _f("from", GRAPH_NODE_REF, True),
    _f("to", GRAPH_NODE_REF, True),
    _f("amount", MONEY, False, "funds: the total of by_year"),
    _f("currency", CURRENCY, False, "funds"),
    _f("by_year", MapT(YEAR, MONEY), False, "funds"),
    _f("type", STRING, False, "funds: grant, co-financing..."),
    _f("phase", STRING, False, "participates: design, implementation or evaluation"),
    _f("scope", ListT(STRING), False, "relations: what is decided, overseen..."),
    _f("data", DATA_KINDS, False, "shares_data"),
    _f("basis", STRING, False, "shares_data: the legal basis"),
    _f("activity", RefT("activity"), False, "shares_data: the activity of the flow"),
))

RECORDS["graph-node"] = GRAPH_NODE
