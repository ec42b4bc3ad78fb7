"""Messages of retirement and after, corrections, and the two migration messages (DOMAIN.md §7-§9, §15.10)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from standards.interchange.base import AnyUnitPersonMessage, PersonMessage
from standards.interchange.fields import DateField, DecimalText, Fen, MonthCount, MonthField, Reason, Serial

_ID = "320102196503151231"


class RetirementMessage(PersonMessage):
    """退休 / 待遇核定: determines the benefit; sent by the place of benefit receipt."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "retirement",
                    "serial": "32-RET-20250410-3",
                    "unit": "32",
                    "citizen_id": _ID,
                    "retirement": "2025-04",
                    "base_wage_fen": 987600,
                    "early_months": 0,
                    "late_months": 0,
                }
            ]
        }
    )

    type: Literal["retirement"]
    retirement: MonthField = Field(description="the retirement month M; the first benefit month is M + 1")
    base_wage_fen: Fen | None = Field(default=None, description="计发基数 W; default from policy data")
    # "At most one of them non-zero" is rule R007 (DOMAIN.md §7.3), checked in the rule order of §15.1.
    early_months: MonthCount = Field(default=0, description="弹性提前退休, months elected")
    late_months: MonthCount = Field(default=0, description="弹性延迟退休, months elected")


class CertificationMessage(AnyUnitPersonMessage):
    """待遇资格认证: the retiree was certified alive and entitled on `effective`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "certification",
                    "serial": "32-CERT-20250601-77",
                    "unit": "32",
                    "citizen_id": _ID,
                    "effective": "2025-06-01",
                }
            ]
        }
    )

    type: Literal["certification"]
    effective: DateField


class DeathMessage(AnyUnitPersonMessage):
    """死亡: payouts stop after the death month; survivor benefits and inheritance follow."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "death",
                    "serial": "32-DTH-20251115-2",
                    "unit": "32",
                    "citizen_id": _ID,
                    "date_of_death": "2025-09-10",
                    "cause": "illness",
                }
            ]
        }
    )

    type: Literal["death"]
    date_of_death: DateField
    cause: Literal["illness", "accident", "work_injury"] = Field(
        default="illness", description="work_injury: no survivor benefits here (work-injury insurance pays)"
    )


class RecoveryMessage(PersonMessage):
    """追回: an amount recovered of open overpayments, settled oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "recovery",
                    "serial": "32-REC-20260105-1",
                    "unit": "32",
                    "citizen_id": _ID,
                    "amount_fen": 550344,
                }
            ]
        }
    )

    type: Literal["recovery"]
    amount_fen: Fen


class CorrectionMessage(AnyUnitPersonMessage):
    """冲正: reverses the event of an earlier message of the same unit, and what was derived from it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "correction",
                    "serial": "44-COR-000001",
                    "unit": "44",
                    "citizen_id": "440306197901010037",
                    "corrects_serial": "44-202104-000123",
                    "reason": "base keyed twice",
                }
            ]
        }
    )

    type: Literal["correction"]
    corrects_serial: Serial = Field(description="serial of the corrected message, sent by the same unit")
    reason: Reason


class OpeningBalanceMessage(PersonMessage):
    """Migration only: the legacy individual-account sub-ledger balance at a date, interest included."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "opening_balance",
                    "serial": "44-MIG-OB-000001",
                    "unit": "44",
                    "citizen_id": "440306197901010037",
                    "as_of": "2020-12-31",
                    "account_fen": 1234567,
                }
            ]
        }
    )

    type: Literal["opening_balance"]
    as_of: DateField
    account_fen: Fen


class MigratedBenefitMessage(PersonMessage):
    """Migration only: a benefit determined by the legacy system, with its components and M."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "migrated_benefit",
                    "serial": "32-MIG-BEN-000001",
                    "unit": "32",
                    "citizen_id": _ID,
                    "retirement": "2025-04",
                    "basic_fen": 352988,
                    "account_fen": 135588,
                    "transitional_fen": 61768,
                    "adjustment_fen": 0,
                    "divisor": "138.4",
                    "account_balance_fen": 18765432,
                }
            ]
        }
    )

    type: Literal["migrated_benefit"]
    retirement: MonthField = Field(description="the retirement month M")
    basic_fen: Fen
    account_fen: Fen
    transitional_fen: Fen
    adjustment_fen: Fen = Field(description="adjustments in force at migration")
    divisor: DecimalText = Field(description='计发月数 as a decimal string, e.g. "138.4"')
    account_balance_fen: Fen = Field(description="the account balance at M")

    @field_validator("divisor")
    @classmethod
    def _positive(cls, value: str) -> str:
        if Decimal(value) == 0:
            raise ValueError("must be positive")
        return value
