"""What cappolicy reads and writes, attacked for real: settings above the repository, links
to /proc/self/environ and to files outside a scanned folder, FIFOs, a rule file linked to
/dev/zero, an --output target that is a link. The command runs in a process of its own
with a guard timeout where the old behaviour was to hang or to eat memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cappolicy.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "proposals"
#: a proposal that fails the shipped baseline (its country, XD, has no national ruleset)
FAILING = EXAMPLES / "xd-parallel-structures.yaml"
GUARD = 120  # seconds: a command that has not finished by then hangs
SECRET = "cappolicy-test-secret-4f1d"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, FIFOs, /proc")


def run_cli(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exc_info
    return result


def run_process(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`cappolicy ARGS` in a process of its own, with SECRET in its environment; fails the
    test (rather than hanging it) when it does not finish within GUARD seconds."""
    env = {**os.environ, "CAPPOLICY_TEST_SECRET": SECRET}
    try:
        return subprocess.run([sys.executable, "-m", "cappolicy.cli.entry", *args], cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=GUARD,
                              check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cappolicy {' '.join(args)} did not finish in {GUARD} s (it hangs)")


def copy_failing(folder: Path, name: str = "p.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(FAILING.read_text(encoding="utf-8"), encoding="utf-8")
    return path


# --- settings: never from above the repository --------------------------------------------------

EMPTY_BASELINE = 'ruleset baseline "Nothing to check"\nversion "1"\n'


def test_settings_above_the_repository_are_ignored_and_those_inside_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # /tmp-like folder above the checkout: settings hiding the baseline behind an empty one
    (tmp_path / "empty" / "baseline").mkdir(parents=True)
    (tmp_path / "empty" / "baseline" / "core.cpol").write_text(EMPTY_BASELINE, encoding="utf-8")
    (tmp_path / "cappolicy.toml").write_text('rulesets = ["empty"]\n', encoding="utf-8")
    repo = tmp_path / "clone"
    (repo / ".git").mkdir(parents=True)
    copy_failing(repo / "proposals")
    monkeypatch.chdir(repo / "proposals")
    result = run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--no-color")
    assert result.exit_code == 1, result.output  # the shipped baseline's failures
    assert result.output.startswith("settings: none (defaults); rulesets: <shipped>\n")

    (repo / "cappolicy.toml").write_text('fail_on = "should"\n', encoding="utf-8")
    result = run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--no-color")
    assert result.exit_code == 1
    settings = str(repo / "cappolicy.toml")  # outside the current folder: as it is
    assert result.output.startswith(f"settings: {settings}; rulesets: <shipped>\n")
    doc = json.loads(run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--format",
                             "json").stdout)
    assert doc["inputs"] == {"settings": settings, "rulesets": ["<shipped>"]}
    sarif = json.loads(run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--format",
                               "sarif").stdout)
    props = sarif["runs"][0]["properties"]
    assert (props["settings"], props["rulesets"]) == (settings, ["<shipped>"])


def test_a_proposal_checked_against_no_rules_is_an_error_not_a_pass(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "empty" / "baseline").mkdir(parents=True)
    (tmp_path / "empty" / "baseline" / "core.cpol").write_text(EMPTY_BASELINE, encoding="utf-8")
    (tmp_path / "cappolicy.toml").write_text('rulesets = ["empty"]\n', encoding="utf-8")
    copy_failing(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--no-color")
    assert result.exit_code == 2, result.output
    assert "p.yaml:1:1: error[CP426]: p.yaml would be checked against zero rules: the " \
           "ruleset baseline has none in force" in result.output
    assert result.output.startswith("settings: cappolicy.toml; rulesets: <shipped>, empty\n")


# --- links and special files, read -------------------------------------------------------------


def test_a_proposal_linked_to_proc_self_environ_is_refused_unquoted(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "env.yaml").symlink_to("/proc/self/environ")
    named = run_process(tmp_path, "check", "env.yaml", "--format", "json")
    assert named.returncode == 2, named.stderr
    assert SECRET not in named.stdout + named.stderr
    [error] = json.loads(named.stdout)["errors"]
    assert "it is a file of the kernel's (/sys or /proc)" in error["diagnostics"][0]["message"]
    sarif = run_process(tmp_path, "check", "env.yaml", "--format", "sarif")
    assert sarif.returncode == 2 and SECRET not in sarif.stdout + sarif.stderr


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="a Linux /sys")
def test_a_proposal_linked_to_a_sys_file_is_refused_unread(tmp_path: Path) -> None:
    # sysfs says every file holds 4096 bytes, so the check that /proc fails (more content
    # than its size) let /sys files be read and quoted ("found 'always [madvise] never'").
    target = next((p for p in (Path("/sys/kernel/mm/transparent_hugepage/enabled"),
                               Path("/sys/kernel/mm/transparent_hugepage/defrag"),
                               Path("/sys/power/state"), Path("/sys/kernel/profiling"))
                   if p.is_file()), None)
    if target is None:
        pytest.skip("no readable /sys file known here")
    text = target.read_text(encoding="utf-8", errors="replace").strip()
    (tmp_path / "p.yaml").symlink_to(target)
    done = run_process(tmp_path, "check", "p.yaml", "--no-color")
    assert done.returncode == 2, done.stdout
    assert "it is a file of the kernel's (/sys or /proc), not a file to check" in done.stdout
    assert not text or text not in done.stdout + done.stderr


def test_links_out_of_a_scanned_folder_are_skipped_with_a_note(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    copy_failing(tmp_path / "outside", "elsewhere.yaml")
    proposals = tmp_path / "proposals"
    good = proposals / "good.yaml"
    proposals.mkdir()
    good.write_text((EXAMPLES / "xa-cirt-good.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    (proposals / "env.yaml").symlink_to("/proc/self/environ")
    (proposals / "out.yaml").symlink_to(tmp_path / "outside" / "elsewhere.yaml")
    (proposals / "same.yaml").symlink_to("good.yaml")  # inside the folder: followed
    done = run_process(tmp_path, "check", "proposals", "--as-of", "2027-01-15", "--no-color")
    assert SECRET not in done.stdout + done.stderr
    assert "note[CP425]: proposals/env.yaml is a symbolic link to /proc/" in done.stderr
    assert "note[CP425]: proposals/out.yaml is a symbolic link to " in done.stderr
    assert "elsewhere.yaml" not in done.stdout  # not checked
    assert "== proposals/good.yaml" in done.stdout and "== proposals/same.yaml" in done.stdout
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_fifo_neither_hangs_a_folder_scan_nor_a_named_check(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    proposals = tmp_path / "proposals"
    proposals.mkdir()
    (proposals / "good.yaml").write_text((EXAMPLES / "xa-cirt-good.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    os.mkfifo(proposals / "pipe.yaml")
    scanned = run_process(tmp_path, "check", "proposals", "--as-of", "2027-01-15")
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert "note[CP425]: proposals/pipe.yaml is a named pipe (FIFO), not a regular file: " \
           "skipped" in scanned.stderr
    named = run_process(tmp_path, "check", "proposals/pipe.yaml")
    assert named.returncode == 2
    assert "error[CP421]: proposals/pipe.yaml is a named pipe (FIFO), not a regular file" \
        in named.stderr
    hook = run_process(tmp_path, "check", "--only-proposals", "proposals/pipe.yaml",
                       "proposals/good.yaml")
    # the pipe is its own error in the report, and the other file is still checked
    assert hook.returncode == 2 and "named pipe" in hook.stdout and "XA-CIRT-2027" in hook.stdout
    (tmp_path / "cappolicy.toml").unlink(missing_ok=True)
    os.mkfifo(tmp_path / "cappolicy.toml")
    settings = run_process(tmp_path, "check", "proposals/good.yaml")
    assert settings.returncode == 2
    assert "cannot read settings file" in settings.stderr and "named pipe" in settings.stderr


def test_a_rule_file_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    rules = tmp_path / "rules" / "baseline"
    rules.mkdir(parents=True)
    (rules / "zero.cpol").symlink_to("/dev/zero")
    copy_failing(tmp_path)
    done = run_process(tmp_path, "check", "p.yaml", "--rulesets", "rules")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "rules/baseline/zero.cpol cannot be read as a rule file: it is a symbolic link " \
        "to /dev/zero, outside rules" in done.stdout + done.stderr  # never opened
    fmt = run_process(tmp_path, "fmt", "--check", "rules/baseline/zero.cpol")
    assert fmt.returncode == 2 and "character device" in fmt.stderr


def test_a_settings_file_is_quoted_no_further_than_the_span_located(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "cappolicy.toml").write_text(f'tokn = "{SECRET}"\n', encoding="utf-8")
    copy_failing(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "p.yaml")
    assert result.exit_code == 2
    assert "cappolicy.toml:1:1: error[CP441]: unknown setting 'tokn'" in result.output
    assert "   1 | tokn\n" in result.output
    assert SECRET not in result.output


# --- writing: never through a link ------------------------------------------------------------


def test_an_output_file_that_is_a_link_is_replaced_and_its_target_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "report.sarif").symlink_to(precious)
    copy_failing(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--output",
                     "sarif=report.sarif")
    assert result.exit_code == 1, result.output
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    report = tmp_path / "report.sarif"
    assert not report.is_symlink()
    assert json.loads(report.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_report_is_not_written_through_a_folder_linked_out_of_the_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`reports` committed as a link to a folder elsewhere on the machine: the report
    named `reports/x.json` would replace a file there. It is refused; named by the
    path it lands at, it is written."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.json").write_text("keep me\n", encoding="utf-8")
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    (project / "reports").symlink_to(elsewhere)
    copy_failing(project)
    monkeypatch.chdir(project)
    result = run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--output",
                     "json=reports/x.json")
    assert result.exit_code == 2, result.output
    assert "its folder is a symbolic link to" in result.output
    assert (elsewhere / "x.json").read_text(encoding="utf-8") == "keep me\n"
    result = run_cli("check", "p.yaml", "--as-of", "2027-01-15", "--output",
                     f"json={elsewhere / 'x.json'}")
    assert result.exit_code == 1, result.output
    assert json.loads((elsewhere / "x.json").read_text(encoding="utf-8"))["results"]
    # nor are imported proposals written into such a folder
    xml = project / "a.xml"
    xml.write_text('<?xml version="1.0"?>\n<iati-activities version="2.03"><iati-activity>'
                   "<iati-identifier>XA-1</iati-identifier></iati-activity></iati-activities>",
                   encoding="utf-8")
    result = run_cli("import", "iati", str(xml), "-o", "reports")
    assert result.exit_code == 2, result.output
    assert "outside the project" in result.output
    assert sorted(p.name for p in elsewhere.iterdir()) == ["x.json"]


def _null_device(tmp_path: Path) -> Path:
    """A character device that discards what is written to it: a /dev/null of the
    test's own where it may make one (as root, as CI runs), else the system's, which a
    user other than root cannot replace, so that the old behaviour fails as CP422
    rather than break the machine."""
    if hasattr(os, "mknod") and os.geteuid() == 0:
        import stat

        device = tmp_path / "null"
        try:
            os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            return device
        except OSError:  # a container without the right to make devices
            pass
    return Path(os.devnull)


def test_a_report_to_a_device_is_written_to_it_and_the_device_left_as_it_is(
        tmp_path: Path) -> None:
    # Renamed over, a device becomes a regular file: `--output json=/dev/null`, run as
    # root, left /dev/null a regular file for every program on the machine.
    import stat

    device = _null_device(tmp_path)
    copy_failing(tmp_path)
    done = run_process(tmp_path, "check", "p.yaml", "--as-of", "2027-01-15", "--output",
                       f"json={device}")
    assert done.returncode == 1, done.stderr  # the check's failure, not a CP422
    assert "CP422" not in done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert [p.name for p in device.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_report_to_a_named_pipe_is_read_by_its_reader_and_refused_without_one(
        tmp_path: Path) -> None:
    import stat
    import threading

    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    copy_failing(tmp_path)
    nobody = run_process(tmp_path, "check", "p.yaml", "--as-of", "2027-01-15", "--output",
                         f"json={fifo}")  # no reader: an error at once, not a wait
    assert nobody.returncode == 2
    assert "error[CP422]: cannot write the report file" in nobody.stderr
    assert "named pipe (FIFO) that no process is reading" in nobody.stderr
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        read = run_process(tmp_path, "check", "p.yaml", "--as-of", "2027-01-15", "--output",
                           f"json={fifo}")
    finally:
        if reader.is_alive():  # let a reader that was never written to go
            with open(fifo, "wb"):
                pass
        reader.join(GUARD)
    assert read.returncode == 1, read.stderr
    assert json.loads(got[0])["results"][0]["file"].endswith("p.yaml")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_link_to_standard_output_writes_there_and_stays_a_link(tmp_path: Path) -> None:
    # /dev/stdout and /dev/fd/1 are such links: replaced, as root, they would be gone.
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    err = tmp_path / "stderr"
    err.symlink_to("/proc/self/fd/2")
    copy_failing(tmp_path)
    done = run_process(tmp_path, "check", "p.yaml", "--as-of", "2027-01-15", "--no-color",
                       "--output", f"json={link}", "--output", f"junit={err}")
    assert done.returncode == 1, done.stderr
    text, _, rest = done.stdout.partition("\n{\n")  # the text report, then the JSON one
    assert "error[" in text and json.loads("{\n" + rest)["schema"] == "cappolicy.report"
    assert done.stderr.startswith("<?xml") and "<testsuites" in done.stderr
    assert link.is_symlink() and err.is_symlink()


def test_a_report_is_never_written_to_a_block_device_or_a_socket(tmp_path: Path) -> None:
    import socket

    sock = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(sock))
        copy_failing(tmp_path)
        done = run_process(tmp_path, "check", "p.yaml", "--as-of", "2027-01-15", "--output",
                           f"json={sock}")
    finally:
        server.close()
    assert done.returncode == 2
    assert "cannot write the report file" in done.stderr and "it is a socket" in done.stderr
    assert "name a file, or a terminal, /dev/null or a named pipe" in done.stderr


def test_init_replaces_a_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    target = tmp_path / "p.yaml"
    target.symlink_to(precious)
    refused = run_cli("init", str(target), "--country", "XA")
    assert refused.exit_code == 2 and "exists" in refused.output
    dangling = tmp_path / "q.yaml"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    assert run_cli("init", str(dangling), "--country", "XA").exit_code == 2
    assert not (tmp_path / "nowhere.txt").exists()
    forced = run_cli("init", str(target), "--country", "XA", "--force")
    assert forced.exit_code == 0, forced.output
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    assert not target.is_symlink() and "cappolicy: 1" in target.read_text(encoding="utf-8")
