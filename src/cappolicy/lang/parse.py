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

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from ..base.errors import Diagnostic, RuleSyntaxError, did_you_mean
from ..base.files import read_bytes
from ..base.resources import grammar_file
from ..base.span import Span
from . import ast
from .build import Builder, unquote
from .limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_STRING_CHARS,
)

ITEM_KEYWORDS = ("ruleset", "version", "extends", "jurisdiction", "param", "set", "override",
                 "disable", "let", "rule")
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


def make_parser(start: str | list[str], **options: Any) -> Any:
    """An LALR parser of the grammar, its tables kept in cappolicy's cache (cache.py),
    not lark's: lark's reads pickles from the temporary folder."""
    from lark import Lark

    from .tables import lark_parser

    options = dict(parser="lalr", lexer="contextual", propagate_positions=True,
                   maybe_placeholders=True, start=start, **options)
    return lark_parser(repr(start), options, lambda: Lark(
        grammar_file().read_text(encoding="utf-8"), cache=False, **options))


@lru_cache(maxsize=1)
def parser() -> Any:
    """The parser of rule files and their parts, built once per process."""
    return make_parser(["start", "item", "clause", "expr"])


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


#: the byte-order mark some editors (Windows Notepad) write at the start of a UTF-8 file:
#: no character of the rules, and skipped as every text editor skips it
BOM = "\ufeff"


def parse_text(text: str, file: str = "<string>") -> ast.RuleFile:
    """Parse a whole rule file; raise RuleSyntaxError with every error found."""
    from lark.exceptions import LarkError

    text = text.removeprefix(BOM)
    check_text(text, file)
    builder = Builder(file, parse_expr)
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
    builder = Builder(file, parse_expr)
    if builder.too_deep(tree):
        raise RuleSyntaxError(builder.errors)
    expr = builder.expr(tree)
    if builder.errors:
        raise RuleSyntaxError(builder.errors)
    return expr


def _diag_key(d: Diagnostic) -> tuple[int, int]:
    return (d.span.line, d.span.column) if d.span else (0, 0)


# ------------------------------------------------------------------- limits


def check_text(text: str, file: str) -> None:
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


def _span_at(text: str, file: str, offset: int) -> Span:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span(file, line, column, line, column + 1)


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
        builder = Builder(file, parse_expr)
        if symbol == "start":
            header = builder.rule_file(tree)
        elif tree.data == "version_decl":
            meta["version"] = unquote(tree.children[0])
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
