"""Dependencies of the routes, as `Annotated` aliases: the services, the verified token holder, and the
parsed parameters every read route shares.

They are `async def` on purpose: none does I/O (a token check is a signature over a few hundred bytes), and FastAPI
runs a plain `def` dependency in the thread pool, one hand-off per dependency per request."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import params
from api.auth import Principal, verify_token
from api.errors import ApiError
from api.readmodels import GuardedProjections
from api.services import Services
from domain.application import PoolingApplication
from standards.calendar import Month
from standards.codes import ErrorCode

# auto_error=False: a missing or non-Bearer header is answered by us, in the one error model (401).
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="`pooling token issue --role …` prints one; send it as `Authorization: Bearer <token>`.",
)


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise ApiError(ErrorCode.UNAUTHORIZED, "a bearer token is required (Authorization: Bearer <token>)")
    return verify_token(request.app.state.services.token_key, credentials.credentials)


ServicesDep = Annotated[Services, Depends(get_services)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_application(services: ServicesDep) -> PoolingApplication:
    return services.app


async def get_projections(services: ServicesDep) -> GuardedProjections:
    return services.projections


ApplicationDep = Annotated[PoolingApplication, Depends(get_application)]
ProjectionsDep = Annotated[GuardedProjections, Depends(get_projections)]

_ID_EXAMPLE = "440306197901010037"


async def _citizen_id(
    citizen_id: Annotated[
        str, Path(description="18-character citizen ID (GB 11643); a lower-case x is accepted", examples=[_ID_EXAMPLE])
    ],
) -> str:
    return params.citizen_id(citizen_id)


async def _as_of_date(
    as_of: Annotated[
        str | None,
        Query(
            description="effective date D (YYYY-MM-DD): what was true on D; default the store's today",
            examples=["2021-12-31"],
        ),
    ] = None,
) -> date | None:
    return params.as_of_date(as_of)


async def _as_of_month(
    as_of: Annotated[
        str | None, Query(description="month YYYY-MM: balances at its end; default everything", examples=["2023-08"])
    ] = None,
) -> Month | None:
    return params.as_of_month(as_of)


async def _as_known_at(
    as_known_at: Annotated[
        str | None,
        Query(
            description="recorded time T: what the system knew at T; an ISO instant, or a bare date meaning the end "
            "of that day in China Standard Time; default now",
            examples=["2022-03-01"],
        ),
    ] = None,
) -> datetime | None:
    return params.instant(as_known_at)


async def _unit(unit: Annotated[str, Path(description="pooling-unit code (DOMAIN.md §1.3)", examples=["44"])]) -> str:
    return params.pooling_unit(unit)


CitizenIdDep = Annotated[str, Depends(_citizen_id)]
AsOfDateDep = Annotated[date | None, Depends(_as_of_date)]
AsOfMonthDep = Annotated[Month | None, Depends(_as_of_month)]
AsKnownAtDep = Annotated[datetime | None, Depends(_as_known_at)]
UnitDep = Annotated[str, Depends(_unit)]
