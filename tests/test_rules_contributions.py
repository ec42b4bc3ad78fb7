"""Contribution bases and amounts (DOMAIN.md §3.2-§3.4), with the 江苏 2025 example."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.contributions import (
    BaseBounds,
    ClampedBase,
    ContributionSplit,
    base_bounds,
    clamp_base,
    split_employee,
    split_flexible,
)

AW_32_2024 = 11_851_200  # Illustrative AW(32, 2024) = 118,512.00 yuan
EMPLOYER = Fraction(16, 100)
EMPLOYEE = Fraction(8, 100)


def test_jiangsu_2025_reference_wage_floor_and_cap():
    # RW = ROUND(AW/12), floor ROUND(AW × 0.60/12), cap ROUND(AW × 3.00/12)
    bounds = base_bounds(AW_32_2024)
    assert bounds == BaseBounds(reference_fen=987_600, floor_fen=592_560, cap_fen=2_962_800)
    reference, floor, cap = bounds  # unpacks as a tuple
    assert (reference, floor, cap) == (987_600, 592_560, 2_962_800)


def test_explicit_ratios_override_the_defaults():
    assert base_bounds(1_200_000, Fraction(1, 2), Fraction(2)) == BaseBounds(100_000, 50_000, 200_000)


def test_a_low_base_is_clamped_up_and_split_16_8():
    # 4,800.00 declared → 5,925.60 used, R006 up; 948.096 → 948.10, 474.048 → 474.05
    clamped = clamp_base(480_000, 592_560, 2_962_800)
    assert clamped == ClampedBase(base_fen=592_560, declared_fen=480_000, clamped="up")
    assert split_employee(clamped.base_fen, EMPLOYER, EMPLOYEE) == ContributionSplit(94_810, 47_405, 142_215)


def test_a_base_within_bounds_is_kept():
    clamped = clamp_base(654_321, 592_560, 2_962_800)
    assert clamped == ClampedBase(654_321, 654_321, None)
    split = split_employee(654_321, EMPLOYER, EMPLOYEE)
    assert (split.pooled_fen, split.account_fen) == (104_691, 52_346)  # 1,046.9136 and 523.4568


def test_a_high_base_is_clamped_down():
    clamped = clamp_base(3_100_000, 592_560, 2_962_800)
    assert clamped == ClampedBase(2_962_800, 3_100_000, "down")
    split = split_employee(clamped.base_fen, EMPLOYER, EMPLOYEE)
    assert (split.pooled_fen, split.account_fen) == (474_048, 237_024)


def test_the_bounds_themselves_are_not_clamps():
    assert clamp_base(592_560, 592_560, 2_962_800).clamped is None
    assert clamp_base(2_962_800, 592_560, 2_962_800).clamped is None


def test_flexible_worker_pays_the_sum_of_two_rounded_parts():
    # 785.1852 → 785.19 pooled, 523.4568 → 523.46 account, due 1,308.65 (ROUND(20%) would give 1,308.64)
    split = split_flexible(654_321)
    assert split == ContributionSplit(pooled_fen=78_519, account_fen=52_346, total_fen=130_865)
    assert split.total_fen != 130_864


@pytest.mark.parametrize(
    ("declared", "floor", "cap"),
    [(-1, 0, 10), (5, -1, 10), (5, 0, -10), (5, 20, 10)],
)
def test_clamp_refuses_negative_amounts_and_inverted_bounds(declared: int, floor: int, cap: int):
    with pytest.raises(ValueError):
        clamp_base(declared, floor, cap)


def test_bad_bounds_input_is_refused():
    with pytest.raises(ValueError, match="positive"):
        base_bounds(0)
    with pytest.raises(ValueError, match="negative"):
        base_bounds(-12)
    with pytest.raises(ValueError, match="above cap_ratio"):
        base_bounds(1_200_000, Fraction(3), Fraction(1))
    with pytest.raises(TypeError):
        base_bounds(1_200_000, 0.6)  # type: ignore[arg-type]


def test_bad_split_input_is_refused():
    with pytest.raises(ValueError, match="base_fen"):
        split_employee(-1, EMPLOYER, EMPLOYEE)
    with pytest.raises(ValueError, match="employer_rate"):
        split_employee(100, Fraction(-16, 100), EMPLOYEE)
    with pytest.raises(TypeError):
        split_employee(100, 0.16, EMPLOYEE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="base_fen"):
        split_flexible(-5)
    with pytest.raises(TypeError):
        split_flexible(100.0)  # type: ignore[arg-type]


bounds = st.tuples(st.integers(0, 10**8), st.integers(0, 10**8)).map(sorted)


@given(st.integers(0, 10**9), bounds)
def test_clamping_stays_within_bounds_and_is_idempotent(declared: int, floor_cap: list[int]):
    floor, cap = floor_cap
    once = clamp_base(declared, floor, cap)
    assert floor <= once.base_fen <= cap
    assert once.declared_fen == declared
    assert (once.clamped is None) == (once.base_fen == declared)
    again = clamp_base(once.base_fen, floor, cap)
    assert again.base_fen == once.base_fen
    assert again.clamped is None


@given(st.integers(0, 10**9))
def test_split_total_is_the_sum_of_its_postings(base: int):
    for split in (split_flexible(base), split_employee(base, EMPLOYER, EMPLOYEE)):
        assert split.total_fen == split.pooled_fen + split.account_fen
        assert split.pooled_fen >= 0 and split.account_fen >= 0
