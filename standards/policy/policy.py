"""The policy parameters the rules need, answered per unit and year, with a clear error when missing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from standards.calendar import Month
from standards.codes import POOLING_UNITS
from standards.policy.models import NationalData, RateFrom, UnitData, UnitsData
from standards.policy.wages import Figure, WageTable
from standards.rounding import as_rational, to_fen

PolicySetName = Literal["illustrative", "published"]


class MissingPolicyData(LookupError):
    """A computation needs a parameter the loaded policy data does not cover (`missing_policy_data`)."""

    def __init__(self, parameter: str, unit: str | None = None, year: int | None = None) -> None:
        self.parameter, self.unit, self.year = parameter, unit, year
        where = ", ".join(part for part in (f"unit {unit}" if unit else "", f"year {year}" if year else "") if part)
        super().__init__(f"no policy data for {parameter}" + (f" ({where})" if where else ""))


@dataclass(frozen=True, slots=True)
class BaseBounds:
    """Reference monthly wage RW and the contribution-base floor and cap for a unit and year, in fen."""

    reference_fen: int
    floor_fen: int
    cap_fen: int


@dataclass(frozen=True, slots=True)
class RetirementGroup:
    """One row of DOMAIN.md §7.1: original age and the reform's delay schedule."""

    name: str
    original_age_months: int
    first_birth_month: Month
    step_birth_months: int
    max_delay_months: int


def _rate_in_force(entries: list[RateFrom], period: Month, parameter: str) -> Fraction:
    current: str | None = None
    for entry in entries:
        if Month.parse(entry.from_) <= period:
            current = entry.rate
    if current is None:
        raise MissingPolicyData(parameter, year=period.year)
    return as_rational(current)


class Policy:
    """Answers "parameter P for unit X in year Y" from one validated policy data set."""

    def __init__(self, name: PolicySetName, national: NationalData, units: UnitsData, wages: WageTable) -> None:
        self.name = name
        self._national = national
        self._units = units
        self._wages = wages
        # Answers are pure functions of immutable data, asked for every contribution: remember them.
        self._bounds: dict[tuple[str, int], BaseBounds] = {}
        self._rates: dict[tuple[str, str, Month], Fraction] = {}

    # --- wages and bases (DOMAIN.md §3.2, §8.1) ---------------------------------------------------
    def average_wage(self, unit: str, year: int) -> Figure:
        """AW(unit, year): the annual average wage in fen, with its source."""
        self._check_unit(unit)
        figure = self._wages.annual.get((unit, year))
        if figure is None:
            raise MissingPolicyData("average wage", unit, year)
        return figure

    def reference_wage_fen(self, unit: str, year: int) -> int:
        """RW(unit, Y) = ROUND(AW(unit, Y-1) / 12), the reference monthly wage of contribution year Y."""
        return to_fen(Fraction(self.average_wage(unit, year - 1).fen, 12))

    def base_bounds(self, unit: str, year: int) -> BaseBounds:
        """Floor and cap of the contribution base for year Y; explicit published bounds override the formula."""
        key = (unit, year)
        if key not in self._bounds:
            self._bounds[key] = self._compute_bounds(unit, year)
        return self._bounds[key]

    def _compute_bounds(self, unit: str, year: int) -> BaseBounds:
        aw = self.average_wage(unit, year - 1).fen
        contribution = self._national.contribution
        floor = self._wages.base_floor.get((unit, year))
        cap = self._wages.base_cap.get((unit, year))
        return BaseBounds(
            reference_fen=to_fen(Fraction(aw, 12)),
            floor_fen=floor.fen if floor else to_fen(aw * as_rational(contribution.base_floor_ratio) / 12),
            cap_fen=cap.fen if cap else to_fen(aw * as_rational(contribution.base_cap_ratio) / 12),
        )

    def calc_base_fen(self, unit: str, year: int) -> int:
        """W, the benefit calculation base (计发基数) of a unit for year Y: published, else RW(unit, Y)."""
        published = self._wages.calc_base.get((unit, year))
        return published.fen if published else self.reference_wage_fen(unit, year)

    # --- rates (DOMAIN.md §3.3) -------------------------------------------------------------------
    def employer_rate(self, unit: str, period: Month) -> Fraction:
        key = ("employer", unit, period)
        if key not in self._rates:
            entries = self._unit_value(unit, "employer_rate")
            assert isinstance(entries, list)  # guaranteed by the defaults' validation
            self._rates[key] = _rate_in_force(entries, period, "employer rate")
        return self._rates[key]

    def employee_rate(self, period: Month) -> Fraction:
        key = ("employee", "", period)
        if key not in self._rates:
            self._rates[key] = _rate_in_force(self._national.contribution.employee_rate, period, "employee rate")
        return self._rates[key]

    def flexible_rates(self, period: Month) -> tuple[Fraction, Fraction]:
        """(pooled, account) rates of a flexible worker's base."""
        key = ("flexible", "", period)
        if key not in self._rates:
            contribution = self._national.contribution
            self._rates[key] = _rate_in_force(contribution.flexible_pooled_rate, period, "flexible pooled rate")
            self._rates[("flexible-account", "", period)] = _rate_in_force(
                contribution.flexible_account_rate, period, "flexible account rate"
            )
        return self._rates[key], self._rates[("flexible-account", "", period)]

    # --- interest (DOMAIN.md §4.2, §15.5) ---------------------------------------------------------
    def interest_rate(self, year: int) -> Fraction:
        """The crediting rate (记账利率) of year Y; before 2016 the Illustrative 3 %."""
        key = ("interest", "", Month(year, 1))
        if key not in self._rates:
            self._rates[key] = self._interest_rate(year)
        return self._rates[key]

    def _interest_rate(self, year: int) -> Fraction:
        interest = self._national.interest
        if year < interest.first_national_year:
            return as_rational(interest.rate_before_2016)
        if year not in interest.rates:
            raise MissingPolicyData("interest rate", year=year)
        return as_rational(interest.rates[year])

    @property
    def first_national_interest_year(self) -> int:
        """Years before it use the Illustrative pre-2016 rate (§15.5)."""
        return self._national.interest.first_national_year

    def rates_before_national(self) -> dict[int, Fraction]:
        """The Illustrative rate of every year from 1900 to the first national year (always available, §15.5)."""
        if not hasattr(self, "_before_national"):
            self._before_national = {
                year: self.interest_rate(year) for year in range(1900, self.first_national_interest_year)
            }
        return self._before_national

    def has_interest_rate(self, year: int) -> bool:
        return year < self._national.interest.first_national_year or year in self._national.interest.rates

    def latest_interest_year_before(self, year: int) -> int | None:
        """The latest year before `year` with a rate: the fallback of §15.5 when no run is recorded."""
        known = [y for y in self._national.interest.rates if y < year]
        if known:
            return max(known)
        return year - 1 if year - 1 < self._national.interest.first_national_year else None

    # --- retirement (DOMAIN.md §7) ----------------------------------------------------------------
    def retirement_group(self, sex: str, category: str = "worker") -> RetirementGroup:
        """The §7.1 group of a man, or of a woman by category (`worker`/`cadre`)."""
        key = "male" if sex == "male" else f"female_{category}"
        groups = self._national.retirement.groups
        if key not in groups:
            raise ValueError(f"unknown retirement group for sex={sex!r} category={category!r}")
        data = groups[key]
        return RetirementGroup(
            key,
            data.original_age_months,
            Month.parse(data.first_birth_month),
            data.step_birth_months,
            data.max_delay_months,
        )

    def minimum_contribution_months(self, year: int) -> int:
        """MinMonths(Y): 180 to 2029, then +6 a year, at most 240."""
        rule = self._national.retirement.minimum_months
        extra = max(0, year - rule.last_year_at_base) * rule.step_per_year
        return min(rule.maximum, rule.base + extra)

    @property
    def flexible_window_months(self) -> tuple[int, int]:
        window = self._national.retirement.flexible_window
        return window.early_max_months, window.late_max_months

    @property
    def divisor_table(self) -> dict[int, int]:
        return dict(self._national.divisor.months_by_age)

    def divisor_method(self, unit: str) -> str:
        return str(self._unit_value(unit, "divisor_method"))

    def transitional_coefficient(self, unit: str) -> Fraction:
        return as_rational(str(self._unit_value(unit, "transitional_coefficient")))

    def deemed_index(self, unit: str) -> Fraction:
        return as_rational(str(self._unit_value(unit, "deemed_index")))

    # --- transfers (DOMAIN.md §5, §6) -------------------------------------------------------------
    @property
    def transfer_pooled_ratio(self) -> Fraction:
        return as_rational(self._national.transfer.pooled_ratio)

    @property
    def transfer_pooled_from(self) -> Month:
        return Month.parse(self._national.transfer.pooled_from)

    def temporary_account_age_months(self, sex: str) -> int:
        return self._national.transfer.temporary_account_age_months["male" if sex == "male" else "female"]

    @property
    def benefit_place_threshold_months(self) -> int:
        return self._national.transfer.benefit_place_threshold_months

    # --- adjustments and death (DOMAIN.md §9) -----------------------------------------------------
    def adjustment_rate(self, year: int) -> Fraction:
        rates = self._national.adjustment.rates
        if year not in rates:
            raise MissingPolicyData("adjustment rate", year=year)
        return as_rational(rates[year])

    def survivor_months(self, unit: str) -> tuple[int, int]:
        """(funeral grant, survivor lump sum) in months of the reference wage."""
        return int(str(self._unit_value(unit, "funeral_months"))), int(str(self._unit_value(unit, "survivor_months")))

    @property
    def scan_limits(self) -> tuple[int, int, int]:
        """(certification window months, transfer in-transit days, receivable open days)."""
        scans = self._national.scans
        return scans.certification_window_months, scans.transfer_in_transit_days, scans.receivable_open_days

    # --- helpers ----------------------------------------------------------------------------------
    def _check_unit(self, unit: str) -> None:
        if unit not in POOLING_UNITS:
            raise MissingPolicyData("pooling unit", unit)

    def _unit_value(self, unit: str, name: str) -> object:
        self._check_unit(unit)
        override: UnitData | None = self._units.units.get(unit)
        value = getattr(override, name) if override is not None else None
        return value if value is not None else getattr(self._units.defaults, name)

    def describe(self) -> dict[str, str]:
        """What data set this is, for every derived event and report."""
        return {
            "policy": self.name,
            "interest_years": ",".join(map(str, sorted(self._national.interest.rates))),
        }


def decimal_string(value: Fraction) -> str:
    """An exact rate as a decimal string when it is a finite decimal (for events and reports)."""
    key = (value.numerator, value.denominator)
    text = _DECIMAL_STRINGS.get(key)
    if text is None:
        text = str(Decimal(value.numerator) / Decimal(value.denominator))
        if len(_DECIMAL_STRINGS) < 4096:  # a handful of rates in practice; bounded all the same
            _DECIMAL_STRINGS[key] = text
    return text


_DECIMAL_STRINGS: dict[tuple[int, int], str] = {}
