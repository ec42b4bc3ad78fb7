"""A server process keeps its start-up objects out of the garbage collector's scans (api/main.py `tune_collector`).

Each case runs in a process of its own: freezing the test process's objects would keep them for the whole run."""

from __future__ import annotations

import gc
import multiprocessing
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings


def _started(env: dict[str, str], key_file: str, tuning: bool) -> tuple[int, tuple[int, int, int], int]:
    """Start the app (its lifespan) and answer one request; what the collector looked like while it ran."""
    settings = ApiSettings(token_key_file=Path(key_file), collector_tuning=tuning)
    with TestClient(create_app(env, settings)) as client:
        status = client.get("/healthz").status_code
        return gc.get_freeze_count(), gc.get_threshold(), status


def _in_a_process(*args: Any) -> tuple[int, tuple[int, int, int], int]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_started, args)


def test_a_tuned_server_freezes_what_it_built_at_start_up(simulated_env: dict[str, str], tmp_path: Path) -> None:
    frozen, threshold, status = _in_a_process(simulated_env, str(tmp_path / "key"), True)
    assert status == 200
    assert frozen > 10_000  # the modules, the policy, the application and its projections
    assert threshold == (10_000, 10, 10)


def test_an_untuned_app_leaves_the_collector_alone(simulated_env: dict[str, str], tmp_path: Path) -> None:
    frozen, threshold, status = _in_a_process(simulated_env, str(tmp_path / "key"), False)
    assert status == 200
    assert frozen == 0 and threshold == (700, 10, 10)
