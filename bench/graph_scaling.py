"""How the governance graph scales: build and query times against the number of nodes.

    .venv/bin/python bench/graph_scaling.py            # 10k, 20k, 50k, 100k nodes
    .venv/bin/python bench/graph_scaling.py --quick    # 1k, 2k, 5k, 10k nodes, one repeat

Builds synthetic proposals shaped like format v1 (organisations, bodies with chairs and
members, reports_to/oversees chains, activities with leaders, partners and data flows,
funding sources), then times `graph.build` and a set of queries on each size and prints,
per operation, the best time of several repeats, the time per node and the scaling ratio:
(time / time at the smallest size) / (size / smallest size). A ratio near 1 means linear.
This is a report, not a test: nothing here asserts a timing. See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

try:
    from cappolicy.graph import governance as graph
    from cappolicy.graph import parts
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from cappolicy.graph import governance as graph
    from cappolicy.graph import parts

from cappolicy.graph.governance import GovernanceGraph
from cappolicy.graph.parts import Step

SIZES = (10_000, 20_000, 50_000, 100_000)
QUICK_SIZES = (1_000, 2_000, 5_000, 10_000)

ORG_KINDS = ("ministry", "regulator", "cert", "academia", "industry", "ngo", "donor",
             "implementer")
BODY_KINDS = ("steering-committee", "pmu", "working-group", "advisory-board", "secretariat")
ACTIVITY_TYPES = ("training", "train-the-trainer", "mentorship", "exercise", "equipment",
                  "policy-support", "assessment")
DATA_KINDS = ("personal", "threat-intel", "incident", "aggregate", "public")
COUNTRIES = ("XA", "XA", "XA", "NL", "BE", "DE")  # most organisations are the host's

#: Steps that join most of the graph, forwards and backwards: a search along them is
#: a full traversal, the worst case for a rule asking "can X reach Y".
WIDE_STEPS = (Step("member_of"), Step("member_of", reverse=True), Step("chairs"),
              Step("reports_to"), Step("oversees"), Step("leads"),
              Step("leads", reverse=True), Step("partners", reverse=True), Step("shares_data"))
#: Steps a rule about supervision follows (who answers to whom, who chairs what):
#: forwards for cycles (a body answering to its own chair), backwards from the root of
#: the reporting tree for "everything that answers to the treasury".
CONTROL_STEPS = (Step("chairs"), Step("reports_to"), Step("oversees"))
ANSWERS_TO = (Step("reports_to", reverse=True), Step("oversees"))


def proposal(nodes: int, seed: int = 0) -> dict[str, Any]:
    """A proposal whose graph has `nodes` nodes: the programme, then 40% organisations,
    10% governance bodies and 50% activities, about three edges per node."""
    rng = random.Random(seed)
    n_orgs = max(3, (nodes - 1) * 4 // 10)
    n_bodies = max(1, (nodes - 1) // 10)
    n_activities = nodes - 1 - n_orgs - n_bodies
    orgs = [f"org-{i}" for i in range(n_orgs)]
    bodies = [f"body-{i}" for i in range(n_bodies)]

    def some_org() -> str:
        return orgs[rng.randrange(n_orgs)]

    organisations = []
    for i, ident in enumerate(orgs):
        org: dict[str, Any] = {"id": ident, "name": f"Organisation {i}",
                               "country": COUNTRIES[i % len(COUNTRIES)],
                               "kind": ORG_KINDS[i % len(ORG_KINDS)]}
        if i % 5 == 4:
            org["funded_by"] = [orgs[0]]  # the treasury pays many budgets
        organisations.append(org)

    governance_bodies = []
    relations: list[dict[str, Any]] = []
    for i, ident in enumerate(bodies):
        chair = some_org()
        governance_bodies.append({
            "id": ident, "kind": BODY_KINDS[i % len(BODY_KINDS)], "chair": [chair],
            "members": [chair] + [some_org() for _ in range(3)], "meets": "quarterly"})
        # A reporting tree of bodies; every 20th answers to its own chair (a cycle).
        parent = bodies[(i - 1) // 2] if i else orgs[0]
        relations.append({"from": ident, "to": chair if i % 20 == 19 else parent,
                          "kind": "reports_to"})
        if i % 4 == 0:
            relations.append({"from": some_org(), "to": ident, "kind": "oversees",
                              "scope": ["workplan"]})
    relations.append({"from": bodies[0], "kind": "decides", "scope": ["priorities"]})

    activities = []
    for i in range(n_activities):
        lead = some_org()
        activities.append({
            "id": f"A{i}", "title": f"Activity {i}",
            "type": ACTIVITY_TYPES[i % len(ACTIVITY_TYPES)], "led_by": lead,
            "partners": [some_org(), some_org()],
            "data_flows": [{"data": DATA_KINDS[i % len(DATA_KINDS)], "from": lead,
                            "to": some_org(), "basis": "MoU"}]})

    sources = [{"from": orgs[i], "type": "grant" if i % 2 else "co-financing",
                "by_year": {2027: 100_000 + i, 2028: 90_000, 2029: 80_000}}
               for i in range(0, n_orgs, 10)]
    return {
        "cappolicy": 1, "id": f"SYN-{nodes}", "title": f"Synthetic programme of {nodes} nodes",
        "host_country": "XA", "period": {"start": "2027-01-01", "end": "2029-12-31"},
        "organisations": organisations,
        "roles": {"design": orgs[0:n_orgs:20], "implementation": orgs[1:n_orgs:20],
                  "evaluation": orgs[2:n_orgs:40]},
        "funding": {"currency": "EUR", "sources": sources},
        "sunset": {"date": "2029-12-31", "handover_to": orgs[1]},
        "activities": activities,
        "governance": {"bodies": governance_bodies, "relations": relations},
        "evaluation": {"independent": True, "by": orgs[2]},
    }


def best_of(repeats: int, budget: float, collector: bool,
            run: Callable[[], object]) -> tuple[float, int]:
    """The shortest wall time in seconds of up to `repeats` runs, and how many ran: no
    new run starts once `budget` seconds have gone. Garbage is collected before each run;
    without `collector`, the cyclic garbage collector is off while a run is timed."""
    best, spent, runs = float("inf"), 0.0, 0
    while runs < repeats and (runs == 0 or spent < budget):
        gc.collect()
        if not collector:
            gc.disable()
        try:
            began = time.perf_counter()
            run()
            took = time.perf_counter() - began
        finally:
            gc.enable()
        best, spent, runs = min(best, took), spent + took, runs + 1
    return best, runs


def searches(g: GovernanceGraph) -> int:
    """Searches for a node nothing meets, so each runs to its frontier: two along the
    wide steps (each reaches nearly every node) and two along the reporting tree."""
    reached = 0
    for start in ("body-0", "A0"):
        reached += len(g.search(start, _never, WIDE_STEPS).reached)
    for start in ("org-0", "body-0"):
        reached += len(g.search(start, _never, ANSWERS_TO).reached)
    return reached


def cycles(g: GovernanceGraph) -> int:
    return len(g.cycles(CONTROL_STEPS)) + len(g.cycles(None))


def edges_by_kind(g: GovernanceGraph) -> int:
    return sum(len(g.edges([kind])) for kind in parts.EDGE_KINDS)


def _build(data: dict[str, Any], into: list[GovernanceGraph]) -> None:
    into[:] = [graph.build(data)]


def _never(key: str) -> bool:
    return False


OPERATIONS: tuple[tuple[str, Callable[[GovernanceGraph], object]], ...] = (
    ("search x4", searches), ("cycles x2", cycles), ("edges(kind) x16", edges_by_kind))

Row = tuple[str, int, int, float, int]  # operation, nodes, edges, best seconds, runs


def measure(sizes: Sequence[int], repeats: int, budget: float, collector: bool) -> list[Row]:
    """One row per operation and size."""
    rows: list[Row] = []
    for size in sizes:
        built: list[GovernanceGraph] = []  # the last graph built, to query
        timing = best_of(repeats, budget, collector, partial(_build, proposal(size), built))
        g = built.pop()
        if len(g) != size or g.notes:
            raise SystemExit(f"the synthetic proposal of {size} nodes made {len(g)}: {g.notes[:3]}")
        edges = len(g.edges())
        rows.append(("build", size, edges, *timing))
        for name, operation in OPERATIONS:
            rows.append((name, size, edges,
                         *best_of(repeats, budget, collector, partial(operation, g))))
        del g  # keep the memory of one size only
        print(f"  measured {size:>7,} nodes", file=sys.stderr, flush=True)
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows grouped by operation, with time per node and the scaling ratio."""
    lines = [(f"{'operation':<16} {'nodes':>8} {'edges':>8} {'runs':>4} {'best s':>9} "
              f"{'us/node':>8} {'ratio':>6}")]
    first: dict[str, tuple[int, float]] = {}
    for name in dict.fromkeys(row[0] for row in rows):
        for op, nodes, edges, seconds, runs in rows:
            if op != name:
                continue
            base_nodes, base_seconds = first.setdefault(name, (nodes, seconds))
            ratio = (seconds / base_seconds) / (nodes / base_nodes)
            lines.append(f"{name:<16} {nodes:>8,} {edges:>8,} {runs:>4} {seconds:>9.4f} "
                         f"{seconds / nodes * 1e6:>8.2f} {ratio:>6.2f}")
    return "\n".join(lines)


def validate(nodes: int) -> None:
    """Load a small synthetic proposal through the proposal loader: it must be format v1."""
    from cappolicy.proposal.load import load_proposal_text
    loaded = load_proposal_text(json.dumps(proposal(nodes)), "synthetic.json")
    if graph.build(loaded.data) != graph.build(proposal(nodes)):
        raise SystemExit("the synthetic proposal reads back as another graph")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="1k to 10k nodes, one repeat: a smoke run in seconds")
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per measurement, the best is kept (default 3, quick 1)")
    parser.add_argument("--budget", type=float, default=3.0,
                        help="seconds after which a measurement starts no further run "
                        "(default 3)")
    parser.add_argument("--no-gc", action="store_true",
                        help="switch the cyclic garbage collector off while timing, to see "
                        "the algorithms' own scaling")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="comma-separated node counts, smallest first")
    args = parser.parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    repeats = args.repeats or (1 if args.quick else 3)
    if min(sizes) < 100:
        parser.error("sizes start at 100 nodes")
    validate(min(sizes[0], 2_000))
    print(f"python {sys.version.split()[0]}; best of up to {repeats} runs "
          f"(none started after {args.budget:g} s); garbage collector "
          f"{'off' if args.no_gc else 'on'} while timing")
    print(f"ratio = (time / time at {sizes[0]:,}) / (nodes / {sizes[0]:,}): 1 = linear")
    print(table(measure(sizes, repeats, args.budget, not args.no_gc)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
