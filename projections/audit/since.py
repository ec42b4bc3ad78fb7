"""The audit of what was written since a position of the log: the check a go-live rehearsal on a national-size
store can afford, where replaying the whole log would take hours (RESULTS.md).

For every person the new events touched: the stream's hash chain, whole (`diagnose`), and the stored dossier the
live follower wrote against a fold of the stream. For the ledgers: each answer taken before the run, moved by the
postings of the new events (recomputed here from `postings`, not read from the view), must be the answer now,
account by account, with the money in transit. What it does not cover: events written before `since`, which the
full replay (`pooling audit replay`) verifies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain import events as ev
from projections.audit.chain import diagnose
from projections.audit.store import LogStore
from projections.decoding import EventDecoder
from projections.merge import merge_ledgers
from projections.postings import postings
from projections.queries import Projections, ledger_answer

BATCH = 5000


@dataclass
class SinceCheck:
    """What the check looked at and what it found (each finding one line)."""

    since: int
    head: int = 0
    events: int = 0
    persons: int = 0
    ledgers: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        verdict = "PASSED" if self.ok else f"FAILED ({len(self.findings)} findings)"
        return (
            f"{verdict}: positions {self.since + 1:,}..{self.head:,}, {self.events:,} events of {self.persons:,} "
            f"persons: chains whole, stored dossiers equal to their folds; {self.ledgers} ledger answers moved by "
            "exactly the new events' postings"
        )


def ledger_answers(projections: Projections, units: list[str | None]) -> dict[str | None, dict[str, Any]]:
    """The answers to compare later: `None` is the national balance."""
    return {unit: projections.ledger(unit) for unit in units}


def check_since(app: Any, since: int, before: Mapping[str | None, dict[str, Any]]) -> SinceCheck:
    """Check the events after position `since`, given the ledger answers taken at `since` (`ledger_answers`)."""
    projections = Projections(app)
    projections.catch_up()  # the follower's work, finished: the views at the head
    store = LogStore(app)
    decoder = EventDecoder(app)
    result = SinceCheck(since, head=store.head())
    streams: set[UUID] = set()
    moved: dict[str | None, tuple[dict[str, list[int]], list[int]]] = {unit: ({}, [0]) for unit in before}
    for rows in store.scan(BATCH, after=since, stop=result.head):
        result.events += len(rows)
        for _, event in decoder.rows([(r.position, r.stream, r.version, r.topic, r.state) for r in rows]):
            if isinstance(event, ev.PersonEvent):
                streams.add(event.originator_id)
                _move(moved, event, _original(app, event))
    result.persons = len(streams)
    for stream in streams:
        rows = store.stream(stream)
        result.findings.extend(f"chain {stream}: {finding.message}" for finding in diagnose(stream, rows))
        first = decoder.one(stream, rows[0].version, rows[0].topic, rows[0].state) if rows else None
        if not isinstance(first, ev.PersonRegistered):
            result.findings.append(f"stream {stream}: its first event is not a registration")
            continue
        stored = projections.stored_answer(first.citizen_id)
        if stored is None:
            result.findings.append(f"dossier {first.citizen_id}: the stored dossier is behind its stream")
        elif stored != projections.folded_current(first.citizen_id):
            result.findings.append(f"dossier {first.citizen_id}: the stored dossier differs from the fold of {stream}")
    for unit, answer in before.items():
        sums, transit = moved[unit]
        delta = ledger_answer(unit, None, {account: (dr, cr) for account, (dr, cr) in sums.items()}, transit[0])
        expected, now = merge_ledgers([answer, delta]), projections.ledger(unit)
        result.ledgers += 1
        for name in ("accounts", "debits_fen", "credits_fen", "transfer_in_transit_fen", "pooled_fund_balance_fen"):
            if now[name] != expected[name]:
                result.findings.append(f"ledger {unit or 'national'}: {name} is {now[name]}, expected {expected[name]}")
    return result


def _original(app: Any, event: ev.PersonEvent) -> ev.PersonEvent | None:
    """The event a `Reversed` reverses (its postings are negated), read from its stream."""
    if not isinstance(event, ev.Reversed):
        return None
    for original in app.events.get(event.originator_id, gt=event.reversed_version - 1, lte=event.reversed_version):
        assert isinstance(original, ev.PersonEvent)
        return original
    raise ValueError(f"{event.originator_id} v{event.originator_version} reverses a version its stream lacks")


def _move(
    moved: dict[str | None, tuple[dict[str, list[int]], list[int]]],
    event: ev.PersonEvent,
    original: ev.PersonEvent | None,
) -> None:
    """Add one event's postings (and money sent or received between units) to every answer it concerns."""
    for posting in postings(event, original):
        for unit in (None, posting.unit):
            if unit in moved:
                side = moved[unit][0].setdefault(posting.account, [0, 0])
                side[0] += posting.debit_fen
                side[1] += posting.credit_fen
    transferred = original if original is not None else event
    sign = -1 if original is not None else 1
    if isinstance(transferred, ev.TransferSent | ev.TransferReceived):
        amount = sign * (transferred.account_fen + transferred.pooled_fen)
        for unit in moved:  # the transit memo is national in every answer (projections.queries.ledger)
            moved[unit][1][0] += amount if isinstance(transferred, ev.TransferSent) else -amount
