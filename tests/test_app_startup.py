"""Several processes opening a new PostgreSQL store at once (an API with workers, an import beside it) all
start: the race to create the library's tables is lost by some and retried, never a failed start."""

from __future__ import annotations

import multiprocessing

from domain.application import PoolingApplication


def _open(env: dict[str, str]) -> str:
    application = PoolingApplication(env=env)
    application.close()
    return "started"


def test_processes_starting_together_on_a_new_database_all_start(postgres_env: dict[str, str]) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert pool.map(_open, [postgres_env] * 4) == ["started"] * 4
