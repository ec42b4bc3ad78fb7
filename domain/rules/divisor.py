"""The divisor (计发月数) for an age in months, interpolated or by whole years (DOMAIN.md §8.3)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from standards.rounding import round_half_up

DivisorMethod = Literal["linear_1dp", "whole_years"]
DIVISOR_METHODS: tuple[DivisorMethod, ...] = ("linear_1dp", "whole_years")
YOUNGEST_AGE = 40
OLDEST_AGE = 70


def divisor(age_months: int, table: Mapping[int, int], method: DivisorMethod = "linear_1dp") -> Decimal:
    """D(a, m) = ROUND1(D(a) − (D(a) − D(a+1)) × m/12), or D(a) for `whole_years`; < 40 → D(40), ≥ 70 → D(70)
    (§8.3). `table` maps every whole age 40..70 to its divisor in months."""
    if isinstance(age_months, bool) or not isinstance(age_months, int):
        raise TypeError(f"age_months must be an int, got {type(age_months).__name__}")
    if age_months < 0:
        raise ValueError(f"age_months must not be negative, got {age_months}")
    if method not in DIVISOR_METHODS:
        raise ValueError(f"unknown divisor method {method!r}; expected one of {', '.join(DIVISOR_METHODS)}")
    missing = [age for age in range(YOUNGEST_AGE, OLDEST_AGE + 1) if age not in table]
    if missing:
        raise ValueError(f"the divisor table lacks ages {missing}")
    for age in range(YOUNGEST_AGE, OLDEST_AGE + 1):
        value = table[age]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"the divisor of age {age} must be a positive int, got {value!r}")

    years, months = divmod(age_months, 12)
    if years < YOUNGEST_AGE:
        return Decimal(table[YOUNGEST_AGE])
    if years >= OLDEST_AGE:
        return Decimal(table[OLDEST_AGE])
    if method == "whole_years" or months == 0:
        return Decimal(table[years])
    this_year, next_year = table[years], table[years + 1]
    return round_half_up(this_year - Fraction((this_year - next_year) * months, 12), 1)
