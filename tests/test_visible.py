"""Control characters in proposals, end to end through the real `cappolicy` program.

A value can spell ESC, CR, NUL, NEL, U+2028 or a bidi override (YAML's double quotes
escape them; YAML takes NEL, U+2028/9 and the bidi controls raw, JSON all but C0).
Every report must show them spelled out (or, in JSON, escaped and exact), never let a
value start a line (a CI runner would read `::error::` there as a command), and place
what comes after them on the line and column an editor shows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from cappolicy.base.errors import Diagnostic, SourceCache
from cappolicy.base.span import Span
from cappolicy.base.visible import json_controls, visible
from cappolicy.report.formats import FORMATS as ALL_FORMATS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "proposals" / "xa-closed-procurement.yaml"
WAIVER = ('  - {rule: PROC-01, reason: "Direct award to the vendor of the CIRT\'s existing '
          'platform, to keep licences compatible",\n     approved_by: xa-mict, expires: '
          '2027-12-31}\n')

#: YAML double-quoted escapes: OSC retitle, clear screen, CR LF then workflow commands
#: after a newline, a NEL, a U+2028 and a U+2029; a bidi override and isolate; NUL, a C1
#: CSI, DEL, form feed, vertical tab
HOSTILE_YAML = (r'"\e]0;pwned\a\e[2J\r\n::error::injected\N::add-mask::x\L::stop-commands::tok'
                r'\P\u202eevil\u2066\0\x9b\x7f\f\vend"')
HOSTILE = yaml.safe_load(HOSTILE_YAML)
#: what no report may hold raw: C0 but tab and newline, DEL, C1, U+2028/9, bidi controls
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                 "\u202a-\u202e\u2066-\u2069]")
FORMATS = ALL_FORMATS  # every format, from its registry (render/formats.py)
COMMAND = re.compile(r"::(error|warning|notice) file=[^:]*::|::notice title=cappolicy inputs::")


def editor_position(text: str, offset: int) -> tuple[int, int]:
    """The line and column an editor shows for a character offset: only LF, CRLF and
    CR end a line (written out by hand, not with the splitter under test)."""
    line, start, i = 1, 0, 0
    while i < offset:
        if text[i] == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            i += 1
        if text[i] in "\r\n":
            line, start = line + 1, i + 1
        i += 1
    return line, offset - start + 1


def editor_line(text: str, number: int) -> str:
    lines = re.split("\r\n|\r|\n", text)
    return lines[number - 1]


def check(files: list[Path], out: Path, *args: str) -> tuple[int, dict[str, str]]:
    """Run the installed program (a real process: no test runner between it and its
    output) with every format at once; the outputs as decoded bytes, nothing translated."""
    outputs = [f"--output={fmt}={out / fmt}" for fmt in FORMATS if fmt != "text"]
    done = subprocess.run(
        [sys.executable, "-c", "from cappolicy.cli.entry import main; main()", "check",
         *(str(f.relative_to(out)) for f in files), "--no-color", "--format", "text",
         *outputs, *args],
        capture_output=True, cwd=out, timeout=300)
    assert done.stderr == b"" or b"Traceback" not in done.stderr
    reports = {"text": done.stdout.decode("utf-8")}
    for fmt in FORMATS[1:]:
        reports[fmt] = (out / fmt).read_bytes().decode("utf-8")
    return done.returncode, reports


def hostile_proposals(folder: Path) -> list[Path]:
    """The example with its id and its waiver's reason hostile, in YAML and in JSON, and
    one whose reporting cadence is hostile (a value the loader refuses, and quotes)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert WAIVER in text
    escaped = text.replace("id: XA-SIEM-2027", f"id: {HOSTILE_YAML}").replace(
        "reason: \"Direct award to the vendor of the CIRT's existing platform, to keep "
        "licences compatible\"", f"reason: {HOSTILE_YAML}")
    bad = text.replace("cadence: yearly", f"cadence: {HOSTILE_YAML}")
    (folder / "escaped.yaml").write_text(escaped, encoding="utf-8", newline="")
    (folder / "refused.yaml").write_text(bad, encoding="utf-8", newline="")
    data = yaml.safe_load(escaped)
    assert data["id"] == HOSTILE
    # C0 as \u escapes, the rest (NEL, U+2028, C1, bidi) raw inside the strings
    as_json = json.dumps(data, indent=1, ensure_ascii=False, default=str)
    assert "\u2028" in as_json and "\x85" in as_json
    (folder / "raw.json").write_text(as_json, encoding="utf-8", newline="")
    return [folder / "escaped.yaml", folder / "raw.json", folder / "refused.yaml"]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    return check(hostile_proposals(folder), folder, "--as-of", "2026-11-03")


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_report_holds_a_control_character_raw(
        hostile_run: tuple[int, dict[str, str]], fmt: str) -> None:
    code, reports = hostile_run
    assert code == 2  # refused.yaml
    found = RAW.search(reports[fmt])
    assert found is None, f"{fmt}: raw U+{ord(found.group()):04X}"
    if fmt not in ("json", "sarif"):  # a person reads these: the value is there, spelled out
        assert "pwned\\x07\\x1b" in reports[fmt].replace("\\\\", "\\")  # Markdown doubles `\`


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_value_starts_a_line(hostile_run: tuple[int, dict[str, str]], fmt: str) -> None:
    _, reports = hostile_run
    lines = reports[fmt].removesuffix("\n").split("\n")
    # the hostile value's own line breaks: where they stand, a report line must not begin
    for line in lines:
        assert not line.startswith(("::stop", "::add", "::error::", "injected")), line
    if fmt != "github":
        assert not [line for line in lines if line.startswith("::")]
        return
    commands = [line for line in lines if line.startswith("::")]
    assert all(COMMAND.match(line) for line in commands), commands
    assert lines[-1].startswith("total ") and len(commands) == len(lines) - 1
    # one annotation per reported finding and per diagnostic, none injected
    report = json.loads(reports["json"])
    expected = sum(1 for r in report["results"] for f in r["findings"]
                   if f["outcome"] in ("fail", "unknown", "waived"))
    expected += sum(len(r["warnings"]) for r in report["results"])
    expected += sum(len(e["diagnostics"]) for e in report["errors"])
    assert len(commands) == expected + 1  # and the one notice of what the run read


def test_text_spells_the_value_out_under_its_own_prefix(
        hostile_run: tuple[int, dict[str, str]]) -> None:
    text = hostile_run[1]["text"]
    spelled = ("\\x1b]0;pwned\\x07\\x1b[2J\\r\\n::error::injected\\x85::add-mask::x\\u2028"
               "::stop-commands::tok\\u2029\\u202eevil\\u2066\\x00\\x9b\\x7f\\x0c\\x0bend")
    assert f"== escaped.yaml ({spelled}, host XA) against ruleset national/xa ==" in text
    # the waiver's reason, in its field: its line break kept, the next line indented
    # the runner trims the blanks before a line: `./` keeps `::` from starting it
    assert "  waiver    \\x1b]0;pwned\\x07\\x1b[2J\\r\n            ./::error::injected" in text
    # the refused value, quoted in the diagnostic and its source line
    assert "unknown recurrence '\\x1b]0;pwned\\x07\\x1b[2J\\r\\n::error::injected" in text


def test_junit_stays_well_formed(hostile_run: tuple[int, dict[str, str]]) -> None:
    root = ET.fromstring(hostile_run[1]["junit"])
    names = {suite.get("name") for suite in root.iter("testsuite")}
    assert visible(HOSTILE, newlines=True) in names  # the id, spelled out
    waived = [case.findtext("system-out") or "" for case in root.iter("testcase")]
    assert any("\\x1b]0;pwned" in text for text in waived)


def test_json_and_sarif_give_the_exact_value_back(
        hostile_run: tuple[int, dict[str, str]]) -> None:
    _, reports = hostile_run
    report = json.loads(reports["json"])
    assert [r["proposal"] for r in report["results"]] == [HOSTILE, HOSTILE]
    for result in report["results"]:
        [waived] = [f for f in result["findings"] if f["outcome"] == "waived"]
        assert waived["waiver"].startswith(HOSTILE + " (approved by xa-mict")
    [refused] = report["errors"]
    assert refused["diagnostics"][0]["message"].startswith(
        "unknown recurrence '" + HOSTILE[:15])  # exact, up to the line break clip spells
    sarif = json.loads(reports["sarif"])
    run = sarif["runs"][0]
    assert [p["proposal"] for p in run["properties"]["proposals"]] == [HOSTILE, HOSTILE]
    reasons = [s["justification"] for r in run["results"] for s in r.get("suppressions", [])]
    assert len(reasons) == 2 and all(r.startswith(HOSTILE + " (approved") for r in reasons)
    # escaped the JSON way: `\u2028`, `\u0085`, `\u202e`
    assert "\\u2028" in reports["json"] and "\\u0085" in reports["json"]
    assert "\\u202e" in reports["sarif"]


# --- positions after a raw NEL or U+2028 ------------------------------------------------------


RAW_TITLE = 'title: "Upgrading\u2028the\x85national\u2029CIRT\u202e\'s platform"\n'


def raw_yaml() -> str:
    """The example with raw NEL, U+2028, U+2029 and a bidi override in its title (line
    12) and, before the waiver's expiry date on the same line, in its reason."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("title: Upgrading the national CIRT's monitoring platform\n",
                        RAW_TITLE)
    one_line = ('  - {rule: PROC-01, reason: "Direct\u2028award\x85to\u2029the\u202evendor", '
                'approved_by: xa-mict, expires: 2027-12-31}\n')
    return text.replace(WAIVER, one_line)


def raw_json() -> str:
    data = yaml.safe_load(raw_yaml())
    return json.dumps(data, indent=1, ensure_ascii=False, default=str)


@pytest.mark.parametrize("name, text, method, expires", [
    ("raw.yaml", raw_yaml(), "method: direct", "expires: 2027-12-31"),
    ("raw.json", raw_json(), '"method": "direct"', '"expires": "2027-12-31"'),
    ("crlf.yaml", raw_yaml().replace("\n", "\r\n"), "method: direct", "expires: 2027-12-31"),
])
def test_positions_after_raw_line_separators_are_an_editors(
        tmp_path: Path, name: str, text: str, method: str, expires: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    # after the waiver expired: PROC-01 fails at the method, WAIVER-02 at the expiry date
    code, reports = check([path], tmp_path, "--as-of", "2028-01-01")
    assert code == 1
    method_at = editor_position(text, text.index(method) + method.index(": ") + 2)
    expires_at = editor_position(text, text.index(expires) + expires.index(": ") + 2)
    findings = {f["rule"]: f for f in json.loads(reports["json"])["results"][0]["findings"]}
    for rule, (line, column) in (("PROC-01", method_at), ("WAIVER-02", expires_at)):
        assert (findings[rule]["line"], findings[rule]["column"]) == (line, column), rule
        assert f"{name}:{line}:{column}: warning[{rule}]" in reports["text"]
        assert re.search(rf"::warning file={name},line={line},endLine={line},col={column},"
                         rf"(endColumn=[0-9]+,)?title={rule}", reports["github"])
    sarif = json.loads(reports["sarif"])
    regions = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]
               for r in sarif["runs"][0]["results"]}
    assert (regions["WAIVER-02"]["startLine"], regions["WAIVER-02"]["startColumn"]) == expires_at


def test_a_yaml_error_after_a_raw_line_separator_is_placed_and_quoted(tmp_path: Path) -> None:
    text = f"cappolicy: 1\n{RAW_TITLE}id: [unclosed\nhost_country: XA\n"
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8", newline="")
    code, reports = check([path], tmp_path)
    assert code == 2
    [error] = json.loads(reports["json"])["errors"]
    line = error["diagnostics"][0]["line"]
    assert line == 4  # where the parser gave up, as an editor counts: not line 6 or 7
    assert f"   {line} | {visible(editor_line(text, line))}\n" in reports["text"]


@pytest.mark.parametrize("control, code_point", [("\x1b", "001B"), ("\x0c", "000C")])
def test_a_forbidden_character_is_quoted_spelled_out_under_its_caret(
        tmp_path: Path, control: str, code_point: str) -> None:
    text = f"cappolicy: 1\n{RAW_TITLE}id: XA{control}[2J-1\nhost_country: XA\n"
    path = tmp_path / "control.yaml"
    path.write_text(text, encoding="utf-8", newline="")
    code, reports = check([path], tmp_path)
    assert code == 2
    spelled = visible(control)
    assert (f"control.yaml:3:7: error[CP402]: invalid YAML: control character U+{code_point} "
            f"is not allowed\n"
            f"   3 | id: XA{spelled}[2J-1\n"
            f"             {'^' * len(spelled)}\n") in reports["text"]


# --- the pieces --------------------------------------------------------------------------------


def test_visible_spells_out_and_keeps_newlines_only_when_asked() -> None:
    assert visible("a\x1b[2Jb\r\n\x00\x85\u2028\u202e\t") == \
        "a\\x1b[2Jb\\r\\n\\x00\\x85\\u2028\\u202e\t"
    assert visible("one\ntwo\r", newlines=True) == "one\ntwo\\r"
    plain = "plain text, 100% ASCII and ünïcödé"
    assert visible(plain) == plain
    for text in ("\x1b\n", "\u2028", "a\x85b", "p\udcff"):
        assert visible(visible(text)) == visible(text)
    # a file name's bytes that are no UTF-8 (os.fsdecode) are shown as those bytes;
    # any other lone surrogate by its code point: never raw, which no UTF-8 can hold
    assert visible(os.fsdecode(b"p\xff\xfe.yaml")) == "p\\xff\\xfe.yaml"
    assert visible("a\ud800b") == "a\\ud800b"
    visible("x\udc80\ud800\udfff").encode("utf-8")


def test_json_controls_keep_the_value() -> None:
    value = {"k\u2028": "\x7f\x85\x9b\u2029\u202a\u2069 and \x1b"}
    text = json_controls(json.dumps(value, ensure_ascii=False))
    assert RAW.search(text) is None
    assert json.loads(text) == value


def test_a_diagnostic_quotes_the_line_an_editor_numbers(tmp_path: Path) -> None:
    text = "one\x0ctwo\x85\u2028three\r\nfour\rfive\x1b\nsix"
    sources = SourceCache()
    sources.add("f.yaml", text)
    assert [sources.line("f.yaml", n) for n in range(1, 6)] == \
        ["one\x0ctwo\x85\u2028three", "four", "five\x1b", "six", None]
    shown = Diagnostic("CP402", "bad\nvalue", Span("f.yaml", 3, 5, 3, 6), help="a\rb").render(sources)
    assert shown == ("f.yaml:3:5: error[CP402]: bad\\nvalue\n"
                     "   3 | five\\x1b\n"
                     "           ^^^^\n"
                     "  = help: a\\rb")


@pytest.mark.parametrize("value", ["del \x7f alone in ASCII", "plain ASCII", "é and \x85"])
def test_json_controls_escape_del_in_ascii_text_too(value: str) -> None:
    """DEL is the one such character within ASCII: a text of ASCII alone is still looked
    through for it."""
    text = json_controls(json.dumps({"v": value}, ensure_ascii=False))
    assert json.loads(text) == {"v": value}
    assert "\x7f" not in text and "\x85" not in text
    assert ("\\u007f" in text) == ("\x7f" in value)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_gives_valid_reports_in_every_format(
        tmp_path: Path) -> None:
    # A name holding the byte 0xFF (Python reads it as a lone surrogate) ended the SARIF
    # report with a UnicodeEncodeError traceback, the report files after it unwritten,
    # and put the raw byte in the JSON report, which no reader could then load.
    folder = tmp_path / "d"
    folder.mkdir()
    name = b"p\xff.yaml"
    with open(bytes(folder) + b"/" + name, "wb") as file:
        file.write(EXAMPLE.read_bytes())
    for fmt in FORMATS:
        done = subprocess.run([sys.executable, "-m", "cappolicy.cli.entry", "check", "d",
                               "--as-of", "2027-01-15", "--format", fmt,
                               "--output", f"json={tmp_path / 'r.json'}",
                               "--output", f"sarif={tmp_path / 'r.sarif'}"],
                              cwd=tmp_path, capture_output=True, timeout=120, check=False)
        assert done.returncode == 1, (fmt, done.stderr[-2000:])  # the check's failure
        assert b"Traceback" not in done.stderr
        shown = done.stdout.decode("utf-8")  # every format is UTF-8, the human ones too
        if fmt in ("text", "github", "markdown"):  # which spell the byte out
            assert "d/p\\xff.yaml" in shown, (fmt, shown[:500])
        for report in ("r.json", "r.sarif"):
            data = json.loads((tmp_path / report).read_text(encoding="utf-8"))
            assert data  # and JSON that loads
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["results"][0]["file"] == "d/p\udcff.yaml"  # the name's bytes, kept
    sarif = (tmp_path / "r.sarif").read_text(encoding="utf-8")
    assert '"uri": "d/p%FF.yaml"' in sarif
