"""Does one large proposal cost in proportion to its size?

    .venv/bin/python bench/linear.py             # 250 and 4,000 elements of each shape
    .venv/bin/python bench/linear.py --quick     # 25 and 100: shows it runs, proves nothing
    .venv/bin/python bench/linear.py --rules     # also each rule's own time at the large size

Each shape adds N elements of one kind to the passing example proposal
(examples/proposals/xa-cirt-good.yaml), and the proposal is checked against every shipped
national ruleset (xa, xb, xc: each the baseline, the regional layer and its own rules),
its host country made that ruleset's:

| shape | what N adds |
|---|---|
| chain | governance bodies, each reporting to the next; the last to the host's ministry (GOV-01 passes) |
| broken-chain | the same chain, whose last body reports to nobody: GOV-01 fails on every body, each explained |
| trainings | one-off trainings and no mentorship, train-the-trainer or secondment (KT-01 fails on each) |
| organisations | host and foreign organisations, each funding the next one's budget, CERTs among them |
| flows | data flows of personal data from the host CERT to a foreign implementer without a basis |
| decisions | decisions by working groups, each reporting to the next group (DEC-02 asks the graph for each) |
| sources | funding sources, from the host and a donor in turn (FIN-01, SUN-03, BUD-02) |
| indicators | indicators, some owned by a foreign implementer (IND-01/02/03) |

What is timed is what `cappolicy check` does with a loaded proposal: `evaluate` (rules
decided, every failing or undecided finding explained, waivers applied). The two sizes
take turns (`--repeats` turns, the small size four times a turn) and each keeps its best
time. Loading the file is not timed. The rules are compiled, and have decided
a small proposal, before any timing, so every size runs the same code.

For each shape and ruleset the figure is the time per element at the large size over the
time per element at the small size: 1.00 means the time grows in proportion to the
proposal; a rule that is quadratic in it shows about 16 (4,000 / 250). The exit code is
1 when any figure is 1.5 or more (in --quick mode: never, the sizes are too small to
tell), 2 when a generated proposal does not load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
try:
    import cappolicy  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(HERE.parent / "src"))

import yaml

from cappolicy.base.errors import CappolicyError
from cappolicy.engine.evaluate import evaluate, summary
from cappolicy.proposal.load import load_proposal_text
from cappolicy.proposal.model import Proposal
from cappolicy.rulesets.catalog import Catalog, EffectiveRuleset, Rulesets

EXAMPLE = HERE.parent / "examples" / "proposals" / "xa-cirt-good.yaml"
AS_OF = dt.date(2026, 11, 23)
TARGET = 1.5  # time per element at the large size over that at the small size
FULL = (250, 4000)
QUICK = (25, 100)
COUNTRIES = ("XA", "XB", "XC")


def base(host: str) -> dict[str, Any]:
    """The passing example, its host country (and every Arcadian party) made `host`."""
    text = EXAMPLE.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    made: dict[str, Any] = json.loads(json.dumps(data, default=str).replace('"XA"',
                                                                           json.dumps(host)))
    return made


def chain(data: dict[str, Any], n: int, *, broken: bool = False) -> None:
    gov = data["governance"]
    for i in range(n):
        gov["bodies"].append({"id": f"wg-{i}", "kind": "working-group", "chair": ["xa-cirt"],
                              "members": ["xa-cirt", "impl-a"], "meets": "monthly"})
    for i in range(n - 1):
        gov["relations"].append({"from": f"wg-{i}", "to": f"wg-{i + 1}", "kind": "reports_to"})
    if not broken:
        gov["relations"].append({"from": f"wg-{n - 1}", "to": "xa-mict", "kind": "reports_to"})


def trainings(data: dict[str, Any], n: int) -> None:
    data["activities"] = [a for a in data["activities"] if a["type"] != "train-the-trainer"]
    for i in range(n):
        data["activities"].append({
            "id": f"T{i}", "title": f"Training {i}", "type": "training", "led_by": "xa-cirt",
            "partners": ["impl-a"], "start": "2027-03-01", "end": "2027-03-02",
            "mandate": "xa-cirt/incident-response", "languages": ["fr"],
            "delivery": ["in-person"], "recurrence": "once"})


def organisations(data: dict[str, Any], n: int) -> None:
    host = data["host_country"]
    kinds = ("ministry", "cert", "academia", "ngo", "industry", "implementer")
    for i in range(n):
        kind = kinds[i % len(kinds)]
        org: dict[str, Any] = {"id": f"org-{i}", "name": f"Organisation {i}",
                               "country": host if i % 3 else "NL", "kind": kind}
        if i:
            org["funded_by"] = [f"org-{i - 1}"]
        if kind == "cert":
            org["mandates"] = [{"id": "ir", "basis": "Act s.1"}]
        data["organisations"].append(org)
        data["roles"]["design"].append(org["id"])


def flows(data: dict[str, Any], n: int) -> None:
    act = data["activities"][0]
    for i in range(n):
        act["data_flows"].append({"data": "personal" if i % 2 else "incident",
                                  "from": "xa-cirt", "to": "impl-a"})


def decisions(data: dict[str, Any], n: int) -> None:
    chain(data, n, broken=True)
    for i in range(n):
        data["governance"]["relations"].append(
            {"from": f"wg-{i}", "kind": "decides", "scope": [f"topic-{i}"]})


def sources(data: dict[str, Any], n: int) -> None:
    for i in range(n):
        data["funding"]["sources"].append({
            "from": "donor-a" if i % 2 else "xa-treasury", "type": "grant",
            "by_year": {2027: 1000 + i, 2028: 900, 2029: 500.5},
            "milestones": [f"M{i}"]})


def indicators(data: dict[str, Any], n: int) -> None:
    for i in range(n):
        data["indicators"].append({"id": f"I-{i}", "name": f"Indicator {i}",
                                   "kind": "process" if i % 2 else "outcome",
                                   "baseline": 0, "target": i,
                                   "owner": "xa-cirt" if i % 3 else "impl-a"})


SHAPES: dict[str, Callable[[dict[str, Any], int], None]] = {
    "chain": chain,
    "broken-chain": lambda data, n: chain(data, n, broken=True),
    "trainings": trainings,
    "organisations": organisations,
    "flows": flows,
    "decisions": decisions,
    "sources": sources,
    "indicators": indicators,
}


def proposal(shape: str, host: str, n: int) -> Proposal:
    data = base(host)
    SHAPES[shape](data, n)
    return load_proposal_text(json.dumps(data, default=str), f"{shape}-{n}.json", "json")


def rulesets() -> dict[str, EffectiveRuleset]:
    found = Rulesets(Catalog())
    out = {}
    for country in COUNTRIES:
        eff = found.for_country(country).ruleset
        eff.compiled()
        out[country] = eff
    return out


def timed(eff: EffectiveRuleset, p: Proposal) -> tuple[float, dict[str, str]]:
    """One evaluation as `cappolicy check` makes it: seconds, and each rule's verdict."""
    gc.collect()
    start = time.perf_counter()
    findings = evaluate(eff.compiled(), p, AS_OF, ruleset=eff.id, effective=eff)
    return time.perf_counter() - start, summary(findings)


def per_rule(eff: EffectiveRuleset, p: Proposal) -> list[tuple[float, str]]:
    """Each rule's time on `p`, evaluated alone, slowest first (the first to ask for the
    governance graph pays for building it: each rule gets a fresh one)."""
    out = []
    for rule in eff.compiled():
        start = time.perf_counter()
        evaluate([rule], p, AS_OF, ruleset=eff.id)
        out.append((time.perf_counter() - start, rule.id))
    return sorted(out, reverse=True)


@dataclass
class Row:
    shape: str
    ruleset: str
    small: float  # best seconds at the small size
    large: float
    ratio: float  # time per element at the large size over that at the small size
    not_passing: list[str]


def measure(small: int, large: int, repeats: int, shapes: Sequence[str], *,
            rules: bool = False, out: Callable[[str], None] = print) -> list[Row]:
    """Time every shape against every national ruleset at both sizes. The runs of the two
    sizes take turns, the small one several times a turn (it takes a sixteenth as long),
    and each keeps its best: a moment of load elsewhere hits both alike."""
    effs = rulesets()
    for country, eff in effs.items():  # every rule decides twice, and writes its Python
        for _ in range(2):
            timed(eff, proposal("chain", country, 3))
    out(f"{'shape':<14}{'ruleset':<13}{'small s':>9}{'large s':>9}"
        f"{'us/elem':>10}{'us/elem':>10}{'ratio':>7}  not passing at the large size")
    rows = []
    for shape in shapes:
        for country, eff in effs.items():
            ps, pl = proposal(shape, country, small), proposal(shape, country, large)
            best_small = best_large = float("inf")
            verdicts: dict[str, str] = {}
            for _ in range(repeats):
                for _ in range(4):
                    best_small = min(best_small, timed(eff, ps)[0])
                seconds, verdicts = timed(eff, pl)
                best_large = min(best_large, seconds)
            ratio = (best_large / large) / (best_small / small)
            failing = sorted(r for r, v in verdicts.items() if v in ("fail", "unknown"))
            rows.append(Row(shape, eff.id, best_small, best_large, ratio, failing))
            out(f"{shape:<14}{eff.id:<13}{best_small:9.3f}{best_large:9.3f}"
                f"{best_small / small * 1e6:10.1f}{best_large / large * 1e6:10.1f}"
                f"{ratio:7.2f}  {', '.join(failing) or 'none'}")
            if rules:
                for seconds, rule in per_rule(eff, pl)[:3]:
                    out(f"{'':<27}{rule:<10}{seconds:9.3f} s")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: shows it runs")
    parser.add_argument("--sizes", default=None, help="small,large (default 250,4000)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="turns of each size, best kept (default 3)")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="which shapes")
    parser.add_argument("--rules", action="store_true",
                        help="also list the slowest rules at the large size")
    args = parser.parse_args(argv)
    small, large = QUICK if args.quick else FULL
    if args.sizes:
        small, large = (int(x) for x in args.sizes.split(","))
    repeats = args.repeats or (1 if args.quick else 3)
    shapes = [s for s in args.shapes.split(",") if s]
    for shape in shapes:
        if shape not in SHAPES:
            parser.error(f"no shape {shape!r}; shapes: {', '.join(SHAPES)}")
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
          f"best of {repeats} turns; sizes {small:,} and {large:,}")
    started = time.perf_counter()
    try:
        rows = measure(small, large, repeats, shapes, rules=args.rules)
    except CappolicyError as exc:
        print(f"a generated proposal does not load: {exc}")
        return 2
    worst = max(rows, key=lambda r: r.ratio)
    print(f"worst ratio {worst.ratio:.2f} ({worst.shape}, {worst.ruleset}; target: under "
          f"{TARGET}); {time.perf_counter() - started:.0f} s")
    if args.quick:
        print("(--quick: sizes too small to judge the target by)")
        return 0
    if worst.ratio >= TARGET:
        print(f"MISSED: {worst.shape} costs {worst.ratio:.2f}x as much per element at "
              f"{large:,} as at {small:,}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
