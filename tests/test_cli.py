"""`cappolicy check` as a user runs it: exit codes, located errors, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main
from cappolicy.render.jsonfmt import rule_json_of

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples" / "proposals"

RULESET = """ruleset baseline "Test baseline"
version "1"
param min_co_financing: percent = 15% higher is stricter
rule FIN-01 "Host co-financing meets the minimum" {
  principle co-financing
  source "000_66251300b48a3485.txt, paragraph 5"
  severity must
  let host_share = sum(sum(s.by_year) for s in funding.sources where s.from.country == host_country) / sum(sum(s.by_year) for s in funding.sources)
  require host_share >= min_co_financing
  message "Host co-financing is {host_share}, below {min_co_financing}."
  hint "Raise the host's co-financing."
}
rule SUN-01 "A sunset date is set" {
  principle sunset-and-exit
  severity should
  require sunset.date present
}
"""

NATIONAL = """ruleset xa "Arcadia"
version "2026.1"
extends baseline
jurisdiction XA
set min_co_financing = 25% because "Public Finance Act 2024, s.41"
"""

PROPOSAL = """cappolicy: 1
id: P-1
title: Test programme
host_country: {host}
period: {{start: 2027-01-01, end: 2029-12-31}}
organisations:
  - {{id: gov, name: Ministry, country: {host}, kind: ministry}}
  - {{id: donor, name: Donor, country: NL, kind: donor}}
funding:
  currency: EUR
  sources:
    - {{from: donor, type: grant, by_year: {{2027: 800000}}}}
    - {{from: gov, type: co-financing, by_year: {{2027: {host_amount}}}}}
sunset: {{date: 2029-12-31, handover_to: gov, plan: Absorbed}}
"""


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    (rules / "baseline").mkdir(parents=True)
    (rules / "baseline" / "core.cpol").write_text(RULESET)
    (rules / "national").mkdir()
    (rules / "national" / "xa.cpol").write_text(NATIONAL)
    props = tmp_path / "proposals"
    props.mkdir()
    return tmp_path


def write(path: Path, host: str = "XA", host_amount: int = 200000) -> Path:
    path.write_text(PROPOSAL.format(host=host, host_amount=host_amount))
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.output


def test_passing_proposal_exits_zero(tree: Path) -> None:
    p = write(tree / "proposals" / "ok.yaml", host="XB", host_amount=200000)  # 20% >= 15%
    code, out = run("check", str(p), "--rulesets", str(tree / "rules"))
    assert code == 0, out
    # the project's baseline hides the shipped one, which the shipped national/xb extends
    assert "the shipped national/xb is not applied" in out


def test_national_param_decides_and_is_explained(tree: Path) -> None:
    p = write(tree / "proposals" / "xa.yaml", host="XA", host_amount=200000)  # 20% < 25%
    code, out = run("check", str(p), "--rulesets", str(tree / "rules"), "--no-color")
    assert code == 1
    assert "error[FIN-01]" in out
    assert "20% (line 12) >= 25%" in out
    assert "Host co-financing is 20%, below 25%." in out
    assert "Public Finance Act 2024, s.41" in out
    assert "xa.cpol:5" in out


def test_json_output_carries_every_field(tree: Path) -> None:
    p = write(tree / "proposals" / "xa.yaml")
    code, out = run("check", str(p), "--rulesets", str(tree / "rules"), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["version"] == 2
    [result] = report["results"]
    assert result["file"] == str(p)
    [fin] = [f for f in result["findings"] if f["rule"] == "FIN-01"]
    for key in ("outcome", "rule", "line", "column", "evidence"):
        assert key in fin
    assert fin["outcome"] == "fail"
    assert fin["line"] > 1  # points into the funding section, not the file's head
    # what every finding of FIN-01 shares is said once, in the rules of the result's ruleset
    rule = rule_json_of(report, result, fin)
    assert rule["principle"] == "co-financing" and rule["severity"] == "must"
    assert rule["params"][0]["origin"]["because"] == "Public Finance Act 2024, s.41"


def test_fail_on_threshold(tree: Path) -> None:
    p = write(tree / "proposals" / "ok.yaml", host="XB")
    text = p.read_text().replace("sunset: {date: 2029-12-31, handover_to: gov, plan: Absorbed}\n", "")
    p.write_text(text)
    code, out = run("check", str(p), "--rulesets", str(tree / "rules"), "--fail-on", "should")
    assert code == 1  # SUN-01 (should) fails: sunset.date is absent
    assert "warning[SUN-01]" in out
    code, _ = run("check", str(p), "--rulesets", str(tree / "rules"))
    assert code == 0  # the default threshold is must


def test_broken_yaml_is_a_located_error_and_others_still_checked(tree: Path) -> None:
    good = write(tree / "proposals" / "a-good.yaml", host="XB")
    bad = tree / "proposals" / "b-bad.yaml"
    bad.write_text("cappolicy: 1\nid: [unclosed\n")
    code, out = run("check", str(tree / "proposals"), "--rulesets", str(tree / "rules"))
    assert code == 2
    assert "Traceback" not in out
    assert "b-bad.yaml:3:1: error[CP402]" in out
    assert "starts at line 2, column 5" in out
    assert "P-1" in out  # the good proposal was checked and reported
    assert str(good.name) in out


def test_bad_ruleset_exits_two_with_location(tree: Path) -> None:
    broken = tree / "broken.cpol"
    broken.write_text('ruleset broken "x"\nrule R-1 "t" {\n  principle x\n  require organisatons present\n}\n')
    p = write(tree / "proposals" / "ok.yaml")
    code, out = run("check", str(p), "--ruleset", str(broken))
    assert code == 2
    assert "broken.cpol:4:11" in out
    assert "did you mean 'organisations'" in out
    assert "Traceback" not in out


def test_missing_path_exits_two() -> None:
    code, out = run("check", "does-not-exist.yaml")
    assert code == 2
    assert "no such file or folder" in out


def test_version_starts() -> None:
    code, out = run("--version")
    assert code == 0 and "cappolicy" in out


def test_missing_section_under_a_let_with_an_aggregate_is_unknown(tree: Path) -> None:
    """Regression: explaining why a let over `sum(... for s in ...)` is unknown once
    crashed, because the explanation read `s` outside its loop."""
    p = write(tree / "proposals" / "nofunding.yaml", host="XB")
    text = p.read_text()
    start = text.index("funding:")
    end = text.index("sunset:")
    p.write_text(text[:start] + text[end:])
    code, out = run("check", str(p), "--rulesets", str(tree / "rules"), "--no-color")
    assert code == 1, out
    assert "unknown[FIN-01]" in out
    assert "cannot decide: funding is missing" in out
    assert "internal error" not in out


def test_a_failing_all_shows_the_elements_that_fail(tree: Path) -> None:
    rules = tree / "rules" / "baseline" / "core.cpol"
    rules.write_text(rules.read_text() + '''
rule ORG-01 "Every organisation is from the host country" {
  principle local-ownership
  require all org in organisations: org.country == host_country
}
''')
    p = write(tree / "proposals" / "x.yaml", host="XB")
    code, out = run("check", str(p), "--rulesets", str(tree / "rules"), "--no-color")
    assert code == 1, out  # ORG-01 is a must (the default severity) and fails
    assert "1 of 2 elements of organisations do not satisfy it" in out
    assert "org = donor   -> false" in out
    assert "org = gov" not in out


def test_allow_unknown_makes_an_undecided_proposal_pass_in_every_report() -> None:
    """With --allow-unknown the exit code, the text summary and the JSON verdict agree."""
    incomplete = str(EXAMPLES_DIR / "incomplete.yaml")
    strict = CliRunner().invoke(main, ["check", incomplete, "--format", "json",
                                       "--as-of", "2027-01-15", "--fail-on", "advisory"])
    lenient = CliRunner().invoke(main, ["check", incomplete, "--format", "json", "--as-of",
                                        "2027-01-15", "--fail-on", "advisory", "--allow-unknown"])
    strict_doc, lenient_doc = json.loads(strict.stdout), json.loads(lenient.stdout)
    failed = [f for f in lenient_doc["results"][0]["findings"] if f["outcome"] == "fail"]
    assert strict_doc["results"][0]["verdict"] == "fail"
    assert any(f["outcome"] == "unknown" for f in lenient_doc["results"][0]["findings"])
    expected = "fail" if failed else "pass"
    assert lenient_doc["results"][0]["verdict"] == expected
    assert lenient.exit_code == (1 if failed else 0)
    text = CliRunner().invoke(main, ["check", incomplete, "--as-of", "2027-01-15",
                                     "--fail-on", "advisory", "--allow-unknown"])
    assert text.output.rstrip().splitlines()[-1].startswith(f"total {expected.upper()}")


# --- the group: every command listed, none imported before it is run ----------------------


def test_help_lists_every_command_with_its_own_first_sentence() -> None:
    from click.utils import _make_default_short_help

    from cappolicy.cli import commands

    assert set(commands.names()) == set(commands.SHORT_HELP), \
        "a command module without its sentence in commands.SHORT_HELP (or the reverse)"
    code, out = run("--help")
    assert code == 0
    listed = out.split("Commands:\n", 1)[1]
    names = sorted({"check", "graph", "import", "rulesets", *commands.names()})
    assert [line.split()[0] for line in listed.splitlines() if line.strip()] == names
    for name in commands.names():
        command = commands.load(name)
        assert command is not None and command.name == name
        assert commands.SHORT_HELP[name] == _make_default_short_help(command.help or "", 10**6)
    # and what --help shows of them once they are imported is what it showed before
    for name in commands.names():
        main.commands[name]
    assert run("--help") == (code, out)


def test_commands_are_imported_only_when_run() -> None:
    import subprocess
    import sys

    probe = ("import sys\nfrom click.testing import CliRunner\nfrom cappolicy.cli.main import main\n"
             "assert 'lint' in main.commands and 'fmt' in list(main.commands)\n"
             "CliRunner().invoke(main, sys.argv[1:])\n"
             "print(sorted(m for m in sys.modules if m.startswith('cappolicy.cli.commands.')))")
    for args, imported in (([], "[]"), (["--help"], "[]"), (["--version"], "[]"),
                           (["schema", "--help"], "['cappolicy.cli.commands.schema']")):
        out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                             text=True, check=False)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == imported, args


def test_a_mistyped_command_is_named_with_the_near_ones() -> None:
    code, out = run("lnit")
    assert code == 2
    assert "No such command 'lnit'" in out and "'lint'" in out


def test_the_program_answers_version_as_click_does(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from cappolicy.cli import entry

    monkeypatch.setattr(sys, "argv", ["cappolicy", "--version"])
    entry.main()
    fast = capsys.readouterr().out
    assert fast == run("--version")[1]
    assert fast.startswith("cappolicy, version ")
    monkeypatch.setattr(sys, "argv", ["cappolicy", "--help"])
    with pytest.raises(SystemExit) as stop:
        entry.main()
    assert stop.value.code == 0
    assert "Commands:" in capsys.readouterr().out


def test_a_folder_inside_a_hidden_folder_is_checked_but_hidden_folders_below_it_are_not(
        tree: Path) -> None:
    # Hidden means hidden below the folder given: a checkout under ~/.work/ holds proposals
    # too, while its own .git or .cache must not be read.
    props = tree / ".work" / "proposals"
    props.mkdir(parents=True)
    write(props / "ok.yaml", host="XB", host_amount=200000)
    (props / ".cache").mkdir()
    write(props / ".cache" / "stale.yaml", host="XA", host_amount=0)  # would fail
    code, out = run("check", str(props), "--rulesets", str(tree / "rules"), "--no-color")
    assert code == 0, out
    assert "ok.yaml" in out and "stale.yaml" not in out
