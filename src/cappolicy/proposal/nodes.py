"""The values of a proposal document as composed, with where each was written, before
validation: what load.py makes of YAML or JSON (and iati_map.py of IATI's XML), and
validate.py reads."""

from __future__ import annotations

from typing import Any

from ..base.span import Span

Problem = tuple[str, str, str | None]  # code, message, help


class Node:
    """One value of a composed document, before validation.

    `kind` is "map" (value: list of (key node, value node)), "seq" (value: list
    of nodes), "scalar" (value: str, int, float, bool, None or datetime.date, as
    `tag` says: str, int, float, bool, null, date, datetime) or "alias" (value:
    the anchored node; span: where the alias is used). `text` is a scalar's
    text as written (after unescaping); `size` counts the values inside, aliases
    expanded; `problem` says why the value cannot be used. Nothing changes a node
    once it is composed. A plain class with slots, not attrs: a proposal makes
    hundreds of nodes, and attrs' frozen __init__ cost as much as composing them."""

    __slots__ = ("kind", "span", "value", "text", "tag", "size", "problem")

    def __init__(self, kind: str, span: Span, value: Any, text: str = "", tag: str = "",
                 size: int = 1, problem: Problem | None = None) -> None:
        self.kind = kind
        self.span = span
        self.value = value
        self.text = text
        self.tag = tag
        self.size = size
        self.problem = problem

    def __repr__(self) -> str:
        return (f"Node(kind={self.kind!r}, span={self.span!r}, value={self.value!r}, "
                f"text={self.text!r}, tag={self.tag!r}, size={self.size!r}, "
                f"problem={self.problem!r})")
