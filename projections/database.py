"""View tables live in the same database as the events, reached through the library's own datastore.

One small adapter hides the two dialects: statements are written with `%s` placeholders (PostgreSQL's) and
rewritten to `?` for SQLite; rows come back as mappings in both."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import ApplicationRecorder


class ViewCursor:
    """A cursor that takes `%s` placeholders on either database."""

    def __init__(self, cursor: Any, sqlite: bool) -> None:
        self._cursor, self._sqlite = cursor, sqlite

    def _sql(self, statement: str) -> str:
        return statement.replace("%s", "?") if self._sqlite else statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(statement), [tuple(row) for row in rows])

    def insert_many(self, insert: str, types: Sequence[str], rows: Sequence[Sequence[Any]], tail: str = "") -> None:
        """`insert` (`INSERT INTO t (a, b)`) of many rows, then `tail` (an `ON CONFLICT` clause).

        On PostgreSQL the rows go as one array per column in a single statement: a batch's thousands of ledger sums
        then cost one statement to parse and plan instead of one each (`types` are the columns' SQL types)."""
        if not rows:
            return
        if self._sqlite:
            self.executemany(f"{insert} VALUES ({', '.join(['%s'] * len(types))}) {tail}", rows)
            return
        arrays = ", ".join(f"%b::{column_type}[]" for column_type in types)
        self.execute(
            f"{insert} SELECT * FROM unnest({arrays}) {tail}", [list(column) for column in zip(*rows, strict=True)]
        )

    def tuples(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return plain tuples (no mapping per row: for reading many rows), in the same transaction."""
        if self._sqlite:
            raw = getattr(self._cursor, "sqlite_cursor", self._cursor).connection.cursor()
            raw.row_factory = None
            try:
                raw.execute(self._sql(statement), tuple(params))
                return raw.fetchall()  # type: ignore[no-any-return]
            finally:
                raw.close()
        from psycopg.rows import tuple_row

        with self._cursor.connection.cursor(row_factory=tuple_row) as raw:
            raw.execute(statement, tuple(params))
            return raw.fetchall()  # type: ignore[no-any-return]

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._cursor.fetchall()]

    def fetchone(self) -> dict[str, Any] | None:
        row = self._cursor.fetchone()
        return dict(row) if row is not None else None


class RecordingCursor(ViewCursor):
    """A cursor that only records the writes given to it, to replay them later on a real one (a view folded
    outside the write lock). Views write through their cursor and read through the application."""

    def __init__(self, sqlite: bool) -> None:
        super().__init__(None, sqlite)
        self.writes: list[tuple[str, tuple[Any, ...]]] = []  # (the cursor method, its arguments)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.writes.append(("execute", (statement, tuple(params))))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.writes.append(("executemany", (statement, [tuple(row) for row in rows])))

    def insert_many(self, insert: str, types: Sequence[str], rows: Sequence[Sequence[Any]], tail: str = "") -> None:
        # Kept whole: the real cursor's dialect decides the statement's form.
        if rows:
            self.writes.append(("insert_many", (insert, tuple(types), [tuple(row) for row in rows], tail)))

    def fetchall(self) -> list[dict[str, Any]]:
        raise TypeError("a recording cursor has nothing to read")

    def fetchone(self) -> dict[str, Any] | None:
        raise TypeError("a recording cursor has nothing to read")

    def tuples(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise TypeError("a recording cursor has nothing to read")

    def replay(self, cursor: ViewCursor) -> None:
        """Give the recorded writes, in order, to a real cursor."""
        for method, arguments in self.writes:
            getattr(cursor, method)(*arguments)


class ViewDatabase:
    """Transactions on the event store's database, for view rows and tracking positions."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.datastore: Any = getattr(recorder, "datastore")  # noqa: B009 - both recorders have one
        self.sqlite = type(self.datastore).__module__.endswith("sqlite")
        self.events_table: str = getattr(recorder, "events_table_name")  # noqa: B009
        schema = getattr(self.datastore, "schema", "")
        # The events table as a query names it, and its position column (SQLite's rowid, PostgreSQL's sequence).
        self.events_from = self.events_table if self.sqlite or not schema else f'"{schema}"."{self.events_table}"'
        self.position_column = "rowid" if self.sqlite else "notification_id"

    @contextmanager
    def transaction(self, *, commit: bool = True) -> Iterator[ViewCursor]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield ViewCursor(cursor, self.sqlite)

    @property
    def big_integer(self) -> str:
        return "INTEGER" if self.sqlite else "BIGINT"
