""""Did you mean" costs time for every misspelt word: within a bound for each file read, so
that a file of thousands of near-miss ids or codes is read in about the time of its size,
and a misspelt code is looked up by name without reading the whole code table each time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cappolicy.base.errors import ProposalError
from cappolicy.proposal.load import load_proposal_text

ROOT = Path(__file__).resolve().parent.parent
GOOD_FILE = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"
GOOD = yaml.safe_load(GOOD_FILE.read_text(encoding="utf-8"))


def problems(data: dict, name: str = "p.json") -> list[tuple[str, str, str | None]]:
    with pytest.raises(ProposalError) as caught:
        load_proposal_text(json.dumps(data, default=str), name)
    return [(d.code, d.message, d.help) for d in caught.value.diagnostics]


def test_a_language_written_by_its_name_is_told_its_code() -> None:
    data = json.loads(json.dumps(GOOD, default=str))
    data["activities"][0]["languages"] = ["French", "german", "spa"]
    helps = {h for code, _, h in problems(data) if code == "CP409"}
    assert {"did you mean 'fr'?", "did you mean 'de'?", "did you mean 'es'?"} <= helps


def test_thousands_of_misspelt_references_are_read_in_bounded_time() -> None:
    # each unknown id was compared with every declared one: 2,000 of them took minutes;
    # the first get a suggestion, the rest are still each reported, at their place
    code = (
        "import json, sys, yaml\n"
        "from cappolicy.base.errors import ProposalError\n"
        "from cappolicy.proposal.load import load_proposal_text\n"
        f"data = yaml.safe_load(open({str(GOOD_FILE)!r}, encoding='utf-8'))\n"
        "data['organisations'] += [{'id': f'partner-org-{i:05d}', 'name': f'Partner {i}',"
        " 'country': 'XA', 'kind': 'ngo'} for i in range(3000)]\n"
        "data['activities'][0]['partners'] = [f'partner-orq-{i:05d}' for i in range(3000)]\n"
        "try:\n"
        "    load_proposal_text(json.dumps(data, default=str), 'p.json')\n"
        "except ProposalError as e:\n"
        "    found = [d for d in e.diagnostics if d.code == 'CP407']\n"
        "    print(len(found), sum(1 for d in found if d.help and 'did you mean' in d.help))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    reported, suggested = map(int, done.stdout.split())
    assert reported == 3000
    assert 0 < suggested < 3000


def test_each_file_read_has_its_own_suggestions() -> None:
    # a file that spent the budget leaves the next file its own
    many = json.loads(json.dumps(GOOD, default=str))
    many["organisations"] += [{"id": f"partner-org-{i:05d}", "name": f"Partner {i}",
                               "country": "XA", "kind": "ngo"} for i in range(400)]
    many["activities"][0]["partners"] = [f"partner-orq-{i:05d}" for i in range(400)]
    spent = [h for code, _, h in problems(many) if code == "CP407"]
    assert spent[-1] is None or "did you mean" not in spent[-1]
    one = json.loads(json.dumps(GOOD, default=str))
    one["activities"][0]["led_by"] = "xa-cirtt"
    assert ("CP407", "did you mean 'xa-cirt'?") in {(c, h) for c, _, h in problems(one)}


@pytest.mark.parametrize(("written", "said"), [
    ("xa-mi\u0107t", None),  # a different letter: only the usual suggestion
    ("xa-m\u0456ct", "'\u0456' here is U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I, "
                     "not 'i'"),
])
def test_an_id_that_looks_like_a_declared_one_is_told_how_it_differs(
        written: str, said: str | None) -> None:
    data = json.loads(json.dumps(GOOD, default=str))
    data["roles"]["design"] = [written if r == "xa-mict" else r for r in data["roles"]["design"]]
    [help_] = [h for code, _, h in problems(data) if code == "CP407"]
    assert help_ is not None and help_.startswith("did you mean 'xa-mict'?")
    if said is not None:
        assert help_.endswith(said)


def test_an_id_written_in_another_unicode_form_is_told_so() -> None:
    """The same accented id, composed where it is declared and decomposed where it is
    referred to (copied from another editor): they look the same, and the help says why
    they are not."""
    import unicodedata

    data = json.loads(json.dumps(GOOD, default=str).replace("xa-mict", "xa-minist\u00e8re"))
    decomposed = unicodedata.normalize("NFD", "xa-minist\u00e8re")
    data["roles"]["design"] = [decomposed if r == "xa-minist\u00e8re" else r
                               for r in data["roles"]["design"]]
    [help_] = [h for code, _, h in problems(data) if code == "CP407"]
    assert help_ is not None and "Unicode NFC and NFD" in help_
