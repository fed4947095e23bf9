"""Analysis: names resolved, types checked, every mistake of a ruleset reported at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from cappolicy.base.errors import AnalysisError, Diagnostic
from cappolicy.base.span import Span
from cappolicy.engine.compile import Compiler, Context, Env, ParamValue
from cappolicy.engine.evaluate import CompiledRule, RuleSpec, compile_rules
from cappolicy.engine.findings import Provenance
from cappolicy.engine.nodes import Deref, Literal, Param, Root, Var
from cappolicy.lang import ast
from cappolicy.lang.parse import parse_expr, parse_text
from cappolicy.lang.types import COUNTRY, DATE, NUMBER, PERCENT, STRING
from cappolicy.proposal import schema

MIN_SHARE = ParamValue("min_share", PERCENT, ast.Percent(0.15), "15%",
                       Provenance("baseline", Span("baseline.cpol", 3, 1)))


def compiler() -> Compiler:
    return Compiler({"min_share": MIN_SHARE})


def compile_text(text: str, params: Mapping[str, ParamValue] | None = None) -> list[CompiledRule]:
    f = parse_text(text, "r.cpol")
    specs = [RuleSpec(r, r.severity or "must", r.message, r.hint, Provenance("r", r.span))
             for r in f.items if isinstance(r, ast.Rule)]
    return compile_rules(specs, {"min_share": MIN_SHARE} if params is None else params)


def errors_of(text: str) -> list[Diagnostic]:
    with pytest.raises(AnalysisError) as info:
        compile_text(text)
    return list(info.value.diagnostics)


def rule(check: str, *, extra: str = "") -> str:
    return f'ruleset r\nrule R-1 "t" {{\n  principle p\n{extra}  require {check}\n}}\n'


def at(d: Diagnostic) -> tuple[int, int, int]:
    assert d.span is not None
    return d.span.line, d.span.column, d.span.end_column


# ------------------------------------------------------------------ names


def test_a_name_is_a_variable_first() -> None:
    c = compiler()
    node = c.expr(parse_expr("host_country"), {"host_country": NUMBER})
    assert isinstance(node, Var) and node.type == NUMBER
    env = Env(Context({}, dt.date(2027, 1, 1)))
    env.vars["host_country"] = 7
    assert node.fn(env) == 7 and not c.errors


def test_a_name_can_be_a_param_and_is_recorded_as_used() -> None:
    c = compiler()
    node = c.expr(parse_expr("min_share"), {})
    assert isinstance(node, Param) and node.type == PERCENT
    assert node.fn(Env(Context({}, dt.date(2027, 1, 1)))) == ast.Percent(0.15)
    assert c.used_params == {"min_share"}


def test_a_name_can_be_a_top_level_field_of_the_proposal() -> None:
    c = compiler()
    node = c.expr(parse_expr("host_country"), {})
    assert isinstance(node, Root) and node.type == COUNTRY
    env = Env(Context({"host_country": "XA"}, dt.date(2027, 1, 1)))
    assert node.fn(env) == "XA"
    assert node.loc is not None and node.loc(env) == ("host_country",)


def test_a_name_can_be_an_enumeration_value() -> None:
    c = compiler()
    node = c.expr(parse_expr("law-enforcement"), {})
    assert isinstance(node, Literal) and node.type == STRING
    assert node.fn(Env(Context({}, dt.date(2027, 1, 1)))) == "law-enforcement"
    assert c.expr(parse_expr("as_of"), {}).type == DATE


def test_an_unknown_name_suggests_the_field_it_resembles() -> None:
    [d] = errors_of(rule("count(organisatons) > 0"))
    assert d.code == "CP201" and d.message == "unknown name 'organisatons'"
    assert d.help == "did you mean 'organisations'?"
    assert at(d) == (4, 17, 29)


def test_an_unknown_name_with_nothing_close_explains_what_a_name_can_be() -> None:
    [d] = errors_of(rule("zzzzqqq == 1"))
    assert d.code == "CP201" and "double quotes" in (d.help or "")


def test_an_unknown_field_of_a_record_suggests_the_field() -> None:
    [d] = errors_of(rule("any org in organisations: org.contry == XA"))
    assert d.code == "CP202" and d.message == "organisation has no field 'contry'"
    assert d.help == "did you mean 'country'?"
    assert at(d) == (4, 37, 47)


def test_a_field_of_a_list_is_an_error_with_a_hint() -> None:
    [d] = errors_of(rule("organisations.country == XA"))
    assert d.code == "CP202" and "any/all/count" in (d.help or "")


def test_reading_through_a_reference() -> None:
    c = compiler()
    node = c.expr(parse_expr("act.led_by.country"), {"act": schema.ACTIVITY})
    assert not c.errors and node.type == COUNTRY and isinstance(node, Deref)
    data = {"organisations": [{"id": "xa-cirt", "country": "XA"}],
            "activities": [{"id": "A1", "led_by": "xa-cirt"}]}
    env = Env(Context(data, dt.date(2027, 1, 1)))
    env.vars["act"] = data["activities"][0]
    assert node.fn(env) == "XA"
    assert node.loc is not None and node.loc(env) == ("organisations", 0, "country")
    compile_text(rule("all act in activities: act.led_by.country == host_country"))


def test_a_bad_field_through_a_reference_is_an_error() -> None:
    [d] = errors_of(rule("all act in activities: act.led_by.contry == XA"))
    assert d.code == "CP202" and d.message == "organisation has no field 'contry'"
    assert d.help == "did you mean 'country'?"


# ------------------------------------------------------------------ types


def test_comparing_a_date_with_a_number_is_located_at_the_comparison() -> None:
    [d] = errors_of(rule("period.end > 5"))
    assert d.code == "CP203" and d.message == "cannot compare date with number"
    assert at(d) == (4, 11, 25)
    assert "'period.end' is a date" in (d.help or "")


def test_types_that_do_compare() -> None:
    compile_text(rule("sunset.date <= period.end + 6 months and host_country == XA "
                      "and min_share <= 50% and count(organisations) >= 2"))


def test_iterating_something_that_is_not_a_collection() -> None:
    [d] = errors_of(rule("any x in host_country: x == XA"))
    assert d.code == "CP204" and d.message == "'host_country' is a country, not a collection"
    assert at(d) == (4, 20, 32)
    [d] = errors_of(rule("true", extra="  for p in period\n"))
    assert d.code == "CP204"


def test_a_condition_that_is_not_a_bool() -> None:
    [d] = errors_of(rule("count(organisations)"))
    assert d.code == "CP205" and "not a condition" in d.message
    assert at(d) == (4, 11, 31)
    [d] = errors_of(rule("true", extra="  when host_country\n"))
    assert d.code == "CP205" and d.span is not None and d.span.line == 4


def test_an_unknown_function() -> None:
    [d] = errors_of(rule("lenght(organisations) > 1"))
    assert d.code == "CP206" and d.help == "did you mean 'len'?"
    [d] = errors_of(rule("len(organisations, roles) > 1"))
    assert d.code == "CP206" and "one argument" in d.message


@pytest.mark.parametrize(("call", "code", "message"), [
    ("len(3)", "CP204", "'3' is a number; it has no length"),
    ("keys(title)", "CP204", "keys() takes a map, not a string"),
    ("values(3)", "CP204", "values() takes a map, not a number"),
    ("year(title)", "CP203", "year() takes a date, not a string"),
    ("lower(3)", "CP203", "lower() takes text, not a number"),
    ("slug(3)", "CP203", "slug() takes text, not a number"),
    ("upper(period.end)", "CP203", "upper() takes text, not a date"),
    ("abs(title)", "CP203", "abs() takes a number, not a string"),
])
def test_a_function_refuses_an_argument_of_another_type(call: str, code: str,
                                                        message: str) -> None:
    [d] = errors_of(rule(f"{call} present"))
    assert (d.code, d.message) == (code, message)


@pytest.mark.parametrize(("call", "expected"), [
    ("len(organisations)", "number"), ("keys(budget.lines[0].by_year)", "list of year"),
    ("values(budget.lines[0].by_year)", "list of money"), ("year(period.end)", "number"),
    ("lower(title)", "string"), ("upper(host_country)", "string"), ("slug(title)", "string"),
    ("abs(budget.lines[0].by_year[2027])", "money"),
])
def test_the_type_a_function_gives(call: str, expected: str) -> None:
    c = compiler()
    node = c.expr(parse_expr(call), {})
    assert not c.errors, c.errors
    assert node.type.describe() == expected


def test_an_invalid_regular_expression_is_located_at_the_pattern() -> None:
    found = errors_of(rule('title matches "(a" or title matches "(?=x)"'))
    assert [d.code for d in found] == ["CP207", "CP207"]
    first, second = found
    assert at(first) == (4, 25, 29)
    assert first.message == "invalid pattern: missing ): (a"  # text, not a bytes repr
    assert "look-around" in (second.help or "")


def test_several_rules_with_errors_are_reported_together_in_order() -> None:
    text = '''ruleset r
rule A-1 "t" {
  principle p
  require count(organisatons) > 0
}
rule A-2 "fine" {
  principle p
  require host_country == XA
}
rule A-3 "t" {
  principle p
  require period.end > 5 and lenght(roles) == 1
}
rule A-4 "t" {
  require true
}
rule A-5 "t" {
  principle p
}
'''
    found = errors_of(text)
    assert [(d.code, d.span.line if d.span else 0) for d in found] == [
        ("CP201", 4), ("CP203", 12), ("CP206", 12), ("CP210", 14), ("CP209", 17)]


def test_a_let_may_not_shadow_a_variable_or_param() -> None:
    [d] = errors_of(rule("true", extra="  for org in organisations\n  let org = 1\n"))
    assert d.code == "CP208"
    [d] = errors_of(rule("true", extra="  let min_share = 1\n"))
    assert d.code == "CP208"


def test_params_used_by_a_rule_are_recorded() -> None:
    [compiled] = compile_text(rule("10% <= min_share"))
    assert [(p.name, p.value, p.type) for p in compiled.params] == [("min_share", "15%", "percent")]
    assert compiled.params[0].origin.span == Span("baseline.cpol", 3, 1)


@pytest.mark.parametrize(("text", "expected"), [
    ("period.end - period.start", "duration"),
    ("period.end + 6 months", "date"),
    ("count(x in organisations where x.kind == cert)", "number"),
    ("sum(s.by_year[2027] for s in funding.sources)", "money"),
    ("sum(s.by_year[2027] for s in funding.sources) / sum(s.by_year[2028] for s in "
     "funding.sources)", "percent"),
    ("any o in organisations: o.kind == cert", "bool"),
    ("{XA, XB}", "set of country"),
])
def test_types_of_expressions(text: str, expected: str) -> None:
    c = compiler()
    node = c.expr(parse_expr(text), {})
    assert not c.errors, c.errors
    assert node.type.describe() == expected




def test_union_joins_collections_and_is_typed_as_a_list_of_their_elements() -> None:
    node = compiler().expr(parse_expr("union(keys(line.by_year) for line in budget.lines)"), {})
    assert node.type.describe() == "list of year"
    [d] = errors_of(rule("count(union(o.id for o in organisations)) > 1"))
    assert d.code == "CP204"
    assert d.message == "union(...) joins collections, not string values"


# ------------------------------------------------------------------ lets shared by rules


def test_a_let_that_reads_no_variable_is_compiled_once_for_the_rules_that_write_it() -> None:
    """Nine rules ask which organisations only foreign parties pay, in the same words: the
    ruleset compiles that let once, and every rule that writes it records the params it
    reads, for its explanation's provenance."""
    text = ("ruleset r\n"
            'rule R-1 "a" {\n  principle p\n  let share = min_share\n'
            "  require share > 0%\n}\n"
            'rule R-2 "b" {\n  principle p\n  let doubled = min_share\n'
            "  require doubled > 0%\n}\n"
            'rule R-3 "c" {\n  principle p\n  for min_share in activities\n'
            "  let doubled = min_share\n  require doubled present\n}\n")
    first, second, third = (rule.lets[0][1] for rule in compile_text(text))
    assert second is first  # alike, and reading no variable: one node
    assert third is not first  # here `min_share` is the rule's own variable
    assert isinstance(first, Param) and isinstance(third, Var)
    rules = compile_text(text)
    assert [p.name for p in rules[1].params] == ["min_share"]


def test_a_let_that_reads_a_variable_is_each_rules_own() -> None:
    text = ("ruleset r\n"
            'rule R-1 "a" {\n  principle p\n  for act in activities\n'
            "  let early = act.start\n  require early present\n}\n"
            'rule R-2 "b" {\n  principle p\n  for act in activities\n'
            "  let early = act.start\n  require early present\n}\n")
    first, second = (rule.lets[0][1] for rule in compile_text(text))
    assert first is not second
