"""Rule files: text -> lark tree -> AST, with errors written for people.

lark is imported here and in nowhere else. The parser is built once (LALR,
contextual lexer, its tables cached by cache.py). When a file does not parse, it is
cut into its top-level items, and a broken rule into its clauses, and each part
is parsed alone, so that every mistake in the file is reported, not just the first.

Limits (docs/language.md, "Limits") are enforced before anything could grow without
bound: the size of the file and the length of its string literals and the nesting of its
brackets by a scan of the text before lark reads it (lark's regular expressions take
memory in proportion to a string's length), the nesting of expressions on lark's tree,
without recursion, before the AST is built; the length of number literals and the range
of dates and durations as each literal is built. Every later stage (analysis, code
generation, unparsing, formatting, explaining) recurses over expressions, and only ever
sees the ones within the limits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import attrs

from ..base.errors import Diagnostic, RuleSyntaxError, did_you_mean
from ..base.files import read_bytes
from ..base.resources import grammar_file
from ..base.span import Span
from . import ast

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

ITEM_KEYWORDS = ("ruleset", "version", "extends", "jurisdiction", "param", "set", "override",
                 "disable", "rule")
CLAUSE_KEYWORDS = ("principle", "source", "severity", "for", "let", "when", "require",
                   "forbid", "message", "hint", "title")

#: Terminals that are a closed set of words: their words count as keywords for did-you-mean.
_WORD_SETS = {
    "SEVERITY": ("must", "should", "advisory"),
    "DIRECTION": ("higher", "lower", "larger", "smaller", "narrower"),
    "TYPE_NAME": ("bool", "number", "percent", "money", "string", "date", "duration", "country",
                  "set", "list"),
    "DURATION_UNIT": ("days", "weeks", "months", "years"),
}

_TERMINAL_WORDS = {
    "NAME": "a name",
    "RULE_ID": "a rule id (such as OWN-01)",
    "RULESET_PATH": "a ruleset path (such as regional/eac)",
    "STRING": "a string in double quotes",
    "NUMBER": "a number",
    "PERCENT": "a percentage (such as 15%)",
    "DATE": "a date (YYYY-MM-DD)",
    "COUNTRY": "a country code (such as XA)",
    "CURRENCY": "a currency code (such as EUR)",
    "SEVERITY": "a severity (must, should or advisory)",
    "TYPE_NAME": "a type (bool, number, percent, money, string, date, duration, country, set, list)",
    "DIRECTION": "'higher', 'lower', 'larger' or 'smaller'",
    "DURATION_UNIT": "a unit (days, weeks, months, years)",
    "COMPARE": "a comparison (==, !=, <, <=, >, >=)",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'",
    "$END": "the end of the file",
}


def _lark(start: str | list[str], **options: Any) -> Any:
    """An LALR parser of the grammar, its tables kept in cappolicy's cache (cache.py),
    not lark's: lark's reads pickles from the temporary folder."""
    from lark import Lark

    from ..base.cache import lark_parser

    options = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                   maybe_placeholders=True, start=start, **options)
    return lark_parser(repr(start), options, lambda: Lark(
        grammar_file().read_text(encoding="utf-8"), cache=False, **options))


@lru_cache(maxsize=1)
def parser() -> Any:
    """The parser of rule files and their parts, built once per process."""
    return _lark(["start", "item", "clause", "expr"])


# ----------------------------------------------------------------- entry points


def parse_file(path: str) -> ast.RuleFile:
    return parse_text(rule_text(read_rule_bytes(path), path), path)


def rule_text(data: bytes, path: str) -> str:
    """The text of a rule file's bytes as a file opened as text reads it: UTF-8, with
    universal newlines (\r\n and \r become \n); RuleSyntaxError (CP100) when not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleSyntaxError(Diagnostic("CP100", f"{path} is not UTF-8 text ({exc.reason})",
                                         Span(path, 1, 1))) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_rule_bytes(path: str) -> bytes:
    """The bytes of a rule file, read no further than the size limit: RuleSyntaxError
    (CP100) when it cannot be read, (CP108) when it is larger than MAX_FILE_BYTES."""
    import errno

    try:  # a regular file only, never a FIFO or a device, and never past the limit
        return read_bytes(path, MAX_FILE_BYTES, what="rule file")
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            raise RuleSyntaxError(_too_large(path)) from None
        raise RuleSyntaxError(Diagnostic("CP100", f"cannot read {path}: {exc.strerror}",
                                         Span(path, 1, 1))) from None


def parse_text(text: str, file: str = "<string>") -> ast.RuleFile:
    """Parse a whole rule file; raise RuleSyntaxError with every error found."""
    from lark.exceptions import LarkError

    _check_text(text, file)
    builder = _Builder(file)
    try:
        tree = parser().parse(text, start="start")
    except LarkError:
        errors, partial = _recover(text, file)
        raise RuleSyntaxError(errors, partial) from None
    result = builder.rule_file(tree)
    if builder.errors:
        raise RuleSyntaxError(sorted(builder.errors, key=_diag_key), result)
    return result


def parse_expr(text: str, file: str = "<expr>", line: int = 1, column: int = 1) -> ast.Expr:
    """Parse one expression (used for message holes and by tests)."""
    from lark.exceptions import LarkError

    padded = "\n" * (line - 1) + " " * (column - 1) + text
    problems = _scan(padded, file)
    if problems:
        raise RuleSyntaxError(problems)
    try:
        tree = parser().parse(padded, start="expr")
    except LarkError as exc:
        raise RuleSyntaxError(_diagnose(exc, padded, file, "expr")) from None
    builder = _Builder(file)
    if builder.too_deep(tree):
        raise RuleSyntaxError(builder.errors)
    expr = builder.expr(tree)
    if builder.errors:
        raise RuleSyntaxError(builder.errors)
    return expr


def _diag_key(d: Diagnostic) -> tuple[int, int]:
    return (d.span.line, d.span.column) if d.span else (0, 0)


# ------------------------------------------------------------------- limits


def _check_text(text: str, file: str) -> None:
    """Raise RuleSyntaxError when the text breaks a limit lark must not meet."""
    if _utf8_size_exceeds(text, MAX_FILE_BYTES):
        raise RuleSyntaxError(_too_large(file))
    problems = _scan(text, file)
    if problems:
        raise RuleSyntaxError(problems)


def _utf8_size_exceeds(text: str, limit: int) -> bool:
    if len(text) > limit:
        return True
    if 4 * len(text) <= limit:  # no character takes more than four bytes
        return False
    return len(text.encode("utf-8", "surrogatepass")) > limit


def _too_large(file: str) -> Diagnostic:
    return Diagnostic("CP108", f"{file} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; "
                      "a rule file is far smaller", Span(file, 1, 1),
                      "split the ruleset into a folder of files (one per theme)")


_INTERESTING = re.compile(r'["#()\[\]{}]')
_STRING_STOP = re.compile(r'["\\\n]')


def _scan(text: str, file: str) -> list[Diagnostic]:
    """Strings longer than MAX_STRING_CHARS and brackets nested deeper than MAX_DEPTH,
    found by reading the text as the lexer does (comments to the end of the line,
    strings to their closing quote or the end of the line) without regular expressions
    whose memory grows with what they match. One diagnostic of each kind at most."""
    problems: list[Diagnostic] = []
    long_string = deep = False
    level = 0
    pos = 0
    n = len(text)
    while not (long_string and deep):
        m = _INTERESTING.search(text, pos)
        if m is None:
            break
        c = m.group(0)
        at = m.start()
        if c == "#":
            end = text.find("\n", at)
            pos = n if end < 0 else end
        elif c == '"':
            j = at + 1
            while True:
                stop = _STRING_STOP.search(text, j)
                if stop is None:
                    j = n
                    break
                j = stop.start()
                if text[j] == "\\" and j + 1 < n and text[j + 1] != "\n":
                    j += 2
                    continue
                break
            if j - at - 1 > MAX_STRING_CHARS and not long_string:
                long_string = True
                problems.append(Diagnostic(
                    "CP110", f"a string longer than {MAX_STRING_CHARS:,} characters "
                    f"({j - at - 1:,})", _span_at(text, file, at),
                    "a message, hint or description is read by people: say it in fewer words"))
            pos = j + 1 if j < n and text[j] == '"' else j
        elif c in "([{":
            level += 1
            if level > MAX_DEPTH and not deep:
                deep = True
                problems.append(Diagnostic(
                    "CP109", f"brackets nested more than {MAX_DEPTH} deep",
                    _span_at(text, file, at),
                    "name the inner parts with `let`, or remove brackets that change nothing"))
            pos = at + 1
        else:
            level = max(0, level - 1)
            pos = at + 1
    return problems


def _translation_order(t: ast.Translation) -> int:
    return ("title", "message", "hint").index(t.field)


def _span_at(text: str, file: str, offset: int) -> Span:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(file, line, column, line, column + 1)


#: Nodes of lark's tree that are not expressions: they do not count towards the depth.
_NOT_EXPRESSIONS = frozenset({"start", "header", "type_expr", "stricter", "because",
                              "override_severity", "override_message", "override_hint",
                              "override_title"})


def _first_too_deep(tree: Any) -> Any:
    """The first expression node (in source order) nested more than MAX_DEPTH levels
    deep in `tree`, or None; found with an explicit stack, as the tree may be deeper
    than Python's recursion limit allows to walk by recursion."""
    from lark import Tree

    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        data = str(node.data)
        if not (data in _NOT_EXPRESSIONS or data.endswith(("_decl", "_clause"))):
            depth += 1
            if depth > MAX_DEPTH:
                return node
        stack.extend((c, depth) for c in reversed(node.children) if isinstance(c, Tree))
    return None


# ------------------------------------------------------------- error recovery


def _recover(text: str, file: str) -> tuple[list[Diagnostic], ast.RuleFile | None]:
    """Parse a broken file part by part: every error, and the parts that did parse
    (so that analysis can still report the mistakes in them)."""
    from lark.exceptions import LarkError

    errors: list[Diagnostic] = []
    header: ast.RuleFile | None = None
    items: list[ast.Item] = []
    meta: dict[str, Any] = {"version": None, "extends": None, "extends_span": None,
                            "jurisdiction": []}
    for start, chunk_line, chunk in _chunks(text, depth=0, keywords=ITEM_KEYWORDS):
        padded = "\n" * (chunk_line - 1) + chunk
        symbol = "start" if start == "ruleset" else "item"
        try:
            tree = parser().parse(padded, start=symbol)
        except LarkError as exc:
            errors.append(_diagnose(exc, padded, file, symbol))
            if start == "rule":
                errors.extend(_clause_errors(padded, file, skip=errors[-1]))
            continue
        builder = _Builder(file)
        if symbol == "start":
            header = builder.rule_file(tree)
        elif tree.data == "version_decl":
            meta["version"] = _unquote(tree.children[0])
        elif tree.data == "extends_decl":
            meta["extends"] = str(tree.children[0])
            meta["extends_span"] = builder.span(tree)
        elif tree.data == "jurisdiction_decl":
            meta["jurisdiction"].extend(str(t) for t in tree.children)
        else:
            item = builder.item(tree)
            if item is not None and not builder.errors:
                items.append(item)
        errors.extend(builder.errors)
    if not errors:  # the whole failed but no part did: report the whole's error
        try:
            parser().parse(text, start="start")
        except LarkError as exc:
            errors.append(_diagnose(exc, text, file, "start"))
    unique = {(d.span.line, d.span.column, d.message) if d.span else d.message: d for d in errors}
    partial = None
    if header is not None:
        partial = ast.RuleFile(
            ruleset=header.ruleset, title=header.title, version=header.version or meta["version"],
            extends=header.extends or meta["extends"],
            jurisdiction=header.jurisdiction + tuple(meta["jurisdiction"]),
            items=header.items + tuple(items), file=file, span=header.span,
            extends_span=meta["extends_span"] or header.extends_span)
    return sorted(unique.values(), key=_diag_key), partial


def _clause_errors(padded: str, file: str, skip: Diagnostic) -> list[Diagnostic]:
    """Parse each clause of a broken rule alone to find its other mistakes."""
    from lark.exceptions import LarkError

    open_at = padded.find("{")
    if open_at < 0:
        return []
    close_at = padded.rfind("}")
    body = padded[open_at + 1: close_at if close_at > open_at else len(padded)]
    prefix_lines = padded[: open_at + 1].count("\n")
    prefix_cols = open_at + 1 - (padded.rfind("\n", 0, open_at + 1) + 1)
    found: list[Diagnostic] = []
    for _, line, chunk in _chunks(body, depth=0, keywords=CLAUSE_KEYWORDS):
        # `line` counts within the body; the body starts on the brace's line
        lead = " " * prefix_cols if line == 1 else ""
        clause_text = "\n" * (prefix_lines + line - 1) + lead + chunk
        try:
            parser().parse(clause_text, start="clause")
        except LarkError as exc:
            diag = _diagnose(exc, clause_text, file, "clause")
            if diag.span and skip.span and diag.span.line == skip.span.line:
                continue
            if diag.message.startswith("unexpected end"):
                continue
            found.append(diag)
    return found


def _chunks(text: str, depth: int, keywords: tuple[str, ...]) -> Iterator[tuple[str, int, str]]:
    """Cut text where a line starts with one of `keywords` at brace depth `depth`.

    Yields (keyword, first line number, chunk text starting at its line start)."""
    starts: list[tuple[int, int, str]] = []  # (offset, line, keyword)
    level = 0
    line = 1
    i = 0
    n = len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c not in " \t\r\n":
            at_line_start = False
            if level == depth:
                m = re.match(r"[a-z]+", text[i:i + 20])
                if m and m.group(0) in keywords:
                    line_start = text.rfind("\n", 0, i) + 1
                    starts.append((line_start, line, m.group(0)))
        if c == "\n":
            line += 1
            at_line_start = True
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            i = j + 1 if j < n and text[j] == '"' else j
            continue
        elif c == "{":
            level += 1
        elif c == "}":
            level = max(0, level - 1)
        i += 1
    if not starts:
        yield ("", 1, text)
        return
    for k, (offset, start_line, keyword) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else n
        yield (keyword, start_line, text[offset:end])


def _diagnose(exc: Exception, text: str, file: str, symbol: str) -> Diagnostic:
    """A lark exception as a diagnostic: what was found, what was expected, in words."""
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = set(exc.accepts or exc.expected)
        if token.type == "$END":
            line, col = _end_position(text)
            return _eof_diagnostic(expected, file, line, col)
        found = _describe_token(token.type, str(token))
        span = Span(file, token.line or 1, token.column or 1,
                    token.end_line or token.line or 1, token.end_column or (token.column or 1) + 1)
        if str(token) == "=" and "COMPARE" in expected:
            return Diagnostic("CP101", "unexpected '='", span, "to compare two values, write '=='")
        return _unexpected(found, str(token), expected, span)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
        char = text[pos] if pos < len(text) else ""
        span = Span(file, exc.line, exc.column, exc.line, exc.column + 1)
        word = re.match(r"[A-Za-z_][A-Za-z0-9_-]*", text[pos:])
        found = f"'{word.group(0)}'" if word else f"character {char!r}"
        if char == "=":
            return Diagnostic("CP101", "unexpected '='", span, "to compare two values, write '=='")
        if char == '"':
            return Diagnostic("CP102", "unterminated string", span,
                              "close the string with '\"' on the same line")
        return _unexpected(found, word.group(0) if word else char, set(exc.allowed or ()), span)
    if isinstance(exc, UnexpectedEOF):
        line, col = _end_position(text)
        return _eof_diagnostic(set(exc.expected), file, line, col)
    return Diagnostic("CP100", str(exc), Span(file, 1, 1))


def _end_position(text: str) -> tuple[int, int]:
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    col = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, col


def _eof_diagnostic(expected: set[str], file: str, line: int, col: int) -> Diagnostic:
    span = Span(file, line, col)
    if "RBRACE" in expected:
        return Diagnostic("CP103", "unexpected end of file: a rule's '{' is never closed", span,
                          "add '}' after the rule's last clause")
    return Diagnostic("CP103", "unexpected end of file", span,
                      f"expected {_expected_words(expected)}")


def _unexpected(found: str, raw: str, expected: set[str], span: Span) -> Diagnostic:
    help_ = f"expected {_expected_words(expected)}"
    keywords = [k for t in expected for k in _keywords(t)]
    best = did_you_mean(raw, keywords) if raw and raw[0].isalpha() else None
    if best:
        help_ = f"did you mean '{best}'?"
    elif raw in ITEM_KEYWORDS and "RBRACE" in expected:
        return Diagnostic("CP103", f"unexpected {found}: the rule before it is not closed", span,
                          "add '}' after the rule's last clause")
    return Diagnostic("CP101", f"unexpected {found}", span, help_)


def _describe_token(kind: str, value: str) -> str:
    if kind in ("STRING",):
        return f"string {value}"
    return f"'{value}'"


def _keywords(terminal: str) -> tuple[str, ...]:
    if terminal in _WORD_SETS:
        return _WORD_SETS[terminal]
    try:
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return ()
    if pattern.type == "str" and re.fullmatch(r"[a-z]+", pattern.value):
        return (str(pattern.value),)
    return ()


def _terminal_word(terminal: str) -> str:
    if terminal in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[terminal]
    try:
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return terminal.lower()


_EXPRESSION_STARTS = {"NAME", "NUMBER", "STRING", "PERCENT", "DATE", "COUNTRY", "LPAR", "LSQB",
                      "LBRACE", "MINUS", "NOT", "ANY", "ALL", "COUNT", "SUM", "MIN", "MAX", "UNION",
                      "TRUE", "FALSE"}


def _expected_words(expected: set[str]) -> str:
    if len(expected) > 1:
        expected = expected - {"$END"}
    words: set[str] = set()
    if {"NAME", "NUMBER", "STRING"} <= expected:
        words.add("an expression")
        expected = expected - _EXPRESSION_STARTS
    words |= {_terminal_word(t) for t in expected}
    keywords = sorted(w for w in words if w.startswith("'"))
    others = sorted(w for w in words if not w.startswith("'"))
    ordered = others + keywords
    if len(ordered) > 10:
        ordered = ordered[:10] + [f"... ({len(ordered) - 10} more)"]
    if len(ordered) == 1:
        return ordered[0]
    return "one of " + ", ".join(ordered)


# ------------------------------------------------------------- tree -> AST


class _Builder:
    """Turns lark's tree into AST nodes; collects literal errors (bad dates)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[Diagnostic] = []

    def span(self, node: Any) -> Span:
        meta = getattr(node, "meta", None)
        if meta is not None and not getattr(meta, "empty", True):
            return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)
        if hasattr(node, "line") and node.line is not None:  # a Token
            return Span(self.file, node.line, node.column, node.end_line or node.line,
                        node.end_column or node.column)
        return Span(self.file, 0, 0)

    # ------------------------------------------------------------ file level

    def rule_file(self, tree: Any) -> ast.RuleFile:
        header = tree.children[0]
        name_tok, title_tok = (*header.children, None)[:2]  # the title is optional
        version = extends = None
        extends_span = self.span(header)
        jurisdiction: list[str] = []
        items: list[ast.Item] = []
        for child in tree.children[1:]:
            kind = child.data
            if kind == "version_decl":
                version = _unquote(child.children[0])
            elif kind == "extends_decl":
                extends = str(child.children[0])
                extends_span = self.span(child)
            elif kind == "jurisdiction_decl":
                jurisdiction.extend(str(t) for t in child.children)
            else:
                built = self.item(child)
                if built is not None:
                    items.append(built)
        return ast.RuleFile(
            ruleset=str(name_tok), title=_unquote(title_tok) if title_tok else None,
            version=version, extends=extends, jurisdiction=tuple(jurisdiction),
            items=tuple(items), file=self.file, span=self.span(header),
            extends_span=extends_span)

    def too_deep(self, node: Any) -> bool:
        """Whether expressions in `node` nest deeper than MAX_DEPTH (then reported)."""
        found = _first_too_deep(node)
        if found is None:
            return False
        self.errors.append(Diagnostic(
            "CP109", f"an expression nested more than {MAX_DEPTH} levels deep",
            Span(self.file, self.span(found).line, self.span(found).column),
            "name the inner parts with `let`, or split the condition; a long chain of "
            "'and' or 'or' reads better as several rules, or as `all x in {...}: ...`"))
        return True

    def item(self, node: Any) -> ast.Item | None:
        if self.too_deep(node):
            return None
        kind = node.data
        sp = self.span(node)
        c = node.children
        if kind == "param_decl":
            name, type_node, default, stricter, doc = c
            type_expr = ast.TypeExpr(str(type_node.children[0]),
                                     str(type_node.children[1]) if type_node.children[1] else None,
                                     self.span(type_node))
            return ast.Param(str(name), type_expr, self.expr(default),
                             str(stricter.children[0]) if stricter else None,
                             _unquote(doc) if doc else None, sp)
        if kind == "set_decl":
            return ast.SetParam(str(c[0]), self.expr(c[1]), self.because(c[2]), sp)
        if kind == "override_decl":
            rule_id, field_node, because = c
            field = field_node.data.removeprefix("override_")
            *lang, raw = field_node.children
            value: str | ast.Template = (str(raw) if field == "severity"
                                         else self.template(raw))
            return ast.Override(str(rule_id), field, value, self.because(because), sp,
                                str(lang[0]) if lang and lang[0] is not None else None)
        if kind == "disable_decl":
            return ast.Disable(str(c[0]), self.because(c[1]), sp)
        if kind == "rule_decl":
            return self.rule(node)
        return None  # version/extends/jurisdiction parsed alone during recovery

    def because(self, node: Any) -> str | None:
        return _unquote(node.children[0]) if node is not None else None

    def rule(self, node: Any) -> ast.Rule:
        rule_id, title, *clauses = node.children
        fields: dict[str, Any] = {
            "principle": None, "source": None, "severity": None, "for_": None, "when": None,
            "check_kind": None, "check": None, "message": None, "hint": None}
        lets: list[ast.Let] = []
        translations: list[ast.Translation] = []
        seen: dict[str, Span] = {}
        for clause in clauses:
            kind = clause.data.removesuffix("_clause")
            sp = self.span(clause)
            cc = clause.children
            if kind in ("message", "hint", "title") and cc[0] is not None:  # `message fr "…"`
                lang = str(cc[0])
                key = f"{kind} {lang}"
                if key in seen:
                    self.errors.append(Diagnostic(
                        "CP105", f"rule {rule_id} has a second '{kind} {lang}' clause", sp,
                        f"the first is at line {seen[key].line}; a rule has one {kind} "
                        "per language"))
                    continue
                seen[key] = sp
                translations.append(ast.Translation(lang, kind, self.template(cc[1]), sp))
                continue
            key = "check" if kind in ("require", "forbid") else kind
            if key != "let" and key in seen:
                self.errors.append(Diagnostic(
                    "CP105", f"rule {rule_id} has a second '{kind}' clause", sp,
                    f"the first is at line {seen[key].line}; a rule has one of each "
                    "(combine conditions with 'and')"))
                continue
            seen[key] = sp
            if kind == "principle":
                fields["principle"] = str(cc[0])
            elif kind == "source":
                fields["source"] = _unquote(cc[0])
            elif kind == "severity":
                fields["severity"] = str(cc[0])
            elif kind == "for":
                fields["for_"] = ast.ForClause(str(cc[0]), self.expr(cc[1]),
                                               self.expr(cc[2]) if cc[2] is not None else None, sp)
            elif kind == "let":
                lets.append(ast.Let(str(cc[0]), self.expr(cc[1]), sp))
            elif kind == "when":
                fields["when"] = self.expr(cc[0])
            elif kind in ("require", "forbid"):
                fields["check_kind"] = kind
                fields["check"] = self.expr(cc[0])
            elif kind in ("message", "hint"):
                fields[kind] = self.template(cc[1])
        return ast.Rule(id=str(rule_id), title=_unquote(title), lets=tuple(lets),
                        # the titles' translations, then the messages', then the hints', as
                        # fmt lays them out
                        translations=tuple(sorted(translations, key=_translation_order)),
                        span=self.span(node), id_span=self.span(rule_id), **fields)

    # ------------------------------------------------------------ templates

    def template(self, token: Any) -> ast.Template:
        raw = str(token)[1:-1]
        base_line, base_col = token.line, token.column + 1
        parts: list[str | ast.Expr] = []
        text = ""
        i = 0
        while i < len(raw):
            ch = raw[i]
            if raw.startswith("{{", i) or raw.startswith("}}", i):
                text += ch
                i += 2
                continue
            if ch == "{":
                end = _hole_end(raw, i + 1)
                if end < 0:
                    self.errors.append(Diagnostic(
                        "CP106", "'{' in a message is never closed",
                        Span(self.file, base_line, base_col + i), "write '{{' for a literal brace"))
                    break
                if text:
                    parts.append(_unescape(text))
                    text = ""
                hole = raw[i + 1:end]
                try:
                    # the hole is inside a string: `\"` in it is a quote of a string literal
                    parts.append(parse_expr(_unescape(hole), self.file, base_line,
                                            base_col + i + 1))
                except RuleSyntaxError as exc:  # the hole ends at '}', not the file
                    self.errors.extend(
                        attrs.evolve(d, message=f"the expression {{{hole}}} is incomplete")
                        if d.code == "CP103" else d for d in exc.diagnostics)
                i = end + 1
                continue
            text += ch
            i += 1
        if text:
            parts.append(_unescape(text))
        return ast.Template(tuple(parts), _unescape(raw), self.span(token))

    # ---------------------------------------------------------- expressions

    def expr(self, node: Any) -> ast.Expr:
        from lark import Token

        if isinstance(node, Token):  # a bare terminal reached through an inlined rule
            return ast.Name(str(node), self.span(node))
        method = getattr(self, "x_" + node.data.rstrip("_"), None)
        if method is None:
            raise AssertionError(f"no AST builder for {node.data}")
        return method(node, self.span(node))  # type: ignore[no-any-return]

    def number(self, token: Any, text: str | None = None) -> int | float:
        """The value of a NUMBER token (or of `text`, the number in it); 0, with the problem
        reported, when it is longer than MAX_NUMBER_CHARS: Python refuses to convert an int
        of thousands of digits, and a float overflows past 309."""
        text = str(token) if text is None else text
        if len(text) > MAX_NUMBER_CHARS:
            self.errors.append(Diagnostic(
                "CP110", f"a number longer than {MAX_NUMBER_CHARS} characters ({len(text):,})",
                self.span(token),
                "no amount, count or share a rule compares needs so many digits"))
            return 0
        return _number(text)

    def x_number(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Literal(self.number(node.children[0]), "number", sp)

    def x_percent(self, node: Any, sp: Span) -> ast.Expr:
        token = node.children[0]
        share = float(self.number(token, str(token)[:-1]))
        return ast.Literal(ast.Percent(share / 100), "percent", sp)

    def x_date(self, node: Any, sp: Span) -> ast.Expr:
        text = str(node.children[0])
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            year = text.split("-", 1)[0]
            if len(year) > 4 or int(year) == 0:
                shown = text if len(text) <= 20 else year[:8] + "...-" + text[-5:]
                self.errors.append(Diagnostic(
                    "CP104", f"{shown} is outside the calendar", sp,
                    "years run from 0001 to 9999; write dates as YYYY-MM-DD"))
            else:
                self.errors.append(Diagnostic("CP104", f"{text} is not a calendar date", sp,
                                              "write dates as YYYY-MM-DD"))
            value = dt.date(1970, 1, 1)
        return ast.Literal(value, "date", sp)

    def x_duration(self, node: Any, sp: Span) -> ast.Expr:
        amount, unit = node.children
        n = self.number(amount)
        if not isinstance(n, int):
            self.errors.append(Diagnostic("CP104", f"a duration counts whole {unit}", sp,
                                          "write for example '18 months' rather than '1.5 years'"))
            n = int(n)
        u = str(unit).rstrip("s")
        if n > MAX_DURATION[u]:
            self.errors.append(Diagnostic(
                "CP104", f"a duration longer than 10,000 years ({n:,} {unit})", sp,
                f"the calendar runs from year 1 to 9999: at most {MAX_DURATION[u]:,} {u}s"))
            n = 0
        value = {"day": ast.Duration(0, n), "week": ast.Duration(0, 7 * n),
                 "month": ast.Duration(n, 0), "year": ast.Duration(12 * n, 0)}[u]
        return ast.Literal(value, "duration", sp)

    def x_money(self, node: Any, sp: Span) -> ast.Expr:
        amount, currency = node.children
        return ast.Literal(ast.Money(float(self.number(amount)), str(currency)), "money", sp)

    def x_string(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Literal(_unquote(node.children[0]), "string", sp)

    def x_true(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Literal(True, "bool", sp)

    def x_false(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Literal(False, "bool", sp)

    def x_country(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Literal(str(node.children[0]), "country", sp)

    def x_name(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Name(str(node.children[0]), sp)

    def x_attr(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Attr(self.expr(node.children[0]), str(node.children[1]), sp)

    def x_index(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Index(self.expr(node.children[0]), self.expr(node.children[1]), sp)

    def _args(self, nodes: list[Any]) -> tuple[tuple[ast.Expr, ...], tuple[tuple[str, ast.Expr], ...]]:
        args: list[ast.Expr] = []
        kwargs: list[tuple[str, ast.Expr]] = []
        for a in nodes:
            if a is None:
                continue
            if getattr(a, "data", None) == "kwarg":
                kwargs.append((str(a.children[0]), self.expr(a.children[1])))
            elif getattr(a, "data", None) == "via":
                steps = tuple((str(s.children[0]), s.children[1] is not None)
                              for s in a.children if s is not None)
                kwargs.append(("via", ast.EdgeKinds(steps, self.span(a))))
            else:
                args.append(self.expr(a))
        return tuple(args), tuple(kwargs)

    def x_call(self, node: Any, sp: Span) -> ast.Expr:
        name, *rest = node.children
        args, kwargs = self._args(rest)
        return ast.Call(str(name), args, kwargs, None, sp)

    def x_method(self, node: Any, sp: Span) -> ast.Expr:
        receiver, name, *rest = node.children
        args, kwargs = self._args(rest)
        return ast.Call(str(name), args, kwargs, self.expr(receiver), sp)

    def x_lambda(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Lambda(str(node.children[0]), self.expr(node.children[1]), sp)

    def x_neg(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Unary("-", self.expr(node.children[0]), sp)

    def x_not(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Unary("not", self.expr(node.children[0]), sp)

    def _binary(self, op: str, node: Any, sp: Span) -> ast.Expr:
        return ast.Binary(op, self.expr(node.children[0]), self.expr(node.children[-1]), sp)

    def x_and(self, node: Any, sp: Span) -> ast.Expr:
        return self._binary("and", node, sp)

    def x_or(self, node: Any, sp: Span) -> ast.Expr:
        return self._binary("or", node, sp)

    def x_implies(self, node: Any, sp: Span) -> ast.Expr:
        return self._binary("implies", node, sp)

    def x_in(self, node: Any, sp: Span) -> ast.Expr:
        return self._binary("in", node, sp)

    def x_not_in(self, node: Any, sp: Span) -> ast.Expr:
        return self._binary("not in", node, sp)

    def x_compare(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Binary(str(node.children[1]), self.expr(node.children[0]),
                          self.expr(node.children[2]), sp)

    def x_arith(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Binary(str(node.children[1]), self.expr(node.children[0]),
                          self.expr(node.children[2]), sp)

    def x_matches(self, node: Any, sp: Span) -> ast.Expr:
        subject, pattern = node.children
        if pattern.type == "NAME":  # a string param holds the pattern
            return ast.Matches(self.expr(subject), "", self.span(pattern), sp, str(pattern))
        return ast.Matches(self.expr(subject), _unquote(pattern), self.span(pattern), sp)

    def x_present(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Presence(self.expr(node.children[0]), True, sp)

    def x_absent(self, node: Any, sp: Span) -> ast.Expr:
        return ast.Presence(self.expr(node.children[0]), False, sp)

    def x_quantifier(self, node: Any, sp: Span) -> ast.Expr:
        kind, var, coll, where, body = node.children
        return ast.Quantifier(str(kind), str(var), self.expr(coll),
                              self.expr(where) if where is not None else None, self.expr(body), sp)

    def x_aggregate(self, node: Any, sp: Span) -> ast.Expr:
        kind, first, var, coll, where = node.children
        where_expr = self.expr(where) if where is not None else None
        head = self.expr(first)
        if var is not None:  # sum(expr for x in coll where w)
            return ast.Aggregate(str(kind), str(var), self.expr(coll), where_expr, head, sp)
        if isinstance(head, ast.Binary) and head.op == "in" and isinstance(head.left, ast.Name):
            # count(x in coll where w): a binder, not a membership test
            return ast.Aggregate(str(kind), head.left.id, head.right, where_expr, None, sp)
        if where_expr is not None:
            self.errors.append(Diagnostic(
                "CP107", f"'where' in {kind}(...) needs a name for the element", sp,
                f"write {kind}(x in collection where ...)"))
        return ast.Aggregate(str(kind), None, head, None, None, sp)

    def x_set_lit(self, node: Any, sp: Span) -> ast.Expr:
        return ast.SetLit(tuple(self.expr(c) for c in node.children if c is not None), sp)

    def x_list_lit(self, node: Any, sp: Span) -> ast.Expr:
        return ast.ListLit(tuple(self.expr(c) for c in node.children if c is not None), sp)


def _hole_end(raw: str, start: int) -> int:
    """Where the `{...}` hole starting at `start` closes: the first `}` outside the
    hole's string literals and set literals. `raw` is the message as written, so the
    message's own escapes (`\\"`) are decoded on the way."""
    depth = 0
    in_string = escaped = False
    j = start
    while j < len(raw):
        if raw[j] == "\\" and j + 1 < len(raw):
            nxt = raw[j + 1]
            chars = [(_ESCAPES[nxt], j + 1)] if nxt in _ESCAPES else [("\\", j), (nxt, j + 1)]
            j += 2
        else:
            chars = [(raw[j], j)]
            j += 1
        for ch, at in chars:
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                if depth == 0:
                    return at
                depth -= 1
    return -1


def _number(token: Any) -> int | float:
    text = str(token).replace("_", "")
    return float(text) if "." in text else int(text)


def _unquote(token: Any) -> str:
    return _unescape(str(token)[1:-1])


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


# ------------------------------------------------ source layout, for the formatter
#
# Comments are not part of the AST (the grammar ignores them), nor are the places of
# declarations the AST folds into the file (version, extends, jurisdiction) or of clauses
# without a node of their own (principle, source, severity). `cappolicy fmt` needs both
# to put every comment back beside what it was written next to.


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
    return _lark("start", lexer_callbacks={"COMMENT": _collect_comment})


def source_layout(text: str, file: str = "<string>") -> SourceLayout:
    """The comments of a rule file and the lines of its declarations and clauses.

    Raises RuleSyntaxError (as parse_text does) when the text does not parse."""
    from lark.exceptions import LarkError

    _check_text(text, file)
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
