"""The one rounding helper: ROUND_HALF_UP on exact values (DOMAIN.md conventions)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

Exact = Fraction | Decimal | int


def _as_fraction(value: Exact) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Fraction | Decimal | int):
        raise TypeError(f"expected an exact number (int, Fraction or Decimal), got {type(value).__name__}")
    return value if isinstance(value, Fraction) else Fraction(value)


def round_half_up(value: Exact, places: int = 0) -> Decimal:
    """Round an exact value half away from zero to `places` decimals (ROUND, ROUND1, ROUND4)."""
    exact = _as_fraction(value)
    scaled = exact * 10**places
    magnitude = abs(scaled)
    whole, remainder = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * remainder >= magnitude.denominator:
        whole += 1
    signed = -whole if scaled < 0 else whole
    return Decimal(signed).scaleb(-places).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def to_fen(value: Exact) -> int:
    """ROUND(x): an exact amount in fen rounded half up (away from zero) to a whole fen, as stored."""
    exact = _as_fraction(value)
    # Integer arithmetic only: this runs for every amount of every event, so no Decimal round trip.
    whole, twice_rest = divmod(2 * abs(exact.numerator), 2 * exact.denominator)
    rounded = whole + (1 if twice_rest >= exact.denominator else 0)
    return -rounded if exact < 0 else rounded


def fen_times(amount_fen: int, rate: Fraction) -> int:
    """ROUND(amount × rate) for an int amount and an exact rate: `to_fen(amount_fen * rate)` without building the
    product's Fraction (rounding n/d half up gives the same whole number whether or not n/d is reduced)."""
    if type(amount_fen) is not int or type(rate) is not Fraction:
        return to_fen(amount_fen * rate)
    numerator, denominator = amount_fen * rate.numerator, rate.denominator
    whole, twice_rest = divmod(2 * abs(numerator), 2 * denominator)
    rounded = whole + (1 if twice_rest >= denominator else 0)
    return -rounded if numerator < 0 else rounded


def as_rational(text: str | Decimal | int | Fraction) -> Fraction:
    """Parse a decimal string such as "0.16" (never a float) into an exact rational."""
    if isinstance(text, float):
        raise TypeError("floats are not accepted for rates or money")
    if isinstance(text, str):
        return Fraction(Decimal(text))
    return Fraction(text)
