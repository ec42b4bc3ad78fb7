"""Reply models of the job routes: a job accepted (202), and a job's progress with its line results."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.models import example


class JobAccepted(BaseModel):
    """A job was queued; read it back at `href`."""

    model_config = example(
        {
            "job_id": "5b0c3c3e6f0e4a8c9d7e1f2a3b4c5d6e",
            "kind": "import",
            "status": "queued",
            "href": "/api/v1/imports/5b0c3c3e6f0e4a8c9d7e1f2a3b4c5d6e",
        }
    )
    job_id: str
    kind: Literal["import", "run"]
    status: str
    href: str


class JobStatus(BaseModel):
    """A job's progress and a page of its line-by-line results (answers, or error bodies with the line)."""

    model_config = example(
        {
            "job_id": "5b0c3c3e6f0e4a8c9d7e1f2a3b4c5d6e",
            "kind": "import",
            "status": "done",
            "submitted_by": "province:44:3f2a9c01d4e5b6a7",
            "created_at": "2025-05-10T02:00:00+00:00",
            "started_at": "2025-05-10T02:00:00+00:00",
            "finished_at": "2025-05-10T02:00:01+00:00",
            "lines": 2,
            "processed": 2,
            "applied": 1,
            "replayed": 0,
            "refused": 1,
            "error": None,
            "answer": None,
            "results_total": 2,
            "results_offset": 0,
            "results": [
                {"line": 1, "status": "applied", "serial": "c202101", "events": ["ContributionPaid"], "flags": []},
                {
                    "line": 2,
                    "error": "rule_violation",
                    "message": "duplicate contribution",
                    "field": "period",
                    "rule": "R002",
                },
            ],
        }
    )
    job_id: str
    kind: Literal["import", "run"]
    status: Literal["queued", "running", "done", "failed"]
    submitted_by: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    lines: int
    processed: int
    applied: int
    replayed: int
    refused: int
    error: dict[str, Any] | None = Field(description="why the job itself stopped (not a line's refusal)")
    answer: dict[str, Any] | None = Field(description="a run job's answer")
    results_total: int
    results_offset: int
    results: list[dict[str, Any]]
