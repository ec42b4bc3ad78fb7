"""The library's PostgreSQL store, plus the command log (domain/stores/commands.py).

Command rows are written in the transaction of their events, before the library takes its lock on the events
table: a resent serial that races its first sending meets the primary key and is answered `replayed` on retry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.registry import CommandKey, CommandRow
from domain.stores import commands


class PoolingPostgresRecorder(PostgresApplicationRecorder):
    """The library's recorder; `insert_events(..., commands=[...])` also writes command log rows, atomically."""

    def __init__(self, datastore: PostgresDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        for statement in (commands.create_statement(sqlite=False), commands.CLOCK_CREATE):
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT to_regclass(%s) AS found", (f"{self.datastore.schema}.{commands.TABLE}",))
            row = cursor.fetchone()
            existed = row is not None and row["found"] is not None
        super().create_table()
        if not existed:
            self._import_legacy_records()

    def _import_legacy_records(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                SQL("SELECT state FROM {0}.{1} WHERE topic = %s ORDER BY notification_id").format(
                    Identifier(self.datastore.schema), Identifier(self.events_table_name)
                ),
                (commands.LEGACY_RECORD_TOPIC,),
            )
            legacy = commands.legacy_rows(bytes(row["state"]) for row in cursor.fetchall())
            if legacy:
                cursor.executemany(commands.INSERT_ONCE, legacy)

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        # The library's hook for what goes first in the transaction's pipeline. Statements queued behind the events
        # insert would keep the server from noticing a client that died while that insert waits (tested).
        super()._insert_events(curs, stored_events, **kwargs)
        self._insert_commands(curs, **kwargs)

    def _insert_commands(self, curs: Cursor[DictRow], **kwargs: Any) -> None:
        """The command log's rows (and a simulated store's clock)."""
        rows: Sequence[CommandRow] = kwargs.get("commands") or ()
        if rows:
            curs.executemany(commands.INSERT, [commands.as_params(row) for row in rows])
        clock = kwargs.get("clock")
        if clock is not None:
            curs.execute(commands.CLOCK_UPSERT, (clock.isoformat(),))

    def clock(self) -> datetime | None:
        """The latest recorded_at saved by a simulated store (None before the first save)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(commands.CLOCK_SELECT)
            row = cursor.fetchone()
        return datetime.fromisoformat(row["recorded_at"]) if row else None

    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of these streams, each in version order, in one query (a stream with none is absent)."""
        found: dict[UUID, list[StoredEvent]] = {}
        if not ids:
            return found
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                SQL(
                    "SELECT originator_id, originator_version, topic, state FROM {0}.{1} "
                    "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
                ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name)),
                (list(ids),),
            )
            for row in cursor.fetchall():
                stream = row["originator_id"]
                found.setdefault(stream, []).append(
                    StoredEvent(stream, row["originator_version"], row["topic"], bytes(row["state"]))
                )
        return found

    def select_commands(self, keys: Sequence[CommandKey]) -> dict[CommandKey, CommandRow]:
        """The recorded commands among these keys."""
        if not keys:
            return {}
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT {', '.join('c.' + name for name in commands.COLUMNS.split(', '))} "
                f"FROM unnest(%s::text[], %s::text[]) AS k (unit, serial) JOIN {commands.TABLE} AS c "
                "ON c.unit = k.unit AND c.serial = k.serial",
                ([unit for unit, _ in keys], [serial for _, serial in keys]),
            )
            found = [commands.from_params([row[name] for name in commands.COLUMNS.split(", ")]) for row in cursor]
        return {command.key: command for command in found}


class PoolingPostgresFactory(PostgresFactory):
    """PostgreSQL as the library builds it, with the command log."""

    application_recorder_class = PoolingPostgresRecorder
