"""Annual benefit adjustment by one flat rate (DOMAIN.md §9.2)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from standards.rounding import to_fen


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One year's adjustment: its rate, the increment ROUND(rate × total in force) and the new total, in fen."""

    year: int
    rate: Fraction
    increment_fen: int
    total_fen: int


def _fen(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int amount in fen, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value} fen")
    return value


def _rate(value: Fraction) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, Fraction | int):
        raise TypeError(f"an adjustment rate must be an exact Fraction, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"an adjustment rate must not be negative, got {value}")
    return Fraction(value)


def adjustment_increment(total_in_force_fen: int, rate: Fraction) -> int:
    """Increment = ROUND(rate × total in force before this adjustment) (§9.2)."""
    return to_fen(_rate(rate) * _fen("total_in_force_fen", total_in_force_fen))


def apply_adjustments(total_fen: int, yearly_rates: Iterable[tuple[int, Fraction]]) -> list[Adjustment]:
    """Apply `(year, rate)` adjustments in increasing year order, each on the total left by the previous (§9.2)."""
    total = _fen("total_fen", total_fen)
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
