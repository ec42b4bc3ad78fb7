"""Writing captured rows into the library's own tables, with the shard's progress in the same transaction.

PostgreSQL: `COPY pooling_events (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)`
under the library's `LOCK TABLE … IN EXCLUSIVE MODE` (so a tailing reader never sees a notification id commit
after a higher one), then the library's `NOTIFY`. SQLite: `executemany` in one `BEGIN IMMEDIATE` transaction
(the rowid is the notification id). Both keep `pooling_seed_progress` (one row per shard, plus shard -1 for
the seed's parameters and its final phase) and the command log's rows in the same transaction as the rows it
counts. The state is JSON
text, not jsonb: the run answers it carries must keep their key order, which is part of the stored bytes."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.application import PoolingApplication
from domain.registry import CommandRow
from domain.settings import is_postgres, store_environment
from domain.stores import commands as command_log
from projections.database import RecordingCursor, ViewCursor
from projections.queries import Projections
from projections.runner import SEED_META, SEED_PROGRESS

PROGRESS = SEED_PROGRESS  # the projection runner refuses to catch up while the seed is unfinished
META = SEED_META  # the progress row holding the seed's parameters and whether the run records are written


@dataclass(frozen=True)
class Footprint:
    """What a store takes on disk: the whole database, and the events table with its indexes (None: not known)."""

    database_bytes: int
    events_bytes: int | None
    commands_bytes: int | None


class SeedStore(Protocol):
    """What the seeder needs of a store."""

    def progress(self) -> dict[int, dict[str, Any]]: ...

    def write(
        self,
        shard: int,
        rows: Sequence[StoredEvent],
        commands: Sequence[CommandRow],
        state: dict[str, Any],
        views: RecordingCursor | None = None,
    ) -> None: ...

    def head(self) -> int: ...

    def begin_load(self) -> None: ...

    def finish_load(self) -> None: ...

    def set_clock(self, recorded_at: str) -> None: ...

    def footprint(self) -> Footprint: ...

    def close(self) -> None: ...


def prepare(env: Mapping[str, str]) -> None:
    """Create the library's tables (by opening the application once, live: it writes nothing), the views' and ours."""
    plain = {key: value for key, value in env.items() if key != "POOLING_SIMULATED"}
    app = PoolingApplication(env={**plain, "POOLING_SIMULATED": "0"})
    try:
        Projections(app)  # creates the view and tracking tables the shards write into
    finally:
        app.close()
    store = open_store(env)
    try:
        store.create_progress()
    finally:
        store.close()


def open_store(env: Mapping[str, str]) -> Any:
    """The writer for the configured store (the same settings `PoolingApplication` reads)."""
    chosen = store_environment(env)
    if is_postgres(chosen):
        return PostgresSeedStore(chosen)
    return SQLiteSeedStore(chosen["SQLITE_DBNAME"])


class PostgresSeedStore:
    """Binary COPY into `<app>_events`; progress rows upserted in the same transaction."""

    table = "pooling_events"

    def __init__(self, env: Mapping[str, str]) -> None:
        import psycopg

        self.connection = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env.get("POSTGRES_HOST", "127.0.0.1"),
            port=env.get("POSTGRES_PORT", "5432"),
            user=env.get("POSTGRES_USER", "postgres"),
            password=env.get("POSTGRES_PASSWORD", ""),
        )

    def create_progress(self) -> None:
        with self.connection.transaction():
            self.connection.execute(
                f"CREATE TABLE IF NOT EXISTS {PROGRESS} (shard integer PRIMARY KEY, state text NOT NULL)"
            )

    def progress(self) -> dict[int, dict[str, Any]]:
        with self.connection.transaction():
            rows = self.connection.execute(f"SELECT shard, state FROM {PROGRESS}").fetchall()
        return {int(shard): json.loads(state) for shard, state in rows}

    def write(
        self,
        shard: int,
        rows: Sequence[StoredEvent],
        commands: Sequence[CommandRow],
        state: dict[str, Any],
        views: RecordingCursor | None = None,
    ) -> None:
        with self.connection.transaction(), self.connection.cursor() as cursor:
            if commands:
                with cursor.copy(f"COPY {command_log.TABLE} ({command_log.COLUMNS}) FROM STDIN") as copy:
                    for command in commands:
                        copy.write_row(command_log.as_params(command))
            if rows:
                cursor.execute("SET LOCAL lock_timeout = '60s'")
                cursor.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")
                columns = "originator_id, originator_version, topic, state"
                with cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(["uuid", "int8", "text", "bytea"])
                    for row in rows:
                        copy.write_row((row.originator_id, row.originator_version, row.topic, row.state))
            if views is not None:
                views.replay(ViewCursor(cursor, sqlite=False))
            cursor.execute(
                f"INSERT INTO {PROGRESS} (shard, state) VALUES (%s, %s) "
                "ON CONFLICT (shard) DO UPDATE SET state = EXCLUDED.state",
                (shard, json.dumps(state)),
            )
            if rows:
                cursor.execute(f'NOTIFY "{self.table}"')  # wake the library's subscribers, as its inserts do

    def head(self) -> int:
        with self.connection.transaction():
            found = self.connection.execute(f"SELECT max(notification_id) FROM {self.table}").fetchone()
        return int(found[0] or 0) if found else 0

    # (table, constraint, columns): the primary keys dropped for a bulk load and built again at its end.
    KEYS = (
        (table, f"{table}_pkey", "originator_id, originator_version"),
        (command_log.TABLE, f"{command_log.TABLE}_pkey", "unit, serial"),
    )

    def begin_load(self) -> None:
        """Drop the primary keys while the seed loads, as pg_restore builds indexes after the data.

        Rows arrive in log order, which scatters them over the keys (stream id; unit and serial): every COPY
        then dirties index pages all over the index, the index outgrows memory, and the load slowed from 18,300
        to 14,700 events/s by 18 M events (measured); its pages also stay about half full (63 B an event at 16 M
        events, ~40 B built in one pass). Nothing reads or writes the tables through the application until the
        seed is finished (the projection runner refuses: `SeedInProgress`); `finish_load` builds the keys again,
        and so checks every row's uniqueness once. Idempotent, for a resumed seed."""
        with self.connection.transaction():
            for table, constraint, _ in self.KEYS:
                self.connection.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint}")

    def finish_load(self) -> None:
        """Build the primary keys (packed, in one sorted pass), then gather planner statistics.

        Without statistics a 16 M-event store planned a person's stream read for ~88,000 rows: a parallel bitmap
        scan of 30-50 ms instead of an index scan of 0.1 ms, and commands ran at 17/s (measured)."""
        with self.connection.transaction():
            self.connection.execute("SET LOCAL maintenance_work_mem = '1GB'")  # the sort in memory, where it fits
            for table, constraint, columns in self.KEYS:
                found = self.connection.execute(
                    "SELECT 1 FROM pg_constraint WHERE conname = %s", (constraint,)
                ).fetchone()
                if found is None:
                    self.connection.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} PRIMARY KEY ({columns})")
        with self.connection.transaction():
            self.connection.execute("ANALYZE")

    def set_clock(self, recorded_at: str) -> None:
        with self.connection.transaction():
            self.connection.execute(command_log.CLOCK_UPSERT, (recorded_at,))

    def footprint(self) -> Footprint:
        """The database's size, and the events' and the command log's tables all-in (heap, TOAST, indexes)."""
        with self.connection.transaction():
            found = self.connection.execute(
                "SELECT pg_database_size(current_database()), pg_total_relation_size(%s), pg_total_relation_size(%s)",
                (self.table, command_log.TABLE),
            ).fetchone()
        assert found is not None
        return Footprint(int(found[0]), int(found[1]), int(found[2]))

    def close(self) -> None:
        self.connection.close()


class SQLiteSeedStore:
    """`executemany` into `stored_events` in one immediate transaction per flush."""

    table = "stored_events"

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, timeout=120, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")  # a seed is re-runnable: no need to sync each flush

    def create_progress(self) -> None:
        self.connection.execute(f"CREATE TABLE IF NOT EXISTS {PROGRESS} (shard INTEGER PRIMARY KEY, state TEXT)")

    def progress(self) -> dict[int, dict[str, Any]]:
        rows = self.connection.execute(f"SELECT shard, state FROM {PROGRESS}").fetchall()
        return {int(shard): json.loads(state) for shard, state in rows}

    def write(
        self,
        shard: int,
        rows: Sequence[StoredEvent],
        commands: Sequence[CommandRow],
        state: dict[str, Any],
        views: RecordingCursor | None = None,
    ) -> None:
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany(
                command_log.INSERT.replace("%s", "?"), [command_log.as_params(command) for command in commands]
            )
            connection.executemany(
                f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                [(UUID(str(row.originator_id)).hex, row.originator_version, row.topic, row.state) for row in rows],
            )
            if views is not None:
                views.replay(ViewCursor(connection.cursor(), sqlite=True))
            connection.execute(
                f"INSERT OR REPLACE INTO {PROGRESS} (shard, state) VALUES (?, ?)", (shard, json.dumps(state))
            )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def head(self) -> int:
        found = self.connection.execute(f"SELECT max(rowid) FROM {self.table}").fetchone()
        return int(found[0] or 0) if found else 0

    def begin_load(self) -> None:
        """Nothing: the demo's store is small enough that its indexes stay in memory while it loads."""

    def finish_load(self) -> None:
        """Nothing: SQLite plans stream reads by the primary key without statistics, and rebuilding its indexes
        (VACUUM) would rewrite the whole file (277 MB for the demo) to save index pages."""

    def set_clock(self, recorded_at: str) -> None:
        self.connection.execute(command_log.CLOCK_UPSERT.replace("%s", "?"), (recorded_at,))

    def footprint(self) -> Footprint:
        """The file with its write-ahead log, and the tables' pages where SQLite was built with `dbstat`."""
        path = self.connection.execute("PRAGMA database_list").fetchone()[2]
        database = sum(os.path.getsize(name) for name in (path, f"{path}-wal") if os.path.exists(name))
        return Footprint(database, self._pages_of(self.table), self._pages_of(command_log.TABLE))

    def _pages_of(self, table: str) -> int | None:
        """The bytes of a table's pages and its indexes' (None without the `dbstat` table)."""
        try:
            found = self.connection.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name = ? OR name IN "
                "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)",
                (table, table),
            ).fetchone()
        except sqlite3.OperationalError:
            return None
        return int(found[0] or 0)

    def close(self) -> None:
        self.connection.close()
