"""The `Person` aggregate: one stream per insured person, keyed by the citizen ID (ARCHITECTURE.md)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.utils import get_topic

from domain import events as ev
from domain.hashing import chain_hash
from domain.state import PersonState

#: uuid5(NAMESPACE_URL, "urn:pooling:person") = 1723bdc8-c305-5b52-83b2-bd6e98593f62
PERSON_NAMESPACE = uuid5(NAMESPACE_URL, "urn:pooling:person")


@lru_cache(maxsize=1 << 15)
def person_id(citizen_id: str) -> UUID:
    """The stream id of a person: uuid5 of the normalized citizen ID, the same in every province."""
    return uuid5(PERSON_NAMESPACE, citizen_id.upper())


def _hashed(
    stream_id: UUID, version: int, event_class: type[ev.PersonEvent], fields: dict[str, Any], previous: str | None
) -> dict[str, Any]:
    fields = {**fields, "hash": ""}
    fields["hash"] = chain_hash(previous, stream_id, version, event_class.__name__, fields)
    return fields


# --- building an event without the library's generic `trigger_event` --------------------------------------
# `trigger_event` copies the keyword arguments, runs the frozen dataclass `__init__` (one `object.__setattr__`
# per field) and the generic `mutate`. For the plain event classes of domain/events.py the same object is
# built directly: an instance whose `__dict__` holds the dataclass fields in declaration order (what `__init__`
# leaves, so the stored state is byte for byte the same), then the steps of `mutate`. A class this shortcut
# cannot vouch for (a custom `mutate` or `__post_init__`, slots, fields outside `__init__`) takes the
# library's path, as does a call whose fields are not exactly the class's.
_LIBRARY_MUTATE = Aggregate.Event.mutate
_LIBRARY_POST_INIT = DomainEvent.__post_init__
_LAYOUTS: dict[type, tuple[str, ...] | None] = {}


def _layout(event_class: type[ev.PersonEvent]) -> tuple[str, ...] | None:
    """The dataclass field names of an event class in `__init__` order, or None if it must use the library."""
    if event_class in _LAYOUTS:
        return _LAYOUTS[event_class]
    fields = dataclasses.fields(event_class)
    plain = (
        dataclasses.is_dataclass(event_class)
        and event_class.mutate is _LIBRARY_MUTATE
        and event_class.__post_init__ is _LIBRARY_POST_INIT
        and event_class.__dictoffset__ != 0  # fields live in the instance `__dict__`, none in slots
        and not any(klass.__dict__.get("__slots__") for klass in event_class.__mro__)
        and all(field.init and field.kw_only is False for field in fields)
        and not getattr(event_class, "class_version", 1) > 1
    )
    layout = tuple(field.name for field in fields) if plain else None
    _LAYOUTS[event_class] = layout
    return layout


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
        version, stream_id = self.version + 1, self.id
        body = {"timestamp": timestamp, **fields}
        # The hash covers every field but itself, so it is computed before it is set (what `_hashed` does).
        body["hash"] = chain_hash(self.state.last_hash, stream_id, version, event_class.__name__, body)
        layout = _layout(event_class) if timestamp is not None else None
        if layout is not None and isinstance(stream_id, UUID):
            body["originator_id"], body["originator_version"] = stream_id, version  # as `trigger_event` sets them
            try:
                state = {name: body[name] for name in layout} if len(body) == len(layout) else None
            except KeyError:
                state = None
            if state is not None:
                event = object.__new__(event_class)
                object.__setattr__(event, "__dict__", state)
                # What the library's `mutate` does, its id and version checks holding by construction.
                event.apply(self)
                self.version = version
                self.modified_on = timestamp
                self.pending_events.append(event)
                return event
        self.trigger_event(event_class, **body)
        triggered = self.pending_events[-1]
        assert isinstance(triggered, ev.PersonEvent)
        return triggered
