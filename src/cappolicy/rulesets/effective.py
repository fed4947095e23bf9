"""The effective ruleset and what it is made of: the layers of a chain (`Layer`), the
rules a layer disables (`Disabled`), and the ruleset they settle (`EffectiveRuleset`),
whose rules are compiled on first use. catalog.py resolves a chain into one; the
classes are written out, not made by attrs, for they are defined at every start."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..base.errors import Diagnostic
from ..base.record import Record
from ..base.span import Span
from ..engine.compile import ParamValue
from ..engine.evaluate import CompiledRule, RuleSpec, compile_rules
from ..engine.findings import SEVERITY_RANK, Provenance
from ..lang import ast
from ..lang import values as V
from ..lang.types import DATE, DURATION, MONEY, NUMBER, PERCENT, YEAR, SetT, Type

_put = object.__setattr__  # a record's __init__ setting its fields


class Layer(Record):
    __slots__ = ("id", "title", "version", "extends", "extends_span", "jurisdiction", "files",
                 "syntax_errors")
    id: str
    title: str | None
    version: str | None
    extends: str | None
    extends_span: Span | None
    jurisdiction: tuple[str, ...]
    files: tuple[ast.RuleFile, ...]
    syntax_errors: tuple[Diagnostic, ...]

    def __init__(self, id: str, title: str | None, version: str | None, extends: str | None,
                 extends_span: Span | None, jurisdiction: tuple[str, ...],
                 files: tuple[ast.RuleFile, ...], syntax_errors: tuple[Diagnostic, ...] = ()
                 ) -> None:
        _put(self, "id", id)
        _put(self, "title", title)
        _put(self, "version", version)
        _put(self, "extends", extends)
        _put(self, "extends_span", extends_span)
        _put(self, "jurisdiction", jurisdiction)
        _put(self, "files", files)
        _put(self, "syntax_errors", syntax_errors)

    def items(self) -> Iterable[ast.Item]:
        for f in self.files:
            yield from f.items


class Disabled(Record):
    __slots__ = ("rule", "title", "severity", "origin")
    rule: str
    title: str
    severity: str
    origin: Provenance

    def __init__(self, rule: str, title: str, severity: str, origin: Provenance) -> None:
        _put(self, "rule", rule)
        _put(self, "title", title)
        _put(self, "severity", severity)
        _put(self, "origin", origin)


class EffectiveRuleset:
    """A ruleset as its chain of layers settles it; its rules compiled on first use.
    Written out rather than made by attrs when cappolicy starts: compared by its fields,
    unhashable (it changes), shown as attrs shows a class."""

    __slots__ = ("id", "title", "version", "chain", "jurisdiction", "params", "param_decls",
                 "rules", "disabled", "files", "layers", "param_history", "text_overrides",
                 "_compiled")
    id: str
    title: str | None
    version: str | None
    chain: tuple[str, ...]  # root first
    jurisdiction: tuple[str, ...]
    params: dict[str, ParamValue]
    param_decls: dict[str, ast.Param]
    rules: list[RuleSpec]
    disabled: list[Disabled]
    files: tuple[str, ...]
    layers: tuple[Layer, ...]  # root first, as `chain`
    #: the values each param had before its effective one, oldest (the declaration) first
    param_history: dict[str, list[ParamValue]]
    #: (rule id, "message" | "hint") -> the last layer that overrode it; `previous` is the
    #: text it replaced, `previous_layer`/`previous_span` where that text was written
    text_overrides: dict[tuple[str, str], Provenance]
    _compiled: list[CompiledRule] | None

    def __init__(self, id: str, title: str | None, version: str | None,
                 chain: tuple[str, ...], jurisdiction: tuple[str, ...],
                 params: dict[str, ParamValue], param_decls: dict[str, ast.Param],
                 rules: list[RuleSpec], disabled: list[Disabled], files: tuple[str, ...],
                 layers: tuple[Layer, ...] = (),
                 param_history: dict[str, list[ParamValue]] | None = None,
                 text_overrides: dict[tuple[str, str], Provenance] | None = None,
                 compiled: list[CompiledRule] | None = None) -> None:
        self.id = id
        self.title = title
        self.version = version
        self.chain = chain
        self.jurisdiction = jurisdiction
        self.params = params
        self.param_decls = param_decls
        self.rules = rules
        self.disabled = disabled
        self.files = files
        self.layers = layers
        self.param_history = {} if param_history is None else param_history
        self.text_overrides = {} if text_overrides is None else text_overrides
        self._compiled = compiled

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EffectiveRuleset) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"EffectiveRuleset({shown})"

    def evolve(self, **changes: Any) -> EffectiveRuleset:
        """A copy with the fields `changes` names given new values (as attrs.evolve)."""
        values = {name.lstrip("_"): getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return EffectiveRuleset(**values)

    def compiled(self) -> list[CompiledRule]:
        if self._compiled is None:
            self._compiled = compile_rules(self.rules, self.params)
        return self._compiled

    def param_relaxed(self, name: str) -> bool:
        """Whether a param ends less strict than some layer of its chain had it: a relaxation
        that no later layer took back, or a layer undoing part of a parent's tightening."""
        current = self.params[name]
        stricter = self.param_decls[name].stricter
        return any(_relaxes(stricter, old.value, current.value)
                   for old in self.param_history.get(name, ()))

    def rule_relaxed(self, spec: RuleSpec) -> bool:
        """Whether a rule's severity ends below the one it was defined with, or below the
        one the layer before the last override gave it."""
        declared = spec.rule.severity or "must"
        lowered = spec.severity_origin is not None and spec.severity_origin.relaxation
        return lowered or SEVERITY_RANK[spec.severity] < SEVERITY_RANK[declared]


def _relaxes(direction: str | None, old: Any, new: Any) -> bool:
    """Whether a new param value is less strict than the old; a change whose
    direction is not declared counts as a relaxation (it cannot be shown stricter)."""
    if V.equal(old, new) is True:
        return False
    if direction is None:
        return True
    try:
        if direction == "narrower":  # a set that, empty, restricts nothing
            a, b = set(old), set(new)
            return bool(a) and (not b or not b <= a)
        if direction in ("larger", "smaller"):
            a, b = set(old), set(new)
            stricter = b >= a if direction == "larger" else b <= a
            return not stricter
        if isinstance(old, ast.Duration) and isinstance(new, ast.Duration) and \
                not (old.days == new.days == 0 or old.months == new.months == 0):
            # months against days: stricter only if it is so from every day of the
            # calendar (26 weeks is longer than the 181 days of six months from 1 March)
            shortest, longest = V.day_bounds(new) or (None, None)
            old_bounds = V.day_bounds(old)
            if shortest is None or longest is None or old_bounds is None:
                return True
            return not (longest <= old_bounds[0] if direction == "lower"
                        else shortest >= old_bounds[1])
        higher = V.compare(">", new, old)
        return bool(higher) if direction == "lower" else not higher
    except (TypeError, V.EvalProblem):
        return True


#: the types that `higher is stricter` and `lower is stricter` fit: those with an order
ORDERED = (NUMBER, PERCENT, MONEY, DURATION, DATE, YEAR)


def misfit_direction(param: ast.Param, declared: Type) -> Diagnostic | None:
    """CP215: a direction that does not fit the param's type. Higher and lower order
    amounts, shares, durations and dates; larger, smaller and narrower compare sets; a
    text, a pattern, a yes or no or a list has no direction, and taking a pattern for the
    set of its characters called a narrowed pattern, which finds fewer, a tightening."""
    word = param.stricter
    if word is None:
        return None
    if word in ("higher", "lower"):
        if declared in ORDERED:
            return None
    elif isinstance(declared, SetT):
        return None
    return Diagnostic(
        "CP215", f"`{word} is stricter` does not fit param {param.name}, a "
        f"{declared.describe()}", param.span,
        "`higher` and `lower` are for numbers, percents, money, durations and dates; "
        "`larger`, `smaller` and `narrower` for sets; leave the direction out for any "
        "other type, and every change to the param counts as a relaxation")
