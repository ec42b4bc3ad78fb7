"""Benchmark of storage: bytes per stored event, all-in (heap, TOAST, indexes), on PostgreSQL and SQLite.

    .venv/bin/python -m loadtests.bench_storage --persons 600 --years 10

Seeds the same population into a fresh PostgreSQL database and a fresh SQLite file, then divides the events
table's `pg_total_relation_size` (SQLite: the `dbstat` pages of `stored_events` and its indexes, and the whole
file) by the row count. Rows are stored compactly (domain/stores/encoding.py: zstd state, topic aliases); the
baseline is the payload as it was stored before, plain JSON state plus full topic text (decoded from a sample
of rows), against the payload as stored now. The command log (`pooling_commands`, one row per applied command) is
reported per command, on its own. On the same sample it also compares the state codecs ever written: deflate
with its preset dictionary (rows until 2026-11) and zstd with its trained one (bytes and µs per row, both ways)."""

from __future__ import annotations

import argparse
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from domain.stores import encoding
from domain.stores.encoding import StateCompressor, decode_state, full_topic
from loadtests.benchkit import connect, cpu_count, fresh_database, line, seeded
from loadtests.seeding import SeedSpec
from loadtests.seeding.stores import SQLiteSeedStore

_STAMP = re.compile(rb'"timestamp":"[^"]*",?')


def _plain(sample: list[tuple[str, bytes]]) -> tuple[float, float, float]:
    """Mean bytes of the sample's states as plain JSON, of their full topics, and of the timestamp field."""
    states = [decode_state(state) for _, state in sample]
    count = max(len(sample), 1)
    stamps = sum(len(found.group(0)) for state in states if (found := _STAMP.search(state)))
    return (
        sum(map(len, states)) / count,
        sum(len(full_topic(topic).encode()) for topic, _ in sample) / count,
        stamps / count,
    )


def _timed(function: Callable[[bytes], bytes], items: list[bytes]) -> tuple[list[bytes], float]:
    started = time.perf_counter()
    out = [function(item) for item in items]
    return out, (time.perf_counter() - started) / max(len(items), 1) * 1e6


def compare_codecs(states: list[bytes]) -> None:
    """Bytes and µs per row of each state codec on the same plain JSON states; both must give the JSON back."""
    codecs = (("deflate, dictionary v1", encoding.deflate_v1), ("zstd, dictionary v1", StateCompressor().compress))
    for name, encode in codecs:
        packed, write = _timed(encode, states)
        unpacked, read = _timed(decode_state, packed)
        assert unpacked == states, name
        line(f"codec {name}: state", sum(map(len, packed)) / len(packed), "B/row")
        line("  encode", write, "us/row")
        line("  decode", read, "us/row")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=600)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--db", default="bench_storage")
    args = parser.parse_args()
    spec = SeedSpec(persons=args.persons, seed=7, first_year=2026 - args.years, last_year=2025, shards=cpu_count())
    print(f"bench_storage: {args.persons} persons x {args.years} years")
    rows = seeded(fresh_database(args.db), spec)
    with connect(args.db) as connection:
        connection.autocommit = True  # VACUUM runs outside a transaction
        connection.execute("VACUUM ANALYZE pooling_events")
        connection.execute("VACUUM ANALYZE pooling_commands")
        figures = connection.execute(
            "SELECT pg_total_relation_size('pooling_events'), pg_relation_size('pooling_events'), count(*), "
            "avg(length(state)), avg(octet_length(topic)) FROM pooling_events"
        ).fetchone()
        assert figures is not None
        total, heap, count, state, topic = figures
        logged = connection.execute(
            "SELECT pg_total_relation_size('pooling_commands'), pg_relation_size('pooling_commands'), count(*) "
            "FROM pooling_commands"
        ).fetchone()
        assert logged is not None
        sample = [
            (str(row[0]), bytes(row[1]))
            for row in connection.execute(
                "SELECT topic, state FROM pooling_events ORDER BY notification_id LIMIT 20000"
            )
        ]
    plain_state, plain_topic, stamp = _plain(sample)
    compare_codecs([decode_state(state) for _, state in sample])
    baseline = plain_state + plain_topic
    payload = float(state) + float(topic)
    print(f"  PostgreSQL: {count:,} rows (notification head {rows:,}), {total / 1e6:.1f} MB all-in")
    line("PostgreSQL bytes/event all-in", total / count, "B", baseline, "<= 250 B")
    line("PostgreSQL heap bytes/event", heap / count, "B", baseline)
    line("payload as stored: state + topic", payload, "B", baseline)
    line("  of which state (as stored)", float(state), "B", plain_state)
    line("  of which topic (as stored)", float(topic), "B", plain_topic)
    line("baseline: plain JSON state + full topic", baseline, "B")
    line("  of which state (plain JSON)", plain_state, "B")
    line("  of which topic text (full)", plain_topic, "B")
    line("  of which the timestamp field", stamp, "B")
    commands_total, commands_heap, commands = logged
    if commands:
        print(f"  command log: {commands:,} rows ({commands / count:.2f} per event)")
        line("pooling_commands bytes/command all-in", commands_total / commands, "B")
        line("pooling_commands heap bytes/command", commands_heap / commands, "B")
        line("  all-in per event (events + commands)", (total + commands_total) / count, "B")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "storage.sqlite"
        seeded({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(path)}, spec)
        lite = sqlite3.connect(path)
        lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = lite.execute("SELECT count(*) FROM stored_events").fetchone()[0]
        lite_commands = lite.execute("SELECT count(*) FROM pooling_commands").fetchone()[0]
        lite.close()
        store = SQLiteSeedStore(str(path))
        footprint = store.footprint()
        store.close()
        pages, command_pages, size = footprint.events_bytes, footprint.commands_bytes, path.stat().st_size
    if pages:
        line("SQLite bytes/event (table+indexes)", pages / count, "B", baseline, "<= 250 B")
    if command_pages and lite_commands:
        line("SQLite pooling_commands bytes/command", command_pages / lite_commands, "B")
    line("SQLite bytes/event (whole file)", size / count, "B", baseline)


if __name__ == "__main__":
    main()
