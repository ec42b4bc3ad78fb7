"""Annual benefit adjustment by one flat rate (DOMAIN.md §9.2)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.adjustment import Adjustment, adjustment_increment, apply_adjustments

PUBLISHED = [
    (2022, Fraction(4, 100)),
    (2023, Fraction(38, 1000)),
    (2024, Fraction(3, 100)),
    (2025, Fraction(2, 100)),
]


def test_a_pension_of_3000_retired_in_2021_through_four_adjustments():
    # 3,000.00 → 3,120.00 → 3,238.56 → 3,335.72 (97.1568) → 3,402.43 (66.7144)
    assert apply_adjustments(300_000, PUBLISHED) == [
        Adjustment(2022, Fraction(4, 100), 12_000, 312_000),
        Adjustment(2023, Fraction(38, 1000), 11_856, 323_856),
        Adjustment(2024, Fraction(3, 100), 9_716, 333_572),
        Adjustment(2025, Fraction(2, 100), 6_671, 340_243),
    ]


def test_the_2025_run_recorded_in_july_pays_six_months_of_arrears():
    increment = adjustment_increment(333_572, Fraction(2, 100))
    assert increment == 6_671  # 66.71
    arrears = 6 * increment  # January–June already paid at 3,335.72
    assert arrears == 40_026  # 400.26
    assert 340_243 + arrears == 380_269  # the July payout


def test_no_adjustments_leave_the_total():
    assert apply_adjustments(300_000, []) == []


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="total_in_force_fen"):
        adjustment_increment(-1, Fraction(2, 100))
    with pytest.raises(ValueError, match="rate"):
        adjustment_increment(300_000, Fraction(-2, 100))
    with pytest.raises(TypeError):
        adjustment_increment(300_000, 0.02)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="years must increase"):
        apply_adjustments(300_000, [(2023, Fraction(1, 100)), (2022, Fraction(1, 100))])
    with pytest.raises(ValueError, match="total_fen"):
        apply_adjustments(-5, PUBLISHED)


@given(st.integers(0, 10**8), st.lists(st.fractions(min_value=0, max_value=Fraction(1, 10)), max_size=10))
def test_adjustments_never_lower_the_pension(total: int, rates: list[Fraction]):
    steps = apply_adjustments(total, list(enumerate(rates, start=2022)))
    previous = total
    for step in steps:
        assert step.increment_fen >= 0
        assert step.total_fen == previous + step.increment_fen
        previous = step.total_fen
