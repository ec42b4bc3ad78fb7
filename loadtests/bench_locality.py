"""Benchmark of a seeded store's layout: heap pages a person's stream reads, and the as-of reconstruction on it.

    .venv/bin/python -m loadtests.bench_locality --persons 1000 --years 20 --flush-rows 12500 [--drop-caches]

Seeds PostgreSQL (2 shards; `--flush-rows 12500` on 500 persons a shard gives each person as many flushes as the
100 M seed's 200,000-row flushes on 8,000 persons a shard do), or reads `--store DB`. Prints the heap pages each
person's rows lie on (`ctid`), against the worst case, one page per event (how a flush written in log order laid a
person out: 262 events on 259 pages, session 6), and the baseline measured in the same table: the fewest pages the person's bytes could fill (the table's rows per page).
Then times the in-process as-of reconstruction of 300 persons (nothing kept between them), warm, and with
`--drop-caches` (root only) also cold: after `echo 3 > /proc/sys/vm/drop_caches` and a PostgreSQL restart; once
under Python's default garbage collector settings, once under those `pooling serve` sets (api.main.tune_collector).
Last, for 100 of them: the memory and collector-tracked objects a folded person holds, and the fold of its decoded
events by the library's projector (the baseline) against `project_events` (domain/repository.py)."""

from __future__ import annotations

import argparse
import gc
import random
import subprocess
import time
import tracemalloc
from datetime import date
from typing import Any

from eventsourcing.application import project_aggregate

from domain.application import PoolingApplication
from domain.person import person_id
from domain.repository import project_events
from loadtests.bench_commands import BENCH_COUNTY, reconstruction
from loadtests.benchkit import connect, fresh_database, percentiles, pg_env, python_speed, seeded
from loadtests.seeding import SeedSpec


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {ordered[len(ordered) // 2]:.1f} / p90 {ordered[int(0.9 * len(ordered))]:.1f} / max {ordered[-1]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--flush-rows", type=int, default=12_500)
    parser.add_argument("--db", default="bench_locality")
    parser.add_argument("--store", default=None, help="an existing seeded PostgreSQL database (not dropped)")
    parser.add_argument("--drop-caches", action="store_true", help="also time cold reads (needs root)")
    args = parser.parse_args()
    db = args.store or args.db
    if args.store:
        env = pg_env(args.store)
    else:
        env = fresh_database(args.db)
        first = 2026 - args.years
        spec = SeedSpec(
            persons=args.persons, seed=7, first_year=first, last_year=2025, shards=2, flush_rows=args.flush_rows
        )
        seeded(env, spec, workers=2)
    with connect(db) as connection:
        # Seeded persons only: not those `bench_commands --store` enrolled (one event each) on the same store.
        streams = {
            citizen: person
            for citizen, person in connection.execute("SELECT citizen_id, person_id FROM dossier_view").fetchall()
            if citizen[2:6] != BENCH_COUNTY
        }
        citizens = list(streams)
        pages_in_table, rows_in_table = connection.execute(
            "SELECT relpages, reltuples FROM pg_class WHERE relname = 'pooling_events'"
        ).fetchone()
        per_page = rows_in_table / max(pages_in_table, 1)
        sampled = random.Random(11).sample(citizens, min(1000, len(citizens)))
        pages, events = [], []
        for citizen in sampled:
            found = connection.execute(
                "SELECT count(*), count(DISTINCT (ctid::text::point)[0]) FROM pooling_events WHERE originator_id = %s",
                (streams[citizen],),
            ).fetchone()
            events.append(float(found[0]))
            pages.append(float(found[1]))
    print(f"bench_locality: {len(citizens):,} persons, PostgreSQL {db}; {per_page:.1f} rows per heap page")
    print(f"  {python_speed()}")
    print(f"  events per person                             {_spread(events)}")
    print(f"  heap pages per person                         {_spread(pages)}")
    print(f"  worst case, one page per event                {_spread(events)}")
    print(f"  baseline, fewest pages possible               {_spread([-(-count // per_page) for count in events])}")
    sample = random.Random(11).sample(citizens, min(300, len(citizens)))
    for label, tuned in (("", False), (", collector as served", True)):
        if args.drop_caches:
            subprocess.run("sync; echo 3 > /proc/sys/vm/drop_caches", shell=True, check=True)
            subprocess.run(
                "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart", shell=True, check=True
            )
            time.sleep(1)
            cold = percentiles(reconstruction(env, sample, date(2024, 6, 30), collector_tuned=tuned))
            print(f"  {'as-of in-process, cold' + label:<45} {_latency(cold)}")
        warm = percentiles(reconstruction(env, sample, date(2024, 6, 30), collector_tuned=tuned))
        print(f"  {'as-of in-process, warm' + label:<45} {_latency(warm)}")
    folded_persons(env, sample[:100])


def folded_persons(env: dict[str, str], citizens: list[str]) -> None:
    """What a folded person holds in memory (as the aggregate cache and the dossier view keep it), and the fold of
    its decoded events by the library's projector (the baseline) and by `project_events` (domain/repository.py)."""
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    try:
        gc.collect()
        tracked = len(gc.get_objects())
        tracemalloc.start()
        persons = [app.repository.get(person_id(citizen)) for citizen in citizens]
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        objects = (len(gc.get_objects()) - tracked) / len(persons)
        events = sum(person.version for person in persons)
        print(
            f"  {'a folded person in memory':<50} {held / len(persons) / 1e6:.2f} MB and {objects:,.0f} tracked "
            f"objects for {events / len(persons):.0f} events ({held / events / 1000:.1f} KB an event; tracemalloc)"
        )
        streams = [list(app.events.get(person.id)) for person in persons]
        del persons
        for name, projector in (("library project_aggregate", project_aggregate), ("project_events", project_events)):
            best = min(_fold_seconds(projector, streams) for _ in range(3))
            print(f"  {'fold of decoded events, ' + name:<50} {best / events * 1e6:.1f} us an event (best of 3)")
    finally:
        app.close()


def _fold_seconds(projector: Any, streams: list[list[Any]]) -> float:
    started = time.perf_counter()
    for stream in streams:
        projector(None, stream)
    return time.perf_counter() - started


def _latency(figures: dict[str, float]) -> str:
    return f"p50 {figures['p50']:.1f} / p95 {figures['p95']:.1f} / p99 {figures['p99']:.1f} ms (target p99 <= 10 ms)"


if __name__ == "__main__":
    main()
