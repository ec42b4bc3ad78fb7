"""Shared fixtures: the same tests run on SQLite and on the real PostgreSQL server.

PostgreSQL: 127.0.0.1:5432, user `postgres` (trust auth). Each test gets a database of its own, dropped after.
On CI (`CI=true`) a missing server is a failure; elsewhere the PostgreSQL variants are skipped with a reason."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_HOST = os.environ.get("POOLING_TEST_PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("POOLING_TEST_PG_PORT", "5432")
PG_USER = os.environ.get("POOLING_TEST_PG_USER", "postgres")


def _admin_connection():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True, connect_timeout=3
    )


def postgres_available() -> bool:
    try:
        with _admin_connection():
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> None:
    if postgres_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT} and CI=true: failing, not skipping")
    pytest.skip(f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}")


def _postgres_env(dbname: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": PG_HOST,
        "POSTGRES_PORT": PG_PORT,
        "POSTGRES_USER": PG_USER,
        "POSTGRES_PASSWORD": "",
    }


@pytest.fixture
def postgres_env(postgres_server: None) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    dbname = f"pooling_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield _postgres_env(dbname)
    finally:
        with _admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite file for one test."""
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(tmp_path / "pooling.sqlite")}


@pytest.fixture(params=["sqlite", "postgres"])
def store_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Each test using it runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_env" if request.param == "sqlite" else "postgres_env"
    env: dict[str, str] = request.getfixturevalue(name)
    return env


@pytest.fixture
def simulated_env(store_env: dict[str, str]) -> dict[str, str]:
    """A store on the messages' clock (recorded_at), so tests can replay years of history."""
    return {**store_env, "POOLING_SIMULATED": "1"}
