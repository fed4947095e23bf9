"""Plain YAML scalars as proposals read them: the YAML 1.2 core schema, plus dates.

load.py's readers and direct.py resolve every untagged plain scalar here, so that both
roads give a text the same type and value."""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Any

from ..base.patterns import lazy

MAX_DIGITS = 300  # longer numerals are refused (no proposal needs them)
#: larger integers are refused too: rules mix them with floats, which cannot hold them
#: (0x1 and 256 zeros has 259 characters, and is 2**1024)
LARGEST_INT = int(sys.float_info.max)

_STD = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = lazy(r"0o[0-7]+")
_HEX = lazy(r"0x[0-9a-fA-F]+")
_FLOAT = lazy(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = lazy(r"([-+]?)\.(?:inf|Inf|INF)")
_NAN = lazy(r"\.(?:nan|NaN|NAN)")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME = lazy(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?")
_NUMERIC_START = frozenset("0123456789+-.")


def resolve_plain(text: str) -> tuple[str, Any]:
    """The tag and value of an untagged plain scalar, YAML 1.2 core style, plus dates.

    Only true/false are booleans (`NO`, `yes`, `on` stay strings); no
    sexagesimal or underscored numbers; `2027-01-01` is a date; a timestamp with
    a time is tagged "datetime" and kept as text for the validator to refuse."""
    if text in _NULLS:
        return "null", None
    if text in _BOOLS:
        return "bool", _BOOLS[text]
    if text[0] not in _NUMERIC_START:  # every pattern below starts so: most text is words
        return "str", text
    if text.isdigit() and text.isascii() or _INT.fullmatch(text):  # digits alone: no pattern
        return "int", _integer(text, 10)
    if _OCT.fullmatch(text) or _HEX.fullmatch(text):
        return "int", _integer(text[2:], 8 if text[1] == "o" else 16)
    if _FLOAT.fullmatch(text):
        return "float", float(text)
    inf = _INF.fullmatch(text)
    if inf:
        return "float", float(f"{inf.group(1)}inf")
    if _NAN.fullmatch(text):
        return "float", float("nan")
    if DATE.fullmatch(text):
        try:
            return "date", dt.date.fromisoformat(text)
        except ValueError:
            return "str", text  # 2027-02-30: the validator explains why it is no date
    if DATETIME.fullmatch(text):
        return "datetime", text
    return "str", text


def _integer(digits: str, base: int) -> int | None:
    """The value of an integer numeral; None when it has more than MAX_DIGITS digits
    or is larger than LARGEST_INT (too_large says which)."""
    if len(digits.lstrip("+-")) > MAX_DIGITS:
        return None
    value = int(digits, base)
    return value if abs(value) <= LARGEST_INT else None
