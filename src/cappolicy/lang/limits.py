"""The limits of what a rule file may hold (docs/language.md, section 19), and the depth
of a parsed tree measured against them."""

from __future__ import annotations

from typing import Any

#: A rule file is at most this many bytes of UTF-8 (the largest shipped file is under 7 KB).
MAX_FILE_BYTES = 1024 * 1024
#: Expressions nest at most this many levels; brackets ( [ { nest at most this deep.
MAX_DEPTH = 64
#: A string literal is at most this many characters between its quotes, as written.
MAX_STRING_CHARS = 10_000
#: A number literal (digits, underscores and the decimal point) is at most this long.
MAX_NUMBER_CHARS = 40
#: The most of each unit a duration may count: 10,000 years, longer than the calendar.
MAX_DURATION = {"day": 3_652_425, "week": 521_775, "month": 120_000, "year": 10_000}


#: Nodes of lark's tree that are not expressions: they do not count towards the depth.
NOT_EXPRESSIONS = frozenset({"start", "header", "type_expr", "stricter", "because",
                              "override_severity", "override_message", "override_hint",
                              "override_title"})


def first_too_deep(tree: Any) -> Any:
    """The first expression node (in source order) nested more than MAX_DEPTH levels
    deep in `tree`, or None; found with an explicit stack, as the tree may be deeper
    than Python's recursion limit allows to walk by recursion."""
    from lark import Tree

    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        data = str(node.data)
        if not (data in NOT_EXPRESSIONS or data.endswith(("_decl", "_clause"))):
            depth += 1
            if depth > MAX_DEPTH:
                return node
        stack.extend((c, depth) for c in reversed(node.children) if isinstance(c, Tree))
    return None
