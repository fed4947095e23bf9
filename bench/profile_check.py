"""Where `cappolicy check` spends its time: start-up, and many proposals.

A tool to look with, not the benchmark suite (run.py): the figures of the start-up and
throughput work in RESULTS.md were taken with it.

    python bench/profile_check.py generate DIR --count 2000     # proposals to check
    python bench/profile_check.py startup [--rounds 15]         # cold starts against floors
    python bench/profile_check.py profile DIR [--format json]   # cProfile of one run, in process
    python bench/profile_check.py jobs DIR [--jobs 1,2] [--formats text,json] [--idle]

`generate` writes mutated copies of examples/proposals/*.yaml: each gets its own id and
its amounts scaled, so the files differ and some cross rule thresholds. `startup` and
`jobs` run each command in a fresh process, one of each per round, the rounds repeated
(a machine busier at one moment than another slows every command alike), and report
the best and the median; `jobs --idle` (Linux) runs only when the machine is otherwise
idle and runs again what another process disturbed. `--pythonpath SRC` runs them against another source tree, such
as an older commit's (`git worktree add /tmp/old <commit>`, then `--pythonpath
/tmp/old/src`): how the before/after figures were taken. Byte-compile that tree first
when PYTHONDONTWRITEBYTECODE is set (`python -m compileall -q /tmp/old/src`), or every
run compiles it anew.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "proposals"
AMOUNT = re.compile(r"\b(\d{5,})\b")
#: runs cappolicy's program in this process's Python: cappolicy.cli.entry, else (older trees) cli
PROGRAM = ("import sys\nsys.argv[0] = 'cappolicy'\ntry:\n    from cappolicy.cli.entry import main\n"
           "except ImportError:\n    from cappolicy.cli.main import main\nmain()\n")


def _scaled(factor: float) -> Callable[[re.Match[str]], str]:
    """The replacement of an amount by the amount times `factor`."""
    return lambda m: str(int(int(m.group(1)) * factor))


def _suffixed(i: int) -> Callable[[re.Match[str]], str]:
    """The replacement of a proposal's id by its `i`th copy's."""
    return lambda m: f"id: {m.group(1)}-{i:05d}"


def generate(folder: Path, count: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    sources = sorted(EXAMPLES.glob("*.yaml"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        k = i % len(texts)
        factor = rng.choice((0.5, 0.8, 1.0, 1.0, 1.3, 2.0))
        text = AMOUNT.sub(_scaled(factor), texts[k])
        text = re.sub(r"^id: (\S+)", _suffixed(i), text, count=1, flags=re.MULTILINE)
        path = folder / f"p{i:05d}-{sources[k].stem}.yaml"
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def _env(pythonpath: str | None, **more: str) -> dict[str, str]:
    env = dict(os.environ, **more)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def _busy_cpu() -> float:
    """CPU seconds the whole machine has spent busy (Linux: /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as fh:
        ticks = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _wait_idle(quiet: float = 0.05) -> None:
    """Until the machine's other processes use less than `quiet` of a CPU for 5 s."""
    while True:
        before = _busy_cpu()
        time.sleep(5)
        if (_busy_cpu() - before) / 5 < quiet:
            return


def _rounds(rows: list[tuple[str, list[str], dict[str, str]]], rounds: int,
            idle: bool = False) -> dict[str, list[float]]:
    """Wall times of each row, one run a round. With `idle`, each run waits for the
    machine to be idle and is kept only if other processes used under 5% of a CPU while
    it ran (runs it discards are run again, at most ten times over)."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in rows}
    for _ in range(rounds):
        for name, cmd, env in rows:
            for _attempt in range(10 if idle else 1):
                if idle:
                    _wait_idle()
                ours = resource.getrusage(resource.RUSAGE_CHILDREN)
                busy = _busy_cpu()
                start = time.perf_counter()
                done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      cwd=ROOT, env=env, check=False)
                took = time.perf_counter() - start
                if done.returncode not in (0, 1):
                    raise SystemExit(f"{name}: exit {done.returncode}\n{done.stderr.decode()}")
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                mine = (after.ru_utime - ours.ru_utime) + (after.ru_stime - ours.ru_stime)
                others = _busy_cpu() - busy - mine
                if not idle or others < 0.05 * took:
                    times[name].append(took)
                    break
                print(f"  ({name}: other processes used {others:.2f} s of CPU; run again)",
                      file=sys.stderr)
    return times


def startup(rounds: int, pythonpath: str | None) -> None:
    py = sys.executable
    proposal = str(EXAMPLES / "xa-cirt-good.yaml")
    program = [py, "-c", PROGRAM]
    env = _env(pythonpath)
    yaml_floor = "python -c 'import yaml'"
    check_floor = "python -c 'import yaml, lark, attrs, click, networkx'"
    rows: list[tuple[str, list[str], dict[str, str], str | None]] = [
        (yaml_floor, [py, "-c", "import yaml"], env, None),
        (check_floor, [py, "-c", "import yaml, lark, attrs, click, networkx"], env, None),
        ("--version", [*program, "--version"], env, yaml_floor),
        ("--help", [*program, "--help"], env, yaml_floor),
        ("check, country XA", [*program, "check", proposal, "--country", "XA"], env,
         check_floor),
        ("check, country XA, CAPPOLICY_NO_CACHE=1",
         [*program, "check", proposal, "--country", "XA"],
         _env(pythonpath, CAPPOLICY_NO_CACHE="1"), check_floor),
    ]
    script = Path(py).parent / "cappolicy"
    if pythonpath is None and script.exists():  # the installed program, as users run it
        rows += [("`cappolicy --version` (console script)", [str(script), "--version"], env,
                  yaml_floor),
                 ("`cappolicy check` XA (console script)",
                  [str(script), "check", proposal, "--country", "XA"], env, check_floor)]
    if pythonpath is None:
        from run import byte_compile_cappolicy

        print(byte_compile_cappolicy())
    subprocess.run([*program, "check", proposal], capture_output=True, env=env,
                   check=False)  # warms the cache
    times = _rounds([(name, cmd, e) for name, cmd, e, _ in rows], rounds)
    print(f"python {sys.version.split()[0]}; {rounds} rounds; "
          f"{'PYTHONPATH=' + pythonpath if pythonpath else 'this checkout'}; "
          "ratio = best / its floor's best")
    print(f"{'command':52s} {'best ms':>8s} {'median':>8s} {'ratio':>6s}")
    for name, _cmd, _env_, floor in rows:
        low, mid = min(times[name]), statistics.median(times[name])
        ratio = f"{low / min(times[floor]):.2f}" if floor else ""
        print(f"{name:52s} {low * 1000:8.1f} {mid * 1000:8.1f} {ratio:>6s}")


def profile(folder: Path, top: int, fmt: str) -> None:
    from click.testing import CliRunner

    from cappolicy.cli.main import main

    runner = CliRunner()
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    result = runner.invoke(main, ["check", str(folder), "--format", fmt])
    prof.disable()
    took = time.perf_counter() - start
    files = sum(1 for _ in folder.rglob("*.yaml"))
    print(f"{files} files in {took:.2f} s ({took / max(files, 1) * 1000:.2f} ms each, "
          f"profiled), exit {result.exit_code}")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def jobs(folder: Path, counts: list[int], formats: list[str], rounds: int,
         pythonpath: str | None, idle: bool = False) -> None:
    env = _env(pythonpath)
    rows = []
    for fmt in formats:
        for n in counts:
            extra = ["-j", str(n)] if n != 1 else []  # older trees have no -j
            rows.append((f"{fmt} -j {n}", [sys.executable, "-c", PROGRAM, "check", str(folder),
                                            "--format", fmt, *extra], env))
    times = _rounds(rows, rounds, idle)
    files = sum(1 for _ in folder.rglob("*.yaml"))
    print(f"{files} files; {rounds} rounds; "
          f"{'PYTHONPATH=' + pythonpath if pythonpath else 'this checkout'}")
    for fmt in formats:
        base = min(times[f"{fmt} -j {counts[0]}"])
        for n in counts:
            name = f"{fmt} -j {n}"
            low = min(times[name])
            print(f"{name:12s} best {low:7.2f} s  median {statistics.median(times[name]):7.2f} s"
                  f"  speed-up {base / low:5.2f}  ({low / files * 1000:.2f} ms a file)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    g = sub.add_parser("generate")
    g.add_argument("folder", type=Path)
    g.add_argument("--count", type=int, default=2000)
    s = sub.add_parser("startup")
    s.add_argument("--rounds", type=int, default=15)
    s.add_argument("--pythonpath")
    p = sub.add_parser("profile")
    p.add_argument("folder", type=Path)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--format", default="text")
    j = sub.add_parser("jobs")
    j.add_argument("folder", type=Path)
    j.add_argument("--jobs", default="1,2")
    j.add_argument("--formats", default="text,json")
    j.add_argument("--rounds", type=int, default=3)
    j.add_argument("--pythonpath")
    j.add_argument("--idle", action="store_true",
                   help="run only while the machine is otherwise idle; discard disturbed runs")
    args = ap.parse_args()
    if args.what == "generate":
        print(f"{len(generate(args.folder, args.count))} proposals in {args.folder}")
    elif args.what == "startup":
        startup(args.rounds, args.pythonpath)
    elif args.what == "profile":
        profile(args.folder, args.top, args.format)
    else:
        jobs(args.folder, [int(n) for n in args.jobs.split(",")], args.formats.split(","),
             args.rounds, args.pythonpath, args.idle)


if __name__ == "__main__":
    main()
