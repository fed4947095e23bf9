"""Rule files in one canonical layout, comments kept: what `cappolicy fmt` writes.

`format_text` parses a file, lays its AST out afresh and puts each comment of the source
back beside what it was written next to; `format_rule_file` lays out an AST alone (for
programs that write rule files). The layout is the shipped rulesets':

- the header (`ruleset`, `version`, `extends`, `jurisdiction`, one line each), a blank
  line, then the items in source order, one blank line apart; params, sets, overrides and
  disables written as one block without blank lines stay together;
- a rule's clauses two spaces in, in a fixed order: principle, source, severity, for,
  the lets (in their order), when, require or forbid, the title's translations
  (`title fr "…"`), message, hint, each of the last two followed by its translations
  (`message fr "…"`) in the order written;
- lines of at most WIDTH characters where the text allows (strings are never cut): a long
  `and`/`or` chain puts each operand on its own line, led by the operator, four spaces
  further in than the line it starts on; a `for`'s or an aggregate's `where` goes on the
  next line; a quantifier's body goes on the next line; a call's arguments are filled
  under its first; a long set or list opens with `{`/`[` and fills the lines below;
- a param's `stricter` and description, and the `because` of a change, go on lines of
  their own, indented four spaces, when the declaration does not fit on one line;
- literals, patterns and messages are written as the author spelled them (`12 months`
  stays `12 months`, `1_200_000` stays as it is).

Comments: a comment on a line of its own stays before the item or clause it precedes (a
blank line before or inside a block of comments at the top level is kept); a comment at the
end of a line stays at the end of that line, or of the last line of its item or clause
once laid out. A comment inside a multi-line item or clause (between the lines of a long
condition, say) cannot keep its place, because the lines are laid out again: it moves to
just before that item or clause.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Union

import attrs

from ..base.span import Span
from . import ast
from .layout import Comment, Place, SourceLayout, source_layout
from .parse import BOM, parse_text
from .unparse import PRECEDENCE, literal, precedence, quote, template

WIDTH = 100
CLAUSE = "  "  # a clause's indent inside a rule
CONTINUATION = 4  # how much further in a continuation line starts

_Part = Union[str, "tuple[ast.Expr, int]"]  # text, or an expression and the binding it needs
_LOOSE = 0  # an expression in a place that never needs parentheses
_POSTFIX = PRECEDENCE["postfix"]


class FormatError(Exception):
    """The formatted text would not read back as the same rules: a bug in the formatter.
    The file is left as it is."""


def format_text(text: str, file: str = "<string>", width: int = WIDTH) -> str:
    """The canonical layout of a rule file's text. Raises RuleSyntaxError when it does
    not parse, and FormatError if the result would not parse back to the same rules.
    A byte-order mark at the start is left out, as the parser leaves it out."""
    text = text.removeprefix(BOM)
    rule_file = parse_text(text, file)
    layout = source_layout(text, file)
    result = format_rule_file(rule_file, width, text, layout)
    _check(rule_file, layout, result, file)
    return result


def format_rule_file(rule_file: ast.RuleFile, width: int = WIDTH, source: str | None = None,
                     layout: SourceLayout | None = None) -> str:
    """Lay out a rule file from its AST; with the `source` it was parsed from, keep the
    source's comments, its grouping and the spelling of its literals (`layout` is the
    source's, read from it when not given)."""
    if source is None:
        layout = None
    elif layout is None:
        layout = source_layout(source, rule_file.file or "<string>")
    lines = source.split("\n") if source is not None else None
    printer = _Printer(width, lines)
    return _FileWriter(rule_file, printer, lines, layout).write()


def _check(rule_file: ast.RuleFile, layout: SourceLayout, result: str, file: str) -> None:
    from ..base.errors import RuleSyntaxError

    try:
        again = parse_text(result, file)
        kept = source_layout(result, file).comments
    except RuleSyntaxError as exc:
        raise FormatError(f"the formatted text of {file} does not parse: {exc}") from None
    if again != rule_file:
        raise FormatError(f"the formatted text of {file} would change its rules")
    if Counter(c.text for c in kept) != Counter(c.text for c in layout.comments):
        raise FormatError(f"formatting {file} would lose comments")


def _quote(text: str) -> str:
    return quote(text).replace("\t", "\\t")


# ------------------------------------------------------------------ expressions


class _Printer:
    """Expressions as lines. `lay(e, col, cont, tail)` writes `e` starting at column `col`
    with `tail` characters still to come after it on its last line: the first returned line
    goes after what is already on the line, the others are whole lines, and continuation
    lines start at column `cont` (or further in)."""

    def __init__(self, width: int, source: Sequence[str] | None) -> None:
        self.width = width
        self.source = source
        self._flat: dict[int, str] = {}

    # ---------------------------------------------------------- one line

    def spelled(self, span: Span, code: bool) -> str | None:
        """A literal's text as the source spells it: a string token as it is, other code
        with one space between its words (None without a source, or for a span that is
        not such a literal)."""
        if self.source is None or not 1 <= span.line <= span.end_line <= len(self.source):
            return None
        if span.line == span.end_line:
            text = self.source[span.line - 1][span.column - 1:span.end_column - 1]
        else:  # `12\n months`
            text = " ".join([self.source[span.line - 1][span.column - 1:],
                             *self.source[span.line:span.end_line - 1],
                             self.source[span.end_line - 1][:span.end_column - 1]])
        if not code:
            quoted = len(text) >= 2 and text[0] == text[-1] == '"'
            return text if quoted else None
        if not text.strip() or "#" in text or '"' in text:
            return None
        return " ".join(text.split())

    def literal(self, e: ast.Literal) -> str:
        return self.spelled(e.span, e.kind != "string") or literal(e.value, e.kind)

    def template(self, t: ast.Template) -> str:
        return self.spelled(t.span, False) or template(t)

    def pattern(self, e: ast.Matches) -> str:
        if e.param is not None:
            return e.param
        return self.spelled(e.pattern_span, False) or quote(e.pattern)

    def flat(self, e: ast.Expr) -> str:
        key = id(e)
        if key not in self._flat:
            self._flat[key] = self._flat_text(e)
        return self._flat[key]

    def wrapped(self, e: ast.Expr, need: int) -> str:
        text = self.flat(e)
        return f"({text})" if precedence(e) < need else text

    def _flat_text(self, e: ast.Expr) -> str:
        return "".join(p if isinstance(p, str) else self.wrapped(*p) for p in self.parts(e))

    def parts(self, e: ast.Expr) -> list[_Part]:
        """The expression as text and sub-expressions in order, as `unparse` writes it."""
        if isinstance(e, ast.Literal):
            return [self.literal(e)]
        if isinstance(e, ast.Name):
            return [e.id]
        if isinstance(e, ast.Attr):
            return [(e.obj, _POSTFIX), f".{e.name}"]
        if isinstance(e, ast.Index):
            return [(e.obj, _POSTFIX), "[", (e.index, _LOOSE), "]"]
        if isinstance(e, ast.Call):
            head: list[_Part] = [(e.receiver, _POSTFIX), "."] if e.receiver is not None else []
            args: list[_Part] = []
            for k, (prefix, arg) in enumerate(_arguments(e)):
                args += ([", "] if k else []) + [prefix, (arg, _LOOSE)]
            return [*head, f"{e.func}(", *args, ")"]
        if isinstance(e, ast.Unary):
            if e.op == "not":
                return ["not ", (e.operand, PRECEDENCE["not"])]
            return ["-", (e.operand, PRECEDENCE["neg"])]
        if isinstance(e, ast.Binary):
            p = PRECEDENCE[e.op]
            if e.op == "implies":  # right-associative
                return [(e.left, p + 1), " implies ", (e.right, p)]
            if e.op in ("and", "or", "+", "-", "*", "/"):  # left-associative
                return [(e.left, p), f" {e.op} ", (e.right, p + 1)]
            return [(e.left, p + 1), f" {e.op} ", (e.right, p + 1)]
        if isinstance(e, ast.Matches):
            return [(e.subject, PRECEDENCE["matches"] + 1), f" matches {self.pattern(e)}"]
        if isinstance(e, ast.Presence):
            word = "present" if e.present else "absent"
            return [(e.subject, PRECEDENCE["presence"] + 1), f" {word}"]
        if isinstance(e, ast.Quantifier):
            where: list[_Part] = [" where ", (e.where, _LOOSE)] if e.where is not None else []
            return [f"{e.kind} {e.var} in ", (e.collection, _POSTFIX), *where, ": ",
                    (e.body, _LOOSE)]
        if isinstance(e, ast.Aggregate):
            return [f"{e.kind}(", *self._aggregate_head(e), *self._aggregate_where(e), ")"]
        if isinstance(e, (ast.SetLit, ast.ListLit)):
            open_, close = ("{", "}") if isinstance(e, ast.SetLit) else ("[", "]")
            items: list[_Part] = []
            for k, item in enumerate(e.items):
                items += ([", "] if k else []) + [(item, _LOOSE)]
            return [open_, *items, close]
        if isinstance(e, ast.Lambda):
            return [f"{e.var} -> ", (e.body, _LOOSE)]
        if isinstance(e, ast.EdgeKinds):
            return ["[" + ", ".join(k + ("<-" if rev else "") for k, rev in e.steps) + "]"]
        raise AssertionError(type(e).__name__)

    @staticmethod
    def _aggregate_head(e: ast.Aggregate) -> list[_Part]:
        if e.expr is not None:
            return [(e.expr, _LOOSE), f" for {e.var} in ", (e.collection, _POSTFIX)]
        if e.var is not None:
            return [f"{e.var} in ", (e.collection, _POSTFIX)]
        return [(e.collection, _LOOSE)]

    @staticmethod
    def _aggregate_where(e: ast.Aggregate) -> list[_Part]:
        return [" where ", (e.where, _LOOSE)] if e.where is not None and e.var is not None else []

    # ---------------------------------------------------------- over lines

    def fits(self, col: int, text: str, tail: int = 0) -> bool:
        return col + len(text) + tail <= self.width

    def lay(self, e: ast.Expr, col: int, cont: int, tail: int = 0, need: int = _LOOSE) -> list[str]:
        """`e` from column `col`, in parentheses if it binds more loosely than `need`."""
        if precedence(e) < need:
            inner = self.lay(e, col + 1, col + 1 + CONTINUATION, tail + 1)
            return _join(["("], inner, [")"])
        text = self.flat(e)
        if self.fits(col, text, tail):
            return [text]
        if isinstance(e, ast.Binary) and e.op in ("and", "or", "implies"):
            return self._chain(e, col, cont, tail)
        if isinstance(e, ast.Quantifier):
            head = self.seq(self.parts(e)[:-2] + [":"], col, cont, 0)
            return [*head, *_indented(cont, self.lay(e.body, cont, cont, tail))]
        if isinstance(e, ast.Aggregate) and e.where is not None and e.var is not None:
            head = self.seq([f"{e.kind}(", *self._aggregate_head(e)], col, cont, 0)
            where = self.seq(["where ", (e.where, _LOOSE), ")"], cont, cont + CONTINUATION, tail)
            return [*head, *_indented(cont, where)]
        if isinstance(e, ast.Call):
            head_parts = self.parts(e)[:2] if e.receiver is not None else []
            head = self.seq([*head_parts, f"{e.func}("], col, cont, 0)
            start = _end_column(col, head)
            return _join(head, self.fill(_arguments(e), start, start + CONTINUATION, tail + 1), [")"])
        if isinstance(e, (ast.SetLit, ast.ListLit)) and e.items:
            open_, close = ("{", "}") if isinstance(e, ast.SetLit) else ("[", "]")
            items = self.fill([("", item) for item in e.items], cont, cont + CONTINUATION,
                              tail + 1)
            return [open_, *_indented(cont, _join(items, [close]))]
        return self.seq(self.parts(e), col, cont, tail)

    def seq(self, parts: Sequence[_Part], col: int, cont: int, tail: int) -> list[str]:
        """Text and expressions one after the other, each laid out where the last ended."""
        flats = [p if isinstance(p, str) else self.wrapped(*p) for p in parts]
        lines = [""]
        for k, part in enumerate(parts):
            after = sum(len(f) for f in flats[k + 1:]) + tail
            if isinstance(part, str):
                lines = _join(lines, [part])
            else:
                lines = _join(lines, self.lay(part[0], _end_column(col, lines), cont, after,
                                              part[1]))
        return lines

    def _chain(self, e: ast.Binary, col: int, cont: int, tail: int) -> list[str]:
        """`a and b and c` as `a` then `and b`, `and c` on lines of their own at `cont`."""
        operands = _operands(e)
        last = len(operands) - 1
        first, need = operands[0]
        lines = self.lay(first, col, cont + CONTINUATION, tail if last == 0 else 0, need)
        for k, (operand, need) in enumerate(operands[1:], start=1):
            lead = f"{e.op} "
            rest = self.lay(operand, cont + len(lead), cont + CONTINUATION,
                            tail if k == last else 0, need)
            lines += _indented(cont, [lead + rest[0], *rest[1:]])
        return lines

    def fill(self, items: Sequence[tuple[str, ast.Expr]], col: int, cont: int,
             tail: int) -> list[str]:
        """Comma-separated items filling lines from `col`, a new line starting at `col`
        too; an item too long for a line of its own is laid out from `cont`."""
        lines = [""]
        for k, (prefix, item) in enumerate(items):
            after = tail if k == len(items) - 1 else 1
            text = prefix + self.flat(item)
            if k and self.fits(_end_column(col, lines) + 1, text, after):
                lines[-1] += " " + text
            else:
                if k:  # a new line, starting where the first item did
                    lines.append(" " * col)
                if self.fits(col, text, after):
                    lines[-1] += text
                else:
                    laid = self.lay(item, col + len(prefix), cont, after)
                    lines = _join(lines, [prefix + laid[0], *laid[1:]])
            if k < len(items) - 1:
                lines[-1] += ","
        return lines


def _arguments(e: ast.Call) -> list[tuple[str, ast.Expr]]:
    return [("", a) for a in e.args] + [(f"{k}: ", v) for k, v in e.kwargs]


def _operands(e: ast.Binary) -> list[tuple[ast.Expr, int]]:
    """The operands of a chain of one operator, with the binding each place needs: the
    left spine of a left-associative operator, the right spine of `implies`."""
    p = PRECEDENCE[e.op]
    if e.op == "implies":
        right = e.right
        tail = (_operands(right) if isinstance(right, ast.Binary) and right.op == "implies"
                else [(right, p)])
        return [(e.left, p + 1), *tail]
    left = e.left
    head = (_operands(left) if isinstance(left, ast.Binary) and left.op == e.op
            else [(left, p)])
    return [*head, (e.right, p + 1)]


def _join(*pieces: Sequence[str]) -> list[str]:
    """Pieces of lines one after the other: each piece's first line continues the line
    before it, its other lines are whole lines."""
    lines: list[str] = [""]
    for piece in pieces:
        if not piece:
            continue
        lines[-1] += piece[0]
        lines.extend(piece[1:])
    return lines


def _end_column(col: int, lines: Sequence[str]) -> int:
    return col + len(lines[0]) if len(lines) == 1 else len(lines[-1])


def _indented(col: int, lines: Sequence[str]) -> list[str]:
    """A laid-out piece starting on a line of its own at `col`."""
    return [" " * col + lines[0], *lines[1:]]


# ------------------------------------------------------------------ comments


@attrs.define
class _Notes:
    """The comments that go with one item or clause of the output."""

    line: int = 0  # where the item or clause starts in the source (0: no source)
    leading: list[tuple[Comment, bool]] = attrs.Factory(list)  # (comment, blank line before)
    first: Comment | None = None  # at the end of its first line
    last: Comment | None = None  # at the end of its last line
    closing: list[Comment] = attrs.Factory(list)  # a rule's, before its closing brace

    def before(self, comment: Comment, blank: bool = False) -> None:
        if self.first is not None:  # keep the order of the source
            self.leading.append((self.first, False))
            self.first = None
        self.leading.append((comment, blank))

    def trailing(self, comment: Comment, place: Place) -> None:
        if comment.line == place.end_line:
            if self.last is not None:
                self.before(self.last)
            self.last = comment
        elif comment.line == place.line:
            if self.first is not None:
                self.before(self.first)
            self.first = comment
        else:  # inside a multi-line item or clause, whose lines are laid out again
            self.before(comment)


class _Comments:
    """Each comment of the source given to the item or clause it belongs with."""

    def __init__(self, lines: Sequence[str] | None, layout: SourceLayout | None) -> None:
        self.lines = lines or []
        self.top: list[tuple[Place, _Notes]] = []
        self.clauses: dict[int, list[tuple[Place, _Notes]]] = {}
        self.end: list[tuple[Comment, bool]] = []
        if layout is None:
            return
        shared: dict[str, _Notes] = {}  # version, extends and jurisdiction may be repeated
        for place in layout.places:
            if place.kind in ("version", "extends", "jurisdiction"):
                notes = shared.setdefault(place.kind, _Notes(place.line))
            else:
                notes = _Notes(place.line)
            self.top.append((place, notes))
            self.clauses[id(notes)] = [(c, _Notes(c.line)) for c in place.clauses]
        for comment in layout.comments:
            self._place(comment)

    def blank(self, line: int) -> bool:
        """Whether source line `line` (from 1) is blank."""
        return 1 <= line <= len(self.lines) and not self.lines[line - 1].strip()

    def _own_line(self, c: Comment) -> bool:
        return not self.lines[c.line - 1][:c.column - 1].strip()

    def _place(self, c: Comment) -> None:
        inside = [(p, n) for p, n in self.top if p.line <= c.line <= p.end_line]
        if not inside:
            following = [n for p, n in self.top if p.line > c.line]
            if following:
                following[0].before(c, self.blank(c.line - 1))
            else:
                self.end.append((c, self.blank(c.line - 1)))
            return
        place, notes = inside[-1]
        if place.kind == "rule":
            self._place_in_rule(c, place, notes)
        elif self._own_line(c):
            notes.before(c)  # inside a multi-line item
        else:
            notes.trailing(c, place)

    def _place_in_rule(self, c: Comment, rule: Place, notes: _Notes) -> None:
        clauses = self.clauses[id(notes)]
        inside = [(p, n) for p, n in clauses if p.line <= c.line <= p.end_line]
        if inside:
            place, clause = inside[-1]
            if self._own_line(c):
                clause.before(c)
            else:
                clause.trailing(c, place)
        elif self._own_line(c):
            following = [n for p, n in clauses if p.line > c.line]
            if following:
                following[0].before(c)
            else:
                notes.closing.append(c)
        elif c.line == rule.end_line:
            notes.trailing(c, rule)
        else:  # after the opening brace
            if notes.first is not None:
                notes.before(notes.first)
            notes.first = c


def _with_notes(lines: list[str], notes: _Notes, indent: str, blanks: bool,
                blank_after: bool = False) -> list[str]:
    """An item's or clause's lines with its comments; `blanks`: keep the blank lines
    between leading comments."""
    out: list[str] = []
    for k, (comment, blank) in enumerate(notes.leading):
        if blanks and k and blank:
            out.append("")
        out.append(indent + comment.text)
    if notes.leading and blank_after:
        out.append("")
    first = notes.first
    if first is not None and notes.last is not None and len(lines) == 1:
        out.append(indent + first.text)
        first = None
    body = list(lines)
    if first is not None:
        body[0] += "  " + first.text
    if notes.last is not None:
        body[-1] += "  " + notes.last.text
    return out + body


# ------------------------------------------------------------------ the file


_HEADER = ("version", "extends", "jurisdiction")


class _FileWriter:
    def __init__(self, rule_file: ast.RuleFile, printer: _Printer, lines: Sequence[str] | None,
                 layout: SourceLayout | None) -> None:
        self.file = rule_file
        self.p = printer
        self.comments = _Comments(lines, layout)
        top = self.comments.top
        self.header = top[0][1] if top else _Notes()
        self.shared = {p.kind: n for p, n in top if p.kind in _HEADER}
        item_places = [(p, n) for p, n in top if p.kind not in ("header", *_HEADER)]
        if layout is not None and len(item_places) != len(rule_file.items):
            raise FormatError("the source layout does not match the parsed file")
        self.places: list[tuple[Place, _Notes] | None] = (
            list(item_places) if layout is not None else [None] * len(rule_file.items))

    def write(self) -> str:
        out = self._header()
        previous: tuple[ast.Item, Place | None] | None = None
        for item, placed in zip(self.file.items, self.places):
            place, notes = placed if placed is not None else (None, _Notes())
            if previous is None or not self._grouped(previous, item, place):
                out.append("")
            blank_after = self._blank_after(notes, place)
            out += _with_notes(self._item(item, notes), notes, "", True, blank_after)
            previous = (item, place)
        if self.comments.end:
            for k, (comment, blank) in enumerate(self.comments.end):
                if blank:
                    out.append("")
                out.append(comment.text)
        return "\n".join(out) + "\n"

    def _blank_after(self, notes: _Notes, place: Place | None) -> bool:
        return (place is not None and bool(notes.leading)
                and notes.leading[-1][0].line < place.line and self.comments.blank(place.line - 1))

    def _grouped(self, previous: tuple[ast.Item, Place | None], item: ast.Item,
                 place: Place | None) -> bool:
        """Two declarations the author wrote without a blank line between them."""
        before, before_place = previous
        if isinstance(before, ast.Rule) or isinstance(item, ast.Rule):
            return False
        if before_place is None or place is None or place.line <= before_place.end_line:
            return False
        return not any(self.comments.blank(n) for n in range(before_place.end_line + 1, place.line))

    # ---------------------------------------------------------- header

    def _header(self) -> list[str]:
        f = self.file
        title = f" {_quote(f.title)}" if f.title is not None else ""
        head = self.comments.top[0][0] if self.comments.top else None
        out = _with_notes([f"ruleset {f.ruleset}{title}"], self.header, "", True,
                          self._blank_after(self.header, head))
        lines = {
            "version": f"version {_quote(f.version)}" if f.version is not None else None,
            "extends": f"extends {f.extends}" if f.extends is not None else None,
            "jurisdiction": ("jurisdiction " + ", ".join(f.jurisdiction)
                             if f.jurisdiction else None),
        }
        for kind in _HEADER:
            line = lines[kind]
            if line is None:
                continue
            notes = self.shared.get(kind, _Notes())
            if notes.leading and notes.leading[0][1]:
                out.append("")
            place = next((p for p, n in self.comments.top if n is notes), None)
            out += _with_notes([line], notes, "", True, self._blank_after(notes, place))
        return out

    # ---------------------------------------------------------- items

    def _item(self, item: ast.Item, notes: _Notes) -> list[str]:
        if isinstance(item, ast.Param):
            return self._param(item)
        if isinstance(item, ast.SetParam):
            head = self.p.seq([f"set {item.name} = ", (item.value, _LOOSE)], 0, CONTINUATION, 0)
            return self._because(head, item.because)
        if isinstance(item, ast.Override):
            value = item.value if isinstance(item.value, str) else self.p.template(item.value)
            field = f"{item.field} {item.lang}" if item.lang else item.field
            return self._because([f"override {item.rule} {field} {value}"], item.because)
        if isinstance(item, ast.Disable):
            return self._because([f"disable {item.rule}"], item.because)
        if isinstance(item, ast.Let):  # a definition of the ruleset
            return self.p.seq([f"let {item.name} = ", (item.expr, _LOOSE)], 0, CONTINUATION, 0)
        return self._rule(item, notes)

    def _because(self, head: list[str], because: str | None) -> list[str]:
        if because is None:
            return head
        reason = f"because {_quote(because)}"
        if len(head) == 1 and self.p.fits(0, f"{head[0]} {reason}"):
            return [f"{head[0]} {reason}"]
        return [*head, " " * CONTINUATION + reason]

    def _param(self, param: ast.Param) -> list[str]:
        start = f"param {param.name}: {param.type} = "
        value = self.p.flat(param.default)
        stricter = f"{param.stricter} is stricter" if param.stricter else None
        doc = _quote(param.doc) if param.doc is not None else None
        words = [w for w in (stricter, doc) if w is not None]
        one_line = " ".join([start + value, *words])
        if self.p.fits(0, one_line):
            return [one_line]
        pad = " " * CONTINUATION
        with_stricter = " ".join([start + value, *([stricter] if stricter else [])])
        if self.p.fits(0, with_stricter):
            return [with_stricter, *([pad + doc] if doc else [])]
        head = self.p.seq([start, (param.default, _LOOSE)], 0, CONTINUATION, 0)
        return [*head, *(pad + w for w in words)]

    # ---------------------------------------------------------- rules

    def _rule(self, rule: ast.Rule, notes: _Notes) -> list[str]:
        clause_notes = self._clause_notes(notes)
        body: list[str] = []
        for key, lines in self._clauses(rule):
            body += _with_notes(lines, clause_notes.get(key, _Notes()), CLAUSE, False)
        body += [CLAUSE + c.text for c in notes.closing]
        head = f"rule {rule.id} {_quote(rule.title)} {{"
        if not body:
            return [head + "}"]
        return [head, *body, "}"]

    def _clause_notes(self, notes: _Notes) -> dict[tuple[str, int], _Notes]:
        keyed: dict[tuple[str, int], _Notes] = {}
        counts = {"let": 0, "title": 0, "message": 0, "hint": 0}  # a rule may have several
        for place, clause in self.comments.clauses.get(id(notes), []):
            if place.kind in counts:
                keyed[(place.kind, counts[place.kind])] = clause
                counts[place.kind] += 1
            else:
                keyed[("check" if place.kind in ("require", "forbid") else place.kind, 0)] = clause
        return keyed

    def _clauses(self, rule: ast.Rule) -> list[tuple[tuple[str, int], list[str]]]:
        """Each clause's lines, in the canonical order, keyed as `_clause_notes` keys them."""
        cont = len(CLAUSE) + CONTINUATION
        out: list[tuple[tuple[str, int], list[str]]] = []

        def clause(key: str, word: str, expr: ast.Expr, index: int = 0) -> None:
            lead = f"{CLAUSE}{word} "
            lines = self.p.lay(expr, len(lead), cont)
            out.append(((key, index), [lead + lines[0], *lines[1:]]))

        if rule.principle is not None:
            out.append((("principle", 0), [f"{CLAUSE}principle {rule.principle}"]))
        if rule.source is not None:
            out.append((("source", 0), [f"{CLAUSE}source {_quote(rule.source)}"]))
        if rule.severity is not None:
            out.append((("severity", 0), [f"{CLAUSE}severity {rule.severity}"]))
        if rule.for_ is not None:
            out.append((("for", 0), self._for(rule.for_, cont)))
        for k, let in enumerate(rule.lets):
            lines = self.p.seq([f"{CLAUSE}let {let.name} = ", (let.expr, _LOOSE)], 0, cont, 0)
            out.append((("let", k), lines))
        if rule.when is not None:
            clause("when", "when", rule.when)
        if rule.check is not None:
            clause("check", rule.check_kind or "require", rule.check)
        titles = [t for t in rule.translations if t.field == "title"]
        for i, t in enumerate(titles):  # the title's translations, in source order
            out.append((("title", i), [f"{CLAUSE}title {t.lang} {self.p.template(t.template)}"]))
        for key, text in (("message", rule.message), ("hint", rule.hint)):
            # the text, then its translations; each keyed by its place among the source's
            # clauses of this kind (the comments' key)
            texts = [(s.span, f"{key} {s.lang}", s.template)
                     for s in rule.translations if s.field == key]
            if text is not None:
                texts.insert(0, (text.span, key, text))
            order = sorted(range(len(texts)),
                           key=lambda i: (texts[i][0].line, texts[i][0].column))
            for i, (_, lead, template) in enumerate(texts):
                out.append(((key, order.index(i)),
                            [f"{CLAUSE}{lead} {self.p.template(template)}"]))
        return out

    def _for(self, f: ast.ForClause, cont: int) -> list[str]:
        lines = self.p.seq([f"{CLAUSE}for {f.var} in ", (f.collection, _POSTFIX)], 0, cont, 0)
        if f.where is None:
            return lines
        where = f" where {self.p.flat(f.where)}"
        if len(lines) == 1 and self.p.fits(0, lines[0] + where):
            return [lines[0] + where]
        laid = self.p.seq(["where ", (f.where, _LOOSE)], cont, cont + CONTINUATION, 0)
        return [*lines, *_indented(cont, laid)]
