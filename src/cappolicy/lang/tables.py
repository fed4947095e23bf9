"""lark's parser tables for the grammar, kept as plain data in cappolicy's cache
(base/cache.py) in place of lark's own cache, which pickles into the temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lark
from lark.grammar import Rule
from lark.lark import _LOAD_ALLOWED_OPTIONS
from lark.lexer import TerminalDef

from ..base.cache import Corrupt, cached, code_digest
from .cachedata import dumps_plain, loads_plain
from .grammar import grammar_digest


def lark_parser(name: str, options: dict[str, Any], build: Callable[[], Any]) -> Any:
    """The lark parser `build()` makes with `options`, its LALR tables read from the cache
    (as plain data, through lark's own deserialiser, whose classes are a closed set)
    when they were made from this grammar by this lark; `name` tells the parsers apart.
    In place of lark's own cache, which pickles into the temporary folder, where any
    user may leave a file of the name it will read."""
    given = {k: v for k, v in options.items() if k in _LOAD_ALLOWED_OPTIONS}

    def dumps(parser: Any) -> str:
        data, memo = parser.memo_serialize([TerminalDef, Rule])
        data["options"] = {k: v for k, v in data["options"].items()
                           if k not in _LOAD_ALLOWED_OPTIONS}
        return dumps_plain({"data": data, "memo": memo})

    def loads(text: bytes) -> Any:
        stored = loads_plain(text)
        try:
            return lark.Lark._load_from_dict(  # type: ignore[no-untyped-call]
                stored["data"], stored["memo"], **given)
        except Exception as exc:  # noqa: BLE001 - tables that do not load: made again
            raise Corrupt(str(exc)) from None

    key = ("lark", grammar_digest(), code_digest("lang.parse", "lang.cachedata"),
           lark.__version__,
           name, repr(sorted((k, repr(v)) for k, v in options.items() if k not in given)))
    return cached("lark", name, key, build, dumps, loads)


