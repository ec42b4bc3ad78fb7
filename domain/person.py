"""The `Person` aggregate: one stream per insured person, keyed by the citizen ID (ARCHITECTURE.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain import events as ev
from domain.hashing import chain_hash
from domain.state import PersonState

#: uuid5(NAMESPACE_URL, "urn:pooling:person") = 1723bdc8-c305-5b52-83b2-bd6e98593f62
PERSON_NAMESPACE = uuid5(NAMESPACE_URL, "urn:pooling:person")


def person_id(citizen_id: str) -> UUID:
    """The stream id of a person: uuid5 of the normalized citizen ID, the same in every province."""
    return uuid5(PERSON_NAMESPACE, citizen_id.upper())


def _hashed(
    stream_id: UUID, version: int, event_class: type[ev.PersonEvent], fields: dict[str, Any], previous: str | None
) -> dict[str, Any]:
    fields = {**fields, "hash": ""}
    fields["hash"] = chain_hash(previous, stream_id, version, event_class.__name__, fields)
    return fields


class Person(Aggregate):
    """An insured person. State lives in `PersonState`; commands (domain/commands/) check, then `record`."""

    def __init__(self) -> None:
        self.state = PersonState()

    @classmethod
    def register(cls, *, citizen_id: str, timestamp: datetime, **fields: Any) -> Person:
        """Open the stream with `PersonRegistered` (identity), hashed as version 1."""
        stream_id = person_id(citizen_id)
        # The library stores the created event with `originator_topic`: the hash covers it like every other field.
        topic = get_topic(cls)
        body = _hashed(
            stream_id,
            1,
            ev.PersonRegistered,
            {"timestamp": timestamp, "originator_topic": topic, "citizen_id": citizen_id, **fields},
            None,
        )
        del body["originator_topic"]  # set again, to the same value, by `_create`
        return cls._create(ev.PersonRegistered, id=stream_id, **body)

    def record(self, event_class: type[ev.PersonEvent], *, timestamp: datetime, **fields: Any) -> ev.PersonEvent:
        """Append one event to the stream, chaining its hash to the previous event's."""
        body = _hashed(self.id, self.version + 1, event_class, {"timestamp": timestamp, **fields}, self.state.last_hash)
        self.trigger_event(event_class, **body)
        event = self.pending_events[-1]
        assert isinstance(event, ev.PersonEvent)
        return event
