"""POST /api/v1/imports: a province's JSON-lines file applied line by line in a background job, read back
at GET /api/v1/imports/{job_id}. Each story runs on SQLite and on PostgreSQL (simulated clock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scenarios import MS_LIN, at, ms_lin_back_pays
from test_api_helpers import Harness, assert_error, harness
from test_api_messages import wait_for

IMPORTS = "/api/v1/imports"


@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path) -> Iterator[Harness]:
    with harness(simulated_env, tmp_path) as running:
        yield running


def jsonl(*lines: dict[str, Any] | str) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines).encode()


def post_file(api: Harness, body: bytes, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    """Send a file; return the finished job (202 first, then polled)."""
    accepted = api.client.post(
        IMPORTS + query, content=body, headers={**headers, "Content-Type": "application/x-ndjson"}
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["Location"] == accepted.json()["href"]
    return wait_for(api, accepted.json()["href"], headers)


def test_a_monthly_file_is_applied_line_by_line_and_can_be_sent_again(api: Harness) -> None:
    # Jiangsu's file: Ms Lin's whole history, then a bad line, another unit's line, a blank line and a duplicate.
    history = ms_lin_back_pays()
    late = {**history[-1], "serial": "lin-dup", "recorded_at": at("2024-02-11")}
    other_unit = {**history[1], "unit": "44", "serial": "44-x"}
    body = jsonl(*history, '{"type": "contribution", "serial": ', other_unit, "", late)
    jiangsu = api.province("32")
    job = post_file(api, body, jiangsu)

    lines = len(history) + 4
    assert job["kind"] == "import" and job["status"] == "done" and job["submitted_by"].startswith("province:32:")
    assert (job["lines"], job["processed"]) == (lines, lines)
    assert (job["applied"], job["replayed"], job["refused"]) == (len(history), 0, 3)
    assert job["results_total"] == len(history) + 3  # the blank line has no result
    refusals = {row["line"]: row for row in job["results"] if "error" in row}
    assert refusals[len(history) + 1]["error"] == "invalid_field"
    assert refusals[len(history) + 2]["error"] == "forbidden" and refusals[len(history) + 2]["field"] == "unit"
    assert (refusals[lines]["error"], refusals[lines]["rule"]) == ("rule_violation", "R002")
    assert job["results"][0] == {
        "line": 1,
        "status": "applied",
        "serial": "lin-e",
        "events": ["PersonRegistered", "Enrolled"],
        "flags": [],
    }

    # Only the refused lines, paged.
    page = api.get(f"{IMPORTS}/{job['job_id']}", jiangsu, refused_only=True, limit=2)
    assert [row["line"] for row in page.json()["results"]] == [len(history) + 1, len(history) + 2]

    # The same file again (a retry after a lost answer): every good line is replayed, nothing written twice.
    before = api.get("/readyz").json()["head"]
    again = post_file(api, body, jiangsu)
    assert (again["applied"], again["replayed"], again["refused"]) == (0, len(history), 3)
    assert api.get("/readyz").json()["head"] == before
    # The dossier shows what the file said: 12 months of 2023, back-payments included.
    dossier = api.get(f"/api/v1/persons/{MS_LIN}/dossier", jiangsu).json()
    assert dossier["name"] == "林芳" and dossier["contribution_months"] == 49


def test_stop_on_error_writes_nothing_after_the_refused_line(api: Harness) -> None:
    history = ms_lin_back_pays()[:6]
    duplicate = {**history[2], "serial": "dup", "recorded_at": history[3]["recorded_at"]}
    body = jsonl(*history[:3], duplicate, *history[3:])
    job = post_file(api, body, api.province("32"), "?stop_on_error=true")
    assert (job["applied"], job["refused"], job["processed"]) == (3, 1, 4)
    events = api.get(f"/api/v1/persons/{MS_LIN}/events", api.auditor()).json()["events"]
    assert [e["serial"] for e in events if e["type"] == "ContributionPaid"] == ["lin-202001", "lin-202002"]


def test_the_ministry_imports_runs_and_jobs_are_read_back_only_by_their_owners(api: Harness) -> None:
    jiangsu_job = post_file(api, jsonl(*ms_lin_back_pays()[:13]), api.province("32"))
    # A run line is applied on its own, after the lines before it.
    runs = jsonl(
        {"type": "interest_run", "serial": "00-INT-2020", "unit": "00", "year": 2020, "recorded_at": at("2021-01-10")}
    )
    ministry_job = post_file(api, runs, api.ministry())
    assert ministry_job["applied"] == 1 and ministry_job["results"][0]["summary"]["persons"] == 1

    href = f"{IMPORTS}/{jiangsu_job['job_id']}"
    for reader in (api.province("32"), api.ministry(), api.auditor()):
        assert api.get(href, reader).status_code == 200
    assert_error(api.get(href, api.province("44")), 403, "forbidden")
    assert_error(api.get(href, api.citizen(MS_LIN)), 403, "forbidden")
    assert_error(api.get(href), 401, "unauthorized")
    assert_error(api.get(f"{IMPORTS}/no-such-job", api.ministry()), 404, "not_found", field="job_id")
    # An import job is not a run job, but /jobs shows both.
    assert api.get(f"/api/v1/jobs/{jiangsu_job['job_id']}", api.ministry()).json()["kind"] == "import"

    # Auditors and citizens send no files.
    for reader in (api.auditor(), api.citizen(MS_LIN)):
        assert_error(api.client.post(IMPORTS, content=b"{}", headers=reader), 403, "forbidden")


def test_a_file_larger_than_the_limit_is_refused_whole(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    with harness(sqlite_env, tmp_path, max_import_bytes=1000) as small:
        body = jsonl(*ms_lin_back_pays()[:10])
        refused = small.client.post(IMPORTS, content=body, headers=small.province("32"))
        assert_error(refused, 413, "payload_too_large")
        assert small.get("/readyz").json()["head"] == 0
