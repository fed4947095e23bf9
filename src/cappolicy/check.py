"""Check proposal files against their rulesets: one file, or many, in one process or
spread over several (`cappolicy check -j N`).

Several processes pay only for many files: each worker starts a Python, imports
cappolicy and compiles its rulesets once (from the on-disk cache, cache.py), then
checks a chunk of files at a time. So files are shared out only when every worker
gets at least MIN_FILES_PER_WORKER of them; fewer files are checked here, in order.
Workers are spawned, not forked, on every platform (nothing is inherited but what
`Job` carries).

What comes back is the report a single process makes, byte for byte, and its exit
code. When only text and JSON reports are wanted, each file's parts of them are written
and counted (render.report.Tally) as soon as it is checked, and those are kept instead
of its findings: by a worker, because rebuilding thousands of findings here would take
this process longer than checking takes the worker; here, because memory then holds
the reports' text rather than every proposal's findings until the end. For the other
formats the results are kept whole, in order.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .errors import CappolicyError

if TYPE_CHECKING:
    from .errors import SourceCache
    from .render import FileError, ProposalResult, Report
    from .render.report import Tally
    from .rulesets import EffectiveRuleset, Rulesets

    Outcome = ProposalResult | FileError

#: files each worker must have before a second process is worth starting
MIN_FILES_PER_WORKER = 50
#: files sent to a worker at a time: large enough to pay for the sending, small enough
#: that workers finish together
MAX_CHUNK = 32
#: the formats whose reports workers can write their parts of
WRITTEN_FORMATS = ("text", "json")


@attrs.frozen
class Writing:
    """The reports workers write their parts of: each (format, colour) wanted, text or
    json, for the run's --fail-on, --allow-unknown and --verbose."""

    wanted: tuple[tuple[str, bool], ...]
    fail_on: str
    allow_unknown: bool = False
    verbose: bool = False


@attrs.frozen
class Job:
    """What a worker needs to check files as the command line asked: the rulesets'
    folders (shipped, project, --rulesets), --ruleset, --country and --as-of; and the
    reports to write parts of, if it is to write them."""

    roots: tuple[Path, ...]
    ruleset_ref: str | None
    country: str | None
    as_of: dt.date
    writing: Writing | None = None

    def rulesets(self) -> Rulesets:
        from .rulesets import Catalog, Rulesets

        return Rulesets(Catalog(list(self.roots)))


@attrs.frozen
class Written:
    """One result as a worker hands it back when it writes the reports: what results
    are sorted by (render.report.result_key), its part of each report wanted, its counts."""

    key: tuple[str, str]
    parts: tuple[str, ...]
    counts: Tally


@attrs.frozen
class Checked:
    """What checking the files gave, in the order of the files: each one's result or the
    FileError that stopped it; or, when workers wrote the reports (`written` is not
    None), the file errors only, and the results as written, in report order."""

    outcomes: list[Outcome]
    written: list[Written] | None = None

    def report(self, fail_on: str, as_of: dt.date, tool_version: str,
               allow_unknown: bool = False) -> Report:
        """The report of the run; without results when they came back written."""
        from .render import FileError, Report

        return Report(results=tuple(o for o in self.outcomes if not isinstance(o, FileError)),
                      errors=tuple(o for o in self.outcomes if isinstance(o, FileError)),
                      fail_on=fail_on, as_of=as_of, tool_version=tool_version,
                      allow_unknown=allow_unknown)

    def render(self, report: Report, fmt: str, *, color: bool = False, verbose: bool = False,
               sources: SourceCache | None = None, root: str | os.PathLike[str] | None = None,
               writing: Writing | None = None) -> str:
        """The report in `fmt`, as render.render writes it; from the parts the workers
        wrote when there are any (`writing` says which)."""
        from .render import render

        if self.written is None:
            return render(report, fmt, color=color, verbose=verbose, sources=sources, root=root)
        assert writing is not None and writing.verbose == verbose
        from .render.jsonfmt import join_json
        from .render.text import join_text

        index = writing.wanted.index((fmt, color))
        parts = [w.parts[index] for w in self.written]
        if fmt == "text":
            return join_text(parts, report, self.counts(), color=color, sources=sources)
        return join_json(parts, report, self.counts())

    def counts(self) -> Tally:
        from .render.report import Tally

        total = Tally()
        for written in self.written or ():
            total += written.counts
        return total

    def exit_code(self, report: Report) -> int:
        from .render import exit_code

        if self.written is None:
            return exit_code(report)
        return self.counts().exit_code(len(report.errors))


def check_file(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None,
               country: str | None, as_of: dt.date) -> ProposalResult:
    """Check one proposal file against `fixed`, else its country's ruleset (`country`,
    else its host country's). Raises CappolicyError when the file or the ruleset is bad."""
    from .evaluate import evaluate
    from .load import load_proposal
    from .render import ProposalResult

    proposal = load_proposal(file)
    note = None
    if fixed is not None:
        eff = fixed
    else:
        choice = rulesets.for_country((country or proposal.host_country or "").upper() or None)
        eff, note = choice.ruleset, choice.note
    findings = evaluate(eff.compiled(), proposal, as_of, ruleset=eff.id, effective=eff)
    return ProposalResult(file=proposal.file, proposal_id=proposal.id,
                          host_country=proposal.host_country, ruleset=eff.id, ruleset_note=note,
                          findings=tuple(findings), warnings=tuple(proposal.warnings))


def _outcome(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None,
             country: str | None, as_of: dt.date) -> Outcome:
    from .render import FileError

    try:
        return check_file(file, rulesets, fixed, country, as_of)
    except CappolicyError as exc:
        return FileError(str(file), tuple(exc.diagnostics))


def check_files(files: Sequence[Path], job: Job, rulesets: Rulesets,
                fixed: EffectiveRuleset | None, jobs: int = 1) -> Checked:
    """Check every file, in `jobs` processes at most (0: one per CPU). Each file's part
    of the reports is written as it is checked when `job.writing` says which (and all are
    text or json)."""
    if job.writing is not None and any(fmt not in WRITTEN_FORMATS
                                       for fmt, _ in job.writing.wanted):
        job = attrs.evolve(job, writing=None)
    workers = worker_count(len(files), jobs)
    if workers < 2:  # here, in order; written as they come when they can be
        return _assemble(_check_each(files, job, rulesets, fixed), job)
    return _in_workers(files, job, workers)


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def worker_count(files: int, jobs: int) -> int:
    """How many processes check `files` files when `jobs` are allowed (0: one per CPU):
    each must get MIN_FILES_PER_WORKER files; below two, the files are checked here."""
    allowed = cpu_count() if jobs == 0 else jobs
    return max(1, min(allowed, files // MIN_FILES_PER_WORKER))


def _chunks(files: Sequence[Path], workers: int) -> Iterator[list[tuple[int, Path]]]:
    size = max(1, min(MAX_CHUNK, len(files) // (workers * 4)))
    numbered = list(enumerate(files))
    for start in range(0, len(numbered), size):
        yield numbered[start:start + size]


def _in_workers(files: Sequence[Path], job: Job, workers: int) -> Checked:
    import multiprocessing

    from .cache import usable_dir

    usable_dir()  # a cache folder the workers will not use is noted here, once
    context = multiprocessing.get_context("spawn")
    got: list[Outcome | Written | None] = [None] * len(files)
    collecting = gc.isenabled()
    with context.Pool(workers, initializer=_start_worker, initargs=(job,)) as pool:
        # Results arrive as many small objects, none of them garbage: collecting while
        # they pile up would only walk them again and again.
        gc.disable()
        try:
            for chunk in pool.imap(_check_chunk, _chunks(files, workers)):
                for index, outcome in chunk:
                    got[index] = outcome
        finally:
            if collecting:
                gc.enable()
    if any(o is None for o in got):  # pragma: no cover - imap returns every chunk or raises
        raise RuntimeError("a worker lost files")
    return _assemble(got, job)  # type: ignore[arg-type]


def _assemble(got: list[Outcome | Written], job: Job) -> Checked:
    """What checking gave, from each file's outcome in the order of the files."""
    from .render import FileError

    if job.writing is None:
        return Checked(got)  # type: ignore[arg-type]
    order = sorted((o.key, i) for i, o in enumerate(got) if isinstance(o, Written))
    return Checked([o for o in got if isinstance(o, FileError)],
                   [got[i] for _, i in order])  # type: ignore[misc]


# ----------------------------------------------------------------- in a worker

_worker: tuple[Job, Rulesets, EffectiveRuleset | None] | Exception | None = None


def _start_worker(job: Job) -> None:
    """Make the worker's rulesets once: the fixed one now, the countries' as they come.
    A failure is kept for the first chunk to raise: one raised here would only make the
    pool start the worker again, and again."""
    global _worker
    try:
        from .rulesets import named_ruleset

        rulesets = job.rulesets()
        fixed = named_ruleset(rulesets, job.ruleset_ref) if job.ruleset_ref is not None \
            else None
        _worker = (job, rulesets, fixed)
    except Exception as exc:  # noqa: BLE001 - kept, raised with the first chunk
        _worker = exc


def _check_chunk(chunk: list[tuple[int, Path]]) -> list[tuple[int, Outcome | Written]]:
    if _worker is None or isinstance(_worker, Exception):
        raise RuntimeError("the worker could not start") from _worker
    job, rulesets, fixed = _worker
    outcomes = _check_each([file for _, file in chunk], job, rulesets, fixed)
    return [(index, outcome) for (index, _), outcome in zip(chunk, outcomes)]


def _check_each(files: Sequence[Path], job: Job, rulesets: Rulesets,
                fixed: EffectiveRuleset | None) -> list[Outcome | Written]:
    """Each file's outcome; each result written as soon as it is made, when `job`
    says which reports to write: its findings are then let go, so that memory holds
    the reports' text, not thousands of proposals' findings."""
    from .errors import SourceCache
    from .render import FileError

    out: list[Outcome | Written] = []
    sources = SourceCache()
    for n, file in enumerate(files, 1):
        outcome = _outcome(file, rulesets, fixed, job.country, job.as_of)
        if job.writing is None or isinstance(outcome, FileError):
            out.append(outcome)
        else:
            out.append(_write(outcome, job.writing, sources))
        if n % MAX_CHUNK == 0:
            sources = SourceCache()  # the proposals' texts, for excerpts: a few at a time
    return out


def _write(result: ProposalResult, writing: Writing, sources: SourceCache) -> Written:
    from .render.jsonfmt import result_json
    from .render.report import Tally, result_key
    from .render.text import render_result

    parts = []
    for fmt, color in writing.wanted:
        if fmt == "text":
            parts.append(render_result(result, writing.fail_on, color=color,
                                       verbose=writing.verbose, sources=sources,
                                       allow_unknown=writing.allow_unknown))
        else:
            parts.append(result_json(result, writing.fail_on, writing.allow_unknown))
    return Written(result_key(result), tuple(parts),
                   Tally.of(result, writing.fail_on, writing.allow_unknown))
