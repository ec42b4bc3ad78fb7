"""Benefit determination: average index, indexed wage and the three components (DOMAIN.md §8.1-§8.4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from domain.rules import checks
from standards.rounding import round_half_up, to_fen


@dataclass(frozen=True, slots=True)
class BenefitDetermination:
    """Every value of a determination in the §8.4 order; amounts in fen, Z and the divisor as stored."""

    calc_base_fen: int  # W
    average_index: Decimal  # Z, 4 places
    actual_months: int
    deemed_months: int
    total_months: int  # N in months
    contribution_years: Fraction  # N = total_months / 12
    indexed_wage_fen: int  # IW = ROUND(W × Z)
    divisor: Decimal
    account_balance_fen: int
    transitional_coefficient: Fraction  # c_P
    transitional_months: int
    transitional_index: Decimal  # the index of the transitional component (Z unless overridden)
    basic_fen: int
    account_fen: int
    transitional_fen: int
    total_fen: int


def _index(name: str, value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite non-negative Decimal, got {value}")
    if round_half_up(value, 4) != value:
        raise ValueError(f"{name} must already be rounded to 4 places (§8.2), got {value}")
    return value


def monthly_index(base_fen: int, reference_wage_fen: int) -> Fraction:
    """i_m = base_m / RW(P, year(m)), kept exact (§8.2)."""
    base = checks.count("base_fen", base_fen)
    return Fraction(base, checks.count("reference_wage_fen", reference_wage_fen, positive=True))


def average_contribution_index(
    indices: Sequence[Fraction], deemed_months: int = 0, deemed_index: Fraction = Fraction(1)
) -> Decimal:
    """Z = ROUND4((Σ i_m + deemed × z_d) / (actual + deemed)), half up (§8.2)."""
    deemed = checks.count("deemed_months", deemed_months)
    z_d = checks.rate("deemed_index", deemed_index)
    total_index = sum((checks.rate("monthly index", index) for index in indices), Fraction(0))
    months = len(indices) + deemed
    if months == 0:
        raise ValueError("no actual or deemed months: the average contribution index is undefined")
    return round_half_up((total_index + deemed * z_d) / months, 4)


def determine_benefit(
    calc_base_fen: int,
    average_index: Decimal,
    actual_months: int,
    deemed_months: int,
    account_balance_fen: int,
    divisor: Decimal,
    transitional_coefficient: Fraction,
    transitional_months: int | None = None,
    transitional_index: Decimal | None = None,
) -> BenefitDetermination:
    """Z → IW = ROUND(W×Z) → basic → account = ROUND(balance/divisor) → transitional → total (§8.1, §8.4).
    Transitional months / index default to deemed months and Z (an override index gets its own ROUND(W × index))."""
    w = checks.count("calc_base_fen", calc_base_fen, positive=True)
    z = _index("average_index", average_index)
    actual = checks.count("actual_months", actual_months)
    deemed = checks.count("deemed_months", deemed_months)
    balance = checks.count("account_balance_fen", account_balance_fen)
    if not isinstance(divisor, Decimal):
        raise TypeError(f"divisor must be a Decimal, got {type(divisor).__name__}")
    if not divisor.is_finite() or divisor <= 0:
        raise ValueError(f"divisor must be a positive finite Decimal, got {divisor}")
    c_p = checks.rate("transitional_coefficient", transitional_coefficient)
    t_months = deemed if transitional_months is None else checks.count("transitional_months", transitional_months)
    t_index = z if transitional_index is None else _index("transitional_index", transitional_index)
    total_months = actual + deemed
    if total_months == 0:
        raise ValueError("no actual or deemed months: no benefit can be determined")
    years = Fraction(total_months, 12)

    indexed_wage = to_fen(w * Fraction(z))
    basic = to_fen(Fraction(w + indexed_wage, 2) * years / 100)
    account = to_fen(Fraction(balance) / Fraction(divisor))
    transitional = 0
    if t_months > 0:
        t_wage = indexed_wage if t_index == z else to_fen(w * Fraction(t_index))
        transitional = to_fen(t_wage * Fraction(t_months, 12) * c_p)
    return BenefitDetermination(
        calc_base_fen=w,
        average_index=z,
        actual_months=actual,
        deemed_months=deemed,
        total_months=total_months,
        contribution_years=years,
        indexed_wage_fen=indexed_wage,
        divisor=divisor,
        account_balance_fen=balance,
        transitional_coefficient=c_p,
        transitional_months=t_months,
        transitional_index=t_index,
        basic_fen=basic,
        account_fen=account,
        transitional_fen=transitional,
        total_fen=basic + account + transitional,
    )
