"""Rule files parsed once: `rule_file(path)` is `parse.parse_file(path)`, read from the
cache (base/cache.py) when the file, the grammar and the parser are those it was parsed
with."""

from __future__ import annotations

import os

from ..base.cache import cached, code_digest, digest, usable_dir
from ..base.files import read_bytes
from . import ast
from .cachedata import dumps_tree, loads_tree
from .grammar import grammar_digest


def rule_file(path: str) -> ast.RuleFile:
    """`parse.parse_file(path)`, from the cache when the file's content, the grammar and
    the parser are those it was parsed with. A file with syntax errors is not cached."""
    if usable_dir("rules") is None:
        from . import parse  # lark, only when a file is parsed

        return parse.parse_file(path)
    try:
        data = read_bytes(path, what="rule file")  # only a regular file, bounded
        # as parse_file reads it: UTF-8, universal newlines
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except (OSError, UnicodeDecodeError):
        from . import parse

        return parse.parse_file(path)  # which says what is wrong with the file

    def make() -> ast.RuleFile:
        from . import parse

        return parse.parse_text(text, path)

    key = ("rules", grammar_digest(),
           code_digest("lang.parse", "lang.build", "lang.values", "lang.ast", "base.span",
                       "base.errors", "lang.cachedata"),
           path, digest(data))
    return cached("rules", os.path.abspath(path) + "\0" + path, key, make, dumps_tree,
                  lambda text: loads_tree(text, path))


