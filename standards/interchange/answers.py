"""Answers and read-side bodies of interchange v1: success, error, dossier, ledger (INTERCHANGE.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from standards.codes import ErrorCode, PersonStatus


class _Output(BaseModel):
    # Answers may carry more than the contract's minimum (INTERCHANGE.md: "add fields freely").
    model_config = ConfigDict(extra="allow")


class Applied(_Output):
    """A command accepted now (`applied`) or earlier under the same serial (`replayed`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "applied",
                    "serial": "44-202104-000123",
                    "events": ["ContributionPaid"],
                    "flags": ["R006"],
                    "result": {"base_fen": 592560, "clamped": "up"},
                }
            ]
        }
    )

    status: Literal["applied", "replayed"]
    serial: str
    events: list[str] = Field(description="names of the events written")
    flags: list[str] = Field(default_factory=list, description="risk flags raised, e.g. R006")
    result: dict[str, Any] | None = Field(
        default=None, description="what the command determined: a benefit, transfer amounts, a run summary"
    )


class ErrorAnswer(_Output):
    """The one error model; the HTTP status follows from `error` (ErrorCode.http_status)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "rule_violation",
                    "message": "duplicate contribution (重复缴费) for 2021-04",
                    "field": "period",
                    "rule": "R002",
                }
            ]
        }
    )

    error: ErrorCode
    message: str
    field: str | None = None
    rule: str | None = None


class BenefitModel(_Output):
    """The monthly benefit in force, by component; `total_fen` is their sum."""

    basic_fen: int
    account_fen: int
    transitional_fen: int
    adjustment_fen: int
    total_fen: int


class DossierEvent(_Output):
    """One event of a dossier's list."""

    type: str
    effective: date
    recorded: datetime
    serial: str | None
    unit: str | None


class DossierModel(_Output):
    """电子档案袋: a person's record as of a date and as known at an instant (INTERCHANGE.md, Dossier)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "citizen_id": "440306197901010037",
                    "name": "张伟",
                    "sex": "male",
                    "birth": "1979-01-01",
                    "status": "contributing",
                    "status_detail": "contributing",
                    "insured_unit": "44",
                    "benefit_unit": None,
                    "benefit_unit_provisional": "44",
                    "contribution_months": 3,
                    "deemed_months": 0,
                    "months_by_unit": {"44": 3},
                    "account_balance_fen": 120000,
                    "accrued_interest_fen": 0,
                    "relation_unit": "44",
                    "benefit": None,
                    "paid_total_fen": 0,
                    "as_of": "2021-03-31",
                    "as_known_at": "2021-04-01T00:00:00Z",
                    "simulated": False,
                    "events": [
                        {
                            "type": "Enrolled",
                            "effective": "2021-01-04",
                            "recorded": "2021-01-04T02:00:00Z",
                            "serial": "44-20210104-0001",
                            "unit": "44",
                        }
                    ],
                }
            ]
        }
    )

    citizen_id: str
    name: str
    sex: Literal["male", "female"]
    birth: date
    status: Literal["not_enrolled", "contributing", "suspended", "retired", "deceased"]
    status_detail: PersonStatus = Field(description="the exact status code of DOMAIN.md §2.4")
    insured_unit: str | None = Field(description="where contributions are paid now")
    benefit_unit: str | None = Field(description="待遇领取地, once retired")
    benefit_unit_provisional: str | None = Field(description="the place of benefit DOMAIN.md §6 gives today")
    contribution_months: int = Field(description="actual months paid, back-payments included")
    deemed_months: int
    months_by_unit: dict[str, int] = Field(description="actual months by the unit where they were paid")
    account_balance_fen: int = Field(description="credited balance, all sub-ledgers and any amount in transit")
    accrued_interest_fen: int = Field(description="provisional interest for months not yet credited")
    relation_unit: str | None = Field(description="基本养老保险关系所在地")
    benefit: BenefitModel | None
    paid_total_fen: int
    as_of: date
    as_known_at: datetime
    simulated: bool
    events: list[DossierEvent]
    gaps: list[Any] | None = Field(default=None, description="ranges of unpaid months (DOMAIN.md §12.1)")
    flags: list[Any] | None = Field(default=None, description="risk flags on the person")


class LedgerModel(_Output):
    """A unit's (or the national) ledger: balances by account of DOMAIN.md §10.2, in fen."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit": "national",
                    "as_of": "2025-12",
                    "accounts": {"bank": 3343323, "ia_liability": 1399323, "rev_transfer_in": 1944000},
                    "debits_fen": 3343323,
                    "credits_fen": 3343323,
                    "transfer_in_transit_fen": 0,
                }
            ]
        }
    )

    unit: str = Field(description="a pooling unit's code, or national")
    as_of: str | None = Field(description="the month (YYYY-MM, its end) the balances are for; null for all to date")
    accounts: dict[str, int]
    debits_fen: int
    credits_fen: int
    transfer_in_transit_fen: int = Field(description="sent and not yet received: a memo, not an account")
    pooled_fund_balance_fen: int | None = Field(
        default=None, description="统筹基金结余: Σ revenue − Σ expense, derived, never posted (DOMAIN.md §10.1)"
    )
    as_known_at: str | None = Field(default=None, description="set when the balances are from the events known at T")
