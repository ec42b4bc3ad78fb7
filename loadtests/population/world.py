"""The simulated world a population lives in: the window of months, the units with their weights, the policy.

The weights and shares below are the population's stated assumptions (see the package docstring); they are
round numbers chosen to look plausible, not statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from domain.rules.retirement_age import RetirementGroupRule
from standards.calendar import Month
from standards.policy import BaseBounds, Policy

DEFAULT_UNITS: tuple[str, ...] = ("11", "31", "32", "44", "51", "66")

#: Where persons are insured: Guangdong and Jiangsu largest, XPCC small. Other units weigh 8.
UNIT_WEIGHTS = {"44": 30.0, "32": 22.0, "51": 14.0, "31": 13.0, "11": 13.0, "66": 2.0}
#: Hukou of persons whose hukou is not their first unit: Sichuan the largest origin of migrant workers.
HUKOU_WEIGHTS = {"51": 40.0, "44": 15.0, "32": 15.0, "66": 3.0}
#: Destinations of moves between units: the coastal economies and the two municipalities.
MOVE_WEIGHTS = {"44": 35.0, "32": 20.0, "31": 18.0, "11": 17.0, "51": 7.0, "66": 3.0}
OTHER_WEIGHT = 8.0

MALE_SHARE = 0.55  # enterprise insured skew male
CADRE_SHARE = 0.20  # women in the cadre group (original age 55)
HUKOU_IS_FIRST_UNIT = 0.70
ID_ISSUED_IN_HUKOU = 0.80
FLEXIBLE_SHARE = 0.15
MIGRANT_SHARE = 0.13  # drawn; about 8 % complete a move before retirement (with temporary accounts ~10 %)
TEMPORARY_SHARE = 0.06  # of the men who turn 50 while contributing
GAP_COUNT_WEIGHTS = (60.0, 30.0, 10.0)  # 0, 1 or 2 employment gaps
EMPLOYER_CHANGE_PER_YEAR = 0.08
MISSED_MONTH_SHARE = 0.06  # of stints: one month missed and back-paid later
CORRECTION_SHARE = 0.03  # of persons: one contribution sent with a wrong base, corrected, re-sent
EARLY_SHARE = 0.25  # of the reform cohort with a delay: retire at the original age
LATE_DEATH_SHARE = 0.08  # of retirees' deaths: recorded after a later month's payout
WAGE_MEDIAN, WAGE_SIGMA, DRIFT_SIGMA = 0.90, 0.45, 0.02
COHORT_WEIGHTS = {"legacy": 65.0, "entrant": 25.0, "reform": 10.0}


def mortality(age_years: float, sex: str) -> float:
    """Annual probability of death: a Gompertz curve, 0.6 % at 60 and 3.6 % at 80 for men, women × 0.6."""
    q = 0.0004 * math.exp(0.09 * (age_years - 30))
    return min(0.5, q * (0.6 if sex == "female" else 1.0))


@dataclass(slots=True)
class World:
    """Window, units and policy, with the few lookups the planner repeats cached."""

    policy: Policy
    first: Month
    last: Month
    units: tuple[str, ...]
    employers_per_unit: int
    _bounds: dict[tuple[str, int], BaseBounds] = field(default_factory=dict)
    _groups: dict[tuple[str, str], RetirementGroupRule] = field(default_factory=dict)
    _rates: dict[tuple[str, str, Month], Fraction] = field(default_factory=dict)

    def weights(self, table: dict[str, float], units: list[str] | tuple[str, ...] | None = None) -> list[float]:
        return [table.get(unit, OTHER_WEIGHT) for unit in (self.units if units is None else units)]

    def bounds(self, unit: str, year: int) -> BaseBounds:
        key = (unit, year)
        if key not in self._bounds:
            self._bounds[key] = self.policy.base_bounds(unit, year)
        return self._bounds[key]

    def account_rate(self, kind: str, unit: str, period: Month, *, temporary: bool = False) -> Fraction:
        """The share of the base that reaches the individual account (a temporary account: employer's too)."""
        key = (f"{kind}{'T' if temporary else ''}", unit, period)
        if key not in self._rates:
            policy = self.policy
            rate = policy.employee_rate(period) if kind == "employee" else policy.flexible_rates(period)[1]
            if temporary:
                rate += policy.employer_rate(unit, period) if kind == "employee" else policy.flexible_rates(period)[0]
            self._rates[key] = rate
        return self._rates[key]

    def group(self, sex: str, category: str) -> RetirementGroupRule:
        key = (sex, category)
        if key not in self._groups:
            group = self.policy.retirement_group(sex, category)
            self._groups[key] = RetirementGroupRule(
                group.original_age_months, group.first_birth_month, group.step_birth_months, group.max_delay_months
            )
        return self._groups[key]

    @property
    def reform_in_window(self) -> bool:
        """The reformed ages apply from 2025-01: a reform cohort only makes sense if the window reaches it."""
        return self.first <= Month(2025, 1) <= self.last
