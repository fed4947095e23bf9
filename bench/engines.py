"""The six benchmark policies (P1-P6) run by five engines, each on its own native input.

| engine | policy source | compiled once into | is handed, per proposal |
|---|---|---|---|
| `python` (the floor) | the functions below | nothing to compile | the loaded proposal's data (dicts, dates) |
| `cappolicy` | policies/bench.cpol | compiled rules (parse, resolve, compile) | the loaded `Proposal` |
| `regopy` | policies/bench.rego | a rego-cpp bundle for `data.bench.verdicts` | JSON data, as `regopy.Input` |
| `cel` (Rust, common-expression-language) | policies/bench.cel | six `cel.Program`s | JSON data, in a `cel.Context` |
| `celpy` (cel-python) | policies/bench.cel | six programs, celpy's CompiledRunner | JSON data, through `celpy.json_to_cel` |

Handing the data over (building `Input`, `Context` or CEL values) is part of each peer
engine's time, as it is part of using it from Python; loading the proposal file is no
engine's time, and neither is reading the answers for the comparison: each engine's
answer is timed as the engine gives it (cappolicy's `{"P1": "pass", ...}`, celpy's
`BoolType`s), then made a verdict by `Engine.comparable`, outside the timed loop. A
verdict is True (pass) or False (fail); anything else (cappolicy's `unknown`, an engine's
error) is shown as text and never agrees with the floor.

The peer engines are optional (`pip install -e '.[bench]'`): an engine whose package is
missing says so through `Engine.missing` and is left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

POLICIES = ("P1", "P2", "P3", "P4", "P5", "P6")
HERE = Path(__file__).resolve().parent / "policies"
AS_OF = dt.date(2026, 1, 1)  # none of P1-P6 reads the check date

MIN_CO_FINANCING = 0.20
ALLOWED_DATA_DESTINATIONS = frozenset({"BE", "DE", "FR", "NL", "NO"})

Verdict = Any  # True (pass), False (fail), or a text saying why there is no verdict
Verdicts = dict[str, Verdict]


@dataclass
class Case:
    """One generated proposal, in every form an engine may be handed."""

    id: str
    proposal: Any  # cappolicy.proposal.model.Proposal, as loaded from its JSON text
    json_data: Any  # the proposal as JSON data: ISO date strings, string keys

    @property
    def data(self) -> Mapping[str, Any]:
        return self.proposal.data  # type: ignore[no-any-return]


# ------------------------------------------------------------------ the plain Python floor


def p1_host_leads(p: Mapping[str, Any]) -> bool:
    host = p["host_country"]
    home = {o["id"] for o in p.get("organisations", ()) if o["country"] == host}
    return any(a["led_by"] in home or any(q in home for q in a.get("partners", ()))
               for a in p.get("activities", ()))


def p2_sunset_in_period(p: Mapping[str, Any]) -> bool:
    date = (p.get("sunset") or {}).get("date")
    return date is not None and date <= p["period"]["end"]


def p3_co_financing(p: Mapping[str, Any]) -> bool:
    host = p["host_country"]
    country = {o["id"]: o["country"] for o in p.get("organisations", ())}
    total = national = 0
    for src in p["funding"]["sources"]:
        amount = sum(src.get("by_year", {}).values())
        total += amount
        if country[src["from"]] == host:
            national += amount
    return national / total >= MIN_CO_FINANCING


def p4_budget_years(p: Mapping[str, Any]) -> bool:
    return len({y for line in p["budget"]["lines"] for y in line.get("by_year", ())}) >= 3


def p5_mandates(p: Mapping[str, Any]) -> bool:
    return all("mandate" in a for a in p.get("activities", ()))


def p6_personal_data(p: Mapping[str, Any]) -> bool:
    host = p["host_country"]
    country = {o["id"]: o["country"] for o in p.get("organisations", ())}
    for a in p.get("activities", ()):
        for f in a.get("data_flows", ()):
            if f["data"] == "personal":
                to = country[f["to"]]
                if to != host and to not in ALLOWED_DATA_DESTINATIONS:
                    return False
    return True


FLOOR: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "P1": p1_host_leads, "P2": p2_sunset_in_period, "P3": p3_co_financing,
    "P4": p4_budget_years, "P5": p5_mandates, "P6": p6_personal_data}


# ------------------------------------------------------------------------------ engines


class Engine:
    name = ""
    language = ""
    package = ""  # the distribution that brings it, for the message when it is missing

    def missing(self) -> str | None:
        """Why the engine cannot run here, or None."""
        return None

    def compile(self) -> Any:
        """The policies made ready to run, from their source."""
        raise NotImplementedError

    def input(self, case: Case) -> Any:
        """What the engine is handed for a proposal (made before timing)."""
        return case.json_data

    def verdicts(self, program: Any, given: Any) -> Verdicts:
        """The engine's answer for one input, policy -> whatever the engine gives."""
        raise NotImplementedError

    def comparable(self, answer: Verdicts) -> Verdicts:
        """An answer as verdicts the floor's can be compared with (not timed)."""
        return answer

    def run(self, program: Any, inputs: Sequence[Any]) -> list[Verdicts]:
        """The answers for every input: the timed loop. A proposal on which the engine
        fails gets its error as every verdict."""
        out = []
        for given in inputs:
            try:
                out.append(self.verdicts(program, given))
            except Exception as exc:  # noqa: BLE001 - shown as a disagreement, with the reason
                out.append(dict.fromkeys(POLICIES, f"error: {type(exc).__name__}: {exc}"[:200]))
        return out

    def judge(self, program: Any, inputs: Sequence[Any]) -> list[Verdicts]:
        """The comparable verdicts for every input: `run`, then `comparable`."""
        return [self.comparable(answer) for answer in self.run(program, inputs)]


class PythonFloor(Engine):
    name, language = "python", "Python"

    def compile(self) -> Any:
        return FLOOR

    def input(self, case: Case) -> Any:
        return case.data

    def verdicts(self, program: Any, given: Any) -> Verdicts:
        return {name: check(given) for name, check in program.items()}


class Cappolicy(Engine):
    name, language = "cappolicy", "cpol"

    def compile(self) -> Any:
        from cappolicy.engine.evaluate import prepare, verdicts
        from cappolicy.rulesets.catalog import Catalog, resolve, source_from_path
        effective = resolve(Catalog([]), source_from_path(HERE / "bench.cpol"))
        rules = effective.compiled()
        prepare(rules)  # the Python is written when a second proposal needs it: now
        return rules, verdicts

    def input(self, case: Case) -> Any:
        return case.proposal

    def verdicts(self, program: Any, given: Any) -> Verdicts:
        rules, verdicts = program
        return verdicts(rules, given, AS_OF, "bench")  # type: ignore[no-any-return]

    def comparable(self, answer: Verdicts) -> Verdicts:
        return {rule: outcome == "pass" if outcome in ("pass", "fail") else outcome
                for rule, outcome in answer.items()}


class CappolicyExplained(Cappolicy):
    """cappolicy as `cappolicy check` runs it: every rule's finding, located, and an
    explanation with evidence for each failing one. Not a peer of the others, which give
    verdicts only: it shows what the explanations cost."""

    name = "explained"

    def compile(self) -> Any:
        from cappolicy.engine.evaluate import evaluate, summary
        rules, _ = super().compile()
        return rules, lambda *args: summary(evaluate(*args))


class Rego(Engine):
    name, language, package = "regopy", "Rego", "regopy"

    def missing(self) -> str | None:
        return _missing("regopy")

    def compile(self) -> Any:
        from regopy import Interpreter
        interpreter = Interpreter()
        interpreter.add_module("bench.rego", (HERE / "bench.rego").read_text(encoding="utf-8"))
        bundle = interpreter.build("verdicts = data.bench.verdicts")
        if not bundle.ok():
            raise RuntimeError("the Rego policies do not build")
        return interpreter, bundle

    def verdicts(self, program: Any, given: Any) -> Verdicts:
        from regopy import Input
        interpreter, bundle = program
        interpreter.set_input(Input(given))
        output = interpreter.query_bundle(bundle)
        if not output.ok():
            raise RuntimeError(str(output))
        return output[0]["verdicts"]  # type: ignore[no-any-return]


class CelRust(Engine):
    name, language, package = "cel", "CEL", "common-expression-language"

    def missing(self) -> str | None:
        return _missing("cel", "Program")

    def compile(self) -> Any:
        import cel
        return {name: cel.compile(source) for name, source in cel_policies().items()}

    def verdicts(self, program: Any, given: Any) -> Verdicts:
        import cel
        context = cel.Context(variables={"p": given}, functions={"sum": _sum})
        return {name: prog.execute(context) for name, prog in program.items()}


class Celpy(Engine):
    name, language, package = "celpy", "CEL", "cel-python"

    def missing(self) -> str | None:
        return _missing("celpy", "Environment")

    def compile(self) -> Any:
        # The transpiling runner: several times faster than celpy's default interpreter.
        # celpy keeps one parser per process, made for the runner class of the first
        # Environment: this must stay the only runner class used in the process.
        import celpy
        import celpy.evaluation
        # The transpiled code calls a given function as `module.qualname` among the globals
        # of celpy.evaluation, where no module of ours is: name the helper's home there.
        _celpy_sum.__module__ = "bench_cel_helpers"
        setattr(celpy.evaluation, "bench_cel_helpers",  # noqa: B010 - not its attribute
                SimpleNamespace(_celpy_sum=_celpy_sum))
        env = celpy.Environment(runner_class=celpy.CompiledRunner)
        return {name: env.program(env.compile(source), functions={"sum": _celpy_sum})
                for name, source in cel_policies().items()}

    def verdicts(self, program: Any, given: Any) -> Verdicts:
        import celpy
        activation = {"p": celpy.json_to_cel(given)}
        return {name: prog.evaluate(activation) for name, prog in program.items()}

    def comparable(self, answer: Verdicts) -> Verdicts:
        import celpy
        return {name: bool(value) if isinstance(value, celpy.celtypes.BoolType) else str(value)
                for name, value in answer.items()}


ENGINES: tuple[type[Engine], ...] = (PythonFloor, Cappolicy, CappolicyExplained, Rego, CelRust,
                                     Celpy)


def cel_policies() -> dict[str, str]:
    """The CEL expressions of policies/bench.cel, by policy."""
    policies: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (HERE / "bench.cel").read_text(encoding="utf-8").splitlines():
        head = re.fullmatch(r"(P\d+):\s*", line)
        if head:
            current = policies.setdefault(head.group(1), [])
        elif current is not None and line.strip() and not line.lstrip().startswith("#"):
            current.append(line.strip())
    return {name: " ".join(lines) for name, lines in policies.items()}


def _sum(values: Sequence[Any]) -> Any:
    return sum(values)


def _celpy_sum(values: Any) -> Any:
    import celpy
    total = 0
    for v in values:
        total += v
    return celpy.celtypes.DoubleType(total) if isinstance(total, float) else \
        celpy.celtypes.IntType(total)


def _missing(module: str, attribute: str | None = None) -> str | None:
    try:
        imported = __import__(module)
    except Exception as exc:  # noqa: BLE001 - not installed, or a binary that does not load
        return f"cannot import {module}: {type(exc).__name__}: {exc}"
    if attribute and not hasattr(imported, attribute):
        return f"{module} is not the expected package (no {module}.{attribute})"
    return None


# --------------------------------------------------------------------------- agreement


@dataclass(frozen=True)
class Disagreement:
    case: str
    policy: str
    verdicts: tuple[tuple[str, Verdict], ...]  # engine, verdict

    def __str__(self) -> str:
        shown = ", ".join(f"{engine}={verdict}" for engine, verdict in self.verdicts)
        return f"{self.case} {self.policy}: {shown}"


def disagreements(cases: Sequence[Case], results: Mapping[str, Sequence[Verdicts]],
                  floor: str = "python") -> list[Disagreement]:
    """Every (proposal, policy) on which some engine's verdict is not the floor's, which
    is always True or False."""
    out = []
    for i, case in enumerate(cases):
        for policy in POLICIES:
            seen = tuple((engine, verdicts[i].get(policy, "no verdict"))
                         for engine, verdicts in results.items())
            expected = results[floor][i].get(policy)
            if not isinstance(expected, bool) or \
                    any(type(v) is not bool or v != expected for _, v in seen):
                out.append(Disagreement(case.id, policy, seen))
    return out


def variety(verdicts: Sequence[Verdicts]) -> list[str]:
    """The policies that do not both pass and fail on some of the proposals."""
    return [policy for policy in POLICIES
            if {v.get(policy) for v in verdicts} != {True, False}]


# ------------------------------------------------------------------------------- cases


class InvalidProposal(Exception):
    """A generated proposal that the loader refuses, warns about or reads differently."""


def load_cases(size: str, count: int, seed: int = 0) -> list[Case]:
    """The first `count` generated proposals of a size, each read back through the proposal
    loader from its JSON text: it must load without a diagnostic, as the data it was."""
    import synthetic

    from cappolicy.base.errors import CappolicyError
    from cappolicy.proposal.load import load_proposal_text

    cases = []
    for data in synthetic.corpus(size, count, seed):
        name = f"{data['id']}.json"
        try:
            proposal = load_proposal_text(synthetic.json_text(data), name)
        except CappolicyError as exc:
            raise InvalidProposal(f"{name} does not load: {exc}") from None
        if proposal.warnings:
            raise InvalidProposal(f"{name} loads with warnings: {proposal.warnings[0].message}")
        if proposal.data != data:
            raise InvalidProposal(f"{name} reads back as other data")
        cases.append(Case(data["id"], proposal, synthetic.as_json_data(data)))
    return cases
