"""Contribution bases and amounts: clamping, base bounds and the rate splits (DOMAIN.md §3.2-§3.4)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, NamedTuple

from domain.rules import checks
from standards.rounding import fen_times, to_fen

ClampDirection = Literal["up", "down"]

FLEXIBLE_POOLED_RATE = Fraction(12, 100)
FLEXIBLE_ACCOUNT_RATE = Fraction(8, 100)


@dataclass(frozen=True, slots=True)
class ClampedBase:
    """The base used, the base declared and which bound clamped it (`None` if none did)."""

    base_fen: int
    declared_fen: int
    clamped: ClampDirection | None


class BaseBounds(NamedTuple):
    """Reference monthly wage RW, floor and cap of the contribution base, in fen."""

    reference_fen: int
    floor_fen: int
    cap_fen: int


@dataclass(frozen=True, slots=True)
class ContributionSplit:
    """One month's contribution: the pooled-fund part, the account part and their sum, in fen."""

    pooled_fen: int
    account_fen: int
    total_fen: int


def clamp_base(declared_fen: int, floor_fen: int, cap_fen: int) -> ClampedBase:
    """Clamp a declared base into [floor, cap], never rejecting it; a clamp raises flag R006 (§3.2)."""
    checks.fen("declared_fen", declared_fen)
    checks.fen("floor_fen", floor_fen)
    checks.fen("cap_fen", cap_fen)
    if floor_fen > cap_fen:
        raise ValueError(f"base floor {floor_fen} fen is above the cap {cap_fen} fen")
    if declared_fen < floor_fen:
        return ClampedBase(base_fen=floor_fen, declared_fen=declared_fen, clamped="up")
    if declared_fen > cap_fen:
        return ClampedBase(base_fen=cap_fen, declared_fen=declared_fen, clamped="down")
    return ClampedBase(base_fen=declared_fen, declared_fen=declared_fen, clamped=None)


def base_bounds(
    previous_year_average_wage_fen: int,
    floor_ratio: Fraction = Fraction(3, 5),
    cap_ratio: Fraction = Fraction(3),
) -> BaseBounds:
    """RW = ROUND(AW/12), floor ROUND(AW × 0.60/12), cap ROUND(AW × 3.00/12) from AW(p, Y−1) (§3.2)."""
    wage = checks.fen("previous_year_average_wage_fen", previous_year_average_wage_fen)
    if wage == 0:
        raise ValueError("previous_year_average_wage_fen must be positive")
    floor = checks.rate("floor_ratio", floor_ratio)
    cap = checks.rate("cap_ratio", cap_ratio)
    if floor > cap:
        raise ValueError(f"floor_ratio {floor} is above cap_ratio {cap}")
    return BaseBounds(
        reference_fen=to_fen(Fraction(wage, 12)),
        floor_fen=to_fen(wage * floor / 12),
        cap_fen=to_fen(wage * cap / 12),
    )


def split_employee(base_fen: int, employer_rate: Fraction, employee_rate: Fraction) -> ContributionSplit:
    """Employee month: ROUND(base × employer_rate) pooled, ROUND(base × employee_rate) to the account (§3.4)."""
    base = checks.fen("base_fen", base_fen)
    pooled = fen_times(base, checks.rate("employer_rate", employer_rate))
    account = fen_times(base, checks.rate("employee_rate", employee_rate))
    return ContributionSplit(pooled_fen=pooled, account_fen=account, total_fen=pooled + account)


def split_flexible(
    base_fen: int,
    pooled_rate: Fraction = FLEXIBLE_POOLED_RATE,
    account_rate: Fraction = FLEXIBLE_ACCOUNT_RATE,
) -> ContributionSplit:
    """Flexible worker: ROUND(base × 12%) + ROUND(base × 8%); ROUND(base × 20%) is never computed (§3.4)."""
    base = checks.fen("base_fen", base_fen)
    pooled = fen_times(base, checks.rate("pooled_rate", pooled_rate))
    account = fen_times(base, checks.rate("account_rate", account_rate))
    return ContributionSplit(pooled_fen=pooled, account_fen=account, total_fen=pooled + account)
