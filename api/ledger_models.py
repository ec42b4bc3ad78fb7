"""Reply models of the ledger routes (beyond interchange v1's LedgerModel). Money is integer fen."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models import example
from standards.interchange import LedgerModel

_UNIT_EXAMPLE: dict[str, Any] = {
    "unit": "44",
    "name": "广东",
    "bank_fen": 3343323,
    "ia_liability_fen": 0,
    "pooled_fund_balance_fen": 1944000,
    "debits_fen": 3343323,
    "credits_fen": 3343323,
}


class Ledger(LedgerModel):
    """A unit's trial balance or the national one; `as_of` is null for "everything recorded so far"."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "unit": "44",
                    "as_of": "2023-08",
                    "accounts": {"bank": 3343323, "ia_liability": 1399323, "rev_employer": 1944000},
                    "debits_fen": 3343323,
                    "credits_fen": 3343323,
                    "transfer_in_transit_fen": 0,
                    "pooled_fund_balance_fen": 1944000,
                }
            ]
        },
    )
    as_of: str | None = Field(description="the month (YYYY-MM, its end) the balances are for; null: no limit")  # type: ignore[assignment]
    pooled_fund_balance_fen: int = Field(description="统筹基金结余: revenue − expense")
    as_known_at: str | None = None


class AccountMonth(BaseModel):
    model_config = example({"month": "2021-01", "debit_fen": 0, "credit_fen": 40000, "balance_fen": 40000})
    month: str
    debit_fen: int
    credit_fen: int
    balance_fen: int = Field(description="running balance on the account's normal side")


class AccountMovements(BaseModel):
    """One account of one unit, month by month (from the ledger view)."""

    model_config = example(
        {
            "unit": "44",
            "account": "ia_liability",
            "side": "Cr",
            "from": "2021-01",
            "as_of": "2021-02",
            "opening_balance_fen": 0,
            "closing_balance_fen": 80000,
            "months": [
                {"month": "2021-01", "debit_fen": 0, "credit_fen": 40000, "balance_fen": 40000},
                {"month": "2021-02", "debit_fen": 0, "credit_fen": 40000, "balance_fen": 80000},
            ],
        }
    )
    unit: str
    account: str
    side: Literal["Dr", "Cr"]
    from_: str | None = Field(alias="from")
    as_of: str | None
    opening_balance_fen: int
    closing_balance_fen: int
    months: list[AccountMonth]


class UnitBalance(BaseModel):
    model_config = example(_UNIT_EXAMPLE)
    unit: str
    name: str
    bank_fen: int
    ia_liability_fen: int = Field(description="individual accounts, temporary ones included")
    pooled_fund_balance_fen: int
    debits_fen: int
    credits_fen: int


class UnitBalances(BaseModel):
    """Every unit's headline balances (the console's national page); `national` sums them."""

    model_config = example(
        {
            "as_of": None,
            "units": [_UNIT_EXAMPLE],
            "national": {"bank_fen": 3343323, "ia_liability_fen": 0, "pooled_fund_balance_fen": 1944000},
        }
    )
    as_of: str | None
    units: list[UnitBalance]
    national: dict[str, int]
