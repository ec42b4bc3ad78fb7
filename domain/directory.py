"""Which persons a national or unit run must visit: an in-process index kept current from the notification log.

Runs are carried out as one sub-command per person (DOMAIN.md §15.9); the directory only narrows the set to
visit (a superset is harmless: each sub-command checks the person's own state). It reads only the few event
topics it needs, from the last position it saw, so it stays cheap for a long-running process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

from domain import events as ev
from domain.stores.encoding import stored_topics


@dataclass(slots=True)
class Listing:
    citizen_id: str
    units: set[str] = field(default_factory=set)
    benefit_unit: str | None = None
    deceased: bool = False


# Each class under its full topic (rows written before topic aliases) and its alias (domain/stores/encoding.py).
TOPICS = stored_topics(ev.PersonRegistered, ev.Enrolled, ev.BenefitDetermined, ev.DeathRecorded)


class PersonDirectory:
    """Person ids by what runs need: everyone (interest), retirees and the dead by paying unit (payouts)."""

    def __init__(self, recorder: ApplicationRecorder, decode: Callable[[Any], ev.PersonEvent]) -> None:
        self._recorder, self._decode = recorder, decode
        self._position = 0
        self.persons: dict[UUID, Listing] = {}
        # Insertion-ordered indexes (dicts as ordered sets), so a run visits persons in registration order
        # without sorting the whole population each time.
        self._retirees: dict[str, dict[UUID, None]] = {}
        self._dead: dict[str, dict[UUID, None]] = {}

    def refresh(self, batch: int = 10_000) -> None:
        """Read what was recorded since the last refresh."""
        while True:
            notifications = self._recorder.select_notifications(
                self._position, batch, topics=TOPICS, inclusive_of_start=False
            )
            for notification in notifications:
                self._note(self._decode(notification))
            if notifications:
                self._position = notifications[-1].id
            if len(notifications) < batch:
                return

    def _note(self, event: ev.PersonEvent) -> None:
        if isinstance(event, ev.PersonRegistered):
            self.persons[event.originator_id] = Listing(event.citizen_id)
            return
        listing = self.persons.get(event.originator_id)
        if listing is None:
            return
        if isinstance(event, ev.Enrolled):
            listing.units.add(event.relation_unit)
            if listing.deceased:
                self._dead.setdefault(event.relation_unit, {})[event.originator_id] = None
        elif isinstance(event, ev.BenefitDetermined):
            listing.benefit_unit = event.benefit_unit
            self._retirees.setdefault(event.benefit_unit, {})[event.originator_id] = None
        elif isinstance(event, ev.DeathRecorded):
            listing.deceased = True
            for unit in listing.units | ({listing.benefit_unit} if listing.benefit_unit else set()):
                self._dead.setdefault(unit, {})[event.originator_id] = None

    def everyone(self) -> Iterator[tuple[UUID, str]]:
        self.refresh()
        for person_id, listing in list(self.persons.items()):
            yield person_id, listing.citizen_id

    def paid_by(self, unit: str) -> Iterator[tuple[UUID, str]]:
        """Retirees whose benefit unit is `unit`, and the dead whose settlement `unit` may owe."""
        self.refresh()
        chosen = dict.fromkeys([*self._retirees.get(unit, {}), *self._dead.get(unit, {})])
        for person_id in chosen:
            yield person_id, self.persons[person_id].citizen_id
