"""What checking IATI files costs: the XML read directly against its import as YAML, and
a generated 100 MB file of 30,000 activities against a 1 MB one.

    .venv/bin/python bench/iati.py            # the full run (several minutes)
    .venv/bin/python bench/iati.py --quick    # 3,000 activities: shows it runs, proves little

1. direct/imported: the 104 activities of the three real files (tests/data/iati) checked
   from the XML, and from the YAML files `cappolicy import iati` writes of them, in this
   process, best of --repeats turns; the ratio XML / YAML (target: at most 1.5).
2. large/small: files generated from the real activities (identifiers made unique),
   one of about 1 MB and one of 30,000 activities (about 100 MB). Each is checked by
   `cappolicy portfolio FILE --format json`, `cappolicy check FILE` (the text report)
   and `cappolicy check FILE --format json`, each in a child process: its peak resident
   memory (target: under 300 MB for the large file) and its processor time per activity,
   the large over the small (target: within 1.2; processor time, not wall time, because
   the machine is shared and its load moves during a run this long). The peak is the
   command's alone: it is measured by a small process that starts the command and waits
   for it (Linux counts in a process's peak the memory of the process that forked it,
   up to its exec). `check` writes its reports (25 KB of text and 130 KB of JSON per
   activity, 0.75 GB and 3.9 GB for 30,000) from a temporary file, a result at a time
   (src/cappolicy/run/spool.py); they go to /dev/null here.

Nothing is asserted; the exit code is 1 when a file does not check (exit code 2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
try:
    import cappolicy  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(HERE.parent / "src"))

DATA = HERE.parent / "tests" / "data" / "iati"
AS_OF = dt.date(2026, 1, 1)
TARGET_DIRECT = 1.5
TARGET_MEMORY_MB = 300
TARGET_PER_ACTIVITY = 1.2
FULL = (30_000, 3)
QUICK = (3_000, 1)
_ACTIVITY = re.compile(rb"<iati-activity[\s>].*?</iati-activity>", re.S)
_IDENT = re.compile(rb"<iati-identifier>([^<]*)</iati-identifier>")


def _numbered(n: int) -> Callable[[re.Match[bytes]], bytes]:
    """The replacement of an activity's identifier by its `n`th copy's."""
    def number(m: re.Match[bytes]) -> bytes:
        return b"<iati-identifier>" + m.group(1) + b"-G%06d" % n + b"</iati-identifier>"
    return number


#: the commands measured, by name: their arguments after the file
COMMANDS = {
    "portfolio json": ["portfolio", "{file}", "--format", "json", "-o", os.devnull],
    "check text": ["check", "{file}"],
    "check json": ["check", "{file}", "--format", "json"],
}
#: the commands held to the targets
TARGETED = tuple(COMMANDS)

#: runs the command of its arguments, its standard output to /dev/null, and writes its
#: peak resident memory (KiB) as the last line of standard error: measured here, by a
#: process that holds nothing, not by the one that made the files (run.py's MEASURE)
LAUNCH = """import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(f"\\npeak-rss-kib={usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass
class Measured:
    activities: int
    size: int
    seconds: float  # wall time of the command
    cpu: float  # processor time of the command (user and system)
    peak_mb: float
    code: int

    @property
    def per_activity_ms(self) -> float:
        """Processor time per activity: on a machine shared with other work, wall time
        measures the others as much as this."""
        return 1000 * self.cpu / self.activities


def best_of(runs: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best


def templates() -> list[bytes]:
    """The real activities, as written, smallest first (a 100 MB file of 30,000
    activities needs about 3.3 KB each)."""
    found = []
    for path in sorted(DATA.glob("*.xml")):
        found += _ACTIVITY.findall(path.read_bytes())
    return sorted(found, key=len)


def generate(path: Path, count: int, mean: int = 3_350) -> int:
    """Write an IATI 2.03 file of `count` activities cycled from the real ones (the
    smallest whose mean size is about `mean` bytes), each with its own identifier."""
    pool = templates()
    chosen = [t for t in pool if len(t) <= mean * 2]
    while len(chosen) > 10 and sum(map(len, chosen)) / len(chosen) > mean:
        chosen.pop()
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                  b'<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00">\n')
        for n in range(count):
            template = chosen[n % len(chosen)]
            out.write(b"  " + _IDENT.sub(_numbered(n), template, count=1) + b"\n")
        out.write(b"</iati-activities>\n")
    return path.stat().st_size


def measure_child(path: Path, activities: int, command: str = "portfolio json") -> Measured:
    """A command of COMMANDS on `path` in a child process (started by LAUNCH): its wall
    and processor time, measured in it around the command, and its peak resident
    memory, measured by LAUNCH."""
    argv = [sys.executable, "-c", LAUNCH, sys.executable, "-c",
            "import resource, sys, time\n"
            "from cappolicy.cli.main import main\n"
            "began = time.perf_counter()\n"
            "cpu = time.process_time()\n"
            "try:\n"
            "    main(sys.argv[1:], standalone_mode=False)\n"
            "except SystemExit as exc:\n"
            "    code = exc.code\n"
            "else:\n"
            "    code = 0\n"
            "took = time.perf_counter() - began\n"
            "cpu = time.process_time() - cpu\n"
            "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "print(f'{took} {cpu} {code}', file=sys.stderr)\n",
            *(arg.format(file=path) for arg in COMMANDS[command]),
            "--as-of", AS_OF.isoformat()]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    try:
        peak = int(lines[-1].removeprefix("peak-rss-kib=")) / 1024
        took, cpu, code = lines[-2].split()
        return Measured(activities, path.stat().st_size, float(took), float(cpu), peak,
                        int(code) if code.isdigit() else 2)
    except (ValueError, IndexError):
        print(done.stderr[-2000:], file=sys.stderr)
        return Measured(activities, path.stat().st_size, 0.0, 1.0, 0.0, 2)


def direct_vs_imported(repeats: int, folder: Path) -> tuple[float, float, int]:
    """Seconds to check the real files' activities from the XML, and from their YAML."""
    from cappolicy.base.files import write_atomic
    from cappolicy.base.resources import shipped_rulesets
    from cappolicy.proposal.iati_import import import_iati
    from cappolicy.render import FileError
    from cappolicy.rulesets.catalog import Catalog, Rulesets
    from cappolicy.run.check import file_outcomes

    xml = sorted(DATA.glob("*.xml"))
    taken: set[str] = set()
    for path in xml:
        import_iati(path, folder, write_atomic, taken)
    yaml = sorted(folder.glob("*.yaml"))
    rulesets = Rulesets(Catalog([shipped_rulesets()]))

    def check(files: list[Path]) -> int:
        n = 0
        for file in files:
            for outcome in file_outcomes(file, rulesets, None, None, AS_OF):
                if isinstance(outcome, FileError):
                    raise RuntimeError(f"{file} did not check: {outcome.diagnostics[0].message}")
                n += 1
        return n

    assert check(xml) == check(yaml) == len(yaml)  # warm: rulesets compiled, caches filled
    turns_xml, turns_yaml = [], []
    for _ in range(repeats):  # the two take turns, so that a change of load hits both
        turns_xml.append(best_of(1, lambda: check(xml)))
        turns_yaml.append(best_of(1, lambda: check(yaml)))
    return min(turns_xml), min(turns_yaml), len(yaml)


@dataclass
class Figures:
    direct_ratio: float
    growth: dict[str, float]  # by command: time per activity, large over small
    peak_mb: dict[str, float]  # by command: the peak of the large file
    failed: bool


def measure(large: int, repeats: int, keep: Path | None = None) -> Figures:
    """Both measures, printed as they are made; the figures the targets are held to."""
    with tempfile.TemporaryDirectory(prefix="cappolicy-iati-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / "yaml").mkdir(exist_ok=True)
        xml_s, yaml_s, n = direct_vs_imported(repeats, work / "yaml")
        ratio = xml_s / yaml_s
        print(f"== direct/imported: the {n} activities of the real files, best of {repeats}")
        print(f"  from the XML {xml_s:.3f} s, from the imported YAML {yaml_s:.3f} s: "
              f"ratio {ratio:.2f} (target: at most {TARGET_DIRECT})")
        small_n = max(1, round(1_000_000 / 3_400))
        small_file, large_file = work / "small.xml", work / "large.xml"
        generate(small_file, small_n)
        generate(large_file, large)
        failed = False
        growth: dict[str, float] = {}
        peaks: dict[str, float] = {}
        print("== large/small: each command in a child process, the large file once, the "
              f"small best of {repeats}")
        print("  command         file     activities      MB    wall s     cpu s  "
              "cpu ms/activity  peak MB")
        for command in COMMANDS:
            rows = []
            for path, count in ((small_file, small_n), (large_file, large)):
                runs = [measure_child(path, count, command)
                        for _ in range(repeats if path is small_file else 1)]
                best = min(runs, key=lambda m: m.cpu)
                rows.append(best)
                failed = failed or best.code not in (0, 1)
                print(f"  {command:<15} {'small' if path is small_file else 'large':<6} "
                      f"{best.activities:>11,} {best.size / 1e6:>7.1f} {best.seconds:>9.2f} "
                      f"{best.cpu:>9.2f} {best.per_activity_ms:>16.2f} {best.peak_mb:>8.1f}",
                      flush=True)
            growth[command] = rows[1].per_activity_ms / rows[0].per_activity_ms
            peaks[command] = rows[1].peak_mb
        for command in COMMANDS:
            print(f"  {command}: time per activity, large over small: {growth[command]:.2f} "
                  f"(target: within {TARGET_PER_ACTIVITY}); peak memory of the large file: "
                  f"{peaks[command]:.0f} MB (target: under {TARGET_MEMORY_MB})")
        return Figures(ratio, growth, peaks, failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3,000 activities, one turn")
    parser.add_argument("--activities", type=int, help="activities of the large file (30000)")
    parser.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    args = parser.parse_args(argv)
    large, repeats = QUICK if args.quick else FULL
    large = args.activities or large
    figures = measure(large, repeats, args.keep)
    return 1 if figures.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
