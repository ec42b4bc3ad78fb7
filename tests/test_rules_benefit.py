"""Benefit determination (DOMAIN.md §8.1-§8.5): the man born 1965-03, end to end."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.benefit import average_contribution_index, determine_benefit, monthly_index

W_32_2025 = 987_600  # RW(32, 2025) = 118,512.00 / 12 = 9,876.00 (Illustrative)
C_P = Fraction(12, 1000)  # transitional coefficient 1.2% (Illustrative)
BALANCE = 18_765_432  # balance at retirement incl. settlement interest (given)


def indices_of_8_5() -> list[Fraction]:
    """180 months paid in 44 summing to 168.4512 and 180 in 32 summing to 209.3377 (given as exact)."""
    return [Fraction("168.4512") / 180] * 180 + [Fraction("209.3377") / 180] * 180


def test_a_month_is_indexed_exactly_on_the_wages_of_p():
    # 11,000.00 / 9,500.00 = 1.157894736… kept exact
    assert monthly_index(1_100_000, 950_000) == Fraction(22, 19)


def test_the_average_index_of_8_5():
    # (168.4512 + 209.3377 + 60 × 1) / 420 = 1.04235452… → 1.0424
    z = average_contribution_index(indices_of_8_5(), deemed_months=60, deemed_index=Fraction(1))
    assert z == Decimal("1.0424")
    assert str(z) == "1.0424"


def test_the_determination_of_8_5():
    # Step 1: 360 actual + 60 deemed months, divisor 138.4 for 60y1m
    benefit = determine_benefit(
        calc_base_fen=W_32_2025,
        average_index=Decimal("1.0424"),
        actual_months=360,
        deemed_months=60,
        account_balance_fen=BALANCE,
        divisor=Decimal("138.4"),
        transitional_coefficient=C_P,
    )
    # Step 2: every stored value
    assert (benefit.total_months, benefit.contribution_years) == (420, Fraction(35))
    assert benefit.indexed_wage_fen == 1_029_474  # 1,029,474.24
    assert benefit.basic_fen == 352_988  # 1,008,537 × 0.35 = 352,987.95
    assert benefit.account_fen == 135_588  # 18,765,432 / 138.4 = 135,588.38
    assert benefit.transitional_fen == 61_768  # 1,029,474 × 60/12 × 1.2% = 61,768.44
    assert benefit.total_fen == 550_344  # 5,503.44 yuan
    assert (benefit.calc_base_fen, benefit.average_index, benefit.divisor) == (
        W_32_2025,
        Decimal("1.0424"),
        Decimal("138.4"),
    )
    assert (benefit.account_balance_fen, benefit.transitional_coefficient) == (BALANCE, C_P)


def test_the_determination_of_8_5_with_whole_years():
    benefit = determine_benefit(W_32_2025, Decimal("1.0424"), 360, 60, BALANCE, Decimal(139), C_P)
    assert (benefit.account_fen, benefit.total_fen) == (135_003, 549_759)


def test_no_deemed_months_no_transitional_pension():
    benefit = determine_benefit(W_32_2025, Decimal("1.0424"), 420, 0, BALANCE, Decimal("138.4"), C_P)
    assert benefit.transitional_fen == 0
    assert benefit.total_fen == benefit.basic_fen + benefit.account_fen


def test_provincial_variants_of_the_transitional_pension():
    # Override the months: 1,029,474 × 36/12 × 1.2% = 37,061.064 → 37,061
    months = determine_benefit(
        W_32_2025, Decimal("1.0424"), 360, 60, BALANCE, Decimal("138.4"), C_P, transitional_months=36
    )
    assert months.transitional_fen == 37_061
    # Override the index: ROUND(987,600 × 1.1) = 1,086,360; × 60/12 × 1.2% = 65,181.6 → 65,182
    index = determine_benefit(
        W_32_2025, Decimal("1.0424"), 360, 60, BALANCE, Decimal("138.4"), C_P, transitional_index=Decimal("1.1")
    )
    assert index.transitional_fen == 65_182
    assert index.indexed_wage_fen == 1_029_474  # the basic pension keeps Z


def test_bad_input_is_refused():
    args = (W_32_2025, Decimal("1.0424"), 360, 60, BALANCE, Decimal("138.4"), C_P)
    with pytest.raises(ValueError, match="rounded to 4 places"):
        determine_benefit(W_32_2025, Decimal("1.04235"), *args[2:])
    with pytest.raises(ValueError, match="account_balance_fen"):
        determine_benefit(*args[:4], -1, *args[5:])
    with pytest.raises(ValueError, match="divisor"):
        determine_benefit(*args[:5], Decimal(0), C_P)
    with pytest.raises(TypeError):
        determine_benefit(*args[:5], 138.4, C_P)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        determine_benefit(*args[:6], 0.012)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="calc_base_fen"):
        determine_benefit(0, *args[1:])
    with pytest.raises(ValueError, match="no actual or deemed months"):
        determine_benefit(W_32_2025, Decimal("1.0424"), 0, 0, BALANCE, Decimal("138.4"), C_P)
    with pytest.raises(ValueError, match="transitional_months"):
        determine_benefit(*args, transitional_months=-1)
    with pytest.raises(ValueError, match="average_index"):
        determine_benefit(W_32_2025, Decimal("-1"), *args[2:])
    with pytest.raises(ValueError, match="undefined"):
        average_contribution_index([], deemed_months=0)
    with pytest.raises(ValueError, match="deemed_months"):
        average_contribution_index([Fraction(1)], deemed_months=-1)
    with pytest.raises(ValueError, match="monthly index"):
        average_contribution_index([Fraction(-1)])
    with pytest.raises(ValueError, match="reference_wage_fen"):
        monthly_index(100, 0)
    with pytest.raises(ValueError, match="base_fen"):
        monthly_index(-100, 950_000)


@given(
    w=st.integers(1, 10**7),
    index=st.fractions(min_value=0, max_value=5),
    actual=st.integers(0, 600),
    deemed=st.integers(0, 300),
    balance=st.integers(0, 10**9),
    divisor_tenths=st.integers(560, 2330),
    c_p=st.fractions(min_value=0, max_value=Fraction(2, 100)),
)
def test_components_are_non_negative_ints_and_add_up(
    w: int, index: Fraction, actual: int, deemed: int, balance: int, divisor_tenths: int, c_p: Fraction
):
    if actual + deemed == 0:
        actual = 1
    z = average_contribution_index([index] * actual, deemed_months=deemed)
    benefit = determine_benefit(w, z, actual, deemed, balance, Decimal(divisor_tenths) / 10, c_p)
    parts = (benefit.indexed_wage_fen, benefit.basic_fen, benefit.account_fen, benefit.transitional_fen)
    assert all(isinstance(part, int) and part >= 0 for part in parts)
    assert benefit.total_fen == benefit.basic_fen + benefit.account_fen + benefit.transitional_fen
