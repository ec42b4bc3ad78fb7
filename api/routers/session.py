"""`GET /api/v1/whoami`: what the API makes of a token (the console shows it after a token is pasted)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PrincipalDep
from api.errors import error_responses
from api.models import WhoAmI

router = APIRouter(prefix="/api/v1", tags=["session"])


@router.get("/whoami", response_model=WhoAmI, responses=error_responses(401), summary="The token's holder")
def whoami(principal: PrincipalDep) -> WhoAmI:
    return WhoAmI(
        role=principal.role.value, unit=principal.unit, citizen_id=principal.citizen_id, issued_by=principal.issued_by
    )
