"""The one rounding helper and contribution months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from standards.calendar import Month, format_years_months, months_between
from standards.rounding import as_rational, round_half_up, to_fen


def test_round_half_up_examples_of_the_standard():
    assert to_fen(Fraction(948096, 10)) == 94810  # 948.096 yuan -> 948.10
    assert round_half_up(Fraction(437_7889, 420_0000), 4) == Decimal("1.0424")
    assert round_half_up(Fraction(1385, 10), 0) == Decimal("139")  # half goes up
    assert round_half_up(Fraction(-5, 10), 0) == Decimal("-1")  # half away from zero
    assert str(round_half_up(Fraction(13837, 100), 1)) == "138.4"


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_fen(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        as_rational(0.16)  # type: ignore[arg-type]


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_to_fen_is_within_half_a_fen(numerator: int, denominator: int):
    exact = Fraction(numerator, denominator)
    assert abs(to_fen(exact) - exact) <= Fraction(1, 2)


def test_months_count_and_format():
    assert Month.parse("2025-04") - Month.parse("1965-03") == 721
    assert Month(2024, 12).shift(1) == Month(2025, 1)
    assert Month(2024, 2).last_day() == date(2024, 2, 29)
    assert [str(m) for m in months_between(Month(2023, 3), Month(2023, 5))] == ["2023-03", "2023-04", "2023-05"]
    assert format_years_months(425) == "35 years 5 months"
    assert Month.of(date(2025, 9, 10)) == Month(2025, 9)


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "25-01", "2025/01", "", "2025-1"])
def test_bad_months_are_refused(text: str):
    with pytest.raises(ValueError):
        Month.parse(text)
