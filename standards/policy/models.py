"""Validated shapes of the policy data files (pydantic): what `national.toml` and `units.toml` may hold."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _month(value: str) -> str:
    if not _MONTH.match(value):
        raise ValueError(f"expected YYYY-MM, got {value!r}")
    return value


def _rate(value: str) -> str:
    Decimal(value)  # raises on a malformed decimal string
    if not isinstance(value, str):
        raise ValueError("rates are decimal strings")
    return value


class RateFrom(_Data):
    """A rate in force from a month on, until the next entry."""

    from_: str = Field(alias="from")
    rate: str

    _check_month = field_validator("from_")(_month)
    _check_rate = field_validator("rate")(_rate)


def _ordered(entries: list[RateFrom]) -> list[RateFrom]:
    if not entries:
        raise ValueError("at least one dated rate is required")
    months = [entry.from_ for entry in entries]
    if months != sorted(months) or len(set(months)) != len(months):
        raise ValueError("dated rates must be in increasing order of their month")
    return entries


class ContributionData(_Data):
    base_floor_ratio: str
    base_cap_ratio: str
    employee_rate: list[RateFrom]
    flexible_pooled_rate: list[RateFrom]
    flexible_account_rate: list[RateFrom]

    _check_ordered = field_validator("employee_rate", "flexible_pooled_rate", "flexible_account_rate")(_ordered)


class InterestData(_Data):
    rate_before_2016: str
    first_national_year: int
    rates: dict[int, str]


class RetirementGroupData(_Data):
    original_age_months: int = Field(gt=0)
    first_birth_month: str
    step_birth_months: int = Field(gt=0)
    max_delay_months: int = Field(ge=0)

    _check_month = field_validator("first_birth_month")(_month)


class MinimumMonthsData(_Data):
    base: int
    last_year_at_base: int
    step_per_year: int
    maximum: int


class FlexibleWindowData(_Data):
    early_max_months: int
    late_max_months: int


class RetirementData(_Data):
    groups: dict[Literal["male", "female_cadre", "female_worker"], RetirementGroupData]
    minimum_months: MinimumMonthsData
    flexible_window: FlexibleWindowData


class DivisorData(_Data):
    months_by_age: dict[int, int]

    @field_validator("months_by_age")
    @classmethod
    def _whole_range(cls, table: dict[int, int]) -> dict[int, int]:
        if sorted(table) != list(range(40, 71)):
            raise ValueError("the divisor table must cover every age from 40 to 70")
        return table


class TransferData(_Data):
    pooled_ratio: str
    pooled_from: str
    temporary_account_age_months: dict[Literal["male", "female"], int]
    benefit_place_threshold_months: int


class AdjustmentData(_Data):
    rates: dict[int, str]


class ScanData(_Data):
    certification_window_months: int
    transfer_in_transit_days: int
    receivable_open_days: int


class NationalData(_Data):
    """Everything in `national.toml`."""

    contribution: ContributionData
    interest: InterestData
    retirement: RetirementData
    divisor: DivisorData
    transfer: TransferData
    adjustment: AdjustmentData
    scans: ScanData


class UnitData(_Data):
    """The parameters one pooling unit may set (every field optional in an override)."""

    employer_rate: list[RateFrom] | None = None
    transitional_coefficient: str | None = None
    deemed_index: str | None = None
    divisor_method: Literal["linear_1dp", "whole_years"] | None = None
    funeral_months: int | None = Field(default=None, ge=0)
    survivor_months: int | None = Field(default=None, ge=0)


class UnitsData(_Data):
    """Everything in `units.toml`."""

    defaults: UnitData
    units: dict[str, UnitData] = Field(default_factory=dict)
