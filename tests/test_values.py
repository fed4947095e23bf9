"""Run-time values: three-valued logic, comparison, date arithmetic, display."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cappolicy.lang import values as V
from cappolicy.lang.ast import Duration, Money, Percent
from cappolicy.lang.values import UNKNOWN, and3, implies3, not3, or3

tv = st.sampled_from([True, False, UNKNOWN])


def same(a: Any, b: Any) -> bool:
    """Identity for the three truth values (UNKNOWN is one object)."""
    return a is b


# ------------------------------------------------------------------ three-valued laws


@given(tv, tv)
def test_and_or_commute(a: Any, b: Any) -> None:
    assert same(and3(a, b), and3(b, a))
    assert same(or3(a, b), or3(b, a))


@given(tv, tv, tv)
def test_and_or_associate(a: Any, b: Any, c: Any) -> None:
    assert same(and3(and3(a, b), c), and3(a, and3(b, c)))
    assert same(or3(or3(a, b), c), or3(a, or3(b, c)))


@given(tv, tv, tv)
def test_and_or_distribute(a: Any, b: Any, c: Any) -> None:
    assert same(and3(a, or3(b, c)), or3(and3(a, b), and3(a, c)))
    assert same(or3(a, and3(b, c)), and3(or3(a, b), or3(a, c)))


@given(tv, tv)
def test_de_morgan(a: Any, b: Any) -> None:
    assert same(not3(and3(a, b)), or3(not3(a), not3(b)))
    assert same(not3(or3(a, b)), and3(not3(a), not3(b)))


@given(tv)
def test_double_negation(a: Any) -> None:
    assert same(not3(not3(a)), a)


@given(tv, tv)
def test_absorption(a: Any, b: Any) -> None:
    assert same(and3(a, or3(a, b)), a)
    assert same(or3(a, and3(a, b)), a)


@given(tv)
def test_identities_and_annihilators(a: Any) -> None:
    assert same(and3(a, True), a)
    assert same(or3(a, False), a)
    assert and3(a, False) is False
    assert or3(a, True) is True
    assert same(and3(a, a), a) and same(or3(a, a), a)


@given(tv, tv)
def test_implies_is_not_a_or_b(a: Any, b: Any) -> None:
    assert same(implies3(a, b), or3(not3(a), b))


def test_unknown_is_neither_true_nor_false() -> None:
    assert and3(UNKNOWN, True) is UNKNOWN
    assert or3(UNKNOWN, False) is UNKNOWN
    assert not3(UNKNOWN) is UNKNOWN
    assert implies3(False, UNKNOWN) is True
    assert implies3(UNKNOWN, True) is True
    assert implies3(True, UNKNOWN) is UNKNOWN
    with pytest.raises(TypeError):
        bool(UNKNOWN)  # no code path may quietly read unknown as false


def test_truth_reads_none_as_unknown() -> None:
    assert V.truth(None) is UNKNOWN
    assert V.truth(UNKNOWN) is UNKNOWN
    assert V.truth(True) is True and V.truth(False) is False


# ------------------------------------------------------------------ comparison


def test_comparisons_with_unknown_are_unknown() -> None:
    for op in ("==", "!=", "<", "<=", ">", ">="):
        assert V.compare(op, UNKNOWN, 1) is UNKNOWN
        assert V.compare(op, dt.date(2027, 1, 1), UNKNOWN) is UNKNOWN


def test_percent_money_and_numbers_compare_by_amount() -> None:
    assert V.compare(">=", Percent(0.25), Percent(0.15)) is True
    assert V.compare("<", 0.12, Percent(0.15)) is True
    assert V.compare("==", Percent(0.15), 0.15) is True
    assert V.compare(">", Money(50000.0, "EUR"), 40000) is True


def test_amounts_in_different_currencies_are_not_equal_nor_ordered() -> None:
    assert V.compare("==", Money(100000.0, "EUR"), Money(100000.0, "EUR")) is True
    assert V.compare("==", Money(100000.0, "EUR"), Money(100000.0, "USD")) is False
    assert V.compare("!=", Money(100000.0, "EUR"), Money(100000.0, "USD")) is True
    for op in ("<", "<=", ">", ">="):
        with pytest.raises(V.EvalProblem, match="different currencies"):
            V.compare(op, Money(100000.0, "EUR"), Money(99000.0, "GBP"))
    with pytest.raises(V.EvalProblem, match="different currencies"):
        V.extreme("min", [Money(1.0, "EUR"), Money(2.0, "USD")])
    assert V.extreme("min", [Money(1.0, "EUR"), Money(2.0, "EUR")]) == Money(1.0, "EUR")


def test_duration_comparison() -> None:
    assert V.compare("<", Duration(1, 0), Duration(0, 31)) is True
    assert V.compare("<", Duration(1, 0), Duration(0, 30)) is False
    assert V.compare(">", Duration(24, 0), Duration(18, 0)) is True
    assert V.compare("==", Duration(12, 0), Duration(12, 0)) is True
    assert V.compare("==", Duration(1, 0), Duration(0, 30)) is False
    assert V.compare("<=", Duration(0, 14), Duration(0, 14)) is True


def test_ordering_values_that_have_no_order_is_a_problem_not_a_crash() -> None:
    with pytest.raises(V.EvalProblem, match="cannot order"):
        V.compare("<", dt.date(2027, 1, 1), 5)


@given(st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_duration_order_agrees_with_days(a: int, b: int) -> None:
    assert V.compare("<", Duration(0, a), Duration(0, b)) is (a < b)
    assert V.compare("<", Duration(a, 0), Duration(b, 0)) is (a < b)


# ------------------------------------------------------------------ membership


def test_contains() -> None:
    assert V.contains(["xa-mict", "xa-cirt"], "xa-cirt") is True
    assert V.contains(["xa-mict"], "xa-cirt") is False
    assert V.contains(frozenset({"ministry", "cert"}), "cert") is True
    assert V.contains({"2027": 1}, "2027") is True  # a map contains its keys
    assert V.contains("Ministry of ICT", "ICT") is True
    # a list or a mapping (from the API: the loader refuses them there) is no member
    assert V.contains(frozenset({"ministry", "cert"}), []) is False
    assert V.contains({"2027": 1}, {"a": 1}) is False


def test_contains_with_unknown_is_unknown() -> None:
    assert V.contains(UNKNOWN, "x") is UNKNOWN
    assert V.contains(["x"], UNKNOWN) is UNKNOWN
    # an unknown element could be the one asked for; a known match still decides
    assert V.contains(["a", UNKNOWN], "b") is UNKNOWN
    assert V.contains(["a", UNKNOWN], "a") is True


def test_membership_and_collection_equality_mean_what_equality_means() -> None:
    # 5% == 0.05, so 5% is in a set or a list holding 0.05, and sets of them are equal
    assert V.equal(Percent(0.05), 0.05) is True
    assert V.contains(frozenset({0.05, 0.1}), Percent(0.05)) is True
    assert V.contains(frozenset({Percent(0.05)}), 0.05) is True
    assert V.contains([0.05], Percent(0.05)) is True
    assert V.contains(frozenset({0.06}), Percent(0.05)) is False
    assert V.equal(frozenset({Percent(0.05), Percent(0.1)}), frozenset({0.1, 0.05})) is True
    assert V.equal([Percent(0.05), 1], [0.05, 1]) is True
    assert V.equal([1, Percent(0.05)], [0.05, 1]) is False  # a list's order counts
    assert V.equal(frozenset({Percent(0.05)}), frozenset({0.05, 0.06})) is False
    # money keeps its currency inside a set; a month is not 30 days by membership either
    assert V.contains(frozenset({Money(100, "USD")}), Money(100, "EUR")) is False
    assert V.contains(frozenset({Money(100, "EUR")}), Money(100, "EUR")) is True
    assert V.equal([UNKNOWN], [1]) is UNKNOWN
    assert V.contains(frozenset({"5%"}), Percent(0.05)) is False  # a text is no share


def test_contains_needs_a_collection() -> None:
    with pytest.raises(V.EvalProblem, match="not a collection"):
        V.contains(5, 1)


# ------------------------------------------------------------------ dates and arithmetic


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),
    (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # leap year
    (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
    (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 29)),
    (dt.date(2027, 3, 31), -1, dt.date(2027, 2, 28)),
    (dt.date(2027, 12, 15), 1, dt.date(2028, 1, 15)),
    (dt.date(2027, 1, 15), -13, dt.date(2025, 12, 15)),
])
def test_adding_months_clamps_to_the_end_of_the_month(day: dt.date, months: int,
                                                      expected: dt.date) -> None:
    assert V.arith("+", day, Duration(months, 0)) == expected


def test_date_arithmetic() -> None:
    assert V.arith("+", dt.date(2029, 12, 31), Duration(6, 0)) == dt.date(2030, 6, 30)
    assert V.arith("-", dt.date(2027, 3, 31), Duration(1, 0)) == dt.date(2027, 2, 28)
    assert V.arith("+", dt.date(2028, 2, 28), Duration(0, 1)) == dt.date(2028, 2, 29)
    assert V.arith("+", Duration(2, 0), dt.date(2027, 1, 1)) == dt.date(2027, 3, 1)
    assert V.arith("-", dt.date(2028, 3, 1), dt.date(2028, 2, 1)) == Duration(0, 29)
    assert V.arith("-", dt.date(2027, 3, 1), dt.date(2027, 2, 1)) == Duration(0, 28)
    assert V.arith("+", Duration(6, 0), Duration(0, 3)) == Duration(6, 3)


def test_dates_beyond_the_calendar_are_a_problem() -> None:
    with pytest.raises(V.EvalProblem, match="outside the calendar"):
        V.arith("+", dt.date(9999, 12, 1), Duration(1, 0))


@given(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)), st.integers(-600, 600))
def test_adding_months_lands_in_the_right_month(day: dt.date, months: int) -> None:
    later = V.arith("+", day, Duration(months, 0))
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and
                                    (later + dt.timedelta(days=1)).month != later.month)


@given(st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)), st.integers(-5000, 5000))
def test_days_then_back(day: dt.date, days: int) -> None:
    there = V.arith("+", day, Duration(0, days))
    assert V.arith("-", there, Duration(0, days)) == day
    assert V.arith("-", there, day) == Duration(0, days)


def test_arithmetic_with_unknown_is_unknown() -> None:
    assert V.arith("+", UNKNOWN, 1) is UNKNOWN
    assert V.arith("/", 1, UNKNOWN) is UNKNOWN
    assert V.negate(UNKNOWN) is UNKNOWN


def test_division_by_zero_and_mixed_currencies_are_problems() -> None:
    with pytest.raises(V.EvalProblem, match="division by zero"):
        V.arith("/", 10, 0)
    with pytest.raises(V.EvalProblem, match="EUR and USD"):
        V.arith("+", Money(1.0, "EUR"), Money(1.0, "USD"))


def test_totals_and_extremes() -> None:
    assert V.total([1, 2, 3]) == 6
    assert V.total([Money(1.0, "EUR"), Money(2.0, "EUR")]) == Money(3.0, "EUR")
    assert V.total([]) == 0
    assert V.total([1, UNKNOWN]) is UNKNOWN
    assert V.extreme("min", [dt.date(2028, 1, 1), dt.date(2027, 1, 1)]) == dt.date(2027, 1, 1)
    assert V.extreme("max", [Percent(0.1), Percent(0.3)]) == Percent(0.3)
    assert V.extreme("max", []) is UNKNOWN  # the max of nothing cannot be decided
    assert V.extreme("min", [1, None]) is UNKNOWN


def test_elements_of_a_map_are_its_values_and_a_set_is_walked_in_order() -> None:
    assert V.elements({2027: 5, 2028: 6}) == [5, 6]
    assert V.elements(frozenset({"b", "a"})) == ["a", "b"]
    assert V.elements(None) is UNKNOWN


# ------------------------------------------------------------------ display


@pytest.mark.parametrize(("value", "shown"), [
    (UNKNOWN, "(missing)"),
    (None, "(missing)"),
    (True, "true"),
    (False, "false"),
    (3.0, "3"),
    (1 / 3, "0.333333"),  # a quotient that does not end: six significant digits
    (2e6 / 3, "666666.6666666666"),  # ... unless they make it a whole number
    (1425566.13, "1425566.13"),  # an amount with cents: as written, never 1.42557e+06
    (2704879.52, "2704879.52"),
    (0.1 + 0.2, "0.30000000000000004"),  # binary noise: told from the 0.3 V.arith gives
    (V.arith("+", 0.1, 0.2), "0.3"),
    (Percent(0.333), "33.3%"),
    (Percent(0.07), "7%"),  # 0.07 * 100 is 7.000000000000001 in binary
    (Percent(0.2499999999), "24.99999999%"),  # as written
    (Percent(0.24999999999999), "24.999999999999%"),
    (Percent(175000 / 3475000), "5.03597%"),  # a share that does not end: six digits
    (Percent(0.25 - 2**-54), "24.999999999999993%"),
    (Percent(1 / 3), "33.3333%"),
    (Money(1688719.88, "EUR"), "1688719.88 EUR"),
    (1500000, "1500000"),
    (Percent(0.15), "15%"),
    (Money(1500000.0, "EUR"), "1500000 EUR"),
    (Duration(18, 0), "18 months"),
    (Duration(24, 0), "2 years"),
    (Duration(1, 0), "1 month"),
    (Duration(0, 1), "1 day"),
    (Duration(6, 3), "6 months 3 days"),
    (dt.date(2027, 1, 31), "2027-01-31"),
    ("xa-cirt", "xa-cirt"),
    ("Ministry of ICT", '"Ministry of ICT"'),
    ("", '""'),
    (frozenset({"cert", "ministry"}), "{cert, ministry}"),
    (["en", "fr"], "[en, fr]"),
    ({"id": "xa-mict", "name": "Ministry"}, "xa-mict"),
    ({"date": dt.date(2029, 12, 31)}, "{date: 2029-12-31}"),
])
def test_display(value: Any, shown: str) -> None:
    assert V.display(value) == shown


def test_display_of_long_lists_and_shares() -> None:
    assert V.display(list(range(10))) == "[0, 1, 2, 3, 4, 5, 6, 7, ... 2 more]"
    assert V.display(0.12, as_percent=True) == "12%"
    assert V.text("Ministry of ICT") == "Ministry of ICT"  # messages do not quote text
    assert V.text(Percent(0.25)) == "25%"


def test_display_of_a_text_shown_before_keeps_what_it_is() -> None:
    # plain texts are shown from what was shown of them before; a text of the engine's
    # words (a Deferred, said in the reader's language when shown) equal to one of
    # them is still itself, and so translated
    from cappolicy.base.deferred import N_

    assert V.display("missing") == "missing" and V.display("missing") == "missing"
    said = N_("missing")
    assert V.display(said) is said
    assert V.display("two words") == '"two words"' == V.display("two words")
    assert V.equal("XA", "XA") is True and V.equal("XA", "XB") is False
    assert V.equal(1, 1.0) is True and V.equal(True, 1) is True  # as before: by value
    assert V.compare("<", dt.date(2027, 1, 1), dt.date(2028, 1, 1)) is True


def test_union_keeps_the_first_of_equal_elements_in_order() -> None:
    assert V.union([[3, 1], (1, 2), {"a": 2, "b": 4}]) == [3, 1, 2, 4]
    assert V.union([]) == []
    assert V.union([[1], UNKNOWN]) is UNKNOWN
    # as `==` tells them apart: a percent is its fraction, a whole float its integer
    assert V.union([[Percent(0.5)], [0.5, 2.0], [2, "x"]]) == [Percent(0.5), 2.0, "x"]
    assert V.union([[{"id": "a"}], [{"id": "a"}, {"id": "b"}]]) == [{"id": "a"}, {"id": "b"}]


def test_a_long_list_of_texts_is_asked_as_a_set_with_the_same_answers() -> None:
    # `o.id in roles.design` for each of 60,000 organisations searched the list each time
    from cappolicy.lang import values as V

    ids = [f"org-{i}" for i in range(100)]
    assert V.contains(ids, "org-99") is True
    assert V.contains(ids, "org-100") is False
    assert V.contains(ids, V.UNKNOWN) is V.UNKNOWN
    mixed = [*ids, V.UNKNOWN]  # an element not known: a text not found is unknown
    assert V.contains(mixed, "org-5") is True
    assert V.contains(mixed, "nobody") is V.UNKNOWN
    short = ["a", "b"]
    assert V.contains(short, "b") is True and V.contains(short, "c") is False


def test_the_days_of_every_month_are_the_calendars() -> None:
    """`add_months` and the day bounds of a duration count a month's days themselves
    (not importing calendar at every start): the same for every month of years 1-9999."""
    import calendar

    from cappolicy.lang.values import days_in

    assert all(days_in(year, month) == calendar.monthrange(year, month)[1]
               for year in range(1, 10000) for month in range(1, 13))


# ------------------------------------------------------------------ decimals


def test_amounts_with_cents_that_add_up_alike_make_the_same_number() -> None:
    # in binary floating point the first is 1425566.1300000001, the second 1425566.13
    funded = V.total([802201.93, 623364.20])
    planned = V.total([20329.61, 1405236.52])
    assert funded == planned == 1425566.13
    assert V.compare("<=", planned, funded) is True
    assert V.arith("+", V.arith("+", 20329.61, 0), 1405236.52) == funded
    assert V.total([0.1, 0.2]) == V.arith("+", 0.1, 0.2) == 0.3
    assert V.arith("-", 0.3, 0.1) == 0.2
    assert V.arith("*", 0.1, 3) == 0.3


def test_a_share_that_is_exactly_a_quarter_is_a_quarter() -> None:
    national = V.total([839603.10, 669780.01, 179336.77])
    given = V.total([2517878.20, 332328.35, 2215953.09, national])
    share = V.arith("/", national, given)
    assert share == 0.25  # 1688719.88 / 6754879.52; in binary floats 0.24999999999999997
    assert V.compare(">=", Percent(share), Percent(0.25)) is True
    assert V.arith("/", Money(national, "EUR"), Money(given, "EUR")) == 0.25


def test_whole_numbers_stay_exact_integers() -> None:
    assert V.total([10**20, 1]) == 10**20 + 1
    assert V.arith("*", 10**20, 3) == 3 * 10**20
    assert V.arith("/", 1, 4) == 0.25
    with pytest.raises(V.EvalProblem, match="division by zero"):
        V.arith("/", 1.5, 0)
    with pytest.raises(V.EvalProblem, match="division by zero"):
        V.arith("/", 1.5, 0.0)


def test_a_decimal_sum_past_the_largest_float_is_refused() -> None:
    with pytest.raises(V.EvalProblem, match="not a finite number"):
        V.total([1.5e308, 1.5e308])
    with pytest.raises(V.EvalProblem, match="not a finite number"):
        V.arith("*", 1.5e308, 10.5)


@given(st.lists(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False,
                            allow_infinity=False), min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_a_sum_of_amounts_is_the_float_nearest_their_decimal_sum(
        amounts: list[Decimal], rng: Any) -> None:
    floats = [float(a) for a in amounts]
    expected = float(sum(amounts, Decimal(0)))
    assert V.total(floats) == expected
    rng.shuffle(floats)  # in whatever order they are listed
    assert V.total(floats) == expected


@given(st.decimals(min_value=1, max_value=10**9, places=2),
       st.integers(min_value=1, max_value=99))
def test_a_share_of_exact_percent_compares_equal_to_that_percent(
        whole: Decimal, percent: int) -> None:
    part = whole * percent / 100
    if part != part.quantize(Decimal("0.01")):  # not an amount in cents
        return
    share = V.arith("/", float(part), float(whole))
    literal = V.arith("/", percent, 100)
    assert V.compare(">=", share, literal) is True
    assert V.compare("<=", share, literal) is True


@given(st.decimals(min_value=-10**12, max_value=10**12, places=4),
       st.decimals(min_value=-10**12, max_value=10**12, places=4),
       st.sampled_from("+-*/"))
def test_arithmetic_is_the_exact_result_of_the_written_decimals_rounded_once(
        a: Decimal, b: Decimal, op: str) -> None:
    from fractions import Fraction

    x, y = float(a), float(b)  # each float's shortest spelling is the decimal written
    if op == "/" and y == 0:
        return
    exact = {"+": lambda p, q: p + q, "-": lambda p, q: p - q, "*": lambda p, q: p * q,
             "/": lambda p, q: p / q}[op](Fraction(repr(x)), Fraction(repr(y)))
    assert V.arith(op, x, y) == float(exact)


def test_a_result_past_the_largest_float_is_refused_not_raised() -> None:
    with pytest.raises(V.EvalProblem, match="not a finite number"):
        V.arith("/", 1e308, 1e-10)
    assert str(Percent(1e308)) == "inf%"  # shown, as binary floating point has it


def test_two_sides_shown_alike_but_different_are_shown_with_every_digit() -> None:
    share = 123457 / 1000001
    assert V.display(Percent(share)) == V.display(Percent(0.123457)) == "12.3457%"
    assert V.display_exact(Percent(share)) == "12.345687654312346%"
    assert V.display_exact(share, as_percent=True) == "12.345687654312346%"
    assert V.display_exact(Percent(0.123457)) == "12.3457%"
    assert V.display_exact(Money(1 / 3, "EUR")) == "0.3333333333333333 EUR"
    assert V.display_exact(2029) == "2029"


def test_neighbouring_shares_are_told_apart_with_every_digit() -> None:
    # the two floats next to each other: both 74.1787% once scaled to a percent in binary
    assert V.display_exact(Percent(0.7417870000000001)) == "74.17870000000001%"
    assert V.display_exact(Percent(0.741787)) == "74.1787%"
    assert V.display_exact(Percent(0.33299999999999996)) == "33.299999999999996%"
    assert V.display_exact(Percent(1e-9)) == "0.0000001%"


def test_amounts_of_one_currency_are_added_once_as_decimals() -> None:
    amounts = [60886391778998.26, 27892441107358.25, 48950286971168.56, 58937695667577.38]
    assert V.total([Money(a, "IDR") for a in amounts]) == Money(V.total(amounts), "IDR")
    assert V.total(amounts) == 196666815525102.44
    with pytest.raises(V.EvalProblem, match="not a finite number"):
        V.total([Money(1e308, "EUR"), Money(1e308, "EUR")])
