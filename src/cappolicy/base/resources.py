"""Where the grammar and the shipped rulesets live: inside an installed wheel
(`cappolicy/_data/`), or at the root of a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # the cappolicy package


@cache
def data_dir(name: str) -> Path:
    """`grammar` or `rulesets`: the packaged copy first, else the checkout's."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"cappolicy's {name}/ folder is missing from this installation")


def grammar_file() -> Path:
    return data_dir("grammar") / "cpol.lark"


def shipped_rulesets() -> Path:
    return data_dir("rulesets")
