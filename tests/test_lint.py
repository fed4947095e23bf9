"""`cappolicy lint` as a ruleset author runs it: every problem of a ruleset at once, each
located, with a stable code and a help line; the checks only lint makes (CP250-CP259) as
data, one case each; exit codes, --strict, JSON; and the shipped rulesets lint clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cappolicy.base.errors import AnalysisError
from cappolicy.cli.main import main
from cappolicy.lang import ast
from cappolicy.lang.parse import parse_text
from cappolicy.rulesets.catalog import Catalog, resolve
from cappolicy.rulesets.lint import _alternatives, body_paragraphs

LONG = "x" * 301
DATA_SOURCES = Path(__file__).resolve().parent / "data" / "sources"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"

#: A seed document laid out like the real ones: title, summary, date, share links, three
#: body paragraphs between headings and advertisements, then related articles whose
#: teasers are long lines too (they are not body paragraphs).
SEED = "\n".join([
    "Recommendations for a test", "A summary of the test document.", "Published July 27, 2025",
    "Facebook X Reddit", "First " + LONG, "A heading", "Second " + LONG, "ADVERTISEMENT",
    "Third " + LONG, "y" * 300, "Related Articles", "A teaser " + LONG, "-", "July 19, 2025",
]) + "\n"

BASELINE = """ruleset baseline "Test baseline"
version "1.0"
param min_co_financing: percent = 15% higher is stricter "Least host share of the funding"
param public_sector: set = {ministry, regulator, cert} smaller is stricter

rule FIN-01 "Host co-financing meets the minimum" {
  principle co-financing
  source "doc.txt, paragraph 2"
  let host = sum(sum(s.by_year) for s in funding.sources where s.from.country == host_country)
  let total = sum(sum(s.by_year) for s in funding.sources)
  require host / total >= min_co_financing
  message "Host sources give {host} of {total}; the minimum is {min_co_financing}."
  hint "Raise the co-financing of host institutions in funding.sources."
}

rule OWN-01 "A host public institution takes part" {
  principle local-ownership
  source "doc.txt, paragraph 3"
  require any org in organisations: org.country == host_country and org.kind in public_sector
  message "No public institution of {host_country} takes part."
  hint "Add a ministry, regulator or CERT of {host_country} to organisations."
}
"""

#: The issue's case: a relaxed param without `because`, a misspelt field and an override
#: of a rule that does not exist.
DONE_WHEN = """ruleset xa "Arcadia"
extends baseline
jurisdiction XA
set min_co_financing = 10%
override OWN-09 severity should because "Phase-in period"
rule XA-01 "Every activity names its lead and languages" {
  principle language-access
  source "doc.txt, paragraph 1"
  for act in activities
  require act.led_by present and act.languges present
  message "Activity {act.id} names no lead or no languages."
  hint "Set led_by and languages in activity {act.id}."
}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cwd is a temporary repository with a test baseline standing in for the shipped
    rulesets (`shipped/`), and no cited source documents yet."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the project's root: no settings above it apply
    shipped = write(tmp_path / "shipped", {"baseline/core.cpol": BASELINE})
    monkeypatch.setattr("cappolicy.base.resources.shipped_rulesets", lambda: shipped)
    return tmp_path


@pytest.fixture()
def seeded(home: Path) -> Path:
    """As `home`, with the cited source document `sources/doc.txt`, set as the project's
    `sources` in its cappolicy.toml (so lint needs no --sources)."""
    write(home / "sources", {"doc.txt": SEED})
    write(home, {"cappolicy.toml": 'sources = "sources"\n'})
    return home


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, ["lint", *args])
    assert "Traceback" not in result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), result.exception
    return result


def lint_json(*args: str) -> dict[str, Any]:
    result = run(*args, "--format", "json")
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["exit_code"] == result.exit_code
    return data


def at(path: Path, needle: str, after: str = "") -> tuple[int, int]:
    """Line and column (from 1) where `needle` first appears in a file, after the first
    line holding `after`."""
    started = not after
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        started = started or after in line
        if started and needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


def located(data: dict[str, Any]) -> list[tuple[str, str, int, int]]:
    return [(d["code"], d["file"], d["line"], d["column"]) for d in data["diagnostics"]]


# ------------------------------------------------------------------ the case


def test_three_mistakes_give_three_located_diagnostics(seeded: Path) -> None:
    xa = write(seeded / "rules", {"national/xa.cpol": DONE_WHEN}) / "national" / "xa.cpol"
    data = lint_json("--rulesets", "rules", "rules/national/xa.cpol")
    assert data["exit_code"] == 2
    assert located(data) == [
        ("CP250", "rules/national/xa.cpol", 4, 1),
        ("CP222", "rules/national/xa.cpol", 5, 1),
        ("CP202", "rules/national/xa.cpol", *at(xa, "act.languges")),
    ]
    by_code = {d["code"]: d for d in data["diagnostics"]}
    assert all(d["level"] == "error" and d["help"] for d in data["diagnostics"])
    assert "relaxes 15%" in by_code["CP250"]["message"]
    assert "because" in by_code["CP250"]["help"]
    assert by_code["CP202"]["help"] == "did you mean 'languages'?"
    assert "OWN-01" in by_code["CP222"]["help"]

    text = run("--rulesets", "rules", "rules/national/xa.cpol")
    assert text.exit_code == 2
    assert "rules/national/xa.cpol:4:1: error[CP250]: `set min_co_financing`" in text.stdout
    assert "linted 1 ruleset: 3 errors, 0 warnings" in text.stdout


@pytest.mark.parametrize("because", ['""', '"  "', '"-"', '"TODO"', '"n/a"', '"TBD - later"'])
def test_a_because_that_says_nothing_is_no_reason(seeded: Path, because: str) -> None:
    # `because ""` let a national layer relax co-financing, or disable a rule, with no
    # reason shown anywhere; lint, check, diff and explain all took it
    text = 'ruleset xa "Arcadia"\nextends baseline\njurisdiction XA\n' \
        f"set min_co_financing = 10% because {because}\n" \
        f"disable OWN-01 because {because}\n"
    write(seeded / "rules", {"national/xa.cpol": text})
    data = lint_json("--rulesets", "rules", "rules/national/xa.cpol")
    assert data["exit_code"] == 2
    assert located(data) == [("CP250", "rules/national/xa.cpol", 4, 1),
                             ("CP250", "rules/national/xa.cpol", 5, 1)]
    relaxed, disabled = (d["message"] for d in data["diagnostics"])
    assert relaxed.startswith("`set min_co_financing` relaxes 15% (from baseline) to 10% and "
                              "gives no reason: ")
    assert disabled.startswith("`disable OWN-01`")
    checked = CliRunner().invoke(main, ["check", "--rulesets", "rules", "--country", "XA",
                                        str(EXAMPLES / "xa-cirt-good.yaml")])
    assert checked.exit_code == 2, checked.output


def test_because_is_optional_to_the_parser() -> None:
    items = parse_text('ruleset r\nset a = 1\noverride R-1 severity should\ndisable R-2\n'
                       'set b = 2 because "Act 3"\n').items
    changes = [i for i in items if isinstance(i, (ast.SetParam, ast.Override, ast.Disable))]
    assert [i.because for i in changes] == [None, None, None, "Act 3"]


def test_resolution_refuses_a_change_without_because(home: Path) -> None:
    write(home / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\n'
                           'disable FIN-01\noverride OWN-01 hint "Ask the ministry."\n'})
    catalog = Catalog([home / "shipped", home / "rules"])
    source = catalog.find("national/xa")
    assert source is not None
    with pytest.raises(AnalysisError) as caught:
        resolve(catalog, source)
    assert [(d.code, d.span.line if d.span else 0) for d in caught.value.diagnostics] == [
        ("CP250", 3), ("CP250", 4)]
    assert "removes a must rule of baseline" in caught.value.diagnostics[0].message


def test_disabling_an_advisory_rule_without_because_reads_an_advisory(home: Path) -> None:
    write(home / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\ndisable FIN-01\n'})
    write(home / "shipped", {"baseline/core.cpol": (home / "shipped" / "baseline/core.cpol").read_text()
                             .replace("  principle co-financing\n",
                                      "  principle co-financing\n  severity advisory\n", 1)})
    catalog = Catalog([home / "shipped", home / "rules"])
    source = catalog.find("national/xa")
    assert source is not None
    with pytest.raises(AnalysisError) as caught:
        resolve(catalog, source)
    assert "removes an advisory rule of baseline" in caught.value.diagnostics[0].message


def test_check_refuses_a_ruleset_with_a_change_without_because(home: Path) -> None:
    write(home / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\n'
                           'set min_co_financing = 10%\n'})
    proposal = Path(__file__).resolve().parents[1] / "examples" / "proposals" / "xa-cirt-good.yaml"
    result = CliRunner().invoke(main, ["check", str(proposal), "--ruleset",
                                       "rules/national/xa.cpol"])
    assert result.exit_code == 2
    assert "rules/national/xa.cpol:3:1: error[CP250]" in result.output


# ------------------------------------------------------------- constant rules, as data

PARAMS_USED = """param strict_mode: bool = false
param min_share: percent = 15% higher is stricter
rule T-00 "Uses the params in its message" {
  principle accountability
  source "doc.txt, paragraph 2"
  require funding.currency present
  message "Below {min_share} (strict: {strict_mode})."
  hint "h"
}
"""


def one_rule(clauses: str) -> str:
    return (f'ruleset baseline "One rule"\n{PARAMS_USED}rule T-01 "Test rule" {{\n'
            f'  principle accountability\n  source "doc.txt, paragraph 1"\n  {clauses}\n'
            '  message "m"\n  hint "h"\n}\n')


# (clauses, code, text the diagnostic points at: the clause's condition)
CONSTANT_CASES = [
    ("when false\n  require funding.currency present", "CP251", "false"),
    ("when strict_mode and funding.currency present\n  require funding.currency present",
     "CP251", "strict_mode and"),
    ("for act in activities where strict_mode\n  require act.id present", "CP251", "strict_mode"),
    ("for act in activities where act.id present and strict_mode\n  require act.id present",
     "CP251", "act.id present and"),
    ("for x in {}\n  require x present", "CP251", "{}"),
    ("require true", "CP252", "true"),
    ("forbid false", "CP252", "false"),
    ("require min_share > 1% or funding.currency present", "CP252", "min_share >"),
    ("let t = min_share\n  require t >= 15% or funding.currency present", "CP252", "t >="),
    ("require all x in {}: x == 1", "CP252", "all x"),
    ("require funding.currency present implies true", "CP252", "funding.currency"),
    ("require funding.currency present and not (min_share > 1%)", "CP253", "funding.currency"),
    ("forbid true", "CP253", "true"),
    ("require any x in {1, 2} where strict_mode: x > 0", "CP253", "any x"),
]

# rules whose outcome depends on the proposal: no diagnostic
LIVE_CASES = [
    "require funding.currency present",
    "when strict_mode or funding.currency present\n  require funding.currency present",
    "when true\n  require funding.currency present",
    "for act in activities where not strict_mode\n  require act.id present",
    "require min_share > 50% or funding.currency present",
    "let t = count(activities)\n  require t > 0",
    "require as_of > 2020-01-01",
    "require any x in {1, 2}: x > count(activities)",
]


@pytest.mark.parametrize(("clauses", "code", "needle"), CONSTANT_CASES,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(CONSTANT_CASES)])
def test_a_rule_decided_by_literals_and_params(seeded: Path, clauses: str, code: str,
                                               needle: str) -> None:
    path = write(seeded / "shipped", {"baseline/core.cpol": one_rule(clauses)}) / \
        "baseline" / "core.cpol"
    data = lint_json("baseline")
    clause = ("when", "for") if code == "CP251" else ("require", "forbid")
    line = next(c for c in clauses.splitlines() if c.strip().startswith(clause)).strip()
    row, column = at(path, line, after="rule T-01")
    column += line.index(needle, len(line.split()[0]) + 1)
    assert located(data) == [(code, "shipped/baseline/core.cpol", row, column)]
    assert data["exit_code"] == 2


@pytest.mark.parametrize("clauses", LIVE_CASES)
def test_a_rule_the_proposal_decides_is_not_reported(seeded: Path, clauses: str) -> None:
    write(seeded / "shipped", {"baseline/core.cpol": one_rule(clauses)})
    data = lint_json("baseline", "--strict")
    assert data["diagnostics"] == []
    assert data["exit_code"] == 0


def test_a_child_set_that_makes_a_parent_rule_constant_is_reported_at_the_set(
        seeded: Path) -> None:
    write(seeded / "shipped", {"baseline/core.cpol": one_rule(
        "when not strict_mode\n  require funding.currency present")})
    write(seeded / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\n'
                             'set strict_mode = true because "Strict by law"\n'})
    assert lint_json("baseline")["diagnostics"] == []
    data = lint_json("--rulesets", "rules", "national/xa")
    assert located(data) == [("CP251", "rules/national/xa.cpol", 3, 1)]
    assert "rule T-01 of baseline can never apply" in data["diagnostics"][0]["message"]
    assert "disable T-01" in data["diagnostics"][0]["help"]


def test_the_set_that_makes_a_parent_rule_constant_is_named_not_the_first_it_reads(
        seeded: Path) -> None:
    write(seeded / "shipped", {"baseline/core.cpol": one_rule(
        "require funding.currency present or strict_mode or min_share > 50%")})
    write(seeded / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\n'
                             'set strict_mode = false because "Not strict"\n'
                             'set min_share = 60% because "Share Act"\n'})
    data = lint_json("--rulesets", "rules", "national/xa")
    assert located(data) == [("CP252", "rules/national/xa.cpol", 4, 1)]
    assert data["diagnostics"][0]["message"].startswith(
        "with `set min_share`, rule T-01 of baseline can never fail")


def test_a_number_too_long_to_read_makes_no_rule_constant(seeded: Path) -> None:
    """A number of more digits than a rule may hold is an error (CP110) and stands as 0
    so that the rest of the file is checked; the 0 is no constant of the rule, in the
    rule or through a param of the layer, so no "always fails" follows from it."""
    big = "9" * 400
    write(seeded / "shipped", {"baseline/core.cpol": one_rule(f"require 1 < {big}")})
    assert [d["code"] for d in lint_json("baseline")["diagnostics"]] == ["CP110"]
    write(seeded / "shipped", {"baseline/core.cpol": one_rule(
        "require funding.currency present and min_share > 1%")})
    write(seeded / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\n'
                             f'set min_share = {big}% because "Share Act"\n'})
    data = lint_json("--rulesets", "rules", "national/xa")
    assert [d["code"] for d in data["diagnostics"]] == ["CP110"]
    assert data["exit_code"] == 2


# ------------------------------------------------------------------ citations


@pytest.mark.parametrize(("source", "code"), [
    ("doc.txt paragraph 2", "CP254"),
    ("doc.txt, paragraph 0", "CP254"),
    ("doc.txt, para 2", "CP254"),
    ("../seeds/doc.txt, paragraph 1", "CP254"),
    ("dok.txt, paragraph 1", "CP255"),
    ("doc.txt, paragraph 4", "CP256"),  # the teaser after "Related Articles" is no paragraph
    ("doc.txt, paragraph 3", None),
    ("doc.txt,paragraph 1", None),
])
def test_a_source_names_a_body_paragraph_of_a_seed(seeded: Path, source: str,
                                                    code: str | None) -> None:
    text = one_rule("require funding.currency present").replace(
        'source "doc.txt, paragraph 1"\n  require', f'source "{source}"\n  require')
    path = write(seeded / "shipped", {"baseline/core.cpol": text}) / "baseline" / "core.cpol"
    data = lint_json("baseline")
    if code is None:
        assert data["diagnostics"] == []
        return
    assert located(data) == [
        (code, "shipped/baseline/core.cpol", *at(path, f'source "{source}', after="T-01"))]
    if code == "CP255":
        assert data["diagnostics"][0]["help"] == "did you mean 'doc.txt'?"
    if code == "CP256":
        assert "which has 3 body paragraphs" in data["diagnostics"][0]["message"]


def test_body_paragraphs_are_long_lines_above_the_related_articles() -> None:
    found = body_paragraphs(SEED)
    assert [p.split()[0] for p in found] == ["First", "Second", "Third"]
    assert body_paragraphs("z" * 300 + "\n" + "z" * 301) == ["z" * 301]


def test_without_the_sources_only_the_form_is_checked_and_a_note_says_so(home: Path) -> None:
    text = BASELINE.replace('"doc.txt, paragraph 3"', '"missing.txt, paragraph 99"')
    write(home / "shipped", {"baseline/core.cpol": text})
    data = lint_json("baseline")
    assert [(d["code"], d["level"], d["file"]) for d in data["diagnostics"]] == [
        ("CP257", "note", None)]
    assert "--sources DIR" in data["diagnostics"][0]["help"]
    assert data["exit_code"] == 0 and data["seeds"] == []
    write(home / "elsewhere", {"doc.txt": SEED})
    data = lint_json("baseline", "--sources", "elsewhere")
    assert [d["code"] for d in data["diagnostics"]] == ["CP255"]
    data = lint_json("baseline", "--seeds", "elsewhere")  # the option's former name
    assert [d["code"] for d in data["diagnostics"]] == ["CP255"]


def test_source_documents_beside_or_above_the_rulesets_are_not_used(home: Path) -> None:
    """seeds/ and shared/seeds/ folders in or above the project are never looked for."""
    for folder in ("seeds", "shared/seeds", "shipped/seeds"):
        write(home / folder, {"doc.txt": SEED})
    text = BASELINE.replace('"doc.txt, paragraph 3"', '"doc.txt, paragraph 99"')
    write(home / "shipped", {"baseline/core.cpol": text})
    data = lint_json("baseline")
    assert [d["code"] for d in data["diagnostics"]] == ["CP257"] and data["seeds"] == []


# ------------------------------------------------------------------ warnings


def test_a_rule_without_message_or_hint_is_a_warning(seeded: Path) -> None:
    text = BASELINE.replace('  hint "Raise the co-financing of host institutions in '
                            'funding.sources."\n', "")
    text = text.replace('  message "No public institution of {host_country} takes part."\n'
                        '  hint "Add a ministry, regulator or CERT of {host_country} to '
                        'organisations."\n', "")
    path = write(seeded / "shipped", {"baseline/core.cpol": text}) / "baseline" / "core.cpol"
    data = lint_json("baseline")
    assert located(data) == [("CP258", "shipped/baseline/core.cpol", *at(path, "FIN-01")),
                             ("CP258", "shipped/baseline/core.cpol", *at(path, "OWN-01"))]
    assert [d["message"] for d in data["diagnostics"]] == [
        "rule FIN-01 has no hint", "rule OWN-01 has no message or hint"]
    assert {d["level"] for d in data["diagnostics"]} == {"warning"}


def test_a_param_no_rule_uses_is_a_warning(seeded: Path) -> None:
    text = BASELINE.replace('version "1.0"\n', 'version "1.0"\nparam max_delay: duration = '
                            '6 months lower is stricter\n')
    write(seeded / "shipped", {"baseline/core.cpol": text})
    data = lint_json("baseline")
    assert located(data) == [("CP259", "shipped/baseline/core.cpol", 3, 1)]
    assert data["diagnostics"][0]["level"] == "warning"


def test_public_sector_counts_as_used_by_waivers(seeded: Path) -> None:
    text = BASELINE.replace("org.kind in public_sector", "org.kind == ministry")
    write(seeded / "shipped", {"baseline/core.cpol": text})
    assert lint_json("baseline", "--strict")["diagnostics"] == []


# ------------------------------------------------------------ exit codes, formats


def test_exit_codes_and_strict(seeded: Path) -> None:
    assert run().exit_code == 0
    assert run("--strict").exit_code == 0
    warned = BASELINE.replace('  hint "Raise the co-financing of host institutions in '
                              'funding.sources."\n', "")
    write(seeded / "shipped", {"baseline/core.cpol": warned})
    assert run().exit_code == 0
    strict = run("--strict")
    assert strict.exit_code == 1
    assert "warning[CP258]" in strict.stdout
    assert "linted 1 ruleset: 0 errors, 1 warning" in strict.stdout
    write(seeded / "shipped", {"baseline/core.cpol": warned.replace(
        "require any org", "require true or any org")})
    assert run().exit_code == 2
    assert run("--strict").exit_code == 2


def test_json_report(seeded: Path) -> None:
    write(seeded / "rules", {"national/xa.cpol": DONE_WHEN.replace("  hint ", "  # hint ")})
    data = lint_json("--rulesets", "rules")
    assert data["schema"] == "cappolicy.lint" and data["version"] == 1
    assert data["tool"]["name"] == "cappolicy"
    assert data["rulesets"] == ["baseline", "national/xa"]
    assert data["seeds"] == ["sources"]
    assert data["summary"] == {"errors": 3, "warnings": 1, "notes": 0}
    assert data["exit_code"] == 2
    first = data["diagnostics"][0]
    assert set(first) == {"code", "message", "level", "file", "line", "column", "end_line",
                          "end_column", "help"}
    assert first["end_column"] > first["column"]


def test_a_clean_run_says_so(seeded: Path) -> None:
    result = run()
    assert result.exit_code == 0
    assert result.stdout.strip() == "linted 1 ruleset: no problems"


# ------------------------------------------------------------------ everything at once


def test_every_kind_of_error_is_reported_in_one_run(seeded: Path) -> None:
    national = """ruleset xa
extends baseline
set min_co_finance = 20% because "Act 1"
set min_co_financing = 10 because "Act 2"
rule FIN-01 "Again" { principle co-financing require true message "m" hint "h" }
rule XA-01 "Broken" {
  principle local-ownership
  require funding.currency ==
  message "m"
  hint "h"
}
rule XA-02 "Names" {
  principle local-ownership
  require any org in organisations: org.kind == ministery and org.country == "XA" + 1
  message "m"
  hint "h"
}
rule XA-03 "Functions" {
  principle local-ownership
  require lenght(activities) > 0
  message "m"
  hint "h"
}
"""
    write(seeded / "rules", {"national/xa.cpol": national})
    data = lint_json("--rulesets", "rules", "national/xa")
    codes = [(d["code"], d["line"]) for d in data["diagnostics"]]
    assert codes == [("CP223", 3), ("CP213", 4), ("CP221", 5), ("CP101", 9), ("CP201", 14),
                     ("CP203", 14), ("CP206", 20)]
    by_code = {d["code"]: d for d in data["diagnostics"]}
    assert by_code["CP223"]["help"] == "did you mean 'min_co_financing'?"
    assert by_code["CP201"]["help"] == "did you mean 'ministry'?"
    assert by_code["CP206"]["help"] == "did you mean 'len'?"


def test_a_missing_parent_still_lints_the_layer_s_own_files(seeded: Path) -> None:
    write(seeded / "rules", {"national/xa.cpol": 'ruleset xa\nextends regional/nowhere\n'
                             'disable FIN-01\nrule XA-01 "No hint" {\n  principle p\n'
                             '  require funding.currency present\n  message "m"\n}\n'})
    data = lint_json("--rulesets", "rules", "national/xa")
    assert [(d["code"], d["line"]) for d in data["diagnostics"]] == [
        ("CP225", 2), ("CP250", 3), ("CP258", 4)]


def test_a_national_ruleset_for_another_country_is_reported(seeded: Path) -> None:
    write(seeded / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\n'
                             'jurisdiction XB\n'})
    data = lint_json("--rulesets", "rules", "national/xa")
    assert located(data) == [("CP229", "rules/national/xa.cpol", 1, 1)]


# ------------------------------------------------------------------ arguments


def test_arguments_are_files_folders_or_ids(seeded: Path) -> None:
    write(seeded / "rules", {"national/xa.cpol": 'ruleset xa\nextends baseline\n',
                             "national/xb.cpol": 'ruleset xb\nextends baseline\n'})
    assert lint_json("--rulesets", "rules", "national/xa")["rulesets"] == ["national/xa"]
    assert lint_json("--rulesets", "rules", "xb")["rulesets"] == ["national/xb"]
    assert lint_json("rules/national/xa.cpol")["rulesets"] == ["rules/national/xa.cpol"]
    assert lint_json("rules/national")["rulesets"] == ["national/xa", "national/xb"]
    assert lint_json("rules")["rulesets"] == ["national/xa", "national/xb"]
    assert lint_json("shipped/baseline")["rulesets"] == ["shipped/baseline"]
    assert lint_json("--strict", "rules")["exit_code"] == 0


def test_an_unknown_ruleset_is_an_error_with_a_suggestion(seeded: Path) -> None:
    data = lint_json("baselin")
    assert [(d["code"], d["help"]) for d in data["diagnostics"]] == [
        ("CP420", "did you mean 'baseline'?")]
    assert data["exit_code"] == 2


# ------------------------------------------------------------------ shipped rulesets


def test_the_shipped_rulesets_lint_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.chdir(tmp_path)  # no project settings
    data = lint_json()
    assert data["exit_code"] == 0, data["diagnostics"]
    assert data["summary"]["errors"] == 0
    assert {"baseline", "regional/aec", "national/xa", "national/xb",
            "national/xc"} <= set(data["rulesets"])


def test_the_baseline_s_citations_name_paragraphs_of_the_cited_sources(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = tmp_path / "sources"
    shutil.copytree(DATA_SOURCES, seeds, ignore=shutil.ignore_patterns("README.md"))
    monkeypatch.chdir(tmp_path)
    data = lint_json("baseline", "regional/aec", "national/xa", "national/xb", "national/xc",
                     "--sources", str(seeds))
    assert data["seeds"], "the cited source documents were not used"
    assert not [d for d in data["diagnostics"] if d["code"] in ("CP254", "CP255", "CP256")]
    paragraphs = body_paragraphs((seeds / "000_66251300b48a3485.txt").read_text(encoding="utf-8"))
    assert paragraphs[4].startswith("Investment strategies")  # paragraph 5: co-financing


def test_a_set_that_leaves_the_parents_pattern_out_is_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a ministry that sets PROC-02's denial pattern to its own language's words alone stops
    # reading the English denials the baseline's pattern found, for every proposal: lint
    # says so at the `set`, before a proposal that passes because of it shows it
    from cappolicy.rulesets.catalog import Rulesets

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    source = Catalog().find("baseline")
    assert source is not None
    parent = Rulesets(Catalog()).get(source).params["denied_safeguard_pattern"].value
    french = r"^\W*(aucune?|sans)\b"
    first, *others = _alternatives(parent)
    assert len(others) >= 2
    values = (("(?i)" + french, True),  # the parent's pattern left out
              ("(?i)" + french + "|" + parent.removeprefix("(?i)"), False),  # kept beside it
              # its alternatives kept in another order, the new one among them
              ("(?i)" + "|".join([*others, french, first]), False),
              ("(?i)" + "|".join([*others, french]), True),  # one of them left out
              (french + "|" + parent.removeprefix("(?i)"), True))  # its case now matters
    for value, warned in values:
        value = value.replace("\\", "\\\\")  # written in a rule file's string
        write(tmp_path, {"rules/national/xa.cpol": (
            'ruleset xa "Arcadia, in French"\nversion "1"\nextends regional/aec\n'
            f'jurisdiction XA\nset denied_safeguard_pattern = "{value}"\n'
            '    because "Decree 12/2027: proposals are written in French"\n')})
        data = lint_json("--rulesets", "rules", "national/xa")
        found = [d for d in data["diagnostics"] if d["code"] == "CP262"]
        assert bool(found) is warned, data["diagnostics"]
        if warned:
            [d] = found
            assert (d["level"], d["file"], d["line"]) == ("warning", "rules/national/xa.cpol", 5)
            assert "replaces the pattern of baseline" in d["message"]
        assert data["exit_code"] == 0  # a warning, not an error


@pytest.mark.parametrize(("line", "code", "said"), [
    ('set safeguard_pattern = "(a" because "Decree 4"', "CP207",
     "invalid pattern for safeguard_pattern: missing )"),
    ('param total: number = 5 higher is stricter "National experts"', "CP208",
     "param 'total' takes the name of a let of FIN-01"),
])
def test_an_error_a_national_layer_causes_in_a_parent_rule_is_said_at_its_own_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, code: str, said: str) -> None:
    # the error was located in the shipped file of the parent rule that reads the value,
    # which the ministry cannot edit, and its own line was never named
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"rules/national/xa.cpol": (
        'ruleset xa "Arcadia"\nversion "1"\nextends regional/aec\njurisdiction XA\n'
        f"{line}\n")})
    data = lint_json("--rulesets", "rules", "national/xa")
    [found] = [d for d in data["diagnostics"] if d["code"] == code]
    assert (found["file"], found["line"]) == ("rules/national/xa.cpol", 5), found
    assert said in found["message"]
    assert data["exit_code"] == 2
