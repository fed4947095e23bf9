"""JSON text as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, faster.

With an indent, the standard library encodes in pure Python through a chain of
generators: for a report of many proposals that took longer than checking them.
This writes the same text, character for character (tests/test_render.py holds it
to json.dumps), with one recursive function and the C string encoder. A value it
does not know (not dict, list, tuple, str, int, float, bool or None, or a key
that is not a string) is handed to json.dumps whole, which writes it or raises.

One difference, on purpose: DEL, C1 controls, U+2028/U+2029 and the bidi controls,
which json.dumps writes raw, are written as `\\uXXXX` escapes (visible.py), as it
writes the C0 ones: the same JSON value, but nothing in the text that a terminal or
a CI log would act on.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring  # the C encoder of strings, ensure_ascii=False
from typing import Any

from ..base.visible import json_controls

INDENT = "  "


class Raw:
    """JSON text that `dumps(value, level=level)` made, written as it is where it stands
    in a larger value (re-indented if it stands at another depth): how `check -j` puts
    together the parts its processes wrote."""

    __slots__ = ("level", "text")

    def __init__(self, text: str, level: int = 0) -> None:
        self.text = text
        self.level = level


class _Other(Exception):
    """A value only json.dumps knows how to write (or to refuse)."""


def dumps(value: Any, level: int = 0) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)` (then json_controls), a Raw
    value written as it is; with `level`, the text to stand at that depth in a larger value (lines after the first
    indented as they would be there)."""
    out: list[str] = []
    try:
        _write(value, out, "\n" + INDENT * level)
    except (_Other, RecursionError):
        if level:  # pragma: no cover - no caller asks for both
            raise TypeError("only values dumps writes itself can be placed at a depth") from None
        return json_controls(json.dumps(value, indent=len(INDENT), ensure_ascii=False))
    return json_controls("".join(out))


def _float(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if x == float("inf"):
        return "Infinity"
    if x == -float("inf"):
        return "-Infinity"
    return float.__repr__(x)


def _write(value: Any, out: list[str], newline: str) -> None:
    """Append `value` to `out`; `newline` is a newline and the indent of its own line."""
    if type(value) is Raw:
        made = "\n" + INDENT * value.level
        # JSON text has no newline but between its lines, each indented at least `made`
        out.append(value.text if made == newline else value.text.replace(made, newline))
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + INDENT
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Other
            # the commonest leaves written here: a call less for each
            kind = type(item)
            if kind is str:
                out.append(f"{separator}{encode_basestring(key)}: {encode_basestring(item)}")
            elif kind is int:
                out.append(f"{separator}{encode_basestring(key)}: {int.__repr__(item)}")
            elif item is None:
                out.append(f"{separator}{encode_basestring(key)}: null")
            else:
                out.append(f"{separator}{encode_basestring(key)}: ")
                _write(item, out, inner)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + INDENT
        separator = "[" + inner
        for item in value:
            if type(item) is str:
                out.append(separator + encode_basestring(item))
            else:
                out.append(separator)
                _write(item, out, inner)
            separator = "," + inner
        out.append(newline + "]")
    else:
        raise _Other
