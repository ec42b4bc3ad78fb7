"""Benchmark of storage: bytes per stored event, all-in (heap, TOAST, indexes), on PostgreSQL and SQLite.

    .venv/bin/python -m loadtests.bench_storage --persons 600 --years 10

Seeds the same population into a fresh PostgreSQL database and a fresh SQLite file, then divides the events
table's `pg_total_relation_size` (SQLite: the `dbstat` pages of `stored_events` and its indexes, and the whole
file) by the row count. Baseline: the payload alone (the state bytes plus the topic text), the bytes a store
could not avoid without changing the encoding; the rest is per-row overhead and the two indexes."""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import zlib
from pathlib import Path

from loadtests.benchkit import connect, cpu_count, fresh_database, line, seeded
from loadtests.seeding import SeedSpec


def _zlib_with_dictionary(states: list[bytes]) -> float:
    """Mean compressed state size with a preset dictionary built from the first tenth (what a transcoder could
    do per row; a plan, not the store's encoding: it would change the stored bytes and the seeded identity)."""
    train, test = states[: len(states) // 10], states[len(states) // 10 :]
    dictionary = b"".join(train)[-32768:]
    sizes = []
    for state in test:
        packer = zlib.compressobj(9, zdict=dictionary)
        sizes.append(len(packer.compress(state) + packer.flush()))
    return sum(sizes) / max(len(sizes), 1)


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
        figures = connection.execute(
            "SELECT pg_total_relation_size('pooling_events'), pg_relation_size('pooling_events'), count(*), "
            "avg(length(state)), avg(octet_length(topic)), "
            'avg(octet_length(substring(convert_from(state, \'UTF8\') from \'"timestamp":"[^"]*",?\')))'
            " FROM pooling_events"
        ).fetchone()
        assert figures is not None
        total, heap, count, state, topic, stamp = figures
        sample = [bytes(row[0]) for row in connection.execute("SELECT state FROM pooling_events LIMIT 20000")]
    payload = float(state) + float(topic)
    dictionary_bytes = _zlib_with_dictionary(sample)
    print(f"  PostgreSQL: {count:,} rows (notification head {rows:,}), {total / 1e6:.1f} MB all-in")
    line("PostgreSQL bytes/event all-in", total / count, "B", payload, "<= 250 B")
    line("PostgreSQL heap bytes/event", heap / count, "B", payload)
    line("payload: state + topic (baseline)", payload, "B")
    line("  of which state (JSON)", float(state), "B")
    line("  of which topic text", float(topic), "B")
    line("  of which the timestamp field", float(stamp or 0), "B")
    line("plan: state, zlib + 32 KB dictionary", dictionary_bytes, "B", float(state))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "storage.sqlite"
        seeded({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(path)}, spec)
        lite = sqlite3.connect(path)
        lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = lite.execute("SELECT count(*) FROM stored_events").fetchone()[0]
        try:
            pages = lite.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name = 'stored_events' OR name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = 'stored_events' AND type = 'index')"
            ).fetchone()[0]
        except sqlite3.OperationalError:  # dbstat not compiled in
            pages = None
        lite.close()
        size = path.stat().st_size
    if pages:
        line("SQLite bytes/event (table+indexes)", pages / count, "B", payload, "<= 250 B")
    line("SQLite bytes/event (whole file)", size / count, "B", payload)


if __name__ == "__main__":
    main()
