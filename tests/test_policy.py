"""Policy parameters as data: the values DOMAIN.md's examples compute with, and clear errors when missing."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from standards.calendar import Month
from standards.codes import POOLING_UNITS
from standards.policy import DATA_DIR, MissingPolicyData, build_policy, load_policy
from standards.policy.illustrative import illustrative_csv


@pytest.fixture(scope="module")
def policy():
    return build_policy("illustrative")


def test_jiangsu_2025_bounds_match_the_worked_example(policy):
    # DOMAIN §3.4: AW(32, 2024) = 118,512.00 yuan -> RW 9,876.00, floor 5,925.60, cap 29,628.00
    bounds = policy.base_bounds("32", 2025)
    assert (bounds.reference_fen, bounds.floor_fen, bounds.cap_fen) == (987_600, 592_560, 2_962_800)


def test_reference_wage_uses_the_previous_years_average(policy):
    # DOMAIN §8.2: RW(32, 2024) = 114,000.00 / 12 = 9,500.00
    assert policy.reference_wage_fen("32", 2024) == 950_000
    assert policy.calc_base_fen("32", 2025) == 987_600  # W defaults to RW of year(M)


def test_ms_lin_2023_floor(policy):
    # DOMAIN §12.2: the 2023 floor in 32 is 60 % × 111,000.00 / 12 = 5,550.00
    assert policy.base_bounds("32", 2023).floor_fen == 555_000


def test_every_unit_has_illustrative_wages_from_1990_to_2026(policy):
    for unit in POOLING_UNITS:
        for year in range(1990, 2027):
            assert policy.average_wage(unit, year).fen > 0
            assert policy.average_wage(unit, year).illustrative


def test_units_without_a_row_copy_guangdong(policy):
    assert policy.average_wage("13", 2022).fen == policy.average_wage("44", 2022).fen == 10_500_000


def test_years_outside_the_table_grow_six_percent_from_the_nearest_given_year(policy):
    # 2025 = 118,512 × 1.06 = 125,622.72 -> 125,623 yuan (rounded once, to the yuan)
    assert policy.average_wage("32", 2025).fen == 12_562_300
    # 2019 = 105,000 / 1.06 = 99,056.6 -> 99,057 yuan
    assert policy.average_wage("32", 2019).fen == 9_905_700


def test_shipped_illustrative_file_is_what_the_rule_generates():
    shipped = (DATA_DIR / "illustrative_average_wages.csv").read_text(encoding="utf-8")
    assert shipped == illustrative_csv()


def test_missing_year_names_unit_and_year(policy):
    with pytest.raises(MissingPolicyData) as caught:
        policy.reference_wage_fen("32", 1985)
    assert (caught.value.unit, caught.value.year) == ("32", 1984)
    assert "unit 32" in str(caught.value) and "year 1984" in str(caught.value)


def test_unknown_unit_is_missing_policy_data(policy):
    with pytest.raises(MissingPolicyData, match="unit 99"):
        policy.average_wage("99", 2020)


def test_rates_by_period(policy):
    assert policy.employer_rate("44", Month(2019, 4)) == Fraction(20, 100)
    assert policy.employer_rate("44", Month(2019, 5)) == Fraction(16, 100)
    assert policy.employee_rate(Month(2025, 1)) == Fraction(8, 100)
    assert policy.flexible_rates(Month(2025, 1)) == (Fraction(12, 100), Fraction(8, 100))


def test_interest_rates_and_the_pre_2016_illustrative_rate(policy):
    assert policy.interest_rate(2021) == Fraction(669, 10_000)
    assert policy.interest_rate(2010) == Fraction(3, 100)
    assert not policy.has_interest_rate(2025)
    with pytest.raises(MissingPolicyData, match="interest rate"):
        policy.interest_rate(2025)
    assert policy.latest_interest_year_before(2026) == 2024


def test_retirement_groups_minimum_months_and_divisors(policy):
    men = policy.retirement_group("male")
    assert (men.original_age_months, str(men.first_birth_month), men.step_birth_months) == (720, "1965-01", 4)
    assert policy.retirement_group("female", "worker").max_delay_months == 60
    assert [policy.minimum_contribution_months(y) for y in (2025, 2029, 2030, 2031, 2039, 2050)] == [
        180,
        180,
        186,
        192,
        240,
        240,
    ]
    assert policy.divisor_table[60] == 139 and policy.divisor_table[70] == 56
    with pytest.raises(ValueError, match="unknown retirement group"):
        policy.retirement_group("female", "farmer")


def test_adjustment_and_survivor_parameters(policy):
    assert policy.adjustment_rate(2023) == Fraction(38, 1000)
    with pytest.raises(MissingPolicyData):
        policy.adjustment_rate(2021)
    assert policy.survivor_months("32") == (2, 6)
    assert policy.transitional_coefficient("32") == Fraction(12, 1000)


def test_published_set_uses_collected_figures_and_never_guesses():
    published = build_policy("published")
    # 广东 2025: AW 2024 published monthly 9,183 yuan; explicit floor 4,775 and cap 27,549
    bounds = published.base_bounds("44", 2025)
    assert (bounds.reference_fen, bounds.floor_fen, bounds.cap_fen) == (918_300, 477_500, 2_754_900)
    assert published.average_wage("44", 2024).source.startswith("published: ")
    with pytest.raises(MissingPolicyData):
        published.reference_wage_fen("44", 2010)
    assert published.interest_rate(2025) == Fraction(15, 1000)


def test_real_figures_file_replaces_illustrative_wages(tmp_path: Path):
    figures = tmp_path / "aw.csv"
    figures.write_text("unit,year,aw_fen,source\n32,2024,12000000,statistics bureau 2025\n", encoding="utf-8")
    policy = build_policy("illustrative", figures)
    assert policy.average_wage("32", 2024).fen == 12_000_000
    assert policy.average_wage("32", 2024).source == "statistics bureau 2025"
    assert policy.average_wage("32", 2023).illustrative


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("unit,year,aw\n", "columns"),
        ("unit,year,aw_fen,source\n99,2024,100,x\n", "unknown pooling unit"),
        ("unit,year,aw_fen,source\n32,2024,1.5,x\n", "integers"),
        ("unit,year,aw_fen,source\n32,2024,-5,x\n", "positive"),
        ("unit,year,aw_fen,source\n32,2024,100,\n", "source"),
    ],
)
def test_bad_real_figures_file_is_refused_with_its_line(tmp_path: Path, content: str, reason: str):
    figures = tmp_path / "aw.csv"
    figures.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=reason):
        build_policy("illustrative", figures)


def test_unknown_policy_set_is_refused():
    with pytest.raises(ValueError, match="unknown policy data set"):
        build_policy("guessed")  # type: ignore[arg-type]


def test_load_policy_follows_the_environment(monkeypatch):
    load_policy.cache_clear()
    monkeypatch.setenv("POOLING_POLICY", "published")
    try:
        assert load_policy().name == "published"
    finally:
        load_policy.cache_clear()
