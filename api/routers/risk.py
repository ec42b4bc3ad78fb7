"""After-the-fact risk findings (事后稽核, R101-R106), for the ministry and auditors.

A province does not read them here: a finding names a person but no unit yet, and filtering by dealings
would mean reading every person's dossier (see api/README.md, "Needed from projections")."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api import params
from api.access import require_role
from api.auth import Role
from api.deps import PrincipalDep, ProjectionsDep
from api.errors import error_responses
from api.models import Finding

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
AFTER_THE_FACT_RULES = ("R101", "R102", "R103", "R104", "R105", "R106")


def _rule(
    rule: Annotated[str | None, Query(description="only this rule, R101-R106", examples=["R103"])] = None,
) -> str | None:
    if rule is not None and rule not in AFTER_THE_FACT_RULES:
        raise params.invalid("rule", f"expected one of {', '.join(AFTER_THE_FACT_RULES)}")
    return rule


def _scan_date(
    scan_date: Annotated[
        str | None, Query(description="scan as of this date (default: the store's today)", examples=["2024-06-30"])
    ] = None,
) -> date | None:
    return params.as_of_date(scan_date, field="scan_date")


@router.get(
    "/findings", response_model=list[Finding], responses=error_responses(401, 403, 422, 503), summary="Risk findings"
)
def findings(
    principal: PrincipalDep,
    projections: ProjectionsDep,
    rule: Annotated[str | None, Depends(_rule)],
    scan_date: Annotated[date | None, Depends(_scan_date)],
) -> Any:
    require_role(principal, Role.MINISTRY, Role.AUDITOR)
    return projections.risk_findings(scan_date, rule)
