"""Support for the audit tests (no tests here): a sealed store, and plain SQL behind the application's back.

`RawStore` edits the events table the way an intruder with database access would, on SQLite (`stored_events`,
position in `rowid`, ids as 32 hex digits) and on PostgreSQL (`pooling_events`, `notification_id`, uuid ids).
States are stored compressed (domain/stores/encoding.py): `StoredRow.json` is a row's state as JSON and
`RawStore.set_json` writes JSON back in the store's encoding, so a test tampers with the fields themselves; an
intruder who knows the encoding does the same."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from scenarios import combined

from domain.application import PoolingApplication
from domain.person import person_id
from domain.settings import is_postgres
from domain.stores.encoding import StateCompressor, decode_state
from projections.audit import generate_key, load_private_key, seal
from projections.queries import Projections

RANGE = 40  # small ranges, so a store of ~100 rows has several checkpoints


@dataclass(frozen=True)
class StoredRow:
    position: int
    version: int
    topic: str
    state: bytes

    @property
    def json(self) -> bytes:
        """The state as the transcoder wrote it (plain JSON), whatever its stored encoding."""
        return decode_state(self.state)


def encoded(json: bytes) -> bytes:
    """JSON state bytes in the encoding the store writes."""
    encoded_state = StateCompressor().compress(json)
    assert encoded_state[:1] != b"{" and decode_state(encoded_state) == json
    return encoded_state


class RawStore:
    """Plain SQL on the store's database, bypassing the application."""

    def __init__(self, env: dict[str, str]) -> None:
        self.sqlite = not is_postgres(env)
        if self.sqlite:
            self.connection: Any = sqlite3.connect(env["POOLING_DB"], isolation_level=None)
            self.table, self.position = "stored_events", "rowid"
        else:
            import psycopg

            self.connection = psycopg.connect(
                host=env["POSTGRES_HOST"],
                port=env["POSTGRES_PORT"],
                user=env["POSTGRES_USER"],
                dbname=env["POSTGRES_DBNAME"],
                autocommit=True,
            )
            self.table, self.position = "pooling_events", "notification_id"

    def close(self) -> None:
        self.connection.close()

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement written with %s placeholders; answer its rows (if any)."""
        cursor = self.connection.execute(statement.replace("%s", "?") if self.sqlite else statement, params)
        return list(cursor.fetchall()) if cursor.description else []

    def _id(self, stream: UUID) -> Any:
        return stream.hex if self.sqlite else stream

    def rows(self, stream: UUID) -> list[StoredRow]:
        found = self.execute(
            f"SELECT {self.position}, originator_version, topic, state FROM {self.table} "
            "WHERE originator_id = %s ORDER BY originator_version",
            (self._id(stream),),
        )
        return [StoredRow(int(p), int(v), t, bytes(s)) for p, v, t, s in found]

    def head(self) -> int:
        return int(self.execute(f"SELECT MAX({self.position}) FROM {self.table}")[0][0])

    def set_state(self, position: int, state: bytes) -> None:
        self.execute(f"UPDATE {self.table} SET state = %s WHERE {self.position} = %s", (state, position))

    def set_json(self, position: int, json: bytes) -> None:
        """Replace a row's state by this JSON, encoded as the store encodes states."""
        self.set_state(position, encoded(json))

    def set_version(self, position: int, version: int) -> None:
        self.execute(f"UPDATE {self.table} SET originator_version = %s WHERE {self.position} = %s", (version, position))

    def delete(self, position: int) -> None:
        self.execute(f"DELETE FROM {self.table} WHERE {self.position} = %s", (position,))

    def delete_stream(self, stream: UUID) -> None:
        self.execute(f"DELETE FROM {self.table} WHERE originator_id = %s", (self._id(stream),))

    def insert(self, stream: UUID, version: int, topic: str, state: bytes) -> int:
        """Append a row at a new position (the next rowid / sequence value); answer the position."""
        self.execute(
            f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
            (self._id(stream), version, topic, state),
        )
        return self.head()


@dataclass
class Sealed:
    """A store holding the two scenario stories, its live views caught up and its log sealed."""

    app: PoolingApplication
    env: dict[str, str]
    raw: RawStore
    out: Path

    def stream(self, citizen_id: str) -> UUID:
        return person_id(citizen_id)


def load(app: PoolingApplication, messages: Iterable[dict[str, Any]]) -> None:
    """Submit messages in order, person messages many to a transaction (runs on their own), all applied."""
    batch: list[dict[str, Any]] = []
    for message in [*messages, None]:
        if message is not None and not message["type"].endswith("_run"):
            batch.append(message)
            continue
        outcomes = app.submit_batch(batch) if batch else []
        refused = [(m["serial"], o) for m, o in zip(batch, outcomes, strict=True) if not isinstance(o, dict)]
        assert not refused, refused
        batch = []
        if message is not None:
            assert app.submit(message)["status"] == "applied"


def sealed_store(store_env: dict[str, str], tmp_path: Path) -> Sealed:
    env = {**store_env, "POOLING_SIMULATED": "1", "POOLING_AUDIT_KEY_FILE": str(tmp_path / "audit_ed25519.pem")}
    app = PoolingApplication(env=env)
    load(app, combined())
    Projections(app).catch_up()
    generate_key(Path(env["POOLING_AUDIT_KEY_FILE"]))
    seal(app, load_private_key(Path(env["POOLING_AUDIT_KEY_FILE"])), range_size=RANGE)
    return Sealed(app, env, RawStore(env), tmp_path / "audit")


def errors(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] == "error"]


def codes(report: dict[str, Any]) -> set[str]:
    return {f["code"] for f in errors(report)}
