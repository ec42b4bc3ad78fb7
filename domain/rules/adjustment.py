"""Annual benefit adjustment by one flat rate (DOMAIN.md §9.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from domain.rules import checks
from standards.rounding import to_fen


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One year's adjustment: its rate, the increment ROUND(rate × total in force) and the new total, in fen."""

    year: int
    rate: Fraction
    increment_fen: int
    total_fen: int


def adjustment_increment(total_in_force_fen: int, rate: Fraction) -> int:
    """Increment = ROUND(rate × total in force before this adjustment) (§9.2)."""
    return to_fen(checks.rate("an adjustment rate", rate) * checks.fen("total_in_force_fen", total_in_force_fen))


def apply_adjustments(total_fen: int, yearly_rates: Iterable[tuple[int, Fraction]]) -> list[Adjustment]:
    """Apply `(year, rate)` adjustments in increasing year order, each on the total left by the previous (§9.2)."""
    total = checks.fen("total_fen", total_fen)
    steps: list[Adjustment] = []
    for year, rate in yearly_rates:
        if isinstance(year, bool) or not isinstance(year, int):
            raise TypeError(f"an adjustment year must be an int, got {type(year).__name__}")
        if steps and year <= steps[-1].year:
            raise ValueError(f"adjustment years must increase: {year} follows {steps[-1].year}")
        increment = adjustment_increment(total, rate)
        total += increment
        steps.append(Adjustment(year=year, rate=Fraction(rate), increment_fen=increment, total_fen=total))
    return steps
