"""Reply models of the API beyond interchange v1's own (standards.interchange: Applied, DossierModel, ...):
health, session, persons, risk and projections; ledgers and jobs have modules of their own.

Every model carries an example, shown at /docs. Money is integer fen throughout."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


_EVENT_EXAMPLE: dict[str, Any] = {
    "version": 3,
    "type": "ContributionPaid",
    "effective": "2021-01-15",
    "recorded": "2021-01-15T02:00:00Z",
    "unit": "44",
    "serial": "c202101",
    "reversed": False,
    "data": {"period": "2021-01", "base_fen": 500000, "account_fen": 40000, "pooled_fen": 80000},
}
_POINT_EXAMPLE: dict[str, Any] = {
    "year": 2021,
    "months": 12,
    "average_base_fen": 500000,
    "account_paid_fen": 480000,
    "account_balance_fen": 497394,
    "balance_date": "2021-12-31",
}


class Health(BaseModel):
    """The process answers."""

    model_config = example({"status": "ok"})
    status: Literal["ok"]


class Ready(BaseModel):
    """The store answered a cheap query: the head of the notification log."""

    model_config = example({"status": "ready", "head": 186, "simulated": False})
    status: Literal["ready"]
    head: int
    simulated: bool


class WhoAmI(BaseModel):
    """The holder of the bearer token, as the API sees it."""

    model_config = example(
        {"role": "province", "unit": "44", "citizen_id": None, "issued_by": "province:44:3f2a9c01d4e5b6a7"}
    )
    role: Literal["province", "ministry", "auditor", "citizen"]
    unit: str | None
    citizen_id: str | None
    issued_by: str = Field(description="what a write by this token records as its issuer")


class PersonEvent(BaseModel):
    """One event of a person's stream, with both times; `data` holds the event's own fields."""

    model_config = example(_EVENT_EXAMPLE)
    version: int
    type: str
    effective: str
    recorded: datetime
    unit: str
    serial: str
    reversed: bool = Field(description="a later correction (冲正) reversed this event")
    data: dict[str, Any]


class PersonEvents(BaseModel):
    """Every event of a person's stream in recorded order, reversed ones included and marked."""

    model_config = example({"citizen_id": "440306197901010037", "events": [_EVENT_EXAMPLE]})
    citizen_id: str
    events: list[PersonEvent]


class SeriesPoint(BaseModel):
    """One year of the chart."""

    model_config = example(_POINT_EXAMPLE)
    year: int
    months: int = Field(description="months paid for this year (by contribution period)")
    average_base_fen: int | None = Field(description="mean contribution base of those months, rounded half up")
    account_paid_fen: int = Field(description="paid into the individual account for this year's months")
    account_balance_fen: int = Field(description="the dossier's account balance on balance_date")
    balance_date: str


class Series(BaseModel):
    """Contribution base and account balance by year, as of a date and as known at an instant."""

    model_config = example(
        {
            "citizen_id": "440306197901010037",
            "as_of": "2023-12-31",
            "as_known_at": "2024-01-01T00:00:00Z",
            "simulated": True,
            "points": [_POINT_EXAMPLE],
        }
    )
    citizen_id: str
    as_of: str
    as_known_at: datetime
    simulated: bool
    points: list[SeriesPoint]


class Finding(BaseModel):
    """An after-the-fact risk finding (R101-R106) with the stream versions that prove it."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "rule": "R103",
                    "citizen_id": "440306195001010031",
                    "title": "certification overdue",
                    "amount_fen": 0,
                    "detail": "last certified 2023-01-05",
                    "evidence": [12],
                }
            ]
        },
    )
    rule: str
    citizen_id: str
    title: str
    amount_fen: int
    detail: str
    evidence: list[int]


class ViewPosition(BaseModel):
    model_config = example({"position": 186, "lag": 0, "events_per_second": 21000, "waiting": 0})
    position: int
    lag: int
    events_per_second: int = 0  # the view's last catch-up
    waiting: int = 0  # rows put off until the runner reaches the head (dossiers far behind it)


class ProjectionStatus(BaseModel):
    """Each view's position in the log, its lag, and whether this process's follower thread runs and leads (with
    several server processes on one PostgreSQL store, one follower folds: projections/follower_lock.py)."""

    model_config = example(
        {
            "head": 186,
            "views": {"dossiers": {"position": 186, "lag": 0}, "ledgers": {"position": 186, "lag": 0}},
            "follower": {"mode": "thread", "running": True, "interval": 1.0, "failures": 0, "leading": True},
        }
    )
    head: int
    views: dict[str, ViewPosition]
    follower: dict[str, Any]
