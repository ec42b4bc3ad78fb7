"""A province's JSON-lines file applied line by line, in order (INTERCHANGE.md, Conventions).

Person messages go to the application in batches of `BATCH_LINES` (`submit_batch`: one transaction, each
line its own answer or refusal); a run line is applied on its own, after the lines before it. A line the
token may not write (another unit's) is refused `forbidden` and nothing of it is written, like any bad
line; the import goes on unless `stop_on_error`."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import IntegrityError

from api.access import check_issuing_unit
from api.auth import Principal
from api.errors import ApiError, refusal
from api.jobs import Job
from api.limits import check_limits
from domain.application import PoolingApplication
from domain.dispatch import RUN_TYPES
from domain.errors import DomainError
from standards.identifiers import IdentifierError
from standards.interchange import AnyMessage, InterchangeError, parse_message

BATCH_LINES = 500
Refusal = DomainError | InterchangeError | IdentifierError | ApiError


def run_import(
    app: PoolingApplication, principal: Principal, body: bytes, job: Job, *, migrate: bool, stop_on_error: bool
) -> None:
    """Apply every line of `body`, recording each line's outcome on the job."""
    lines = body.splitlines()
    job.lines = len(lines)
    pending: list[tuple[int, AnyMessage]] = []
    # Stopping at the first refusal must leave the lines after it unwritten, so each line is its own batch.
    batch_lines = 1 if stop_on_error else BATCH_LINES

    def flush() -> bool:
        if not pending:
            return False
        outcomes = _apply_batch(app, principal, [message for _, message in pending], migrate)
        numbered = list(zip([number for number, _ in pending], outcomes, strict=True))
        pending.clear()
        refused = [_record(job, number, outcome) for number, outcome in numbered]
        return stop_on_error and any(refused)

    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            job.skip(number)
            continue
        try:
            message = parse_message(raw)
            check_limits(message)
            check_issuing_unit(principal, message.unit)
        except (InterchangeError, ApiError) as error:
            if flush() or (_record(job, number, error) and stop_on_error):
                return
            continue
        if message.type in RUN_TYPES:
            if flush():
                return
            outcome: dict[str, Any] | Refusal
            try:
                outcome = app.submit(message, issued_by=principal.issued_by)
            except (DomainError, InterchangeError, IdentifierError) as error:
                outcome = error
            if _record(job, number, outcome) and stop_on_error:
                return
            continue
        pending.append((number, message))
        if len(pending) >= batch_lines and flush():
            return
    flush()


def _apply_batch(
    app: PoolingApplication, principal: Principal, messages: list[AnyMessage], migrate: bool
) -> list[dict[str, Any] | Refusal]:
    try:
        return list(app.submit_batch(messages, issued_by=principal.issued_by, migrate=migrate))
    except IntegrityError:
        # A person of the batch was written meanwhile (a concurrent POST /messages): nothing of the batch was
        # saved, so apply its lines one by one, each with the application's own conflict retries.
        outcomes: list[dict[str, Any] | Refusal] = []
        for message in messages:
            try:
                outcomes.append(app.submit(message, issued_by=principal.issued_by, migrate=migrate))
            except (DomainError, InterchangeError, IdentifierError) as error:
                outcomes.append(error)
        return outcomes


def _record(job: Job, number: int, outcome: dict[str, Any] | Exception) -> bool:
    """Record one line; True when it was refused."""
    if isinstance(outcome, dict):
        job.record(number, outcome, refused=False)
        return False
    job.record(number, refusal(outcome), refused=True)
    return True
