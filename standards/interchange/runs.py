"""Run messages: one command over many persons, without a citizen_id (DOMAIN.md §4.4, §9.1, §9.2)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from standards.interchange.base import MessageBase
from standards.interchange.fields import DateField, DecimalText, MonthField, NationalUnit, PoolingUnit, Year


class InterestRunMessage(MessageBase):
    """个人账户记账利息: the ministry credits year Y's interest (and makes Y's rate available)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "interest_run", "serial": "00-INT-2024", "unit": "00", "year": 2024}]}
    )

    type: Literal["interest_run"]
    unit: NationalUnit = Field(description="the ministry, 00")
    year: Year


class PayoutRunMessage(MessageBase):
    """养老金发放: pays every retiree whose benefit is received in the unit, up to `month`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "payout_run",
                    "serial": "32-PAY-202505",
                    "unit": "32",
                    "month": "2025-05",
                    "paid_on": "2025-05-10",
                }
            ]
        }
    )

    type: Literal["payout_run"]
    unit: PoolingUnit = Field(description="the paying unit (place of benefit receipt)")
    month: MonthField = Field(description="pays benefit months up to this one")
    paid_on: DateField | None = Field(default=None, description="payment date; default the recorded date")


class AdjustmentRunMessage(MessageBase):
    """待遇调整: the ministry applies year Y's flat adjustment rate, which must equal policy."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"type": "adjustment_run", "serial": "00-ADJ-2025", "unit": "00", "year": 2025, "rate": "0.02"}
            ]
        }
    )

    type: Literal["adjustment_run"]
    unit: NationalUnit = Field(description="the ministry, 00")
    year: Year
    rate: DecimalText = Field(description='the overall rate as a decimal string, e.g. "0.02"')
