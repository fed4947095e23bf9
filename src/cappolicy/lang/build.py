"""The syntax tree lark gives, turned into the AST of ast.py: a node per construct,
each with the span it was written at; literals checked as they are read."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..base.errors import Diagnostic, RuleSyntaxError
from ..base.record import replace
from ..base.span import Span
from . import ast
from .limits import MAX_DEPTH, MAX_DURATION, MAX_NUMBER_CHARS, first_too_deep
from .values import percent_of


def _translation_order(t: ast.Translation) -> int:
    return ("title", "message", "hint").index(t.field)



class Builder:
    """Turns lark's tree into AST nodes; collects literal errors (bad dates)."""

    def __init__(self, file: str, parse_expr: Callable[..., ast.Expr]) -> None:
        self.file = file
        self.parse_expr = parse_expr  # for the holes of templates
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
                version = unquote(child.children[0])
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
            ruleset=str(name_tok), title=unquote(title_tok) if title_tok else None,
            version=version, extends=extends, jurisdiction=tuple(jurisdiction),
            items=tuple(items), file=self.file, span=self.span(header),
            extends_span=extends_span)

    def too_deep(self, node: Any) -> bool:
        """Whether expressions in `node` nest deeper than MAX_DEPTH (then reported)."""
        found = first_too_deep(node)
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
                             unquote(doc) if doc else None, sp)
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
        if kind == "let_clause":  # a definition of the ruleset (rulesets/definitions.py)
            return ast.Let(str(c[0]), self.expr(c[1]), sp)
        return None  # version/extends/jurisdiction parsed alone during recovery

    def because(self, node: Any) -> str | None:
        return unquote(node.children[0]) if node is not None else None

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
                fields["source"] = unquote(cc[0])
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
        return ast.Rule(id=str(rule_id), title=unquote(title), lets=tuple(lets),
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
                    parts.append(unescape(text))
                    text = ""
                hole = raw[i + 1:end]
                try:
                    # the hole is inside a string: `\"` in it is a quote of a string literal
                    parts.append(self.parse_expr(unescape(hole), self.file, base_line,
                                            base_col + i + 1))
                except RuleSyntaxError as exc:  # the hole ends at '}', not the file
                    self.errors.extend(
                        replace(d, message=f"the expression {{{hole}}} is incomplete")
                        if d.code == "CP103" else d for d in exc.diagnostics)
                i = end + 1
                continue
            text += ch
            i += 1
        if text:
            parts.append(unescape(text))
        return ast.Template(tuple(parts), unescape(raw), self.span(token))

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
        share = self.number(token, str(token)[:-1])
        return ast.Literal(ast.Percent(percent_of(share)), "percent", sp)

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
        return ast.Literal(unquote(node.children[0]), "string", sp)

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
        return ast.Matches(self.expr(subject), unquote(pattern), self.span(pattern), sp)

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


def unquote(token: Any) -> str:
    return unescape(str(token)[1:-1])


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)
