"""Comments are not part of the AST (the grammar ignores them), nor are the places of declarations the AST folds into the file (version, extends, jurisdiction) or of clauses without a node of their own (principle, source, severity). `cappolicy fmt` needs both to put every comment back beside what it was written next to."""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import attrs

from .parse import check_text, make_parser, parse_text


@attrs.frozen
class Comment:
    """A `# ...` comment as written: its text (without the line break) and where it starts."""

    text: str
    line: int
    column: int


@attrs.frozen
class Place:
    """The lines a top-level declaration or one clause of a rule is written on.

    `kind` is header, version, extends, jurisdiction, param, set, override, disable or rule
    at the top level, and a clause keyword (principle, ..., let, when, require, ...) in
    `clauses`, which lists a rule's clauses in the order they are written."""

    kind: str
    line: int
    end_line: int
    clauses: tuple[Place, ...] = ()


@attrs.frozen
class SourceLayout:
    comments: tuple[Comment, ...]
    places: tuple[Place, ...]  # the header first, then each declaration in source order


_comment_sink: ContextVar[list[Any]] = ContextVar("_comment_sink")


def _collect_comment(token: Any) -> Any:
    _comment_sink.get().append(token)
    return token


@lru_cache(maxsize=1)
def _layout_parser() -> Any:
    """A parser that also hands every comment token to `_collect_comment`."""
    return make_parser("start", lexer_callbacks={"COMMENT": _collect_comment})


def source_layout(text: str, file: str = "<string>") -> SourceLayout:
    """The comments of a rule file and the lines of its declarations and clauses.

    Raises RuleSyntaxError (as parse_text does) when the text does not parse."""
    from lark.exceptions import LarkError

    check_text(text, file)
    found: list[Any] = []
    token = _comment_sink.set(found)
    try:
        tree = _layout_parser().parse(text)
    except LarkError:
        parse_text(text, file)  # raises with every error found
        raise AssertionError("the layout parser failed where parse_text did not") from None
    finally:
        _comment_sink.reset(token)
    places = [_place(child) for child in tree.children]
    comments = tuple(Comment(str(t).rstrip(), t.line, t.column) for t in found)
    return SourceLayout(comments, tuple(places))


def _place(node: Any) -> Place:
    kind = node.data.removesuffix("_decl").removesuffix("_clause")
    clauses: tuple[Place, ...] = ()
    if kind == "rule":
        clauses = tuple(_place(c) for c in node.children[2:])
    return Place(kind, node.meta.line, node.meta.end_line, clauses)
