"""The names a ruleset may not give its own rules and params, because they already mean
something to every rule: the ids of cappolicy's built-in waiver checks, and, for a param,
the names a rule reads from the proposal or the run.

A bare word in a rule is a variable, then a param, then a top-level field of the
proposal, then a built-in name, then an enumeration value (docs/language.md, section 7).
So a param named `training` or `activities` would not add a name: it would change what
the parent's rules that say `act.type == training` or `all a in activities` read, with no
line of those rules changed and no change shown against them."""

from __future__ import annotations

from ..base.errors import Diagnostic
from ..engine.compile import BUILTIN_NAMES
from ..engine.waivers import CHECKS
from ..lang import ast
from ..proposal import schema

#: the ids of the built-in checks of waivers (WAIVER-01...): a rule of a ruleset with one
#: would be reported beside the check of that id, and a waiver of it read as of either
BUILTIN_RULES = frozenset(check.id for check in CHECKS)
#: the names a rule reads besides params and the proposal's fields and enumeration values
#: (engine/compile.py, Compiler.c_name): the date of the check, the governance graph and
#: the programme's node in it
BUILTIN_WORDS = frozenset({*BUILTIN_NAMES, "graph", "program"})


def taken_rule_id(rule: ast.Rule) -> Diagnostic | None:
    """CP221 for a rule whose id is a built-in check's."""
    if rule.id not in BUILTIN_RULES:
        return None
    return Diagnostic(
        "CP221", f"rule {rule.id} has the id of one of cappolicy's own waiver checks",
        rule.id_span, f"give the rule another id; {', '.join(sorted(BUILTIN_RULES))} are "
        "the checks every proposal's waivers go through")


def taken_param_name(param: ast.Param) -> Diagnostic | None:
    """CP216 for a param whose name every rule already reads as something else: a
    top-level field or a built-in name."""
    name = param.name
    if schema.PROPOSAL.field(name) is not None:
        what = "a top-level field of the proposal"
    elif name in BUILTIN_WORDS:
        what = "a built-in name"
    else:  # an enumeration value (`overhead`, `training`) is refused only where a rule of
        return None  # another file reads the value the param would hide (compile.py)
    return Diagnostic(
        "CP216", f"param {name} has the name of {what}", param.span,
        f"give the param another name: a param comes before it, so every rule that says "
        f"`{name}`, a parent's included, would read the param instead")
