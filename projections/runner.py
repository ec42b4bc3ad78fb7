"""The batched projection runner: read a section of the notification log, decode it once, let every view fold
it, and commit the views' rows with their tracking positions in one transaction (exactly once, restartable).

The library's own `ProjectionRunner` commits once per event and does not run on SQLite; this one commits once
per batch. A view is rebuilt by dropping its tables, setting its position to 0 and catching up."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import Tracking

from projections.database import ViewCursor, ViewDatabase

TRACKING_TABLE = "pooling_view_tracking"
RATE_TABLE = "pooling_view_rates"  # the last catch-up's speed per view, for `pooling project status`
LOCK_ROW = "__runner_lock__"


class View(Protocol):
    """A read model fed from the log."""

    name: str

    def create(self, cursor: ViewCursor) -> None: ...

    def drop(self, cursor: ViewCursor) -> None: ...

    def forget(self) -> None:
        """Drop in-memory caches (after a failed batch or a rebuild)."""

    def process(self, cursor: ViewCursor, events: Sequence[tuple[int, Any]]) -> None: ...


@dataclass
class CatchUp:
    """What one run did: events folded, batches committed, seconds spent."""

    events: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class ProjectionRunner:
    """Keeps a set of views up to date with the application's notification log."""

    def __init__(self, app: Any, views: Sequence[View], batch_size: int = 5000) -> None:
        self.app, self.views, self.batch_size = app, list(views), batch_size
        self.db = ViewDatabase(app.recorder)
        with self.db.transaction() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} (view_name TEXT PRIMARY KEY, "
                f"position {self.db.big_integer} NOT NULL, updated_at TEXT NOT NULL)"
            )
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {RATE_TABLE} (view_name TEXT PRIMARY KEY, "
                f"events {self.db.big_integer} NOT NULL, events_per_second {self.db.big_integer} NOT NULL, "
                "measured_at TEXT NOT NULL)"
            )
            for view in self.views:
                view.create(cursor)

    def positions(self) -> dict[str, int]:
        """Each view's tracking position (the last notification id folded in)."""
        with self.db.transaction(commit=False) as cursor:
            return self._positions(cursor)

    def _positions(self, cursor: ViewCursor) -> dict[str, int]:
        cursor.execute(f"SELECT view_name, position FROM {TRACKING_TABLE}")
        found = {row["view_name"]: int(row["position"]) for row in cursor.fetchall()}
        return {view.name: found.get(view.name, 0) for view in self.views}

    def head(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def run(
        self,
        *,
        views: Sequence[View] | None = None,
        limit: int | None = None,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> CatchUp:
        """Catch the views up to the head of the log (or `limit` batches), one transaction per batch.

        Each batch first writes a lock row, then reads the positions inside its transaction: two runners (two
        processes) take turns and neither folds a batch the other has committed."""
        chosen = list(views or self.views)
        done = CatchUp()
        started = time.perf_counter()
        while limit is None or done.batches < limit:
            try:
                with self.db.transaction() as cursor:
                    self._lock(cursor)
                    positions = self._positions(cursor)
                    start = min(positions[view.name] for view in chosen)
                    notifications = self.app.recorder.select_notifications(
                        start, self.batch_size, inclusive_of_start=False
                    )
                    if not notifications:
                        break
                    decoded = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
                    for view in chosen:
                        mine = [(position, event) for position, event in decoded if position > positions[view.name]]
                        if mine:
                            view.process(cursor, mine)
                            self._track(cursor, Tracking(view.name, mine[-1][0]))
            except BaseException:
                for view in chosen:
                    view.forget()  # their caches may be ahead of what was committed
                raise
            done.events += len(decoded)
            done.batches += 1
            if on_batch is not None:
                on_batch(decoded[-1][0], len(decoded))
        done.seconds = time.perf_counter() - started
        if done.events:
            self._record_rate(chosen, done)
        return done

    def _record_rate(self, views: Sequence[View], done: CatchUp) -> None:
        with self.db.transaction() as cursor:
            for view in views:
                cursor.execute(
                    f"INSERT INTO {RATE_TABLE} (view_name, events, events_per_second, measured_at) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (view_name) DO UPDATE SET events = excluded.events, "
                    "events_per_second = excluded.events_per_second, measured_at = excluded.measured_at",
                    (view.name, done.events, round(done.rate), time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
                )

    def rates(self) -> dict[str, int]:
        """Events per second of each view's last catch-up (0 before the first)."""
        with self.db.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT view_name, events_per_second FROM {RATE_TABLE}")
            found = {row["view_name"]: int(row["events_per_second"]) for row in cursor.fetchall()}
        return {view.name: found.get(view.name, 0) for view in self.views}

    def _lock(self, cursor: ViewCursor) -> None:
        """A write to one row: the database then serializes runners (PostgreSQL row lock, SQLite write lock)."""
        cursor.execute(
            f"INSERT INTO {TRACKING_TABLE} (view_name, position, updated_at) VALUES (%s, 0, %s) "
            "ON CONFLICT (view_name) DO UPDATE SET updated_at = excluded.updated_at",
            (LOCK_ROW, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
        )

    def _track(self, cursor: ViewCursor, tracking: Tracking) -> None:
        cursor.execute(
            f"INSERT INTO {TRACKING_TABLE} (view_name, position, updated_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (view_name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
            (tracking.application_name, tracking.notification_id, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
        )

    def rebuild(self, name: str, on_batch: Callable[[int, int], None] | None = None) -> CatchUp:
        """Drop one view's tables and refill them from event one."""
        view = self.view(name)
        with self.db.transaction() as cursor:
            view.drop(cursor)
            view.create(cursor)
            cursor.execute(f"DELETE FROM {TRACKING_TABLE} WHERE view_name = %s", (name,))
        view.forget()
        return self.run(views=[view], on_batch=on_batch)

    def view(self, name: str) -> View:
        for view in self.views:
            if view.name == name:
                return view
        raise KeyError(f"no view named {name!r}; views: {', '.join(v.name for v in self.views)}")
