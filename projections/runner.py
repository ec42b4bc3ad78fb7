"""The batched projection runner: read a section of the notification log, decode it once, let every view fold
it, and commit the views' rows with their tracking positions in one transaction (exactly once, restartable).

The library's own `ProjectionRunner` commits once per event and does not run on SQLite; this one commits once
per batch. A view is rebuilt by dropping its tables, setting its position to 0 and catching up.

Reading is lean: the rows come back as plain tuples in the batch's own transaction, and only rows whose topic
some view wants (its `event_types`) are decoded, so records no view folds (command records, settings) cost a
row read and nothing more; they decode exactly as the library's mapper would (projections/decoding.py)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from eventsourcing.persistence import Tracking

from projections.database import RecordingCursor, ViewCursor, ViewDatabase
from projections.decoding import EventDecoder

TRACKING_TABLE = "pooling_view_tracking"
RATE_TABLE = "pooling_view_rates"  # the last catch-up's speed per view, for `pooling project status`
LOCK_ROW = "__runner_lock__"
SEED_PROGRESS, SEED_META = "pooling_seed_progress", -1  # the bulk seeder's progress rows, and its parameters' row
# A view's position: (view name, last notification id folded in, when, as UTC text)
TRACK = (
    f"INSERT INTO {TRACKING_TABLE} (view_name, position, updated_at) VALUES (%s, %s, %s) "
    "ON CONFLICT (view_name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at"
)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one batch.

    A batch allocates a few hundred thousand acyclic objects (decoded events, folded records, dossier dicts) while
    the views' caches hold millions more; every allocation-triggered collection would walk them all. What a batch
    leaves cyclic is collected when the collector runs again after it."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class View(Protocol):
    """A read model fed from the log.

    A view may also name the event classes it folds, `event_types: tuple[type, ...]`: the runner then decodes only
    rows of those classes (and their subclasses) for it. A view without `event_types` is given every row.

    A view with work it may put off while the log is far ahead (the dossiers) also has `end_batch(cursor, at_head)`,
    called in every batch's transaction after `process` (and when a run finds nothing new), and `unsettled()`."""

    name: str

    def create(self, cursor: ViewCursor) -> None: ...

    def drop(self, cursor: ViewCursor) -> None: ...

    def forget(self) -> None:
        """Drop in-memory caches (after a failed batch or a rebuild)."""

    def process(self, cursor: ViewCursor, events: Sequence[tuple[int, Any]]) -> None: ...


class RebuildInProgress(RuntimeError):
    """A rebuild in several processes is filling the views (projections/parallel_rebuild.py)."""


REBUILD_ROW = "__rebuild__"  # present while a rebuild in several processes runs; its position: the head it rebuilds to


class SeedInProgress(RuntimeError):
    """A bulk seed into this store has not finished: its shards write the views themselves (loadtests/seeding)."""


def seed_unfinished(cursor: ViewCursor, sqlite: bool) -> bool:
    """Whether the store holds a bulk seed that has not finished (its progress table says so)."""
    if sqlite:
        found = cursor.tuples("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", (SEED_PROGRESS,))
    else:
        found = cursor.tuples("SELECT 1 WHERE to_regclass(%s) IS NOT NULL", (SEED_PROGRESS,))
    if not found:
        return False
    meta = cursor.tuples(f"SELECT state FROM {SEED_PROGRESS} WHERE shard = %s", (SEED_META,))
    return bool(meta) and not orjson.loads(meta[0][0]).get("finished")


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
        self.decoder = EventDecoder(app)
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
        compute_first: bool = False,
    ) -> CatchUp:
        """Catch the views up to the head of the log (or `limit` batches), one transaction per batch.

        Each batch first writes a lock row, then reads the positions inside its transaction: two runners (two
        processes) take turns and neither folds a batch the other has committed. `compute_first`: read and fold
        the batch before taking the lock, then write it only if the views' positions have not moved meanwhile
        (else fold again): two processes catching up different views then use two cores."""
        chosen = list(views or self.views)
        with self.db.transaction(commit=False) as cursor:
            if seed_unfinished(cursor, self.db.sqlite):
                # Its shards add their ledger sums as they go: a catch-up now would count those events twice.
                raise SeedInProgress("a bulk seed into this store has not finished: rerun `pooling seed` to finish it")
            if self.rebuilding(cursor) is not None:
                # Its processes fill the views without positions: folding now would count those events twice.
                raise RebuildInProgress(
                    "a rebuild of the views in several processes has not finished: run `pooling project rebuild` again"
                )
        self._want(chosen)
        done = CatchUp()
        started = time.perf_counter()
        while limit is None or done.batches < limit:
            if compute_first:
                folded = self._fold_then_write(chosen)
                if folded is None:
                    break
                if folded:
                    last, count = folded
                    done.events += count
                    done.batches += 1
                    if on_batch is not None:
                        on_batch(last, count)
                continue
            try:
                with collector_paused(), self.db.transaction() as cursor:
                    self._lock(cursor)
                    positions = self._positions(cursor)
                    start = min(positions[view.name] for view in chosen)
                    rows = self._read(cursor, start)
                    if not rows:
                        self._end_batch(cursor, chosen, at_head=True)
                        break
                    last = int(rows[-1][0])
                    self._fold(cursor, chosen, positions, start, self._decode(rows))
                    self._end_batch(cursor, chosen, at_head=len(rows) < self.batch_size)
                    self._track_all(cursor, chosen, positions, last)
            except BaseException:
                for view in chosen:
                    view.forget()  # their caches may be ahead of what was committed
                raise
            done.events += len(rows)
            done.batches += 1
            if on_batch is not None:
                on_batch(last, len(rows))
        done.seconds = time.perf_counter() - started
        if done.events:
            self._record_rate(chosen, done)
        return done

    def _fold_then_write(self, chosen: Sequence[View]) -> tuple[int, int] | tuple[()] | None:
        """One batch folded outside the write lock: (last position, rows) when written, () when another runner
        moved the views meanwhile (nothing written, caches dropped), None at the head of the log."""
        try:
            with collector_paused():
                with self.db.transaction(commit=False) as cursor:
                    positions = self._positions(cursor)
                    start = min(positions[view.name] for view in chosen)
                    rows = self._read(cursor, start)
                if not rows:
                    if any(self._unsettled(view) for view in chosen):
                        with self.db.transaction() as cursor:
                            self._lock(cursor)
                            self._end_batch(cursor, chosen, at_head=True)
                    return None
                last = int(rows[-1][0])
                recorded = RecordingCursor(self.db.sqlite)
                self._fold(recorded, chosen, positions, start, self._decode(rows))
                with self.db.transaction() as cursor:
                    self._lock(cursor)
                    now = self._positions(cursor)
                    if any(now[view.name] != positions[view.name] for view in chosen):
                        for view in chosen:
                            view.forget()
                        return ()
                    recorded.replay(cursor)
                    # Written under the lock, on the real cursor: what waits is read from the views' tables.
                    self._end_batch(cursor, chosen, at_head=len(rows) < self.batch_size)
                    self._track_all(cursor, chosen, positions, last)
        except BaseException:
            for view in chosen:
                view.forget()
            raise
        return last, len(rows)

    @staticmethod
    def _fold(
        cursor: ViewCursor,
        chosen: Sequence[View],
        positions: dict[str, int],
        start: int,
        decoded: list[tuple[int, Any]],
    ) -> None:
        """Give each view the batch's events after its own position."""
        for view in chosen:
            position = positions[view.name]
            mine = decoded if position == start else [(at, e) for at, e in decoded if at > position]
            if mine:
                view.process(cursor, mine)

    @staticmethod
    def _end_batch(cursor: ViewCursor, chosen: Sequence[View], at_head: bool) -> None:
        """Tell the views that have work to put off (the dossiers) whether this batch reached the head of the log."""
        for view in chosen:
            end_batch = getattr(view, "end_batch", None)
            if end_batch is not None:
                end_batch(cursor, at_head)

    @staticmethod
    def _unsettled(view: View) -> bool:
        unsettled = getattr(view, "unsettled", None)
        return bool(unsettled()) if unsettled is not None else False

    def _track_all(self, cursor: ViewCursor, chosen: Sequence[View], positions: dict[str, int], last: int) -> None:
        for view in chosen:
            if positions[view.name] < last:
                self._track(cursor, Tracking(view.name, last))

    def _want(self, views: Sequence[View]) -> None:
        """The event classes the views fold (None: every row is decoded)."""
        wanted: list[type] = []
        for view in views:
            types = getattr(view, "event_types", None)
            if types is None:
                wanted = []
                break
            wanted.extend(types)
        self.decoder.want(tuple(wanted) or None)

    def _read(self, cursor: ViewCursor, start: int) -> list[tuple[Any, ...]]:
        """The next batch of the log after `start`: (position, stream, version, topic, state) in position order."""
        position = self.db.position_column
        return cursor.tuples(
            f"SELECT {position}, originator_id, originator_version, topic, state FROM {self.db.events_from} "
            f"WHERE {position} > %s ORDER BY {position} LIMIT %s",
            (start, self.batch_size),
        )

    def _decode(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[int, Any]]:
        """The domain events of the rows some view wants, with their positions (projections/decoding.py)."""
        return self.decoder.rows(rows)

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
            TRACK,
            (tracking.application_name, tracking.notification_id, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
        )

    def reset(self, views: Sequence[View], *, rebuilding_to: int | None = None) -> None:
        """Empty these views' tables and forget their positions: the next run refills them from event one.

        `rebuilding_to`: in the same transaction, mark a rebuild in several processes up to that position, which
        stops every runner until `finish_rebuild`."""
        with self.db.transaction() as cursor:
            self._lock(cursor)
            for view in views:
                view.drop(cursor)
                view.create(cursor)
                cursor.execute(f"DELETE FROM {TRACKING_TABLE} WHERE view_name = %s", (view.name,))
            if rebuilding_to is not None:
                self._track(cursor, Tracking(REBUILD_ROW, rebuilding_to))
            elif {view.name for view in views} == {view.name for view in self.views}:
                # Every view emptied: an unfinished rebuild's mark has nothing left to protect.
                cursor.execute(f"DELETE FROM {TRACKING_TABLE} WHERE view_name = %s", (REBUILD_ROW,))
        for view in views:
            view.forget()

    def rebuilding(self, cursor: ViewCursor) -> int | None:
        """The position a rebuild in several processes is filling the views up to, if one has not finished."""
        found = cursor.tuples(f"SELECT position FROM {TRACKING_TABLE} WHERE view_name = %s", (REBUILD_ROW,))
        return int(found[0][0]) if found else None

    def finish_rebuild(self, views: Sequence[View], position: int, done: CatchUp) -> None:
        """The views hold every event up to `position`: set their positions there and lift the rebuild's mark."""
        with self.db.transaction() as cursor:
            self._lock(cursor)
            for view in views:
                self._track(cursor, Tracking(view.name, position))
            cursor.execute(f"DELETE FROM {TRACKING_TABLE} WHERE view_name = %s", (REBUILD_ROW,))
        for view in views:
            view.forget()
        self._record_rate(views, done)

    def rebuild(self, name: str, on_batch: Callable[[int, int], None] | None = None) -> CatchUp:
        """Drop one view's tables and refill them from event one."""
        view = self.view(name)
        self.reset([view])
        return self.run(views=[view], on_batch=on_batch)

    def view(self, name: str) -> View:
        for view in self.views:
            if view.name == name:
                return view
        raise KeyError(f"no view named {name!r}; views: {', '.join(v.name for v in self.views)}")
