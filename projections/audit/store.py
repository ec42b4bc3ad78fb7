"""Raw rows of the event log, exactly as stored: what the hashes and the Merkle leaves are computed over.

Everything goes through the library's recorder except reading one stream with its positions, which the library
does not offer (`select_events` drops the notification id); that one query is written here for both databases:
SQLite keeps the position in `rowid` and the id as 32 hex digits, PostgreSQL in `notification_id` with a uuid."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.database import ViewDatabase


@dataclass(frozen=True, slots=True)
class Row:
    """One stored event: its position in the log, stream, version, topic and state bytes."""

    position: int
    stream: UUID
    version: int
    topic: str
    state: bytes


class LogStore:
    """Reads the application's notification log in position order, and single streams in version order."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.db = ViewDatabase(app.recorder)
        schema = getattr(self.db.datastore, "schema", "")
        self.table = self.db.events_table if self.db.sqlite or not schema else f'"{schema}"."{self.db.events_table}"'
        self.backend = "sqlite" if self.db.sqlite else "postgres"

    def head(self) -> int:
        """The highest position in the log (0 when empty)."""
        return int(self.app.recorder.max_notification_id() or 0)

    def rows(self, after: int, limit: int, stop: int | None = None) -> list[Row]:
        """Up to `limit` rows with positions > `after` (and ≤ `stop`), in position order.

        One plain query (the library's `select_notifications` builds objects a scan does not need)."""
        position = self.db.position_column
        bound, params = (f" AND {position} <= %s", (after, stop, limit)) if stop is not None else ("", (after, limit))
        with self.db.transaction(commit=False) as cursor:
            found = cursor.tuples(
                f"SELECT {position}, originator_id, originator_version, topic, state FROM {self.db.events_from} "
                f"WHERE {position} > %s{bound} ORDER BY {position} LIMIT %s",
                params,
            )
        ids: dict[Any, UUID] = {}
        rows = []
        for at, stream, version, topic, state in found:
            ident = ids.get(stream)
            if ident is None:
                ident = ids[stream] = stream if isinstance(stream, UUID) else UUID(str(stream))
            rows.append(Row(int(at), ident, int(version), str(topic), bytes(state)))
        return rows

    def scan(self, batch_size: int, after: int = 0, stop: int | None = None) -> Iterator[list[Row]]:
        """The log from `after` to the head (or `stop`), one batch at a time."""
        while True:
            batch = self.rows(after, batch_size, stop)
            if not batch:
                return
            yield batch
            after = batch[-1].position

    def stream(self, stream: UUID) -> list[Row]:
        """One stream's rows in version order, with their positions (for diagnosing a broken chain)."""
        if self.db.sqlite:
            statement = (
                f"SELECT rowid AS position, originator_version AS version, topic, state FROM {self.table} "
                "WHERE originator_id = %s ORDER BY originator_version"
            )
            key: Any = stream.hex
        else:
            statement = (
                f"SELECT notification_id AS position, originator_version AS version, topic, state FROM {self.table} "
                "WHERE originator_id = %s ORDER BY originator_version"
            )
            key = stream
        with self.db.transaction(commit=False) as cursor:
            cursor.execute(statement, (key,))
            found = cursor.fetchall()
        return [_row(r["position"], stream, r["version"], r["topic"], r["state"]) for r in found]


def _row(position: Any, stream: Any, version: Any, topic: Any, state: Any) -> Row:
    ident = stream if isinstance(stream, UUID) else UUID(str(stream))
    return Row(int(position), ident, int(version), str(topic), bytes(state))
