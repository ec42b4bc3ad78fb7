"""`/healthz` (the process answers) and `/readyz` (the store answers a cheap query). No token needed:
load balancers and orchestrators call them."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.availability import unavailable_body
from api.deps import ServicesDep
from api.errors import error_responses
from api.masking import mask_ids
from api.models import Health, Ready
from standards.codes import ErrorCode

router = APIRouter(tags=["health"])
log = logging.getLogger("pooling.api")


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, responses=error_responses(503), summary="The event store is reachable")
def readyz(services: ServicesDep) -> Ready | JSONResponse:
    # A direct probe first: through the pool, a stopped database would hold this check for the library's
    # ten retries; the probe answers at once, and closes the gate for the other routes (api/availability.py).
    if not services.gate.probe():
        return JSONResponse(unavailable_body(), status_code=ErrorCode.UNAVAILABLE.http_status)
    try:
        head = services.app.recorder.max_notification_id() or 0
    except Exception as error:  # any failure of the store means "not ready": 503, never 200
        log.warning("readiness check failed: %s", mask_ids(str(error)))
        services.gate.mark_down()
        return JSONResponse(unavailable_body(), status_code=ErrorCode.UNAVAILABLE.http_status)
    return Ready(status="ready", head=int(head), simulated=bool(services.app.simulated))
