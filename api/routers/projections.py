"""`GET /api/v1/projections/status`: each view's position in the log and its lag (staff roles)."""

from __future__ import annotations

from fastapi import APIRouter

from api.access import STAFF, require_role
from api.deps import PrincipalDep, ServicesDep
from api.errors import error_responses
from api.models import ProjectionStatus, ViewPosition

router = APIRouter(prefix="/api/v1/projections", tags=["projections"])


@router.get(
    "/status",
    response_model=ProjectionStatus,
    responses=error_responses(401, 403, 503),
    summary="Views' positions and lag",
)
def status(principal: PrincipalDep, services: ServicesDep) -> ProjectionStatus:
    require_role(principal, *STAFF)
    raw = services.projections.status()
    head = int(raw.pop("head"))
    follower = services.follower
    return ProjectionStatus(
        head=head,
        views={name: ViewPosition(**row) for name, row in raw.items()},
        follower={
            "mode": follower.mode,
            "running": follower.alive,
            "interval": follower.interval,
            "failures": follower.failures,
            "leading": follower.leading,
        },
    )
