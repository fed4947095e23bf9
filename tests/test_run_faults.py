"""One bad proposal, a fault of ours, or a dead worker never ends a check run or hangs it.

Numbers a float cannot hold are load errors at the number (CP404); any other exception
while checking a file is that file's CP490 error; a worker killed with -j is noticed at
once and the files it had not reported are CP491 errors. In every case the other files
are checked and reported, the exit code is 2, and -j changes nothing in the report.
The command line runs as a real process here, with real workers (-j 2 on enough files
that two are started) and, for the lost worker, a real SIGKILL."""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cappolicy.base.errors import ProposalError
from cappolicy.proposal.load import load_proposal_text
from cappolicy.run import check

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "proposals"
GOOD = (EXAMPLES / "xa-cirt-good.yaml").read_text(encoding="utf-8")
HUGE_HEX = "0x1" + "0" * 256  # 2**1024 in 259 characters: one more than a float holds
#: enough files that -j 2 starts two workers
FOR_TWO = 2 * check.MIN_FILES_PER_WORKER
#: a guard against a hang, not a measure of speed
GUARD = 120


def _edit(old: str, new: str, text: str = GOOD) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    """The command line run as a process (once for the same arguments: runs are slow)."""
    return _run(args, tuple(sorted((env or {}).items())), cwd)


@functools.cache
def _run(args: tuple[str, ...], env: tuple[tuple[str, str], ...], cwd: Path | None
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cappolicy.cli.entry", *args], capture_output=True,
                          text=True, check=False, timeout=GUARD, cwd=cwd,
                          env={**os.environ, **_path_env(), **dict(env)})


def _path_env() -> dict[str, str]:
    """The checkout's sources first, so that the processes run the code under test."""
    paths = [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {"PYTHONPATH": os.pathsep.join(paths)}


def _good_folder(folder: Path, count: int) -> list[str]:
    """`count` good proposals (copies of the examples) in `folder`; their names."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(EXAMPLES.glob("*.yaml"))
    names = []
    for i in range(count):
        name = f"p{i:03d}.yaml"
        (folder / name).write_text(sources[i % len(sources)].read_text(encoding="utf-8"),
                                   encoding="utf-8")
        names.append(name)
    return names


def _reported(output: str) -> list[str]:
    """The file of each section of a text report, checked or not loaded, in order."""
    return re.findall(r"^== (?:.*/)?([^/ ]+\.(?:yaml|json))(?: \(| could not be loaded)",
                      output, re.M)


# --- numbers that do not fit a float, and their siblings -----------------------------------

OVERFLOWING = {
    "baseline-hex.yaml": _edit("baseline: 72", f"baseline: {HUGE_HEX}"),
    "baseline-float-tag.yaml": _edit("baseline: 72", f"baseline: !!float {HUGE_HEX}"),
    "amount-hex.yaml": _edit("2027: 1200000", f"2027: {HUGE_HEX}"),
    "amount-negative-hex.yaml": _edit("2027: 1200000", f"2027: -{HUGE_HEX}"),
    "amount-int-tag.yaml": _edit("2027: 1200000", f"2027: !!int {HUGE_HEX}"),
    "amount-inf.yaml": _edit("2027: 1200000", "2027: .inf"),
    "amount-minus-inf.yaml": _edit("2027: 1200000", "2027: -.inf"),
    "amount-nan.yaml": _edit("2027: 1200000", "2027: .nan"),
    "amount-1e400.yaml": _edit("2027: 1200000", "2027: 1e400"),
    "target-float-tag-inf.yaml": _edit("target: 24", "target: !!float .inf"),
    "year-99999.yaml": _edit("2027: 1200000", "99999: 1200000"),
    "date-99999.yaml": _edit("end: 2029-12-31}", "end: 99999-12-31}"),
    "amount-many-digits.yaml": _edit("2027: 1200000", "2027: " + "9" * 5000),
}


def _json(text: str) -> str:
    import json

    import yaml

    data = yaml.safe_load(text)
    return json.dumps(data, default=str)


OVERFLOWING_JSON = {
    "baseline-1e400.json": _json(GOOD).replace('"baseline": 72', '"baseline": 1e400', 1),
    "amount-minus-1e400.json": _json(GOOD).replace('"2027": 1200000', '"2027": -1e400', 1),
    "amount-many-digits.json": _json(GOOD).replace('"2027": 1200000', '"2027": ' + "9" * 5000, 1),
}


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("name", sorted(OVERFLOWING))
def test_a_number_a_float_cannot_hold_is_a_load_error_at_it(name: str) -> None:
    text = OVERFLOWING[name]
    with pytest.raises(ProposalError) as caught:
        load_proposal_text(text, name)
    [problem] = caught.value.diagnostics
    assert problem.code == "CP404"
    assert problem.span is not None and problem.span.file == name
    changed = next(i for i, (a, b) in enumerate(zip(GOOD.splitlines(), text.splitlines()))
                   if a != b)
    assert problem.span.line == changed + 1


@pytest.mark.parametrize("name", sorted(OVERFLOWING_JSON))
def test_a_json_number_a_float_cannot_hold_is_a_load_error(name: str) -> None:
    with pytest.raises(ProposalError) as caught:
        load_proposal_text(OVERFLOWING_JSON[name], name)
    [problem] = caught.value.diagnostics
    assert problem.code == "CP404" and problem.span is not None and problem.span.line == 1


def test_the_largest_numbers_a_float_holds_still_load() -> None:
    largest = int(sys.float_info.max)
    proposal = load_proposal_text(_edit("baseline: 72", f"baseline: {hex(largest)}"), "p.yaml")
    assert proposal.data["indicators"][0]["baseline"] == largest
    proposal = load_proposal_text(_edit("baseline: 72", "baseline: 1.7e308"), "p.yaml")
    assert proposal.data["indicators"][0]["baseline"] == 1.7e308


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Good proposals, enough for two workers, with every overflowing one among them."""
    folder = tmp_path_factory.mktemp("mixed")
    good = _good_folder(folder, FOR_TWO)
    for name, text in {**OVERFLOWING, **OVERFLOWING_JSON}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder, good


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_overflowing_proposals_are_reported_and_the_others_checked(
        mixed: tuple[Path, list[str]], jobs: str) -> None:
    folder, good = mixed
    done = _cli("check", folder.name, "-j", jobs, cwd=folder.parent)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
    bad = sorted({**OVERFLOWING, **OVERFLOWING_JSON})
    assert sorted(_reported(done.stdout)) == sorted([*good, *bad])
    for name, text in OVERFLOWING.items():
        changed = next(i for i, (a, b) in enumerate(zip(GOOD.splitlines(), text.splitlines()))
                       if a != b) + 1
        assert re.search(rf"^{folder.name}/{re.escape(name)}:{changed}:\d+: error\[CP404\]",
                         done.stdout, re.M), name
    for name in OVERFLOWING_JSON:
        assert re.search(rf"^{folder.name}/{re.escape(name)}:1:\d+: error\[CP404\]",
                         done.stdout, re.M), name


def test_the_report_is_the_same_bytes_whatever_j(mixed: tuple[Path, list[str]]) -> None:
    folder, _ = mixed
    serial, two = (_cli("check", folder.name, "-j", jobs, cwd=folder.parent)
                   for jobs in ("1", "2"))
    assert serial.returncode == two.returncode == 2
    assert serial.stdout == two.stdout


# --- an exception of ours while checking one file ------------------------------------------

# Loaded by every process started with this folder on PYTHONPATH, workers included: loading
# a file whose name starts with "crash" raises what no input should make cappolicy raise.
SITECUSTOMIZE = '''
import cappolicy.proposal.load as load

_real = load.load_proposal

def load_proposal(path):
    if str(path).rsplit("/", 1)[-1].startswith("crash"):
        raise OverflowError("int too large to convert to float")
    return _real(path)

load.load_proposal = load_proposal
'''


@pytest.fixture(scope="module")
def crashing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    folder = tmp_path_factory.mktemp("crashing")
    good = _good_folder(folder / "proposals", FOR_TWO)
    for name in ("crash-a.yaml", "crash-b.yaml"):
        (folder / "proposals" / name).write_text(GOOD, encoding="utf-8")
    hooks = folder / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    return folder, hooks, good


def _with_hooks(hooks: Path, **more: str) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(hooks), _path_env()["PYTHONPATH"]]), **more}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_internal_error_is_that_files_error(
        crashing: tuple[Path, Path, list[str]], jobs: str) -> None:
    folder, hooks, good = crashing
    done = _cli("check", "proposals", "-j", jobs, cwd=folder, env=_with_hooks(hooks))
    assert done.returncode == 2
    assert done.stderr == ""  # no traceback unless asked for
    assert sorted(_reported(done.stdout)) == sorted([*good, "crash-a.yaml", "crash-b.yaml"])
    for name in ("crash-a.yaml", "crash-b.yaml"):
        assert (f"error[CP490]: internal error while checking proposals/{name}: "
                "OverflowError: int too large to convert to float") in done.stdout


def test_an_internal_error_gives_the_same_report_whatever_j(
        crashing: tuple[Path, Path, list[str]]) -> None:
    folder, hooks, _ = crashing
    serial, two = (_cli("check", "proposals", "-j", jobs, cwd=folder, env=_with_hooks(hooks))
                   for jobs in ("1", "2"))
    assert serial.returncode == two.returncode == 2
    assert serial.stdout == two.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_traceback_is_shown_when_asked_for(
        crashing: tuple[Path, Path, list[str]], jobs: str) -> None:
    folder, hooks, _ = crashing
    done = _cli("check", "proposals", "-j", jobs, cwd=folder,
                env=_with_hooks(hooks, CAPPOLICY_DEBUG="1"))
    assert done.returncode == 2
    assert done.stderr.count("Traceback (most recent call last)") == 2
    assert "OverflowError: int too large to convert to float" in done.stderr


# --- a worker killed with SIGKILL ----------------------------------------------------------


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _busy_worker(pid: int) -> bool:
    """Whether `pid` is a worker that has started and is checking files: it has used
    more CPU time than starting takes (importing and compiling the rulesets)."""
    try:
        if b"spawn_main" not in (Path("/proc") / str(pid) / "cmdline").read_bytes():
            return False
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    utime, stime = stat[stat.rindex(")") + 2:].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK") > BUSY


#: CPU seconds after which a worker is surely at work on its files
BUSY = 0.6


def _end(process: subprocess.Popen[str]) -> None:
    """Kill what is left of a run and its workers (only when the test failed)."""
    for child in _children(process.pid):
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.kill()
    process.communicate()


@pytest.fixture()
def run_to_kill(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    # Many files, so that the workers are still at work when one is killed
    names = _good_folder(tmp_path / "proposals", 6 * FOR_TWO)
    process = subprocess.Popen(
        [sys.executable, "-m", "cappolicy.cli.entry", "check", "proposals", "-j", "2"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **_path_env()})
    try:
        yield process, names
    finally:
        if process.poll() is None:
            _end(process)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_worker_ends_the_run_with_its_files_named(
        run_to_kill: tuple[subprocess.Popen[str], list[str]]) -> None:
    process, names = run_to_kill
    deadline = time.monotonic() + GUARD
    victim = None
    while victim is None and time.monotonic() < deadline and process.poll() is None:
        victim = next((pid for pid in _children(process.pid) if _busy_worker(pid)), None)
        time.sleep(0.01)
    assert victim is not None, "no worker was at work"
    os.kill(victim, signal.SIGKILL)
    try:
        out, err = process.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        pytest.fail("the run still waits for the killed worker")
    assert process.returncode == 2, err
    assert "Traceback" not in err
    lost = re.findall(r"^error\[CP491\]: proposals/(\S+) was not checked: the worker process "
                      r"checking it stopped \(killed by SIGKILL\)$", out, re.M)
    assert 1 <= len(lost) <= check.MAX_CHUNK
    # every file once: checked, or named as not checked
    assert sorted(_reported(out)) == sorted(names)
    plural = "file" if len(lost) == 1 else "files"
    assert f"{len(lost)} {plural} not loaded" in out.splitlines()[-1]


# --- a worker that cannot be started -------------------------------------------------------


def _refuse_after(monkeypatch: pytest.MonkeyPatch, started: int) -> None:
    """Starting a worker fails, as when the system allows no more processes, once
    `started` have been started."""
    real = check._Worker.start
    count = [0]

    def start(*args: object) -> check._Worker:
        count[0] += 1
        if count[0] > started:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(check._Worker, "start", start)


def _in_process(*args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from cappolicy.cli.main import main

    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.output


def test_files_no_worker_could_be_started_for_are_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = _good_folder(tmp_path, 8)
    monkeypatch.setattr(check, "MIN_FILES_PER_WORKER", 4)
    _refuse_after(monkeypatch, 0)
    code, out = _in_process("check", str(tmp_path), "-j", "2")
    assert code == 2
    assert sorted(_reported(out)) == names
    assert out.count("was not checked: no worker process could be started (BlockingIOError: "
                     "[Errno 11] Resource temporarily unavailable)") == len(names)


def test_one_worker_does_the_work_when_a_second_cannot_be_started(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _good_folder(tmp_path, 8)
    serial = _in_process("check", str(tmp_path))
    monkeypatch.setattr(check, "MIN_FILES_PER_WORKER", 4)
    _refuse_after(monkeypatch, 1)
    assert _in_process("check", str(tmp_path), "-j", "2") == serial
