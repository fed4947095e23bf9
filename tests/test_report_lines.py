"""No line of a human report begins with `::`, which GitHub Actions runs from a log as a
workflow command (`::warning`, `::add-mask::`, `::stop-commands::`; it trims the blanks
before a line first), and no file or folder name breaks a line of one: a name's control
characters are spelled out. Names come from whoever writes the repository checked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.base.visible import visible
from cappolicy.cli.main import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
CLOSED = EXAMPLES / "xa-closed-procurement.yaml"  # fails: its findings begin lines
XA = Path(__file__).resolve().parent.parent / "rulesets" / "national" / "xa.cpol"

#: a line GitHub Actions would read as a command
COMMAND = re.compile(r"^\s*::", re.MULTILINE)
PLANTED = "::warning title=PWNED::all checks passed"


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1, 2), result.output
    return result.output


@pytest.fixture
def rooted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_proposal_named_like_a_workflow_command_begins_no_line(rooted: Path) -> None:
    shutil.copy(CLOSED, rooted / f"{PLANTED}.yaml")
    (rooted / f"{PLANTED} broken.yaml").write_text("a: [\n", encoding="utf-8")
    out = _run(["check", ".", "--as-of", "2027-01-15"])
    assert f"./{PLANTED}.yaml:" in out  # the same file, and no command
    assert f"./{PLANTED} broken.yaml:" in out  # a file that cannot be loaded too
    assert not COMMAND.search(out), out


def test_a_proposal_named_like_a_workflow_command_begins_no_line_of_the_portfolio(
        rooted: Path) -> None:
    shutil.copy(CLOSED, rooted / f"{PLANTED}.yaml")
    out = _run(["portfolio", "."])
    assert PLANTED in out
    assert not COMMAND.search(out), out


@pytest.mark.parametrize("char", ["\n", "\r", "\u2028", "\u0085", "\x1b"])
def test_a_rulesets_folder_s_name_never_breaks_a_line(rooted: Path, char: str) -> None:
    """A folder named `r<newline>::warning title=FAKE::all good` put a line of its own
    in the settings line, the note, JUnit's system-out and `cappolicy rulesets`."""
    folder = f"r{char}::warning title=FAKE::all good"
    (rooted / folder / "national").mkdir(parents=True)
    shutil.copy(XA, rooted / folder / "national" / "xa.cpol")
    (rooted / "cappolicy.toml").write_text(
        f'rulesets = ["r\\u{ord(char):04x}::warning title=FAKE::all good"]\n',
        encoding="utf-8")
    shutil.copy(CLOSED, rooted / "p.yaml")
    spelled = visible(char)  # `\\n`, `\\x1b`...
    for args in (["check", "p.yaml"], ["check", "p.yaml", "--format", "junit"],
                 ["rulesets"]):
        out = _run([*args, "--as-of", "2027-01-15"] if args[0] == "check" else args)
        assert char == "\n" or char not in out, (args, out)
        assert not COMMAND.search(out), (args, out)
        assert f"r{spelled}::warning title=FAKE::all good" in out, (args, out)
    assert f"rulesets: <shipped>, r{spelled}::warning" in _run(["check", "p.yaml"])


def test_a_line_that_would_begin_with_two_colons_begins_with_dot_slash() -> None:
    from cappolicy.render.paths import line_path, no_commands

    assert no_commands("a\n  ::x\n::y\nb ::z") == "a\n  ./::x\n./::y\nb ::z"
    assert line_path("::w\u2028::v.yaml") == "./::w\\u2028::v.yaml"
    assert line_path("p.yaml") == "p.yaml"


def test_the_older_form_of_a_workflow_command_is_in_no_line(rooted: Path) -> None:
    """The runner also reads `##[command]data` anywhere in a line (its older form):
    `##[stop-commands]x` would silence every annotation after it."""
    shutil.copy(CLOSED, rooted / "a ##[stop-commands]x.yaml")
    out = _run(["check", ".", "--as-of", "2027-01-15"])
    assert "a #\\x23[stop-commands]x.yaml:" in out, out
    assert "##[" not in out
    out = _run(["portfolio", "."])
    assert "##[" not in out and "#\\x23[stop-commands]" in out
    from cappolicy.render.paths import no_commands

    assert no_commands("###[a] ##[[b") == "##\\x23[a] #\\x23[[b"


def test_a_markdown_report_printed_to_a_log_holds_no_workflow_command(rooted: Path) -> None:
    # a Markdown report is a pull request's comment, and often printed to the job's log
    # as well, where `##[stop-commands]` anywhere in a line silences every annotation
    shutil.copy(CLOSED, rooted / "a ##[stop-commands]x.yaml")
    shutil.copy(CLOSED, rooted / "::warning x.yaml")
    out = _run(["check", ".", "--as-of", "2027-01-15", "--format", "markdown"])
    assert "##[" not in out
    assert not [line for line in out.split("\n") if line.lstrip().startswith("::")]


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "html"])
def test_a_machine_report_printed_to_a_log_holds_no_workflow_command(
        rooted: Path, fmt: str) -> None:
    """A JSON, SARIF or JUnit report is often printed to the job's log too: a proposal's
    `##[stop-commands]` or a value's line that begins with `::` is written as the same
    data in another spelling (`##\\u005b`, `&#91;`, `&#58;`), which a reader decodes back."""
    text = CLOSED.read_text(encoding="utf-8").replace(
        "safeguards: []", 'safeguards: ["##[stop-commands]x\\n::warning title=PWNED::ok"]'
    ).replace("id: XA-SIEM-2027", "id: XA-##[group]-1")
    (rooted / "a ##[stop-commands]y.yaml").write_text(text, encoding="utf-8")
    out = _run(["check", ".", "--as-of", "2027-01-15", "--format", fmt])
    assert "##[" not in out
    assert not COMMAND.search(out), out
    if fmt == "junit":
        import xml.etree.ElementTree as ET

        root = ET.fromstring(out.encode("utf-8"))
        read = "\n".join([*root.itertext(), *(v for e in root.iter() for v in e.attrib.values())])
    elif fmt == "html":
        import html
        import json

        data = out.split('id="cappolicy-data">', 1)[1].split("</script>", 1)[0]
        assert "XA-##[group]-1" in json.dumps(json.loads(data), ensure_ascii=False)
        read = html.unescape(out)  # what a browser shows
    else:
        import json

        read = json.dumps(json.loads(out), ensure_ascii=False)
    assert "a ##[stop-commands]y.yaml" in read  # the same data, to whoever reads it
    assert "##[stop-commands]x" in read


def test_junit_spells_a_command_as_character_references() -> None:
    import xml.etree.ElementTree as ET

    from cappolicy.render.junit import no_xml_commands

    xml = "<a>\n  ::x::y\n:b ##[c</a>"
    assert no_xml_commands(xml) == "<a>\n  &#58;:x::y\n:b ##&#91;c</a>"
    assert ET.fromstring(no_xml_commands(xml)).text == ET.fromstring(xml).text


HOSTILE = 'ok\\n::error file=x.yaml,line=1::FORGED\\n##[error]FORGED \x1b[31mRED\x1b]0;title\x07 \u202eRLO'


@pytest.mark.parametrize("args", [["explain", "EV-02"], ["rulesets", "show", "evil"],
                                  ["rulesets"]])
def test_a_rule_file_s_texts_are_shown_spelled_out(rooted: Path, args: list[str]) -> None:
    """A ruleset from a pull request is what a reviewer runs `explain` and `rulesets show`
    on: its titles, source, message, hint and `because` neither begin a line of their own
    (a workflow command) nor reach the terminal as escapes (colours, a window title) or
    bidi controls."""
    folder = rooted / "rules" / "evil"
    folder.mkdir(parents=True)
    (folder / "evil.cpol").write_text(
        f'ruleset evil "Evil {HOSTILE}"\nrule EV-02 "Title {HOSTILE}" {{\n'
        f'  principle co-financing\n  source "000_66251300b48a3485.txt, paragraph 5 {HOSTILE}"\n'
        f'  severity must\n  require title absent\n  message "msg {HOSTILE}"\n'
        f'  hint "hint {HOSTILE}"\n}}\n', encoding="utf-8")
    command = [args[0], "--rulesets", "rules", *args[1:]] if args[0] == "rulesets" else \
        [*args, "--rulesets", "rules"]
    out = _run(command)
    assert "evil" in out
    assert not COMMAND.search(out), out
    assert "##[" not in out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    if args[0] == "explain":
        assert "msg ok\\n::error" in out and "\\x1b]0;title\\x07 \\u202eRLO" in out


def test_a_diagnostic_printed_outside_a_report_holds_no_workflow_command() -> None:
    """Settings errors, `lint` and `graph` print diagnostics as they are: a file named
    `::warning x.yaml` or a value holding `##[error]` runs nothing from the log."""
    from cappolicy.base.errors import Diagnostic
    from cappolicy.base.span import Span

    said = Diagnostic("CP441", "country '##[error]forged' is not a country code",
                      Span("::warning x.toml", 1, 1, 1, 5), "a code such as XA").render()
    assert said.startswith("./::warning x.toml:1:1: error[CP441]")
    assert "##[" not in said and "#\\x23[error]forged" in said
