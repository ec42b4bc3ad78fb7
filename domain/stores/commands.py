"""The command log table, shared by the SQL stores: its schema, its rows, and the import of legacy records.

Stores written before the command log kept each command as a `CommandRecord` aggregate in the event log; the
first time a store opens with this code, those records are copied into the table (the events stay: nothing in
the log is ever deleted)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from domain.registry import LEGACY_RECORD_TOPIC, CommandRow

TABLE = "pooling_commands"
COLUMNS = "unit, serial, digest, citizen_id, answer, issued_by, recorded_at"
INSERT = f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
# A simulated store's clock (§15.4) is its latest recorded_at: usually the last event's, but a run that wrote to
# nobody has only its command row. One row, written with each save of a simulated store, keeps it exactly.
CLOCK_TABLE = "pooling_clock"
CLOCK_CREATE = f"CREATE TABLE IF NOT EXISTS {CLOCK_TABLE} (id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL)"
CLOCK_UPSERT = (
    f"INSERT INTO {CLOCK_TABLE} (id, recorded_at) VALUES (1, %s) "
    "ON CONFLICT (id) DO UPDATE SET recorded_at = excluded.recorded_at"
)
CLOCK_SELECT = f"SELECT recorded_at FROM {CLOCK_TABLE} WHERE id = 1"
# Used only to import legacy records, which two processes opening one store may do at the same time.
INSERT_ONCE = INSERT + " ON CONFLICT (unit, serial) DO NOTHING"


def create_statement(*, sqlite: bool) -> str:
    """The table: the answer is JSON text (its key order is part of what a resend gets back)."""
    return (
        f"CREATE TABLE IF NOT EXISTS {TABLE} (unit TEXT NOT NULL, serial TEXT NOT NULL, digest TEXT NOT NULL, "
        "citizen_id TEXT, answer TEXT NOT NULL, issued_by TEXT, recorded_at TEXT NOT NULL, "
        "PRIMARY KEY (unit, serial))" + (" WITHOUT ROWID" if sqlite else "")
    )


def as_params(row: CommandRow) -> tuple[Any, ...]:
    return (
        row.unit,
        row.serial,
        row.digest,
        row.citizen_id,
        orjson.dumps(row.answer).decode(),
        row.issued_by,
        row.recorded_at.isoformat(),
    )


def from_params(values: Sequence[Any]) -> CommandRow:
    unit, serial, digest, citizen_id, answer, issued_by, recorded_at = values
    return CommandRow(
        unit=unit,
        serial=serial,
        digest=digest,
        citizen_id=citizen_id,
        answer=orjson.loads(answer),
        issued_by=issued_by,
        recorded_at=datetime.fromisoformat(recorded_at),
    )


def legacy_rows(states: Iterable[bytes]) -> list[tuple[Any, ...]]:
    """Command log rows from the stored states of legacy `CommandRecord.Recorded` events."""
    rows = []
    from domain.stores.encoding import decode_state  # legacy rows are plain JSON; a compressed one decodes too

    for state in states:
        fields = orjson.loads(decode_state(state))
        rows.append(
            as_params(
                CommandRow(
                    unit=fields["unit"],
                    serial=fields["serial"],
                    digest=fields["digest"],
                    citizen_id=fields.get("citizen_id"),
                    answer=fields["answer"],
                    issued_by=fields.get("issued_by"),
                    recorded_at=datetime.fromisoformat(fields["timestamp"]),
                )
            )
        )
    return rows


__all__ = [
    "CLOCK_CREATE",
    "CLOCK_SELECT",
    "CLOCK_TABLE",
    "CLOCK_UPSERT",
    "COLUMNS",
    "INSERT",
    "INSERT_ONCE",
    "LEGACY_RECORD_TOPIC",
    "TABLE",
    "as_params",
    "create_statement",
]
