"""Upcasting: an event stored by an older version of the code is read back in the current shape.

The library gives each event class a `class_version`; the mapper stores it with the state (from version 2) and,
reading an older state, calls `upcast_v1_v2`, `upcast_v2_v3`, … in turn. This test defines its own aggregate
(the domain's events are all at version 1 today), writes a version-1 event's bytes through the application's
own mapper and recorder (so the orjson transcoder is exercised), and reads it back upcast."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import orjson
import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.application import PoolingApplication

NOTE_ID = uuid5(NAMESPACE_URL, "urn:pooling:test:case-note")


class CaseNote(Aggregate):
    """A case worker's note on a file. Version 2 of the code added `priority` (default "normal")."""

    class Written(Aggregate.Created):
        class_version = 2

        text: str
        priority: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["priority"] = "normal"

    def __init__(self, text: str, priority: str) -> None:
        self.text, self.priority = text, priority


class CaseNoteV1(Aggregate):
    """The same note as version 1 of the code wrote it: no `priority`."""

    class Written(Aggregate.Created):
        text: str

    def __init__(self, text: str) -> None:
        self.text = text


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def test_a_version_1_event_is_read_back_upcast_to_version_2(app: PoolingApplication) -> None:
    # Version 1 of the code wrote a note: its stored bytes, made by the app's mapper (orjson transcoder).
    written = CaseNoteV1._create(
        CaseNoteV1.Written, id=NOTE_ID, text="转移接续材料已收", timestamp=datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
    )
    old = app.mapper.to_stored_event(written.collect_events()[0])
    state = app.mapper.transcoder.decode(app.mapper.compressor.decompress(old.state))
    assert "class_version" not in state and "priority" not in state  # a version-1 state carries no version
    # Version 1 named its classes as version 2 does (one topic for both): the bytes it wrote are these.
    state["originator_topic"] = get_topic(CaseNote)
    v1_bytes = app.mapper.transcoder.encode(state)
    app.recorder.insert_events(
        [StoredEvent(originator_id=NOTE_ID, originator_version=1, topic=get_topic(CaseNote.Written), state=v1_bytes)]
    )

    # Read back through the mapper: the upcast fills the missing field, the timestamp is a datetime again.
    (stored,) = app.recorder.select_events(NOTE_ID)
    event = app.mapper.to_domain_event(stored)
    assert isinstance(event, CaseNote.Written)
    assert (event.text, event.priority) == ("转移接续材料已收", "normal")
    assert event.timestamp == datetime(2024, 5, 6, 2, 0, tzinfo=UTC)
    # And the repository rebuilds the aggregate from it.
    note = app.repository.get(NOTE_ID)
    assert isinstance(note, CaseNote)
    assert (note.text, note.priority, note.version) == ("转移接续材料已收", "normal", 1)


def test_a_version_2_event_stores_its_class_version_and_is_not_upcast_again(app: PoolingApplication) -> None:
    note = CaseNote._create(
        CaseNote.Written, id=NOTE_ID, text="待遇资格认证逾期", priority="urgent", timestamp=datetime.now(UTC)
    )
    app.save(note)

    (stored,) = app.recorder.select_events(NOTE_ID)
    assert stored.state[:1] != b"{"  # stored compressed (domain/stores/encoding.py)
    assert orjson.loads(app.mapper.compressor.decompress(stored.state))["class_version"] == 2
    event = app.mapper.to_domain_event(stored)
    assert isinstance(event, CaseNote.Written) and event.priority == "urgent"
    assert "class_version" not in vars(event)
