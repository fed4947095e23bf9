"""A rule as the effective ruleset settles it (RuleSpec), and compiled (CompiledRule): its
clauses as typed nodes (nodes.py), its params with who set them, its wording. The
Python that decides it (codegen.py) is made on first use by evaluate.functions_of and
kept here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..base.record import Record
from ..lang import ast
from .findings import ParamUse, Provenance
from .nodes import Node

if TYPE_CHECKING:
    from .runtime import Decide, Verdict

_set = object.__setattr__


class CompiledRule:
    """A rule compiled: its clauses as typed nodes, compared by identity. Written out rather
    than made by attrs when cappolicy starts; `replace` makes a changed copy, without what
    the rule learnt deciding (its generated functions, its explaining)."""

    __slots__ = ("id", "title", "principle", "source", "severity", "check_kind", "check",
                 "for_var", "for_coll", "for_where", "lets", "when", "message", "hint",
                 "translations", "params", "origin", "severity_origin", "placeholders",
                 "_functions", "_evaluated", "_explaining")
    #: the fields `__init__` takes, in its order (all but the last three slots)
    FIELDS: ClassVar[tuple[str, ...]] = __slots__[:-3]

    id: str
    title: str
    principle: str
    source: str | None
    severity: str
    check_kind: str
    check: Node
    for_var: str | None
    for_coll: Node | None
    for_where: Node | None
    lets: tuple[tuple[str, Node], ...]
    when: Node | None
    message: tuple[str | Node, ...] | None
    hint: tuple[str | Node, ...] | None
    # (lang, "message" or "hint", parts): the texts in other languages (`message fr "…"`)
    translations: tuple[tuple[str, str, tuple[str | Node, ...]], ...]
    params: tuple[ParamUse, ...]
    origin: Provenance | None
    severity_origin: Provenance | None
    #: the ruleset's `placeholders` param: texts that count as absent (placeholders.py)
    placeholders: frozenset[str] | None
    _functions: tuple[Decide, Verdict] | None
    _evaluated: int
    #: what explaining its findings learns of the rule's nodes, the same for every
    #: proposal (evidence.Explainer): its lets by name, what a compared value is computed from
    _explaining: dict[Any, Any]

    def __init__(self, id: str, title: str, principle: str, source: str | None, severity: str,
                 check_kind: str, check: Node, for_var: str | None = None,
                 for_coll: Node | None = None, for_where: Node | None = None,
                 lets: tuple[tuple[str, Node], ...] = (), when: Node | None = None,
                 message: tuple[str | Node, ...] | None = None,
                 hint: tuple[str | Node, ...] | None = None,
                 translations: tuple[tuple[str, str, tuple[str | Node, ...]], ...] = (),
                 params: tuple[ParamUse, ...] = (), origin: Provenance | None = None,
                 severity_origin: Provenance | None = None,
                 placeholders: frozenset[str] | None = None) -> None:
        self.id = id
        self.title = title
        self.principle = principle
        self.source = source
        self.severity = severity
        self.check_kind = check_kind
        self.check = check
        self.for_var = for_var
        self.for_coll = for_coll
        self.for_where = for_where
        self.lets = lets
        self.when = when
        self.message = message
        self.hint = hint
        self.translations = translations
        self.params = params
        self.origin = origin
        self.severity_origin = severity_origin
        self.placeholders = placeholders
        self._functions = None
        self._evaluated = 0
        self._explaining = {}

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"CompiledRule({shown})"


def replace(rule: CompiledRule, **changes: Any) -> CompiledRule:
    """A copy of `rule` with the fields `changes` names given new values, as attrs.evolve
    made it: nothing generated or explained yet."""
    values = {name: getattr(rule, name) for name in CompiledRule.FIELDS}
    values.update(changes)
    return CompiledRule(**values)



class RuleSpec(Record):
    """A rule as the effective ruleset settles it (after overrides)."""

    __slots__ = ("rule", "severity", "message", "hint", "origin", "severity_origin",
                 "translations", "definitions")
    rule: ast.Rule
    severity: str
    message: ast.Template | None
    hint: ast.Template | None
    origin: Provenance
    severity_origin: Provenance | None
    # the message and hint in other languages, as the layers leave them
    translations: tuple[ast.Translation, ...]
    # the definitions of the rule's chain (top-level lets, rulesets/definitions.py), in the
    # order written: the rule reads those it names
    definitions: tuple[ast.Let, ...]

    def __init__(self, rule: ast.Rule, severity: str, message: ast.Template | None,
                 hint: ast.Template | None, origin: Provenance,
                 severity_origin: Provenance | None = None,
                 translations: tuple[ast.Translation, ...] = (),
                 definitions: tuple[ast.Let, ...] = ()) -> None:
        _set(self, "rule", rule)
        _set(self, "severity", severity)
        _set(self, "message", message)
        _set(self, "hint", hint)
        _set(self, "origin", origin)
        _set(self, "severity_origin", severity_origin)
        _set(self, "translations", translations)
        _set(self, "definitions", definitions)
