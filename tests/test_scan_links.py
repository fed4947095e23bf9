"""Folder scans attacked: a symbolic link in a loop, links out of a folder of rule files or
rule tests (to a secret a syntax error would quote), names in upper case, and a proposal
whose `cappolicy` key is an alias. Each command runs in a process of its own, with a
guard timeout, since the old behaviour was a traceback."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from test_files import EXAMPLES, FAILING, ROOT, copy_failing, run_process

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links")

#: what a file outside the scanned folders holds: never to be printed
SECRET_LINE = "cappolicy-scan-secret-9c2e is the password"
GOOD = EXAMPLES / "xa-cirt-good.yaml"
XA = ROOT / "rulesets" / "national" / "xa.cpol"


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_LINE + "\n", encoding="utf-8")
    return secret


def _said(done: object) -> str:
    return getattr(done, "stdout") + getattr(done, "stderr")


def test_a_link_loop_in_a_proposal_folder_is_skipped_with_a_note(tmp_path: Path) -> None:
    copy_failing(tmp_path / "d")
    (tmp_path / "d" / "self.yaml").symlink_to("self.yaml")
    (tmp_path / "d" / "a.yml").symlink_to("b.yml")  # a loop of two links
    (tmp_path / "d" / "b.yml").symlink_to("a.yml")
    for args in (["check", "--no-color"], ["check", "--only-proposals"], ["portfolio"]):
        done = run_process(tmp_path, *args, "d")
        assert "Traceback" not in done.stderr, done.stderr
        for name in ("d/self.yaml", "d/a.yml", "d/b.yml"):
            assert f"note[CP425]: {name} is a symbolic link that leads round a loop" \
                in done.stderr, done.stderr
        assert done.returncode == 1, _said(done)  # p.yaml checked, and it fails
        assert "1 proposal" in done.stdout, done.stdout


def test_a_link_loop_in_a_folder_of_rule_files_is_an_error_of_its_ruleset(
        tmp_path: Path) -> None:
    # A rule file that cannot be read is not passed over: the ruleset would be checked
    # without its rules. It is an error of the ruleset it stands in (exit 2), as a syntax
    # error is; the other rulesets of the folder are read. fmt, which changes no rule,
    # passes over it with a note.
    national = tmp_path / "r" / "national"
    national.mkdir(parents=True)
    shutil.copy(XA, national / "xa.cpol")
    (national / "self.cpol").symlink_to("self.cpol")
    refused = "error[CP425]: r/national/self.cpol cannot be read as a rule file: it is a " \
        "symbolic link that leads round a loop of links"
    for args, other in ((["lint", "r"], "linted 2 rulesets: 1 error"),
                        (["rulesets", "--rulesets", "r"], "from r/national/xa.cpol")):
        done = run_process(tmp_path, *args)
        assert "Traceback" not in done.stderr, done.stderr
        assert refused in _said(done), _said(done)
        assert other in _said(done)  # xa.cpol is read all the same
        assert done.returncode == 2, _said(done)
    done = run_process(tmp_path, "fmt", "--check", "r")
    assert "note[CP425]: r/national/self.cpol is a symbolic link that leads round a loop" \
        in done.stderr and "1 file unchanged" in done.stderr, _said(done)
    assert "with errors" not in done.stderr and done.returncode == 0, _said(done)  # a note


def test_a_link_loop_among_rule_tests_is_skipped_with_a_note(tmp_path: Path) -> None:
    tests = tmp_path / "rules" / "baseline" / "tests"
    shutil.copytree(ROOT / "rulesets" / "baseline", tmp_path / "rules" / "baseline")
    for test in tests.glob("*.test.yaml"):
        if test.name != "financing.test.yaml":
            test.unlink()
    (tests / "self.test.yaml").symlink_to("self.test.yaml")
    done = run_process(tmp_path, "test", "rules/baseline/tests")
    assert "Traceback" not in done.stderr, done.stderr
    assert "note[CP425]: rules/baseline/tests/self.test.yaml is a symbolic link that leads " \
        "round a loop" in done.stderr, _said(done)
    assert done.returncode == 0 and "1 file run" in done.stdout, _said(done)


def test_a_project_ruleset_linked_outside_its_folder_is_refused_unread(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "cappolicy.toml").write_text('rulesets = ["policy/rules"]\n', encoding="utf-8")
    (repo / "policy" / "rules" / "national").mkdir(parents=True)
    (repo / "policy" / "rules" / "national" / "xa.cpol").symlink_to(secret)
    (repo / "proposals").mkdir()
    shutil.copy(GOOD, repo / "proposals" / "xa.yaml")  # host XA: national/xa is read
    done = run_process(repo, "check", "proposals/", "--as-of", "2027-01-15", "--no-color")
    assert SECRET_LINE.split()[0] not in _said(done)
    assert "policy/rules/national/xa.cpol cannot be read as a rule file: it is a symbolic " \
        f"link to {secret}, outside " in _said(done), _said(done)
    # never checked against the shipped national/xa in its place: the project chose its own
    assert "against ruleset national/xa" not in done.stdout
    assert done.returncode == 2, _said(done)


def test_rule_files_and_rule_tests_linked_outside_a_folder_given_are_never_read(
        tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    (tmp_path / "ev").mkdir()
    (tmp_path / "ev" / "evil.cpol").symlink_to(secret)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.test.yaml").symlink_to(secret)
    for args in (["rulesets", "--rulesets", "ev"], ["lint", "ev"], ["test", "t"]):
        done = run_process(tmp_path, *args)
        assert "Traceback" not in done.stderr, done.stderr
        assert SECRET_LINE.split()[0] not in _said(done), _said(done)
        assert "CP425]: " in _said(done) and f"is a symbolic link to {secret}, outside" \
            in _said(done), _said(done)
        assert done.returncode == 2, _said(done)
        if args[0] == "rulesets":  # the ruleset's files named as given, the link unresolved
            assert "from ev/evil.cpol (from --rulesets ev)" in done.stdout, done.stdout


def test_a_rule_file_named_that_is_a_link_is_followed(tmp_path: Path) -> None:
    (tmp_path / "rules" / "national").mkdir(parents=True)
    (tmp_path / "rules" / "national" / "xa.cpol").symlink_to(XA)
    done = run_process(tmp_path, "lint", "rules/national/xa.cpol")
    assert "CP425" not in done.stderr and "Traceback" not in done.stderr, _said(done)
    assert "linted 1 ruleset: no problems" in done.stdout, _said(done)
    assert done.returncode == 0, _said(done)


def test_upper_case_suffixes_are_found_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(GOOD, folder / "good.yaml")
    (folder / "bad.YAML").write_text("cappolicy: 1\nname: [\n", encoding="utf-8")
    (folder / "other.Json").write_text('{"cappolicy": 2}\n', encoding="utf-8")
    shutil.copy(FAILING, folder / "fails.YML")
    done = run_process(tmp_path, "check", "d", "--as-of", "2027-01-15", "--no-color")
    assert "d/bad.YAML:" in done.stdout and "d/other.Json:" in done.stdout, _said(done)
    assert "== d/fails.YML" in done.stdout, done.stdout
    assert done.returncode == 2, _said(done)
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "A.CPOL").write_text(XA.read_text(encoding="utf-8") + "\n\n\n", encoding="utf-8")
    formatted = run_process(tmp_path, "fmt", "--check", "r")
    assert "would reformat r/A.CPOL" in formatted.stdout, _said(formatted)
    assert formatted.returncode == 1, _said(formatted)


def test_a_proposal_whose_cappolicy_key_is_an_alias_is_checked(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(GOOD, folder / "good.yaml")
    body = [line for line in FAILING.read_text(encoding="utf-8").splitlines()
            if not line.startswith("cappolicy:")]
    (folder / "alias.yaml").write_text("x-k: &k cappolicy\n*k : 1\n" + "\n".join(body) + "\n",
                                       encoding="utf-8")
    done = run_process(tmp_path, "check", "d", "--as-of", "2027-01-15", "--no-color")
    assert "no top-level cappolicy key" not in done.stderr, done.stderr
    assert "== d/alias.yaml" in done.stdout and "2 proposals" in done.stdout, _said(done)
    assert done.returncode == 1, _said(done)  # loaded, checked, and it fails as FAILING does


def test_a_link_to_a_hidden_file_in_a_scanned_folder_is_skipped(tmp_path: Path) -> None:
    # hidden files are not looked at, but a link was judged by its own name:
    # proposals/c.json -> ../.env printed the token in the error about the file
    (tmp_path / ".git").mkdir()
    (tmp_path / ".env").write_text("DEPLOY_TOKEN=" + SECRET_LINE + "\n", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "config.yaml").write_text("x: " + SECRET_LINE + "\n",
                                                      encoding="utf-8")
    copy_failing(tmp_path / "proposals")
    (tmp_path / "proposals" / "c.json").symlink_to("../.env")
    (tmp_path / "proposals" / "d.yaml").symlink_to("../.hidden/config.yaml")
    done = run_process(tmp_path, "check", "--no-color", ".")
    assert SECRET_LINE not in _said(done)
    for name in ("c.json", "d.yaml"):
        assert f"note[CP425]: proposals/{name} is a symbolic link to " in done.stderr
    assert "a hidden file or a file in a hidden folder: skipped" in done.stderr
    assert done.returncode == 1, _said(done)  # p.yaml checked, and it fails


def test_a_file_name_with_a_newline_cannot_start_a_line_of_the_skipped_note(
        tmp_path: Path) -> None:
    # the note named the files it skipped raw: a committed file name could forge a
    # GitHub workflow command on a line of its own
    copy_failing(tmp_path / "d")
    (tmp_path / "d" / "a\n::stop-commands::x.yaml").write_text("x: 1\n", encoding="utf-8")
    done = run_process(tmp_path, "check", "--no-color", "d")
    assert not any(line.startswith("::") for line in done.stderr.splitlines()), done.stderr
    assert "d/a\\n::stop-commands::x.yaml" in done.stderr
