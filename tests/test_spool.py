"""A check of many files holds no report in memory: each file's parts of the text and
JSON reports go to a temporary file as it is checked, and the report is written from
there a piece at a time, the same bytes as the report rendered whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cappolicy import check
from cappolicy.check import Job, Writing, check_files
from cappolicy.render import render
from cappolicy.resources import shipped_rulesets

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples" / "proposals")
                  .glob("*.yaml"))
AS_OF = dt.date(2026, 6, 1)


def job(writing: Writing | None = None) -> Job:
    return Job((shipped_rulesets(),), None, None, AS_OF, writing)


@pytest.fixture(scope="module")
def rulesets() -> check.Rulesets:
    return job().rulesets()


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("verbose", [False, True])
def test_reports_written_from_the_spool_are_those_rendered_whole(
        rulesets: check.Rulesets, jobs: int, verbose: bool, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "MIN_FILES_PER_WORKER", 2)
    broken = tmp_path / "broken.yaml"
    broken.write_text("cappolicy: 1\nid: [unclosed\n", encoding="utf-8")
    files = [*EXAMPLES, broken]
    wanted = (("text", False), ("json", False), ("text", True))
    writing = Writing(wanted, "must", verbose=verbose)
    spooled = check_files(files, job(writing), rulesets, None, jobs)
    whole = check_files(files, job(), rulesets, None, jobs)
    assert spooled.written and spooled.spool is not None
    assert all(w.parts == () and len(w.spooled) == 1 + len(wanted) for w in spooled.written)
    report = whole.report("must", AS_OF, "0")
    for fmt, color in wanted:
        expected = render(report, fmt, color=color, verbose=verbose)
        pieces = list(spooled.pieces(spooled.report("must", AS_OF, "0"), fmt, color=color,
                                     verbose=verbose, writing=writing))
        assert len(pieces) == len(spooled.written) + 1  # one a result, then the end
        assert "".join(pieces) == expected


def test_a_run_without_results_writes_the_report_whole(rulesets: check.Rulesets,
                                                       tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("[", encoding="utf-8")
    writing = Writing((("text", False), ("json", False)), "must")
    spooled = check_files([broken], job(writing), rulesets, None)
    whole = check_files([broken], job(), rulesets, None)
    for fmt in ("text", "json"):
        assert spooled.render(spooled.report("must", AS_OF, "0"), fmt, writing=writing) == \
            render(whole.report("must", AS_OF, "0"), fmt)
