"""Transfer and consolidation amounts (DOMAIN.md §5.2-§5.4), with the 广东 → 江苏 example of §5.3."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.transfer import (
    TransferAmounts,
    pooled_transfer_amount,
    temporary_account_consolidation_amount,
    transfer_amounts,
)
from standards.calendar import Month, months_between


def guangdong_bases() -> list[tuple[Month, int]]:
    """§4.5 / §5.3: 5,000.00 in 2021, 5,500.00 in 2022, 6,000.00 in 2023-01…06."""
    return (
        [(m, 500_000) for m in months_between(Month(2021, 1), Month(2021, 12))]
        + [(m, 550_000) for m in months_between(Month(2022, 1), Month(2022, 12))]
        + [(m, 600_000) for m in months_between(Month(2023, 1), Month(2023, 6))]
    )


def test_the_man_moving_from_guangdong_to_jiangsu():
    # Σ bases = 162,000.00; 12% = 19,440.00; account 13,993.23 (§4.5); total A → B 33,433.23
    assert pooled_transfer_amount(guangdong_bases()) == 1_944_000
    amounts = transfer_amounts(1_399_323, guangdong_bases())
    assert amounts == TransferAmounts(account_fen=1_399_323, pooled_fen=1_944_000, total_fen=3_343_323)


def test_months_before_1998_are_not_moved():
    bases = [(Month(1997, 12), 100_000), (Month(1998, 1), 100_000)]
    assert pooled_transfer_amount(bases) == 12_000
    assert pooled_transfer_amount(bases, from_month=Month(1997, 1)) == 24_000


def test_the_ratio_is_a_parameter_and_rounding_is_once_on_the_sum():
    # 0.12 × 4 fen would round to 0 each month; the sum of three months rounds once: 0.12 × 12 = 1.44 → 1
    assert pooled_transfer_amount([(Month(2020, m), 4) for m in (1, 2, 3)]) == 1
    assert pooled_transfer_amount([(Month(2020, 1), 1_000)], ratio=Fraction(1, 10)) == 100


def test_a_temporary_account_is_consolidated_with_the_full_employer_contributions():
    # A woman in 33 with a temporary account: 12 months at base 6,000.00, employer 16% = 960.00 each;
    # the sub-ledger with its settled interest is 5,800.00 → 5,800.00 + 12 × 960.00, not 12%
    amounts = temporary_account_consolidation_amount(580_000, [96_000] * 12)
    assert amounts == TransferAmounts(account_fen=580_000, pooled_fen=1_152_000, total_fen=1_732_000)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="appears twice"):
        pooled_transfer_amount([(Month(2021, 1), 100), (Month(2021, 1), 100)])
    with pytest.raises(ValueError, match="base of 2021-01"):
        pooled_transfer_amount([(Month(2021, 1), -100)])
    with pytest.raises(ValueError, match="ratio"):
        pooled_transfer_amount([], ratio=Fraction(-12, 100))
    with pytest.raises(TypeError):
        pooled_transfer_amount([], ratio=0.12)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pooled_transfer_amount([("2021-01", 100)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="account_fen"):
        transfer_amounts(-1, [])
    with pytest.raises(ValueError, match="account_fen"):
        temporary_account_consolidation_amount(-1, [])
    with pytest.raises(ValueError, match="pooled contribution"):
        temporary_account_consolidation_amount(0, [100, -5])


@given(st.lists(st.integers(0, 10**8), max_size=60), st.integers(0, 10**9))
def test_total_is_account_plus_pooled(bases: list[int], account: int):
    months = [(Month(2000, 1) + i, base) for i, base in enumerate(bases)]
    amounts = transfer_amounts(account, months)
    assert amounts.total_fen == amounts.account_fen + amounts.pooled_fen
    assert amounts.pooled_fen >= 0
