"""`cappolicy check -j N` (check.py): worker processes change nothing a user sees.
The same report, byte for byte, in every format, and the same exit code, as -j 1; and
text and JSON written file by file are the reports rendered whole."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cappolicy.cli.main import main
from cappolicy.report.formats import FORMATS as ALL_FORMATS
from cappolicy.run import check

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "proposals"
AMOUNT = re.compile(r"\b(\d{5,})\b")


@pytest.fixture()
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The examples and mutated copies of them (amounts scaled, so verdicts differ), with
    a broken file among them; workers started for as few as 3 files each."""
    monkeypatch.setattr(check, "MIN_FILES_PER_WORKER", 3)
    folder = tmp_path / "proposals"
    folder.mkdir()
    sources = sorted(EXAMPLES.glob("*.yaml"))
    for i in range(24):
        source = sources[i % len(sources)]
        factor = (0.5, 1.0, 2.0)[i % 3]
        text = AMOUNT.sub(lambda m, factor=factor: str(int(int(m.group(1)) * factor)),
                          source.read_text(encoding="utf-8"))
        (folder / f"g{i:02d}-{source.name}").write_text(text, encoding="utf-8")
    (folder / "g99-broken.yaml").write_text("cappolicy: 1\nid: [unclosed\n", encoding="utf-8")
    return folder


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.output


FORMATS = tuple(f for f in ALL_FORMATS if f != "text")  # every format, from its registry


@pytest.fixture()
def pools(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """Each pool of workers started: how many workers, and whether they wrote the reports."""
    started: list[tuple[int, bool]] = []
    real = check._in_workers

    def counted(files: list[Path], job: check.Job, workers: int, *rest: Any) -> check.Checked:
        checked = real(files, job, workers, *rest)
        started.append((workers, checked.written is not None))
        return checked

    monkeypatch.setattr(check, "_in_workers", counted)
    return started


def test_every_report_is_the_same_from_two_processes(
        many: Path, tmp_path: Path, pools: list[tuple[int, bool]]) -> None:
    runs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        code, text = _run("check", str(many), str(EXAMPLES), "-j", jobs,
                          *(f"--output={fmt}={out}/report.{fmt}" for fmt in FORMATS))
        runs.append((code, text, [(out / f"report.{fmt}").read_bytes() for fmt in FORMATS]))
    assert runs[0][0] == 2  # the broken file; the others are still checked and reported
    assert "g99-broken.yaml could not be loaded" in runs[0][1]
    assert runs[1] == runs[0]
    assert pools == [(2, False)]  # -j 2 started two workers (sending results); -j 1 none


def test_text_and_json_written_by_the_workers(
        many: Path, tmp_path: Path, pools: list[tuple[int, bool]]) -> None:
    runs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        code, text = _run("check", str(many), str(EXAMPLES), "-j", jobs, "--color",
                          "--fail-on", "should", f"--output=json={out}/r.json",
                          f"--output=text={out}/r.txt")
        runs.append((code, text, (out / "r.json").read_bytes(), (out / "r.txt").read_bytes()))
    assert runs[1] == runs[0]
    assert "\x1b[" in runs[0][1] and b"\x1b[" not in runs[0][3]  # colour on the terminal only
    assert pools == [(2, True)]


@pytest.mark.parametrize("flags", [(), ("-v", "--allow-unknown"),
                                   ("--color", "--fail-on", "should")])
def test_text_and_json_written_file_by_file_match_the_whole_report(
        many: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        flags: tuple[str, ...]) -> None:
    """One process writes each file's part of the text and JSON reports as it checks
    it, when those are all the reports wanted; with a SARIF report wanted too, all are
    rendered from the whole report at the end. The same bytes either way."""
    written: list[Path] = []
    real = check._write
    monkeypatch.setattr(check, "_write", lambda result, *rest: (
        written.append(result.file), real(result, *rest))[1])
    loaded = 24 + len(list(EXAMPLES.glob("*.yaml")))  # all but the broken file
    runs = []
    for also in ((), (f"--output=sarif={tmp_path}/r.sarif",)):
        out = tmp_path / f"also{len(also)}"
        code, text = _run("check", str(many), str(EXAMPLES), *flags,
                          f"--output=json={out}/r.json", f"--output=text={out}/r.txt", *also)
        runs.append((code, text, (out / "r.json").read_bytes(), (out / "r.txt").read_bytes()))
        if not also:
            assert len(written) == loaded
    assert len(written) == loaded  # none written with SARIF wanted
    assert runs[1] == runs[0]
    assert runs[0][0] == 2 and "g99-broken.yaml could not be loaded" in runs[0][1]


def test_verbose_text_and_json_on_standard_output(
        many: Path, pools: list[tuple[int, bool]]) -> None:
    for fmt in ("text", "json"):
        serial = _run("check", str(many), "-v", "--allow-unknown", "--format", fmt)
        assert _run("check", str(many), "-v", "--allow-unknown", "--format", fmt,
                    "-j", "2") == serial
    assert pools == [(2, True), (2, True)]


def test_exit_codes_match_without_file_errors(many: Path) -> None:
    (many / "g99-broken.yaml").unlink()
    serial = _run("check", str(many), "--country", "XA")
    assert serial[0] == 1
    assert _run("check", str(many), "--country", "XA", "-j", "0") == serial
    good = [str(p) for p in sorted(many.glob("*xa-cirt-good.yaml"))]
    assert len(good) >= 3
    serial = _run("check", *good)
    assert serial[0] == 0
    assert _run("check", *good, "-j", "2") == serial


def test_a_fixed_ruleset_reaches_the_workers(many: Path) -> None:
    serial = _run("check", str(many), "--ruleset", "regional/aec", "--format", "json")
    assert '"ruleset": "regional/aec"' in serial[1]
    assert _run("check", str(many), "--ruleset", "regional/aec", "--format", "json",
                "-j", "2") == serial


def test_processes_only_for_enough_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "MIN_FILES_PER_WORKER", 50)
    monkeypatch.setattr(check, "cpu_count", lambda: 4)
    assert check.worker_count(10_000, 1) == 1
    assert check.worker_count(99, 2) == 1  # serial: not 50 files for each of two
    assert check.worker_count(100, 2) == 2
    assert check.worker_count(10_000, 2) == 2
    assert check.worker_count(10_000, 0) == 4
    assert check.worker_count(120, 0) == 2
    assert check.worker_count(0, 0) == 1


def test_chunks_cover_every_file_once_in_order() -> None:
    files = [Path(f"f{i}.yaml") for i in range(1001)]
    chunks = list(check._chunks(files, 2))
    assert [f for chunk in chunks for _, f in chunk] == files
    assert [i for chunk in chunks for i, _ in chunk] == list(range(1001))
    assert max(len(c) for c in chunks) <= check.MAX_CHUNK


def test_jobs_must_not_be_negative() -> None:
    code, out = _run("check", str(EXAMPLES), "-j", "-1")
    assert code == 2 and "-1" in out


def test_a_report_in_french_is_the_same_from_two_processes(
        many: Path, pools: list[tuple[int, bool]]) -> None:
    """Workers check and send back findings with their French wording; the report is
    written whole here, so the count of English texts covers every file."""
    serial = _run("check", str(many), "--lang", "fr", "--format", "markdown")
    text = _run("check", str(many), "--lang", "fr")
    assert _run("check", str(many), "--lang", "fr", "-j", "2", "--format", "markdown") == serial
    assert _run("check", str(many), "--lang", "fr", "-j", "2") == text
    assert pools == [(2, False), (2, False)]  # workers ran, and did not write the reports
    assert "Les sources de XB apportent" in text[1]
    assert re.search(r"^langue fr\u202f: \d+ textes? non tradui", text[1], re.M)
