"""Benchmark of the HTTP API: commands (one new person each), dossier reads and as-of reconstructions.

    .venv/bin/python -m loadtests.bench_commands --persons 300 --years 5 --threads 16 --seconds 20

Seeds a PostgreSQL store, starts `pooling serve` (uvicorn, one process) on it and drives it with a thread pool of
blocking httpx clients (one connection each). Commands are enrollments of new persons recorded just after the
store's clock; reads are dossiers (from the view) and dossiers as of a past date (folded from the stream) of
seeded persons. Baseline (same run): GET /healthz, the cost of the server's HTTP stack alone."""

from __future__ import annotations

import argparse
import itertools
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from domain.application import PoolingApplication
from loadtests.benchkit import cpu_count, fresh_database, percentiles, seeded, server, tokens
from loadtests.seeding import SeedSpec
from standards.identifiers import make_citizen_id


def drive(threads: int, seconds: float, call: Callable[[httpx.Client, int], int]) -> tuple[int, int, list[float]]:
    """Call `call(client, n)` from `threads` threads for `seconds`; return (ok, errors, latencies)."""
    counter = itertools.count()
    stop = time.perf_counter() + seconds
    results: list[tuple[int, int, list[float]]] = []

    def worker() -> None:
        ok = errors = 0
        latencies: list[float] = []
        with httpx.Client(timeout=30) as client:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                status = call(client, next(counter))
                latencies.append(time.perf_counter() - started)
                ok, errors = (ok + 1, errors) if status < 400 else (ok, errors + 1)
        results.append((ok, errors, latencies))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(r[0] for r in results), sum(r[1] for r in results), [x for r in results for x in r[2]]


def report(name: str, ok: int, errors: int, latencies: list[float], seconds: float, target: str) -> None:
    p = percentiles(latencies)
    print(
        f"  {name:<24} {ok / seconds:>8,.0f} /s  p50 {p['p50']:6.1f} ms  p95 {p['p95']:6.1f} ms  "
        f"p99 {p['p99']:6.1f} ms  errors {errors}  (target {target})"
    )


def enrollment(number: int, recorded_at: str) -> dict[str, Any]:
    birth = date(1985, 1, 1) + timedelta(days=number // 1000)
    citizen = make_citizen_id("44", birth, number % 1000, county="0299")  # a county the population never uses
    return {
        "type": "enrollment",
        "serial": f"BENCH-{number}",
        "unit": "44",
        "citizen_id": citizen,
        "effective": recorded_at[:10],
        "kind": "employee",
        "employer_uscc": "91440100000000043H",
        "name": "测试",
        "hukou_unit": "44",
        "category": "worker",
        "recorded_at": recorded_at,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", default="bench_commands")
    args = parser.parse_args()
    spec = SeedSpec(persons=args.persons, seed=7, first_year=2026 - args.years, last_year=2025, shards=cpu_count())
    env = fresh_database(args.db)
    print(f"bench_commands: {args.threads} client threads x {args.seconds:.0f} s per figure, PostgreSQL {args.db}")
    seeded(env, spec)
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    citizens = [citizen for _, citizen in app.directory.everyone()]
    recorded_at = (app.now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    app.close()
    with tempfile.TemporaryDirectory() as folder:
        key_file = str(Path(folder) / "token.key")
        signed = tokens(key_file, province={"role": "province", "unit": "44"}, ministry={"role": "ministry"})
        with server(env, args.port, key_file) as base:
            writer = {"Authorization": f"Bearer {signed['province']}"}
            reader = {"Authorization": f"Bearer {signed['ministry']}"}

            def health(client: httpx.Client, n: int) -> int:
                return client.get(f"{base}/healthz").status_code

            def command(client: httpx.Client, n: int) -> int:
                body = enrollment(n, recorded_at)
                return client.post(f"{base}/api/v1/messages", json=body, headers=writer).status_code

            def dossier(client: httpx.Client, n: int) -> int:
                url = f"{base}/api/v1/persons/{citizens[n % len(citizens)]}/dossier"
                return client.get(url, headers=reader).status_code

            def as_of(client: httpx.Client, n: int) -> int:
                url = f"{base}/api/v1/persons/{citizens[n % len(citizens)]}/dossier?as_of=2024-06-30"
                return client.get(url, headers=reader).status_code

            for name, call, target in (
                ("GET /healthz (baseline)", health, "-"),
                ("commands (enrollments)", command, ">= 1,500/s, p99 <= 50 ms"),
                ("dossier reads", dossier, ">= 2,000/s, p99 <= 20 ms"),
                ("as-of dossier (fold)", as_of, "p99 <= 10 ms"),
            ):
                ok, errors, latencies = drive(args.threads, args.seconds, call)
                report(name, ok, errors, latencies, args.seconds, target)


if __name__ == "__main__":
    main()
