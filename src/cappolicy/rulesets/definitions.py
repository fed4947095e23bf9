"""Definitions: the `let`s a ruleset writes at its top level, for its own rules and for
those of every ruleset that extends it.

A question several rules ask (which host organisations only foreign parties pay, up their
funded_by chain) is written once, where a ministry reads and changes it once, rather than
word for word in each rule, where one copy can drift from the others. Resolving a ruleset
gives every rule the definitions of its chain (RuleSpec.definitions); the compiler makes
each one a rule names one of the rule's lets, before its own (engine/compile.py), so the
engine computes, explains and locates a definition as any let. A definition reads no
variable: it is compiled once for the ruleset and computed once a proposal (lets.py).

A definition's name is its own in the whole chain: not a param's, a top-level field's, a
built-in's or an enumeration value's, not an earlier definition's (a layer does not
change a parent's definition: it overrides or disables the rules that read it), and no
variable of a rule (`for`, `let`, a quantifier's, an aggregate's, a node condition's)
takes it, so a name reads the same everywhere. A definition reads only definitions
written before it, and a `for` clause reads none, since it is walked before the lets
(CP217). `reads` says which a rule reads, for what shows or compares a rule's condition
(the rule's documentation, a ruleset diff, lint).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..base.errors import Diagnostic
from ..engine.compile import BUILTIN_NAMES, ParamValue
from ..engine.lets import names_read
from ..engine.rules import RuleSpec
from ..lang import ast
from ..proposal import schema
from .effective import Layer

#: names a rule reads as something other than a definition, whatever the ruleset says
_RESERVED = frozenset({*BUILTIN_NAMES, "graph", "program"})


class Definition(NamedTuple):
    """A definition and the layer that writes it."""

    let: ast.Let
    layer: str


def definitions(layers: Iterable[Layer], params: Mapping[str, ParamValue],
                errors: list[Diagnostic]) -> tuple[ast.Let, ...]:
    """The definitions of a chain (root first), in the order written; each one that
    cannot be taken is left out with its CP217 in `errors`."""
    written = [(item, layer.id) for layer in layers for item in layer.items()
               if isinstance(item, ast.Let)]
    position: dict[str, int] = {}
    for k, (let, _) in enumerate(written):
        position.setdefault(let.name, k)
    found: dict[str, Definition] = {}
    for k, (let, layer) in enumerate(written):
        problem = _taken(let, found, params)
        if problem is None:
            later = sorted(n for n in names_read(let.expr) if position.get(n, -1) >= k)
            if later:
                problem = (f"the definition {let.name} reads {', '.join(later)}, "
                           + ("itself" if later == [let.name] else
                              "which is written after it"),
                           "a definition reads only the definitions written before it "
                           "(in its file, or in a parent ruleset)")
        if problem is not None:
            errors.append(Diagnostic("CP217", problem[0], let.span, problem[1]))
            continue
        found[let.name] = Definition(let, layer)
    return tuple(d.let for d in found.values())


def _taken(let: ast.Let, found: Mapping[str, Definition], params: Mapping[str, ParamValue]
           ) -> tuple[str, str] | None:
    name = let.name
    first = found.get(name)
    if first is not None:
        return (f"{name} is defined twice: first by {first.layer} at "
                f"{first.let.span.short()}",
                "a ruleset does not change a parent's definition: override or disable the "
                "rules that read it, or give this one another name")
    if name in params:
        origin = params[name].origin
        where = f" ({origin.span.short()})" if origin is not None else ""
        return (f"the definition {name} takes the name of a param{where}",
                "give the definition a name of its own")
    if name in _RESERVED or schema.PROPOSAL.field(name) is not None or name in schema.SYMBOLS:
        return (f"the definition {name} takes a name the rules read already (a top-level "
                "field of the proposal, a built-in name or an enumeration value)",
                "give the definition a name of its own")
    return None


def reads(spec: RuleSpec) -> tuple[ast.Let, ...]:
    """The definitions a rule reads, directly (in any clause, or its message or hint as the
    layers leave them) or through another definition, in the order written: the lets the
    compiler puts before the rule's own."""
    if not spec.definitions:
        return ()
    named = {let.name: let for let in spec.definitions}
    stack = [n for n in names_read((spec.rule, spec.message, spec.hint, spec.translations))
             if n in named]
    needed: set[str] = set()
    while stack:
        name = stack.pop()
        if name not in needed:
            needed.add(name)
            stack.extend(n for n in names_read(named[name].expr) if n in named)
    return tuple(let for let in spec.definitions if let.name in needed)


def unused(layer: Layer, rules: Iterable[RuleSpec]) -> list[Diagnostic]:
    """CP263: a definition of `layer` that no rule of the effective ruleset reads."""
    reading = {let.name for spec in rules for let in reads(spec)}
    return [Diagnostic("CP263", f"the definition {item.name} is read by no rule", item.span,
                       "read it in a rule, or remove it", level="warning")
            for item in layer.items()
            if isinstance(item, ast.Let) and item.name not in reading]
