"""One shard of persons through the real command path, with its stored events captured instead of written.

A shard is the set of persons whose stream id falls in it (`shard_of`), plus every run message: each shard runs
every run over its own persons. The application is an ordinary `PoolingApplication` on the library's in-memory
POPO recorder, so every check, rule, hash and encoding is the production code's; the recorder's inserts are
captured as `StoredEvent`s and command log rows, exactly the rows the SQL recorders would insert.

What a shard must not write: the runs' command log rows (their answers sum over all shards: the coordinator writes
them from the merged summaries) and, except in the lead shard (shard 0, or the first of a store's part), the
store-wide aggregates (store settings, national runs), which every shard records identically because they depend
only on the run messages and the policy."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain import events as ev
from domain.application import PoolingApplication
from domain.errors import DomainError, error_body
from domain.person import person_id
from domain.registry import RUNS_ID, SETTINGS_ID, CommandKey, CommandRow
from loadtests.population import PLANTED, generate
from loadtests.population.feed import RUN_TYPES, segments
from loadtests.seeding.views import dossier_writes, ledger_writes
from projections.database import RecordingCursor
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError, canonical_body, parse_message

STORE_WIDE = frozenset({RUNS_ID, SETTINGS_ID})
BATCH = 5000  # person messages per submit_batch, as `feed` sends them
# Rows per write: a person's events of one flush share heap pages (`_stream_order`), so a stream read touches
# about one page per flush. 200,000 rows (~60 MB in memory) cut a 100 M-event shard of ~1.8 M rows into ~9.
FLUSH_ROWS = 200_000


def shard_of(stream_id: UUID, shards: int) -> int:
    """The shard of a person: its stream id (a uuid5, uniformly spread) modulo the shard count."""
    return stream_id.int % shards


@dataclass
class RunOutcome:
    """A run as one shard saw it: enough to write the run's command record once all shards are merged."""

    unit: str
    serial: str
    digest: str
    recorded_at: str
    answer: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "serial": self.serial,
            "digest": self.digest,
            "recorded_at": self.recorded_at,
            "answer": self.answer,
        }


@dataclass
class MonthOutput:
    """What a shard produced up to the end of one month (rows not yet written)."""

    month: int  # 1-based index of the month just finished
    rows: list[StoredEvent]
    commands: list[CommandRow] = field(default_factory=list)
    runs: list[RunOutcome] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)  # what the command path refused, with the line
    planted: dict[str, Any] = field(default_factory=dict)  # the population's planted facts (loadtests.population)
    messages: int = 0
    views: RecordingCursor | None = None  # the views' writes for these rows (loadtests/seeding/views.py)


def _capturing_app() -> tuple[PoolingApplication, list[StoredEvent], list[CommandRow], list[Any]]:
    """A simulated PoolingApplication on POPO whose recorder also appends every inserted row to a list, and whose
    event store appends every domain event it stored (for the views the shard folds)."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        "POOLING_SIMULATED": "1",
        # Every person of the shard stays cached: the POPO store could rebuild them, but replaying is slower.
        "AGGREGATE_CACHE_MAXSIZE": "100000000",
        "POOLING_AGGREGATE_CACHE_EVENTS": "100000000000",
    }
    app = PoolingApplication(env=env)
    captured: list[StoredEvent] = []
    captured_commands: list[CommandRow] = []
    # The store settings were saved while the application was built, before the hook exists: take them now.
    captured.extend(app.recorder.select_notifications(None, 100))
    insert = app.recorder.insert_events

    def insert_and_capture(stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        result = insert(stored_events, **kwargs)
        captured.extend(stored_events)
        captured_commands.extend(kwargs.get("commands") or ())
        return result

    app.recorder.insert_events = insert_and_capture  # type: ignore[method-assign]
    captured_events: list[Any] = []
    put = app.events.put

    def put_and_capture(events: Sequence[Any], **kwargs: Any) -> Any:
        result = put(events, **kwargs)
        captured_events.extend(events)  # only once stored: a refused write raises before this
        return result

    app.events.put = put_and_capture  # type: ignore[method-assign,assignment]
    return app, captured, captured_commands, captured_events


def run_shard(
    persons: int,
    *,
    seed: int,
    first_year: int,
    last_year: int,
    shard: int,
    shards: int,
    flush_rows: int = FLUSH_ROWS,
    on_month: Callable[[int, int], None] | None = None,
    keep: list[Any] | None = None,
    stream_order: bool = True,
    lead_shard: int = 0,
) -> Iterator[MonthOutput]:
    """Apply the shard's messages month by month; yield its rows whenever `flush_rows` are pending (at a month's end).

    Deterministic: the same arguments give the same rows, so a resumed shard replays what it already wrote and
    drops it (the caller skips outputs for months it has). `stream_order=False` keeps each flush in log order
    (the shipped compression dictionaries were trained on rows in that order: domain/stores/dictionary.py).
    `lead_shard`: the shard of the store that writes its store-wide streams and counts and refuses the runs."""
    lead = shard == lead_shard
    app, captured, captured_commands, captured_events = _capturing_app()
    if keep is not None:
        keep.append(app)  # the caller decides when (and whether) the shard's objects are freed
    mine: dict[str, bool] = {}  # citizen id -> in this shard (person_id is a uuid5: worth caching)
    run_keys: set[CommandKey] = set()
    pending = MonthOutput(0, [])
    flushed_events: list[Any] = []  # the pending rows' domain events, for the ledger view
    streams: set[UUID] = set()  # the shard's persons met so far
    try:
        population = generate(
            persons,
            seed=seed,
            first_year=first_year,
            last_year=last_year,
            only=lambda citizen: shard_of(person_id(citizen), shards) == shard,
        )
        for index, month in enumerate(population, 1):
            chosen = []
            for message in month:
                if message["type"] in RUN_TYPES:
                    chosen.append(message)
                    continue
                citizen = str(message.get("citizen_id", "")).upper()
                if citizen not in mine:
                    mine[citizen] = shard_of(person_id(citizen), shards) == shard
                if mine[citizen]:
                    chosen.append(message)
            # Runs go to every shard; counted once (in the lead shard), the shards' counts add up to the messages sent.
            counted = len(chosen) if lead else sum(1 for m in chosen if m["type"] not in RUN_TYPES)
            pending.messages += counted
            for is_run, chunk in segments(chosen, BATCH):
                if is_run:
                    outcome = _run(app, chunk[0], pending.refusals if lead else [])
                    if outcome is not None:
                        run_keys.add((outcome.unit, outcome.serial))
                        pending.runs.append(outcome)
                else:
                    # Refusals are part of the population (the planted duplicate): kept to be shown.
                    for sent, answer in zip(chunk, app.submit_batch(chunk), strict=True):
                        if not isinstance(answer, dict):
                            pending.refusals.append(_refusal(sent, answer))
            before = len(pending.rows)
            pending.rows.extend(_keep(captured, lead))
            pending.commands.extend(row for row in captured_commands if row.key not in run_keys)
            flushed_events.extend(captured_events)
            captured.clear()
            captured_commands.clear()
            captured_events.clear()
            if on_month is not None:
                on_month(counted, len(pending.rows) - before)
            if len(pending.rows) >= flush_rows:
                pending.month = index
                pending.views = _ledgers_of(app, flushed_events, streams)
                if stream_order:
                    pending.rows.sort(key=_stream_order)
                yield pending
                pending = MonthOutput(index, [])
        pending.month = index
        pending.planted = dict(PLANTED)  # filled while the generator planned the population
        writes = _ledgers_of(app, flushed_events, streams)
        pending.views = dossier_writes(app, streams, into=writes)  # every person's final state, once
        if stream_order:
            pending.rows.sort(key=_stream_order)
        yield pending
    finally:
        app.close()


def _ledgers_of(app: PoolingApplication, events: list[Any], streams: set[UUID]) -> RecordingCursor:
    """The ledger view's writes for the flushed events (then forgotten), noting whose streams they extend."""
    streams.update(event.originator_id for event in events if isinstance(event, ev.PersonEvent))
    writes = ledger_writes(app, events)
    events.clear()
    return writes


def _refusal(sent: dict[str, Any], error: Exception) -> dict[str, Any]:
    sent_fields = {name: sent.get(name) for name in ("type", "unit", "serial", "citizen_id", "recorded_at")}
    return {**(error_body(error) or {"error": type(error).__name__}), "sent": sent_fields}


def _run(app: PoolingApplication, data: dict[str, Any], refusals: list[dict[str, Any]]) -> RunOutcome | None:
    """Submit a run; a refused run is refused identically in every shard and leaves no record."""
    message = parse_message(data)
    try:
        answer = app.submit(message)
    except (DomainError, InterchangeError, IdentifierError) as error:
        refusals.append(_refusal(data, error))
        return None
    digest = hashlib.sha256(canonical_body(message)).hexdigest()
    assert message.recorded_at is not None  # a simulated store refuses a run without it
    return RunOutcome(message.unit, message.serial, digest, message.recorded_at.isoformat(), answer)


def _stream_order(row: StoredEvent) -> tuple[int, int]:
    """A flush's rows go to the table stream by stream: a person's events of the flush then share heap pages.

    In log order every event of a month-ordered flush landed on a page of its own (262 events on 259 pages for
    the median person, measured), and a person's read touched as many pages as the stream has events. Only the
    order of different streams changes: a stream's versions keep their order, so its notification ids still
    grow with its versions."""
    stream = row.originator_id
    return (stream if isinstance(stream, UUID) else UUID(stream)).int, row.originator_version


def _keep(rows: list[StoredEvent], lead: bool) -> Iterator[StoredEvent]:
    for row in rows:
        if not lead and row.originator_id in STORE_WIDE:
            continue
        yield row
