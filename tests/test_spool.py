"""A check holds no report in memory: each result's parts of the text and JSON reports go
to a temporary file as it is made (run/spool.py), and each report is written from there
a result at a time, the same bytes as the report rendered whole.

The temporary folder is untrusted: the file is made there with no name and mode 0600, a
file planted under the name tempfile would choose is not used, what is read back is what
was written, and a folder that is a symbolic link, read-only or full is a clear CP470
error, exit 2, never a traceback; nothing is left there however the run ends."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from cappolicy.base.errors import CappolicyError
from cappolicy.base.resources import shipped_rulesets
from cappolicy.render import render
from cappolicy.report.model import Tally
from cappolicy.rulesets.catalog import Rulesets
from cappolicy.run import check
from cappolicy.run.check import Job, Writing, check_files
from cappolicy.run.spool import Spool, pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "proposals").glob("*.yaml"))
IATI = sorted((ROOT / "tests" / "data" / "iati").glob("*.xml"))
AS_OF = dt.date(2026, 6, 1)
#: a guard against a hang, not a measure of speed
GUARD = 180


def _job(writing: Writing | None = None) -> Job:
    return Job((shipped_rulesets(),), None, None, AS_OF, writing)


@pytest.fixture(scope="module")
def rulesets() -> Rulesets:
    return _job().rulesets()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The examples, the real IATI files (several results each, one key given twice),
    a broken proposal and an IATI file that breaks off."""
    tmp_path = tmp_path_factory.mktemp("files")
    broken = tmp_path / "broken.yaml"
    broken.write_text("cappolicy: 1\nid: [unclosed\n", encoding="utf-8")
    cut = tmp_path / "cut.xml"
    text = IATI[-1].read_text(encoding="utf-8")
    cut.write_text(text[:len(text) // 2], encoding="utf-8")
    twice = tmp_path / "twice.xml"  # two activities of one identifier: a tie in report order
    first = text.index("<iati-activity")
    end = text.index("</iati-activity>", first) + len("</iati-activity>")
    twice.write_text(text[:end] + text[first:end] + "\n</iati-activities>\n", encoding="utf-8")
    return [*EXAMPLES, *IATI, broken, cut, twice]


@pytest.fixture(scope="module")
def whole(rulesets: Rulesets, files: list[Path]) -> check.Checked:
    """The files checked with every result kept whole."""
    return check_files(files, _job(), rulesets, None)


@pytest.mark.parametrize(("jobs", "verbose"), [(1, False), (1, True), (2, False)])
def test_reports_written_from_the_spool_are_those_rendered_whole(
        rulesets: Rulesets, files: list[Path], whole: check.Checked, jobs: int, verbose: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "MIN_FILES_PER_WORKER", 2)
    wanted = (("text", False), ("json", False), ("text", True))
    writing = Writing(wanted, "must", verbose=verbose)
    expected_report = whole.report("must", AS_OF, "0")
    assert len(expected_report.results) > 100  # the IATI files' activities among them
    with check_files(files, _job(writing), rulesets, None, jobs) as spooled:
        assert spooled.written is not None and len(spooled.written) == len(
            expected_report.results)
        report = spooled.report("must", AS_OF, "0")
        assert report.results == () and report.errors == expected_report.errors
        for fmt, color in wanted:
            expected = render(expected_report, fmt, color=color, verbose=verbose)
            pieces = list(spooled.pieces(report, fmt, color=color, verbose=verbose,
                                         writing=writing))
            if fmt == "text":  # the first line, one piece a result, the errors, the total
                assert len(pieces) == 1 + len(expected_report.results) + len(report.errors) + 1
            else:  # one piece a result, then the rest
                assert len(pieces) == len(expected_report.results) + 1
            assert "".join(pieces) == expected
        assert spooled.exit_code(report) == whole.exit_code(expected_report) == 2


def test_a_run_without_results_writes_the_report_whole(rulesets: Rulesets,
                                                       tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("[", encoding="utf-8")
    writing = Writing((("text", False), ("json", False)), "must")
    whole = check_files([broken], _job(), rulesets, None)
    with check_files([broken], _job(writing), rulesets, None) as spooled:
        for fmt in ("text", "json"):
            assert spooled.render(spooled.report("must", AS_OF, "0"), fmt, writing=writing) == \
                render(whole.report("must", AS_OF, "0"), fmt)


# --- the temporary file --------------------------------------------------------------------


def test_the_file_has_no_name_and_only_its_owner_could_open_it(tmp_path: Path) -> None:
    with Spool(1, str(tmp_path)) as spool:
        spool.keep(("a.yaml", "A"), pack(["é\ud800 part"]), Tally(1))
        made = os.fstat(spool._file.fileno())
        assert stat.S_IMODE(made.st_mode) == 0o600
        assert made.st_nlink == 0 and os.listdir(tmp_path) == []
        assert list(spool.parts(0)) == ["é\ud800 part"]  # as given, a lone surrogate too
        assert spool.counts == Tally(1)
    assert spool._file.closed


def test_the_folder_tmpdir_names_is_used_and_no_other(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))
    with pytest.raises(CappolicyError) as caught:
        Spool(1)
    [problem] = caught.value.diagnostics
    assert problem.code == "CP470" and str(tmp_path / "missing") in problem.message
    assert "No such file or directory" in problem.message


def test_a_file_planted_under_the_name_tempfile_chooses_is_not_used(
        rulesets: Rulesets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system cannot make a file without a name (no O_TMPFILE), tempfile names
    it: a file, or a symbolic link to a victim, planted under the names it will try is
    neither written nor read, and the report is still the right one."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("the victim's\n", encoding="utf-8")
    planted = folder / "cappolicy-report-planted1"
    planted.write_bytes(b"x\x9c planted by someone else")
    (folder / "cappolicy-report-planted2").symlink_to(victim)
    names = iter(["planted1", "planted2", "mine"])
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)  # a system without it: the spool
    monkeypatch.setattr(tempfile, "_O_TMPFILE_WORKS", False)  # and tempfile think so
    monkeypatch.setattr(tempfile, "_get_candidate_names", lambda: names)
    monkeypatch.setenv("TMPDIR", str(folder))
    writing = Writing((("json", False),), "must")
    with check_files(EXAMPLES, _job(writing), rulesets, None) as spooled:
        assert next(names, None) is None  # each planted name was tried, then passed over
        report = spooled.report("must", AS_OF, "0")
        got = spooled.render(report, "json", writing=writing)
    assert got == render(check_files(EXAMPLES, _job(), rulesets, None).report(
        "must", AS_OF, "0"), "json")
    assert planted.read_bytes() == b"x\x9c planted by someone else"
    assert victim.read_text(encoding="utf-8") == "the victim's\n"
    assert sorted(p.name for p in folder.iterdir()) == ["cappolicy-report-planted1",
                                                         "cappolicy-report-planted2"]


def test_what_is_read_back_is_what_was_written(tmp_path: Path) -> None:
    """Another process of the user's can open the file through /proc and write to it:
    what it wrote is never read back as part of a report."""
    with Spool(1, str(tmp_path)) as spool:
        spool.keep(("a.yaml", "A"), pack(["first " * 100]), Tally(1))
        spool.keep(("b.yaml", "B"), pack(["second " * 100]), Tally(1))
        spool._file.flush()
        with open(f"/proc/self/fd/{spool._file.fileno()}", "r+b") as other:
            other.seek(12)
            other.write(b"\x00changed\x00")
        parts = spool.parts(0)
        with pytest.raises(CappolicyError) as caught:
            list(parts)
        [problem] = caught.value.diagnostics
        assert problem.code == "CP471" and "does not hold what was written" in problem.message


# --- the command line, as a real process ----------------------------------------------------


def _env(folder: Path | str) -> dict[str, str]:
    paths = [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "TMPDIR": str(folder)}


def _check_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "cappolicy.cli.entry", "check", "--as-of",
            AS_OF.isoformat(), *args]


def _unshare(scratch: Path) -> list[str] | None:
    """A command that runs the rest in a mount namespace of its own (as root, or as the
    user mapped to root), where a test can mount a small or read-only tmpfs; None
    where the system allows neither (tried on `scratch`, an empty folder)."""
    tool = shutil.which("unshare")
    if tool is None:
        return None
    mount = 'mount -t tmpfs -o size=4k none "$1"'
    for flags in (["-m"], ["-r", "-m"]):
        probe = subprocess.run([tool, *flags, "sh", "-c", mount, "sh", str(scratch)],
                               capture_output=True, check=False, timeout=GUARD)
        if probe.returncode == 0:
            return [tool, *flags]
    return None


def _on_tmpfs(options: str, folder: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """`argv` run with TMPDIR a tmpfs mounted (with `options`) on `folder`."""
    folder.mkdir()
    unshare = _unshare(folder)
    if unshare is None:
        pytest.skip("no mount namespace can be made here for a small or read-only tmpfs")
    script = 'mount -t tmpfs -o "$1" none "$2" || exit 99; shift 2; exec "$@"'
    done = subprocess.run([*unshare, "sh", "-c", script, "sh", options, str(folder), *argv],
                          capture_output=True, text=True, check=False, timeout=GUARD,
                          env=_env(folder))
    assert done.returncode != 99, done.stderr
    return done


def _refused(done: subprocess.CompletedProcess[str], folder: Path, why: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"error[CP470]: cannot keep the report in a temporary file in {folder}: {why}" \
        in done.stderr, done.stderr
    assert "help: set TMPDIR to a folder of your own" in done.stderr
    assert "total" not in done.stdout  # no report pretends to be whole


def test_a_tmpdir_that_is_a_symbolic_link_another_user_controls_is_refused(
        tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    # ours, in a folder of ours (as macOS's /tmp -> /private/tmp is the system's): used
    done = subprocess.run(_check_argv(*map(str, EXAMPLES[:2])), capture_output=True, text=True,
                          check=False, timeout=GUARD, env=_env(link))
    assert done.returncode in (0, 1), done.stderr
    assert "total" in done.stdout and os.listdir(real) == []
    # in a folder anyone may write to (not sticky): anyone may put another link there
    tmp_path.chmod(0o777)
    try:
        done = subprocess.run(_check_argv(*map(str, EXAMPLES[:2])), capture_output=True,
                              text=True, check=False, timeout=GUARD, env=_env(link))
    finally:
        tmp_path.chmod(0o700)
    _refused(done, link, "it is a symbolic link")
    if os.geteuid() == 0:  # a link that belongs to another user: only root can make one
        os.lchown(link, 65534, 65534)
        done = subprocess.run(_check_argv(*map(str, EXAMPLES[:2])), capture_output=True,
                              text=True, check=False, timeout=GUARD, env=_env(link))
        _refused(done, link, "it is a symbolic link")
    assert os.listdir(real) == []


def test_a_read_only_tmpdir_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    if os.geteuid() != 0:  # the folder's mode is enough for anyone but root
        folder.mkdir(mode=0o500)
        done = subprocess.run(_check_argv(*map(str, EXAMPLES[:2])), capture_output=True,
                              text=True, check=False, timeout=GUARD, env=_env(folder))
    else:
        done = _on_tmpfs("ro", folder, _check_argv(*map(str, EXAMPLES[:2])))
    _refused(done, folder, "Read-only file system" if os.geteuid() == 0 else "Permission denied")


def test_a_tmpdir_that_fills_up_is_an_error_and_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "full"
    # one page of room: the examples' reports, compressed, need several
    done = _on_tmpfs("size=4k", folder, _check_argv(*map(str, EXAMPLES), "--format", "json",
                                                     "--output", f"text={tmp_path}/r.txt"))
    _refused(done, folder, "No space left on device")
    assert not (tmp_path / "r.txt").exists()


def _spool_of(pid: int, folder: Path) -> bool:
    """Whether process `pid` has a file open in `folder` (the spool: it has no name)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(f"{folder}/") for link in links)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_nothing_is_left_in_tmpdir_when_the_run_is_stopped(tmp_path: Path,
                                                            how: signal.Signals) -> None:
    """Ctrl-C (SIGINT) or kill -9 in the middle of a check: the temporary folder is as
    it was, and Ctrl-C ends the run without a traceback."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    proposals = tmp_path / "proposals"
    proposals.mkdir()
    for i in range(400):
        shutil.copy(EXAMPLES[i % len(EXAMPLES)], proposals / f"p{i:03d}.yaml")
    run = subprocess.Popen(_check_argv(str(proposals)), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=_env(folder))
    try:
        guard = time.monotonic() + GUARD
        while not _spool_of(run.pid, folder) and run.poll() is None:
            assert time.monotonic() < guard, "the check never opened its temporary file"
            time.sleep(0.01)
        assert run.poll() is None, "the check ended before it could be stopped"
        assert os.listdir(folder) == []  # open, and already without a name
        run.send_signal(how)
        _, err = run.communicate(timeout=GUARD)
    finally:
        run.kill()
        run.wait()
    assert os.listdir(folder) == []
    if how == signal.SIGINT:
        assert run.returncode != 0 and "Traceback" not in err, err
