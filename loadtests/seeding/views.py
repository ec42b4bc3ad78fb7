"""The views a shard folds itself: the events it made and its persons' states are in memory, so the ledger sums and
the current dossiers are computed there instead of being read back, decoded and folded again after the seed.

Ledger sums are additive (the view adds a batch's sums to the stored ones): each flush's sums are written with its
rows, and the shards' sums add up. A dossier row is a person's state after the whole stream: it is written with the
shard's last rows. The seed's final phase then sets both views' positions to the head of the log, so a later
catch-up starts after the seed; until then the positions stay at 0 (a catch-up must not run during a seed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from domain import events as ev
from domain.state import PersonState
from projections.database import RecordingCursor
from projections.views.dossiers import DossierView
from projections.views.ledgers import LedgerView

SEEDED_VIEWS = ("dossiers", "ledgers")  # the views whose positions the seed's final phase sets to its head


def ledger_writes(app: Any, events: Sequence[Any], into: RecordingCursor | None = None) -> RecordingCursor:
    """The ledger view's writes for these events (in log order), as a catch-up of them would make."""
    cursor = into or RecordingCursor(sqlite=False)  # statements keep `%s`: the store's cursor rewrites them
    person_events = [(0, event) for event in events if isinstance(event, ev.PersonEvent)]
    if person_events:
        LedgerView(app).process(cursor, person_events)
    return cursor


def dossier_writes(app: Any, persons: Iterable[UUID], into: RecordingCursor | None = None) -> RecordingCursor:
    """The dossier view's rows for these persons, from their states as the shard's application holds them."""
    cursor = into or RecordingCursor(sqlite=False)
    DossierView(app).write_whole(cursor, {person: _state(app, person) for person in sorted(persons)})
    return cursor


def _state(app: Any, person: UUID) -> PersonState:
    """The cached person's state (the shard keeps every person cached), without the repository's deep copy."""
    cache = app.repository.cache
    try:
        found = cache.get(person) if cache is not None else None
    except KeyError:
        found = None
    if found is None:
        found = app.repository.get(person)
    state = found.state
    assert isinstance(state, PersonState)
    return state
