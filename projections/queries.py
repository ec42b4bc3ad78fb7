"""Read side entry point: keep the views current and answer dossier and ledger questions (INTERCHANGE.md)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson

from domain import events as ev
from domain.clock import recorded_date
from domain.errors import UnknownPerson
from domain.person import person_id
from domain.registry import RUNS_ID
from domain.state import PersonState
from projections.database import ViewCursor
from projections.dossier import build_dossier, event_rows, fold
from projections.postings import postings
from projections.risk import findings
from projections.runner import ProjectionRunner
from projections.runs import RunsHistory
from projections.views.dossiers import DossierView, read_current, read_current_at_head, read_risk_facts
from projections.views.ledgers import TABLE as LEDGER_TABLE
from projections.views.ledgers import TRANSIT_TABLE, LedgerView
from standards.calendar import Month
from standards.codes import ACCOUNTS

# Whole-stream folds kept for the next as-of read: none by default. A kept 20-year fold is ~0.5 MB and ~1,200 objects
# that the collector scans until they die old; with 256 or 10,000 kept, as-of reads paced at 50/s over HTTP had a p99
# of 225-675 ms, with none 20-22 ms (4.6 M-event store, session 7; with the collector off and 256 kept: 23 ms).
FOLD_CACHE_SIZE = 0


class Projections:
    """The views of one application, with the questions users ask of them."""

    def __init__(self, app: Any, batch_size: int = 5000, folds_kept: int = FOLD_CACHE_SIZE) -> None:
        """`folds_kept`: persons whose whole-stream fold is kept for their next as-of read (0: none)."""
        self.app = app
        self.dossiers = DossierView(app)
        self.ledgers = LedgerView(app)
        self.runner = ProjectionRunner(app, [self.dossiers, self.ledgers], batch_size=batch_size)
        self._folds = FoldCache(folds_kept)
        self._runs: tuple[int, RunsHistory] | None = None

    def catch_up(self) -> None:
        self.runner.run()

    # --- dossier ----------------------------------------------------------------------------------------
    def dossier(
        self,
        citizen_id: str,
        as_of: date | None = None,
        as_known_at: datetime | None = None,
        *,
        head: int | None = None,
    ) -> dict[str, Any]:
        """The dossier now (from the stored view), or as of D and/or as known at T (folded from the stream).

        The current dossier is read-your-writes without a catch-up: the stored row is used when it is at the
        stream's latest version (one indexed query), else the answer is folded, by the definition the stored row
        equals (tests/view_checks.py). `head`: that latest version, when the caller has just read it."""
        if as_of is None and as_known_at is None:
            stored = self.stored_answer(citizen_id, head=head)
            return self.folded_current(citizen_id) if stored is None else stored
        return self.folded(citizen_id, as_of, as_known_at)

    def stored_answer(self, citizen_id: str, head: int | None = None) -> dict[str, Any] | None:
        """The current dossier from the stored view, if it is at the stream's latest version; else None."""
        stored = self.stored_dossier(citizen_id, head=head)
        if stored is None:
            return None
        _, document, rows = stored
        answer: dict[str, Any] = orjson.loads(document)
        answer["events"] = rows
        return answer

    def stored_dossier(
        self, citizen_id: str, head: int | None = None
    ) -> tuple[int, bytes, list[dict[str, Any]]] | None:
        """The stored current dossier (version, the document's JSON without `events`, each event row), if it is at
        the stream's latest version (`head`, read here unless given); None when it is behind (or missing).
        UnknownPerson for no stream."""
        person = person_id(citizen_id)
        with self._reading() as cursor:
            if head is None:
                head, found = read_current_at_head(
                    cursor, str(person), self._stream_key(person), self.runner.db.events_from
                )
            else:
                found = read_current(cursor, str(person), head) if head else None
        if head == 0:
            raise UnknownPerson(citizen_id)
        return found

    @contextmanager
    def _reading(self) -> Iterator[ViewCursor]:
        """A cursor for a read. On PostgreSQL no transaction: each statement is one round trip that sees what was
        committed (a BEGIN and a ROLLBACK would be two more), which is all `read_current` needs, since a dossier
        row is committed with its event rows, which are never removed. On SQLite a read transaction."""
        if self.runner.db.sqlite:
            with self.runner.db.transaction(commit=False) as cursor:
                yield cursor
        else:
            with self.runner.db.datastore.cursor() as raw:
                yield ViewCursor(raw, False)

    def folded_current(self, citizen_id: str) -> dict[str, Any]:
        """The current dossier from the stream: what the stored row holds once the view has caught up."""
        with self.runner.db.transaction(commit=False) as cursor:
            runs_version = self._head(cursor, RUNS_ID)
            history = self._stream(cursor, person_id(citizen_id))
        runs = self._runs_history(runs_version)
        if not history:
            raise UnknownPerson(citizen_id)
        state = fold(history)
        last = state.history[-1].recorded_at
        return build_dossier(
            state,
            as_of=recorded_date(last),
            as_known_at=last,
            policy=self.app.policy,
            fallback_rate=runs.fallback_rate(self.app.policy, last),
            simulated=self.app.simulated,
        )

    def folded(self, citizen_id: str, as_of: date | None, as_known_at: datetime | None) -> dict[str, Any]:
        """The dossier as of D, as known at T (default: the store's now), folded from the stream.

        The fold of the whole stream and its event rows depend on neither date: when `folds_kept` allows, they are
        kept per person and stream version (checked against the stream's head on every call), and only
        `build_dossier` runs per D."""
        known_at = as_known_at or self.app.now
        person = person_id(citizen_id)
        head, runs_version = self.heads(person, RUNS_ID)
        runs = self._runs_history(runs_version)
        kept = self._folds.get(person, head, known_at)
        if kept is not None:
            state, rows = kept
        else:
            with self._reading() as cursor:  # one statement: it sees a committed prefix of the stream
                history = self._stream(cursor, person)
            if all(event.recorded_at <= known_at for event in history):
                state = fold(history)
                rows = event_rows(state.history)
                self._folds.put(person, state, rows)
            else:
                state = fold(history, known_at)
                rows = event_rows(state.history)
        if not state.history:
            raise UnknownPerson(citizen_id)
        answer = build_dossier(
            state,
            as_of=as_of or recorded_date(known_at),
            as_known_at=known_at,
            policy=self.app.policy,
            fallback_rate=runs.fallback_rate(self.app.policy, known_at),
            simulated=self.app.simulated,
            include_events=False,
        )
        answer["events"] = [dict(row) for row in rows]
        return answer

    def _stream_key(self, person: UUID) -> Any:
        return person.hex if self.runner.db.sqlite else person

    def heads(self, *streams: UUID) -> tuple[int, ...]:
        """The latest version of each stream (0: none), in one statement (one round trip, no transaction)."""
        events = self.runner.db.events_from
        columns = ", ".join(
            f"(SELECT MAX(originator_version) FROM {events} WHERE originator_id = %s) AS h{n}"
            for n in range(len(streams))
        )
        keys = [self._stream_key(stream) for stream in streams]
        if self.runner.db.sqlite:
            with self.runner.db.transaction(commit=False) as cursor:
                cursor.execute(f"SELECT {columns}", keys)
                found = cursor.fetchone() or {}
        else:
            with self.runner.db.datastore.cursor() as raw:  # autocommit: the statement is its own transaction
                raw.execute(f"SELECT {columns}", keys)
                found = dict(raw.fetchone() or {})
        return tuple(int(found.get(f"h{n}") or 0) for n in range(len(streams)))

    def _head(self, cursor: ViewCursor, person: UUID) -> int:
        """The latest version of a stream (0: no stream), from the events table's primary key."""
        cursor.execute(
            f"SELECT MAX(originator_version) AS head FROM {self.runner.db.events_from} WHERE originator_id = %s",
            (self._stream_key(person),),
        )
        found = cursor.fetchone()
        return int(found["head"] or 0) if found else 0

    def _stream(self, cursor: ViewCursor, person: UUID) -> list[ev.PersonEvent]:
        """A person's events in version order, decoded by the projection runner's decoder (the mapper's work)."""
        rows = cursor.tuples(
            f"SELECT originator_version, originator_id, originator_version, topic, state FROM {self.runner.db.events_from} "
            "WHERE originator_id = %s ORDER BY originator_version",
            (self._stream_key(person),),
        )
        return [event for _, event in self.runner._decode(rows) if isinstance(event, ev.PersonEvent)]

    def _runs_history(self, version: int) -> RunsHistory:
        """The national runs, read again only when their stream's version is not the one kept."""
        kept = self._runs
        if kept is None or kept[0] != version:
            kept = self._runs = (version, RunsHistory(self.app))
        return kept[1]

    # --- ledger -----------------------------------------------------------------------------------------
    def ledger(
        self, unit: str | None = None, as_of: Month | None = None, as_known_at: datetime | None = None
    ) -> dict[str, Any]:
        """A unit's trial balance, or the national balance (全国一本账), as of the end of a month."""
        if as_known_at is not None:
            return self._ledger_replayed(unit, as_of, as_known_at)
        self.catch_up()
        month = str(as_of) if as_of else "9999-12"
        where, params = ("month <= %s", [month]) if unit is None else ("month <= %s AND unit = %s", [month, unit])
        with self.runner.db.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT account, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {LEDGER_TABLE} WHERE {where} GROUP BY account",
                params,
            )
            sums = {row["account"]: (int(row["dr"]), int(row["cr"])) for row in cursor.fetchall()}
            cursor.execute(
                f"SELECT SUM(sent_fen) AS s, SUM(received_fen) AS r FROM {TRANSIT_TABLE} WHERE month <= %s", [month]
            )
            transit = cursor.fetchone() or {}
        in_transit = int(transit.get("s") or 0) - int(transit.get("r") or 0)
        return ledger_answer(unit, as_of, sums, in_transit)

    def _ledger_replayed(self, unit: str | None, as_of: Month | None, as_known_at: datetime) -> dict[str, Any]:
        """The same answer from the events recorded at or before T (the audit's "as known at")."""
        month = str(as_of) if as_of else "9999-12"
        sums: dict[str, tuple[int, int]] = {}
        seen: dict[tuple[Any, int], Any] = {}
        sent = received = 0
        for notification in self.all_notifications():
            event = self.app.mapper.to_domain_event(notification)
            if not isinstance(event, ev.PersonEvent):
                continue
            if event.recorded_at > as_known_at:
                continue  # a batch saves persons grouped, so the log is not strictly in recorded order
            seen[(event.originator_id, event.originator_version)] = event
            if event.effective[:7] > month:
                continue
            original = (
                seen.get((event.originator_id, event.reversed_version)) if isinstance(event, ev.Reversed) else None
            )
            for posting in postings(event, original):
                if unit is None or posting.unit == unit:
                    dr, cr = sums.get(posting.account, (0, 0))
                    sums[posting.account] = (dr + posting.debit_fen, cr + posting.credit_fen)
            moved, sign = (original, -1) if original is not None else (event, 1)
            if isinstance(moved, ev.TransferSent):
                sent += sign * (moved.account_fen + moved.pooled_fen)
            elif isinstance(moved, ev.TransferReceived):
                received += sign * (moved.account_fen + moved.pooled_fen)
        answer = ledger_answer(unit, as_of, sums, sent - received)
        answer["as_known_at"] = as_known_at.isoformat()
        return answer

    def all_notifications(self) -> Any:
        start = 0
        while True:
            section = self.app.recorder.select_notifications(start, 5000, inclusive_of_start=False)
            yield from section
            if len(section) < 5000:
                return
            start = section[-1].id

    def risk_findings(self, scan_date: date | None = None, rule: str | None = None) -> list[dict[str, Any]]:
        """After-the-fact findings (R101-R106) as of the scan date (default: the store's today)."""
        self.catch_up()
        day = scan_date or recorded_date(self.app.now)
        with self.runner.db.transaction(commit=False) as cursor:
            facts = read_risk_facts(cursor)
        found = [f.as_dict() for person in facts for f in findings(person, day, self.app.policy.scan_limits)]
        return [f for f in found if rule is None or f["rule"] == rule]

    def status(self) -> dict[str, Any]:
        """Each view's position, its lag behind the head, the speed of its last catch-up, and how many of its rows
        wait for the runner to reach the head (dossiers a catch-up has put off; 0 for the other views)."""
        head, rates = self.runner.head(), self.runner.rates()
        with self.runner.db.transaction(commit=False) as cursor:
            waiting = {self.dossiers.name: self.dossiers.waiting(cursor)}
        views = {
            name: {
                "position": position,
                "lag": head - position,
                "events_per_second": rates[name],
                "waiting": waiting.get(name, 0),
            }
            for name, position in self.runner.positions().items()
        }
        return views | {"head": head}


class FoldCache:
    """Whole-stream folds of recently read persons with their event rows, by stream version (thread-safe)."""

    def __init__(self, size: int = FOLD_CACHE_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[UUID, tuple[int, datetime, PersonState, list[dict[str, Any]]]] = OrderedDict()

    def get(self, person: UUID, head: int, known_at: datetime) -> tuple[PersonState, list[dict[str, Any]]] | None:
        """The kept fold if it is at version `head` and everything in it was known at `known_at`."""
        with self._lock:
            kept = self._kept.get(person)
            if kept is None or kept[0] != head or kept[1] > known_at:
                return None
            self._kept.move_to_end(person)
            return kept[2], kept[3]

    def put(self, person: UUID, state: PersonState, rows: list[dict[str, Any]]) -> None:
        if not state.history or self.size <= 0:
            return
        latest = max(event.recorded_at for event in state.history)
        with self._lock:
            self._kept[person] = (state.version, latest, state, rows)
            self._kept.move_to_end(person)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


def ledger_answer(
    unit: str | None, as_of: Month | None, sums: dict[str, tuple[int, int]], in_transit: int
) -> dict[str, Any]:
    accounts = {}
    for account, side in ACCOUNTS.items():
        dr, cr = sums.get(account, (0, 0))
        accounts[account] = dr - cr if side == "Dr" else cr - dr
    return {
        "unit": unit or "national",
        "as_of": str(as_of) if as_of else None,
        "accounts": accounts,
        "debits_fen": sum(dr for dr, _ in sums.values()),
        "credits_fen": sum(cr for _, cr in sums.values()),
        "transfer_in_transit_fen": in_transit,
        "pooled_fund_balance_fen": _pooled_balance(sums),
    }


def _pooled_balance(sums: dict[str, tuple[int, int]]) -> int:
    """统筹基金结余 = Σ revenue − Σ expense (derived, never posted; §10.1)."""
    revenue = sum(cr - dr for account, (dr, cr) in sums.items() if account.startswith("rev_"))
    expense = sum(dr - cr for account, (dr, cr) in sums.items() if account.startswith("exp_"))
    return revenue - expense
