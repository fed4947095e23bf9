"""The IATI codelists the mapping reads (IATI Standard 2.0x, non-embedded and embedded
codelists), as data, and what IATI does not publish.

Kept apart from the mapping so that the loader can relax what it requires of an
imported proposal without importing the XML reader."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..base.deferred import N_
from ..base.errors import Diagnostic
from ..base.patterns import lazy

#: OrganisationType code -> format v1 organisation kind (None: no kind follows)
ORGANISATION_TYPE: dict[str, tuple[str, str | None]] = {
    "10": ("Government", "ministry"),  # of the host; a foreign government is a donor
    "11": ("Local Government", "ministry"),
    "15": ("Other Public Sector", "ministry"),
    "21": ("International NGO", "ngo"),
    "22": ("National NGO", "ngo"),
    "23": ("Regional NGO", "ngo"),
    "24": ("Partner Country based NGO", "ngo"),
    "30": ("Public Private Partnership", "industry"),
    "40": ("Multilateral", "international-org"),
    "60": ("Foundation", "donor"),
    "70": ("Private Sector", "industry"),
    "71": ("Private Sector in Provider Country", "industry"),
    "72": ("Private Sector in Aid Recipient Country", "industry"),
    "73": ("Private Sector in Third Country", "industry"),
    "80": ("Academic, Training and Research", "academia"),
    "90": ("Other", None),
}
#: kinds that name a public body: of a country other than the host, one is a donor
PUBLIC_TYPES = frozenset({"10", "11", "15"})

#: OrganisationRole code -> (name, format v1 role, or None)
ORGANISATION_ROLE: dict[str, tuple[str, str | None]] = {
    "1": ("Funding", None),  # funding.sources
    "2": ("Accountable", "design"),
    "3": ("Extending", "design"),
    "4": ("Implementing", "implementation"),
}

#: ActivityDateType: 1 planned start, 2 actual start, 3 planned end, 4 actual end
START_DATES = ("2", "1")  # actual before planned
END_DATES = ("4", "3")

#: TransactionType codes read as funding
INCOMING_FUNDS = "1"
OUTGOING_COMMITMENT = "2"
INCOMING_COMMITMENT = "11"
TRANSACTION_TYPE = {
    "1": "Incoming Funds", "2": "Outgoing Commitment", "3": "Disbursement",
    "4": "Expenditure", "5": "Interest Payment", "6": "Loan Repayment",
    "7": "Reimbursement", "8": "Purchase of Equity", "9": "Sale of Equity",
    "10": "Credit Guarantee", "11": "Incoming Commitment", "12": "Outgoing Pledge",
    "13": "Incoming Pledge",
}

#: DocumentCategory codes the mapping reads
EVALUATION_DOCUMENTS = {"A07": "Review of project performance and evaluation",
                        "B14": "Evaluations policy"}
TENDER_DOCUMENT = "A10"  # Tender
CONTRACT_DOCUMENT = "A11"  # Contract
PROCUREMENT_DOCUMENTS = {"A10": "Tender", "A11": "Contract",
                         "B05": "Procurement Policy and Procedure"}

#: ResultType: the kind an indicator of that result has
RESULT_TYPE = {"1": "output", "2": "outcome", "3": "impact", "9": "other"}

#: FinanceType groups: 1xx grants, 4xx loans (read as the funding source's type)
FINANCE_GROUP = {"1": "grant", "4": "loan", "5": "equity", "6": "debt-relief"}

#: RelatedActivityType: 1 parent, 2 child, 3 sibling, 4 co-funded, 5 third party
CHILD = "2"

#: OECD DAC donor codes of the DAC members that are countries -> their country. An
#: identifier XM-DAC-nn names the donor as a whole, XM-DAC-nn-mm one of its agencies
#: (IATI's OrganisationRegistrationAgency codelist, entry XM-DAC: "XM-DAC-1-8 identifies
#: the Austrian (1) Development Agency (8)"); a code of five digits is a channel (a
#: multilateral body, XM-DAC-41301 FAO), not a country. The codes and countries are the
#: DAC members of the OECD's CRS codelists, as github.com/datasets/dac-crs-codes
#: (data/dac_members.csv) holds them; member 918, EU Institutions, is no country.
DAC_DONOR = {
    "1": "AT", "2": "BE", "3": "DK", "4": "FR", "5": "DE", "6": "IT", "7": "NL", "8": "NO",
    "9": "PT", "10": "SE", "11": "CH", "12": "GB", "18": "FI", "20": "IS", "21": "IE",
    "22": "LU", "40": "GR", "50": "ES", "61": "SI", "68": "CZ", "69": "SK", "75": "HU",
    "76": "PL", "301": "CA", "302": "US", "701": "JP", "742": "KR", "801": "AU", "820": "NZ",
}
#: registration-agency prefixes that are not countries, as IATI's
#: OrganisationRegistrationAgency codelist (IATI/IATI-Codelists-NonEmbedded) has them:
#: XI international lists (XI-IATI, XI-LEI, ...), XM multilateral lists (XM-DAC,
#: XM-OCHA), XR regional lists (XR-EUCB, XR-NUTS), XE example data (XE-EXAMPLE). Not XK:
#: XK-COA is Kosovo's chart of accounts, a country's list.
NOT_COUNTRIES = frozenset({"XI", "XM", "XR", "XE"})


def dac_donor_country(number: str) -> str | None:
    """The country of an XM-DAC identifier's number: a donor's (`7`) or one of its
    agencies' (`1-8`); None for a channel or a donor that is no country."""
    return DAC_DONOR.get(number.split("-", 1)[0])


#: an organisation identifier: country of its registration agency, agency, number
IDENTIFIER = lazy(r"([A-Z]{2})-([A-Za-z0-9]+)-(.+)")


# --- what IATI does not publish -----------------------------------------------------------

#: The top-level extension key of a proposal made from an IATI activity.
MARK = "x-iati"


def from_iati(data: Mapping[str, Any]) -> bool:
    """Whether `data` is a proposal made from an IATI activity: its MARK is the mapping
    the reader and `import iati` write. Only such a proposal has what IATI never
    publishes read as unknown rather than absent (report/iati.py); any other value of
    the key is an extension like any other."""
    return isinstance(data.get(MARK), Mapping)

#: What a missing field is, said for the publisher: the first pattern matching a
#: finding's missing path names it. Compiled when first searched (re keeps them): a check
#: of YAML proposals imports this module and never asks.
TOPICS: tuple[tuple[str, str], ...] = (
    (r"^governance", N_("governance bodies and their reporting lines")),
    (r"data_flows", N_("data flows (what data is shared, with whom, on what basis)")),
    (r"^sunset", N_("a sunset and exit plan (date, handover, plan)")),
    (r"^risk_assessment", N_("a risk assessment")),
    (r"^alignment", N_("alignment with the national strategy and a needs assessment")),
    (r"^accountability", N_("grievance and public reporting arrangements")),
    (r"^evaluation", N_("who evaluates, and how independently")),
    (r"^procurement", N_("the procurement method and its safeguards")),
    (r"^indicators", N_("indicators with baselines and targets")),
    (r"^(funding|budget)", N_("funding and budget by year")),
    (r"organisations.*\.(country|kind)|\.country$|\.kind$",
     N_("the country and kind of each organisation")),
    (r"mandate", N_("the statutory mandates of the national bodies")),
    (r"^roles", N_("who designs, implements and evaluates")),
    (r"^activities", N_("the activities, their type, lead and languages")),
    (r"^host_country", N_("the host country (only a region is published)")),
    (r"^period", N_("the start and end dates")),
)


def topic(missing: str) -> str:
    for pattern, text in TOPICS:
        if re.search(pattern, missing):
            return text
    return missing


def claimed(span: Any) -> Diagnostic:
    """The warning on a proposal file (YAML or JSON) that says it was imported from IATI:
    it changes what a missing clause gives, so the report says so where it is claimed."""
    return Diagnostic(
        "CP468", N_("this proposal says it was imported from IATI ({mark}): a clause IATI "
                    "does not publish is unknown here, where a proposal written by hand "
                    "fails without it", mark=MARK), span,
        N_("remove {mark} to check the file as a proposal written by hand", mark=MARK),
        level="warning")


def unpublished(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Of an IATI proposal's diagnostics, those left when a missing required field is not
    an error: IATI does not publish it, so the rules that read it give `unknown`, and the
    report groups them as what to ask the publisher for (TOPICS). The extension field
    MARK is meant, so it gets no warning."""
    return [d for d in diagnostics
            if not (d.code == "CP405" and d.message.startswith("missing required"))
            and not (d.code == "CP412" and f"'{MARK}'" in d.message)]
