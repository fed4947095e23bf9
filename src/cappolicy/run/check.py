"""Check proposal files against their rulesets: one file, or many, in one process or
spread over several (`cappolicy check -j N`).

Several processes pay only for many files: each worker starts a Python, imports
cappolicy and compiles its rulesets once (from the on-disk cache, cache.py), then
checks a chunk of files at a time. So files are shared out only when every worker
gets at least MIN_FILES_PER_WORKER of them; fewer files are checked here, in order.
Workers are spawned, not forked, on every platform (nothing is inherited but what
`Job` carries).

One file never ends the run: an exception while checking it, a fault of ours, is that
file's FileError (CP490), in a worker or here; a worker that dies (kill -9, the
out-of-memory killer) is noticed at once by its process sentinel, and each file of the
chunk it had not reported is a FileError (CP491); another worker takes the chunks left.

What comes back is the report a single process makes, byte for byte, and its exit
code. When only text and JSON reports are wanted, each result's parts of them are
written and counted (report.model.Tally) as soon as it is made, and those are kept
instead of its findings: by a worker, because rebuilding thousands of findings here
would take this process longer than checking takes the worker; here, so that the
findings of thousands of proposals (or of an IATI file's activities) are not held until
the end. The parts go to a temporary file as they come (spool.py), and the reports are
written from it a result at a time (Checked.pieces): what the run holds stays about
the same whatever the number of files and activities. For the other formats (SARIF,
JUnit, GitHub, Markdown, HTML) and for a report in another language than English, the
results are kept whole, in order, and each report is rendered whole at the end.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..base import collector
from ..base.deferred import N_
from ..base.errors import CappolicyError, Diagnostic
from ..base.record import Record, replace
from ..base.span import Span
from ..proposal.iati_codes import from_iati
from ..report.formats import JOINED

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

    from ..base.errors import SourceCache
    from ..proposal.model import Proposal
    from ..engine.findings import Finding
    from ..render import FileError, ProposalResult, Report
    from ..report.model import Inputs, Tally
    from ..rulesets.catalog import EffectiveRuleset, Rulesets
    from .spool import Spool

    Outcome = ProposalResult | FileError

#: files each worker must have before a second process is worth starting
MIN_FILES_PER_WORKER = 50
#: files sent to a worker at a time: large enough to pay for the sending, small enough
#: that workers finish together
MAX_CHUNK = 32
#: the formats whose reports workers can write their parts of
WRITTEN_FORMATS = JOINED


_set = object.__setattr__


# The classes are records (base/record.py), not attrs classes: made at every start.
class Writing(Record):
    """The reports workers write their parts of: each (format, colour) wanted, text or
    json, for the run's --fail-on, --allow-unknown and --verbose."""

    __slots__ = ("wanted", "fail_on", "allow_unknown", "verbose")
    wanted: tuple[tuple[str, bool], ...]
    fail_on: str
    allow_unknown: bool
    verbose: bool

    def __init__(self, wanted: tuple[tuple[str, bool], ...], fail_on: str,
                 allow_unknown: bool = False, verbose: bool = False) -> None:
        _set(self, "wanted", wanted)
        _set(self, "fail_on", fail_on)
        _set(self, "allow_unknown", allow_unknown)
        _set(self, "verbose", verbose)


class Job(Record):
    """What a worker needs to check files as the command line asked: the rulesets'
    folders (shipped, project, --rulesets), --ruleset, --country and --as-of; and the
    reports to write parts of, if it is to write them."""

    __slots__ = ("roots", "ruleset_ref", "country", "as_of", "writing", "lang")
    roots: tuple[Path, ...]
    ruleset_ref: str | None
    country: str | None
    as_of: dt.date
    writing: Writing | None
    lang: str | None  # findings are worded for a reader of this language too

    def __init__(self, roots: tuple[Path, ...], ruleset_ref: str | None, country: str | None,
                 as_of: dt.date, writing: Writing | None = None, lang: str | None = None
                 ) -> None:
        _set(self, "roots", roots)
        _set(self, "ruleset_ref", ruleset_ref)
        _set(self, "country", country)
        _set(self, "as_of", as_of)
        _set(self, "writing", writing)
        _set(self, "lang", lang)

    def rulesets(self) -> Rulesets:
        from ..rulesets.catalog import Catalog, Rulesets

        return Rulesets(Catalog(list(self.roots), texts=self.lang is not None))


class Written(Record):
    """One result as it is handed to the spool when the reports are written as checked:
    what results are sorted by (report.model.result_key), its part of each report wanted
    (as spool.pack makes them: compressed), its counts."""

    __slots__ = ("key", "parts", "counts")
    key: tuple[str, str]
    parts: tuple[bytes, ...]
    counts: Tally

    def __init__(self, key: tuple[str, str], parts: tuple[bytes, ...], counts: Tally) -> None:
        _set(self, "key", key)
        _set(self, "parts", parts)
        _set(self, "counts", counts)


class Checked:
    """What checking the files gave, in the order of the files: each one's result or the
    FileError that stopped it; or, when the reports were written as the files were
    checked (`written` is not None), the file errors only, and the results' parts of
    the reports in the spool. A context manager: the spool is closed on the way out."""

    __slots__ = ("outcomes", "written", "_sorted")
    outcomes: list[Outcome]
    written: Spool | None
    #: the spool's results in report order, once worked out (_order)
    _sorted: array[int]

    def __init__(self, outcomes: list[Outcome], written: Spool | None = None) -> None:
        self.outcomes = outcomes
        self.written = written
        self._sorted = array("q")

    def __enter__(self) -> Checked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the spool, if there is one: its disk is freed."""
        if self.written is not None:
            self.written.close()

    def report(self, fail_on: str, as_of: dt.date, tool_version: str,
               allow_unknown: bool = False, inputs: Inputs | None = None) -> Report:
        """The report of the run; without results when they came back written."""
        from ..render import FileError, Report
        from ..report.model import Inputs

        return Report(results=tuple(o for o in self.outcomes if not isinstance(o, FileError)),
                      errors=tuple(o for o in self.outcomes if isinstance(o, FileError)),
                      fail_on=fail_on, as_of=as_of, tool_version=tool_version,
                      allow_unknown=allow_unknown, inputs=inputs or Inputs())

    def render(self, report: Report, fmt: str, *, color: bool = False, verbose: bool = False,
               sources: SourceCache | None = None, root: str | os.PathLike[str] | None = None,
               writing: Writing | None = None, lang: str | None = None) -> str:
        """The report in `fmt`, as render.render writes it; from the parts written as
        the files were checked when there are any (`writing` says which; they are
        written in English only)."""
        return "".join(self.pieces(report, fmt, color=color, verbose=verbose, sources=sources,
                                   root=root, writing=writing, lang=lang))

    def pieces(self, report: Report, fmt: str, *, color: bool = False, verbose: bool = False,
               sources: SourceCache | None = None, root: str | os.PathLike[str] | None = None,
               writing: Writing | None = None, lang: str | None = None) -> Iterator[str]:
        """`render`'s text in pieces: a result at a time, read back from the spool, when
        the parts were written as the files were checked; else whole. Raises
        CappolicyError (CP471) when the spool cannot be read back."""
        if self.written is None:
            from ..render import render

            yield render(report, fmt, color=color, verbose=verbose, sources=sources, root=root,
                         lang=lang)
            return
        assert writing is not None and writing.verbose == verbose
        parts = self.written.parts(writing.wanted.index((fmt, color)), self._order())
        if fmt == "text":
            from ..render.text import text_pieces

            yield from text_pieces(parts, report, self.counts(), color=color, sources=sources)
        else:
            from ..render.jsonfmt import join_json_pieces  # not for a text report alone

            yield from join_json_pieces(parts, report, self.counts())

    def _order(self) -> array[int]:
        """The spool's results in report order, worked out once for every report."""
        assert self.written is not None
        if len(self._sorted) != len(self.written):
            self._sorted[:] = array("q", self.written.order())
        return self._sorted

    def counts(self) -> Tally:
        from ..report.model import Tally

        return self.written.counts if self.written is not None else Tally()

    def exit_code(self, report: Report) -> int:
        from ..render import exit_code

        if self.written is None:
            return exit_code(report)
        return self.counts().exit_code(len(report.errors))


def check_file(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None,
               country: str | None, as_of: dt.date, lang: str | None = None) -> ProposalResult:
    """Check one proposal file against `fixed`, else its country's ruleset (`country`,
    else its host country's). Raises CappolicyError when the file or the ruleset is bad."""
    from ..proposal.load import load_proposal

    return check_proposal(load_proposal(file), rulesets, fixed, country, as_of, lang)


def check_proposal(proposal: Proposal, rulesets: Rulesets, fixed: EffectiveRuleset | None,
                   country: str | None, as_of: dt.date, lang: str | None = None
                   ) -> ProposalResult:
    """Check a loaded proposal as check_file does (a file's, or an IATI activity's)."""
    from ..base.errors import Diagnostic
    from ..base.span import Span
    from ..engine.evaluate import evaluate
    from ..graph.governance import shared_builds
    from ..render import ProposalResult

    note = None
    if fixed is not None:
        eff = fixed
    else:
        choice = rulesets.for_country((country or proposal.host_country or "").upper() or None)
        eff, note = choice.ruleset, choice.note
    other = _other_country(proposal.host_country, country if fixed is None else None, eff,
                           rulesets if fixed is not None else None)
    if other is not None:  # the rules of another country than the host's: said, not quietly
        note = other if note is None else N_("{note}; {hiding}", note=note, hiding=other)
    compiled = eff.compiled()
    if not compiled:  # a pass against nothing is no pass
        raise CappolicyError(Diagnostic(
            "CP426", N_("{file} would be checked against zero rules: the ruleset {ruleset} "
                        "has none in force", file=proposal.file, ruleset=eff.id),
            Span(proposal.file, 1, 1),
            N_("check the rulesets folders named at the top of the report (a settings file or "
               "--rulesets folder may hide the shipped ruleset of that id)")))
    from ..engine import budget

    armed = budget.arm()  # one budget for all the proposal's rules, relied_on's included
    try:
        with shared_builds():  # relied_on evaluates rules again: on the same graph
            findings = evaluate(compiled, proposal, as_of, ruleset=eff.id, effective=eff,
                                lang=lang)
            if from_iati(proposal.data):  # from IATI: what it never publishes is unknown
                from ..report.iati import unpublished_findings

                findings = unpublished_findings(findings)
            relied = _relied(eff, proposal, findings, as_of, rulesets)
    finally:
        if armed:
            budget.disarm()
    return ProposalResult(file=proposal.file, proposal_id=proposal.id,
                          host_country=proposal.host_country, ruleset=eff.id, ruleset_note=note,
                          findings=tuple(findings), warnings=tuple(proposal.warnings),
                          relied_on=relied)


def _other_country(host: str | None, country: str | None, eff: EffectiveRuleset,
                   rulesets: Rulesets | None = None) -> str | None:
    """The note of a proposal checked as one of another country than its host (`country`,
    from --country or the settings), against a ruleset of another jurisdiction, or (given
    the `rulesets` of a run that names its ruleset) against one that leaves out its
    host's national ruleset."""
    if not host:
        return None
    if country and country.upper() != host.upper():
        return N_("the proposal's host country is {host}, but the run checks it against the "
                  "rules for {country} (--country, or the country of the settings)",
                  host=host, country=country.upper())
    if eff.jurisdiction and host.upper() not in eff.jurisdiction:
        return N_("the proposal's host country is {host}, but {ruleset} is the ruleset of "
                  "{jurisdiction}", host=host, ruleset=eff.id,
                  jurisdiction=", ".join(eff.jurisdiction))
    national = rulesets.catalog.for_country(host.upper()) if rulesets is not None else None
    if national is not None and national.id not in eff.chain:
        return N_("{host} has a national ruleset, {national}, which is not used: the run "
                  "names {ruleset} (--ruleset)", host=host, national=national.id,
                  ruleset=eff.id)
    return None


def _relied(eff: EffectiveRuleset, proposal: Proposal, findings: list[Finding],
            as_of: dt.date, rulesets: Rulesets) -> tuple[str, ...]:
    """relied_on, within the proposal's time budget: when the time runs out, what the
    findings relied on is not said (the findings that ran out are unknown already, and
    those that did not stand)."""
    from ..engine.budget import Overtime, spent
    from ..rulesets.relied import relied_on

    if spent():  # the rules' time ran out: nothing is decided again
        return ()
    try:
        return relied_on(eff, proposal, findings, as_of, lambda ref: _ruleset(rulesets, ref))
    except Overtime:
        return ()


def _ruleset(rulesets: Rulesets, ref: str) -> EffectiveRuleset | None:
    """An ancestor of a ruleset, by id, for relied.py to find a rule a layer disabled."""
    source = rulesets.catalog.find(ref)
    try:
        return rulesets.get(source) if source is not None else None
    except CappolicyError:
        return None


def _outcome(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None,
             country: str | None, as_of: dt.date, lang: str | None = None) -> Outcome:
    from ..render import FileError

    try:
        return check_file(file, rulesets, fixed, country, as_of, lang)
    except CappolicyError as exc:
        return FileError(str(file), tuple(exc.diagnostics))
    except Exception as exc:  # noqa: BLE001 - a fault of ours: this file's error, not the run's end
        return internal_error(file, exc)


def _outcomes(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None,
              country: str | None, as_of: dt.date, lang: str | None = None
              ) -> Iterator[Outcome]:
    """A file's outcomes as they are made: one, or one per activity of an IATI file."""
    if file.suffix.lower() != ".xml":
        yield _outcome(file, rulesets, fixed, country, as_of, lang)
        return
    try:
        yield from _check_iati(file, rulesets, fixed, country, as_of, lang)
    except Exception as exc:  # noqa: BLE001 - a fault of ours: this file's error
        yield internal_error(file, exc)


def _check_iati(file: Path, rulesets: Rulesets, fixed: EffectiveRuleset | None,
               country: str | None, as_of: dt.date, lang: str | None = None
               ) -> Iterator[ProposalResult | FileError]:
    """Each activity's result (or FileError: one that cannot be read, or the problem that
    stops reading the file), as the file is read."""
    from ..proposal.iati_map import load_activities
    from ..render import FileError
    from ..report.iati import FileSummary, ask_note, unpublished_topics

    name = str(file)
    summary = FileSummary()
    last: ProposalResult | None = None
    root = Span(name, 1, 1)
    for item in load_activities(file):
        if isinstance(item, list):
            yield FileError(name, tuple(item))
            continue
        try:
            result = check_proposal(item, rulesets, fixed, country, as_of, lang)
        except CappolicyError as exc:
            yield FileError(name, tuple(exc.diagnostics))
            continue
        except Exception as exc:  # noqa: BLE001 - a fault of ours: this activity's error
            yield internal_error(file, exc)
            continue
        topics = unpublished_topics(result.findings)
        summary.add(topics)
        if topics:
            result = replace(result, warnings=(
                *result.warnings, ask_note(topics, item.span_of(()), "")))
        if last is not None:
            yield last
        last = result
    if last is not None:
        note = summary.note(root)
        if note is not None:
            last = replace(last, warnings=(*last.warnings, note))
        yield last


#: the outcomes of one file, as `check` makes them (for other views of them: portfolio.py)
file_outcomes = _outcomes

#: set to anything but "" or "0" to have an internal error's traceback on standard error
DEBUG_VARIABLE = "CAPPOLICY_DEBUG"


def _show_traceback(exc: BaseException) -> None:
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)


def internal_error(file: Path, problem: BaseException | str) -> FileError:
    """The FileError of a file whose checking failed for a fault of cappolicy's: the
    exception's type and message, and its traceback on standard error when
    CAPPOLICY_DEBUG asks for it."""
    from ..render import FileError

    if isinstance(problem, BaseException):
        _show_traceback(problem)
        problem = f"{type(problem).__name__}: {problem}"
    return FileError(str(file), (Diagnostic(
        "CP490", N_("internal error while checking {file}: {problem}", file=str(file),
                    problem=problem), Span(str(file), 0, 0),
        N_("this is a fault of cappolicy's, not of the file; set {variable}=1 to see "
           "where it happened, and please report it", variable=DEBUG_VARIABLE)),))


def check_files(files: Sequence[Path], job: Job, rulesets: Rulesets,
                fixed: EffectiveRuleset | None, jobs: int = 1) -> Checked:
    """Check every file, in `jobs` processes at most (0: one per CPU). Each file's part
    of the reports is written as it is checked when `job.writing` says which (and all are
    text or json)."""
    if job.writing is not None and any(fmt not in WRITTEN_FORMATS
                                       for fmt, _ in job.writing.wanted):
        job = replace(job, writing=None)
    spool = None
    if job.writing is not None:
        from .spool import Spool

        spool = Spool(len(job.writing.wanted))  # CP470 when it cannot be made
    try:
        workers = worker_count(len(files), jobs)
        if workers < 2:  # here, in order; written as they come when they can be
            return _assemble(_check_each(files, job, rulesets, fixed, spool), spool)
        return _in_workers(files, job, workers, spool)
    except BaseException:  # an error, Ctrl-C: the spool goes with the run
        if spool is not None:
            spool.close()
        raise


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


def _in_workers(files: Sequence[Path], job: Job, workers: int, spool: Spool | None = None
                ) -> Checked:
    """Check `files` in `workers` processes, a chunk at a time each; the results they
    wrote kept in `spool` as they arrive. A worker that stops (killed, out of memory)
    costs only the files it had not reported: each is a FileError saying so, and
    another worker takes its place for the chunks left."""
    import multiprocessing
    from multiprocessing.connection import wait

    from ..base.cache import usable_dir

    usable_dir()  # a cache folder the workers will not use is noted here, once
    context = multiprocessing.get_context("spawn")
    got: list[list[Outcome | Written] | None] = [None] * len(files)
    waiting = deque(_chunks(files, workers))
    crew: list[_Worker] = []
    collecting = gc.isenabled()
    # Results arrive as many small objects, none of them garbage: collecting while
    # they pile up would only walk them again and again.
    gc.disable()
    try:
        unstarted = _hire(crew, min(workers, len(waiting)), context, job, waiting)
        while crew:
            ready = set(wait([w.conn for w in crew] + [w.process.sentinel for w in crew]))
            for worker in [w for w in crew if w.conn in ready or w.process.sentinel in ready]:
                reply = worker.reply()
                if isinstance(reply, list):
                    for index, outcomes in reply:
                        got[index] = _kept(outcomes, spool)
                else:
                    for index, file in worker.chunk or ():
                        got[index] = [_lost(file, reply) if worker.dead
                                      else internal_error(file, reply)]
                if not worker.dead:
                    worker.give(waiting)
                    if worker.chunk is not None:
                        continue
                worker.stop()
                crew.remove(worker)
                if worker.dead and waiting:
                    unstarted = _hire(crew, 1, context, job, waiting) or unstarted
        for chunk in waiting:  # no worker could be started to check them
            for index, file in chunk:
                got[index] = [_lost(file, N_("no worker process could be started ({problem})",
                                             problem=unstarted))]
    finally:
        for worker in crew:
            worker.stop()
        if collecting:
            gc.enable()
    if any(o is None for o in got):  # pragma: no cover - every chunk is answered or lost
        raise RuntimeError("a worker lost files")
    return _assemble(got, spool)  # type: ignore[arg-type]


def _hire(crew: list[_Worker], count: int, context: BaseContext, job: Job,
          waiting: deque[list[tuple[int, Path]]]) -> str | None:
    """Start `count` more workers into `crew`, each given a chunk waiting; why one could
    not be started, if one could not (the system's limit on processes or memory)."""
    for _ in range(count):
        try:
            crew.append(_Worker.start(context, job, waiting))
        except OSError as exc:
            return f"{type(exc).__name__}: {exc}"
    return None


class _Worker:
    """One worker process, the end of its pipe here, and the chunk it is checking
    (None once it has been told to stop)."""

    __slots__ = ("process", "conn", "chunk", "dead")
    process: BaseProcess
    conn: Connection
    chunk: list[tuple[int, Path]] | None
    dead: bool

    def __init__(self, process: BaseProcess, conn: Connection,
                 chunk: list[tuple[int, Path]] | None = None, dead: bool = False) -> None:
        self.process = process
        self.conn = conn
        self.chunk = chunk
        self.dead = dead

    @classmethod
    def start(cls, context: BaseContext, job: Job, waiting: deque[list[tuple[int, Path]]]
              ) -> _Worker:
        """A new worker, given the next chunk waiting."""
        here, there = context.Pipe()
        process = context.Process(target=_serve, args=(there, job), daemon=True)  # type: ignore[attr-defined]
        try:
            process.start()
        except BaseException:
            here.close()
            raise
        finally:
            there.close()  # so that its death is the end of the pipe here
        worker = cls(process, here)
        worker.give(waiting)
        return worker

    def give(self, waiting: deque[list[tuple[int, Path]]]) -> None:
        """Send the next chunk waiting, or tell the worker to stop when none is."""
        self.chunk = waiting.popleft() if waiting else None
        try:
            self.conn.send(self.chunk)
        except OSError:  # it has stopped: its sentinel says so next
            pass

    def reply(self) -> list[tuple[int, list[Outcome | Written]]] | str:
        """What the worker answered for its chunk: each file's outcome, or the internal
        error that stopped the chunk; or, when it has died (`dead`), how."""
        if self.conn.poll():
            try:
                answer: list[tuple[int, list[Outcome | Written]]] | str = self.conn.recv()
            except (EOFError, OSError):
                pass
            else:
                return answer
        import signal

        self.dead = True
        self.process.join(STOP_WAIT)
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit status {code}" if code is not None else "its pipe closed"
        return f"the worker process checking it stopped ({how})"

    def stop(self) -> None:
        """End the process (at once, if it is still at work) and close the pipe."""
        if self.chunk is not None and self.process.is_alive():
            self.process.kill()
        self.process.join(STOP_WAIT)
        if self.process.is_alive():  # pragma: no cover - told to stop, it did not
            self.process.kill()
            self.process.join()
        self.conn.close()


#: seconds to wait for a worker process to end once it has been told to
STOP_WAIT = 10.0


def _lost(file: Path, why: str) -> FileError:
    from ..render import FileError

    return FileError(str(file), (Diagnostic(
        "CP491", N_("{file} was not checked: {why}", file=str(file), why=why),
        Span(str(file), 0, 0),
        N_("the process may have run out of memory or been stopped from outside; "
           "check this file with -j 1 to see which")),))


def _kept(outcomes: list[Outcome | Written], spool: Spool | None) -> list[Outcome | Written]:
    """A file's outcomes with those written put in `spool`: what is left to keep."""
    if spool is None:
        return outcomes
    left: list[Outcome | Written] = []
    for outcome in outcomes:
        if isinstance(outcome, Written):
            spool.keep(outcome.key, outcome.parts, outcome.counts)
        else:
            left.append(outcome)
    return left


def _assemble(each: list[list[Outcome | Written]], spool: Spool | None) -> Checked:
    """What checking gave, from each file's outcomes (one, or an IATI file's one per
    activity; with a spool, only those not kept in it: the file errors) in the order
    of the files."""
    got = [outcome for outcomes in each for outcome in outcomes]
    return Checked(got, spool)  # type: ignore[arg-type]


# ----------------------------------------------------------------- in a worker

_worker: tuple[Job, Rulesets, EffectiveRuleset | None] | Exception | None = None


def _start_worker(job: Job) -> None:
    """Make the worker's rulesets once: the fixed one now, the countries' as they come.
    A failure is kept for each chunk to raise, so that every file sent says why it was
    not checked."""
    global _worker
    try:
        from ..rulesets.catalog import named_ruleset

        rulesets = job.rulesets()
        fixed = named_ruleset(rulesets, job.ruleset_ref) if job.ruleset_ref is not None \
            else None
        _worker = (job, rulesets, fixed)
    except Exception as exc:  # noqa: BLE001 - kept, raised with the first chunk
        _worker = exc


def _serve(conn: Connection, job: Job) -> None:
    """A worker's life: start, then check each chunk sent until told to stop (None) or
    the parent has gone. A chunk that fails as a whole is answered with why, as text."""
    _start_worker(job)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):  # the parent has gone
            return
        if chunk is None:
            return
        answer: list[tuple[int, list[Outcome | Written]]] | str
        try:
            answer = _check_chunk(chunk)
        except Exception as exc:  # noqa: BLE001 - each of its files says so
            _show_traceback(exc)
            answer = f"{type(exc).__name__}: {exc}"
            if exc.__cause__ is not None:
                answer += f" ({type(exc.__cause__).__name__}: {exc.__cause__})"
        try:
            conn.send(answer)
        except OSError:  # the parent has gone
            return


def _check_chunk(chunk: list[tuple[int, Path]]) -> list[tuple[int, list[Outcome | Written]]]:
    if _worker is None or isinstance(_worker, Exception):
        raise RuntimeError("the worker could not start") from _worker
    job, rulesets, fixed = _worker
    outcomes = _check_each([file for _, file in chunk], job, rulesets, fixed)
    return [(index, outcome) for (index, _), outcome in zip(chunk, outcomes)]


def _check_each(files: Sequence[Path], job: Job, rulesets: Rulesets,
                fixed: EffectiveRuleset | None, spool: Spool | None = None
                ) -> list[list[Outcome | Written]]:
    """Each file's outcomes (an IATI file has one per activity); each result written as
    soon as it is made, when `job` says which reports to write: its findings are then
    let go, and its parts put in `spool` when there is one (here; a worker has none and
    sends them), so that memory holds neither."""
    # Checking a file leaves next to no cyclic garbage, but allocates many objects: at the
    # default threshold (700 more allocations than frees) the youngest generation was
    # collected a couple of thousand times a thousand files, a twelfth of the run, to
    # free nothing. Collected now only when that many objects more are alive; the
    # threshold is given back after.
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        return _check_all(files, job, rulesets, fixed, spool)
    finally:
        gc.set_threshold(*thresholds)


#: the cyclic collector's first threshold while files are checked (_check_each)
YOUNG_THRESHOLD = 20_000
#: the outcomes left of a file whose results all went to the spool: one list for all of
#: them, never changed (_assemble only reads it)
_NO_OUTCOMES: list[Outcome | Written] = []


def _check_all(files: Sequence[Path], job: Job, rulesets: Rulesets,
               fixed: EffectiveRuleset | None, spool: Spool | None
               ) -> list[list[Outcome | Written]]:
    from ..base.errors import SourceCache
    from ..render import FileError

    out: list[list[Outcome | Written]] = []
    sources = SourceCache()
    shipped: set[str] = set()  # the sets of rules the JSON parts written here brought
    for n, file in enumerate(files, 1):
        made: list[Outcome | Written] = []
        for outcome in _outcomes(file, rulesets, fixed, job.country, job.as_of, job.lang):
            collector.release()  # held since the program started (base/collector.py)
            if job.writing is None or isinstance(outcome, FileError):
                made.append(outcome)
                continue
            try:
                written = _write(outcome, job.writing, sources, shipped)
            except Exception as exc:  # noqa: BLE001 - a fault of ours: this file's error
                made.append(internal_error(file, exc))
                continue
            if spool is None:
                made.append(written)
            else:  # a spool that cannot be written (CP470) ends the run
                spool.keep(written.key, written.parts, written.counts)
        out.append(made or _NO_OUTCOMES)  # one list less a file, for thousands of files
        if n % MAX_CHUNK == 0:
            sources = SourceCache()  # the proposals' texts, for excerpts: a few at a time
    return out


def _write(result: ProposalResult, writing: Writing, sources: SourceCache,
           shipped: set[str] | None = None) -> Written:
    from ..render.text import render_result
    from ..report.model import Tally, result_key
    from .spool import pack

    parts = []
    counts = Tally.of(result, writing.fail_on, writing.allow_unknown)
    for fmt, color in writing.wanted:
        if fmt == "text":
            parts.append(render_result(result, writing.fail_on, color=color,
                                       verbose=writing.verbose, sources=sources,
                                       allow_unknown=writing.allow_unknown, counts=counts))
        else:
            from ..render.jsonfmt import result_json  # not for a text report alone

            parts.append(result_json(result, writing.fail_on, writing.allow_unknown, shipped))
    return Written(result_key(result), pack(parts), counts)
