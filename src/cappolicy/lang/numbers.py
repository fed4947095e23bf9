"""The arithmetic of numbers as they are written.

A number with a fraction is held as the nearest float, whose shortest spelling (`repr`)
is the decimal that was written (up to 15 significant digits): 1425566.13. The sum,
difference, product or quotient of two such numbers is computed on those decimals, as
whole numbers over powers of ten, exactly, and rounded to a float once (Python divides
whole numbers correctly rounded). So amounts that add up to the same cents make the same
float, and a share that is exactly 25% is the float 0.25: in binary floating point,
839603.10 + 669780.01 + 179336.77 over the whole was a hair under 25%.

No import of `decimal` (about 1 ms of a start) and no rounding on the way: the result is
the float nearest the exact value. A result too large for a float raises OverflowError,
which the caller turns into its message (values.arith, values.total).
"""

from __future__ import annotations

from collections.abc import Iterable


def as_written(x: int | float) -> tuple[int, int]:
    """(m, k) such that `x` as written is m / 10**k, k >= 0: 1425566.13 is (142556613, 2),
    1e+20 is (10**20, 0). A float that is not finite has none: OverflowError, as a
    result too large for a float."""
    if x.__class__ is not float:
        return int(x), 0
    mantissa, _, exponent = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    try:
        m = int(whole + fraction)  # "-0.5": int("-05") is -5
    except ValueError:  # "inf", "nan"
        raise OverflowError(f"{x} is not a finite number") from None
    k = len(fraction) - (int(exponent) if exponent else 0)
    return (m, k) if k >= 0 else (m * 10 ** -k, 0)


def exact(op: str, x: int | float, y: int | float) -> float:
    """`x op y` (`+ - * /`) on the decimals `x` and `y` are written as, rounded once.
    `y` is not 0 for `/` (the caller says "division by zero")."""
    (m1, k1), (m2, k2) = as_written(x), as_written(y)
    if op == "*":
        return float(m1 * m2 / 10 ** (k1 + k2))
    if op == "/":
        return float(m1 * 10 ** k2 / (m2 * 10 ** k1))
    k = max(k1, k2)
    a, b = m1 * 10 ** (k - k1), m2 * 10 ** (k - k2)
    return float((a + b if op == "+" else a - b) / 10 ** k)


def exact_sum(items: Iterable[int | float]) -> float:
    """The sum of numbers on the decimals they are written as, rounded once."""
    pairs = [as_written(x) for x in items]
    k = max((k for _, k in pairs), default=0)
    return float(sum(m * 10 ** (k - kx) for m, kx in pairs) / 10 ** k)


def times_hundred(fraction: float) -> float:
    """A share as a percentage, scaled as a decimal: 7 for 0.07, never 7.000000000000001
    (a share past the largest float: `inf`, as binary floating point has it)."""
    try:
        return exact("*", fraction, 100)
    except OverflowError:
        return fraction * 100


def hundredfold_text(fraction: float) -> str:
    """`fraction` * 100 spelt exactly, from the decimal `fraction` is written as: every
    digit, no rounding (0.33299999999999996 is 33.299999999999996); for two shares that
    read alike once rounded."""
    try:
        m, k = as_written(fraction)
    except OverflowError:
        return repr(fraction * 100)
    sign, digits = ("-" if m < 0 else ""), str(abs(m))
    point = k - 2  # digits after the decimal point of m / 10**(k - 2)
    if point <= 0:
        return sign + digits + "0" * -point
    digits = digits.rjust(point + 1, "0")
    whole, fraction_digits = digits[:-point], digits[-point:].rstrip("0")
    return sign + whole + ("." + fraction_digits if fraction_digits else "")
