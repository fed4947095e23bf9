"""Settings a stranger could write: a `lang` that is no language tag is refused, located,
whether it begins with English's tag or not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main

GOOD = Path(__file__).resolve().parent.parent / "examples" / "proposals" / "xa-cirt-good.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the project's root: nothing above it is read
    shutil.copy(GOOD, tmp_path / "p.yaml")
    old = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path  # type: ignore[misc]
    os.chdir(old)


@pytest.mark.parametrize("lang", ["en-../../etc", "en-", "", "fr-../x"])
def test_a_lang_setting_that_is_no_tag_is_refused_where_it_is_set(project: Path,
                                                                  lang: str) -> None:
    (project / "cappolicy.toml").write_text(f'country = "XA"\nlang = "{lang}"\n',
                                            encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "p.yaml", "--as-of", "2027-01-15"])
    assert result.exit_code == 2
    assert f"cappolicy.toml:2:1: error[CP441]: '{lang}' is not a language tag" in result.output


@pytest.mark.parametrize("lang", ["en-../../etc", "en-"])
def test_a_lang_option_that_is_no_tag_is_refused(project: Path, lang: str) -> None:
    result = CliRunner().invoke(main, ["check", "p.yaml", "--lang", lang])
    assert result.exit_code == 2
    assert f"error[CP442]: '{lang}' is not a language tag" in result.output


@pytest.mark.parametrize("lang", ["en", "EN", "en_GB", "en-us"])
def test_english_tags_are_still_english(project: Path, lang: str) -> None:
    result = CliRunner().invoke(main, ["check", "p.yaml", "--lang", lang,
                                       "--as-of", "2027-01-15"])
    assert result.exit_code == 0, result.output
    assert "total PASS" in result.output


@pytest.mark.parametrize("fmt", ["json", "html", "text"])
def test_a_report_is_never_written_over_a_file_being_checked(project: Path, fmt: str) -> None:
    before = (project / "p.yaml").read_bytes()
    (project / "sub").mkdir()
    shutil.copy(GOOD, project / "sub" / "q.yaml")
    for target in ("p.yaml", "sub/../sub/q.yaml"):
        result = CliRunner().invoke(main, ["check", "p.yaml", "sub", "--as-of", "2027-01-15",
                                           "--output", f"{fmt}={target}"])
        assert result.exit_code == 2
        assert f"error[CP422]: {target} is a file being checked" in result.output
    assert (project / "p.yaml").read_bytes() == before
    assert (project / "sub" / "q.yaml").read_bytes() == GOOD.read_bytes()


@pytest.mark.parametrize("command", [["portfolio", "p.yaml", "-o"], ["graph", "p.yaml", "-o"]])
def test_portfolio_and_graph_never_write_over_the_proposal_they_read(
        project: Path, command: list[str]) -> None:
    before = (project / "p.yaml").read_bytes()
    result = CliRunner().invoke(main, [*command, "./p.yaml"])
    assert result.exit_code == 2, result.output
    assert "error[CP422]: p.yaml is a file being checked" in result.output
    assert (project / "p.yaml").read_bytes() == before


def test_a_settings_file_beside_a_proposal_that_replaces_a_shipped_ruleset_is_said(
        tmp_path: Path) -> None:
    # a stranger's folder: a proposal, a settings file and a national/xa of its own that
    # disables the rules the proposal fails; the report must not pass it off as the shipped one
    folder = tmp_path / "sub"
    (folder / "mine" / "national").mkdir(parents=True)
    shutil.copy(GOOD.parent / "xa-closed-procurement.yaml", folder / "p.yaml")
    (folder / "cappolicy.toml").write_text('rulesets = ["mine"]\n', encoding="utf-8")
    (folder / "mine" / "national" / "xa.cpol").write_text(
        'ruleset xa "Arcadia"\nversion "1"\nextends baseline\njurisdiction XA\n\n'
        'disable PROC-02\n    because "Procurement law of Arcadia, s.3"\n', encoding="utf-8")
    for fmt in ("text", "json", "markdown"):
        result = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15", "--format", fmt,
                                           str(folder / "p.yaml")])
        assert result.exit_code in (0, 1), result.output
        assert "national/xa is read from" in result.output, fmt
        assert "which hides the shipped national/xa" in result.output, fmt
    # the shipped ruleset itself, with no such folder, carries no note
    plain = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15", str(GOOD)])
    assert "hides the shipped" not in plain.output


@pytest.mark.parametrize("country", [" XA", "XA ", "ZZ", "X", "Q1"])
def test_a_country_option_that_is_no_country_code_is_refused(project: Path,
                                                              country: str) -> None:
    # ' XA' found no national ruleset and checked against the baseline alone, with a
    # note a reader may miss: a typo now stops the run, as a proposal's host_country does.
    for command in (["check", "p.yaml"], ["portfolio", "p.yaml"]):
        result = CliRunner().invoke(main, [*command, "--country", country])
        assert result.exit_code == 2, result.output
        assert f"Invalid value for '--country': {country!r} is not a country code" \
            in result.output
    (project / "cappolicy.toml").write_text(f'country = "{country}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "p.yaml"])
    assert result.exit_code == 2
    assert "cappolicy.toml:1:1: error[CP441]: 'country' is a two-letter country code" \
        in result.output


def test_a_country_option_in_lower_case_is_the_country(project: Path) -> None:
    result = CliRunner().invoke(main, ["check", "p.yaml", "--country", "xa", "--as-of",
                                       "2027-01-15"])
    assert result.exit_code == 0, result.output
    assert "against ruleset national/xa" in result.output


def test_a_settings_file_nested_too_deeply_is_an_error_not_a_traceback(project: Path) -> None:
    (project / "pyproject.toml").write_text("x = " + "[" * 3000 + "]" * 3000 + "\n"
                                            "[tool.cappolicy]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "p.yaml"])
    assert result.exit_code == 2
    assert "pyproject.toml:1:1: error[CP440]: invalid TOML: arrays or tables nested too " \
        "deeply to read" in result.output


@pytest.mark.parametrize("second", ["../{name}/r.json", "{root}/r.json", "./r.json",
                                    "linked/r.json"])
def test_one_report_file_named_twice_however_spelt_is_refused(project: Path,
                                                              second: str) -> None:
    # `--output json=r.json --output sarif=../out/r.json` wrote the SARIF report over the
    # JSON one, exit 0: one report lost without a word.
    (project / "linked").symlink_to(project)
    result = CliRunner().invoke(main, [
        "check", "p.yaml", "--output", "json=r.json", "--output",
        "sarif=" + second.format(name=project.name, root=project)])
    assert result.exit_code == 2
    assert "is named by more than one --output" in result.output
    assert not (project / "r.json").exists()


# ------------------------------------------- settings held to their project


@pytest.mark.parametrize("setting", ['rulesets = ["/"]', 'rulesets = ["../outside"]',
                                     'sources = "/etc"', 'rulesets = ["inner/link"]'])
def test_settings_found_in_a_project_name_no_folder_outside_it(tmp_path: Path,
                                                              setting: str) -> None:
    """A pull request's settings may not make a check scan the file system (`/` took
    17 s, walking /proc) or read rule files from elsewhere on the machine: refused where
    it is set, exit 2, before anything is scanned. Named with --config, the file is
    trusted."""
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    (project / "inner").mkdir()
    (tmp_path / "outside").mkdir()
    (project / "inner" / "link").symlink_to(tmp_path / "outside")
    shutil.copy(GOOD, project / "p.yaml")
    (project / "cappolicy.toml").write_text(setting + "\n", encoding="utf-8")
    (tmp_path / "repo" / "sub").mkdir()
    result = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15", "--format", "json",
                                       str(project / "p.yaml")])
    assert result.exit_code == 2, result.output
    assert "CP441" in result.output and "outside the project" in result.output, result.output
    assert "cappolicy.toml:1:1" in result.output
    assert "Traceback" not in result.output
    if setting.startswith("rulesets") and setting != 'rulesets = ["/"]':
        named = CliRunner().invoke(main, [
            "--config", str(project / "cappolicy.toml"), "check", "--as-of", "2027-01-15",
            str(project / "p.yaml")])
        assert "outside the project" not in named.output, named.output
        assert named.exit_code in (0, 1), named.output


def test_a_settings_file_linked_from_outside_the_project_is_not_read(tmp_path: Path) -> None:
    """cappolicy.toml -> a file elsewhere: not read, so nothing of it reaches the report
    (an unknown key's name would have been quoted); a link within the project is read."""
    secret = tmp_path / "secret.txt"
    secret.write_text('SECRET_TOKEN = "x"\ncountry = "ghp_SECRETVALUE123"\n', encoding="utf-8")
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    shutil.copy(GOOD, project / "p.yaml")
    (project / "cappolicy.toml").symlink_to(secret)
    result = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15",
                                       str(project / "p.yaml")])
    assert result.exit_code == 2, result.output
    assert "CP440" in result.output and "outside its project" in result.output
    assert "SECRET" not in result.output
    (project / "cappolicy.toml").unlink()
    (project / "settings").mkdir()
    (project / "settings" / "cappolicy.toml").write_text('country = "XB"\n', encoding="utf-8")
    (project / "cappolicy.toml").symlink_to(project / "settings" / "cappolicy.toml")
    inside = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15",
                                       str(project / "p.yaml")])
    assert "against ruleset national/xb" in inside.output, inside.output


@pytest.mark.parametrize("names", [True, False])
def test_a_pyproject_linked_from_outside_the_project_is_not_read(
        tmp_path: Path, names: bool) -> None:
    """pyproject.toml -> a file elsewhere: left unread whatever it holds, so the run's
    exit does not tell whether that file names cappolicy; the run says so and goes on
    with the defaults, the same way for both."""
    secret = tmp_path / "secret.txt"
    secret.write_text('[tool.cappolicy]\ncountry = "XB"\n' if names else 'x = "y"\n',
                      encoding="utf-8")
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    shutil.copy(GOOD, project / "p.yaml")
    (project / "pyproject.toml").symlink_to(secret)
    result = CliRunner().invoke(main, ["check", "--as-of", "2027-01-15",
                                       str(project / "p.yaml")])
    assert result.exit_code == 0, result.output
    assert "pyproject.toml is a symbolic link to" in result.output
    assert "not read for settings" in result.output
    assert "against ruleset national/xa" in result.output, result.output
    assert "settings: none" in result.output


# ------------------------------------------- what tomllib is never handed


@pytest.mark.parametrize("name", ["cappolicy.toml", "pyproject.toml"])
@pytest.mark.parametrize("key", ["a." * 199 + "a", " . ".join(['"q"'] * 200),
                                 "[" + "t." * 199 + "t]"])
def test_a_key_of_too_many_dotted_parts_is_refused_before_toml_reads_it(
        project: Path, name: str, key: str) -> None:
    """tomllib's memory grows with the square of a dotted key's parts (one key of 80,000
    parts in a 160 KB file was killed for want of memory): a key of more than 32 parts,
    more than any setting has, is refused where it begins, before tomllib reads it."""
    head = "[tool.cappolicy]\ncountry = \"XA\"\n" if name == "pyproject.toml" else ""
    line = key if key.startswith("[") else f"  {key} = 1"
    (project / name).write_text(head + line + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "p.yaml"])
    assert result.exit_code == 2, result.output
    column = 2 if key.startswith("[") else 3
    assert f"{name}:{3 if head else 1}:{column}: error[CP440]: invalid TOML: a key of more " \
        "than 32 dotted parts" in result.output, result.output
    assert "Traceback" not in result.output


def test_settings_with_dots_in_strings_comments_and_numbers_still_load_but_not_33_parts(
        project: Path) -> None:
    (project / "rules").mkdir()
    dots = "." * 40 + "a." * 40
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "x"\ndescription = "{dots}"\nversion = \'1.2.3.4\'\n'
        f'# {dots}\nreadme = """\n{dots}\n"""\nlicense = \'\'\'it\'s\'\'\'\'\n'
        f'[tool.mypy]\npython_version = 3.11\n[[tool.mypy.overrides]]\nmodule = ["a.b.c"]\n'
        f'[tool.cappolicy]\nrulesets = ["rules"]  # {dots}\ncountry = "XA"\n'
        f'[tool.other]\n{".".join(["k"] * 32)} = 1\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "p.yaml", "--as-of", "2027-01-15"])
    assert result.exit_code == 0, result.output
    assert "settings: pyproject.toml" in result.output
    assert "against ruleset national/xa" in result.output
    with (project / "pyproject.toml").open("a", encoding="utf-8") as file:
        file.write(f'{".".join(["k"] * 33)} = 1\n')  # one part more than a key may have
    result = CliRunner().invoke(main, ["check", "p.yaml", "--as-of", "2027-01-15"])
    assert result.exit_code == 2, result.output
    assert "pyproject.toml:19:1: error[CP440]" in result.output, result.output


def test_thousands_of_unknown_settings_are_said_in_a_few_messages_and_quickly(
        tmp_path: Path) -> None:
    """Each unknown key's place was looked for by reading the whole file again (5,000
    tables took 13 s, 20,000 more than two minutes): the file is read once for them all,
    the first 20 are said one by one and the others counted."""
    import subprocess
    import sys

    (tmp_path / ".git").mkdir()
    shutil.copy(GOOD, tmp_path / "p.yaml")
    (tmp_path / "cappolicy.toml").write_text(
        "".join(f"[t{i}]\nk = 1\n" for i in range(20000)), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from cappolicy.cli.entry import main; "
         "sys.argv[0] = 'cappolicy'; sys.exit(main())", "check", "p.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    out = result.stdout + result.stderr
    assert out.count("error[CP441]") == 21, out[-2000:]
    assert "cappolicy.toml:1:2: error[CP441]: unknown setting 't0'" in out
    assert "cappolicy.toml:41:2: error[CP441]: ... and 19980 more" in out
    assert "Traceback" not in out


@pytest.mark.parametrize(("setting", "reason"), [
    ('rulesets = ["r{long}"]', "File name too long"),
    ('rulesets = ["ok", "r{long}/x"]', "File name too long"),
    ('sources = "s{long}"', "File name too long"),
    ('rulesets = ["a\\u0000b"]', "its name holds a NUL character"),
    ('sources = "a\\u0000b"', "its name holds a NUL character")])
def test_a_settings_folder_the_system_cannot_look_at_is_a_located_error(
        project: Path, setting: str, reason: str) -> None:
    """A name longer than the system allows (255 bytes) raised OSError from the check
    whether the folder exists: a traceback and exit 1, read as a failed proposal."""
    (project / "ok").mkdir()
    key = setting.split()[0]
    (project / "cappolicy.toml").write_text(f'country = "XA"\n{setting.format(long="r" * 300)}\n',
                                            encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "p.yaml"])
    assert result.exit_code == 2, result.output
    assert f"cappolicy.toml:2:1: error[CP441]: {key} folder '" in result.output, result.output
    assert f"' cannot be used: {reason}" in result.output
    assert "Traceback" not in result.output


def test_a_config_option_naming_a_file_the_system_cannot_look_at_is_an_error(
        project: Path) -> None:
    result = CliRunner().invoke(main, ["--config", "c" * 300 + ".toml", "check", "p.yaml"])
    assert result.exit_code == 2, result.output
    assert "error[CP440]: cannot read settings file ccc" in result.output
    assert ".toml: File name too long" in result.output
