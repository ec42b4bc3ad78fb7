"""Benchmark of the batched projection runner on PostgreSQL: catch-up events/s against a raw full scan.

    .venv/bin/python -m loadtests.bench_projections --persons 600 --years 10

Seeds (or reuses) a population, empties the views (the seeder's shards wrote them) and catches up from position
0 (dossiers and ledgers, one transaction per batch), then rebuilds both in `--workers` processes, one per hash range
of the stream ids (projections/parallel_rebuild.py). Baseline (same run): `SELECT * FROM pooling_events` read to
the end by a server-side cursor in batches of the same size, and the same plus decoding each row into a domain event (the runner's
unavoidable share).

    .venv/bin/python -m loadtests.bench_projections --persons 12000 --years 10 --log-order --events-held 300000

The same on a store in log order (as monthly traffic writes it: a person comes back every month) whose persons do
not fit in the dossier view's memory bound: what a national rebuild meets (loadtests/SCALING.md)."""

from __future__ import annotations

import argparse
import os
import time

from domain.application import PoolingApplication
from loadtests.benchkit import connect, cpu_count, fresh_database, line, pg_env, seeded, timed
from loadtests.seeding import SeedSpec
from projections.parallel_rebuild import rebuild_in_processes
from projections.queries import Projections
from projections.views import dossiers

DEFAULT_DB = "bench_projections"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=600)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--reuse", action="store_true", help="Keep the database if it holds this seed.")
    parser.add_argument("--workers", type=int, default=cpu_count(), help="processes of the parallel rebuild")
    parser.add_argument(
        "--log-order",
        action="store_true",
        help="seed the store in log order (every person once a month, as live traffic writes it; default: each "
        "seeder flush stream by stream), into the database DB_log unless --db",
    )
    parser.add_argument(
        "--events-held",
        type=int,
        default=None,
        help="the dossier view's bound on folded events held in memory, per process (default: "
        "POOLING_VIEW_EVENTS_HELD or 2,000,000); a bound below the store's events stands for a larger store",
    )
    args = parser.parse_args()
    if args.events_held is not None:  # this process's views, and the rebuild's processes (they read it at import)
        dossiers.EVENTS_HELD = args.events_held
        os.environ["POOLING_VIEW_EVENTS_HELD"] = str(args.events_held)
    if args.log_order and args.db == DEFAULT_DB:
        args.db = f"{DEFAULT_DB}_log"
    spec = SeedSpec(
        persons=args.persons,
        seed=7,
        first_year=2026 - args.years,
        last_year=2025,
        shards=cpu_count(),
        log_order=args.log_order,
    )
    env = pg_env(args.db) if args.reuse else fresh_database(args.db)
    order = "log order" if args.log_order else "each flush stream by stream"
    held = f", events held {dossiers.EVENTS_HELD:,}"
    print(f"bench_projections: {args.persons} persons x {args.years} years ({order}), batch {args.batch}{held}")
    events = seeded(env, spec)
    with connect(args.db) as connection, timed() as scan, connection.cursor(name="scan") as cursor:
        cursor.itersize = args.batch
        cursor.execute("SELECT * FROM pooling_events")
        scanned = sum(1 for _ in cursor)
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    try:
        with timed() as decode:
            decoded = 0
            for row in app.recorder.select_notifications(None, events):
                app.mapper.to_domain_event(row)
                decoded += 1
        projections = Projections(app, batch_size=args.batch)
        projections.runner.reset(projections.runner.views)  # both views, so that one pass folds them
        with timed() as catch:
            done = projections.runner.run()
        first: list[float] = []  # when every process had folded its first batch: spawn, imports and start-up
        with timed() as parallel:
            begun = time.perf_counter()
            rebuilt = rebuild_in_processes(
                app,
                args.workers,
                batch_size=args.batch,
                on_progress=lambda at, _: first or not at or first.append(time.perf_counter() - begun),
            )
    finally:
        app.close()
    print(f"  {events:,} events; scan {scan[0]:.2f} s, decode {decode[0]:.2f} s, catch-up {catch[0]:.2f} s")
    raw = scanned / scan[0]
    line("catch-up (dossiers + ledgers)", done.events / catch[0], "events/s", raw, ">= 30 %")
    line(f"rebuild in {args.workers} processes (both views)", rebuilt.events / parallel[0], "events/s", raw, ">= 30 %")
    print(f"  (its processes had each folded a first batch {first[0] if first else parallel[0]:.2f} s after the start)")
    line("raw full scan (baseline)", raw, "rows/s")
    line("scan + decode to domain events", decoded / decode[0], "events/s", raw)


if __name__ == "__main__":
    main()
