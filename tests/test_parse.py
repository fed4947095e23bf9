"""Rule files and expressions: text -> AST, and mistakes -> located diagnostics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies_lang import exprs, spliced_text

from cappolicy.base.errors import Diagnostic, RuleSyntaxError
from cappolicy.base.span import Span
from cappolicy.lang import ast
from cappolicy.lang.ast import Duration, Money, Percent
from cappolicy.lang.parse import parse_expr, parse_text
from cappolicy.lang.unparse import template, unparse

N = ast.Name


def lit(value: object, kind: str) -> ast.Literal:
    return ast.Literal(value, kind)


def diagnostics(text: str, file: str = "bad.cpol") -> list[Diagnostic]:
    with pytest.raises(RuleSyntaxError) as info:
        parse_text(text, file)
    return list(info.value.diagnostics)


def where(d: Diagnostic) -> tuple[int, int]:
    assert d.span is not None, d
    return d.span.line, d.span.column


# ------------------------------------------------------------------ literals


@pytest.mark.parametrize(("text", "expected"), [
    ("15%", lit(Percent(0.15), "percent")),
    ("12.5%", lit(Percent(0.125), "percent")),
    ("6 months", lit(Duration(6, 0), "duration")),
    ("1 month", lit(Duration(1, 0), "duration")),
    ("2 years", lit(Duration(24, 0), "duration")),
    ("2 weeks", lit(Duration(0, 14), "duration")),
    ("30 days", lit(Duration(0, 30), "duration")),
    ("50000 EUR", lit(Money(50000.0, "EUR"), "money")),
    ("1_200_000 USD", lit(Money(1200000.0, "USD"), "money")),
    ("2027-01-31", lit(dt.date(2027, 1, 31), "date")),
    ("XA", lit("XA", "country")),
    ("NO", lit("NO", "country")),
    ("42", lit(42, "number")),
    ("1.5", lit(1.5, "number")),
    ('"a \\"quoted\\" word"', lit('a "quoted" word', "string")),
    ("true", lit(True, "bool")),
    ("false", lit(False, "bool")),
])
def test_literals(text: str, expected: ast.Expr) -> None:
    assert parse_expr(text) == expected


def test_hyphenated_names_are_one_name_and_spaced_minus_subtracts() -> None:
    assert parse_expr("law-enforcement") == N("law-enforcement")
    assert parse_expr("a-b") == N("a-b")
    assert parse_expr("a - b") == ast.Binary("-", N("a"), N("b"))
    assert parse_expr("period.end - 6 months") == ast.Binary(
        "-", ast.Attr(N("period"), "end"), lit(Duration(6, 0), "duration"))


def test_enumeration_values_in_a_set() -> None:
    assert parse_expr("org.kind in {ministry, law-enforcement}") == ast.Binary(
        "in", ast.Attr(N("org"), "kind"), ast.SetLit((N("ministry"), N("law-enforcement"))))


# ------------------------------------------------------------------ precedence


@pytest.mark.parametrize(("text", "expected"), [
    ("not a and b", ast.Binary("and", ast.Unary("not", N("a")), N("b"))),
    ("not a == b", ast.Unary("not", ast.Binary("==", N("a"), N("b")))),
    ("a or b and c", ast.Binary("or", N("a"), ast.Binary("and", N("b"), N("c")))),
    ("a and b or c", ast.Binary("or", ast.Binary("and", N("a"), N("b")), N("c"))),
    ("a implies b implies c",
     ast.Binary("implies", N("a"), ast.Binary("implies", N("b"), N("c")))),
    ("a or b implies c", ast.Binary("implies", ast.Binary("or", N("a"), N("b")), N("c"))),
    ("a + b * c", ast.Binary("+", N("a"), ast.Binary("*", N("b"), N("c")))),
    ("a - b - c", ast.Binary("-", ast.Binary("-", N("a"), N("b")), N("c"))),
    ("-a * b", ast.Binary("*", ast.Unary("-", N("a")), N("b"))),
    ("a + 1 >= b", ast.Binary(">=", ast.Binary("+", N("a"), lit(1, "number")), N("b"))),
    ("a not in b", ast.Binary("not in", N("a"), N("b"))),
    ("a.b[0].c", ast.Attr(ast.Index(ast.Attr(N("a"), "b"), lit(0, "number")), "c")),
    ("sunset.date present", ast.Presence(ast.Attr(N("sunset"), "date"), True)),
    ("sunset absent and a", ast.Binary("and", ast.Presence(N("sunset"), False), N("a"))),
    ('title matches "^[A-Z]"', ast.Matches(N("title"), "^[A-Z]")),
])
def test_precedence(text: str, expected: ast.Expr) -> None:
    assert parse_expr(text) == expected


def test_quantifier_body_extends_as_far_as_it_can() -> None:
    body = ast.Binary("and", ast.Binary("==", ast.Attr(N("o"), "country"), N("host_country")),
                      ast.Binary("in", ast.Attr(N("o"), "id"), ast.Attr(N("roles"), "design")))
    text = "any o in organisations: o.country == host_country and o.id in roles.design"
    assert parse_expr(text) == ast.Quantifier("any", "o", N("organisations"), None, body)


def test_quantifier_where_and_parenthesised_quantifier() -> None:
    q = ast.Quantifier("all", "a", N("activities"), ast.Presence(ast.Attr(N("a"), "end"), True),
                       ast.Binary("<=", ast.Attr(N("a"), "end"), ast.Attr(N("period"), "end")))
    assert parse_expr("all a in activities where a.end present: a.end <= period.end") == q
    assert parse_expr("(all a in activities where a.end present: a.end <= period.end) and b") \
        == ast.Binary("and", q, N("b"))


def test_implies_takes_a_quantifier_on_its_right() -> None:
    assert parse_expr("a implies any x in c: x") == ast.Binary(
        "implies", N("a"), ast.Quantifier("any", "x", N("c"), None, N("x")))


# ------------------------------------------------------------------ aggregates and calls


def test_count_with_a_binder_and_count_of_a_collection() -> None:
    assert parse_expr("count(x in organisations where x.kind == donor)") == ast.Aggregate(
        "count", "x", N("organisations"), ast.Binary("==", ast.Attr(N("x"), "kind"), N("donor")),
        None)
    assert parse_expr("count(organisations)") == ast.Aggregate(
        "count", None, N("organisations"), None, None)


def test_sum_of_an_expression_for_each_element() -> None:
    assert parse_expr("sum(s.amount for s in funding.sources where s.from == gov)") == \
        ast.Aggregate("sum", "s", ast.Attr(N("funding"), "sources"),
                      ast.Binary("==", ast.Attr(N("s"), "from"), N("gov")),
                      ast.Attr(N("s"), "amount"))
    assert parse_expr("max(a.end for a in activities)") == ast.Aggregate(
        "max", "a", N("activities"), None, ast.Attr(N("a"), "end"))


def test_where_without_a_binder_is_an_error() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_expr("count(organisations where x)")
    assert [d.code for d in info.value.diagnostics] == ["CP107"]
    assert "count(x in collection where" in (info.value.diagnostics[0].help or "")


def test_calls_methods_and_keyword_arguments() -> None:
    assert parse_expr("len(a)") == ast.Call("len", (N("a"),))
    assert parse_expr("graph.nodes(kind: body)") == ast.Call(
        "nodes", (), (("kind", N("body")),), N("graph"))
    assert parse_expr("[1, 2,]") == ast.ListLit((lit(1, "number"), lit(2, "number")))
    assert parse_expr("{}") == ast.SetLit(())


# ------------------------------------------------------------------ whole files

FILE = '''ruleset xa "Arcadia national ruleset"
version "2026.2"
extends regional/eac
jurisdiction XA, XB

param min_co_financing: percent = 15% higher is stricter "the host's minimum share"
param public_sector: set of string = {ministry, cert}
set max_delay = 3 months because "Public Finance Act 2024, s.41"
override OWN-04 severity should because "Curricula are translated by the regional centre"
override OWN-05 message "No {host_country} lead" because "shorter"
disable FIN-05 because "Arcadia's fiscal year is the calendar year"

rule XA-01 "Incident-response activities involve the national CIRT" {
  principle mandate-alignment
  source "000_66251300b48a3485.txt, paragraph 3"
  severity should
  for act in activities where act.type == training
  let cirts = count(o in organisations where o.kind == cert)
  when cirts > 0
  require act.led_by.kind == cert
  message "{act.id} is led by {act.led_by}; {{braces}} stay"
  hint "Let the CIRT lead {act.id}."
}
'''


def test_a_whole_file() -> None:
    f = parse_text(FILE, "xa.cpol")
    assert (f.ruleset, f.title, f.version, f.extends, f.jurisdiction) == (
        "xa", "Arcadia national ruleset", "2026.2", "regional/eac", ("XA", "XB"))
    param, public, set_, sev, msg, disable, rule = f.items
    assert param == ast.Param("min_co_financing", ast.TypeExpr("percent"),
                              lit(Percent(0.15), "percent"), "higher", "the host's minimum share")
    assert public.type == ast.TypeExpr("set", "string")
    assert set_ == ast.SetParam("max_delay", lit(Duration(3, 0), "duration"),
                                "Public Finance Act 2024, s.41")
    assert sev == ast.Override("OWN-04", "severity", "should",
                               "Curricula are translated by the regional centre")
    assert msg.field == "message" and isinstance(msg.value, ast.Template)
    assert msg.value.parts == ("No ", N("host_country"), " lead")
    assert disable == ast.Disable("FIN-05", "Arcadia's fiscal year is the calendar year")
    assert isinstance(rule, ast.Rule)
    assert (rule.id, rule.principle, rule.severity, rule.check_kind) == (
        "XA-01", "mandate-alignment", "should", "require")
    assert rule.for_ == ast.ForClause("act", N("activities"),
                                      ast.Binary("==", ast.Attr(N("act"), "type"), N("training")))
    assert [let.name for let in rule.lets] == ["cirts"]
    assert rule.check == ast.Binary("==", ast.Attr(ast.Attr(N("act"), "led_by"), "kind"), N("cert"))
    # spans point into the file
    assert rule.id_span.line == 13 and rule.span.line == 13
    assert param.span == Span("xa.cpol", 6, 1, 6, 84)


def test_a_header_without_a_title() -> None:
    f = parse_text("ruleset minimal\n")
    assert (f.ruleset, f.title, f.items) == ("minimal", None, ())


def test_holes_may_hold_string_and_set_literals() -> None:
    [item] = parse_text('ruleset r\noverride R-1 message "{lower(\\"}\\")} of { {XA} }" '
                        'because "b"\n').items
    assert isinstance(item, ast.Override) and isinstance(item.value, ast.Template)
    assert item.value.parts == (ast.Call("lower", (lit("}", "string"),)), " of ",
                                ast.SetLit((lit("XA", "country"),)))


def test_message_templates_have_holes_and_escaped_braces() -> None:
    rule = parse_text(FILE).items[-1]
    assert isinstance(rule, ast.Rule) and rule.message is not None
    assert rule.message.parts == (
        ast.Attr(N("act"), "id"), " is led by ", ast.Attr(N("act"), "led_by"),
        "; {braces} stay")
    assert rule.message.text == "{act.id} is led by {act.led_by}; {{braces}} stay"
    # a hole's expression is located in the file, inside the string
    hole = rule.message.parts[0]
    assert isinstance(hole, ast.Attr) and (hole.span.line, hole.span.column) == (21, 13)
    assert parse_text(f"ruleset r\noverride X-1 hint {template(rule.message)} because \"b\"\n"
                      ).items[0].value == rule.message  # type: ignore[union-attr]


def test_spans_do_not_take_part_in_equality() -> None:
    assert parse_expr("a and b") == parse_expr("a    and\n   b", line=7, column=3)
    assert parse_expr("a and b").span != parse_expr("a and b", line=7).span
    first = parse_text(FILE, "one.cpol")
    second = parse_text("\n\n# a comment\n" + FILE.replace("  ", "    "), "two.cpol")
    assert first == second


# ------------------------------------------------------------------ diagnostics

THREE_MISTAKES = '''ruleset b "B"

rule A-1 "First" {
  principle p
  requre x == 1
}

rule A-2 "Second" {
  principle p
  require host_country = XA
}

rule A-3 "Third" {
  principle p
  require period.end <= 2027-02-30
}
'''


def test_three_mistakes_in_three_places_give_three_located_diagnostics() -> None:
    found = diagnostics(THREE_MISTAKES)
    assert [(d.code, where(d)) for d in found] == [
        ("CP101", (5, 3)), ("CP101", (10, 24)), ("CP104", (15, 25))]
    typo, equals, date = found
    assert "'requre'" in typo.message
    assert "did you mean 'require'" in (typo.help or "")
    assert "==" in (equals.help or "")
    assert "2027-02-30" in date.message
    assert all(d.span is not None and d.span.file == "bad.cpol" for d in found)


def test_a_single_equals_gets_help() -> None:
    [d] = diagnostics('ruleset b\nrule R-1 "t" {\n  principle p\n  require a = 1\n}\n')
    assert d.code == "CP101" and where(d) == (4, 13)
    assert d.help == "to compare two values, write '=='"


def test_a_misspelt_severity_and_item_keyword_get_did_you_mean() -> None:
    [d] = diagnostics('ruleset b\nrule R-1 "t" {\n  principle p\n  severity mustt\n'
                      '  require a\n}\n')
    assert where(d) == (4, 12) and d.help == "did you mean 'must'?"
    [d] = diagnostics('ruleset b\nrul R-1 "t" {\n  principle p\n  require a\n}\n')
    assert where(d) == (2, 1) and d.help == "did you mean 'rule'?"


def test_an_unclosed_rule_brace_before_the_next_rule() -> None:
    found = diagnostics('ruleset b\nrule A-1 "t" {\n  principle p\n  require a\n\n'
                        'rule A-2 "t" {\n  principle p\n  require b\n}\n')
    assert [(d.code, where(d)) for d in found] == [("CP103", (6, 1))]
    assert "not closed" in found[0].message and "'}'" in (found[0].help or "")


def test_an_unclosed_rule_brace_at_the_end_of_the_file() -> None:
    [d] = diagnostics('ruleset b\nrule A-1 "t" {\n  principle p\n  require a == 1\n')
    assert d.code == "CP103" and where(d) == (4, 17)
    assert "never closed" in d.message


def test_an_invalid_date() -> None:
    [d] = diagnostics('ruleset b\nparam p: date = 2027-02-30\n')
    assert (d.code, where(d)) == ("CP104", (2, 17))
    assert d.message == "2027-02-30 is not a calendar date"


def test_a_fractional_duration() -> None:
    [d] = diagnostics('ruleset b\nparam p: duration = 1.5 years\n')
    assert d.code == "CP104" and "18 months" in (d.help or "")


def test_an_unterminated_string() -> None:
    [d] = diagnostics('ruleset b\nrule A-1 "t {\n  principle p\n  require a\n}\n')
    assert (d.code, where(d)) == ("CP102", (2, 10))


def test_a_second_require_clause() -> None:
    [d] = diagnostics('ruleset b\nrule A-1 "t" {\n  principle p\n  require a\n  require b\n}\n')
    assert (d.code, where(d)) == ("CP105", (5, 3))
    assert "line 4" in (d.help or "")


def test_broken_message_holes() -> None:
    [d] = diagnostics('ruleset b\nrule A-1 "t" {\n  principle p\n  require a\n'
                      '  message "x {a +} y"\n}\n')
    assert d.code == "CP103" and d.span is not None and d.span.line == 5
    assert "{a +}" in d.message and "end of file" not in d.message
    [d] = diagnostics('ruleset b\nrule A-1 "t" {\n  principle p\n  require a\n'
                      '  message "x {a y"\n}\n')
    assert (d.code, where(d)) == ("CP106", (5, 14))
    assert "{{" in (d.help or "")


def test_a_broken_file_still_hands_over_what_parsed() -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_text(THREE_MISTAKES)
    partial = info.value.partial
    assert isinstance(partial, ast.RuleFile)
    assert [item.id for item in partial.items if isinstance(item, ast.Rule)] == []  # all broke
    with pytest.raises(RuleSyntaxError) as info:
        parse_text('ruleset b\nparam good: number = 1\nrule A-1 "t" {\n  requre a\n}\n')
    assert isinstance(info.value.partial, ast.RuleFile)
    assert [i.name for i in info.value.partial.items] == ["good"]  # type: ignore[union-attr]


# ------------------------------------------------------------------ properties


@given(exprs)
def test_unparse_then_parse_gives_the_same_tree(e: ast.Expr) -> None:
    text = unparse(e)
    assert parse_expr(text) == e, text


@st.composite
def templates(draw: st.DrawFn) -> tuple[str | ast.Expr, ...]:
    """Message parts: text (with braces, quotes, backslashes) between expressions."""
    holes = draw(st.lists(exprs, max_size=3))
    words = st.text(st.characters() | st.sampled_from("{}\\\""),
                    min_size=1, max_size=8)
    parts: list[str | ast.Expr] = []
    for hole in holes:
        if draw(st.booleans()):
            parts.append(draw(words))
        parts.append(hole)
    if draw(st.booleans()) or not parts:
        parts.append(draw(words))
    return tuple(parts)


@given(templates())
def test_a_message_template_survives_formatting(parts: tuple[str | ast.Expr, ...]) -> None:
    text = template(ast.Template(parts, ""))
    parsed = parse_text(f'ruleset r\noverride R-1 hint {text} because "b"\n').items[0]
    assert isinstance(parsed, ast.Override) and isinstance(parsed.value, ast.Template)
    assert parsed.value.parts == parts, text


def _parses_or_diagnoses(text: str) -> None:
    try:
        result = parse_text(text, "fuzz.cpol")
    except RuleSyntaxError as exc:
        assert exc.diagnostics
        lines = text.count("\n") + 2
        for d in exc.diagnostics:
            assert d.code.startswith("CP1") and d.message
            assert d.span is not None and d.span.file == "fuzz.cpol"
            assert 1 <= d.span.line <= lines, (d, text)
    else:
        assert isinstance(result, ast.RuleFile)


@given(st.text())
def test_any_text_parses_or_gives_diagnostics(text: str) -> None:
    _parses_or_diagnoses(text)


@given(spliced_text())
def test_text_near_the_grammar_parses_or_gives_diagnostics(text: str) -> None:
    _parses_or_diagnoses(text)


def test_a_byte_order_mark_at_the_start_is_skipped(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows Notepad starts a UTF-8 file with one; it is no character of the rules."""
    from cappolicy.lang.cached import rule_file
    from cappolicy.lang.fmt import format_text
    from cappolicy.lang.parse import parse_file

    text = 'ruleset xd "Dorado"\nparam n: number = 2\n'
    plain = parse_text(text, "xd.cpol")
    assert parse_text("\ufeff" + text, "xd.cpol") == plain
    path = tmp_path / "xd.cpol"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert parse_file(str(path)) == parse_text(text, str(path))
    monkeypatch.setenv("CAPPOLICY_CACHE_DIR", str(tmp_path / "cache"))
    assert rule_file(str(path)) == rule_file(str(path)) == parse_text(text, str(path))
    assert format_text("\ufeff" + text, "xd.cpol") == format_text(text, "xd.cpol")
    [d] = diagnostics("\ufeffruleset xd zz\n")  # columns as an editor counts them
    assert d.code == "CP101" and where(d) == (1, 12)
