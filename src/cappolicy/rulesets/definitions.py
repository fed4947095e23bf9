"""Definitions: the `let`s a ruleset writes at its top level, for its own rules and for
those of every ruleset that extends it.

A question several rules ask (which host organisations only foreign parties pay, up their
funded_by chain) is written once, where a ministry reads and changes it once, rather than
word for word in each rule, where one copy can drift from the others. Resolving a ruleset
checks their names (`definitions`, CP217) and gives every rule the definitions of its
chain (RuleSpec.definitions); the engine compiles each once, in the order written, and
makes those a rule reads its first lets (engine/lets.py), so a definition is computed once
a proposal and explained and located as any let. `reads` says which a rule reads, as
compiled, for what shows or compares a rule's condition (the rule's documentation, a
ruleset diff, `rulesets show`, lint).

A definition's name is its own in the chain: not a param's, a top-level field's, a
built-in's, an enumeration value's or a word of the language, and not an earlier
definition's (a layer does not change a parent's definition: it overrides or disables the
rules that read it). A variable a rule binds may take it: inside the rule, the name is the
variable, as inside any scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..base.errors import Diagnostic
from ..engine.compile import BUILTIN_NAMES, ParamValue
from ..engine.rules import CompiledRule, RuleSpec
from ..lang import ast
from ..proposal import schema
from .effective import Layer

#: names a rule reads as something other than a definition, whatever the ruleset says:
#: the built-in names, and the words of the language a name may be spelt as
_RESERVED = frozenset({*BUILTIN_NAMES, "graph", "program", "true", "false", "present",
                       "absent", "and", "or", "not", "in", "matches", "implies", "any", "all",
                       "where", "for", "let", "when", "require", "forbid", "rule"})


class Definition:
    """A definition and the layer that writes it."""

    __slots__ = ("let", "layer")

    def __init__(self, let: ast.Let, layer: str) -> None:
        self.let = let
        self.layer = layer


def definitions(layers: Sequence[Layer], params: Mapping[str, ParamValue],
                errors: list[Diagnostic]) -> tuple[ast.Let, ...]:
    """The definitions of a chain (root first), in the order written; each one that
    cannot be taken is left out with its CP217 in `errors`."""
    found: dict[str, Definition] = {}
    rank = {layer.id: k for k, layer in enumerate(layers)}
    for layer in layers:
        for let in layer.items():
            if not isinstance(let, ast.Let):
                continue
            problem = _taken(let, layer.id, found, params, rank)
            if problem is not None:
                errors.append(problem)
                continue
            found[let.name] = Definition(let, layer.id)
    return tuple(d.let for d in found.values())


def _taken(let: ast.Let, layer: str, found: Mapping[str, Definition],
           params: Mapping[str, ParamValue], rank: Mapping[str, int]) -> Diagnostic | None:
    name = let.name
    first = found.get(name)
    if first is not None:
        return Diagnostic(
            "CP217", f"{name} is defined twice: first by {first.layer} at "
            f"{first.let.span.short()}", let.span,
            "a ruleset does not change a parent's definition: override or disable the rules "
            "that read it, or give this one another name")
    origin = params[name].origin if name in params else None
    if origin is not None:
        if rank.get(origin.layer, -1) > rank[layer]:  # a child's param: said where it is
            return Diagnostic(
                "CP217", f"param {name} takes the name of a definition of {layer} "
                f"({let.span.short()})", origin.span,
                "give the param another name: the rules read the definition by it")
        return Diagnostic("CP217", f"the definition {name} takes the name of a param "
                          f"({origin.span.short()})", let.span,
                          "give the definition a name of its own")
    if name in _RESERVED or schema.PROPOSAL.field(name) is not None or name in schema.SYMBOLS:
        return Diagnostic(
            "CP217", f"the definition {name} takes a name the rules read already (a "
            "top-level field of the proposal, a built-in name, an enumeration value or a "
            "word of the language)", let.span, "give the definition a name of its own")
    return None


def reads(spec: RuleSpec, rule: CompiledRule | None) -> tuple[ast.Let, ...]:
    """The definitions a rule reads, directly or through another, as it is compiled (its
    lets that are definitions), in the order written; none for a rule that does not
    compile."""
    if rule is None or not spec.definitions:
        return ()
    lets = {id(node.expr) for _, node in rule.lets}
    return tuple(let for let in spec.definitions if id(let.expr) in lets)


def unused(layer: Layer, rules: Iterable[RuleSpec],
           compiled: Mapping[str, CompiledRule | None]) -> list[Diagnostic]:
    """CP263: a definition of `layer` that no rule of the effective ruleset reads (said
    only when every rule compiles: one that does not may be meant to read it)."""
    specs = list(rules)
    if any(compiled.get(spec.rule.id) is None for spec in specs):
        return []
    reading = {let.name for spec in specs for let in reads(spec, compiled[spec.rule.id])}
    return [Diagnostic("CP263", f"the definition {item.name} is read by no rule", item.span,
                       "read it in a rule, or remove it", level="warning")
            for item in layer.items()
            if isinstance(item, ast.Let) and item.name not in reading]
