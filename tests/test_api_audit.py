"""The audit replay over HTTP: an auditor starts one, follows its progress and reads its report; others may not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scenarios import combined
from test_api_helpers import Harness, assert_error, harness

REPLAYS = "/api/v1/audit/replays"


@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    monkeypatch.setenv("POOLING_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("POOLING_AUDIT_KEY_FILE", str(tmp_path / "no-key.pem"))  # no checkpoints: nothing to verify
    with harness(simulated_env, tmp_path) as running:
        running.seed(combined())
        yield running


def wait_for(api: Harness, replay_id: str) -> dict[str, Any]:
    for _ in range(600):
        progress: dict[str, Any] = api.get(f"{REPLAYS}/{replay_id}", api.auditor()).json()
        if progress["finished_at"] or progress["phase"] == "failed":
            return progress
        time.sleep(0.1)
    raise AssertionError("the replay did not finish in a minute")


def test_an_auditor_replays_the_history_and_reads_the_report(api: Harness) -> None:
    # the auditor starts a replay: 202 with where to follow it
    started = api.client.post(REPLAYS, headers=api.auditor(), json={})
    assert started.status_code == 202, started.text
    replay_id = started.json()["replay_id"]
    assert started.headers["Location"] == f"{REPLAYS}/{replay_id}"
    # it finishes, passes, and its report shows what was replayed
    finished = wait_for(api, replay_id)
    assert finished["ok"] is True, finished
    report = api.get(f"{REPLAYS}/{replay_id}/report", api.auditor())
    assert report.status_code == 200
    assert report.json()["ok"] is True
    assert api.get("/api/v1/audit/status", api.ministry()).json()["replay_id"] == replay_id


def test_other_roles_may_neither_start_nor_read_a_replay(api: Harness) -> None:
    for headers in (api.province("44"), api.citizen("440306197901010037")):
        assert_error(api.client.post(REPLAYS, headers=headers, json={}), 403, "forbidden")
        assert_error(api.get("/api/v1/audit/status", headers), 403, "forbidden")
    assert_error(api.client.post(REPLAYS, json={}), 401, "unauthorized")
    assert_error(api.get(f"{REPLAYS}/nope", api.auditor()), 404, "not_found")
