"""The store's availability as the API sees it: while the database is known to be down, requests are answered
503 `unavailable` at once instead of each waiting out the connection pool and the library's retries.

Why: the library retries a failed read or write ten times, each waiting up to `POSTGRES_CONNECT_TIMEOUT` for a
pooled connection, so a request that meets a stopped database would hold its worker thread for minutes. The first
request that meets the outage (or `/readyz`, which probes directly) marks the store down; from then on every
`/api/` request is refused 503 unless a direct probe (one short connection, `SELECT 1`, at most every
`PROBE_INTERVAL` seconds) finds the database back. On recovery the pool's idle connections, which the outage may
have broken, are checked and replaced, so the app goes on without a restart."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.masking import mask_ids
from standards.codes import ErrorCode

log = logging.getLogger("pooling.api")

PROBE_INTERVAL = 0.5  # seconds between two probes while down: cheap for the database, quick to notice recovery
PROBE_TIMEOUT = 2  # seconds a probe may wait for a connection (libpq's connect_timeout is whole seconds)
GATED_PREFIX = "/api/"  # health, console and docs never touch the store


class StoreGate:
    """Whether the event store answers; probed directly (not through the pool) while it is marked down."""

    def __init__(self, app: Any, interval: float = PROBE_INTERVAL, timeout: int = PROBE_TIMEOUT) -> None:
        self.app, self.interval, self.timeout = app, interval, timeout
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._last_probe = 0.0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def mark_down(self) -> None:
        """After a store failure: the next request probes at once (a deadlock or a lock timeout is also an
        `OperationalError`, and must not close the gate for long), later ones at most every `interval`."""
        with self._lock:
            if self._down_since is None:
                self._down_since = time.monotonic()
                self._last_probe = 0.0  # the next request probes at once

    def probe(self) -> bool:
        """One direct connection to the store and `SELECT 1`: True when it answers (and the gate is opened)."""
        try:
            self._select_one()
        except Exception as error:  # any failure to connect or answer is "down"; the reason goes to the log
            log.warning("store probe failed: %s", mask_ids(str(error)))
            self.mark_down()
            with self._lock:
                self._last_probe = time.monotonic()
            return False
        if self.down:
            self._recovered()
        return True

    def admit(self) -> bool:
        """Whether a request may go on to the store now (probing again if the last probe is old enough)."""
        if not self.down:
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last_probe < self.interval:
                return False
            self._last_probe = now
        return self.probe()

    def _select_one(self) -> None:
        datastore: Any = getattr(self.app.recorder, "datastore", None)
        pool: Any = getattr(datastore, "pool", None)
        kwargs = getattr(pool, "kwargs", None)
        if isinstance(kwargs, dict) and "dbname" in kwargs:  # PostgreSQL: psycopg's pool keeps the conninfo
            import psycopg

            params = {key: value for key, value in kwargs.items() if key != "row_factory"}
            with psycopg.connect(**params, connect_timeout=self.timeout, autocommit=True) as server:
                server.execute("SELECT 1")
            return
        name = getattr(pool, "db_name", None)
        if isinstance(name, str) and name != ":memory:" and not name.startswith("file:"):
            # mode=rw: a missing file is an error, never a new empty store.
            uri = f"{Path(name).resolve().as_uri()}?mode=rw"
            database = sqlite3.connect(uri, uri=True, timeout=self.timeout)
            try:
                database.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the file's first page
            finally:
                database.close()

    def _recovered(self) -> None:
        with self._lock:
            since, self._down_since = self._down_since, None
        if since is not None:
            log.warning("store reachable again after %.1f s", time.monotonic() - since)
        pool: Any = getattr(getattr(self.app.recorder, "datastore", None), "pool", None)
        check = getattr(pool, "check", None)
        if callable(check):
            try:
                check()  # psycopg_pool: test idle connections, replace the broken ones now
            except Exception as error:
                log.warning("pool check after recovery failed: %s", mask_ids(str(error)))


def unavailable_body() -> dict[str, Any]:
    code = ErrorCode.UNAVAILABLE
    return {"error": code.value, "message": "the event store is not reachable", "field": None, "rule": None}


class StoreGateMiddleware:
    """503 `unavailable` for `/api/` requests while the store is down (pure ASGI: the body is never read)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(GATED_PREFIX):
            services = getattr(scope["app"].state, "services", None)
            gate: StoreGate | None = getattr(services, "gate", None)
            # The probe may wait for a connection: off the event loop, like the sync routes themselves.
            if gate is not None and gate.down and not await run_in_threadpool(gate.admit):
                response = JSONResponse(unavailable_body(), status_code=503, headers={"Retry-After": "1"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
