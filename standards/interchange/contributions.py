"""Messages of the contribution years: enrollment, contributions, suspension, employer change, transfer."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from standards.calendar import Month
from standards.interchange.base import PersonMessage
from standards.interchange.fields import (
    DateField,
    Fen,
    MonthCount,
    MonthField,
    Name,
    PoolingUnit,
    Reason,
    Serial,
    UsccText,
)

_ID = "440306197901010037"
_USCC = "91350100M000100Y43"


class EnrollmentMessage(PersonMessage):
    """参保登记: the person starts in the issuing unit, as an employee (with USCC) or a flexible worker."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "enrollment",
                    "serial": "44-20210104-0001",
                    "unit": "44",
                    "citizen_id": _ID,
                    "effective": "2021-01-04",
                    "kind": "employee",
                    "employer_uscc": _USCC,
                    "name": "张伟",
                    "hukou_unit": "44",
                }
            ]
        }
    )

    type: Literal["enrollment"]
    effective: DateField
    kind: Literal["employee", "flexible"] = Field(description="employee (with employer_uscc) or flexible worker")
    employer_uscc: UsccText | None = Field(
        default=None, validate_default=True, description="the employer; required for employee, forbidden for flexible"
    )
    name: Name
    hukou_unit: PoolingUnit = Field(description="户籍所在地")
    category: Literal["worker", "cadre"] = Field(
        default="worker", description="women's retirement group; ignored for a man"
    )
    deemed_months: MonthCount = Field(default=0, description="视同缴费月数, before 1996-01; first enrollment only")
    account_opened: MonthField | None = Field(
        default=None,
        validate_default=True,
        description="first month with an individual account; default the enrollment month",
    )

    @field_validator("employer_uscc")
    @classmethod
    def _employer_matches_kind(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if kind == "employee" and value is None:
            raise ValueError("required for kind employee")
        if kind == "flexible" and value is not None:
            raise ValueError("not allowed for kind flexible")
        return value

    @field_validator("account_opened")
    @classmethod
    def _default_to_enrollment_month(cls, value: Month | None, info: ValidationInfo) -> Month | None:
        # Filled in so that omitting it and sending the enrollment month are the same canonical body.
        effective = info.data.get("effective")
        if value is None and effective is not None:
            return Month.of(effective)
        return value


class ContributionMessage(PersonMessage):
    """缴费: one month's contribution on a declared base (clamped to the bounds, the clamp recorded)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "contribution",
                    "serial": "44-202104-000123",
                    "unit": "44",
                    "citizen_id": _ID,
                    "period": "2021-04",
                    "base_fen": 500000,
                    "employer_uscc": _USCC,
                    "paid_on": "2021-04-15",
                }
            ]
        }
    )

    type: Literal["contribution"]
    period: MonthField = Field(description="费款所属期: the recorded month or the month before")
    base_fen: Fen = Field(description="declared base")
    employer_uscc: UsccText | None = Field(default=None, description="if given, must be the current employer")
    paid_on: DateField | None = Field(default=None, description="date the money arrived; default the recorded date")


class BackPaymentMessage(PersonMessage):
    """补缴: a past month paid late, at the bounds and rates of that month."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "back_payment",
                    "serial": "32-BP-20240210-7",
                    "unit": "32",
                    "citizen_id": "320583198207222647",
                    "period": "2023-03",
                    "base_fen": 555000,
                    "reason": "missed while abroad",
                    "paid_on": "2024-02-10",
                }
            ]
        }
    )

    type: Literal["back_payment"]
    period: MonthField = Field(description="a month before the recorded month")
    base_fen: Fen = Field(description="declared base")
    reason: Reason
    paid_on: DateField | None = Field(default=None, description="date the money arrived; default the recorded date")


class SuspensionMessage(PersonMessage):
    """中断/暂停缴费: the contribution obligation ends from `effective`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "suspension",
                    "serial": "44-SUS-000045",
                    "unit": "44",
                    "citizen_id": _ID,
                    "effective": "2023-07-01",
                    "reason": "left_employer",
                }
            ]
        }
    )

    type: Literal["suspension"]
    effective: DateField
    reason: Literal["unemployed", "left_employer", "other"] = Field(
        description="unemployed / left_employer: interrupted (中断); other: suspended (暂停)"
    )


class EmployerChangeMessage(PersonMessage):
    """单位变更: a new employer within the same pooling unit; no money moves."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "employer_change",
                    "serial": "44-EC-000046",
                    "unit": "44",
                    "citizen_id": _ID,
                    "effective": "2022-03-01",
                    "employer_uscc": _USCC,
                }
            ]
        }
    )

    type: Literal["employer_change"]
    effective: DateField
    employer_uscc: UsccText


class TransferRequestMessage(PersonMessage):
    """转移接续, step 1: the receiving unit (the relation unit) asks `from_unit` for the person's record."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "transfer_request",
                    "serial": "32-TR-20230710-1",
                    "unit": "32",
                    "citizen_id": _ID,
                    "from_unit": "44",
                }
            ]
        }
    )

    type: Literal["transfer_request"]
    from_unit: PoolingUnit = Field(description="the sending unit, not the requesting one")

    @field_validator("from_unit")
    @classmethod
    def _other_unit(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("unit"):
            raise ValueError("must differ from unit")
        return value


class TransferSendMessage(PersonMessage):
    """转移接续, step 2: the sending unit sends; the system computes the amounts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "transfer_send",
                    "serial": "44-TS-20230720-9",
                    "unit": "44",
                    "citizen_id": _ID,
                    "request_serial": "32-TR-20230710-1",
                }
            ]
        }
    )

    type: Literal["transfer_send"]
    request_serial: Serial = Field(description="the receiving unit's transfer_request serial")


class TransferReceiveMessage(PersonMessage):
    """转移接续, step 3: the receiving unit confirms receipt of the amounts sent."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "transfer_receive",
                    "serial": "32-TV-20230725-1",
                    "unit": "32",
                    "citizen_id": _ID,
                    "request_serial": "32-TR-20230710-1",
                }
            ]
        }
    )

    type: Literal["transfer_receive"]
    request_serial: Serial = Field(description="the receiving unit's own transfer_request serial")
