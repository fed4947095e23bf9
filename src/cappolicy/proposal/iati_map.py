"""Map one IATI activity onto proposal format v1, every value located in the XML.

    Element (iati.py) --map_activity--> Node tree (load.Node, spans into the XML)
                      --validate (validate.py), as YAML is--> Proposal

The mapping builds the same nodes the YAML composer builds, so an activity is
validated by the same code as a proposal file and gives the same Proposal objects;
`cappolicy import iati` writes the same nodes out as YAML (iati_yaml.py), which is why
checking the imported files gives the same outcomes. docs/iati.md is the mapping's
table, field by field and codelist by codelist; iati_codes.py holds the codelists.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from ..base.deferred import N_
from ..base.errors import Diagnostic, ProposalError, fresh_suggestions
from ..base.span import Span
from ..lang.values import number
from . import iati_codes as codes
from .iati import ActivityReader, Element, Refused
from .model import Proposal
from .nodes import Node
from .placeholders import readable
from .validate import validate

_SLUG = re.compile(r"[^a-z0-9]+")
# bounded: unbounded, each of many unclosed `<related-activity` ran to the chunk's end
_CHILDREN = re.compile(rb"<related-activity\b[^>]{0,1024}?\btype\s*=\s*[\"']2[\"']")


# --- nodes ---------------------------------------------------------------------------------


def scalar(value: Any, span: Span) -> Node:
    if isinstance(value, bool):
        tag = "bool"
    elif isinstance(value, int):
        tag = "int"
    elif isinstance(value, float):
        tag = "float"
    elif isinstance(value, dt.date):
        tag = "date"
    elif value is None:
        tag = "null"
    else:
        tag, value = "str", str(value)
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return Node("scalar", span, value, text, tag)


def mapping(span: Span, pairs: list[tuple[Any, Node]]) -> Node:
    return Node("map", span, [(scalar(k, v.span), v) for k, v in pairs])


def sequence(span: Span, items: list[Node]) -> Node:
    return Node("seq", span, items)


#: xsd:date, as IATI's dates are: the day alone (year, month, day), an optional time zone
_XSD_DATE = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")
#: xsd:decimal, as IATI's amounts, shares and indicator values are: an optional sign,
#: ASCII digits, an optional point and digits. No thousands separator, decimal comma,
#: `_`, exponent, other digits, `inf` or `nan`: float() reads `100000,00` without its comma
#: as 10 000 000, and `1e5` or `１００` as numbers IATI does not write.
_XSD_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _date(text: str | None) -> dt.date | str | None:
    """The day of an xsd:date (white space around it allowed); the text itself when it is
    none (a date and time, a week date, `20270101`, a day past the month's end), which the
    caller says is no date; None when there is no text."""
    if not text or not text.strip():
        return None
    found = _XSD_DATE.fullmatch(text.strip())
    if found is None:
        return text
    try:
        return dt.date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return text  # a year, month or day out of range: the validator says why


def _amount(text: str | None) -> int | float | None:
    """The number of an xsd:decimal (white space around it allowed); None when the text
    is none, or is too large to be a finite number."""
    if text is None or not _XSD_DECIMAL.fullmatch(text.strip()):
        return None
    value = float(text.strip())
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _share(text: str | None) -> int | float | None:
    """A percentage (an xsd:decimal from 0 to 100), or None."""
    value = _amount(text)
    return value if value is not None and 0 <= value <= 100 else None


def _shown(text: str | None, share: int | float | None) -> str:
    """A recipient country's share as listed in a warning: `40%`, `'60%'` (the text of a
    share that is no percentage), `?` (none)."""
    return f"{share}%" if share is not None else repr(text) if text else "?"


def slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:60]


# --- the activity ----------------------------------------------------------------------------


@attrs.frozen
class Child:
    """What a parent activity needs of a child activity in the same file."""

    id: str
    title: str | None
    start: dt.date | str | None
    end: dt.date | str | None
    implementers: tuple[str, ...]
    span: Span


#: the help of a warning on an amount left out: what it does to the verdicts
UNKNOWN_SUMS = N_("the amounts it belongs to are left empty, so every sum over them is "
                  "unknown: the rules that add them up give unknown, never pass")


@attrs.define
class _Sums:
    """Amounts by year (each with where its first value is), and whether every value
    that belongs to them could be read."""

    years: dict[int, tuple[int | float, Span]] = attrs.field(factory=dict)
    complete: bool = True

    def add(self, year: int, amount: int | float, span: Span) -> bool:
        """False, the sums left as they were, when the year's sum would be past the
        largest number (two values of 1e308): it cannot be added up."""
        before = self.years.get(year)  # added as the decimals they are written as
        try:
            total = number("+", before[0], amount) if before else amount
        except OverflowError:
            return False
        if not math.isfinite(total):
            return False
        self.years[year] = (total, before[1] if before else span)
        return True


@attrs.define
class _Org:
    id: str
    name: str | None
    name_span: Span
    span: Span
    ref: str | None
    type: str | None
    type_span: Span
    roles: list[str] = attrs.field(factory=list)


class ActivityMapper:
    """Maps one activity; `notes` gathers what the reader should know (several countries,
    values in another currency) as warnings at the XML."""

    def __init__(self, activity: Element, file: str, children: dict[str, Child]) -> None:
        self.a = activity
        self.file = file
        self.children = children
        self.notes: list[Diagnostic] = []
        self.orgs: dict[str, _Org] = {}
        self.host: str | None = None
        #: the amounts read of each by_year left empty because some could not be
        self.partial: list[tuple[str, Node]] = []

    def note(self, message: str, span: Span, help_: str | None = None) -> None:
        self.notes.append(Diagnostic("CP466", message, span, help_, level="warning"))

    def identifier(self) -> tuple[str, Span] | None:
        found = self.a.find("iati-identifier")
        if found is None or not found.text:
            return None
        return found.text, found.span

    def map(self) -> Node:
        a = self.a
        ident = self.identifier()
        assert ident is not None
        pairs: list[tuple[Any, Node]] = [("cappolicy", scalar(1, a.span)),
                                         ("id", scalar(ident[0], ident[1]))]
        title = a.find("title")
        if title is not None and title.narrative():
            pairs.append(("title", scalar(title.narrative(), title.narrative_span())))
        host = self.host_country()
        if host is not None:
            pairs.append(("host_country", host))
        period = self.period()
        if period is not None:
            pairs.append(("period", period))
        self.collect_orgs()
        funding = self.funding()
        organisations = self.organisations()
        if organisations is not None:
            pairs.append(("organisations", organisations))
        roles = self.roles()
        if roles is not None:
            pairs.append(("roles", roles))
        if funding is not None:
            pairs.append(("funding", funding))
        for key, node in (("budget", self.budget()), ("activities", self.activities()),
                          ("evaluation", self.evaluation()),
                          ("indicators", self.indicators()),
                          ("procurement", self.procurement())):
            if node is not None:
                pairs.append((key, node))
        pairs.append((codes.MARK, self.extensions()))
        return mapping(a.span, pairs)

    # host country and period --------------------------------------------------------------

    def host_country(self) -> Node | None:
        countries = [c for c in self.a.findall("recipient-country") if c.get("code")]
        if not countries:
            regions = self.a.findall("recipient-region")
            if regions:
                self.note(N_("only a region is published (recipient-region {code}): the "
                             "host country is unknown", code=regions[0].get("code")),
                          regions[0].span, N_("rules that read host_country give unknown"))
            return None

        # a share is an xsd:decimal from 0 to 100: one that cannot be read decides nothing
        shares = [_share(c.get("percentage")) for c in countries]
        if len(countries) == 1:
            best = countries[0]
            self.host = (best.get("code") or "").upper()
            if shares[0] is None and best.get("percentage"):
                self.note(N_("the share {value} of recipient country {code} is not a "
                             "percentage (a number from 0 to 100); as the only recipient "
                             "country, {code} is the host country",
                             value=repr(best.get("percentage")), code=self.host),
                          best.at("percentage"), N_("ask the publisher to correct the share"))
            return scalar(self.host, best.at("code"))
        listed = ", ".join(f"{c.get('code')} ({_shown(c.get('percentage'), s)})"
                           for c, s in zip(countries[:10], shares[:10], strict=True)) + (
            f" and {len(countries) - 10} more" if len(countries) > 10 else "")  # one line
        if None in shares:  # no country wins by a share that cannot be read
            unread = countries[shares.index(None)]
            self.note(N_("several recipient countries ({countries}), not each with a share "
                         "from 0 to 100: the host country is unknown", countries=listed),
                      unread.at("percentage"),
                      N_("rules that read host_country give unknown; check the countries' "
                         "rulesets with --country"))
            return None
        best = countries[shares.index(max(s or 0 for s in shares))]  # the first of the largest
        self.host = (best.get("code") or "").upper()
        self.note(N_("several recipient countries ({countries}): the host country is "
                     "{host}, the largest share", countries=listed, host=self.host),
                  best.at("code"), N_("check the other countries' rulesets with --country"))
        return scalar(self.host, best.at("code"))

    def period(self) -> Node | None:
        dates = {d.get("type"): d for d in self.a.findall("activity-date") if d.get("iso-date")}
        pairs = []
        for key, order in (("start", codes.START_DATES), ("end", codes.END_DATES)):
            for kind in order:
                if kind in dates:
                    d = dates[kind]
                    pairs.append((key, scalar(_date(d.get("iso-date")), d.at("iso-date"))))
                    break
        if not pairs:
            return None
        return mapping(pairs[0][1].span, pairs)

    # organisations and roles --------------------------------------------------------------

    def _org(self, e: Element, role: str | None) -> _Org | None:
        ref = e.get("ref") or None
        name = e.narrative()
        ident = ref or (slug(name) if name else None)
        if not ident:
            return None
        org = self.orgs.get(ident)
        if org is None:
            org = _Org(ident, name, e.narrative_span(), e.span, ref, e.get("type") or None,
                       e.at("type"))
            self.orgs[ident] = org
        elif org.type is None and e.get("type"):
            org.type, org.type_span = e.get("type"), e.at("type")
        if org.name is None and name:
            org.name, org.name_span = name, e.narrative_span()
        if role and role not in org.roles:
            org.roles.append(role)
        return org

    def collect_orgs(self) -> None:
        reporting = self.a.find("reporting-org")
        if reporting is not None:
            self._org(reporting, None)
        for p in self.a.findall("participating-org"):
            self._org(p, p.get("role"))

    def country_of(self, org: _Org) -> str | None:
        if org.ref is None:
            return None
        match = codes.IDENTIFIER.fullmatch(org.ref)
        if match is None:
            return None
        prefix, agency, number = match.groups()
        if prefix == "XM" and agency == "DAC":
            return codes.dac_donor_country(number)
        return None if prefix in codes.NOT_COUNTRIES else prefix

    def kind_of(self, org: _Org, country: str | None) -> str | None:
        if org.type is None or org.type not in codes.ORGANISATION_TYPE:
            return None
        kind = codes.ORGANISATION_TYPE[org.type][1]
        if org.type in codes.PUBLIC_TYPES:
            if country is not None and self.host is not None:
                return "ministry" if country == self.host else "donor"
            return "donor" if "1" in org.roles else None
        return kind

    def organisations(self) -> Node | None:
        items = []
        for org in self.orgs.values():
            pairs: list[tuple[Any, Node]] = [("id", scalar(org.id, org.span))]
            if org.name:
                pairs.append(("name", scalar(org.name, org.name_span)))
            country = self.country_of(org)
            if country is not None:
                pairs.append(("country", scalar(country, org.span)))
            kind = self.kind_of(org, country)
            if kind is not None:
                pairs.append(("kind", scalar(kind, org.type_span)))
            items.append(mapping(org.span, pairs))
        return sequence(items[0].span, items) if items else None

    def roles(self) -> Node | None:
        by_role: dict[str, dict[str, Node]] = {}  # each id once a role, first as met
        for p in self.a.findall("participating-org"):
            role = codes.ORGANISATION_ROLE.get(p.get("role") or "", ("", None))[1]
            ident = p.get("ref") or (slug(p.narrative() or "") or None)
            if role is None or ident is None:
                continue
            listed = by_role.setdefault(role, {})
            if ident not in listed:  # a dict: a list searched for each was quadratic
                listed[ident] = scalar(ident, p.at("role"))
        if not by_role:
            return None
        pairs = [(role, sequence(next(iter(nodes.values())).span, list(nodes.values())))
                 for role, nodes in by_role.items()]
        return mapping(pairs[0][1].span, pairs)

    # money --------------------------------------------------------------------------------

    def currency(self) -> tuple[str | None, Span]:
        default = self.a.get("default-currency")
        if default:
            return default.upper(), self.a.at("default-currency")
        for e in self.a.children:
            value = e.find("value")
            if value is not None and value.get("currency"):
                return (value.get("currency") or "").upper(), value.at("currency")
        return None, self.a.span

    def _value(self, value: Element | None, currency: str | None, dated: Element | None,
               holder: Element, *, by_dated: bool = False) -> tuple[int, int | float, Span] | None:
        """(year, amount, where) of a <value>, when it is an xsd:decimal in the activity's
        currency and has a date: its value-date, else `dated`'s iso-date (`dated`'s first
        when `by_dated`: a budget's period-start); None, with a warning located at the
        value, when it cannot be added up (the caller then makes the sums it belongs to
        unknown)."""
        if value is None:
            self.note(N_("this <{element}> has no <value>: its amount is unknown",
                         element=holder.tag), holder.span, UNKNOWN_SUMS)
            return None
        # negative: a decommitment or a refund, netted; an element inside: no xsd:decimal
        amount = None if value.children else _amount(value.text)
        if amount is None:
            self.note(N_("the value {value} is not an amount cappolicy can add up: "
                         "left out", value=repr(value.text)), value.span, UNKNOWN_SUMS)
            return None
        own = (value.get("currency") or currency or "").upper()
        if currency and own != currency:
            self.note(N_("a value in {currency}, not the activity's {own}: left out of the "
                         "sums", currency=own, own=currency), value.at("currency"),
                      UNKNOWN_SUMS)
            return None
        date = _date(value.get("value-date"))  # a value-date that is no date: no year
        where = value.at("value-date")
        if (date is None or by_dated) and dated is not None and dated.get("iso-date"):
            date, where = _date(dated.get("iso-date")), dated.at("iso-date")
        if isinstance(date, str):
            self.note(N_("the value {value} is dated {date}, which is no date: it cannot be "
                         "placed in a year, and is left out", value=repr(value.text),
                         date=repr(date)), where, UNKNOWN_SUMS)
            return None
        if date is None:
            self.note(N_("the value {value} has no date (value-date, or the "
                         "transaction-date): it cannot be placed in a year, and is left out",
                         value=repr(value.text)), value.span, UNKNOWN_SUMS)
            return None
        return date.year, amount, value.span

    def funding(self) -> Node | None:
        currency, currency_at = self.currency()
        reporting = self.a.find("reporting-org")
        reporter = self._org(reporting, None) if reporting is not None else None
        commitments: dict[str, _Sums] = {}
        incoming: dict[str, _Sums] = {}
        first: dict[str, Span] = {}
        unplaced: Span | None = None  # the first transaction of no known provider
        for t in self.a.findall("transaction"):
            kind = (t.find("transaction-type") or t).get("code")
            if kind not in (codes.INCOMING_FUNDS, codes.INCOMING_COMMITMENT,
                            codes.OUTGOING_COMMITMENT):
                continue
            if kind == codes.OUTGOING_COMMITMENT:
                org = reporter
            else:
                provider = t.find("provider-org")
                org = self._org(provider, None) if provider is not None else None
            if org is None:
                self.note(N_("a transaction of type {code} ({name}) that names no "
                             "organisation it comes from: its amount cannot be placed",
                             code=kind, name=codes.TRANSACTION_TYPE[kind]),
                          t.span, UNKNOWN_SUMS)
                unplaced = unplaced or t.span
                continue
            table = incoming if kind == codes.INCOMING_FUNDS else commitments
            sums = table.setdefault(org.id, _Sums())
            first.setdefault(org.id, t.span)
            got = self._value(t.find("value"), currency, t.find("transaction-date"), t)
            if got is None or not self._added(sums, got):
                sums.complete = False
        sources: list[Node] = []
        finance = self.finance_type()
        for org_id, span in first.items():
            # a provider's commitments, else the funds it paid in: never both
            sums = commitments[org_id] if org_id in commitments else incoming[org_id]
            pairs: list[tuple[Any, Node]] = [("from", scalar(org_id, span))]
            if finance is not None:
                pairs.append(("type", finance))
            field = f"funding.sources[{len(sources)}].by_year"
            pairs.append(("by_year", self._by_year(sums, span, field)))
            sources.append(mapping(span, pairs))
        if unplaced is not None:  # money of no known source: every total over them unknown
            sources.append(mapping(unplaced, [("by_year", scalar(None, unplaced))]))
        if not sources:
            return None
        pairs = []
        if currency:
            pairs.append(("currency", scalar(currency, currency_at)))
        pairs.append(("sources", sequence(sources[0].span, sources)))
        return mapping(sources[0].span, pairs)

    def _by_year(self, sums: _Sums, span: Span, field: str) -> Node:
        """The amounts by year, rounded to cents, negative values netted within their
        year; null (absent: every sum over it is unknown) when a value was left out or a
        year adds up below zero, with what could be read kept in x-iati (`partial`)."""
        complete = sums.complete
        for year, (amount, where) in sums.years.items():
            if amount < 0:  # a proposal's amounts are never negative
                self.note(N_("the values of {year} add up to {amount}, below zero: "
                             "the year is left out", year=year, amount=_tidy(amount)), where,
                          UNKNOWN_SUMS)
                complete = False
        years = sorted(sums.years.items())
        if not complete:
            if years:
                self.partial.append((field, mapping(span, [(y, scalar(_tidy(v), s))
                                                           for y, (v, s) in years])))
            return scalar(None, span)
        return mapping(span, [(y, scalar(_tidy(v), s)) for y, (v, s) in years])

    def finance_type(self) -> Node | None:
        e = self.a.find("default-finance-type")
        code = e.get("code") if e is not None else None
        if e is None or not code:
            return None
        group = codes.FINANCE_GROUP.get(code[0])
        return scalar(group, e.at("code")) if group else None

    def _added(self, sums: _Sums, got: tuple[int, int | float, Span]) -> bool:
        """`sums.add(*got)`; False, with a warning at the value, when it cannot be added."""
        if sums.add(*got):
            return True
        self.note(N_("the value {value} is not an amount cappolicy can add up: "
                     "left out", value=repr(str(got[1]))), got[2], UNKNOWN_SUMS)
        return False

    def budget(self) -> Node | None:
        currency, _ = self.currency()
        lines = self.a.findall("budget") or self.a.findall("planned-disbursement")
        original, revised = _Sums(), _Sums()
        for b in lines:
            table = revised if b.tag == "budget" and b.get("type") == "2" else original
            # by the year of its period-start: one that is no date leaves it unknown
            got = self._value(b.find("value"), currency, b.find("period-start"), b,
                              by_dated=True)
            if got is None or not self._added(table, got):
                table.complete = False
        if not lines:
            return None
        merged = _Sums({**original.years, **revised.years},
                       original.complete and revised.complete)
        span = lines[0].span
        by_year = self._by_year(merged, span, "budget.lines[0].by_year")
        line = mapping(span, [("category", scalar("other", span)), ("by_year", by_year)])
        return mapping(span, [("lines", sequence(span, [line]))])

    # activities, evaluation, indicators, procurement ------------------------------------

    def activities(self) -> Node | None:
        items = []
        seen: set[str] = set()
        for r in self.a.findall("related-activity"):
            child = self.children.get(r.get("ref") or "")
            if r.get("type") != codes.CHILD or child is None or child.id in seen:
                continue
            seen.add(child.id)
            pairs: list[tuple[Any, Node]] = [("id", scalar(child.id, r.at("ref")))]
            if child.title:
                pairs.append(("title", scalar(child.title, child.span)))
            lead = next((i for i in child.implementers if i in self.orgs), None)
            if lead is not None:
                pairs.append(("led_by", scalar(lead, child.span)))
            for key, value in (("start", child.start), ("end", child.end)):
                if value is not None:
                    pairs.append((key, scalar(value, child.span)))
            items.append(mapping(r.span, pairs))
        return sequence(items[0].span, items) if items else None

    def documents(self, wanted: dict[str, str]) -> list[tuple[Element, str, Span]]:
        found = []
        for d in self.a.findall("document-link"):
            for c in d.findall("category"):
                if c.get("code") in wanted:
                    found.append((d, c.get("code") or "", c.at("code")))
        return found

    def evaluation(self) -> Node | None:
        found = self.documents(codes.EVALUATION_DOCUMENTS)
        if not found:
            return None
        _, _, span = found[0]
        # a document linked from an IATI file is published: anyone may read it
        return mapping(span, [("public", scalar(True, span))])

    def indicators(self) -> Node | None:
        items = []
        for r_index, result in enumerate(self.a.findall("result"), 1):
            kind = codes.RESULT_TYPE.get(result.get("type") or "")
            for i_index, ind in enumerate(result.findall("indicator"), 1):
                pairs: list[tuple[Any, Node]] = [
                    ("id", scalar(f"R{r_index}.I{i_index}", ind.span))]
                title = ind.find("title")
                if title is not None and title.narrative():
                    pairs.append(("name", scalar(title.narrative(), title.narrative_span())))
                if kind:
                    pairs.append(("kind", scalar(kind, result.at("type"))))
                baseline = self.indicator_value(ind.find("baseline"))
                if baseline is not None:
                    pairs.append(("baseline", baseline))
                for period in ind.findall("period"):
                    target = self.indicator_value(period.find("target"))
                    if target is not None:
                        pairs.append(("target", target))
                        break
                items.append(mapping(ind.span, pairs))
        return sequence(items[0].span, items) if items else None

    def indicator_value(self, e: Element | None) -> Node | None:
        """The @value of a baseline or target, an xsd:decimal; None when it has none (or an
        empty one), or, with a warning located at it, when it is no number."""
        text = e.get("value") if e is not None else None
        if e is None or not text:
            return None
        value = _amount(text)
        if value is None:
            self.note(N_("the value {value} of <{element}> is not a number: left out",
                         element=e.tag, value=repr(text)), e.at("value"),
                      N_("rules that read the indicator's {field} find none", field=e.tag))
            return None
        return scalar(value, e.at("value"))

    def procurement(self) -> Node | None:
        tenders = self.documents({codes.TENDER_DOCUMENT: "Tender"})
        if not tenders:
            return None
        _, _, span = tenders[0]
        # a tender published for anyone to read is an open call
        return mapping(span, [("method", scalar("open-tender", span))])

    # what rules may read beyond format v1 ---------------------------------------------------

    def extensions(self) -> Node:
        a = self.a
        pairs: list[tuple[Any, Node]] = []
        reporting = a.find("reporting-org")
        if reporting is not None and reporting.get("ref"):
            pairs.append(("reporting_org", scalar(reporting.get("ref"), reporting.at("ref"))))
        status = a.find("activity-status")
        if status is not None and status.get("code"):
            pairs.append(("status", scalar(status.get("code"), status.at("code"))))
        roles = [(org.id, sequence(org.span, [
            scalar(codes.ORGANISATION_ROLE.get(r, (r, None))[0], org.span) for r in org.roles]))
            for org in self.orgs.values() if org.roles]
        if roles:
            pairs.append(("roles", mapping(a.span, roles)))
        for key, tag, attributes in (("sectors", "sector", ("code", "vocabulary", "percentage")),
                                     ("policy_markers", "policy-marker",
                                      ("code", "vocabulary", "significance")),
                                     ("recipient_regions", "recipient-region",
                                      ("code", "percentage"))):
            items = [mapping(e.span, [(k, scalar(e.get(k), e.at(k))) for k in attributes
                                      if e.get(k)]) for e in a.findall(tag)]
            if items:
                pairs.append((key, sequence(items[0].span, items)))
        conditions = a.find("conditions")
        if conditions is not None:
            items = [mapping(c.span, [("type", scalar(c.get("type") or "", c.at("type"))),
                                      ("text", scalar(c.narrative() or "", c.narrative_span()))])
                     for c in conditions.findall("condition")]
            cpairs: list[tuple[Any, Node]] = [
                ("attached", scalar(conditions.get("attached") == "1", conditions.at("attached")))]
            if items:
                cpairs.append(("items", sequence(items[0].span, items)))
            pairs.append(("conditions", mapping(conditions.span, cpairs)))
        docs = []
        for d in a.findall("document-link"):
            dpairs: list[tuple[Any, Node]] = []
            cats = [c.get("code") for c in d.findall("category") if c.get("code")]
            if cats:
                dpairs.append(("categories", sequence(d.span, [scalar(c, d.span) for c in cats])))
            title = d.find("title")
            if title is not None and title.narrative():
                dpairs.append(("title", scalar(title.narrative(), title.narrative_span())))
            if d.get("url"):
                dpairs.append(("url", scalar(d.get("url"), d.at("url"))))
            docs.append(mapping(d.span, dpairs))
        if docs:
            pairs.append(("documents", sequence(docs[0].span, docs)))
        if self.partial:  # kept, not lost: what could be read of the amounts left empty
            pairs.append(("amounts_read", mapping(self.partial[0][1].span, self.partial)))
        return mapping(a.span, pairs)


def _tidy(value: int | float) -> int | float:
    if isinstance(value, float):
        value = round(value, 2)
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


# --- a whole file ------------------------------------------------------------------------------


@attrs.frozen
class Mapped:
    """An activity mapped: its node tree and the notes on it."""

    node: Node
    notes: tuple[Diagnostic, ...]


def map_activity(activity: Element, file: str, children: dict[str, Child]) -> Mapped:
    """The node tree of one activity. Raises ProposalError (CP464) when it has no
    iati-identifier."""
    fresh_suggestions()  # each activity is a proposal of its own
    mapper = ActivityMapper(activity, file, children)
    if mapper.identifier() is None:
        raise ProposalError(Diagnostic(
            "CP464", N_("an iati-activity without an iati-identifier"), activity.span,
            N_("every IATI activity is named by its <iati-identifier>; the other activities "
               "of the file are still checked")))
    return Mapped(mapper.map(), tuple(mapper.notes))


def to_proposal(mapped: Mapped, file: str) -> Proposal:
    """The proposal of a mapped activity, validated as a proposal file is. Raises
    ProposalError when a published value is no valid format v1 value."""
    result = validate(mapped.node, file, mapped.node.span)
    found = codes.unpublished([*mapped.notes, *result.diagnostics])
    if any(d.level == "error" for d in found):
        raise ProposalError(found)
    return Proposal(file, result.data, result.positions, tuple(found), readable(result.data))


def child_index(path: str | Path, name: str) -> dict[str, Child]:
    """The activities of the file that a parent may name as children; empty (without
    reading the file twice) when no activity names a child."""
    if not _names_children(path):
        return {}
    index: dict[str, Child] = {}
    for item in ActivityReader(path, name).activities():
        if isinstance(item, Diagnostic):
            break
        if isinstance(item, Refused):
            continue
        ident = item.find("iati-identifier")
        if ident is None or not ident.text:
            continue
        title = item.find("title")
        dates = {d.get("type"): d.get("iso-date") for d in item.findall("activity-date")}
        start = next((dates[k] for k in codes.START_DATES if dates.get(k)), None)
        end = next((dates[k] for k in codes.END_DATES if dates.get(k)), None)
        implementers = tuple(p.get("ref") or "" for p in item.findall("participating-org")
                             if p.get("role") == "4" and p.get("ref"))
        index[ident.text] = Child(ident.text, title.narrative() if title is not None else None,
                                  _date(start), _date(end), implementers, item.span)
    return index


def _names_children(path: str | Path) -> bool:
    tail = b""
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                if _CHILDREN.search(tail + chunk):
                    return True
                tail = chunk[-2048:]
    except OSError:
        return False
    return False


def read_file(path: str | Path, name: str | None = None
              ) -> Iterator[tuple[Mapped | None, Diagnostic | list[Diagnostic] | None]]:
    """Each activity of an IATI file mapped, in order: (Mapped, None); an activity that
    cannot be mapped: (None, its diagnostics); a problem that stops reading the file:
    (None, diagnostic), last."""
    name = name if name is not None else str(path)
    children = child_index(path, name)
    seen: dict[str, int] = {}  # each identifier and the line of its first activity
    for item in ActivityReader(path, name).activities():
        if isinstance(item, Diagnostic):
            yield None, item
            return
        if isinstance(item, Refused):  # too large to read: the others are
            yield None, [item.diagnostic]
            continue
        try:
            mapped = map_activity(item, name, children)
        except ProposalError as exc:
            yield None, list(exc.diagnostics)
            continue
        ident = str(next(v.value for k, v in mapped.node.value if k.value == "id"))
        first = seen.setdefault(ident, item.span.line)
        if first != item.span.line:
            mapped = attrs.evolve(mapped, notes=(*mapped.notes, Diagnostic(
                "CP466", f"the iati-identifier {ident} is also the identifier of the "
                f"activity at line {first}; the reports name both alike", item.span,
                "IATI identifiers are unique: ask the publisher which activity is meant",
                level="warning")))
        yield mapped, None


def load_activities(path: str | Path) -> Iterator[Proposal | list[Diagnostic]]:
    """Each activity of an IATI file as a Proposal, or the diagnostics that stop it."""
    name = str(path)
    for mapped, problem in read_file(path, name):
        if mapped is None:
            yield problem if isinstance(problem, list) else [problem]  # type: ignore[list-item]
            continue
        try:
            yield to_proposal(mapped, name)
        except ProposalError as exc:
            yield list(exc.diagnostics)
