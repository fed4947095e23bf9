"""JSON text as `json.dumps(value, indent=2, ensure_ascii=False)` writes it, faster.

With an indent, the standard library encodes in pure Python through a chain of
generators: for a report of many proposals that took longer than checking them.
This writes the same text, character for character (tests/test_render.py holds it
to json.dumps), with one recursive function and the C string encoder. A value it
does not know (not dict, list, tuple, str, int, float, bool or None, or a key
that is not a string) is handed to json.dumps whole, which writes it or raises.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring  # the C encoder of strings, ensure_ascii=False
from typing import Any

INDENT = "  "


class Raw(str):
    """JSON text `dumps` made, to be written as it is where it stands in a larger value
    (indented to its depth): how `check -j` puts together what its processes wrote."""


class _Other(Exception):
    """A value only json.dumps knows how to write (or to refuse)."""


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`; a Raw value is written as it is."""
    out: list[str] = []
    try:
        _write(value, out, "\n")
    except (_Other, RecursionError):
        if _holds_raw(value):  # json.dumps would quote it: refuse rather than write that
            raise TypeError("a Raw JSON text inside a value only json.dumps can write") from None
        return json.dumps(value, indent=len(INDENT), ensure_ascii=False)
    return "".join(out)


def _holds_raw(value: Any, depth: int = 0) -> bool:
    if isinstance(value, Raw):
        return True
    if depth > 100:
        return False
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(_holds_raw(v, depth + 1) for v in value)


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
    if isinstance(value, Raw):  # JSON text has no newline but between its lines
        out.append(value.replace("\n", newline))
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
