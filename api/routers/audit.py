"""The audit replay over HTTP: an auditor or the ministry starts one in the background and reads its report.

One replay at a time per server (every replay rebuilds the same `audit_` tables); each replay's progress is
kept in memory on the app, its report on disk (`var/audit/`, or `POOLING_AUDIT_DIR`)."""

from __future__ import annotations

import contextlib
import os
import threading
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api import params
from api.access import require_role
from api.auth import Role
from api.deps import PrincipalDep, ServicesDep
from api.errors import ApiError, error_responses
from projections.audit import ReplayProgress, read_report, start_replay
from standards.codes import ErrorCode

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class ReplayRequest(BaseModel):
    """What to replay: everything, or only what was recorded at or before `until`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}, {"until": "2024-03-01T00:00:00Z"}]})

    until: str | None = Field(
        default=None, description="replay as known at T: ISO instant, or a date (end of day, CST)"
    )


class ReplayStatus(BaseModel):
    """Where a replay is; `ok` and the report paths once it has finished."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"replay_id": "replay-20260101T000000000000Z", "phase": "comparing", "position": 5000, "head": 9000}
            ]
        }
    )

    replay_id: str
    phase: str
    position: int = 0
    head: int = 0
    rows: int = 0
    events_per_second: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    ok: bool | None = None
    report_json: str | None = None
    report_html: str | None = None
    error: str | None = None


def _replays(request: Request) -> dict[str, ReplayProgress]:
    state = request.app.state
    if not hasattr(state, "audit_replays"):
        state.audit_replays = {}
        state.audit_lock = threading.Lock()
    replays: dict[str, ReplayProgress] = state.audit_replays
    return replays


def wait_for_replays(app: Any, timeout: float = 300.0) -> None:
    """At shutdown: let running replays finish (they use the application about to be closed)."""
    for thread in getattr(app.state, "audit_threads", []):
        thread.join(timeout)


def _find(request: Request, replay_id: str) -> ReplayProgress:
    found = _replays(request).get(replay_id)
    if found is None:
        raise ApiError("not_found", f"no replay {replay_id!r} on this server", field="replay_id")
    return found


@router.post(
    "/replays",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReplayStatus,
    responses=error_responses(401, 403, 409, 422, 503),
    summary="Start an audit replay in the background",
)
def start(
    request: Request,
    response: Response,
    principal: PrincipalDep,
    services: ServicesDep,
    body: Annotated[ReplayRequest | None, Body()] = None,
) -> Any:
    require_role(principal, Role.AUDITOR, Role.MINISTRY)
    until: datetime | None = params.instant(body.until, field="until") if body and body.until else None
    replays = _replays(request)
    with request.app.state.audit_lock:
        if any(progress.finished_at is None and progress.phase != "failed" for progress in replays.values()):
            raise ApiError(ErrorCode.CONFLICT, "an audit replay is already running; read its progress instead")
        progress = ReplayProgress()
        replays[progress.replay_id] = progress
    out_dir = os.environ.get("POOLING_AUDIT_DIR") or None

    def work() -> None:
        # A failure is recorded on the progress object the client reads; the thread has nobody else to tell.
        with contextlib.suppress(Exception):
            start_replay(services.app, until=until, out_dir=out_dir, progress=progress)

    thread = threading.Thread(target=work, name=f"audit-{progress.replay_id}", daemon=True)
    request.app.state.audit_threads = [*getattr(request.app.state, "audit_threads", []), thread]
    thread.start()
    response.headers["Location"] = f"/api/v1/audit/replays/{progress.replay_id}"
    return progress.snapshot()


@router.get("/replays/{replay_id}", response_model=ReplayStatus, responses=error_responses(401, 403, 404, 422))
def progress_of(request: Request, principal: PrincipalDep, replay_id: str) -> Any:
    """A replay's progress (and, once finished, whether it passed)."""
    require_role(principal, Role.AUDITOR, Role.MINISTRY)
    return _find(request, replay_id).snapshot()


@router.get("/replays/{replay_id}/report", responses=error_responses(401, 403, 404, 409, 422))
def report_of(request: Request, principal: PrincipalDep, replay_id: str) -> dict[str, Any]:
    """The finished replay's report: totals, discrepancies, findings (JSON; the HTML sits beside it on disk)."""
    require_role(principal, Role.AUDITOR, Role.MINISTRY)
    progress = _find(request, replay_id)
    if progress.report_json is None:
        raise ApiError(ErrorCode.CONFLICT, f"replay {replay_id} has no report yet (phase {progress.phase})")
    return read_report(progress.report_json)


@router.get("/status", response_model=ReplayStatus, responses=error_responses(401, 403, 404))
def latest(request: Request, principal: PrincipalDep) -> Any:
    """The latest replay started on this server (what the console's audit panel shows)."""
    require_role(principal, Role.AUDITOR, Role.MINISTRY)
    replays = _replays(request)
    if not replays:
        raise ApiError("not_found", "no audit replay has been started on this server")
    return list(replays.values())[-1].snapshot()
