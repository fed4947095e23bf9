"""Every report says what the text report says of the ruleset a proposal was checked
against, passing or failing: its note (a project's own `national/xa` that hides the shipped
one) and what the verdict owes to a layer's relaxations (a looser param, a disabled rule).

Each case is a project of its own, as a stranger could put beside a proposal: `.git/`, a
`cappolicy.toml` naming a `rules` folder, and `rules/national/xa.cpol` extending
`regional/aec`, which relaxes a param in one project and disables rules in the other.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_ci_formats import junit_schema, parse_command, sarif_schema_errors

from cappolicy.base.record import replace
from cappolicy.base.span import Span
from cappolicy.cli.main import main
from cappolicy.engine.findings import Finding
from cappolicy.render import ProposalResult, Report, render
from cappolicy.render.markdown import md_text, render_markdown

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "proposals"
AS_OF = "2027-01-15"
HIDES = "national/xa is read from rules/national/xa.cpol, which hides the shipped national/xa"

HEAD = 'ruleset xa "Arcadia, as the project has it"\nversion "1"\nextends regional/aec\n' \
       "jurisdiction XA\n\n"
RULESETS = {
    # min_co_financing is 15% in regional/aec (the baseline's); 5% is looser
    "relaxes": HEAD + 'set min_co_financing = 5%\n    because "Public Finance Act, s.1"\n',
    "disables": HEAD + "".join(f'disable {rule}\n    because "Procurement law, s.3"\n'
                               for rule in ("FIN-01", "PROC-01", "PROC-02")),
}
#: what the text report says of each project's ruleset, for both proposals
RELAXED = {
    "relaxes": "national/xa: passes FIN-01 only because national/xa allows "
               "min_co_financing = 5% instead of 15%",
    "disables": "national/xa: FIN-01 disabled by national/xa",
}
FORMATS = ("github", "markdown", "sarif", "junit")


def _edited(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def _proposals() -> dict[str, str]:
    """xa-cirt-good.yaml with 10% co-financing from the Treasury (below the 15% of
    regional/aec, above the project's 5%), which passes; and the same with a sunset 18
    months after its end, which fails SUN-01."""
    good = (EXAMPLES / "xa-cirt-good.yaml").read_text(encoding="utf-8")
    low = _edited(good, "by_year: {2027: 1200000, 2028: 900000, 2029: 600000}",
                  "by_year: {2027: 1400000, 2028: 1250000, 2029: 1000000}")
    low = _edited(low, "by_year: {2027: 300000, 2028: 450000, 2029: 600000}",
                  "by_year: {2027: 100000, 2028: 150000, 2029: 150000}")
    late = _edited(low, "sunset: {date: 2029-12-31,", "sunset: {date: 2031-06-30,")
    return {"pass": low, "fail": late}


@pytest.fixture(params=sorted(RULESETS))
def project(request: pytest.FixtureRequest, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    kind: str = request.param
    root = tmp_path / kind
    (root / ".git").mkdir(parents=True)  # the project's root: nothing above it is read
    (root / "rules" / "national").mkdir(parents=True)
    (root / "cappolicy.toml").write_text('rulesets = ["rules"]\n', encoding="utf-8")
    (root / "rules" / "national" / "xa.cpol").write_text(RULESETS[kind], encoding="utf-8")
    (root / "proposals").mkdir()
    for name, text in _proposals().items():
        (root / "proposals" / f"{name}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    return kind, root


def check(target: str, fmt: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", target, "--as-of", AS_OF, "--format", fmt,
                                       "--no-color", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    return result.exit_code, result.stdout


def text_says(target: str) -> tuple[list[str], list[str]]:
    """The text report's `note` and `relaxed` lines of a one-proposal run."""
    _, out = check(target, "text")
    notes = re.findall(r"^  note +(.*)$", out, re.MULTILINE)
    relaxed = re.findall(r"^  relaxed +(.*)$", out, re.MULTILINE)
    return notes, relaxed


@pytest.mark.parametrize("verdict", ["pass", "fail"])
def test_the_text_report_says_it_for_both_proposals(project: tuple[str, Path],
                                                   verdict: str) -> None:
    kind, _ = project
    code, _ = check(f"proposals/{verdict}.yaml", "text")
    assert code == (0 if verdict == "pass" else 1)
    assert text_says(f"proposals/{verdict}.yaml") == ([HIDES], [RELAXED[kind]])


@pytest.mark.parametrize("verdict", ["pass", "fail"])
@pytest.mark.parametrize("fmt", [*FORMATS, "json", "html"])
def test_every_format_says_what_the_text_report_says(project: tuple[str, Path], fmt: str,
                                                    verdict: str) -> None:
    kind, _ = project
    target = f"proposals/{verdict}.yaml"
    notes, relaxed = text_says(target)
    assert (notes, relaxed) == ([HIDES], [RELAXED[kind]])
    code, out = check(target, fmt)
    assert code == (0 if verdict == "pass" else 1)
    SAYS[fmt](out, target, notes[0], relaxed)


def github_says(out: str, file: str, note: str, relaxed: list[str]) -> None:
    commands = [parse_command(line) for line in out.split("\n") if line.startswith("::")]
    said = [(kind, props, message) for kind, props, message in commands
            if props.get("title") == "ruleset national/xa"]
    assert len(said) == 1, out
    kind, props, message = said[0]
    assert kind == "notice" and props == {"file": file, "title": "ruleset national/xa"}
    assert message.split("\n") == [f"note: {note}", *(f"relaxed: {line}" for line in relaxed)]
    # ahead of any other notice (GitHub keeps only the first few of each kind) but the
    # run's one line of what it read
    notices = [props for kind, props, _ in commands if kind == "notice"]
    assert [n["title"] for n in notices[:2]] == [INPUTS, "ruleset national/xa"]
    assert out.rstrip("\n").split("\n")[-1].startswith("total ")


def markdown_says(out: str, file: str, note: str, relaxed: list[str]) -> None:
    head, _, section = out.partition("\n### ")
    assert section, out  # a section for the proposal, passing or not
    lines = section.split("\n")
    assert f"in `{file}`" in lines[0]
    assert lines[2].startswith("Checked against ruleset `national/xa`: ")
    assert lines[3:3 + 1 + len(relaxed)] == [
        f"*{md_text(note)}*", *(f"*relaxed: {md_text(line)}*" for line in relaxed)]


def sarif_says(out: str, file: str, note: str, relaxed: list[str]) -> None:
    doc = json.loads(out)
    assert sarif_schema_errors(doc) == []
    run = doc["runs"][0]
    [invocation] = run["invocations"]
    said = invocation["toolConfigurationNotifications"]
    assert [n["message"]["text"] for n in said] == \
        [note, *(f"relaxed: {line}" for line in relaxed)]
    for n in said:
        assert n["level"] == "note"
        location = n["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": file, "uriBaseId": "%SRCROOT%"}
        assert n["properties"]["ruleset"] == "national/xa"
    assert [n["properties"]["kind"] for n in said] == ["note"] + ["relaxed"] * len(relaxed)
    [proposal] = run["properties"]["proposals"]
    assert proposal["rulesetNote"] == note and proposal["relaxed"] == relaxed


def junit_says(out: str, file: str, note: str, relaxed: list[str]) -> None:
    junit_schema().validate(out)
    [suite] = ET.fromstring(out).findall("testsuite")
    properties = [(p.get("name"), p.get("value")) for p in suite.findall("properties/property")]
    assert ("ruleset_note", note) in properties
    assert [v for k, v in properties if k == "relaxed"] == relaxed
    assert (suite.findtext("system-out") or "").split("\n") == \
        [f"note: {note}", *(f"relaxed: {line}" for line in relaxed)]


def json_says(out: str, file: str, note: str, relaxed: list[str]) -> None:
    import jsonschema

    from cappolicy.render.jsonfmt import load_schema

    data = json.loads(out)
    jsonschema.Draft202012Validator(load_schema()).validate(data)
    result = data["results"][0]
    assert (result["file"], result["ruleset_note"], result["relaxed"]) == (file, note, relaxed)


def html_says(out: str, file: str, note: str, relaxed: list[str]) -> None:
    import html

    said = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in
            re.findall(r'<p class="note">(.*?)</p>', out, re.DOTALL)]
    assert said == [f"note {note}", *(f"relaxed {line}" for line in relaxed)]


SAYS = {"github": github_says, "markdown": markdown_says, "sarif": sarif_says,
        "junit": junit_says, "json": json_says, "html": html_says}


def test_every_report_of_one_run_says_it(project: tuple[str, Path], tmp_path: Path) -> None:
    """`--output FORMAT=FILE` writes what `--format FORMAT` does: with both proposals."""
    kind, _ = project
    out = tmp_path / "reports"
    outputs = [f"--output={fmt}={out / fmt}" for fmt in FORMATS]
    code, _ = check("proposals", "text", *outputs)
    assert code == 1
    for fmt in FORMATS:
        written = (out / fmt).read_text(encoding="utf-8")
        assert written == check("proposals", fmt)[1]
        if fmt == "github":  # `%` is written `%25`
            written = "\n".join(parse_command(line)[2] for line in written.split("\n")
                                 if line.startswith("::"))
        shown = md_text(RELAXED[kind]) if fmt == "markdown" else RELAXED[kind]
        assert written.count(shown) == 2 * (2 if fmt in ("sarif", "junit") else 1), fmt
        assert written.count("which hides the shipped national/xa") >= 2, fmt


def test_the_markdown_note_is_in_the_reader_s_language(project: tuple[str, Path]) -> None:
    _, out = check("proposals/pass.yaml", "markdown", "--lang", "fr")
    assert "*assoupli\u202f: national/xa\u202f: " in out  # the label and colons of French
    assert "qui masque le national/xa" in out


def test_the_shipped_rulesets_add_nothing(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A proposal checked against the shipped rulesets, which relax nothing it relies on,
    gets no note in any format: these reports are as they were."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "p.yaml").write_bytes((EXAMPLES / "xa-cirt-good.yaml").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert text_says("p.yaml") == ([], [])
    _, github = check("p.yaml", "github")
    inputs, _, rest = github.partition("\n")
    assert inputs.startswith(f"::notice title={INPUTS}::") and rest.startswith("total PASS")
    _, markdown = check("p.yaml", "markdown")
    assert "###" not in markdown and "relaxed" not in markdown
    _, sarif = check("p.yaml", "sarif")
    doc = json.loads(sarif)["runs"][0]
    assert "toolConfigurationNotifications" not in doc["invocations"][0]
    assert set(doc["properties"]["proposals"][0]) == {"file", "proposal", "ruleset", "verdict"}
    _, junit = check("p.yaml", "junit")
    assert "<system-out>" not in junit and 'name="relaxed"' not in junit


# --- the renderers, from a report made in memory ----------------------------------------------


FILE = "proposals/x,y:z.yaml"
#: the title of the notice that says what the run read, first of the notices
INPUTS = "cappolicy inputs"
HOSTILE = "50% done,\r\n::error file=evil.yaml::pwned *bold* <b>"


def _report(**said: Any) -> Report:
    passed = Finding(rule="FIN-01", title="Host-country co-financing meets the minimum",
                     principle="co-financing", source=None, severity="must", outcome="pass",
                     file=FILE, span=Span(FILE, 1, 1), path="funding", message="ok", hint=None,
                     evidence=(), ruleset="national/xd")
    result = ProposalResult(file=FILE, proposal_id="P-1", host_country="XD",
                            ruleset="national/xd", findings=(passed,), **said)
    return Report(results=(result,), errors=(), fail_on="must", as_of=dt.date(2027, 1, 15),
                  tool_version="0.1.0")


def test_relaxed_lines_alone_are_said_too() -> None:
    """A project ruleset of an id the shipped rulesets do not have hides nothing (no
    note), but what it disables is still said."""
    report = _report(relied_on=("national/xd: PROC-02 disabled by national/xd",))
    inputs, line = render(report, "github").split("\n")[:-1]
    assert inputs.startswith(f"::notice title={INPUTS}::")
    assert parse_command(line)[2] == "relaxed: national/xd: PROC-02 disabled by national/xd"
    assert "*relaxed: national/xd: PROC-02 disabled by national/xd*" in \
        render_markdown(report)
    sarif = json.loads(render(report, "sarif"))
    assert sarif_schema_errors(sarif) == []
    [said] = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert said["properties"]["kind"] == "relaxed"
    junit = render(report, "junit")
    junit_schema().validate(junit)
    assert ET.fromstring(junit).findtext("testsuite/system-out") == \
        "relaxed: national/xd: PROC-02 disabled by national/xd"


def test_a_hostile_note_stays_in_its_place() -> None:
    report = _report(ruleset_note=HOSTILE, relied_on=(HOSTILE,))
    lines = render(report, "github").split("\n")
    assert len(lines) == 3 and lines[2].startswith("total ")  # nothing injected
    assert lines[0].startswith(f"::notice title={INPUTS}::")
    kind, props, message = parse_command(lines[1])
    assert kind == "notice" and props["file"] == FILE
    assert message == "note: 50% done,\\r\n::error file=evil.yaml::pwned *bold* <b>\n" \
                      "relaxed: 50% done,\\r\n::error file=evil.yaml::pwned *bold* <b>"
    markdown = render_markdown(report)
    assert "<b>" not in markdown and "\\*bold\\*" in markdown
    assert sarif_schema_errors(json.loads(render(report, "sarif"))) == []
    junit = render(report, "junit")
    junit_schema().validate(junit)
    assert "\\r" in (ET.fromstring(junit).findtext("testsuite/system-out") or "")


def test_a_cut_markdown_report_keeps_the_notes_that_fit() -> None:
    """Past the point where findings are left out for length, a later proposal's note
    is still shown."""
    many = tuple(Finding(rule="FIN-01", title="Co-financing", principle="co-financing",
                         source=None, severity="must", outcome="fail", file="a.yaml",
                         span=Span("a.yaml", n + 1, 1), path=f"activities[{n}]",
                         message="x" * 300, hint=None,
                         evidence=(), element=f"A{n}", ruleset="baseline")
                 for n in range(200))
    first = ProposalResult(file="a.yaml", proposal_id="A", host_country="XA",
                           ruleset="baseline", findings=many)
    noted = _report(ruleset_note=HIDES).results[0]
    report = Report(results=(first, noted), errors=(), fail_on="must",
                    as_of=dt.date(2027, 1, 15), tool_version="0.1.0")
    md = render_markdown(report, max_chars=20_000)
    assert len(md) <= 20_000 and "more findings not shown" in md
    assert f"*{md_text(HIDES)}*" in md


def test_a_cut_markdown_report_says_how_many_notes_it_left_out() -> None:
    """When even the notes do not fit, the comment says so: it never drops silently
    what a project's own layer or a relaxation did to a verdict."""
    noted = _report(ruleset_note=HIDES).results[0]
    results = tuple(replace(noted, file=f"p{n}.yaml", proposal_id=f"P{n}") for n in range(400))
    report = Report(results=results, errors=(), fail_on="must",
                    as_of=dt.date(2027, 1, 15), tool_version="0.1.0")
    md = render_markdown(report, max_chars=30_000)
    shown = md.count(f"*{md_text(HIDES)}*")
    assert len(md) <= 30_000 and 0 < shown < 400
    assert f"nor what the ruleset says of {400 - shown} proposals" in md
