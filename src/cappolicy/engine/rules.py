"""A rule as the effective ruleset settles it (RuleSpec), and compiled (CompiledRule): its
clauses as typed nodes (nodes.py), its params with who set them, its wording. The
Python that decides it (codegen.py) is made on first use by evaluate.functions_of and
kept here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ..base.record import Record
from ..lang import ast
from .findings import ParamUse, Provenance
from .nodes import Node

if TYPE_CHECKING:
    from .runtime import Decide, Verdict

_set = object.__setattr__


@attrs.define(eq=False)
class CompiledRule:
    id: str
    title: str
    principle: str
    source: str | None
    severity: str
    check_kind: str
    check: Node
    for_var: str | None = None
    for_coll: Node | None = None
    for_where: Node | None = None
    lets: tuple[tuple[str, Node], ...] = ()
    when: Node | None = None
    message: tuple[str | Node, ...] | None = None
    hint: tuple[str | Node, ...] | None = None
    # (lang, "message" or "hint", parts): the texts in other languages (`message fr "…"`)
    translations: tuple[tuple[str, str, tuple[str | Node, ...]], ...] = ()
    params: tuple[ParamUse, ...] = ()
    origin: Provenance | None = None
    severity_origin: Provenance | None = None
    #: the ruleset's `placeholders` param: texts that count as absent (placeholders.py)
    placeholders: frozenset[str] | None = None
    _functions: tuple[Decide, Verdict] | None = attrs.field(default=None, init=False, repr=False)
    _evaluated: int = attrs.field(default=0, init=False, repr=False)
    #: what explaining its findings learns of the rule's nodes, the same for every
    #: proposal (evidence.Explainer): its lets by name, what a compared value is computed from
    _explaining: dict[Any, Any] = attrs.field(factory=dict, init=False, repr=False)



class RuleSpec(Record):
    """A rule as the effective ruleset settles it (after overrides)."""

    __slots__ = ("rule", "severity", "message", "hint", "origin", "severity_origin",
                 "translations")
    rule: ast.Rule
    severity: str
    message: ast.Template | None
    hint: ast.Template | None
    origin: Provenance
    severity_origin: Provenance | None
    # the message and hint in other languages, as the layers leave them
    translations: tuple[ast.Translation, ...]

    def __init__(self, rule: ast.Rule, severity: str, message: ast.Template | None,
                 hint: ast.Template | None, origin: Provenance,
                 severity_origin: Provenance | None = None,
                 translations: tuple[ast.Translation, ...] = ()) -> None:
        _set(self, "rule", rule)
        _set(self, "severity", severity)
        _set(self, "message", message)
        _set(self, "hint", hint)
        _set(self, "origin", origin)
        _set(self, "severity_origin", severity_origin)
        _set(self, "translations", translations)
