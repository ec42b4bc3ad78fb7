"""Background jobs: JSON-lines imports and runs sent with `?background=true`, applied by one worker thread.

One worker, first come first served: a province's files apply in the order they were sent, and the
application serializes writes anyway. Jobs live in this process's memory (the last `jobs_kept` finished
ones are kept): after a restart a job id is unknown, and the client simply sends the file again; every line
carries its business serial, so lines already applied answer `replayed` and nothing is written twice."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import ConnectionUnavailableError, InterfaceError, OperationalError

from api.masking import mask_ids

log = logging.getLogger("pooling.jobs")

# A success row is kept as a tuple (line, status, serial, events, flags): a large file has millions of them.
_SuccessRow = tuple[int, str, str, tuple[str, ...], tuple[str, ...]]


def job_owner(principal: Any) -> str:
    """Who may read a job back besides the ministry and auditors: a token of the same role and unit."""
    return f"{principal.role.value}:{principal.unit or '-'}"


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Job:
    """One job's progress and line-by-line results; written by the worker, read by request threads."""

    def __init__(self, kind: str, owner: str, submitted_by: str) -> None:
        self.job_id = uuid.uuid4().hex
        self.kind, self.owner, self.submitted_by = kind, owner, submitted_by
        self.status = "queued"
        self.created_at = _now()
        self.started_at: str | None = None
        self.finished_at: str | None = None
        self.lines = self.processed = self.applied = self.replayed = self.refused = 0
        self.error: dict[str, Any] | None = None
        self.answer: dict[str, Any] | None = None
        self._rows: list[_SuccessRow | dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, line: int, outcome: dict[str, Any], *, refused: bool) -> None:
        """One line's answer (`applied`/`replayed`) or refusal (the error body)."""
        with self._lock:
            self.processed = max(self.processed, line)
            if refused:
                self.refused += 1
                self._rows.append({"line": line, **outcome})
                return
            if outcome["status"] == "replayed":
                self.replayed += 1
            else:
                self.applied += 1
            if "summary" in outcome:  # a run's answer is kept whole: its summary is the point
                self._rows.append({"line": line, **outcome})
            else:
                row = (line, outcome["status"], outcome["serial"], tuple(outcome["events"]), tuple(outcome["flags"]))
                self._rows.append(row)

    def skip(self, line: int) -> None:
        with self._lock:
            self.processed = max(self.processed, line)

    def snapshot(self, offset: int = 0, limit: int = 1000, refused_only: bool = False) -> dict[str, Any]:
        """The job as the API shows it, with a page of its results."""
        with self._lock:
            rows = (
                [row for row in self._rows if isinstance(row, dict) and "error" in row] if refused_only else self._rows
            )
            page = [_expand(row) for row in rows[offset : offset + limit]]
            return {
                "job_id": self.job_id,
                "kind": self.kind,
                "status": self.status,
                "submitted_by": self.submitted_by,
                "created_at": self.created_at,
                "started_at": self.started_at,
                "finished_at": self.finished_at,
                "lines": self.lines,
                "processed": self.processed,
                "applied": self.applied,
                "replayed": self.replayed,
                "refused": self.refused,
                "error": self.error,
                "answer": self.answer,
                "results_total": len(rows),
                "results_offset": offset,
                "results": page,
            }


def _expand(row: _SuccessRow | dict[str, Any]) -> dict[str, Any]:
    if isinstance(row, dict):
        return row
    line, status, serial, events, flags = row
    return {"line": line, "status": status, "serial": serial, "events": list(events), "flags": list(flags)}


class JobRunner:
    """Queues jobs on one worker thread and keeps them for reading back."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pooling-job")

    def submit(self, job: Job, work: Callable[[Job], None]) -> Job:
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old()
        self._executor.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _forget_old(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.status in ("done", "failed")]
        for key in finished[: max(0, len(finished) - self.kept)]:
            del self._jobs[key]

    def _run(self, job: Job, work: Callable[[Job], None]) -> None:
        job.status, job.started_at = "running", _now()
        try:
            work(job)
        except (OperationalError, InterfaceError, ConnectionUnavailableError) as error:
            job.status = "failed"
            job.error = {
                "error": "unavailable",
                "message": "the event store is not reachable",
                "field": None,
                "rule": None,
            }
            log.warning("job %s stopped: store unavailable: %s", job.job_id, mask_ids(str(error)))
        except Exception as error:  # the job fails visibly, with what was done so far kept
            job.status = "failed"
            job.error = {
                "error": "internal_error",
                "message": "internal error; see the server log",
                "field": None,
                "rule": None,
            }
            log.error("job %s failed: %s", job.job_id, mask_ids(str(error)), exc_info=error)
        else:
            job.status = "done"
        finally:
            job.finished_at = _now()
            with self._lock:
                self._forget_old()

    def shutdown(self) -> None:
        """Finish the job in hand, drop the queued ones (their files can be sent again)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
