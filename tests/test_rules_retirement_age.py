"""Legal retirement age, minimum contribution months and the retirement window (DOMAIN.md §7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.retirement_age import (
    LegalRetirement,
    RetirementGroupRule,
    RuleViolation,
    age_in_months,
    check_retirement_window,
    legal_retirement,
    minimum_contribution_months,
)
from standards.calendar import Month

MEN = RetirementGroupRule(720, Month(1965, 1), 4, 36)
WOMEN_CADRE = RetirementGroupRule(660, Month(1970, 1), 4, 36)
WOMEN_WORKER = RetirementGroupRule(600, Month(1975, 1), 2, 60)
GROUPS = {"men": MEN, "women cadre": WOMEN_CADRE, "women worker": WOMEN_WORKER}


@pytest.mark.parametrize(
    ("birth", "group", "delay", "years", "months", "legal_month"),
    [
        # left half of the §7.1 table
        ("1964-12", "men", 0, 60, 0, "2024-12"),
        ("1965-01", "men", 1, 60, 1, "2025-02"),
        ("1965-03", "men", 1, 60, 1, "2025-04"),
        ("1965-05", "men", 2, 60, 2, "2025-07"),
        ("1970-06", "men", 17, 61, 5, "2031-11"),
        ("1976-08", "men", 35, 62, 11, "2039-07"),
        ("1976-09", "men", 36, 63, 0, "2039-09"),
        # right half
        ("1970-01", "women cadre", 1, 55, 1, "2025-02"),
        ("1981-09", "women cadre", 36, 58, 0, "2039-09"),
        ("1975-01", "women worker", 1, 50, 1, "2025-02"),
        ("1975-03", "women worker", 2, 50, 2, "2025-05"),
        ("1980-01", "women worker", 31, 52, 7, "2032-08"),
        ("1984-11", "women worker", 60, 55, 0, "2039-11"),
        ("1990-01", "women worker", 60, 55, 0, "2045-01"),
    ],
)
def test_every_row_of_the_legal_age_table(
    birth: str, group: str, delay: int, years: int, months: int, legal_month: str
):
    legal = legal_retirement(Month.parse(birth), GROUPS[group])
    assert legal == LegalRetirement(
        delay_months=delay, age_months=12 * years + months, retirement_month=Month.parse(legal_month)
    )


def test_age_counts_whole_months():
    # Born 1965-03 (the day is ignored): 721 months in 2025-04
    assert age_in_months(Month(1965, 3), Month(2025, 4)) == 721
    assert age_in_months(Month(1965, 3), Month(1965, 3)) == 0
    with pytest.raises(ValueError, match="precedes the birth month"):
        age_in_months(Month(1965, 3), Month(1965, 2))


def test_minimum_contribution_months_rise_from_2030_to_240():
    assert [minimum_contribution_months(y) for y in (2025, 2029, 2030, 2031, 2038, 2039, 2045)] == [
        180,
        180,
        186,
        192,
        234,
        240,
        240,
    ]
    assert minimum_contribution_months(2031, base=120, start_year=2030, step=12, maximum=150) == 132


def test_the_man_of_8_5_retires_at_his_legal_month():
    # Born 1965-03, LM 2025-04, 420 months ≥ 180
    assert check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), 420, recorded_month=Month(2025, 4)) == []


def test_early_retirement_down_to_the_original_age():
    # Born 1970-06: L = 737 months, LM 2031-11; 17 months early brings him to exactly 60
    assert check_retirement_window(Month(1970, 6), MEN, Month(2030, 6), 200, early_months=17) == []
    # 18 months early would be below 60
    (violation,) = check_retirement_window(Month(1970, 6), MEN, Month(2030, 5), 200, early_months=18)
    assert violation.rule == "R007" and "below the original legal age of 720" in violation.message


def test_early_retirement_is_limited_to_36_months():
    # A woman worker born 1990-01: L = 660, LM 2045-01; 37 months early
    (violation, *_) = check_retirement_window(Month(1990, 1), WOMEN_WORKER, Month(2041, 12), 300, early_months=37)
    assert violation.rule == "R007" and "exceeds 36" in violation.message
    assert check_retirement_window(Month(1990, 1), WOMEN_WORKER, Month(2042, 1), 300, early_months=36) == []


def test_early_retirement_needs_the_minimum_months_of_the_year_of_m():
    # Born 1970-06, early 12 months: M = 2030-11, MinMonths(2030) = 186
    violations = check_retirement_window(Month(1970, 6), MEN, Month(2030, 11), 185, early_months=12)
    assert violations == [
        RuleViolation(
            "R008",
            "insufficient contribution years: 185 months, 186 required; "
            "continue contributing or transfer to the residents' scheme (out of scope)",
        )
    ]


def test_late_retirement_up_to_36_months():
    assert check_retirement_window(Month(1965, 3), MEN, Month(2028, 4), 460, late_months=36) == []
    (violation,) = check_retirement_window(Month(1965, 3), MEN, Month(2028, 5), 461, late_months=37)
    assert violation.rule == "R007" and "exceeds 36" in violation.message


def test_late_beyond_36_months_for_a_person_lacking_the_minimum_at_the_legal_month():
    # 150 months at LM 2025-04 (MinMonths 180): he keeps contributing 40 more months
    assert (
        check_retirement_window(
            Month(1965, 3), MEN, Month(2028, 8), 190, late_months=40, contribution_months_at_legal=150
        )
        == []
    )
    # Who had the minimum at LM may not
    (violation,) = check_retirement_window(
        Month(1965, 3), MEN, Month(2028, 8), 420, late_months=40, contribution_months_at_legal=380
    )
    assert violation.rule == "R007"


def test_any_other_month_is_r007():
    # Below the legal age without early_months
    (violation,) = check_retirement_window(Month(1965, 3), MEN, Month(2025, 3), 420)
    assert violation.rule == "R007" and "legal retirement month 2025-04" in violation.message
    # M must equal LM − e + l
    (violation,) = check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), 420, early_months=3)
    assert violation.rule == "R007" and "(2025-01)" in violation.message
    # At most one of e, l
    (violation,) = check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), 420, early_months=2, late_months=2)
    assert violation == RuleViolation("R007", "at most one of early_months and late_months may be non-zero")


def test_insufficient_months_at_the_legal_month_is_r008_with_the_standard_message():
    violations = check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), 170)
    assert violations == [
        RuleViolation(
            "R008",
            "insufficient contribution years: 170 months, 180 required; "
            "continue contributing or transfer to the residents' scheme (out of scope)",
        )
    ]


def test_violations_come_in_the_order_of_15_1():
    violations = check_retirement_window(Month(1965, 3), MEN, Month(2025, 6), 170, recorded_month=Month(2025, 5))
    assert [v.rule for v in violations] == ["R015", "R007", "R008"]


def test_a_policy_minimum_can_be_passed_in():
    violations = check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), 200, min_months=lambda year: 240)
    assert [v.rule for v in violations] == ["R008"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="early_months"):
        check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), 420, early_months=-1)
    with pytest.raises(ValueError, match="contribution_months"):
        check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), -1)
    with pytest.raises(ValueError, match="contribution_months_at_legal"):
        check_retirement_window(Month(1965, 3), MEN, Month(2025, 4), 1, contribution_months_at_legal=-1)
    with pytest.raises(ValueError, match="step_birth_months"):
        RetirementGroupRule(720, Month(1965, 1), 0, 36)
    with pytest.raises(ValueError, match="max_delay_months"):
        RetirementGroupRule(720, Month(1965, 1), 4, -1)
    with pytest.raises(TypeError):
        RetirementGroupRule(720, "1965-01", 4, 36)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        legal_retirement("1965-03", MEN)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="year"):
        minimum_contribution_months(0)
    with pytest.raises(ValueError, match="below base"):
        minimum_contribution_months(2030, maximum=100)
    with pytest.raises(ValueError, match="step"):
        minimum_contribution_months(2030, step=-6)


birth_months = st.integers(Month(1940, 1).index, Month(2010, 12).index).map(Month.from_index)


@pytest.mark.parametrize("group", sorted(GROUPS))
@given(first=birth_months, second=birth_months)
def test_legal_age_never_decreases_with_a_later_birth_month(group: str, first: Month, second: Month):
    rule = GROUPS[group]
    earlier, later = sorted((first, second))
    a, b = legal_retirement(earlier, rule), legal_retirement(later, rule)
    assert a.age_months <= b.age_months
    assert a.retirement_month <= b.retirement_month
    assert 0 <= b.delay_months <= rule.max_delay_months
    assert b.age_months == rule.original_age_months + b.delay_months
