"""The library's SQLite store, plus the command log and one setting: `POOLING_SQLITE_SYNCHRONOUS` (FULL by default).

In WAL mode, FULL syncs the log on every commit (durable across power loss); NORMAL syncs at checkpoints only
(still consistent after any crash, but the last commits may be lost on power loss). The demo uses NORMAL;
a store that holds real money keeps FULL, or runs on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)
from eventsourcing.utils import Environment

from domain.registry import CommandKey, CommandRow
from domain.stores import commands

SYNCHRONOUS = "POOLING_SQLITE_SYNCHRONOUS"
_ALLOWED = {"FULL", "NORMAL", "EXTRA"}
_KEYS_PER_QUERY = 400  # two parameters each, far below SQLite's limit


def _sql(statement: str) -> str:
    return statement.replace("%s", "?")


class PoolingSQLiteRecorder(SQLiteApplicationRecorder):
    """The library's recorder; `insert_events(..., commands=[...])` also writes command log rows, atomically."""

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        return [*statements, commands.create_statement(sqlite=True), commands.CLOCK_CREATE]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (commands.TABLE,))
            existed = cursor.fetchone() is not None
            self._create_table(cursor)
            if not existed:
                cursor.execute(
                    f"SELECT state FROM {self.events_table_name} WHERE topic = ? ORDER BY rowid",
                    (commands.LEGACY_RECORD_TOPIC,),
                )
                legacy = commands.legacy_rows(bytes(row[0]) for row in cursor.fetchall())
                if legacy:
                    cursor.executemany(_sql(commands.INSERT_ONCE), legacy)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        rows: Sequence[CommandRow] = kwargs.get("commands") or ()
        if rows:
            c.executemany(_sql(commands.INSERT), [commands.as_params(row) for row in rows])
        clock = kwargs.get("clock")
        if clock is not None:
            c.execute(_sql(commands.CLOCK_UPSERT), (clock.isoformat(),))
        return ids

    def clock(self) -> datetime | None:
        """The latest recorded_at saved by a simulated store (None before the first save)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(commands.CLOCK_SELECT)
            row = cursor.fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of these streams, each in version order, in one query per 400 streams."""
        found: dict[UUID, list[StoredEvent]] = {}
        with self.datastore.transaction(commit=False) as cursor:
            for start in range(0, len(ids), _KEYS_PER_QUERY):
                chunk = ids[start : start + _KEYS_PER_QUERY]
                cursor.execute(
                    f"SELECT originator_id, originator_version, topic, state FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' for _ in chunk)}) ORDER BY originator_id, originator_version",
                    [stream.hex for stream in chunk],
                )
                for originator_id, version, topic, state in cursor.fetchall():
                    stream = UUID(originator_id)
                    found.setdefault(stream, []).append(StoredEvent(stream, version, topic, bytes(state)))
        return found

    def select_commands(self, keys: Sequence[CommandKey]) -> dict[CommandKey, CommandRow]:
        """The recorded commands among these keys."""
        found: dict[CommandKey, CommandRow] = {}
        with self.datastore.transaction(commit=False) as cursor:
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                chunk = keys[start : start + _KEYS_PER_QUERY]
                values = ",".join("(?,?)" for _ in chunk)
                # A join, not `(unit, serial) IN (VALUES ...)`: SQLite scans the whole table for the latter.
                cursor.execute(
                    f"SELECT {', '.join('c.' + name for name in commands.COLUMNS.split(', '))} "
                    f"FROM (VALUES {values}) AS k JOIN {commands.TABLE} AS c "
                    "ON c.unit = k.column1 AND c.serial = k.column2",
                    [part for key in chunk for part in key],
                )
                for row in cursor.fetchall():
                    command = commands.from_params(tuple(row))
                    found[command.key] = command
        return found


class _Pool(SQLiteConnectionPool):
    synchronous = "FULL"

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection._sqlite_conn.execute(f"PRAGMA synchronous={self.synchronous}")
        return connection


class PoolingSQLiteFactory(SQLiteFactory):
    """SQLite as the library builds it, with the command log and the synchronous level from the environment."""

    application_recorder_class = PoolingSQLiteRecorder

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
