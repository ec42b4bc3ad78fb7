"""The divisor 计发月数 by age in months (DOMAIN.md §8.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.divisor import divisor

# The §8.3 table [Reg: 2005-38 annex]: policy data lives elsewhere; the function takes the table.
DIVISOR_MONTHS = (
    (233, 230, 226, 223, 220, 216, 212, 208, 204, 199, 195, 190, 185, 180, 175, 170),  # ages 40-55
    (164, 158, 152, 145, 139, 132, 125, 117, 109, 101, 93, 84, 75, 65, 56),  # ages 56-70
)
DIVISOR_TABLE = dict(zip(range(40, 71), (*DIVISOR_MONTHS[0], *DIVISOR_MONTHS[1]), strict=True))


def age(years: int, months: int = 0) -> int:
    return 12 * years + months


@pytest.mark.parametrize(
    ("years", "months", "expected"),
    [(60, 1, "138.4"), (60, 3, "137.3"), (50, 3, "193.8"), (55, 1, "169.5"), (55, 2, "169.0")],
)
def test_linear_interpolation_to_one_decimal(years: int, months: int, expected: str):
    result = divisor(age(years, months), DIVISOR_TABLE)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_whole_years_uses_the_completed_years():
    assert divisor(age(60, 1), DIVISOR_TABLE, method="whole_years") == Decimal(139)
    assert divisor(age(60, 11), DIVISOR_TABLE, method="whole_years") == Decimal(139)


def test_whole_ages_read_the_table():
    assert divisor(age(60), DIVISOR_TABLE) == Decimal(139)
    assert divisor(age(69, 6), DIVISOR_TABLE) == Decimal("60.5")  # between 65 and 56


def test_below_40_and_from_70():
    assert divisor(age(39, 11), DIVISOR_TABLE) == Decimal(233)
    assert divisor(0, DIVISOR_TABLE) == Decimal(233)
    assert divisor(age(70), DIVISOR_TABLE) == Decimal(56)
    assert divisor(age(85, 4), DIVISOR_TABLE, method="whole_years") == Decimal(56)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown divisor method 'yearly'"):
        divisor(age(60), DIVISOR_TABLE, method="yearly")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must not be negative"):
        divisor(-1, DIVISOR_TABLE)
    with pytest.raises(TypeError):
        divisor(720.0, DIVISOR_TABLE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"lacks ages \[70\]"):
        divisor(age(60), {a: d for a, d in DIVISOR_TABLE.items() if a != 70})
    with pytest.raises(ValueError, match="age 45"):
        divisor(age(60), {**DIVISOR_TABLE, 45: 0})


@given(st.integers(0, 100 * 12), st.integers(0, 100 * 12))
def test_the_divisor_never_increases_with_age(a: int, b: int):
    younger, older = sorted((a, b))
    for method in ("linear_1dp", "whole_years"):
        assert divisor(older, DIVISOR_TABLE, method) <= divisor(younger, DIVISOR_TABLE, method)
