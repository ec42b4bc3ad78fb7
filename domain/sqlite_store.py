"""The library's SQLite factory with one setting more: `POOLING_SQLITE_SYNCHRONOUS` (FULL by default).

In WAL mode, FULL syncs the log on every commit (durable across power loss); NORMAL syncs at checkpoints only
(still consistent after any crash, but the last commits may be lost on power loss). The demo uses NORMAL;
a store that holds real money keeps FULL, or runs on PostgreSQL."""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment

SYNCHRONOUS = "POOLING_SQLITE_SYNCHRONOUS"
_ALLOWED = {"FULL", "NORMAL", "EXTRA"}


class _Pool(SQLiteConnectionPool):
    synchronous = "FULL"

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute(f"PRAGMA synchronous={self.synchronous}")
        return connection


class PoolingSQLiteFactory(SQLiteFactory):
    """SQLite as the library builds it, with the synchronous level taken from the environment."""

    def __init__(self, env: Environment | dict[str, str] | None) -> None:
        super().__init__(env)
        level = (self.env.get(SYNCHRONOUS) or "FULL").upper()
        if level not in _ALLOWED:
            raise OSError(f"{SYNCHRONOUS} must be one of {sorted(_ALLOWED)}, got {level!r}")
        old = self.datastore.pool
        pool = _Pool(db_name=old.db_name, lock_timeout=old.lock_timeout)
        pool.synchronous = level
        old.close()
        self.datastore.pool = pool
