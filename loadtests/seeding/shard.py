"""One shard of persons through the real command path, with its stored events captured instead of written.

A shard is the set of persons whose stream id falls in it (`shard_of`), plus every run message: each shard runs
every run over its own persons. The application is an ordinary `PoolingApplication` on the library's in-memory
POPO recorder, so every check, rule, hash and encoding is the production code's; the recorder's inserts are
captured as `StoredEvent`s, exactly the rows the SQL recorders would insert.

What a shard must not write: the run command records (their answers sum over all shards: the coordinator writes
them from the merged summaries) and, except in shard 0, the store-wide aggregates (store settings, national runs),
which every shard records identically because they depend only on the run messages and the policy."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.application import PoolingApplication
from domain.errors import DomainError
from domain.person import person_id
from domain.registry import RUNS_ID, SETTINGS_ID, command_id
from loadtests.population import generate
from loadtests.population.feed import RUN_TYPES, segments
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError, canonical_body, parse_message

STORE_WIDE = frozenset({RUNS_ID, SETTINGS_ID})
BATCH = 5000  # person messages per submit_batch, as `feed` sends them


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
    runs: list[RunOutcome] = field(default_factory=list)
    messages: int = 0


def _capturing_app() -> tuple[PoolingApplication, list[StoredEvent]]:
    """A simulated PoolingApplication on POPO whose recorder also appends every inserted row to a list."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        "POOLING_SIMULATED": "1",
        # Every person of the shard stays cached: the POPO store could rebuild them, but replaying is slower.
        "AGGREGATE_CACHE_MAXSIZE": "100000000",
    }
    app = PoolingApplication(env=env)
    captured: list[StoredEvent] = []
    # The store settings were saved while the application was built, before the hook exists: take them now.
    captured.extend(app.recorder.select_notifications(None, 100))
    insert = app.recorder.insert_events

    def insert_and_capture(stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        captured.extend(stored_events)
        return insert(stored_events, **kwargs)

    app.recorder.insert_events = insert_and_capture  # type: ignore[method-assign]
    return app, captured


def run_shard(
    persons: int,
    *,
    seed: int,
    first_year: int,
    last_year: int,
    shard: int,
    shards: int,
    flush_rows: int = 50_000,
    on_month: Callable[[int, int], None] | None = None,
) -> Iterator[MonthOutput]:
    """Apply the shard's messages month by month; yield its rows whenever `flush_rows` are pending (at a month's end).

    Deterministic: the same arguments give the same rows, so a resumed shard replays what it already wrote and
    drops it (the caller skips outputs for months it has)."""
    app, captured = _capturing_app()
    mine: dict[str, bool] = {}  # citizen id -> in this shard (person_id is a uuid5: worth caching)
    run_ids: set[UUID] = set()
    pending = MonthOutput(0, [])
    try:
        for index, month in enumerate(generate(persons, seed=seed, first_year=first_year, last_year=last_year), 1):
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
            pending.messages += len(chosen)
            for is_run, chunk in segments(chosen, BATCH):
                if is_run:
                    outcome = _run(app, chunk[0])
                    if outcome is not None:
                        run_ids.add(command_id(outcome.unit, outcome.serial))
                        pending.runs.append(outcome)
                else:
                    app.submit_batch(chunk)  # refusals are part of the population (the planted duplicate)
            before = len(pending.rows)
            pending.rows.extend(_keep(captured, run_ids, shard))
            captured.clear()
            if on_month is not None:
                on_month(len(chosen), len(pending.rows) - before)
            if len(pending.rows) >= flush_rows:
                pending.month = index
                yield pending
                pending = MonthOutput(index, [])
        pending.month = index
        yield pending
    finally:
        app.close()


def _run(app: PoolingApplication, data: dict[str, Any]) -> RunOutcome | None:
    """Submit a run; a refused run is refused identically in every shard and leaves no record."""
    message = parse_message(data)
    try:
        answer = app.submit(message)
    except (DomainError, InterchangeError, IdentifierError):
        return None
    digest = hashlib.sha256(canonical_body(message)).hexdigest()
    assert message.recorded_at is not None  # a simulated store refuses a run without it
    return RunOutcome(message.unit, message.serial, digest, message.recorded_at.isoformat(), answer)


def _keep(rows: list[StoredEvent], run_ids: set[UUID], shard: int) -> Iterator[StoredEvent]:
    for row in rows:
        if row.originator_id in run_ids or (shard != 0 and row.originator_id in STORE_WIDE):
            continue
        yield row
