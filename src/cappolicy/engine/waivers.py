"""Waivers: the exceptions to rules a proposal says its host has approved.

A proposal lists them as `waivers: [{rule, reason, approved_by, expires}]`. A waiver
is applied when

- its rule is in force in the effective ruleset (checked by WAIVER-03),
- it is approved by a public institution of the host country: an organisation whose
  `country` is the proposal's `host_country` and whose `kind` is in the ruleset's
  `public_sector` param (WAIVER-01), and
- it has not expired: `expires` is on or after the check date (WAIVER-02).

A waiver comes with a reason and an expiry date (the design card). One without `expires`
is still applied, since the host approved it, but WAIVER-02 fails for it: it would excuse
its rule for as long as the proposal stands, unseen. So does one that expires after the
programme's last day (period.end, or the sunset date when later): `expires: 9999-12-31`
is as open-ended as no date, and is applied and reported the same way.

An applied waiver turns every `fail` and `unknown` finding of its rule into `waived`:
the host's approval to go ahead without meeting the rule holds whether the rule was
seen to fail or could not be decided. The finding keeps its location, evidence,
missing fields and severity, and gains the waiver's reason, approver and expiry.
A waiver that is applied but waives nothing is reported too (WAIVER-04), since it
would silently excuse the rule the day the proposal changes.

The four checks are built in: every proposal with waivers gets them whatever its
ruleset, and they give ordinary findings (principle `accountability`) located at the
waiver, so that every renderer shows them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..base.deferred import N_
from ..base.errors import did_you_mean
from ..base.record import Record, replace
from ..proposal.model import Proposal, format_path
from .findings import Evidence, Finding, ParamUse, Provenance

if TYPE_CHECKING:
    from .compile import ParamValue
    from .rules import CompiledRule, RuleSpec

_set = object.__setattr__


class Disabling(Protocol):
    """A rule a layer disables, and where (rulesets/catalog.py's Disabled)."""

    @property
    def rule(self) -> str: ...

    @property
    def origin(self) -> Provenance: ...


class RulesetView(Protocol):
    """What the waivers' checks read of an effective ruleset (rulesets/catalog.py's
    EffectiveRuleset, a later stage): its rules, the rules it disables, its params."""

    @property
    def rules(self) -> Sequence[RuleSpec]: ...

    @property
    def disabled(self) -> Sequence[Disabling]: ...

    @property
    def params(self) -> Mapping[str, ParamValue]: ...


#: `public_sector` when the ruleset declares no such param (the design card's default)
DEFAULT_PUBLIC_SECTOR = frozenset(
    {"ministry", "regulator", "cert", "law-enforcement", "judiciary", "parliament", "agency"})
#: `foreign_kinds` when the ruleset declares no such param (the baseline's)
DEFAULT_FOREIGN_KINDS = frozenset({"donor", "implementer", "international-org", "regional-body"})
#: the outcomes a waiver turns into `waived`
WAIVABLE = ("fail", "unknown")
SEED = "000_66251300b48a3485.txt"


class Check(Record):
    """One of the built-in checks of waivers."""

    __slots__ = ("id", "title", "severity", "source")
    id: str
    title: str
    severity: str
    source: str

    def __init__(self, id: str, title: str, severity: str, source: str) -> None:
        _set(self, "id", id)
        _set(self, "title", title)
        _set(self, "severity", severity)
        _set(self, "source", source)


# A donor or foreign approver would let the donor excuse the host's own rules: an error.
APPROVER = Check("WAIVER-01",
                 N_("A waiver is approved by a public institution of the host country"),
                 "must", f"{SEED}, paragraph 6")
# An expired waiver is not applied, so the rule's own failure already counts at the rule's
# severity; what is left is to renew or remove the waiver: a warning. A waiver without an
# expiry date is applied (the host approved it) and would excuse its rule for good: a
# warning too, so that the host sets the date.
EXPIRY = Check("WAIVER-02", N_("A waiver has an expiry date, not yet passed"), "should",
               f"{SEED}, paragraph 10")
# A waiver for no rule in force claims an exception that does not exist (often a misspelt
# id, which leaves the intended rule unwaived): an error, so the record gets corrected.
RULE = Check("WAIVER-03", N_("A waiver names a rule in force"), "must", f"{SEED}, paragraph 10")
# An unused waiver changes no verdict today but would excuse the rule unseen later: a warning.
USED = Check("WAIVER-04", N_("A waiver covers a rule that fails"), "should", f"{SEED}, paragraph 10")
CHECKS = (APPROVER, EXPIRY, RULE, USED)


class Scope(Record):
    """What the checks need of the effective ruleset."""

    __slots__ = ("rules", "disabled", "public_sector", "public_sector_param", "foreign_kinds")
    rules: frozenset[str]
    disabled: Mapping[str, str]  # rule id -> "disabled by file:line ("because")"
    public_sector: frozenset[str]
    public_sector_param: ParamUse | None  # None: the built-in default was used
    foreign_kinds: frozenset[str]

    def __init__(self, rules: frozenset[str], disabled: Mapping[str, str],
                 public_sector: frozenset[str], public_sector_param: ParamUse | None = None,
                 foreign_kinds: frozenset[str] = DEFAULT_FOREIGN_KINDS) -> None:
        _set(self, "rules", rules)
        _set(self, "disabled", disabled)
        _set(self, "public_sector", public_sector)
        _set(self, "public_sector_param", public_sector_param)
        _set(self, "foreign_kinds", foreign_kinds)

    @classmethod
    def of(cls, rules: Sequence[CompiledRule], effective: RulesetView | None) -> Scope:
        """From the effective ruleset when the caller has it; else from the compiled rules
        alone (no disabled rules known, `public_sector` at its default)."""
        ids = frozenset(r.id for r in rules)
        if effective is None:
            return cls(ids, {}, DEFAULT_PUBLIC_SECTOR)
        ids |= frozenset(spec.rule.id for spec in effective.rules)
        disabled = {d.rule: _disabled_by(d.origin) for d in effective.disabled}
        foreign = effective.params.get("foreign_kinds")
        foreign_kinds = frozenset(str(k) for k in foreign.value) if foreign is not None \
            and isinstance(foreign.value, (set, frozenset)) else DEFAULT_FOREIGN_KINDS
        param = effective.params.get("public_sector")
        if param is None or not isinstance(param.value, (set, frozenset)):
            return cls(ids, disabled, DEFAULT_PUBLIC_SECTOR, None, foreign_kinds)
        use = ParamUse("public_sector", param.display, param.type.describe(), param.origin)
        return cls(ids, disabled, frozenset(str(k) for k in param.value), use, foreign_kinds)


def _disabled_by(origin: Provenance) -> str:
    because = f' ("{origin.because}")' if origin.because else ""
    where = origin.span.short() if origin.span.line else origin.layer
    return f"disabled by {origin.layer} at {where}{because}"


def apply_waivers(findings: Sequence[Finding], rules: Sequence[CompiledRule], proposal: Proposal,
                  as_of: dt.date, ruleset: str | None = None, *,
                  effective: RulesetView | None = None) -> list[Finding]:
    """The findings with the proposal's valid waivers applied, followed by the findings of
    the built-in checks of each waiver. Without waivers, the findings unchanged."""
    waivers = proposal.data.get("waivers")
    if not isinstance(waivers, list) or not waivers:
        return list(findings)
    scope = Scope.of(rules, effective)
    out = list(findings)
    checks: list[Finding] = []
    waived_by: dict[str, int] = {}  # rule id -> index of the waiver that waived it
    for i, waiver in enumerate(waivers):
        if not isinstance(waiver, Mapping):
            continue
        at = _Waiver(proposal, ruleset, i, waiver)
        approver = _check_approver(at, scope)
        expiry, applies = _check_expiry(at, as_of, approver.outcome == "pass",
                                        proposal.host_country)
        decided = [_check_rule(at, scope), approver, expiry]
        checks.extend(decided)
        blocking = [f for f in decided if f.outcome != "pass" and not (f is expiry and applies)]
        if blocking:
            checks.append(at.finding(USED, "not-applicable", (), message=N_(
                "the waiver of {rule} is not applied: {checks}", rule=at.rule, checks="; ".join(
                    f"{f.rule} {f.outcome}" for f in blocking))))
            continue
        text = at.text(_organisation(proposal, waiver.get("approved_by")))
        count = 0
        for n, finding in enumerate(out):
            if finding.rule == at.rule and finding.outcome in WAIVABLE:
                out[n] = replace(finding, outcome="waived", waiver=text)
                count += 1
        checks.append(_check_used(at, count, waived_by.get(at.rule), out))
        waived_by.setdefault(at.rule, i)
    return out + checks


# ------------------------------------------------------------------- one waiver


class _Waiver(Record):
    """A waiver of the proposal and how to make findings located at it."""

    __slots__ = ("proposal", "ruleset", "index", "data")
    proposal: Proposal
    ruleset: str | None
    index: int
    data: Mapping[str, Any]

    def __init__(self, proposal: Proposal, ruleset: str | None, index: int,
                 data: Mapping[str, Any]) -> None:
        _set(self, "proposal", proposal)
        _set(self, "ruleset", ruleset)
        _set(self, "index", index)
        _set(self, "data", data)

    @property
    def rule(self) -> str:
        return str(self.data.get("rule", "?"))

    @property
    def in_ruleset(self) -> str:
        return N_("ruleset {ruleset}", ruleset=self.ruleset) if self.ruleset \
            else N_("the ruleset")

    def path(self, *keys: str) -> tuple[Any, ...]:
        return ("waivers", self.index, *keys)

    def finding(self, check: Check, outcome: str, keys: tuple[str, ...], *, message: str,
                hint: str | None = None, evidence: tuple[Evidence, ...] = (),
                params: tuple[ParamUse, ...] = (), missing: tuple[str, ...] = ()) -> Finding:
        path = self.path(*keys)
        return Finding(
            rule=check.id, title=check.title, principle="accountability", source=check.source,
            severity=check.severity, outcome=outcome, file=self.proposal.file,
            span=self.proposal.span_of(path), path=format_path(path), message=message,
            hint=hint, element=self.rule, evidence=evidence, params=params, missing=missing,
            ruleset=self.ruleset)

    def text(self, approver: tuple[int, Mapping[str, Any]] | None) -> str:
        """`reason (approved by xa-mict, Ministry of ICT, until 2027-12-31; waivers[0], line 84)`."""
        who = str(self.data.get("approved_by", "?"))
        if approver is not None and isinstance(approver[1].get("name"), str):
            who += f", {approver[1]['name']}"
        expires = self.data.get("expires")
        until = N_("until {date}", date=expires) if expires is not None else N_("no expiry")
        line = self.proposal.span_of(self.path()).line
        reason = self.data.get("reason", N_("(no reason given)"))
        return N_("{reason} (approved by {who}, {until}; {path}, line {line})", reason=reason,
                  who=who, until=until, path=format_path(self.path()), line=line)

    def located(self, *keys: str) -> Any:
        return self.proposal.span_of(self.path(*keys))


def _check_rule(w: _Waiver, scope: Scope) -> Finding:
    rule = w.rule
    if rule in scope.rules:
        return w.finding(RULE, "pass", ("rule",), message=N_("{rule} is a rule of {ruleset}",
                                                             rule=rule, ruleset=w.in_ruleset))
    disabled = scope.disabled.get(rule)
    evidence = Evidence(expr="waiver.rule in rules in force", result="false", op="in",
                        left=rule, left_at=w.located("rule"), right=w.in_ruleset,
                        note=disabled or f"{w.in_ruleset} has no rule {rule}")
    if disabled is not None:
        return w.finding(
            RULE, "fail", ("rule",), evidence=(evidence,),
            message=N_("The waiver names {rule}, which {ruleset} disables: a disabled rule "
                       "never fails, so the waiver claims an exception that does not exist.",
                       rule=rule, ruleset=w.in_ruleset),
            hint=N_("Remove this waiver from waivers[{index}].", index=w.index))
    close = did_you_mean(rule, scope.rules)
    return w.finding(
        RULE, "fail", ("rule",), evidence=(evidence,),
        message=N_("The waiver names {rule}, which is not a rule of {ruleset}; it waives "
                   "nothing.", rule=rule, ruleset=w.in_ruleset),
        hint=N_("Did you mean {rule}? Name a rule id of {ruleset} (`cappolicy check -v` lists "
                "them), or remove the waiver.", rule=close, ruleset=w.in_ruleset) if close else
        N_("Name a rule id of {ruleset} (`cappolicy check -v` lists them), or remove the "
           "waiver.", ruleset=w.in_ruleset))


def _organisation(proposal: Proposal, org_id: Any) -> tuple[int, Mapping[str, Any]] | None:
    orgs = proposal.data.get("organisations")
    if not isinstance(orgs, list):
        return None
    for j, org in enumerate(orgs):
        if isinstance(org, Mapping) and org.get("id") == org_id:
            return j, org
    return None


def _check_approver(w: _Waiver, scope: Scope) -> Finding:
    p = w.proposal
    approver = w.data.get("approved_by")
    host = p.host_country
    params = (scope.public_sector_param,) if scope.public_sector_param is not None else ()
    kinds = scope.public_sector_param.value if scope.public_sector_param is not None \
        else "{" + ", ".join(sorted(scope.public_sector)) + "}"
    found = _organisation(p, approver)
    if found is None:
        return w.finding(
            APPROVER, "fail", ("approved_by",), params=params,
            evidence=(Evidence(expr="approved_by in organisations", result="false", op="in",
                               left=str(approver), left_at=w.located("approved_by"),
                               right="organisations"),),
            message=N_("The waiver of {rule} is approved by '{approver}', which is no "
                       "organisation of the proposal; the waiver is not applied.",
                       rule=w.rule, approver=approver),
            hint=N_("Set approved_by to the id of a public institution listed in "
                    "organisations."))
    j, org = found
    country, kind = org.get("country"), org.get("kind")
    missing = tuple(path for path, value in (
        ("host_country", host), (f"organisations[{j}].country", country),
        (f"organisations[{j}].kind", kind)) if not isinstance(value, str))
    if missing:
        return w.finding(
            APPROVER, "unknown", ("approved_by",), params=params, missing=missing,
            message=N_("cannot decide: {paths} is missing; the waiver of {rule} is not "
                       "applied", paths=", ".join(missing), rule=w.rule))
    same = country == host
    public = kind in scope.public_sector
    shown = f"{approver} ({kind}, {country})"
    evidence = Evidence(
        expr="approver.country == host_country and approver.kind in public_sector",
        result="true" if same and public else "false", children=(
            Evidence(expr="approver.country == host_country", result=str(same).lower(), op="==",
                     left=str(country), left_at=p.span_of(("organisations", j, "country")),
                     right=str(host), right_at=p.span_of(("host_country",))),
            Evidence(expr="approver.kind in public_sector", result=str(public).lower(), op="in",
                     left=str(kind), left_at=p.span_of(("organisations", j, "kind")),
                     right=kinds),
        ))
    funders = _foreign_funders(p, org, scope)
    if same and public and not funders:
        return w.finding(APPROVER, "pass", ("approved_by",), params=params,
                         message=N_("{approver} is a public institution of {host}",
                                    approver=shown, host=host))
    if same and public:  # a host institution whose budget only foreign parties pay
        evidence = Evidence(
            expr="approver is funded by a host-country source", result="false",
            left=", ".join(funders), left_at=p.span_of(("organisations", j, "funded_by")),
            note=N_("every organisation in funded_by is foreign (foreign_kinds, or of "
                    "another country)"))
        why = N_("it is funded only by {funders}, foreign parties, who would so approve "
                 "exceptions to the host's rules", funders=", ".join(funders))
    elif kind == "donor":
        why = N_("a donor cannot waive a host's rule: only a public institution of {host} can",
                 host=host)
    elif not same:
        why = N_("it is not an institution of {host}, and only a public institution of {host} "
                 "can waive {host}'s rules", host=host)
    else:
        why = N_("a {kind} is not a public institution, and only a public institution of "
                 "{host} can waive its rules", kind=kind, host=host)
    candidates = [str(o.get("id")) for o in p.data.get("organisations") or []
                  if isinstance(o, Mapping) and o.get("country") == host
                  and o.get("kind") in scope.public_sector and not _foreign_funders(p, o, scope)]
    suggest = f" ({', '.join(candidates[:3])})" if candidates else ""
    return w.finding(
        APPROVER, "fail", ("approved_by",), params=params, evidence=(evidence,),
        message=N_("The waiver of {rule} is approved by {approver}, but {why}. The waiver is "
                   "not applied, so {rule}'s findings stand.", rule=w.rule, approver=shown,
                   why=why),
        hint=N_("Have a public institution of {host}{suggested} approve the waiver and name it "
                "in approved_by, or meet {rule}.", host=host, suggested=suggest, rule=w.rule))


def _foreign_funders(p: Proposal, org: Mapping[str, Any], scope: Scope) -> list[str]:
    """The organisations that fund `org` (funded_by) when only foreign parties pay it (of
    another country, or of a kind that acts for a foreign party, wherever registered), up
    its whole funded_by chain; else none. As FIN-01 reads who pays: the chain is followed
    through host organisations, and host money is one that states no funder of its own (a
    ministry paying from its own budget), or a chain that no foreign party pays into at
    all (a treasury and a parliament that fund each other). An approver paid through a
    trust fund the donor alone pays, or through a loop of host bodies the donor pays
    into, is the donor's channel."""
    funded_by = org.get("funded_by")
    if not isinstance(funded_by, list) or not funded_by:
        return []  # nothing said: no sign of foreign money alone
    seen, todo, foreign = {id(org)}, [org], False
    while todo:
        for funder_id in todo.pop().get("funded_by") or ():
            found = _organisation(p, funder_id)
            if found is None:
                return []  # an unknown funder: no sign of foreign money alone
            funder = found[1]
            if funder.get("country") != p.host_country \
                    or funder.get("kind") in scope.foreign_kinds:
                foreign = True
            elif id(funder) not in seen:  # a host organisation: who pays it in turn
                seen.add(id(funder))
                further = funder.get("funded_by")
                if not isinstance(further, list) or not further:
                    return []  # one that pays from its own budget: host money
                todo.append(funder)
    return [str(funder_id) for funder_id in funded_by] if foreign else []


def _start(proposal: Proposal) -> dt.date | None:
    """When the programme's work starts: period.start, or an activity's start before it
    (PER-01 allows one a few months early), when given as dates."""
    period = proposal.data.get("period")
    starts = [period.get("start") if isinstance(period, Mapping) else None]
    activities = proposal.data.get("activities")
    if isinstance(activities, list):
        starts += [a.get("start") for a in activities if isinstance(a, Mapping)]
    days = [d.date() if isinstance(d, dt.datetime) else d for d in starts]
    known = [d for d in days if isinstance(d, dt.date)]
    return min(known) if known else None


def _end(proposal: Proposal) -> tuple[dt.date, tuple[Any, ...]] | None:
    """The programme's last day and where the proposal states it: period.end, or the
    sunset date when it is later, when given as dates."""
    found: tuple[dt.date, tuple[Any, ...]] | None = None
    for path in (("period", "end"), ("sunset", "date")):
        section = proposal.data.get(path[0])
        day = section.get(path[1]) if isinstance(section, Mapping) else None
        if isinstance(day, dt.datetime):
            day = day.date()
        if isinstance(day, dt.date) and (found is None or day > found[0]):
            found = (day, path)
    return found


def _expiry(waiver: Mapping[str, Any]) -> dt.date | None:
    """A waiver's expiry date, when it gives one that is a date."""
    expires = waiver.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            return None
    if isinstance(expires, dt.datetime):
        return expires.date()
    return expires if isinstance(expires, dt.date) else None


def _open_ended(waiver: Mapping[str, Any]) -> bool:
    """Whether a waiver gives no expiry date (a null `expires` is left out when loaded)."""
    return waiver.get("expires") is None


def _check_expiry(w: _Waiver, as_of: dt.date, approver_can_waive: bool = True,
                  host: str | None = None) -> tuple[Finding, bool]:
    """WAIVER-02's finding, and whether the waiver is applied whatever it says: a waiver
    without an expiry date, or one that outlives the programme, fails WAIVER-02 but is
    applied, since the host approved it; one that has expired, or lapses before the
    programme starts, is not."""
    if _open_ended(w.data):
        where = format_path(w.path("expires"))
        return w.finding(
            EXPIRY, "fail", (),
            evidence=(Evidence(expr="waiver.expires present", result="false",
                               note=N_("{paths} is missing", paths=where)),),
            message=N_("The waiver of {rule} has no expiry date, so it would excuse {rule} "
                       "for as long as the proposal stands. It is applied, since the host "
                       "approved it.", rule=w.rule),
            hint=N_("Add expires to waivers[{index}]: the date until which the host grants "
                    "the exception, after which {rule} applies again.", index=w.index,
                    rule=w.rule)), True
    expires = _expiry(w.data)
    if expires is None:
        where = format_path(w.path("expires"))
        return w.finding(EXPIRY, "unknown", ("expires",), missing=(where,),
                         message=N_("cannot decide: {path} is not a date; the waiver of "
                                    "{rule} is not applied", path=where, rule=w.rule)), False
    valid = expires >= as_of
    evidence = Evidence(expr="waiver.expires >= as_of", result=str(valid).lower(), op=">=",
                        left=expires.isoformat(), left_at=w.located("expires"),
                        right=as_of.isoformat(),
                        note="as_of is the date of the check (--as-of, default today)")
    start = _start(w.proposal)
    if valid and start is not None and expires < start:
        return w.finding(
            EXPIRY, "fail", ("expires",), evidence=(Evidence(
                expr="waiver.expires >= period.start", result="false", op=">=",
                left=expires.isoformat(), left_at=w.located("expires"),
                right=start.isoformat(), right_at=w.proposal.span_of(("period", "start"))),),
            message=N_("The waiver of {rule} expires on {date}, before the programme starts "
                       "on {start}: it excuses nothing the programme does, so it is not "
                       "applied and {rule}'s findings stand.", rule=w.rule, date=expires,
                       start=start),
            hint=N_("Set expires to a date within the programme, until which the host grants "
                    "the exception, or remove the waiver and meet {rule}.", rule=w.rule)), False
    end = _end(w.proposal)
    if valid and end is not None and expires > end[0]:
        return w.finding(
            EXPIRY, "fail", ("expires",), evidence=(Evidence(
                expr="waiver.expires <= the later of period.end and sunset.date", result="false",
                op="<=", left=expires.isoformat(), left_at=w.located("expires"),
                right=end[0].isoformat(), right_at=w.proposal.span_of(end[1])),),
            message=N_("The waiver of {rule} expires on {date}, after the programme's last day "
                       "({end}, the later of period.end and sunset.date), so it would excuse "
                       "{rule} for as long as the proposal stands, as a waiver with no expiry "
                       "date would. It is applied, since the host approved it.", rule=w.rule,
                       date=expires, end=end[0]),
            hint=N_("Set expires of waivers[{index}] to a date no later than {end}: the date "
                    "until which the host grants the exception, after which {rule} applies "
                    "again.", index=w.index, end=end[0], rule=w.rule)), True
    if valid:
        return w.finding(EXPIRY, "pass", ("expires",),
                         message=N_("the waiver of {rule} holds until {date}", rule=w.rule,
                                    date=expires)), True
    approver = w.data.get("approved_by", "its approver")
    # renewing with an approver who cannot waive the rule (WAIVER-01) would not help
    renew = N_("Renew the waiver with {approver}", approver=approver) if approver_can_waive \
        else N_("Have a public institution of {host} approve a renewed waiver", host=host) \
        if host else N_("Have a public institution of the host approve a renewed waiver")
    return w.finding(
        EXPIRY, "fail", ("expires",), evidence=(evidence,),
        message=N_("The waiver of {rule} expired on {date} (checked as of {as_of}); it is not "
                   "applied, so {rule}'s findings stand.", rule=w.rule,
                   date=expires, as_of=as_of),
        hint=N_("{renew} and set a later expires date, or remove it and meet {rule}.",
                renew=renew, rule=w.rule)), False


def _check_used(w: _Waiver, count: int, earlier: int | None, findings: Sequence[Finding]) -> Finding:
    rule = w.rule
    if count:
        return w.finding(USED, "pass", (), message=f"waives {count} finding"
                         f"{'s' if count != 1 else ''} of {rule}")
    if earlier is not None:
        return w.finding(
            USED, "fail", (),
            evidence=(Evidence(expr=f"a finding of {rule} is left to waive", result="false",
                               note=f"waivers[{earlier}] already waives {rule}"),),
            message=f"{rule} is already waived by waivers[{earlier}]; this waiver is not needed.",
            hint=f"Remove the duplicate waiver of {rule} at waivers[{w.index}].")
    outcomes: dict[str, int] = {}
    for f in findings:
        if f.rule == rule:
            outcomes[f.outcome] = outcomes.get(f.outcome, 0) + 1
    seen = ", ".join(f"{n} {o}" for o, n in outcomes.items()) or "no finding"
    return w.finding(
        USED, "fail", (),
        evidence=(Evidence(expr=f"any finding of {rule} fails", result="false",
                           note=f"{rule} for this proposal: {seen}"),),
        message=f"{rule} does not fail for this proposal, so the waiver is not needed; left in "
                f"place it would excuse {rule} unseen if the proposal changes.",
        hint=f"Remove the waiver of {rule} at waivers[{w.index}].")


__all__ = ["CHECKS", "DEFAULT_PUBLIC_SECTOR", "Check", "Scope", "apply_waivers"]
