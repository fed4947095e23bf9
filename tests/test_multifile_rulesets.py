"""A ruleset stored as a folder of files is named by any one of its files, everywhere: lint,
check --ruleset, explain and rulesets show treat the file as part of its ruleset, with the
diagnostics of the whole ruleset and those of the given file first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.base.resources import shipped_rulesets
from cappolicy.cli.main import main

SHIPPED = shipped_rulesets()
BASELINE_FILES = sorted((SHIPPED / "baseline").glob("*.cpol"))
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("file", BASELINE_FILES, ids=lambda p: p.name)
def test_linting_one_file_of_the_shipped_baseline_lints_the_baseline(file: Path) -> None:
    code, out = invoke("lint", str(file))
    assert code == 0, out
    assert "CP227" not in out
    assert "no problems" in out


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A project's copy of the baseline, in its own rulesets folder."""
    target = tmp_path / "rulesets" / "baseline"
    shutil.copytree(SHIPPED / "baseline", target, ignore=shutil.ignore_patterns("tests"))
    return target


def test_a_broken_file_is_reported_with_the_whole_ruleset_given_file_first(
        copy: Path) -> None:
    financing = copy / "financing.cpol"
    financing.write_text(financing.read_text(encoding="utf-8").replace(
        "min_co_financing", "min_cofinancing", 1), encoding="utf-8")
    risk = copy / "risk.cpol"
    risk.write_text(risk.read_text(encoding="utf-8") + "\nrule BAD-01 \"x\" {\n  principle "
                    "accountability\n  severity must\n  require no_such_field present\n}\n",
                    encoding="utf-8")
    for given, other in ((risk, financing), (financing, risk)):
        code, out = invoke("lint", str(given))
        assert code == 2, out
        assert "CP227" not in out
        assert given.name in out and other.name in out  # the whole ruleset's diagnostics
        first = min(out.index(f"{given.name}:"), out.index(f"{other.name}:"))
        assert out.index(f"{given.name}:") == first, out


def test_two_files_of_one_ruleset_are_linted_once(copy: Path) -> None:
    code, out = invoke("lint", str(copy / "data.cpol"), str(copy / "risk.cpol"))
    assert code == 0, out
    assert "linted 1 ruleset: no problems" in out


def test_a_file_alone_in_a_folder_of_other_rulesets_stays_its_own_ruleset(
        tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "one.cpol").write_text('ruleset one "One"\nversion "1"\nrule ONE-01 "t" {\n'
                                    '  principle accountability\n  severity must\n'
                                    '  require title present\n  message "m"\n  hint "h"\n}\n',
                                    encoding="utf-8")
    (rules / "two.cpol").write_text('ruleset two "Two"\nversion "1"\nrule TWO-01 "t" {\n'
                                    '  require ((\n}\n', encoding="utf-8")
    code, out = invoke("lint", str(rules / "one.cpol"))
    assert code == 0, out
    code, out = invoke("lint", str(rules / "two.cpol"))
    assert code == 2 and "two.cpol" in out and "one.cpol" not in out, out


def test_check_and_explain_and_show_accept_one_file_of_the_ruleset(copy: Path) -> None:
    proposal = str(EXAMPLES / "xa-cirt-good.yaml")
    file = str(copy / "financing.cpol")
    code, out = invoke("check", "--ruleset", file, "--as-of", "2027-01-15", "--no-color",
                       proposal)
    assert code == 0, out
    assert "69 passed" in out  # every rule of the baseline, not those of one file
    code, out = invoke("explain", "OWN-01", "--ruleset", file)
    assert code == 0, out
    code, out = invoke("rulesets", "show", file, "--format", "json")
    assert code == 0, out
    assert '"OWN-01"' in out and '"FIN-01"' in out


def test_test_runs_the_rule_tests_of_the_ruleset_a_file_belongs_to() -> None:
    code, out = invoke("test", str(SHIPPED / "baseline" / "financing.cpol"))
    assert code == 0, out
    files = len(list((SHIPPED / "baseline" / "tests").glob("*.test.yaml")))
    assert f"{files} files run" in out  # every test of the baseline, not one file's
    code, out = invoke("test", "--format", "json", str(SHIPPED / "national" / "xa.cpol"))
    assert code == 0, out
    assert "xb.test.yaml" not in out and "xa.test.yaml" in out


def test_test_of_a_rule_file_without_tests_says_so(copy: Path) -> None:
    code, out = invoke("test", str(copy / "risk.cpol"))
    assert code == 2, out
    assert "CP421" in out and "no rule tests of ruleset baseline" in out



NATIONAL_HEAD = 'ruleset xd "Dorado"\nextends baseline\n'


def national_files(tmp_path: Path, named: str, other: str, because: str) -> Path:
    rules = tmp_path / "rulesets"
    for rel, text in {named: NATIONAL_HEAD + "jurisdiction XD\n\n"
                      'set min_co_financing = 30% because "Finance Act"\n',
                      other: NATIONAL_HEAD + f"\nset max_sunset_delay = 5 years{because}\n"
                      }.items():
        (rules / rel).parent.mkdir(parents=True, exist_ok=True)
        (rules / rel).write_text(text, encoding="utf-8")
    return rules


@pytest.mark.parametrize(("named", "other"), [
    ("national/xd/xd.cpol", "national/xd/relax.cpol"),  # a file named as its folder
    ("national/xd.cpol", "national/xd/relax.cpol"),  # a file beside a folder of its ruleset
    ("national/xd/relax.cpol", "national/xd.cpol"),
])
def test_a_file_of_a_ruleset_named_as_its_folder_brings_its_sibling_files(
        tmp_path: Path, named: str, other: str) -> None:
    rules = national_files(tmp_path, named, other, ' because "Sunset Act"')
    code, out = invoke("rulesets", "show", "--rulesets", str(rules), str(rules / named),
                       "--changes")
    assert code == 0, out
    assert "min_co_financing: 15% -> 30% (TIGHTENS)" in out
    assert "max_sunset_delay: 6 months -> 5 years (RELAXES)" in out, out


@pytest.mark.parametrize("named", ["national/xd/xd.cpol", "national/xd.cpol"])
def test_linting_a_file_named_as_its_folder_lints_its_sibling_files(
        tmp_path: Path, named: str) -> None:
    # also national/xd.cpol with the folder national/xd/ beside it, as the catalogue reads it
    rules = national_files(tmp_path, named, "national/xd/relax.cpol", "")
    code, out = invoke("lint", "--rulesets", str(rules), str(rules / named))
    assert code == 2 and "error[CP250]: `set max_sunset_delay` relaxes" in out, out
    assert "linted 1 ruleset: 1 error" in out
