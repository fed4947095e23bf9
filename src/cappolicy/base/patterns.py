"""Regular expressions compiled the first time they are used.

A check of one proposal (a pre-commit hook's) starts a new Python each time, and compiling
every module's patterns at import cost about 2 ms of it, most of them patterns that run
only on a path that check does not take: JSON input, a text with an escape, a datetime, a
placeholder. `lazy(...)` stands for `re.compile(...)` where the pattern is made; the first
call compiles it and puts the compiled pattern's own methods on the object, so that every
later call costs what a call on the compiled pattern does.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

_METHODS = ("match", "fullmatch", "search", "sub", "split", "findall", "finditer")


class Lazy:
    """A regular expression, compiled when one of its methods is first called."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern; from now on its methods answer for this object's."""
        found = re.compile(*self._args)
        for name in _METHODS:
            self.__dict__[name] = getattr(found, name)
        return found

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0,
                  endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0,
               endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled().search(string, pos, endpos)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self.compiled().sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[Any]:
        return self.compiled().split(string, maxsplit)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled().findall(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0,
                 endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        return self.compiled().finditer(string, pos, endpos)


def lazy(pattern: str, flags: int = 0) -> Lazy:
    """`re.compile(pattern, flags)`, compiled when first used."""
    return Lazy(pattern, flags)
