"""Amounts moved by a cross-province transfer and a temporary-account consolidation (DOMAIN.md §5.2-§5.4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from domain.rules import checks
from standards.calendar import Month
from standards.rounding import to_fen

TRANSFER_POOLED_RATIO = Fraction(12, 100)
TRANSFER_FROM_MONTH = Month(1998, 1)


@dataclass(frozen=True, slots=True)
class TransferAmounts:
    """What A pays and B receives: the account (whole sub-ledger), the pooled part and their sum, in fen."""

    account_fen: int
    pooled_fen: int
    total_fen: int


def pooled_transfer_amount(
    monthly_bases: Iterable[tuple[Month, int]],
    ratio: Fraction = TRANSFER_POOLED_RATIO,
    from_month: Month = TRANSFER_FROM_MONTH,
) -> int:
    """ROUND(ratio × Σ base) over the actual months held by A with a period ≥ from_month (§5.2); the caller
    leaves out deemed and temporary-account months, and each month may appear once."""
    if isinstance(ratio, bool) or not isinstance(ratio, Fraction | int):
        raise TypeError(f"ratio must be an exact Fraction, got {type(ratio).__name__}")
    if ratio < 0:
        raise ValueError(f"ratio must not be negative, got {ratio}")
    seen: set[Month] = set()
    total = 0
    for month, base in monthly_bases:
        if not isinstance(month, Month):
            raise TypeError(f"a monthly base is dated by a Month, got {type(month).__name__}")
        if month in seen:
            raise ValueError(f"month {month} appears twice: a period is paid at most once")
        seen.add(month)
        checks.fen(f"base of {month}", base)
        if month >= from_month:
            total += base
    return to_fen(Fraction(ratio) * total)


def transfer_amounts(
    account_fen: int,
    monthly_bases: Iterable[tuple[Month, int]],
    ratio: Fraction = TRANSFER_POOLED_RATIO,
    from_month: Month = TRANSFER_FROM_MONTH,
) -> TransferAmounts:
    """The §5.2 pair: A's whole sub-ledger after settlement interest, plus the pooled amount (§5.3)."""
    account = checks.fen("account_fen", account_fen)
    pooled = pooled_transfer_amount(monthly_bases, ratio, from_month)
    return TransferAmounts(account_fen=account, pooled_fen=pooled, total_fen=account + pooled)


def temporary_account_consolidation_amount(
    account_fen: int, pooled_contributions_fen: Iterable[int]
) -> TransferAmounts:
    """Temporary sub-ledger with its settled interest plus the full employer / pooled parts recorded in U (§5.4)."""
    account = checks.fen("account_fen", account_fen)
    pooled = sum(checks.fen("pooled contribution", amount) for amount in pooled_contributions_fen)
    return TransferAmounts(account_fen=account, pooled_fen=pooled, total_fen=account + pooled)
