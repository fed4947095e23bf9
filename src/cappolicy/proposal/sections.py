"""What each top-level section of a proposal is for, and the principles that need it.

Written for people: `cappolicy init` puts it in the skeleton's comments and
`cappolicy schema` in the descriptions an editor shows. The principle ids are the
design card's; tests check that the ids exist and that every principle the
baseline rules name is here."""

from __future__ import annotations

import attrs


@attrs.frozen
class Section:
    purpose: str
    principles: tuple[str, ...] = ()


SECTIONS: dict[str, Section] = {
    "cappolicy": Section("The format version of this file; always 1."),
    "id": Section("A short, stable id of the proposal, used in every report."),
    "title": Section("What the programme does, in one line."),
    "host_country": Section(
        "The country that hosts the programme (ISO 3166-1 alpha-2; XA to XZ for illustrative "
        "countries). It chooses the ruleset the proposal is checked against."),
    "period": Section("When the programme starts and ends.",
                      ("sunset-and-exit", "risk-management")),
    "alignment": Section(
        "Where the programme sits in the host's own plans: the national strategy and its "
        "objectives, and the needs assessment it answers.",
        ("national-alignment", "needs-assessment")),
    "organisations": Section(
        "Every party, host institutions first: ministries, regulators, the CERT, parliament, "
        "civil society, industry, academia, then donors and implementers. Their ids are "
        "referenced everywhere else; mandates are the statutory duties activities serve.",
        ("local-ownership", "inclusive-participation", "mandate-alignment",
         "cert-strengthening")),
    "roles": Section(
        "Which organisations design, implement and evaluate the programme.",
        ("local-ownership",)),
    "funding": Section(
        "Who pays how much in which year: donors' grants and the host's co-financing, "
        "in cash or in kind, tied to milestones.",
        ("co-financing", "sunset-and-exit", "multi-year-budget")),
    "budget": Section(
        "What the money is spent on, by category and year, including upkeep after the "
        "purchase (maintenance, equipment refresh).",
        ("multi-year-budget",)),
    "sunset": Section(
        "When donor support ends, which host institution takes over, and how.",
        ("sunset-and-exit",)),
    "activities": Section(
        "What the programme does: each activity's type, who leads it, the mandate it serves, "
        "its languages and delivery, and the data it shares.",
        ("mandate-alignment", "local-ownership", "knowledge-transfer", "language-access",
         "data-protection", "regional-cooperation")),
    "governance": Section(
        "The bodies the programme sets up, who chairs and sits on them, and whom they report "
        "to: every body answers to a host authority and decisions stay with the host.",
        ("decision-rights", "no-parallel-mechanisms")),
    "risk_assessment": Section(
        "The risk assessment made before the programme starts, and the risks it covers.",
        ("risk-management", "human-rights")),
    "evaluation": Section(
        "Who evaluates the programme, how independently, when, and whether the results "
        "are published.",
        ("independent-evaluation",)),
    "indicators": Section(
        "How progress is measured: process and outcome indicators with baselines and targets, "
        "owned by host institutions.",
        ("measurable-outcomes",)),
    "procurement": Section(
        "How goods and services are bought, and the safeguards against corruption.",
        ("procurement-integrity",)),
    "accountability": Section(
        "How affected people raise grievances, and how progress is reported to the public.",
        ("accountability",)),
    "waivers": Section(
        "Exceptions to a rule, each approved by a public institution of the host, with a "
        "reason and an expiry date. A waived rule is reported as waived, never as passed."),
}


def describe(name: str) -> str:
    """The purpose of a top-level section and the principles that need it, in one text."""
    section = SECTIONS.get(name)
    if section is None:
        return ""
    if not section.principles:
        return section.purpose
    return f"{section.purpose} Principles: {', '.join(section.principles)}."
