"""`cappolicy schema`: a JSON Schema of format v1 that agrees with the loader."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from cappolicy.base.errors import ProposalError
from cappolicy.cli.main import main
from cappolicy.lang.types import ListT, RecordT
from cappolicy.proposal import schema
from cappolicy.proposal.json_schema import DIALECT, proposal_schema
from cappolicy.proposal.load import Node, compose_yaml, load_proposal_text
from cappolicy.proposal.skeleton import skeleton

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "proposals").glob("*.yaml"))
GOOD = ROOT / "examples" / "proposals" / "xa-cirt-good.yaml"


def plain(node: Node | None) -> Any:
    """A composed YAML document as JSON data, read as the loader reads it: YAML 1.2
    scalars, dates as their ISO text, keys as text (a year key 2027 becomes "2027")."""
    if node is None:
        return None
    while node.kind == "alias":
        node = node.value
    if node.kind == "map":
        return {str(plain(key)): plain(value) for key, value in node.value}
    if node.kind == "seq":
        return [plain(item) for item in node.value]
    if isinstance(node.value, dt.date):
        return node.value.isoformat()
    return node.text if node.tag == "datetime" else node.value


def read(path: Path) -> Any:
    return plain(compose_yaml(path.read_text(encoding="utf-8"), str(path)))


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(proposal_schema(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors(validator: Draft202012Validator, data: Any) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(data)]


# --- the command -----------------------------------------------------------------------


def test_prints_a_valid_draft_2020_12_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["$schema"] == DIALECT
    Draft202012Validator.check_schema(printed)
    assert printed == proposal_schema()


def test_writes_the_schema_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "proposal.schema.json"
    result = CliRunner().invoke(main, ["schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert json.loads(out.read_text(encoding="utf-8")) == proposal_schema()


def test_a_file_that_cannot_be_written_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "-o", str(tmp_path / "no" / "such" / "x.json")])
    assert result.exit_code == 2
    assert "CP422" in result.output
    assert "Traceback" not in result.output


# --- what the schema says --------------------------------------------------------------


def _records() -> list[RecordT]:
    found: dict[str, RecordT] = {}

    def walk(t: object) -> None:
        if isinstance(t, RecordT) and t.name not in found:
            found[t.name] = t
            for f in t.fields:
                walk(f.type)
        elif isinstance(t, ListT):
            walk(t.item)

    walk(schema.PROPOSAL)
    return list(found.values())


def test_every_record_lists_its_fields_and_required_fields() -> None:
    out = proposal_schema()
    for record in _records():
        body = out if record is schema.PROPOSAL else out["$defs"][record.name.replace(" ", "_")]
        assert list(body["properties"]) == record.field_names(), record.name
        assert body.get("required", []) == [f.name for f in record.fields if f.required]
        assert body["additionalProperties"] is True  # extensions are allowed


def test_enumerations_carry_their_values() -> None:
    defs = proposal_schema()["$defs"]
    for enum in schema.ENUMS:
        assert defs[enum.name.replace(" ", "_")]["enum"] == list(enum.values)


def test_descriptions_come_from_the_field_docs_and_sections() -> None:
    out = proposal_schema()
    organisation = out["$defs"]["organisation"]["properties"]
    assert "the treasury for a national CERT" in organisation["funded_by"]["description"]
    assert "Principles: co-financing" in out["properties"]["funding"]["description"]
    assert out["properties"]["cappolicy"]["const"] == 1


def test_dates_codes_and_years_have_their_shapes() -> None:
    defs = proposal_schema()["$defs"]
    assert defs["date"]["format"] == "date" and defs["date"]["type"] == "string"
    assert defs["country"]["pattern"] == "^[A-Z]{2}$"
    assert defs["language"]["pattern"] == "^[a-z]{2}$"
    assert defs["currency"]["pattern"] == "^[A-Z]{3}$"
    by_year = defs["budget_line"]["properties"]["by_year"]["anyOf"][0]
    assert list(by_year["patternProperties"]) == ["^[0-9]{4}$"]
    assert by_year["additionalProperties"] is False


# --- agreement with the loader ---------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_proposal_validates(path: Path, validator: Draft202012Validator) -> None:
    assert errors(validator, read(path)) == []


def test_the_test_data_validates_in_yaml_and_json(validator: Draft202012Validator) -> None:
    assert errors(validator, read(ROOT / "tests" / "data" / "xa-cirt.yaml")) == []
    data = json.loads((ROOT / "tests" / "data" / "xa-cirt.json").read_text(encoding="utf-8"))
    assert errors(validator, data) == []


def test_the_init_skeleton_validates(validator: Draft202012Validator) -> None:
    text = skeleton("XA", dt.date(2026, 5, 1))
    assert errors(validator, plain(compose_yaml(text, "skeleton.yaml"))) == []


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return edit


def _drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target: Any = data
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return edit


REJECTED = {
    "organisation kind": (_set(("organisations", 0, "kind"), "ministy"), "CP406"),
    "activity type": (_set(("activities", 0, "type"), "workshop"), "CP406"),
    "data kind": (_set(("activities", 0, "data_flows", 0, "data"), "secret"), "CP406"),
    "relation kind": (_set(("governance", "relations", 0, "kind"), "manages"), "CP406"),
    "delivery": (_set(("activities", 0, "delivery"), ["remote"]), "CP406"),
    "budget category": (_set(("budget", "lines", 0, "category"), "salaries"), "CP406"),
    "missing title": (_drop(("title",)), "CP405"),
    "empty title": (_set(("title",), None), "CP405"),
    "missing organisation country": (_drop(("organisations", 0, "country")), "CP405"),
    "missing period end": (_drop(("period", "end")), "CP405"),
    "missing budget category": (_drop(("budget", "lines", 0, "category")), "CP405"),
    "missing waiver reason": (
        _set(("waivers",), [{"rule": "OWN-04", "approved_by": "xa-mict"}]), "CP405"),
    "format version 2": (_set(("cappolicy",), 2), "CP410"),
    "impossible date": (_set(("period", "start"), "2027-02-30"), "CP404"),
    "date with a time": (_set(("sunset", "date"), "2029-12-31T12:00:00"), "CP404"),
    "year key": (_set(("budget", "lines", 0, "by_year"), {"next year": 1}), "CP404"),
    "amount as text": (_set(("budget", "lines", 0, "by_year"), {"2027": "600000"}), "CP404"),
    "country name": (_set(("host_country",), "Arcadia"), "CP409"),
}


def _loader_codes(data: Any) -> set[str]:
    try:
        load_proposal_text(json.dumps(data), "p.json")
    except ProposalError as exc:
        return {d.code for d in exc.diagnostics if d.level == "error"}
    return set()


def test_the_good_example_has_what_the_cases_edit() -> None:
    data = read(GOOD)
    assert data["activities"][0]["data_flows"] and data["governance"]["relations"]
    assert data["organisations"][6]["country"] == "NL"
    assert _loader_codes(data) == set()


@pytest.mark.parametrize("case", REJECTED)
def test_what_the_loader_rejects_the_schema_rejects(
        case: str, validator: Draft202012Validator) -> None:
    edit, code = REJECTED[case]
    data = copy.deepcopy(read(GOOD))
    edit(data)
    assert code in _loader_codes(data)
    assert errors(validator, data), f"the schema accepts a proposal with a bad {case}"


ACCEPTED = {
    "a number as text": _set(("alignment", "objectives"), [3.4, "NCS-2.1"]),
    "an empty optional section": _set(("sunset",), None),
    "an empty optional field": _set(("activities", 0, "recurrence"), None),
    "an extension field": _set(("x-internal-ref",), {"ticket": 12}),
    "Norway": _set(("organisations", 6, "country"), "NO"),
    "a year key as text": _set(("budget", "lines", 0, "by_year"), {"2027": 1.5e5}),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_what_the_loader_accepts_the_schema_accepts(
        case: str, validator: Draft202012Validator) -> None:
    data = copy.deepcopy(read(GOOD))
    ACCEPTED[case](data)
    assert _loader_codes(data) == set()
    assert errors(validator, data) == []
