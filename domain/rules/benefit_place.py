"""Place of benefit receipt P from hukou, relation unit and months per unit (DOMAIN.md §6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

PlaceRule = Literal[1, 2, 3, 4]


@dataclass(frozen=True, slots=True)
class BenefitPlace:
    """The place of benefit P and the §6 rule that chose it: (1) R = H, (2) R, (3) earlier unit, (4) H."""

    unit: str
    rule: PlaceRule


def _unit(name: str, value: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty unit code, got {value!r}")
    return value


def place_of_benefit(
    hukou_unit: str,
    relation_unit: str,
    cumulative_months: Mapping[str, int],
    relation_history: Sequence[str],
    threshold: int = 120,
) -> BenefitPlace:
    """P by the §6 algorithm; `cumulative_months` is cum(p), `relation_history` the chronological units of
    enrollments that opened no temporary account (a repeated unit counts at its latest position)."""
    h = _unit("hukou_unit", hukou_unit)
    r = _unit("relation_unit", relation_unit)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold <= 0:
        raise ValueError(f"threshold must be a positive number of months, got {threshold!r}")
    for unit, months in cumulative_months.items():
        if isinstance(months, bool) or not isinstance(months, int) or months < 0:
            raise ValueError(f"cumulative months of unit {unit!r} must be a non-negative int, got {months!r}")
    history: list[str] = []
    for unit in relation_history:
        _unit("relation_history entry", unit)
        if unit in history:
            history.remove(unit)  # a repeated unit counts at its latest position
        history.append(unit)
    if history and history[-1] != r:
        raise ValueError(f"the relation history must end with the relation unit {r!r}, got {history[-1]!r}")

    def cum(unit: str) -> int:
        return cumulative_months.get(unit, 0)

    if r == h:
        return BenefitPlace(unit=h, rule=1)
    if cum(r) >= threshold:
        return BenefitPlace(unit=r, rule=2)
    for earlier in reversed(history[:-1]):
        if cum(earlier) >= threshold:
            return BenefitPlace(unit=earlier, rule=3)
    return BenefitPlace(unit=h, rule=4)
