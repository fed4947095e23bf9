"""cappolicy's benchmark suite: policy engines side by side, start-up, and whole checks.

    .venv/bin/python bench/run.py            # the full suite (about 20 minutes, see README)
    .venv/bin/python bench/run.py --quick    # every section on small counts (a minute or two)
    pip install -e '.[bench]'                # the peer engines: regopy, cel-python, cel

Five sections, each a table of ratios measured in this one run (see bench/README.md):

engines   six policies (P1-P6, bench/engines.py) written as plain Python (the floor), as
          cappolicy rules, in Rego (regopy) and in CEL (common-expression-language's `cel`,
          and cel-python's `celpy`), over 1,000 small and 200 large generated proposals
          (bench/synthetic.py): time per proposal and ratio to the floor, compile cost.
          Every engine must give every proposal the floor's verdicts.
startup   `cappolicy check` of one proposal against the full XA ruleset and
          `cappolicy --version`, as subprocesses, against bare Python importing
          cappolicy's dependencies or only yaml: the best of N runs each, interleaved.
load      a generated proposal loaded and validated with positions by cappolicy, against
          `yaml.compose` of the same text with libyaml (CSafeLoader), in this process.
corpus    `cappolicy check` of 1,000 and 10,000 generated proposals written as YAML files,
          serially and with `-j 2` when `check` has that option, each against composing
          the same files with libyaml in a process of its own; the peak memory of each
          serial check; the size of the JSON report per finding and what writing it costs.
linear    one proposal of 250 and of 4,000 bodies, trainings, organisations, data flows...
          (bench/linear.py) checked against every national ruleset: the time per element
          at 4,000 over that at 250, which must stay under 1.5.
iati      the real IATI files checked from the XML against their imported YAML, and a
          generated file of 30,000 activities (about 100 MB) against one of 1 MB: peak
          memory and time per activity (bench/iati.py).

Nothing here asserts a timing. The exit code is 1 when an engine disagrees with the floor,
a generated proposal does not load, a policy never passes or never fails on a set, or a
`cappolicy` command ends with an error (exit code 2 or worse); otherwise 0. Missing peer
engines, a missing `-j` and missed targets are reported, not failures, except linear's:
a proposal whose time grows faster than its size is a defect, not a slow machine.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
try:
    import cappolicy  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(HERE.parent / "src"))

import engines as E
import synthetic

EXAMPLE = HERE.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
DEPENDENCIES = "import yaml, lark, attrs, click, networkx"
SECTIONS = ("engines", "load", "startup", "corpus", "linear", "iati")

#: The issue's targets, checked at the end of a run.
TARGET_FLOOR_RATIO = 1.5  # P1-P6 in cappolicy at most this times the plain-Python floor
TARGET_EXPLAINED = 3.0  # P1-P6 with every finding located and explained, times the floor
TARGET_LOAD = 1.3  # a proposal loaded and validated, times `yaml.compose` (libyaml)
TARGET_COLD_START = 4.0  # `check` of one proposal at most this times `import yaml`
TARGET_HELP = 2.0  # `--help` at most this times `import yaml`
TARGET_VERSION = 1.5  # `--version` at most this times `import yaml`
TARGET_JOBS = 1.6  # `-j 2` at least this much faster than serial on 10,000 proposals
TARGET_CHECK = 2.0  # `check DIR` at most this times composing its files with libyaml
TARGET_MEMORY = 1.2  # peak memory of a serial check of 10,000 over that of 1,000
#: the JSON report at most this many bytes per finding over the text report's, and
#: written in at most this times the time of the text report (both from one check)
TARGET_JSON_BYTES = 2.0
TARGET_JSON_TIME = 1.15

#: composes every *.yaml file of a folder (argv[1]) with libyaml, as `check` reads them:
#: the floor the whole check is held to
COMPOSE_ALL = """import sys, yaml
from pathlib import Path
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.compose(path.read_bytes().decode("utf-8"), Loader=yaml.CSafeLoader)
"""


@dataclass
class Settings:
    small: int
    large: int
    repeats: int
    budget: float
    starts: int
    corpus: tuple[int, int]
    seed: int


FULL = Settings(small=1_000, large=200, repeats=3, budget=20.0, starts=15,
                corpus=(1_000, 10_000), seed=0)
QUICK = Settings(small=100, large=10, repeats=5, budget=5.0, starts=5, corpus=(200, 2_000),
                 seed=0)


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    targets: list[tuple[str, str, bool | None]] = field(default_factory=list)  # what, figure, met

    def target(self, what: str, figure: str, met: bool | None) -> None:
        self.targets.append((what, figure, met))


# ------------------------------------------------------------------------ measuring


def best_of(runs: int, budget: float, run: Callable[[], object]) -> tuple[float, int]:
    """The shortest wall time of up to `runs` runs, and how many ran: no run starts once
    `budget` seconds have gone (the first always runs). Garbage is collected before each."""
    best, spent, done = float("inf"), 0.0, 0
    while done < runs and (done == 0 or spent < budget):
        gc.collect()
        began = time.perf_counter()
        run()
        took = time.perf_counter() - began
        best, spent, done = min(best, took), spent + took, done + 1
    return best, done


def command_times(commands: dict[str, list[str]], runs: int, env: dict[str, str] | None = None
                  ) -> tuple[dict[str, float], dict[str, int]]:
    """The best wall time of each command over `runs` rounds, the commands interleaved in
    each round so that a change of load hits them alike; and each one's last exit code."""
    best = dict.fromkeys(commands, float("inf"))
    codes: dict[str, int] = {}
    for _ in range(runs):
        for name, argv in commands.items():
            began = time.perf_counter()
            done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  env=env, check=False)
            best[name] = min(best[name], time.perf_counter() - began)
            codes[name] = done.returncode
            if done.returncode not in (0, 1):
                print(f"  {name}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}",
                      file=sys.stderr)
    return best, codes


#: runs the command of its arguments and writes the peak resident memory of that command
#: (KiB) as the last line of standard error. Measured by this small process, not by the
#: suite's: Linux counts in a child's ru_maxrss the memory of the process that forked it
#: (the suite holds the generated proposals), up to its exec
MEASURE = """import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
sys.stderr.write(f"\\npeak-rss-kib={usage.ru_maxrss}\\n")
sys.exit(child.returncode)
"""


def run_measured(argv: list[str], stdout: Any = subprocess.DEVNULL
                 ) -> tuple[float, int, int, str]:
    """Runs a command: its wall time, exit code, peak resident memory in KiB (of that
    command alone) and the end of its standard error."""
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        code = subprocess.run([sys.executable, "-c", MEASURE, *argv], stdout=stdout,
                              stderr=err, check=False).returncode
        took = time.perf_counter() - began
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    found = re.search(r"peak-rss-kib=(\d+)\n?$", tail)
    peak = int(found.group(1)) if found else 0
    return took, code, peak, tail[:found.start()] if found else tail


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"python {platform.python_version()} ({platform.python_implementation()}); "
            f"{platform.platform()}; {os.cpu_count()} CPUs ({usable} usable), {cpu}")


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def cappolicy_command() -> list[str]:
    beside = Path(sys.executable).with_name("cappolicy")
    found = str(beside) if beside.exists() else shutil.which("cappolicy")
    if found is None:
        raise SystemExit("no `cappolicy` command beside this Python or on PATH: "
                         "pip install -e . first")
    return [found]


def ratio(a: float, b: float) -> str:
    return f"{a / b:,.2f}x" if b > 0 else "-"


# -------------------------------------------------------------------------- engines


@dataclass
class EngineRun:
    engine: E.Engine
    program: Any = None
    compile_first: float = 0.0
    compile_best: float = 0.0
    imported: float = float("nan")
    seconds: dict[str, float] = field(default_factory=dict)  # set -> best seconds per pass
    runs: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, list[E.Verdicts]] = field(default_factory=dict)


IMPORTS = {"python": "pass", "cappolicy": "import cappolicy.rulesets, cappolicy.engine.evaluate",
           "explained": "import cappolicy.rulesets, cappolicy.engine.evaluate",
           "regopy": "import regopy", "cel": "import cel", "celpy": "import celpy"}


def engines_section(s: Settings, chosen: Sequence[str], report: Report
                    ) -> dict[str, dict[str, float]] | None:
    """P1-P6 measured in this process: the best seconds of each engine on each set."""
    print(f"\n== engines: P1-P6 on {s.small:,} small and {s.large:,} large proposals "
          f"(seed {s.seed})")
    runs: list[EngineRun] = []
    for cls in E.ENGINES:
        engine = cls()
        if engine.name not in chosen:
            continue
        why = engine.missing()
        if why:
            print(f"  {engine.name}: NOT INSTALLED, left out ({why}); "
                  f"pip install -e '.[bench]' brings {engine.package}")
            report.target(f"P1-P6: cappolicy faster than {engine.name}", "not installed", None)
            continue
        runs.append(EngineRun(engine))
    began = time.perf_counter()
    try:
        sets = {"small": E.load_cases("small", s.small, s.seed),
                "large": E.load_cases("large", s.large, s.seed)}
    except E.InvalidProposal as exc:
        report.failures.append(f"generator: {exc}")
        print(f"  FAILURE: {exc}")
        return None
    print(f"  generated and loaded {s.small + s.large:,} proposals in "
          f"{time.perf_counter() - began:.1f} s: all valid format v1, read back unchanged")

    for r in runs:  # compile: the first time in this process, then the best of 5 more
        began = time.perf_counter()
        r.program = r.engine.compile()
        r.compile_first = time.perf_counter() - began
        r.compile_best = best_of(5, 5.0, r.engine.compile)[0]
    imports, _ = command_times({r.engine.name: [sys.executable, "-c", IMPORTS[r.engine.name]]
                                for r in runs}, max(3, s.starts // 3))
    for r in runs:
        r.imported = imports[r.engine.name]

    for name, cases in sets.items():
        inputs = {r.engine.name: [r.engine.input(c) for c in cases] for r in runs}
        spent = dict.fromkeys(inputs, 0.0)
        for round_ in range(s.repeats):  # the engines in turn, round after round
            for r in runs:
                if round_ and spent[r.engine.name] >= s.budget:
                    continue
                gc.collect()
                began = time.perf_counter()
                verdicts = r.engine.run(r.program, inputs[r.engine.name])
                took = time.perf_counter() - began
                spent[r.engine.name] += took
                r.seconds[name] = min(r.seconds.get(name, float("inf")), took)
                r.runs[name] = r.runs.get(name, 0) + 1
                if name not in r.verdicts:  # read for the comparison, outside the timing
                    r.verdicts[name] = [r.engine.comparable(a) for a in verdicts]
            print(f"  {name}: round {round_ + 1} done", file=sys.stderr, flush=True)
        results = {r.engine.name: r.verdicts[name] for r in runs}
        if "python" in results:
            for d in E.disagreements(cases, results):
                report.failures.append(f"disagreement on a {name} proposal: {d}")
            for policy in E.variety(results["python"]):
                report.failures.append(f"generator: {policy} does not both pass and fail "
                                       f"on the {name} proposals")

    floor = next((r for r in runs if r.engine.name == "python"), None)
    print(f"  {'engine':<10} {'language':<8} {'import':>8} {'compile':>9} {'again':>9}"
          + "".join(f" {name + ' us/prop':>15} {'x floor':>8} {'runs':>4}" for name in sets))
    for r in runs:
        line = (f"  {r.engine.name:<10} {r.engine.language:<8} {r.imported * 1e3:>6.0f}ms"
                + (f" {r.compile_first * 1e3:>7.1f}ms {r.compile_best * 1e3:>7.1f}ms"
                   if r.engine.name != "python" else f" {'-':>9} {'-':>9}"))
        for name, cases in sets.items():
            per = r.seconds[name] / len(cases)
            base = floor.seconds[name] / len(cases) if floor else float("nan")
            line += f" {per * 1e6:>15,.1f} {ratio(per, base):>8} {r.runs[name]:>4}"
        print(line)
    print("  import: `python -c 'import ...'` of the engine, best of runs (python: bare "
          "interpreter); compile: source to ready program, first in this process / best "
          "of 5 more")

    return {name: {r.engine.name: r.seconds[name] for r in runs} for name in sets}


def engine_targets(measured: Sequence[dict[str, dict[str, float]]], report: Report) -> None:
    """The engines' targets from the seconds of one or more measurements (one a hash
    seed): each ratio is taken within a measurement, and the median of them is judged."""
    def ratio_of(name: str, engine: str, base: str) -> float | None:
        found = [m[name][engine] / m[name][base] for m in measured
                 if engine in m.get(name, {}) and base in m.get(name, {})]
        return statistics.median(found) if found else None

    several = " (median of the hash seeds)" if len(measured) > 1 else ""
    for name in measured[0] if measured else ():
        x = ratio_of(name, "explained", "python")
        if x is not None:
            report.target(f"P1-P6 explained on {name} proposals: <= {TARGET_EXPLAINED}x the "
                          f"Python floor{several}", f"{x:.2f}x", x <= TARGET_EXPLAINED)
    for name in measured[0] if measured else ():
        x = ratio_of(name, "cappolicy", "python")
        if x is None:
            continue
        report.target(f"P1-P6 on {name} proposals: cappolicy <= {TARGET_FLOOR_RATIO}x "
                      f"the Python floor{several}", f"{x:.2f}x", x <= TARGET_FLOOR_RATIO)
        for engine in measured[0][name]:
            if engine in ("python", "cappolicy", "explained"):
                continue  # the floor, and cappolicy itself
            x = ratio_of(name, "cappolicy", engine)
            if x is not None:
                report.target(f"P1-P6 on {name} proposals: cappolicy faster than {engine}",
                              f"cappolicy takes {x:.2g}x its time", x < 1)


def engines_over_seeds(s: Settings, chosen: Sequence[str], report: Report, seeds: int
                       ) -> None:
    """The engines section in a child process for each of `seeds` string-hash seeds
    (PYTHONHASHSEED), drawn at random and printed: the plain-Python floor's time on the
    large proposals moves by a third from one seed to another (its sets and dicts of
    strings), cappolicy's by a few percent, so that one process's ratio is partly the
    luck of its seed. Each child's ratios are printed, and the targets judge their median."""
    import json
    import random

    drawn = random.SystemRandom().sample(range(1, 2**32 - 1), seeds)
    measured: list[dict[str, dict[str, float]]] = []
    for seed in drawn:
        argv = [sys.executable, str(Path(__file__).resolve()), "--engines-child", "--only",
                "engines", "--engines", ",".join(c for c in chosen if c != "python"),
                "--small", str(s.small), "--large", str(s.large), "--repeats", str(s.repeats),
                "--budget", str(s.budget), "--starts", str(s.starts), "--seed", str(s.seed)]
        print(f"\n== engines, PYTHONHASHSEED={seed} (one of {seeds} seeds drawn at random)",
              flush=True)
        done = subprocess.run(argv, env=dict(os.environ, PYTHONHASHSEED=str(seed)),
                              capture_output=True, text=True, check=False)
        sys.stderr.write(done.stderr)
        lines = done.stdout.splitlines()
        result = next((line for line in lines if line.startswith(CHILD_RESULT)), None)
        print("\n".join(line for line in lines if not line.startswith(CHILD_RESULT)
                        and line.startswith("  ")))
        if result is None:
            report.failures.append(f"engines under PYTHONHASHSEED={seed} ended with "
                                   f"{done.returncode}: {done.stderr[-300:]}")
            continue
        child = json.loads(result[len(CHILD_RESULT):])
        report.failures.extend(child["failures"])
        if not measured:  # an engine not installed is said once
            report.targets.extend((what, figure, None) for what, figure, _ in child["unmeasured"])
        measured.append(child["seconds"])
    if measured:
        print(f"\n== engines: ratios to the floor under each of the {len(measured)} seeds, "
              "and their median")
        for name in measured[0]:
            for engine in measured[0][name]:
                if engine == "python":
                    continue
                each = [m[name][engine] / m[name]["python"] for m in measured]
                print(f"  {name:<6} {engine:<10} " + " ".join(f"{x:6.2f}x" for x in each)
                      + f"   median {statistics.median(each):.2f}x")
    engine_targets(measured, report)


#: the line a child of engines_over_seeds ends its output with: its seconds, as JSON
CHILD_RESULT = "ENGINES-RESULT "


# ---------------------------------------------------------------------------- loading


def load_section(s: Settings, report: Report) -> None:
    import yaml

    from cappolicy.proposal.load import load_proposal_text

    count = s.small
    print(f"\n== load: {count:,} small generated YAML proposals, in this process, best of "
          f"{s.repeats + 2} passes each, taking turns on each 100")
    texts = [(f"{data['id']}.yaml", synthetic.yaml_text(data))
             for data in synthetic.corpus("small", count, s.seed, host="XA")]
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        report.target(f"loading <= {TARGET_LOAD}x yaml.compose with libyaml",
                      "PyYAML without libyaml: not measured", None)
        return

    def compose(part: list[tuple[str, str]]) -> None:
        for _, text in part:
            yaml.compose(text, Loader=loader)

    def load(part: list[tuple[str, str]]) -> None:
        for name, text in part:
            load_proposal_text(text, name)

    try:
        load(texts)
    except Exception as exc:  # noqa: BLE001 - a generated proposal the loader refuses
        report.failures.append(f"load: {exc}")
        return
    # the two take turns on each part of 100 proposals, and each part's best time of each
    # counts: a pass of a tenth of a second is seldom interrupted on a shared machine,
    # a pass of the whole set often is
    parts = [texts[i:i + 100] for i in range(0, len(texts), 100)]
    names = ("yaml.compose (CSafeLoader)", "cappolicy load + validate")
    bests = {(name, i): float("inf") for name in names for i in range(len(parts))}
    for _ in range(s.repeats + 2):
        for i, part in enumerate(parts):
            for name, run in zip(names, (compose, load)):
                gc.collect()
                began = time.perf_counter()
                run(part)
                bests[name, i] = min(bests[name, i], time.perf_counter() - began)
    best = {name: sum(bests[name, i] for i in range(len(parts))) for name in names}
    floor_, ours = best.values()
    print(f"  {'what':<30} {'us/prop':>9} {'x compose':>10}")
    for name, seconds in best.items():
        print(f"  {name:<30} {seconds / count * 1e6:>9.1f} {ratio(seconds, floor_):>10}")
    x = ours / floor_
    report.target(f"loading a proposal (validated, with positions) <= {TARGET_LOAD}x "
                  "yaml.compose with libyaml", f"{x:.2f}x", x <= TARGET_LOAD)


# -------------------------------------------------------------------------- start-up


def byte_compile_cappolicy() -> str:
    """Compile cappolicy's modules to bytecode, which `pip install` does for it and for
    every dependency. An editable install leaves that to the first import, which skips it
    when PYTHONDONTWRITEBYTECODE is set: then every start compiles cappolicy's source anew
    (about 130 ms on the machine of RESULTS.md) while its dependencies load their bytecode,
    and the comparison with their import would measure the environment, not cappolicy."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("cappolicy")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders or not all(compileall.compile_dir(f, quiet=1) for f in folders):
        return "could not byte-compile cappolicy: its start includes compiling its source"
    return f"cappolicy byte-compiled first, as pip does on install ({', '.join(folders)})"


def startup_section(s: Settings, report: Report) -> None:
    print(f"\n== startup: subprocesses, best of {s.starts} runs each, interleaved")
    print(f"  {byte_compile_cappolicy()}")
    py, cap = sys.executable, cappolicy_command()
    # The proposal as a proposal repository holds it: a folder of its own, without the
    # pyproject.toml of this checkout, which names cappolicy and so is parsed for a
    # [tool.cappolicy] table (about 2 ms). Shown beside the target's measure, not instead.
    own = Path(tempfile.mkdtemp(prefix="cappolicy-bench-repo-"))
    (own / ".git").mkdir()
    shutil.copy(EXAMPLE, own / EXAMPLE.name)
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import yaml'": [py, "-c", "import yaml"],
        "python -c 'import yaml, lark, attrs, click, networkx'": [py, "-c", DEPENDENCIES],
        "cappolicy --version": [*cap, "--version"],
        "cappolicy --help": [*cap, "--help"],
        "cappolicy check --country XA (1 proposal)": [
            *cap, "check", "--country", "XA", "--as-of", E.AS_OF.isoformat(), str(EXAMPLE)],
        "  the same, the proposal in a repository of its own": [
            *cap, "check", "--country", "XA", "--as-of", E.AS_OF.isoformat(),
            str(own / EXAMPLE.name)],
    }
    try:
        best, codes = command_times(commands, s.starts)
    finally:
        shutil.rmtree(own, ignore_errors=True)
    for name, code in codes.items():
        if code not in (0, 1):
            report.failures.append(f"startup: {name} exited {code}")
    yaml_only, deps = best["python -c 'import yaml'"], best[
        "python -c 'import yaml, lark, attrs, click, networkx'"]
    print(f"  {'command':<55} {'best ms':>8} {'x yaml':>7} {'x deps':>7}")
    for name, seconds in best.items():
        print(f"  {name:<55} {seconds * 1e3:>8.1f} {ratio(seconds, yaml_only):>7} "
              f"{ratio(seconds, deps):>7}")
    check = best["cappolicy check --country XA (1 proposal)"] / yaml_only
    version = best["cappolicy --version"] / yaml_only
    shown = best["cappolicy --help"] / yaml_only
    report.target(f"cold start: check of 1 proposal <= {TARGET_COLD_START}x `import yaml`",
                  f"{check:.2f}x", check <= TARGET_COLD_START)
    report.target(f"cappolicy --help <= {TARGET_HELP}x `import yaml`", f"{shown:.2f}x",
                  shown <= TARGET_HELP)
    report.target(f"cappolicy --version <= {TARGET_VERSION}x `import yaml`", f"{version:.2f}x",
                  version <= TARGET_VERSION)


# ---------------------------------------------------------------------------- corpus


def jobs_option(cap: list[str]) -> bool:
    """Whether `cappolicy check` takes `-j N`, by its help."""
    shown = subprocess.run([*cap, "check", "--help"], capture_output=True, text=True,
                           check=False).stdout
    return re.search(r"(^|[\s,])-j\b", shown) is not None


def corpus_section(s: Settings, report: Report, keep: Path | None) -> None:
    small, big = s.corpus
    print(f"\n== corpus: `cappolicy check --country XA` (national/xa on regional/aec on "
          f"baseline), {small:,} and {big:,} small YAML proposals, one run each, against "
          "composing the same files with libyaml")
    cap = cappolicy_command()
    has_jobs = jobs_option(cap)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="cappolicy-bench-") as tmp:
        root = keep or Path(tmp)
        folders = {n: root / f"proposals-{n}" for n in (small, big)}
        began = time.perf_counter()
        for n, folder in folders.items():
            folder.mkdir(parents=True, exist_ok=True)
            for data in synthetic.corpus("small", n, s.seed, host="XA"):
                (folder / f"{data['id']}.yaml").write_text(synthetic.yaml_text(data),
                                                           encoding="utf-8")
        print(f"  wrote {small + big:,} files to {root} in {time.perf_counter() - began:.1f} s",
              file=sys.stderr)
        base = [*cap, "check", "--country", "XA", "--as-of", E.AS_OF.isoformat()]
        # each check right after the compose of its files, so that both meet the same load
        runs = {f"yaml.compose, {small:,}": [py, "-c", COMPOSE_ALL, str(folders[small])],
                f"serial, {small:,}": [*base, str(folders[small])],
                f"yaml.compose, {big:,}": [py, "-c", COMPOSE_ALL, str(folders[big])],
                f"serial, {big:,}": [*base, str(folders[big])]}
        if has_jobs:
            runs[f"-j 2, {big:,}"] = [*base, "-j", "2", str(folders[big])]
        seconds: dict[str, float] = {}
        codes: dict[str, int] = {}
        memory: dict[str, int] = {}
        for name, argv in runs.items():
            seconds[name], codes[name], memory[name], tail = run_measured(argv)
            if codes[name] not in (0, 1):
                report.failures.append(f"corpus: {name} exited {codes[name]}: {tail[-500:]}")
            print(f"  {name}: {seconds[name]:.1f} s", file=sys.stderr, flush=True)
        reports = json_report(base, folders[small], report)
    print(f"  {'run':<22} {'seconds':>9} {'ms/proposal':>12} {'x compose':>10} "
          f"{'peak MiB':>9} {'exit':>5}")
    for name, took in seconds.items():
        count = small if name.endswith(f" {small:,}") else big
        compose = seconds[f"yaml.compose, {count:,}"]
        print(f"  {name:<22} {took:>9.1f} {took / count * 1e3:>12.2f} {ratio(took, compose):>10} "
              f"{memory[name] / 1024:>9.1f} {codes[name]:>5}")
    serial_small, serial_big = seconds[f"serial, {small:,}"], seconds[f"serial, {big:,}"]
    linear = (serial_big / big) / (serial_small / small)
    print(f"  linearity: time per proposal at {big:,} / at {small:,} = {linear:.2f} "
          "(1.00: linear)")
    for n in (small, big):
        x = seconds[f"serial, {n:,}"] / seconds[f"yaml.compose, {n:,}"]
        report.target(f"check of {n:,} proposals (text) <= {TARGET_CHECK}x composing them with "
                      "libyaml", f"{x:.2f}x", x <= TARGET_CHECK)
    grown = memory[f"serial, {big:,}"] / memory[f"serial, {small:,}"]
    report.target(f"peak memory of a serial check of {big:,} <= {TARGET_MEMORY}x that of "
                  f"{small:,}", f"{grown:.2f}x ({memory[f'serial, {big:,}'] / 1024:.0f} MiB / "
                  f"{memory[f'serial, {small:,}'] / 1024:.0f} MiB)", grown <= TARGET_MEMORY)
    if reports is not None:
        findings, sizes, times = reports
        print(f"  reports of the {small:,}-proposal check: {findings:,} findings")
        print(f"  {'format':<8} {'bytes':>13} {'bytes/finding':>14} {'seconds':>8}")
        for fmt in sizes:
            print(f"  {fmt:<8} {sizes[fmt]:>13,} {sizes[fmt] / max(findings, 1):>14.1f} "
                  f"{times[fmt]:>8.2f}")
        per = sizes["json"] / max(findings, 1)
        over = sizes["json"] / sizes["text"]
        report.target(f"JSON report <= {TARGET_JSON_BYTES}x the text report's bytes",
                      f"{per:.0f} bytes a finding, {over:.2f}x the text report",
                      over <= TARGET_JSON_BYTES)
        slower = times["json"] / times["text"]
        report.target(f"check writing JSON <= {TARGET_JSON_TIME}x the time writing text",
                      f"{slower:.2f}x", slower <= TARGET_JSON_TIME)
    if has_jobs:
        speedup = serial_big / seconds[f"-j 2, {big:,}"]
        print(f"  -j 2 speed-up on {big:,} proposals: {speedup:.2f}x")
        if codes[f"-j 2, {big:,}"] != codes[f"serial, {big:,}"]:
            report.failures.append("corpus: `-j 2` and the serial check end with different "
                                   "exit codes")
        report.target(f"-j 2 >= {TARGET_JOBS}x serial on {big:,} proposals", f"{speedup:.2f}x",
                      speedup >= TARGET_JOBS)
    else:
        print("  -j 2: not available (`cappolicy check --help` lists no -j option)")
        report.target(f"-j 2 >= {TARGET_JOBS}x serial on {big:,} proposals",
                      "not available", None)


def json_report(base: list[str], folder: Path, report: Report
                ) -> tuple[int, dict[str, int], dict[str, float]] | None:
    """The number of findings of a check of `folder`, and the size of its text and JSON
    reports and the time each check took, the two formats in turn, best of two."""
    import json

    sizes: dict[str, int] = {}
    times = {"text": float("inf"), "json": float("inf")}
    findings = 0
    with tempfile.TemporaryDirectory(prefix="cappolicy-report-") as tmp:
        for _ in range(2):
            for fmt in times:
                out = Path(tmp) / f"report.{fmt}"
                with out.open("wb") as sink:
                    took, code, _, tail = run_measured(
                        [*base, "--format", fmt, str(folder)], stdout=sink)
                if code not in (0, 1):
                    report.failures.append(f"corpus: --format {fmt} exited {code}: {tail}")
                    return None
                times[fmt] = min(times[fmt], took)
                sizes[fmt] = out.stat().st_size
        try:
            document = json.loads((Path(tmp) / "report.json").read_bytes())
        except ValueError as exc:
            report.failures.append(f"corpus: the JSON report does not parse: {exc}")
            return None
    findings = count_findings(document)
    return findings, sizes, times


def count_findings(document: Any) -> int:
    """The findings of a JSON report, whichever layout: every object that has a `rule`
    and an `outcome` (or `status`), outside the rules' own list."""
    if isinstance(document, dict):
        here = int("rule" in document and ("outcome" in document or "status" in document))
        return here + sum(count_findings(v) for k, v in document.items() if k != "rules")
    if isinstance(document, list):
        return sum(count_findings(v) for v in document)
    return 0


# ------------------------------------------------------------------------------ main


def linear_section(quick: bool, report: Report) -> None:
    import linear

    small, large = linear.QUICK if quick else linear.FULL
    print(f"\n== linear: one proposal of {small:,} and of {large:,} elements of each shape "
          "(bench/linear.py), time per element at the large size over the small")
    try:
        rows = linear.measure(small, large, 1 if quick else 3, list(linear.SHAPES))
    except Exception as exc:  # noqa: BLE001 - a proposal the loader refuses
        report.failures.append(f"linear: {exc}")
        return
    worst = max(rows, key=lambda r: r.ratio)
    met = None if quick else worst.ratio < linear.TARGET
    report.target(f"one proposal: time per element at {large:,} under {linear.TARGET}x that "
                  f"at {small:,}", f"{worst.ratio:.2f}x ({worst.shape}, {worst.ruleset})", met)
    if met is False:
        report.failures.append(f"linear: {worst.shape} costs {worst.ratio:.2f}x as much per "
                               f"element at {large:,} as at {small:,} ({worst.ruleset})")


def iati_section(quick: bool, report: Report) -> None:
    import iati

    large, repeats = iati.QUICK if quick else iati.FULL
    print(f"\n== iati: the real files from XML and from imported YAML; {large:,} generated "
          "activities against 1 MB of them (bench/iati.py)")
    figures = iati.measure(large, repeats)
    if figures.failed:
        report.failures.append("iati: a generated IATI file did not check")
    met = None if quick else figures.direct_ratio <= iati.TARGET_DIRECT
    report.target(f"IATI: checking the XML at most {iati.TARGET_DIRECT}x checking its import",
                  f"{figures.direct_ratio:.2f}x", met)
    for command in iati.TARGETED:
        met = None if quick else figures.peak_mb[command] < iati.TARGET_MEMORY_MB
        report.target(f"IATI: {large:,} activities checked (`{command}`) in under "
                      f"{iati.TARGET_MEMORY_MB} MB", f"{figures.peak_mb[command]:.0f} MB", met)
        met = None if quick else figures.growth[command] <= iati.TARGET_PER_ACTIVITY
        report.target(f"IATI: time per activity of `{command}` at {large:,} within "
                      f"{iati.TARGET_PER_ACTIVITY}x that of 1 MB",
                      f"{figures.growth[command]:.2f}x", met)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 small and 10 large proposals (up to 5 passes, 5 s an engine), "
                        "5 start-ups, 200 and 2,000 for the corpus: a smoke run, whose "
                        "figures move more than the full run's")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run this section only (repeatable)")
    parser.add_argument("--engines", default=",".join(c.name for c in E.ENGINES),
                        help="comma-separated engines to compare (default: all; python, the "
                        "floor, always runs: the ratios and the agreement check need it)")
    parser.add_argument("--small", type=int, help="small proposals per engine (1000)")
    parser.add_argument("--large", type=int, help="large proposals per engine (200)")
    parser.add_argument("--repeats", type=int, help="passes per engine and set, best kept (3)")
    parser.add_argument("--budget", type=float,
                        help="seconds of an engine on a set after which no new pass starts (20)")
    parser.add_argument("--starts", type=int, help="runs of each start-up command (15)")
    parser.add_argument("--corpus", type=lambda t: tuple(int(x) for x in t.split(",")),
                        help="the two corpus sizes, smaller first (1000,10000)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (0)")
    parser.add_argument("--keep", type=Path,
                        help="write the corpus into this folder and keep it")
    parser.add_argument("--hash-seeds", type=int,
                        help="measure the engines in a process for each of this many string "
                        "hash seeds, drawn at random, and judge the median ratio (5; --quick: "
                        "1, in this process)")
    parser.add_argument("--engines-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    s = Settings(small=args.small or base.small, large=args.large or base.large,
                 repeats=args.repeats or base.repeats, budget=args.budget or base.budget,
                 starts=args.starts or base.starts, corpus=args.corpus or base.corpus,
                 seed=args.seed)
    if len(s.corpus) != 2 or s.corpus[0] >= s.corpus[1]:
        parser.error("--corpus takes two sizes, smaller first: 1000,10000")
    chosen = ["python", *(e.strip() for e in args.engines.split(",") if e.strip())]
    unknown = set(chosen) - {c.name for c in E.ENGINES}
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))}")
    sections = args.only or list(SECTIONS)
    report = Report()
    began = time.perf_counter()
    print(f"cappolicy benchmark suite: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    print(f"machine: {machine()}")
    print(f"load average at start: {load()}")
    seeds = args.hash_seeds or (1 if args.quick else 5)
    if args.engines_child:  # one hash seed's measurement, for engines_over_seeds
        import json

        seconds = engines_section(s, chosen, report)
        print(CHILD_RESULT + json.dumps({"seconds": seconds or {}, "failures": report.failures,
                                         "unmeasured": [t for t in report.targets
                                                        if t[2] is None]}))
        return 0
    if "engines" in sections:
        if seeds > 1:
            engines_over_seeds(s, chosen, report, seeds)
        else:
            measured = engines_section(s, chosen, report)
            engine_targets([measured] if measured else [], report)
    if "load" in sections:
        load_section(s, report)
    if "startup" in sections:
        startup_section(s, report)
    if "corpus" in sections:
        corpus_section(s, report, args.keep)
    if "linear" in sections:
        linear_section(args.quick, report)
    if "iati" in sections:
        iati_section(args.quick, report)
    print(f"\nload average at end: {load()}; the run took {time.perf_counter() - began:.0f} s")
    print("\n== targets of the performance issue"
          + (" (a --quick run: small counts, read the full run's)" if args.quick else ""))
    for what, figure, met in report.targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[met]
        print(f"  {verdict:<12} {what}: {figure}")
    if report.failures:
        print(f"\n== FAILURES ({len(report.failures)})")
        for failure in report.failures[:200]:
            print(f"  {failure}")
        if len(report.failures) > 200:
            print(f"  ... and {len(report.failures) - 200} more")
        return 1
    print("\nno failures" + (": every engine gave the floor's verdict on every proposal"
                            if "engines" in sections else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
