"""A commented proposal skeleton: every section of format v1, to be filled in.

The skeleton is a valid proposal (it loads without errors or warnings), but it
is obviously unfinished: required fields hold TODO placeholders, optional
values are left empty (which the loader reads as absent), lists that must name
something are empty. `cappolicy check` on it fails, and each finding points at
the line to fill in. Each section opens with a comment that says what it is for
and which principles need it (`cappolicy.proposal.sections`)."""

from __future__ import annotations

import datetime as dt
import string
import textwrap

from .sections import SECTIONS

WIDTH = 92


def skeleton(country: str = "XX", today: dt.date | None = None) -> str:
    """The skeleton for a programme hosted by `country` that starts next year."""
    today = today or dt.date.today()
    first = today.year + 1
    host = country.upper()
    values = {
        "host": host,
        "cc": host.lower(),
        "donor_country": "XZ" if host != "XZ" else "XY",
        "start": dt.date(first, 1, 1).isoformat(),
        "end": dt.date(first + 2, 12, 31).isoformat(),
        "y1": str(first),
        "y2": str(first + 1),
        "y3": str(first + 2),
    }
    parts = [_HEADER.strip("\n")]
    for name, body in _BODIES:
        parts.append(_comment(name) + "\n" + string.Template(body.strip("\n")).substitute(values))
    return "\n\n".join(parts) + "\n"


def _comment(name: str) -> str:
    section = SECTIONS[name]
    text = f"{name}: {section.purpose[0].lower()}{section.purpose[1:]}"
    lines = textwrap.wrap(text, WIDTH - 2, break_on_hyphens=False)
    if section.principles:
        lines += textwrap.wrap(f"Principles: {', '.join(section.principles)}.", WIDTH - 2,
                               break_on_hyphens=False)
    return "\n".join(f"# {line}" for line in lines)


_HEADER = """
# A cappolicy proposal, format 1: every section, with placeholders to replace.
#
# It loads, but it does not pass: run `cappolicy check` on this file and work through the
# findings; each one names the field to fill in and the principle behind it. Replace every
# TODO, fill in the empty values and lists, and add list items like the ones shown.
# Field names are fixed (the README's "Proposal format" and `cappolicy schema`); a field of
# your own is kept as an extension, with a warning (prefix it with x-).
# Dates are YYYY-MM-DD. Codes: countries ISO 3166-1 alpha-2 (XA to XZ for illustrative
# countries), languages ISO 639-1, currencies ISO 4217.
"""

# (section, YAML body). $-placeholders are filled by `skeleton`.
_BODIES: tuple[tuple[str, str], ...] = (
    ("cappolicy", "cappolicy: 1"),
    ("id", "id: ${host}-TODO             # TODO: a short id, e.g. ${host}-CIRT-${y1}"),
    ("title", 'title: "TODO: what the programme does, in one line"'),
    ("host_country", "host_country: ${host}"),
    ("period", "period: {start: ${start}, end: ${end}}   # TODO: the programme's real dates"),
    ("alignment", """
alignment:
  national_strategy:        # the title of the host's national cybersecurity strategy
  objectives: []            # the strategy's objectives it serves, e.g. [NCS-2.1, NCS-3.4]
  needs_assessment:
    date:                   # when it was made (YYYY-MM-DD), before the programme starts
    by: []                  # ids of the host institutions that made it, e.g. [${cc}-ministry]
    sectors: []             # the sectors it covers, e.g. [energy, finance, health]
"""),
    ("organisations", """
# kind: ministry, regulator, cert, law-enforcement, judiciary, parliament, agency, ngo,
#   academia, industry, donor, implementer, international-org, regional-body
organisations:
  - id: ${cc}-ministry
    name: "TODO: the host institution that owns the programme"
    country: ${host}
    kind: ministry
    mandates: []            # its statutory duties: [{id: cyber-policy, basis: "ICT Act 2019 s.12"}]
    funded_by: []           # optional: who pays its own budget, e.g. [${cc}-treasury]
  - id: donor
    name: "TODO: the donor"
    country: ${donor_country}             # TODO: the donor's country
    kind: donor
  # Add the host's CERT, regulator, parliament, civil society (ngo), industry and academia,
  # and each implementer:
  # - {id: ${cc}-cirt, name: National CIRT, country: ${host}, kind: cert,
  #    mandates: [{id: incident-response, basis: "Cybersecurity Act 2021 s.4"}]}
"""),
    ("roles", """
roles:
  design: []                # ids of the organisations that design the programme
  implementation: []        # ... that carry it out
  evaluation: []            # ... that evaluate it
"""),
    ("funding", """
# type: grant, co-financing, in-kind, loan...
funding:
  currency:                 # ISO 4217, e.g. EUR
  sources:
    - from: donor
      type: grant
      by_year: {}           # amounts by year, e.g. {${y1}: 1200000, ${y2}: 900000, ${y3}: 600000}
      milestones: []        # the results each tranche depends on, e.g. [M1, M2]
    - from: ${cc}-ministry
      type: co-financing
      by_year: {}           # the host's share, in cash or in kind, e.g. {${y1}: 300000}
"""),
    ("budget", """
# category: personnel, training, equipment, equipment-refresh, maintenance, licences,
#   evaluation, audit, red-team, travel, overhead, other
budget:
  lines:
    - category: personnel
      by_year: {}           # e.g. {${y1}: 600000, ${y2}: 600000, ${y3}: 600000}
"""),
    ("sunset", """
sunset:
  date:                     # when donor support ends (YYYY-MM-DD), close to the period's end
  handover_to:              # the id of the host institution that takes over
  plan:                     # how it takes over: staff, budget, equipment
"""),
    ("activities", """
# type: training, train-the-trainer, mentorship, secondment, exercise, equipment,
#   policy-support, legal-reform, awareness, research, scholarship, assessment
# delivery: in-person, online, offline, blended; recurrence: once, monthly, quarterly, yearly
# data (of data_flows): personal, threat-intel, incident, aggregate, public
activities:
  - id: A1
    title: "TODO: what the activity does"
    type: training
    led_by: ${cc}-ministry
    partners: []            # ids of the other organisations taking part
    start:                  # YYYY-MM-DD
    end:                    # YYYY-MM-DD
    mandate:                # the mandate it serves: organisation-id/mandate-id
    languages: []           # ISO 639-1 codes of the host's languages, e.g. [en, fr]
    delivery: []            # e.g. [blended]
    recurrence:             # once, monthly, quarterly or yearly
    data_flows: []          # the data it shares, each {data, from, to, basis}, e.g.
                            # [{data: threat-intel, from: ${cc}-cirt, to: donor, basis: "MoU"}]
"""),
    ("governance", """
# kind (bodies): steering-committee, pmu, working-group, advisory-board, secretariat
# kind (relations): reports_to, oversees, advises, decides, audits, employs
governance:
  bodies:
    - id: steering
      kind: steering-committee
      chair: []             # ids of the organisations that chair it
      members: []           # ids of its members
      meets:                # once, monthly, quarterly or yearly
  relations: []             # e.g. [{from: steering, to: ${cc}-ministry, kind: reports_to},
                            #       {from: steering, kind: decides, scope: [priorities]}]
"""),
    ("risk_assessment", """
risk_assessment:
  date:                     # when it was made (YYYY-MM-DD), before the programme starts
  covers: []                # the risks it covers, e.g. [political, data-sovereignty,
                            #   unintended-consequences, human-rights]
"""),
    ("evaluation", """
evaluation:
  independent:              # true or false: independent of those who fund and deliver it
  by:                       # the id of the evaluator
  local:                    # true or false: a host-country evaluator
  schedule: []              # e.g. [baseline, mid-term, final]
  public:                   # true or false: findings published
"""),
    ("indicators", """
indicators:
  - id: I1
    name: "TODO: what is measured"
    kind:                   # process or outcome
    baseline:               # the value today (a number)
    target:                 # the value to reach
    unit:                   # e.g. hours, people
    owner:                  # the id of the host institution that measures it
"""),
    ("procurement", """
procurement:
  method:                   # open-tender, restricted or direct
  safeguards: []            # e.g. [conflict-of-interest-declarations, external-audit]
"""),
    ("accountability", """
accountability:
  grievance_mechanism:      # how affected people raise a complaint
  reporting:
    cadence:                # once, monthly, quarterly or yearly
    public_dashboard:       # true or false
"""),
    ("waivers", """
waivers: []                 # e.g. [{rule: OWN-04, reason: "...", approved_by: ${cc}-ministry,
                            #        expires: ${y1}-06-30}]
"""),
)
