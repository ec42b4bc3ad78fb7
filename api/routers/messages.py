"""`POST /api/v1/messages`: one interchange v1 message of any type (INTERCHANGE.md), with its serial.

201 `applied`, 200 `replayed` (the same (unit, serial) and body again: the first answer, nothing written),
or a refusal in the one error model. A run (`payout_run`, `interest_run`, `adjustment_run`) may be sent
with `?background=true`: it is queued as a job (202) and its answer read back at `/api/v1/jobs/{job_id}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from api.access import check_issuing_unit, require_writer
from api.body import message_body
from api.deps import PrincipalDep, ServicesDep
from api.errors import error_responses, refusal
from api.job_models import JobAccepted
from api.jobs import Job, job_owner
from api.limits import check_limits
from api.openapi import message_request_body
from api.params import invalid
from api.services import Services
from domain.dispatch import RUN_TYPES
from domain.errors import DomainError
from standards.identifiers import IdentifierError
from standards.interchange import AnyMessage, Applied, InterchangeError, parse_message

router = APIRouter(prefix="/api/v1/messages", tags=["messages"])


@router.post(
    "",
    status_code=201,
    response_model=Applied,
    summary="Submit one interchange message",
    responses={
        200: {"model": Applied, "description": "replayed: this (unit, serial) was applied before; nothing written"},
        202: {"model": JobAccepted, "description": "a run queued as a background job (`background=true`)"},
        **error_responses(401, 403, 404, 409, 413, 415, 422, 424, 429, 503),
    },
    openapi_extra={"requestBody": message_request_body()},
)
def submit_message(
    principal: PrincipalDep,
    services: ServicesDep,
    body: Annotated[bytes, Depends(message_body)],
    response: Response,
    migrate: Annotated[bool, Query(description="go-live migration (上线切换): past periods accepted")] = False,
    background: Annotated[bool, Query(description="queue a run as a job and answer 202 at once")] = False,
) -> Any:
    require_writer(principal)
    message = parse_message(body)
    check_limits(message)
    check_issuing_unit(principal, message.unit)
    if background:
        if message.type not in RUN_TYPES:
            raise invalid("background", "only runs (payout_run, interest_run, adjustment_run) run in the background")
        job = services.jobs.submit(
            Job("run", owner=job_owner(principal), submitted_by=principal.issued_by),
            lambda job: _run_job(services, principal.issued_by, message, job),
        )
        href = f"/api/v1/jobs/{job.job_id}"
        accepted = JobAccepted(job_id=job.job_id, kind="run", status=job.status, href=href)
        return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": href})
    # Concurrent requests share a transaction (group commit); each still gets its own answer.
    answer = services.app.submit_grouped(message, issued_by=principal.issued_by, migrate=migrate)
    response.status_code = 200 if answer["status"] == "replayed" else 201
    return answer


def _run_job(services: Services, issued_by: str, message: AnyMessage, job: Job) -> None:
    job.lines = 1
    try:
        answer = services.app.submit(message, issued_by=issued_by)
    except (DomainError, InterchangeError, IdentifierError) as error:
        job.answer = refusal(error)
        job.record(1, job.answer, refused=True)
        return
    job.answer = answer
    job.record(1, answer, refused=False)
