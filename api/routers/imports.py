"""`POST /api/v1/imports` (a JSON-lines file, applied in the background) and reading jobs back.

The answer is 202 with a job id; `GET /api/v1/imports/{job_id}` (or `/api/v1/jobs/{job_id}`, which also
shows run jobs) gives the progress and a page of the line-by-line results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from api.access import STAFF, require_role, require_writer
from api.auth import Principal
from api.body import import_body
from api.deps import PrincipalDep, ServicesDep
from api.errors import ApiError, error_responses
from api.importer import run_import
from api.job_models import JobAccepted, JobStatus
from api.jobs import Job, job_owner
from api.openapi import import_request_body
from api.services import Services
from standards.codes import ErrorCode

router = APIRouter(prefix="/api/v1", tags=["imports and jobs"])


@router.post(
    "/imports",
    status_code=202,
    response_model=JobAccepted,
    summary="Import a JSON-lines file of messages (a province's monthly contribution file)",
    responses=error_responses(401, 403, 413, 415, 422, 429, 503),
    openapi_extra={"requestBody": import_request_body()},
)
def create_import(
    principal: PrincipalDep,
    services: ServicesDep,
    body: Annotated[bytes, Depends(import_body)],
    migrate: Annotated[
        bool, Query(description="go-live migration: past periods accepted, events marked migrated")
    ] = False,
    stop_on_error: Annotated[
        bool, Query(description="stop at the first refused line (nothing after it is written)")
    ] = False,
) -> JSONResponse:
    require_writer(principal)
    job = services.jobs.submit(
        Job("import", owner=job_owner(principal), submitted_by=principal.issued_by),
        lambda job: run_import(services.app, principal, body, job, migrate=migrate, stop_on_error=stop_on_error),
    )
    href = f"/api/v1/imports/{job.job_id}"
    accepted = JobAccepted(job_id=job.job_id, kind="import", status=job.status, href=href)
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": href})


Offset = Annotated[int, Query(ge=0, le=10**9, description="first result row to return")]
Limit = Annotated[int, Query(ge=1, le=10_000, description="result rows to return")]
RefusedOnly = Annotated[bool, Query(description="only the refused lines")]


@router.get(
    "/imports/{job_id}",
    response_model=JobStatus,
    responses=error_responses(401, 403, 404, 422),
    summary="An import's progress and results",
)
def read_import(
    principal: PrincipalDep,
    services: ServicesDep,
    job_id: str,
    offset: Offset = 0,
    limit: Limit = 1000,
    refused_only: RefusedOnly = False,
) -> JobStatus:
    job = _readable_job(principal, services, job_id, kind="import")
    return JobStatus.model_validate(job.snapshot(offset, limit, refused_only))


@router.get(
    "/jobs/{job_id}",
    response_model=JobStatus,
    responses=error_responses(401, 403, 404, 422),
    summary="Any job's progress and results",
)
def read_job(
    principal: PrincipalDep,
    services: ServicesDep,
    job_id: str,
    offset: Offset = 0,
    limit: Limit = 1000,
    refused_only: RefusedOnly = False,
) -> JobStatus:
    job = _readable_job(principal, services, job_id, kind=None)
    return JobStatus.model_validate(job.snapshot(offset, limit, refused_only))


def _readable_job(principal: Principal, services: Services, job_id: str, kind: str | None) -> Job:
    require_role(principal, *STAFF)
    job = services.jobs.get(job_id)
    if job is None or (kind is not None and job.kind != kind):
        raise ApiError("not_found", "no such job in this server's memory (jobs are kept until restart)", field="job_id")
    if not principal.reads_everything and job.owner != job_owner(principal):
        raise ApiError(ErrorCode.FORBIDDEN, "this job was submitted by another unit", field="job_id")
    return job
