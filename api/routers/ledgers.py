"""Ledgers (DOMAIN.md §10): the national balance (全国一本账), a unit's trial balance, every unit's headline
balances, and one account's monthly movements. Ministry and auditors read all; a province its own unit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from api import params
from api.access import check_ledger_reader, require_role
from api.auth import Role
from api.deps import AsKnownAtDep, AsOfMonthDep, PrincipalDep, ProjectionsDep, UnitDep
from api.errors import error_responses
from api.ledger_models import AccountMovements, Ledger, UnitBalances
from api.ledger_queries import account_movements, unit_balances
from standards.calendar import Month

router = APIRouter(prefix="/api/v1/ledgers", tags=["ledgers"])
_REFUSALS = error_responses(401, 403, 422, 503)


async def _account(
    account: Annotated[str, Path(description="an account of DOMAIN.md §10.2", examples=["ia_liability"])],
) -> str:
    return params.account(account)


async def _from_month(
    from_: Annotated[
        str | None, Query(alias="from", description="first month YYYY-MM (default: the first)", examples=["2021-01"])
    ] = None,
) -> Month | None:
    return params.as_of_month(from_, field="from")


@router.get("/national", response_model=Ledger, responses=_REFUSALS, summary="The national balance")
def national(
    principal: PrincipalDep, projections: ProjectionsDep, as_of: AsOfMonthDep, as_known_at: AsKnownAtDep
) -> Any:
    check_ledger_reader(principal, None)
    return projections.ledger(None, as_of, as_known_at)


@router.get("/units", response_model=UnitBalances, responses=_REFUSALS, summary="Every unit's headline balances")
def units(principal: PrincipalDep, projections: ProjectionsDep, as_of: AsOfMonthDep) -> Any:
    require_role(principal, Role.MINISTRY, Role.AUDITOR)
    return unit_balances(projections, as_of)


@router.get("/units/{unit}", response_model=Ledger, responses=_REFUSALS, summary="A unit's trial balance")
def unit_ledger(
    principal: PrincipalDep, projections: ProjectionsDep, unit: UnitDep, as_of: AsOfMonthDep, as_known_at: AsKnownAtDep
) -> Any:
    check_ledger_reader(principal, unit)
    return projections.ledger(unit, as_of, as_known_at)


@router.get(
    "/units/{unit}/accounts/{account}",
    response_model=AccountMovements,
    response_model_by_alias=True,
    responses=_REFUSALS,
    summary="One account's monthly movements in a unit",
)
def movements(
    principal: PrincipalDep,
    projections: ProjectionsDep,
    unit: UnitDep,
    account: Annotated[str, Depends(_account)],
    first: Annotated[Month | None, Depends(_from_month)],
    as_of: AsOfMonthDep,
) -> Any:
    check_ledger_reader(principal, unit)
    return account_movements(projections, unit, account, first, as_of)
