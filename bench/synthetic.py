"""Synthetic proposals in format v1, for the benchmarks: seeded, so every run makes the same.

    proposal("small", 7)           # the 8th small proposal of seed 0: a dict, dates as dates
    as_json_data(proposal(...))    # the same as JSON data: ISO date strings, string year keys
    yaml_text(proposal(...))       # the same as a YAML document, for `cappolicy check`

Each proposal is made from its own random generator, seeded by (seed, size, index), so a
proposal can be made again on its own and a corpus is a prefix of any larger one. The data
is what the proposal loader makes of the file (`load_proposal_text(...).data` equals it):
dates are `datetime.date`, `by_year` keys are years as `int`.

Sizes: `small` has 5 organisations and 5 activities, `large` 50 and 200. Each proposal
draws, for each of the six policies of bench/run.py (P1-P6), whether it should pass or
fail, and is built so (the verdicts themselves are computed by the engines, not taken from
here): in a large proposal a policy failing means one stray element among hundreds.
Around the six policies it has what a realistic proposal has (alignment, roles,
governance, indicators, ...), with parts left out at random, so the full shipped ruleset
finds something to say. It never leaves out funding or budget lines and never makes a
total of zero: missing data is "unknown" to cappolicy, and the other engines have no
word for it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

import yaml

SIZES: dict[str, tuple[int, int]] = {"small": (5, 5), "large": (50, 200)}  # orgs, activities
HOSTS = ("XA", "XB", "XC")
#: Where personal data may go besides the host (P6). NO stays the string "NO" in YAML.
ALLOWED_DESTINATIONS = ("BE", "DE", "FR", "NL", "NO")
#: Countries personal data may not go to; the other AEC members count too (XB for XA).
ELSEWHERE = ("US", "GB", "JP", "CN")
#: Host shares of the funding (P3 asks for 20%): exact fractions, 1/5 itself among them.
SHARES = ((0, 1), (1, 10), (19, 100), (199, 1000), (1, 5), (201, 1000), (1, 4), (1, 3), (1, 2))

PUBLIC_KINDS = ("ministry", "regulator", "cert", "law-enforcement", "judiciary")
OTHER_HOST_KINDS = ("academia", "industry", "ngo")
FOREIGN_KINDS = ("donor", "implementer", "international-org", "academia")
ACTIVITY_TYPES = ("training", "train-the-trainer", "mentorship", "secondment", "exercise",
                  "equipment", "policy-support", "legal-reform", "awareness", "research",
                  "scholarship", "assessment")
DATA_KINDS = ("personal", "threat-intel", "incident", "aggregate", "public")
CATEGORIES = ("personnel", "training", "equipment", "equipment-refresh", "maintenance",
              "licences", "evaluation", "audit", "red-team", "travel", "overhead", "other")
BODY_KINDS = ("steering-committee", "pmu", "working-group", "advisory-board", "secretariat")
RECURRENCES = ("once", "monthly", "quarterly", "yearly")
DELIVERY = ("in-person", "online", "offline", "blended")


def proposal(size: str, index: int, seed: int = 0, host: str | None = None) -> dict[str, Any]:
    """The `index`th proposal of a size ("small" or "large") for a seed; `host` fixes the
    host country (otherwise one of XA, XB, XC)."""
    n_orgs, n_activities = SIZES[size]
    rng = random.Random(f"cappolicy-bench:{seed}:{size}:{index}")
    return _Builder(rng, f"SYN-{size[0].upper()}{seed}-{index:05d}", host or rng.choice(HOSTS),
                    n_orgs, n_activities).build()


def corpus(size: str, count: int, seed: int = 0, host: str | None = None
           ) -> Iterator[dict[str, Any]]:
    """The first `count` proposals of a size."""
    for i in range(count):
        yield proposal(size, i, seed, host)


def as_json_data(data: dict[str, Any]) -> Any:
    """The proposal as JSON data (what an engine reading JSON gets): ISO date strings,
    string keys."""
    return json.loads(json.dumps(data, default=_iso))


def json_text(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_iso, indent=1)


def yaml_text(data: dict[str, Any]) -> str:
    """A YAML document for the proposal; dates are written as plain dates, so the loader
    reads them back as dates, and "NO" is quoted."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None,
                         width=100))


def _iso(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON data: {value!r}")


class _Builder:
    def __init__(self, rng: random.Random, ident: str, host: str, n_orgs: int,
                 n_activities: int) -> None:
        self.rng, self.id, self.host = rng, ident, host
        self.n_orgs, self.n_activities = n_orgs, n_activities
        # What each policy should do: True to pass. Drawn first, so that adding detail
        # below does not change them.
        self.plan = {name: rng.random() < 0.55 for name in ("P1", "P2", "P3", "P4", "P5", "P6")}
        self.year0 = rng.choice((2026, 2027, 2028))
        self.years = rng.choice((1, 2, 3, 3, 4, 4, 5))
        self.start = dt.date(self.year0, rng.choice((1, 4, 7)), 1)
        self.end = dt.date(self.year0 + self.years - 1, 12, 31)

    # -- parts --------------------------------------------------------------------------

    def organisations(self) -> list[dict[str, Any]]:
        rng, host = self.rng, self.host
        n_host = max(2, self.n_orgs * 2 // 5)
        strangers = [c for c in ELSEWHERE + HOSTS if c != host]
        orgs: list[dict[str, Any]] = []
        for i in range(self.n_orgs):
            if i < n_host:
                kind = PUBLIC_KINDS[i % len(PUBLIC_KINDS)] if i % 3 != 2 else \
                    rng.choice(OTHER_HOST_KINDS)
                country = host
            else:
                kind = "donor" if i == n_host else rng.choice(FOREIGN_KINDS)
                # Two foreign organisations are always in allowed destinations and one
                # elsewhere, so that P6 can go either way.
                if i == n_host + 1:
                    country = rng.choice(ALLOWED_DESTINATIONS)
                elif i == n_host + 2:
                    country = rng.choice(strangers)
                else:
                    country = rng.choice(ALLOWED_DESTINATIONS + tuple(strangers))
            org: dict[str, Any] = {"id": f"org-{i}", "name": f"Organisation {i}",
                                   "country": country, "kind": kind}
            if country == host and kind in PUBLIC_KINDS:
                org["mandates"] = [{"id": f"m{j}", "basis": f"Act {2010 + i} s.{j + 1}"}
                                   for j in range(rng.choice((1, 1, 2)))]
            orgs.append(org)
        return orgs

    def activities(self, orgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng, host = self.rng, self.host
        home = [o["id"] for o in orgs if o["country"] == host]
        foreign = [o["id"] for o in orgs if o["country"] != host]
        mandates = [f"{o['id']}/{m['id']}" for o in orgs for m in o.get("mandates", ())]
        ok_places = [o["id"] for o in orgs
                     if o["country"] == host or o["country"] in ALLOWED_DESTINATIONS]
        bad_places = [o["id"] for o in orgs if o["id"] not in ok_places]
        n = self.n_activities
        # P1: who leads and partners. Failing, only foreign organisations take part;
        # passing, either host organisations lead some, or one only partners in one.
        if self.plan["P1"]:
            co_lead_only = rng.random() < 0.4
            leaders = foreign if co_lead_only else home + foreign
            host_partner_at = rng.randrange(n) if co_lead_only else -1
        else:
            leaders, host_partner_at = foreign, -1
        # P5: which activities name no mandate.
        if self.plan["P5"]:
            unmandated: set[int] = set()
        else:
            unmandated = set(rng.sample(range(n), rng.choice((1, 1, 2, max(1, n // 3)))))
        # P6: the one activity whose personal data goes astray.
        stray_at = -1 if self.plan["P6"] else rng.randrange(n)
        out = []
        for i in range(n):
            first = self.start + dt.timedelta(days=rng.randrange(0, 180))
            act: dict[str, Any] = {
                "id": f"A{i + 1}", "title": f"Activity {i + 1}",
                "type": rng.choice(ACTIVITY_TYPES), "led_by": rng.choice(leaders)}
            if self.plan["P1"] and not co_lead_only and i == 0:
                act["led_by"] = rng.choice(home)
            if rng.random() < 0.85 or i == host_partner_at:
                pool = foreign if not self.plan["P1"] or co_lead_only else home + foreign
                pool = [o for o in pool if o != act["led_by"]]
                partners = rng.sample(pool, min(len(pool), rng.choice((0, 1, 1, 2, 3))))
                if i == host_partner_at:
                    partners.append(rng.choice(home))
                act["partners"] = partners
            act["start"] = first
            act["end"] = min(self.end, first + dt.timedelta(days=rng.randrange(60, 720)))
            if i not in unmandated and mandates:
                act["mandate"] = rng.choice(mandates)
            act["languages"] = rng.sample(["en", "fr", "ar", "es"], rng.choice((1, 1, 2)))
            act["delivery"] = rng.sample(DELIVERY, rng.choice((1, 2)))
            act["recurrence"] = rng.choice(RECURRENCES)
            flows = self.flows(home + foreign, ok_places, bad_places, stray=i == stray_at)
            if flows is not None:
                act["data_flows"] = flows
            out.append(act)
        return out

    def flows(self, everyone: list[str], ok_places: list[str], bad_places: list[str],
              stray: bool) -> list[dict[str, Any]] | None:
        rng = self.rng
        if not stray and rng.random() < 0.3:
            return None if rng.random() < 0.5 else []
        flows = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            data = rng.choice(DATA_KINDS)
            # Personal data goes to the host or an allowed destination; other data anywhere.
            to = rng.choice(ok_places if data == "personal" else everyone)
            flow: dict[str, Any] = {"data": data, "from": rng.choice(everyone), "to": to}
            if rng.random() < 0.8:
                flow["basis"] = rng.choice(("MoU 2026-04", "Data Protection Act 2020 s.31"))
            flows.append(flow)
        if stray:
            flows.insert(rng.randrange(len(flows) + 1),
                         {"data": "personal", "from": rng.choice(everyone),
                          "to": rng.choice(bad_places), "basis": "contract clauses"})
        return flows

    def funding(self, orgs: list[dict[str, Any]]) -> dict[str, Any]:
        """Sources whose host share is one of SHARES exactly: below 1/5 when P3 is to fail."""
        rng, host = self.rng, self.host
        low = [s for s in SHARES if s[0] * 5 < s[1]]
        high = [s for s in SHARES if s[0] * 5 >= s[1]]
        num, den = rng.choice(high if self.plan["P3"] else low)
        unit = rng.randrange(1_000, 50_000)
        national, foreign_total = num * unit, (den - num) * unit
        home = [o["id"] for o in orgs if o["country"] == host]
        foreign = [o["id"] for o in orgs if o["country"] != host]
        big = self.n_orgs > 10
        sources = []
        for total, pool, kind in ((foreign_total, foreign, "grant"),
                                  (national, home, "co-financing")):
            if total == 0:
                continue
            givers = rng.sample(pool, min(len(pool), rng.randint(1, 4 if big else 2)))
            for giver, amount in zip(givers, _split(rng, total, len(givers))):
                years = rng.sample(range(self.year0, self.year0 + self.years),
                                   rng.randint(1, self.years))
                source: dict[str, Any] = {"from": giver, "type": kind,
                                          "by_year": dict(zip(sorted(years),
                                                              _split(rng, amount, len(years))))}
                if kind == "grant" and rng.random() < 0.7:
                    source["milestones"] = [f"M{k + 1}" for k in range(rng.randint(1, 3))]
                sources.append(source)
        rng.shuffle(sources)
        return {"currency": "EUR", "sources": sources}

    def budget(self) -> dict[str, Any]:
        """Lines whose years together are at least three exactly when P4 is to pass."""
        rng = self.rng
        span = list(range(self.year0, self.year0 + max(self.years, 3)))
        count = rng.randint(3, len(span)) if self.plan["P4"] else rng.randint(1, 2)
        years = sorted(rng.sample(span, count))
        n_lines = rng.randint(6, 12) if self.n_orgs > 10 else rng.randint(2, 4)
        lines = []
        for i, category in enumerate(rng.sample(CATEGORIES, n_lines)):
            own = rng.sample(years, rng.randint(1, len(years)))
            if i == 0:
                own = years  # every chosen year is in some line
            lines.append({"category": category,
                          "by_year": {y: rng.randrange(10, 500) * 1_000 for y in sorted(own)}})
        rng.shuffle(lines)
        return {"lines": lines}

    def sunset(self, handover: str) -> dict[str, Any] | None:
        rng = self.rng
        sunset: dict[str, Any] = {"handover_to": handover}
        if rng.random() < 0.7:
            sunset["plan"] = "The national institution absorbs staff and systems"
        if self.plan["P2"]:
            sunset["date"] = self.end - dt.timedelta(days=rng.choice((0, 0, 1, 30, 180)))
            return sunset
        way = rng.random()
        if way < 0.2:
            return None  # no sunset at all
        if way < 0.4:
            return sunset  # a sunset without a date
        sunset["date"] = self.end + dt.timedelta(days=rng.choice((1, 31, 200, 400)))
        return sunset

    # -- the whole ---------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        rng, host = self.rng, self.host
        orgs = self.organisations()
        home = [o["id"] for o in orgs if o["country"] == host]
        public = [o["id"] for o in orgs if o["country"] == host and o["kind"] in PUBLIC_KINDS]
        foreign = [o["id"] for o in orgs if o["country"] != host]
        data: dict[str, Any] = {
            "cappolicy": 1, "id": self.id,
            "title": f"Synthetic programme {self.id}", "host_country": host,
            "period": {"start": self.start, "end": self.end}}
        if rng.random() < 0.85:
            data["alignment"] = {
                "national_strategy": f"National Cybersecurity Strategy {self.year0 - 2}",
                "objectives": [f"NCS-{k}.{rng.randint(1, 5)}" for k in range(1, rng.randint(2, 4))],
                "needs_assessment": {
                    "date": self.start - dt.timedelta(days=rng.choice((60, 200, 400, 900))),
                    "by": rng.sample(home, min(2, len(home))),
                    "sectors": rng.sample(["energy", "finance", "health", "telecom"], 2)}}
        data["organisations"] = orgs
        data["roles"] = {"design": rng.sample(home + foreign, 3),
                         "implementation": rng.sample(home + foreign, 2),
                         "evaluation": [rng.choice(home if rng.random() < 0.7 else foreign)]}
        data["funding"] = self.funding(orgs)
        data["budget"] = self.budget()
        sunset = self.sunset(rng.choice(public or home))
        if sunset is not None:
            data["sunset"] = sunset
        data["activities"] = self.activities(orgs)
        data["governance"] = self.governance(public or home, home + foreign)
        if rng.random() < 0.8:
            data["risk_assessment"] = {
                "date": self.start - dt.timedelta(days=rng.randrange(30, 300)),
                "covers": rng.sample(["political", "data-sovereignty", "unintended-consequences",
                                      "human-rights"], rng.randint(1, 4))}
        if rng.random() < 0.85:
            data["evaluation"] = {"independent": rng.random() < 0.8,
                                  "by": rng.choice(home + foreign), "local": rng.random() < 0.6,
                                  "schedule": ["baseline", "final"], "public": rng.random() < 0.7}
        data["indicators"] = [
            {"id": f"I{k + 1}", "name": f"Indicator {k + 1}",
             "kind": rng.choice(("process", "outcome")), "baseline": rng.randint(0, 50),
             "target": rng.randint(51, 100), "unit": "percent", "owner": rng.choice(home)}
            for k in range(rng.randint(0, 3))]
        if rng.random() < 0.9:
            data["procurement"] = {
                "method": rng.choice(("open-tender", "open-tender", "restricted", "direct")),
                "safeguards": rng.sample(["external-audit", "conflict-of-interest-declarations",
                                          "integrity-pact", "training"], rng.randint(0, 2))}
        if rng.random() < 0.8:
            data["accountability"] = {
                "grievance_mechanism": "Ombudsman channel",
                "reporting": {"cadence": rng.choice(RECURRENCES),
                              "public_dashboard": rng.random() < 0.6}}
        return data

    def governance(self, authorities: list[str], everyone: list[str]) -> dict[str, Any]:
        rng = self.rng
        n_bodies = max(1, self.n_orgs // 8)
        bodies: list[dict[str, Any]] = []
        relations: list[dict[str, Any]] = []
        for i in range(n_bodies):
            chair = rng.choice(authorities if rng.random() < 0.8 else everyone)
            members = list(dict.fromkeys([chair, *rng.sample(everyone, min(3, len(everyone)))]))
            ident = f"body-{i}"
            bodies.append({"id": ident, "kind": BODY_KINDS[i % len(BODY_KINDS)],
                           "chair": [chair], "members": members,
                           "meets": rng.choice(RECURRENCES)})
            if rng.random() < 0.85:
                to = f"body-{(i - 1) // 2}" if i else rng.choice(authorities)
                relations.append({"from": ident, "to": to, "kind": "reports_to"})
        relations.append({"from": "body-0", "kind": "decides", "scope": ["priorities"]})
        return {"bodies": bodies, "relations": relations}


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` as `parts` positive whole amounts (when total >= parts)."""
    if parts <= 1 or total < parts:
        return [total] + [0] * (parts - 1) if parts > 0 else []
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]
