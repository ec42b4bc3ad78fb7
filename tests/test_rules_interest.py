"""Interest by the monthly-accumulation method, settlements and balances (DOMAIN.md §4.3-§4.5, §12.2)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.interest import (
    Flow,
    InterestCredit,
    YearInterest,
    accrued_interest,
    credited_balance,
    month_end_balance,
    settlement_interest,
    year_interest,
)
from standards.calendar import Month

RATE_2021 = Fraction(669, 10_000)
RATE_2022 = Fraction(612, 10_000)
RATE_2023 = Fraction(397, 10_000)
RATE_2024 = Fraction(262, 10_000)
RATES = {2021: RATE_2021, 2022: RATE_2022}


def guangdong_flows() -> list[Flow]:
    """§4.5: 400.00 a month in 2021, 440.00 in 2022, 480.00 January–June 2023, paid on the 15th."""
    flows: list[Flow] = [(date(2021, m, 15), 40_000) for m in range(1, 13)]
    flows += [(date(2022, m, 15), 44_000) for m in range(1, 13)]
    flows += [(date(2023, m, 15), 48_000) for m in range(1, 7)]
    return flows


RUN_2021 = InterestCredit(effective=date(2021, 12, 31), through=Month(2021, 12), amount_fen=17_394)
RUN_2022 = InterestCredit(effective=date(2022, 12, 31), through=Month(2022, 12), amount_fen=47_944)


def test_2021_interest_on_the_month_end_balances():
    # E(j) = 400.00 × j, Σ = 31,200.00; 31,200.00 × 6.69% / 12 = 173.94
    balances = [40_000 * j for j in range(1, 13)]
    assert sum(balances) == 3_120_000
    assert year_interest(balances, RATE_2021) == 17_394


def test_2022_interest_includes_2021_interest_from_january():
    # E(j) = 4,973.94 + 440.00 × j, Σ = 94,007.28; 479.437128 → 479.44
    balances = [497_394 + 44_000 * j for j in range(1, 13)]
    assert sum(balances) == 9_400_728
    assert year_interest(balances, RATE_2022) == 47_944


def test_the_year_end_runs_of_2021_and_2022():
    flows = guangdong_flows()
    # The 2021 run credits the whole year
    assert settlement_interest(flows, [], Month(2021, 12), RATES) == [
        YearInterest(2021, Month(2021, 1), Month(2021, 12), 17_394, RATE_2021)
    ]
    # The 2022 run sees the 2021 credit in every month-end balance of 2022
    assert month_end_balance(flows, [RUN_2021], Month(2021, 12)) == 480_000
    assert month_end_balance(flows, [RUN_2021], Month(2022, 1)) == 497_394 + 44_000
    (run_2022,) = settlement_interest(flows, [RUN_2021], Month(2022, 12), RATES)
    assert (run_2022.year, run_2022.months, run_2022.interest_fen) == (2022, 12, 47_944)
    # Balances 4,973.94 and 10,733.38 at the year ends
    credits = [RUN_2021, RUN_2022]
    assert credited_balance(flows, credits, date(2021, 12, 31)) == 497_394
    assert credited_balance(flows, credits, date(2022, 12, 31)) == 1_073_338


def test_the_2023_transfer_settlement_uses_the_2022_rate():
    flows = guangdong_flows()
    # The transfer-out is sent on 2023-07-20 (s = 7), before the 2023 run: months 1–6 at the 2022 rate
    years = settlement_interest(flows, [RUN_2021, RUN_2022], Month(2023, 6), RATES, fallback_rate=RATE_2022)
    assert years == [YearInterest(2023, Month(2023, 1), Month(2023, 6), 37_985, RATE_2022, fallback=True)]
    # Σ E(1..6) = 6 × 10,733.38 + 480 × 21 = 74,480.28 → 379.849428 → 379.85
    assert year_interest([1_073_338 + 48_000 * j for j in range(1, 7)], RATE_2022) == 37_985
    # Account moved: 10,733.38 + 2,880.00 + 379.85 = 13,993.23
    settlement = years[0].credited_on(date(2023, 7, 20))
    credits = [RUN_2021, RUN_2022, settlement]
    assert credited_balance(flows, credits, date(2023, 7, 20)) == 1_399_323
    # After the transfer-out the sub-ledger is empty and earns nothing more
    emptied = [*flows, (date(2023, 7, 20), -1_399_323)]
    rest = settlement_interest(emptied, credits, Month(2023, 12), RATES, fallback_rate=RATE_2022)
    assert [(y.first_month, y.interest_fen) for y in rest] == [(Month(2023, 7), 0)]


def test_a_settlement_without_earlier_runs_compounds_year_by_year():
    years = settlement_interest(guangdong_flows(), [], Month(2023, 6), RATES, fallback_rate=RATE_2022)
    assert [(y.year, y.months, y.interest_fen, y.fallback) for y in years] == [
        (2021, 12, 17_394, False),
        (2022, 12, 47_944, False),
        (2023, 6, 37_985, True),
    ]


def test_accrued_interest_counts_complete_months_not_yet_credited():
    flows = guangdong_flows()
    credits = [RUN_2021, RUN_2022]
    # As of 2023-07-19 and as of 2023-06-30: January–June, provisional at the 2022 rate
    assert accrued_interest(flows, credits, date(2023, 7, 19), RATE_2022) == 37_985
    assert accrued_interest(flows, credits, date(2023, 6, 30), RATE_2022) == 37_985
    # On 2023-06-29 June is not complete: Σ E(1..5) = 60,866.90 → 310.42119 → 310.42
    assert accrued_interest(flows, credits, date(2023, 6, 29), RATE_2022) == 31_042
    # Known as of 2022-06-30 the 2021 run is credited; 2022 January–June accrue
    assert accrued_interest(flows, credits, date(2022, 6, 30), RATE_2022) == year_interest(
        [497_394 + 44_000 * j for j in range(1, 7)], RATE_2022
    )


def test_a_back_payment_sits_in_the_month_end_balances_from_its_payment_month():
    # §12.2: Ms. Lin, flexible worker, pays 444.00 a month to her account in 2023 but not for March–May
    paid_2023: list[Flow] = [(date(2023, m, 20), 44_400) for m in (1, 2, 6, 7, 8, 9, 10, 11, 12)]
    (year_2023,) = settlement_interest(paid_2023, [], Month(2023, 12), {2023: RATE_2023})
    run_2023 = year_2023.credited_on(date(2023, 12, 31))
    # On 2024-02-10 she back-pays the three months: 1,332.00 to the account
    with_back_payment: list[Flow] = [*paid_2023, (date(2024, 2, 10), 133_200)]
    # Her 2023 interest is unchanged: the money is effective on the payment date
    assert settlement_interest(with_back_payment, [], Month(2023, 12), {2023: RATE_2023}) == [year_2023]
    # In 2024 the 1,332.00 sits in the month-end balances of February–December
    differences = [
        month_end_balance(with_back_payment, [run_2023], Month(2024, j))
        - month_end_balance(paid_2023, [run_2023], Month(2024, j))
        for j in range(1, 13)
    ]
    assert differences == [0] + [133_200] * 11
    # Its share is 1,332.00 × 11 × 2.62% / 12 = 31.99, but only the whole balance's interest is rounded
    assert year_interest([133_200] * 11, RATE_2024) == 3_199
    (year_2024,) = settlement_interest(with_back_payment, [run_2023], Month(2024, 12), {2024: RATE_2024})
    balance = 9 * 44_400 + run_2023.amount_fen
    assert year_2024.interest_fen == year_interest([balance] + [balance + 133_200] * 11, RATE_2024)
    # As known on each date, the account principal from the back-payment
    assert credited_balance(with_back_payment, [run_2023], date(2023, 12, 31)) == balance
    assert credited_balance(with_back_payment, [run_2023], date(2024, 3, 1)) == balance + 133_200


def test_flows_dated_by_month_count_from_that_month():
    flows: list[Flow] = [(Month(2021, m), 40_000) for m in range(1, 13)]
    assert settlement_interest(flows, [], Month(2021, 12), RATES)[0].interest_fen == 17_394
    assert credited_balance(flows, [], date(2021, 12, 1)) == 480_000


def test_nothing_to_settle():
    assert settlement_interest([], [], Month(2025, 3), RATES) == []
    assert settlement_interest(guangdong_flows(), [RUN_2021, RUN_2022], Month(2022, 12), RATES) == []


def test_a_missing_rate_without_fallback_is_refused():
    with pytest.raises(ValueError, match="no interest rate for 2023"):
        settlement_interest(guangdong_flows(), [RUN_2021, RUN_2022], Month(2023, 6), RATES)


def test_a_negative_month_end_balance_is_refused():
    with pytest.raises(ValueError, match="2021-02 is negative"):
        settlement_interest([(date(2021, 1, 5), 100), (date(2021, 2, 5), -200)], [], Month(2021, 12), RATES)
    with pytest.raises(ValueError, match="negative"):
        credited_balance([(date(2021, 1, 5), -1)], [], date(2021, 12, 31))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at most 12"):
        year_interest([1] * 13, RATE_2021)
    with pytest.raises(ValueError, match="never negative"):
        year_interest([100, -1], RATE_2021)
    with pytest.raises(ValueError, match="rate"):
        year_interest([100], Fraction(-1, 100))
    with pytest.raises(TypeError):
        year_interest([100], 0.0669)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="never negative"):
        InterestCredit(date(2021, 12, 31), Month(2021, 12), -5)
    with pytest.raises(TypeError):
        month_end_balance([("2021-01", 100)], [], Month(2021, 1))  # type: ignore[list-item]
    with pytest.raises(TypeError):
        settlement_interest([(date(2021, 1, 5), 1.5)], [], Month(2021, 12), RATES)  # type: ignore[list-item]
    with pytest.raises(ValueError, match="rate of 2021"):
        settlement_interest([(date(2021, 1, 5), 100)], [], Month(2021, 12), {2021: Fraction(-1)})
    with pytest.raises(TypeError):
        credited_balance([], [], "2021-12-31")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rate"):
        accrued_interest([], [], date(2021, 12, 31), Fraction(-1, 100))


balances_st = st.lists(st.integers(0, 10**10), min_size=0, max_size=12)
rates_st = st.fractions(min_value=0, max_value=Fraction(1, 5))


@given(balances_st, st.lists(st.integers(0, 10**8), min_size=12, max_size=12), rates_st)
def test_interest_is_monotone_in_balance_and_never_negative(balances: list[int], extra: list[int], rate: Fraction):
    higher = [b + e for b, e in zip(balances, extra, strict=False)]
    assert 0 <= year_interest(balances, rate) <= year_interest(higher, rate)


@given(balances_st, rates_st, rates_st)
def test_interest_is_monotone_in_rate(balances: list[int], r1: Fraction, r2: Fraction):
    low, high = sorted((r1, r2))
    assert 0 <= year_interest(balances, low) <= year_interest(balances, high)


@given(
    st.lists(st.tuples(st.integers(1, 36), st.integers(0, 10**7)), min_size=1, max_size=20),
    st.integers(0, 10**7),
    rates_st,
)
def test_settlements_are_monotone_in_deposits(deposits: list[tuple[int, int]], more: int, rate: Fraction):
    flows: list[Flow] = [(Month(2021, 1) + offset, amount) for offset, amount in deposits]
    rates = {2021: rate, 2022: rate, 2023: rate}
    base = settlement_interest(flows, [], Month(2023, 12), rates)
    richer = settlement_interest([*flows, (Month(2021, 1), more)], [], Month(2023, 12), rates)
    assert all(y.interest_fen >= 0 for y in base)
    assert sum(y.interest_fen for y in base) <= sum(y.interest_fen for y in richer)
