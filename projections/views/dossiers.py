"""The current-dossier view: one row per person, the dossier as known after the person's latest event.

Its `as_of` is the recorded date of that event and its `as_known_at` that event's recorded time, so the row
equals `build_dossier(fold(stream), ...)` for those two times (a test checks it for every demo person)."""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast
from uuid import UUID

import orjson

from domain import events as ev
from domain.clock import recorded_date
from domain.registry import NationalRuns
from domain.state import PersonState
from projections.database import ViewCursor
from projections.decoding import EventDecoder
from projections.dossier import build_dossier, event_rows_unmarked
from projections.risk import risk_facts
from projections.runs import RunsHistory

RUN_EVENTS = (NationalRuns.Started, NationalRuns.InterestRunRecorded, NationalRuns.AdjustmentRunRecorded)
TABLE = "dossier_view"
RISK_TABLE = "risk_facts_view"
# The rendered rows of the dossier's `events` list, one chunk per person per batch (append-only): a catch-up writes
# a row per person touched, not a row per event.
EVENTS_TABLE = "dossier_event_chunks"
# Persons whose dossier row waits for the runner to reach the head of the log (their event rows say up to which
# version): committed with the batch that folded them, so a runner stopped mid-catch-up leaves no row behind for good.
PENDING_TABLE = "dossier_pending"
CACHE_SIZE = 50_000
# The folded events the view's states may hold in memory, cached and waiting together. A folded event costs ~2 KB
# (a 20-year person, ~262 events, is ~0.5 MB: loadtests/SCALING.md), so 50,000 such persons would be ~25 GB; this
# bound is ~4 GB. Beyond it the least recently used cached states are dropped, then the waiting dossiers written.
# POOLING_VIEW_EVENTS_HELD sets it for a process (and the processes it starts) with less or more memory to give.
EVENTS_HELD = int(os.environ.get("POOLING_VIEW_EVENTS_HELD") or 2_000_000)
# A runner that stays behind the head (a steady write load) still writes the waiting dossiers it holds this often,
# or less often, so that it spends at most 1 / (1 + SETTLE_SPACING) of its time on them: far behind, as in a
# rebuild, each such write rewrites the dossiers of every person the batches keep touching.
SETTLE_SECONDS = 5.0
SETTLE_SPACING = 4.0
# Persons folded from the store per query, and named per statement, when waiting dossiers are written.
STORE_GROUP = 500
WRITE_GROUP = 2_000  # dossiers built per statement


class DossierView:
    """Current dossiers and risk facts; `prefix` names a second copy (the audit replay builds one)."""

    event_types: tuple[type, ...] = (ev.PersonEvent, *RUN_EVENTS)  # the rows the runner decodes for this view

    def __init__(self, app: Any, prefix: str = "", *, defer: bool = False) -> None:
        """`defer`: write each batch's event rows, but a person's dossier and risk facts only at `flush` (or when
        too many are pending), once, not once per batch (a rebuild into tables nobody reads before it ends).

        Without it the runner decides (`end_batch`): dossiers are written at the head of the log, and a catch-up
        far behind it marks who waits instead, so each person's dossier is built once per catch-up."""
        self.app = app
        self.name = f"{prefix}dossiers"
        self.table, self.risk_table = f"{prefix}{TABLE}", f"{prefix}{RISK_TABLE}"
        self.events_table, self.pending_table = f"{prefix}{EVENTS_TABLE}", f"{prefix}{PENDING_TABLE}"
        self._states: OrderedDict[UUID, PersonState] = OrderedDict()
        self._runs = RunsHistory(app)
        self._decoder = EventDecoder(app)  # for streams folded from the store, as the library's mapper decodes them
        self._defer = defer
        self._pending: dict[UUID, PersonState] = {}  # persons whose dossier row is not yet written
        self._lost: set[UUID] = set()  # deferred: persons met without their state in memory: folded at `flush`
        self._unfolded: set[UUID] = set()  # met without their state in memory in the open transaction: to be marked
        self._fresh: set[UUID] = set()  # pending persons folded in the open transaction
        self._marked: set[UUID] = set()  # pending persons this runner has marked as waiting
        self._marks_seen = False  # whether this process has written the dossiers an earlier runner left marked
        self._waiting_since: float | None = None
        self._settle_cost = 0.0  # seconds the last write of held dossiers took (behind the head)
        self._runs_changed = False  # a national run was folded since the dossiers were last written

    def create(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (person_id TEXT PRIMARY KEY, citizen_id TEXT NOT NULL UNIQUE, "
            "version INTEGER NOT NULL, status TEXT NOT NULL, dossier TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.risk_table} (person_id TEXT PRIMARY KEY, facts TEXT NOT NULL)"
        )
        # The stored dossier leaves out `events`; its rows are kept here as JSON arrays of consecutive versions
        # (first_version..last_version), so a current read is a short range scan instead of a decode of the stream.
        # `reverses`: the versions the chunk's reversals reverse (marked on read), as a JSON list.
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.events_table} (person_id TEXT NOT NULL, first_version INTEGER NOT NULL, "
            "last_version INTEGER NOT NULL, reverses TEXT NOT NULL, event_rows TEXT NOT NULL, "
            "PRIMARY KEY (person_id, first_version))"
        )
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {self.pending_table} (person_id TEXT PRIMARY KEY)")

    def drop(self, cursor: ViewCursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        cursor.execute(f"DROP TABLE IF EXISTS {self.risk_table}")
        cursor.execute(f"DROP TABLE IF EXISTS {self.events_table}")
        cursor.execute(f"DROP TABLE IF EXISTS {self.pending_table}")

    def forget(self) -> None:
        self._states.clear()
        if self._defer:
            self._lost.update(self._pending)  # their states may be ahead of what was committed: refolded at flush
        else:
            self._marks_seen = False  # the committed marks name who still waits
        self._pending.clear()
        self._unfolded.clear()
        self._fresh.clear()
        self._marked.clear()
        self._waiting_since = None

    def end_batch(self, cursor: ViewCursor, at_head: bool) -> None:
        """After each batch the runner commits: at the head of the log write every waiting dossier; behind it, write
        those whose states are in memory when they are too many or have waited too long, and mark the rest as
        waiting, in the batch's own transaction."""
        if self._defer or not self.unsettled():
            return
        if at_head:
            self.settle(cursor)
            return
        now = time.monotonic()
        spacing = max(SETTLE_SECONDS, SETTLE_SPACING * self._settle_cost)
        overdue = self._waiting_since is not None and now - self._waiting_since > spacing
        crowded = len(self._pending) > CACHE_SIZE or self.held_events() > EVENTS_HELD
        if overdue or crowded:
            self._settle_held(cursor, drop=crowded)
            self._settle_cost = time.monotonic() - now
            self._waiting_since = time.monotonic()
        elif self._waiting_since is None:
            self._waiting_since = now  # the first batch since the last settle that leaves dossiers waiting
        unmarked = (self._fresh & self._pending.keys()) - self._marked
        self._mark(cursor, unmarked)
        self._marked.update(unmarked)
        self._fresh.clear()

    def _mark(self, cursor: ViewCursor, fresh: set[UUID]) -> None:
        """Mark as waiting these persons and those this transaction met without a state (marked once each)."""
        persons = fresh | self._unfolded
        if persons:
            cursor.insert_many(
                f"INSERT INTO {self.pending_table} (person_id)",
                ("text",),
                [(str(person),) for person in sorted(persons)],
                "ON CONFLICT (person_id) DO NOTHING",
            )
        if self._unfolded:
            self._marks_seen = False  # committed marks now name persons this process holds no state for
        self._unfolded.clear()

    def waiting(self, cursor: ViewCursor) -> int:
        """How many persons' dossiers wait, as committed (marked in `dossier_pending`)."""
        return int(cursor.tuples(f"SELECT count(*) FROM {self.pending_table}")[0][0])

    def unsettled(self) -> bool:
        """Whether some dossier may be waiting to be written (folded here, or marked by an earlier runner)."""
        return not self._defer and (bool(self._pending) or bool(self._unfolded) or not self._marks_seen)

    def settle(self, cursor: ViewCursor) -> None:
        """Write the dossier and risk facts of every waiting person, at the latest version whose event row the view
        holds; the caller holds the runners' lock, so no other runner marks or writes meanwhile. Persons whose
        state is not in memory are folded from the store, STORE_GROUP at a time."""
        self._mark(cursor, set())
        latest = {
            str(person): int(version)
            for person, version in cursor.tuples(
                f"SELECT p.person_id, max(c.last_version) FROM {self.pending_table} p "
                f"JOIN {self.events_table} c ON c.person_id = p.person_id GROUP BY p.person_id"
            )
        }
        ready: dict[UUID, PersonState] = {}
        for person, state in self._pending.items():
            version = latest.pop(str(person), None)
            if person in self._fresh or version == state.version:
                ready[person] = state
            elif version is not None:
                latest[str(person)] = version  # another runner folded it further: folded again below
            # neither folded in this transaction nor marked: another runner has written it since
        if latest or self._runs_changed:
            self._runs.refresh()
        self._write(cursor, ready, {})
        for folded in self._fold_from_store({UUID(person): version for person, version in latest.items()}):
            self._write(cursor, folded, {})
            for person, state in folded.items():
                self._remember(person, state)
        if ready or latest:
            cursor.execute(f"DELETE FROM {self.pending_table}")
        self._pending.clear()
        self._fresh.clear()
        self._marked.clear()
        self._marks_seen, self._runs_changed, self._waiting_since = True, False, None
        self._trim()

    def _settle_held(self, cursor: ViewCursor, *, drop: bool) -> None:
        """Write the waiting dossiers whose states are in memory and current, and unmark them; the others (no state
        here, or folded further by another runner) stay marked for the settle at the head of the log. `drop`: also
        let go of the written states (memory is short), as `_write_pending` does."""
        held = list(self._pending)
        latest = self._latest_versions(cursor, [person for person in held if person not in self._fresh])
        ready = {
            person: state
            for person, state in self._pending.items()
            if person in self._fresh or latest.get(person) == state.version
        }
        if self._runs_changed:
            self._runs.refresh()
            self._runs_changed = False
        self._write(cursor, ready, {})
        written = [str(person) for person in ready if person in self._marked]
        for start in range(0, len(written), STORE_GROUP):
            group = written[start : start + STORE_GROUP]
            cursor.execute(
                f"DELETE FROM {self.pending_table} WHERE person_id IN ({', '.join(['%s'] * len(group))})", group
            )
        if len(ready) < len(self._pending):
            self._marks_seen = False  # some stay marked, folded further by another runner: settled at the head
        self._marked.difference_update(ready)
        self._fresh.difference_update(ready)
        self._pending.clear()
        if drop:
            self._forget_states(ready)
        self._trim()

    def _latest_versions(self, cursor: ViewCursor, persons: Sequence[UUID]) -> dict[UUID, int]:
        """The latest version whose event row the view holds, for each of these persons that has one."""
        found: dict[UUID, int] = {}
        for start in range(0, len(persons), STORE_GROUP):
            group = [str(person) for person in persons[start : start + STORE_GROUP]]
            for person, version in cursor.tuples(
                f"SELECT person_id, max(last_version) FROM {self.events_table} "
                f"WHERE person_id IN ({', '.join(['%s'] * len(group))}) GROUP BY person_id",
                group,
            ):
                found[UUID(person)] = int(version)
        return found

    def _fold_from_store(self, versions: Mapping[UUID, int]) -> Iterator[dict[UUID, PersonState]]:
        """The states of these persons up to the given versions, folded from their stored streams (one query per
        STORE_GROUP persons). A deferred rebuild (the audit's) skips an event it cannot decode or fold: its pass over
        the log has reported it already."""
        persons = sorted(versions, key=str)
        for start in range(0, len(persons), STORE_GROUP):
            group = persons[start : start + STORE_GROUP]
            streams = self.app.recorder.select_streams(group)
            folded: dict[UUID, PersonState] = {}
            for person in group:
                state = PersonState()
                for stored in streams.get(person, ()):
                    if stored.originator_version > versions[person]:
                        break
                    try:
                        event = self._decoder.one(person, stored.originator_version, stored.topic, stored.state)
                        state.apply(cast(ev.PersonEvent, event))
                    except Exception:
                        if not self._defer:
                            raise
                if state.history:
                    folded[person] = state
            yield folded

    def flush(self, cursor: ViewCursor) -> None:
        """Write the deferred dossiers and risk facts (each person's state after its last folded event), folding
        from the store those whose state is not in memory (at the end of a rebuild)."""
        lost = [person for person in self._lost if person not in self._pending]
        self._lost.clear()
        self._write_pending(cursor)
        latest = self._latest_versions(cursor, lost)
        if latest:
            self._runs.refresh()
        for folded in self._fold_from_store(latest):
            self._write(cursor, folded, {})

    def _write_pending(self, cursor: ViewCursor) -> None:
        """Write the dossiers whose states are in memory, and let go of those states (a deferred view, when they are
        too many to keep): a person met again is then folded from the store once, when settled, where keeping and
        rewriting every touched person at each such write would cost a dossier per person per pass (a month-ordered
        log touches every person every month)."""
        if self._pending:
            self._runs.refresh()
            self._write(cursor, self._pending, {})
            self._forget_states(self._pending)
        self._pending = {}
        self._trim()

    def _forget_states(self, persons: Iterable[UUID]) -> None:
        for person in persons:
            self._states.pop(person, None)

    def process(self, cursor: ViewCursor, events: Sequence[tuple[int, Any]]) -> None:
        if self._defer and (
            len(self._pending) + len(events) > CACHE_SIZE or self.held_events() + len(events) > EVENTS_HELD
        ):
            self._write_pending(cursor)  # the pending states stay within the cache's most recent entries
        touched: dict[UUID, PersonState] = {}
        # Persons met without their state in memory are not folded here: folding each from its stream would make a
        # catch-up of a month-ordered log (every person once a month) quadratic. Their event rows are written now;
        # their dossiers once, when settled (`_fold_from_store`).
        stateless = self._lost if self._defer else self._unfolded
        chunks: dict[UUID, tuple[int, list[int], list[dict[str, Any]]]] = {}  # first version, reverses, rows
        for _, event in events:
            if not isinstance(event, ev.PersonEvent):
                continue
            person = event.originator_id
            state = touched.get(person)
            if state is None and person not in stateless:
                state = self._state(person, event.originator_version)
                if state is None:
                    stateless.add(person)
            if state is not None:
                state.apply(event)
                touched[person] = state
            chunk = chunks.get(person)
            if chunk is None:
                chunk = chunks[person] = (event.originator_version, [], [])
            if isinstance(event, ev.Reversed):
                chunk[1].append(event.reversed_version)
            chunk[2].append(event_rows_unmarked([event])[0])  # reversed rows are marked when read
        if not chunks:
            return
        self._pending.update(touched)
        self._write(cursor, {}, chunks)
        self._trim()
        if not self._defer:
            self._fresh.update(touched)
            if any(isinstance(event, RUN_EVENTS) for _, event in events):
                self._runs_changed = True  # a national run may have been recorded in this batch

    def held_events(self) -> int:
        """The folded events the cached and waiting states hold (each state counted once)."""
        held = sum(len(state.history) for state in self._states.values())
        return held + sum(
            len(state.history) for person, state in self._pending.items() if self._states.get(person) is not state
        )

    def _trim(self) -> None:
        """Drop the least recently used cached states until the held events are within EVENTS_HELD (a waiting
        state stays: its dossier is still to be written, and `end_batch` or `process` writes it when too many wait)."""
        held = self.held_events()
        if held <= EVENTS_HELD:
            return
        for person in list(self._states):  # least recently used first
            state = self._states[person]
            if self._pending.get(person) is not state:
                del self._states[person]
                held -= len(state.history)
                if held <= EVENTS_HELD:
                    return

    def write_whole(self, cursor: ViewCursor, states: Mapping[UUID, PersonState]) -> None:
        """Write the rows of persons whose whole stream is folded in `states` (the bulk seeder's shards hold them),
        as a catch-up from event one would: the dossier and risk facts, and one chunk of every event row."""
        chunks = {
            person: (
                1,
                [event.reversed_version for event in state.history if isinstance(event, ev.Reversed)],
                event_rows_unmarked(state.history),
            )
            for person, state in states.items()
            if state.history
        }
        self._write(cursor, {person: states[person] for person in chunks}, chunks)

    def _write(
        self,
        cursor: ViewCursor,
        touched: Mapping[UUID, PersonState],
        chunks: Mapping[UUID, tuple[int, list[int], list[dict[str, Any]]]],
    ) -> None:
        persons = list(touched)
        # A statement per WRITE_GROUP dossiers: building tens of thousands at once would leave the transaction idle
        # past the store's idle-in-transaction timeout (5 s by default).
        for start in range(0, len(persons), WRITE_GROUP):
            self._write_dossiers(cursor, {person: touched[person] for person in persons[start : start + WRITE_GROUP]})
        # Row by row: a batch's chunks carry most of its bytes, and one statement of arrays of them measured slower.
        cursor.executemany(
            f"INSERT INTO {self.events_table} (person_id, first_version, last_version, reverses, event_rows) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (person_id, first_version) DO UPDATE SET "
            "last_version = excluded.last_version, reverses = excluded.reverses, event_rows = excluded.event_rows",
            [
                (
                    str(person),
                    first,
                    first + len(rows) - 1,
                    orjson.dumps(reverses).decode(),
                    orjson.dumps(rows).decode(),
                )
                for person, (first, reverses, rows) in chunks.items()
            ],
        )

    def _write_dossiers(self, cursor: ViewCursor, touched: Mapping[UUID, PersonState]) -> None:
        rows, facts = [], []
        for person_id, state in touched.items():
            facts.append((str(person_id), orjson.dumps(risk_facts(state)).decode()))
            last = state.history[-1]
            dossier = build_dossier(
                state,
                as_of=recorded_date(last.recorded_at),
                as_known_at=last.recorded_at,
                policy=self.app.policy,
                fallback_rate=self._runs.fallback_rate(self.app.policy, last.recorded_at),
                simulated=self.app.simulated,
                include_events=False,
            )
            rows.append(
                (str(person_id), state.citizen_id, state.version, dossier["status"], orjson.dumps(dossier).decode())
            )
        cursor.insert_many(
            f"INSERT INTO {self.table} (person_id, citizen_id, version, status, dossier)",
            ("text", "text", "integer", "text", "text"),
            rows,
            "ON CONFLICT (person_id) DO UPDATE SET version = excluded.version, status = excluded.status, "
            "dossier = excluded.dossier",
        )
        cursor.insert_many(
            f"INSERT INTO {self.risk_table} (person_id, facts)",
            ("text", "text"),
            facts,
            "ON CONFLICT (person_id) DO UPDATE SET facts = excluded.facts",
        )

    def _state(self, person_id: UUID, version: int) -> PersonState | None:
        """The person's state just before `version` if memory holds it (a new one for a first event), else None."""
        state = self._states.get(person_id)
        if state is not None and state.version == version - 1:
            self._states.move_to_end(person_id)
            return state
        state = self._pending.get(person_id)
        if state is not None and state.version == version - 1:
            self._remember(person_id, state)  # waiting, but no longer cached
            return state
        if version > 1:
            self._states.pop(person_id, None)
            self._pending.pop(person_id, None)  # folded further by another runner: refolded when settled
            return None
        state = PersonState()
        self._remember(person_id, state)
        return state

    def _remember(self, person: UUID, state: PersonState) -> None:
        self._states[person] = state
        self._states.move_to_end(person)
        if len(self._states) > CACHE_SIZE:
            self._states.popitem(last=False)


Current = tuple[int, bytes, list[dict[str, Any]]]

# The dossier row and its event chunks in one statement (one round trip); `{head}` is NULL, or the stream's latest
# version read from the events table in the same statement. One row per chunk (a seeded person has one).
_CURRENT = (
    "SELECT {head}, d.version, d.dossier, c.first_version, c.last_version, c.reverses, c.event_rows "
    "FROM (SELECT 1 AS one) AS one LEFT JOIN {table} d ON d.person_id = %s "
    "LEFT JOIN {events_table} c ON c.person_id = d.person_id AND c.first_version <= d.version "
    "ORDER BY c.first_version"
)


def read_current(
    cursor: ViewCursor, person: str, head: int, table: str = TABLE, events_table: str = EVENTS_TABLE
) -> Current | None:
    """The stored current dossier of a person if it is at least at stream version `head`: (version, the dossier's
    JSON without `events`, each row of its `events` list, reversed ones marked); else None (no row yet, a row
    behind the stream, or event rows missing, as in a view built before they were kept)."""
    found = cursor.tuples(_CURRENT.format(head="NULL", table=table, events_table=events_table), (person,))
    return _current(found, head)


def read_current_at_head(
    cursor: ViewCursor,
    person: str,
    stream_key: Any,
    events_from: str,
    table: str = TABLE,
    events_table: str = EVENTS_TABLE,
) -> tuple[int, Current | None]:
    """The stream's latest version (0: no stream) and `read_current` at it, in one statement."""
    latest = f"(SELECT MAX(originator_version) FROM {events_from} WHERE originator_id = %s)"
    found = cursor.tuples(_CURRENT.format(head=latest, table=table, events_table=events_table), (stream_key, person))
    head = int(found[0][0] or 0)
    return head, _current(found, head) if head else None


def _current(found: Sequence[tuple[Any, ...]], head: int) -> Current | None:
    """`read_current`'s answer from the statement's rows."""
    _, stored_version, dossier, *_ = found[0]
    if stored_version is None or int(stored_version) < head:
        return None
    version = int(stored_version)
    # Chunks are written in the dossier's transaction and never removed, so those up to its version are all there.
    rows: list[dict[str, Any]] = []
    reversed_versions: set[int] = set()
    for _, _, _, first, last, reverses, chunk in found:
        if first is None:
            break  # no chunk at all
        if int(first) != len(rows) + 1:
            return None  # a gap: rows missing (a view built before they were kept)
        rows.extend(orjson.loads(chunk))
        reversed_versions.update(orjson.loads(reverses))
        if len(rows) != int(last):
            return None
    if len(rows) < version:
        return None
    del rows[version:]
    for reversed_version in reversed_versions:
        if 1 <= reversed_version <= version:
            rows[reversed_version - 1]["reversed"] = True
    return version, dossier.encode() if isinstance(dossier, str) else bytes(dossier), rows


def read_risk_facts(cursor: ViewCursor) -> list[dict[str, Any]]:
    """Every person's stored risk facts."""
    cursor.execute(f"SELECT facts FROM {RISK_TABLE} ORDER BY person_id")
    return [orjson.loads(row["facts"]) for row in cursor.fetchall()]
