"""The names a ruleset may not give its own rules, because they already mean something to
every proposal: the ids of cappolicy's built-in waiver checks."""

from __future__ import annotations

from ..base.errors import Diagnostic
from ..engine.waivers import CHECKS
from ..lang import ast

#: the ids of the built-in checks of waivers (WAIVER-01...): a rule of a ruleset with one
#: would be reported beside the check of that id, and a waiver of it read as of either
BUILTIN_RULES = frozenset(check.id for check in CHECKS)


def taken_rule_id(rule: ast.Rule) -> Diagnostic | None:
    """CP221 for a rule whose id is a built-in check's."""
    if rule.id not in BUILTIN_RULES:
        return None
    return Diagnostic(
        "CP221", f"rule {rule.id} has the id of one of cappolicy's own waiver checks",
        rule.id_span, f"give the rule another id; {', '.join(sorted(BUILTIN_RULES))} are "
        "the checks every proposal's waivers go through")

