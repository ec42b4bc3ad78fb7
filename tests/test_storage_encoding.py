"""The compact row encoding (domain/stores/encoding.py): lossless, readable for old rows, with pinned dictionaries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
import zstandard
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from scenarios import combined
from test_audit_support import load

from domain import events as ev
from domain.application import PoolingApplication
from domain.events import EVENT_CLASSES
from domain.registry import NationalRuns, StoreSettings
from domain.stores import dictionary, encoding
from domain.stores.encoding import (
    DEFLATE_DICTIONARIES,
    DEFLATED,
    DEFLATED_HASH,
    TOPIC_ALIASES,
    ZSTD,
    ZSTD_DICTIONARIES,
    ZSTD_HASH,
    StateCompressor,
    decode_state,
    deflate_v1,
    full_topic,
)

HASH = "8d37d79cf550a03bb0abecde9e0b7f0d1822d7eae386276d2d521abc2508205a"


def test_the_shipped_dictionaries_are_the_pinned_ones() -> None:
    for table in (DEFLATE_DICTIONARIES, ZSTD_DICTIONARIES):
        for version, (name, digest) in table.items():
            data = (Path(encoding.__file__).parent / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, (name, version)
            assert len(data) == 32 * 1024


def test_the_dictionary_command_rebuilds_the_shipped_files_byte_for_byte() -> None:
    rows = dictionary.samples()
    assert dictionary.build_zstd(rows) == dictionary.path().read_bytes()
    assert dictionary.build(rows) == dictionary.deflate_path().read_bytes()


@pytest.mark.parametrize(
    "state",
    [
        b'{"timestamp":"2016-01-16T01:07:01+00:00","unit":"44","hash":"' + HASH.encode() + b'","flags":[]}',
        b'{"timestamp":"2016-01-16T01:07:01+00:00","simulated":true}',  # no hash: deflated as it is
        b'{"hash":"ABC","x":1}',  # not 64 lowercase hex digits
        b'{"note":{"hash":""},"hash":"' + HASH.encode() + b'"}',  # an empty hash already there
        b'{"name":"\xe6\xb2\x88\xe6\x9c\x88\xe8\x90\x8d","hash":"' + HASH.encode() + b'"}',
    ],
)
def test_compression_gives_back_the_transcoders_bytes_exactly(state: bytes) -> None:
    stored = StateCompressor().compress(state)
    assert stored[:1] != b"{" and stored[1] == encoding.CURRENT_DICTIONARY
    assert decode_state(stored) == state


def test_the_hash_is_stored_as_32_raw_bytes() -> None:
    state = b'{"unit":"44","hash":"' + HASH.encode() + b'"}'
    stored = StateCompressor().compress(state)
    assert stored[0] == ZSTD_HASH and stored[2:34] == bytes.fromhex(HASH)
    assert StateCompressor().compress(b'{"unit":"44"}')[0] == ZSTD


@pytest.mark.parametrize(
    "state",
    [b'{"unit":"44","hash":"' + HASH.encode() + b'","flags":[]}', b'{"timestamp":"2016-01-16T01:07:01+00:00"}'],
)
def test_rows_written_before_stay_readable(state: bytes) -> None:
    assert decode_state(state) == state  # plain JSON, before any compression
    old = deflate_v1(state)
    assert old[0] in (DEFLATED, DEFLATED_HASH)
    assert decode_state(old) == state


def test_a_row_the_deflate_writer_stored_decodes_to_its_json() -> None:
    # Written by StateCompressor as of commit 9702b23 (the last before zstd), for the JSON below.
    stored = bytes.fromhex(
        "e1018d37d79cf550a03bb0abecde9e0b7f0d1822d7eae386276d2d521abc2508205ac3718519ee4d4d26a8f7c123ee910500"
    )
    state = b'{"timestamp":"2016-01-16T01:07:01+00:00","unit":"44","hash":"' + HASH.encode() + b'","flags":[]}'
    assert decode_state(stored) == state
    assert deflate_v1(state) == stored


def test_a_state_larger_than_the_small_buffer_carries_its_size_and_one_without_it_still_decodes() -> None:
    large = b'{"answer":"' + b"x1y2" * encoding.SMALL_STATE + b'","hash":"' + HASH.encode() + b'"}'
    stored = StateCompressor().compress(large)
    assert zstandard.frame_content_size(stored[34:]) == len(large) - 64
    assert decode_state(stored) == large
    # A frame without its size (as every state's was before SMALL_STATE): decoded with the large bound.
    unsized = zstandard.ZstdCompressor(
        level=encoding.ZSTD_LEVEL,
        dict_data=encoding.zstd_dictionary(1),
        write_content_size=False,
        write_checksum=False,
        write_dict_id=False,
    ).compress(large)
    assert decode_state(bytes((ZSTD, 1)) + unsized) == large


def test_unknown_and_damaged_encodings_are_refused() -> None:
    plain = b'{"unit":"44","hash":"' + HASH.encode() + b'"}'
    with pytest.raises(ValueError, match="unknown state encoding"):
        decode_state(b"\x99\x01abc")
    for kind in (DEFLATED, ZSTD):
        with pytest.raises(encoding.DictionaryError):
            decode_state(bytes((kind, 200)) + b"abc")
    with pytest.raises(ValueError, match="truncated"):
        decode_state(StateCompressor().compress(plain)[:-3])
    with pytest.raises(ValueError, match="truncated"):
        decode_state(deflate_v1(plain)[:-3])


def test_every_event_class_has_a_distinct_alias_that_resolves_and_full_topics_still_resolve() -> None:
    classes = [*EVENT_CLASSES.values(), StoreSettings.Initialized, NationalRuns.Started]
    classes += [NationalRuns.InterestRunRecorded, NationalRuns.AdjustmentRunRecorded]
    assert {get_topic(cls) for cls in classes} <= set(TOPIC_ALIASES)
    assert len(set(TOPIC_ALIASES.values())) == len(TOPIC_ALIASES)
    for topic, alias in TOPIC_ALIASES.items():
        assert resolve_topic(alias) is resolve_topic(topic)
        assert full_topic(alias) == topic and full_topic(topic) == topic
    # The table is append-only: these aliases are in stored rows.
    assert TOPIC_ALIASES[get_topic(ev.ContributionPaid)] == "CP"
    assert TOPIC_ALIASES[get_topic(ev.PersonRegistered)] == "PR"


def test_a_store_mixing_old_and_new_rows_reads_both(simulated_env: dict[str, str]) -> None:
    app = PoolingApplication(env=simulated_env)
    try:
        load(app, combined())
        notifications = app.recorder.select_notifications(None, 10_000)
        assert all(n.state[:1] != b"{" for n in notifications)
        assert all(":" not in n.topic for n in notifications)
        person = next(n for n in notifications if n.topic == "PR")
        # The same event as an old row: plain JSON under the full topic, appended as a copy in another stream.
        old = StoredEvent(
            originator_id=encoding.UUID(int=1),
            originator_version=1,
            topic=get_topic(ev.PersonRegistered),
            state=decode_state(person.state),
        )
        # And as a row of 2026-11: deflated with the first dictionary, under the alias.
        deflated = StoredEvent(
            originator_id=encoding.UUID(int=2),
            originator_version=1,
            topic="PR",
            state=deflate_v1(decode_state(person.state)),
        )
        app.recorder.insert_events([old, deflated])
        new_event = app.mapper.to_domain_event(person)
        for row in (old, deflated):
            old_event = app.mapper.to_domain_event(row)
            assert isinstance(old_event, ev.PersonRegistered)
            assert {**vars(old_event), "originator_id": None} == {**vars(new_event), "originator_id": None}
        assert orjson.loads(decode_state(person.state))["hash"] == new_event.hash
    finally:
        app.close()
