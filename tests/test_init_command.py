"""`cappolicy init`: a skeleton that loads, covers format v1 and fails the rules helpfully."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cappolicy.base.resources import shipped_rulesets
from cappolicy.cli.main import main
from cappolicy.lang.types import ListT, RecordT, Type
from cappolicy.proposal import schema
from cappolicy.proposal.load import load_proposal_text
from cappolicy.proposal.model import Proposal
from cappolicy.proposal.sections import SECTIONS
from cappolicy.proposal.skeleton import skeleton

# The principle ids of the design card.
PRINCIPLES = {
    "local-ownership", "inclusive-participation", "national-alignment", "needs-assessment",
    "mandate-alignment", "no-parallel-mechanisms", "decision-rights", "knowledge-transfer",
    "co-financing", "sunset-and-exit", "multi-year-budget", "procurement-integrity",
    "data-protection", "cert-strengthening", "risk-management", "independent-evaluation",
    "measurable-outcomes", "accountability", "language-access", "human-rights",
    "regional-cooperation",
}


def load(text: str) -> Proposal:
    return load_proposal_text(text, "skeleton.yaml")


@pytest.mark.parametrize("country", ["XX", "XA", "KE", "NO", "XZ"])
def test_the_skeleton_loads_without_errors_or_warnings(country: str) -> None:
    proposal = load(skeleton(country, dt.date(2026, 5, 1)))
    assert proposal.warnings == ()
    assert proposal.host_country == country
    assert proposal.data["period"] == {"start": dt.date(2027, 1, 1), "end": dt.date(2029, 12, 31)}


def test_the_skeleton_shows_every_field_of_format_v1() -> None:
    """Every field of every record the skeleton holds is written out (empty values
    included), so people see the whole format; empty lists show an example instead."""
    proposal = load(skeleton("XA", dt.date(2026, 5, 1)))
    missing: list[str] = []

    def walk(t: Type, path: tuple[Any, ...]) -> None:
        if isinstance(t, RecordT):
            for field in t.fields:
                here = (*path, field.name)
                if (*here, "<key>") not in proposal.positions:
                    missing.append(".".join(map(str, here)))
                else:
                    walk(field.type, here)
        elif isinstance(t, ListT) and proposal.lookup(path):
            walk(t.item, (*path, 0))

    walk(schema.PROPOSAL, ())
    assert missing == []


def test_each_section_has_a_comment_with_its_purpose_and_principles() -> None:
    lines = skeleton("XA").splitlines()
    for name, section in SECTIONS.items():
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
        comment = []
        for line in reversed(lines[:start]):
            if not line.startswith("#"):
                break
            comment.insert(0, line[1:].strip())
        text = " ".join(comment)
        assert text.startswith(f"{name}: "), name
        assert " ".join(section.purpose.split()[:4]).lower() in text.lower(), name
        for principle in section.principles:
            assert principle in text, (name, principle)


def test_the_sections_cover_the_format_and_name_real_principles() -> None:
    assert list(SECTIONS) == schema.PROPOSAL.field_names()
    named = {p for s in SECTIONS.values() for p in s.principles}
    assert named <= PRINCIPLES
    in_baseline = set()
    for path in (shipped_rulesets() / "baseline").glob("*.cpol"):
        in_baseline |= set(re.findall(r"^\s*principle\s+([a-z-]+)", path.read_text(),
                                      re.MULTILINE))
    assert in_baseline, "no principle found in the baseline rules"
    assert in_baseline <= named, f"principles no section names: {in_baseline - named}"


# --- the command -----------------------------------------------------------------------


def test_init_writes_a_skeleton_that_check_fails_with_findings(tmp_path: Path) -> None:
    target = tmp_path / "proposal.yaml"
    result = CliRunner().invoke(main, ["init", str(target), "--country", "XA"])
    assert result.exit_code == 0, result.output
    assert target.is_file()
    checked = CliRunner().invoke(main, ["check", str(target), "--no-color"])
    assert checked.exit_code == 1, checked.output
    assert "Traceback" not in checked.output
    located = rf"^{re.escape(str(target))}:(\d+):\d+: (error|warning)\[([A-Z]+-\d+)\]"
    findings = re.findall(located, checked.output, re.MULTILINE)
    assert len(findings) >= 5, checked.output
    assert {"OWN-01", "ALIGN-01", "GOV-01"} <= {rule for _, _, rule in findings}
    lines = target.read_text(encoding="utf-8").splitlines()
    for line, _, rule in findings:  # every finding points at a line of the skeleton's data
        assert not lines[int(line) - 1].lstrip().startswith("#"), rule


def test_the_skeleton_fails_on_the_baseline_too(tmp_path: Path) -> None:
    target = tmp_path / "p.yml"
    assert CliRunner().invoke(main, ["init", str(target)]).exit_code == 0
    checked = CliRunner().invoke(main, ["check", str(target), "--no-color"])
    assert checked.exit_code == 1, checked.output


def test_country_sets_host_country_and_the_host_ids(tmp_path: Path) -> None:
    target = tmp_path / "proposals" / "ke.yaml"  # the folder is made
    result = CliRunner().invoke(main, ["init", str(target), "--country", "ke"])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    proposal = load(text)
    assert proposal.host_country == "KE"
    assert proposal.data["organisations"][0] == {
        "id": "ke-ministry", "name": "TODO: the host institution that owns the programme",
        "country": "KE", "kind": "ministry", "mandates": [], "funded_by": []}


def test_the_country_defaults_to_the_project_setting(tmp_path: Path) -> None:
    (tmp_path / "cappolicy.toml").write_text('country = "XB"\n', encoding="utf-8")
    target = tmp_path / "p.yaml"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert load(target.read_text(encoding="utf-8")).host_country == "XB"


def test_without_a_file_the_skeleton_is_printed() -> None:
    result = CliRunner().invoke(main, ["init", "--country", "XC"])
    assert result.exit_code == 0, result.output
    assert load(result.output).host_country == "XC"


def test_an_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "proposal.yaml"
    target.write_text("mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 2
    assert "CP422" in result.output and "--force" in result.output
    assert target.read_text(encoding="utf-8") == "mine\n"
    forced = CliRunner().invoke(main, ["init", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert load(target.read_text(encoding="utf-8")).id.endswith("-TODO")


@pytest.mark.parametrize("country", ["QQ", "Netherlands", "X", "XA\nid: 1"])
def test_a_bad_country_is_exit_2_and_writes_nothing(tmp_path: Path, country: str) -> None:
    target = tmp_path / "p.yaml"
    result = CliRunner().invoke(main, ["init", str(target), "--country", country])
    assert result.exit_code == 2
    assert "--country" in result.output
    assert not target.exists()


def test_a_json_file_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "p.json")])
    assert result.exit_code == 2
    assert ".yaml" in result.output


def test_the_skeletons_empty_funding_fails_co_financing_at_the_sources(tmp_path: Path) -> None:
    """Sources with no amounts are no host co-financing: FIN-01 fails at funding.sources,
    where the amounts go, rather than being undecided (0 / 0) at `cappolicy: 1`."""
    target = tmp_path / "proposal.yaml"
    assert CliRunner().invoke(main, ["init", str(target), "--country", "XA"]).exit_code == 0
    checked = CliRunner().invoke(main, ["check", str(target), "--no-color"])
    lines = target.read_text(encoding="utf-8").splitlines()
    [(line, level)] = re.findall(rf"^{re.escape(str(target))}:(\d+):\d+: (\w+)\[FIN-01\]",
                                 checked.output, re.MULTILINE)
    assert level == "error"
    assert lines[int(line) - 1].strip() == "- from: donor"  # the first of funding.sources
    assert "division by zero" not in checked.output
