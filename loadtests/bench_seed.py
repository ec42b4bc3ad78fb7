"""Benchmark of `pooling seed` on PostgreSQL: seeding rows/s against raw binary COPY of the same rows.

    .venv/bin/python -m loadtests.bench_seed --persons 1000 --years 10

Baseline (same run): the seeded rows read back into memory and COPY'd (binary, one transaction) into a scratch
table shaped like `pooling_events`: what the disk and the server can take, with no domain work. A third figure,
the command path alone (one shard, in memory, nothing written), shows where the seeder's time goes."""

from __future__ import annotations

import argparse
import time

from loadtests.benchkit import connect, cpu_count, fresh_database, line, timed
from loadtests.seeding import SeedSpec, seed
from loadtests.seeding.shard import run_shard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--workers", type=int, default=cpu_count())
    parser.add_argument("--db", default="bench_seed")
    args = parser.parse_args()
    first = 2026 - args.years
    spec = SeedSpec(persons=args.persons, seed=7, first_year=first, last_year=2025, shards=args.workers)
    env = fresh_database(args.db)
    print(f"bench_seed: {args.persons} persons x {args.years} years, {args.workers} workers, PostgreSQL {args.db}")
    report = seed(env, spec, workers=args.workers)
    seeding = report.events / report.seconds
    with connect(args.db) as connection:
        rows = connection.execute(
            "SELECT originator_id, originator_version, topic, state FROM pooling_events"
        ).fetchall()
        connection.execute("DROP TABLE IF EXISTS raw_copy")
        connection.execute("CREATE TABLE raw_copy (LIKE pooling_events INCLUDING ALL)")
        connection.commit()
        with timed() as copy_time, connection.transaction(), connection.cursor() as cursor:
            columns = "originator_id, originator_version, topic, state"
            with cursor.copy(f"COPY raw_copy ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for row in rows:
                    copy.write_row(row)
        connection.execute("DROP TABLE raw_copy")
        connection.commit()
    raw = len(rows) / copy_time[0]
    started = time.perf_counter()
    domain_rows = sum(
        len(output.rows)
        for output in run_shard(args.persons, seed=7, first_year=first, last_year=2025, shard=0, shards=args.workers)
    )
    domain = domain_rows / (time.perf_counter() - started)
    print(
        f"  {report.events:,} rows seeded in {report.seconds:.1f} s; {len(rows):,} rows copied in {copy_time[0]:.2f} s"
    )
    line("seeding (all workers)", seeding, "rows/s", raw, ">= 50 %")
    line("raw binary COPY (baseline)", raw, "rows/s")
    line("command path, 1 shard, no writes", domain, "rows/s per core", raw)


if __name__ == "__main__":
    main()
