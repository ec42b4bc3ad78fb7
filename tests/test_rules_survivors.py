"""Death: settlement, overpayment, inheritance and survivor benefits (DOMAIN.md §9.3-§9.6)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.interest import Flow, InterestCredit, credited_balance, settlement_interest, year_interest
from domain.rules.survivors import (
    Inheritance,
    Overpayment,
    SurvivorBenefits,
    inheritance,
    overpayment_split,
    survivor_benefits,
)
from standards.calendar import Month

RATE_2024 = Fraction(262, 10_000)  # the latest interest run recorded
RW_32_2025 = 987_600
ACCOUNT_PART = 135_588  # 1,355.88 a month (§8.5)
RETIREMENT_SETTLEMENT = InterestCredit(effective=date(2025, 4, 30), through=Month(2025, 3), amount_fen=40_000)


def his_account() -> list[Flow]:
    """187,654.32 at retirement (with a 400.00 settlement credit), then 1,355.88 drawn each month from May."""
    flows: list[Flow] = [(date(2025, 3, 15), 18_765_432 - RETIREMENT_SETTLEMENT.amount_fen)]
    flows += [(date(2025, m, 5), -ACCOUNT_PART) for m in range(5, 12)]  # May–November payouts
    flows += [(date(2025, m, 5), ACCOUNT_PART) for m in (10, 11)]  # account parts returned (§9.3)
    return flows


def test_the_death_settlement_covers_april_to_august():
    # Given E: 187,654.32, 186,298.44, 184,942.56, 183,586.68, 182,230.80; Σ = 924,712.80 → 2,018.9563
    month_end = [18_765_432, 18_629_844, 18_494_256, 18_358_668, 18_223_080]
    assert sum(month_end) == 92_471_280
    assert year_interest(month_end, RATE_2024) == 201_896
    # The same from his history: died 2025-09-10 (s = 9), no 2025 rate yet → the 2024 rate, final
    (year,) = settlement_interest(his_account(), [RETIREMENT_SETTLEMENT], Month(2025, 8), {}, RATE_2024)
    assert (year.first_month, year.last_month, year.interest_fen, year.fallback) == (
        Month(2025, 4),
        Month(2025, 8),
        201_896,
        True,
    )
    # Balance: 187,654.32 − 5 × 1,355.88 + 2,018.96 = 182,893.88
    credits = [RETIREMENT_SETTLEMENT, year.credited_on(date(2025, 9, 10))]
    assert credited_balance(his_account(), credits, date(2025, 11, 15)) == 18_289_388


def test_the_october_and_november_payouts_are_overpaid():
    # 2 × 5,503.44 = 11,006.88: basic 7,059.76, transitional 1,235.36, account 2,711.76 returned
    overpaid = overpayment_split(2, basic_fen=352_988, account_fen=ACCOUNT_PART, transitional_fen=61_768)
    assert overpaid == Overpayment(
        basic_fen=705_976,
        transitional_fen=123_536,
        adjustment_fen=0,
        account_fen=271_176,
        account_exhausted_fen=0,
        total_fen=1_100_688,
    )
    assert overpaid.pooled_fen == 705_976 + 123_536


def test_the_heirs_receive_the_balance_net_of_the_overpayment():
    # 182,893.88 − 11,006.88 = 171,887.00; receivable 0
    assert inheritance(18_289_388, 1_100_688) == Inheritance(
        inheritable_fen=18_289_388, offset_fen=1_100_688, net_fen=17_188_700, remaining_receivable_fen=0
    )


def test_survivor_benefits_in_months_of_the_reference_wage():
    # Funeral 2 × 9,876.00 = 19,752.00; lump sum 6 × 9,876.00 = 59,256.00 (Illustrative)
    benefits = survivor_benefits(RW_32_2025, funeral_months=2, survivor_months=6, cause="illness")
    assert benefits == SurvivorBenefits(funeral_fen=1_975_200, survivor_fen=5_925_600)
    assert benefits.total_fen == 7_900_800
    assert survivor_benefits(RW_32_2025, 2, 6, "accident") == benefits


def test_work_injury_deaths_pay_no_survivor_benefits_here():
    assert survivor_benefits(RW_32_2025, 2, 6, "work_injury") == SurvivorBenefits(0, 0)


def test_a_receivable_larger_than_the_balance_stays_open():
    assert inheritance(100_000, 250_000) == Inheritance(100_000, 100_000, 0, 150_000)


def test_an_exhausted_account_part_returns_to_the_pooled_fund():
    # Only 1,000.00 of the 2,711.76 account parts came from the account; the pooled fund paid the rest
    overpaid = overpayment_split(2, 352_988, ACCOUNT_PART, 61_768, adjustment_fen=6_671, account_drawn_fen=100_000)
    assert (overpaid.account_fen, overpaid.account_exhausted_fen) == (100_000, 171_176)
    assert overpaid.adjustment_fen == 13_342
    assert overpaid.total_fen == 1_100_688 + 13_342
    assert overpaid.pooled_fen == overpaid.total_fen - 100_000


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown cause of death 'old_age'"):
        survivor_benefits(RW_32_2025, 2, 6, "old_age")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="reference_wage_fen"):
        survivor_benefits(-1, 2, 6)
    with pytest.raises(ValueError, match="funeral_months"):
        survivor_benefits(RW_32_2025, -2, 6)
    with pytest.raises(TypeError):
        survivor_benefits(RW_32_2025, 2.0, 6)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="balance_fen"):
        inheritance(-1, 0)
    with pytest.raises(ValueError, match="overpayment_receivable_fen"):
        inheritance(0, -1)
    with pytest.raises(ValueError, match="overpaid_months"):
        overpayment_split(0, 1, 1, 1)
    with pytest.raises(ValueError, match="basic_fen"):
        overpayment_split(1, -1, 1, 1)
    with pytest.raises(ValueError, match="exceeds the account part"):
        overpayment_split(1, 1, 100, 1, account_drawn_fen=101)


@given(st.integers(0, 10**10), st.integers(0, 10**10))
def test_inheritance_offsets_without_creating_money(balance: int, receivable: int):
    result = inheritance(balance, receivable)
    assert result.net_fen + result.offset_fen == balance
    assert result.remaining_receivable_fen + result.offset_fen == receivable
    assert min(result.net_fen, result.remaining_receivable_fen) == 0
