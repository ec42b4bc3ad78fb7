"""One projection follower per PostgreSQL store, however many server processes run on it.

`pooling serve --workers N` starts N processes, each with a follower thread. Two runners never write a batch twice
(projections/runner.py takes a row lock and checks the positions), but each folds every batch before it finds
that out: with two workers under writes, the folding was done twice. A session advisory lock, held on a
connection of its own for as long as the process follows, lets one follower fold; the others try again at each
interval on a session of their own and take over when its process ends (PostgreSQL releases the lock with the
session). SQLite stores are served by one process (api/README.md), so there every follower leads."""

from __future__ import annotations

import contextlib
import zlib
from typing import Any

# A fixed key, the same in every process: advisory locks are per database, so one store has one follower lock.
FOLLOWER_LOCK_KEY = zlib.crc32(b"pooling projection follower")


class FollowerLock:
    """`held()` is True while this process holds the store's follower lock; it tries to take it (never waits)."""

    def __init__(self, datastore: Any, sqlite: bool) -> None:
        self.datastore, self.sqlite = datastore, sqlite
        self._connection: Any = None  # this process's session for the lock, kept between tries
        self._holding = False

    def held(self) -> bool:
        """Whether this process may follow now: it holds the lock (its session checked alive), or has just taken it."""
        if self.sqlite:
            return True
        try:
            if self._holding:
                self._session().execute("SELECT 1")
                return True
            (taken,) = self._session().execute("SELECT pg_try_advisory_lock(%s)", (FOLLOWER_LOCK_KEY,)).fetchone()
        except Exception:
            self.release()  # the session is gone, and the lock with it: the next try opens another
            raise
        self._holding = bool(taken)
        return self._holding

    def _session(self) -> Any:
        if self._connection is None:
            import psycopg
            from psycopg.rows import tuple_row

            pool = self.datastore.pool
            self._connection = psycopg.connect(
                pool.conninfo, **{**pool.kwargs, "autocommit": True, "row_factory": tuple_row}
            )
        return self._connection

    def release(self) -> None:
        """Give the lock up (closing the session releases it)."""
        connection, self._connection, self._holding = self._connection, None, False
        if connection is not None:
            with contextlib.suppress(Exception):  # already broken: its lock is gone with it
                connection.close()
