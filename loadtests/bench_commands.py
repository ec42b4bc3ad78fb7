"""Benchmark of the HTTP API: commands (one new person each), dossier reads and as-of reconstructions.

    .venv/bin/python -m loadtests.bench_commands --persons 300 --years 5 --threads 16 --seconds 20

Seeds a PostgreSQL store, starts `pooling serve` (uvicorn; one process, or `--workers N`) on it and drives it with
a thread pool of blocking clients, one keep-alive connection each. Commands are enrollments of new persons recorded
just after the store's clock; reads are dossiers (current) and dossiers as of a past date of seeded persons.
Baseline (same run): GET /healthz, the cost of the server's HTTP stack alone. While the commands run, a sampler
reads `GET /api/v1/projections/status` every 0.2 s: how far the server's live projection follower lags behind the
log under that write load (events), and how long it takes to catch up once the commands stop.

A second command line sends contributions, each to a seeded person still contributing, from its unit, for the month after the
store's clock: the write a province sends for every insured person every month, on streams of up to ~25 years,
which the server loads (the whole stream, folded) to check and which its follower folds again for the dossier.

Saturation figures (every thread sends its next request as soon as the last one is answered) give the throughput;
their p99 is mostly queueing. Two more lines give latency below saturation: reads and as-of reads paced at
`--paced-rate` requests/s (open loop: each request has its start slot, and the latency counts from the slot, so a
late answer delays nobody's clock), and the as-of reconstruction itself in-process, without HTTP, with no fold
kept (`Projections.folded` on a fresh cache: read the stream, decode, fold, build the dossier), under Python's
default garbage collector settings and under those `pooling serve` sets (`api.main.tune_collector`).

The client: `--client raw` (the default since the dossier read work) writes each request's bytes on a plain
socket and reads the status line, the headers and a Content-Length body, so on the 2-core machine the client
threads take far less of the CPU the server also needs; `--client httpx` is the earlier client (httpx.Client per
thread), kept for comparing with older figures. Both count a status >= 400 as an error, and the baseline is
measured with the same client in the same run. `--dossier-cache N` sets the server's POOLING_DOSSIER_CACHE
(persons whose rendered current dossier is kept; 0: none)."""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import socket
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.main import tune_collector
from domain.application import PoolingApplication
from loadtests import load_messages
from loadtests.benchkit import (
    cpu_count,
    fresh_database,
    largest_peak_rss_mb,
    month_after,
    payers,
    percentiles,
    pg_env,
    python_speed,
    seeded,
    server,
    tokens,
)
from loadtests.seeding import SeedSpec
from projections.queries import FoldCache, Projections
from standards.identifiers import make_citizen_id


class RawClient:
    """One keep-alive HTTP/1.1 connection: requests written as bytes, answers read by Content-Length."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length = close = None
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        if length is None:
            raise RuntimeError(f"no Content-Length in the answer: {status_line}")
        while len(self.buffer) < length:
            self._fill()
        self.buffer = self.buffer[length:]
        if close:
            self.close()
        return int(status_line.split(" ", 2)[1])

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class HttpxClient:
    """The earlier client: one httpx.Client per thread."""

    def __init__(self, base: str) -> None:
        self.base, self.client = base, httpx.Client(timeout=30)

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        if body:
            headers = {**headers, "Content-Type": "application/json"}
        return self.client.request(method, self.base + path, headers=headers, content=body or None).status_code

    def close(self) -> None:
        self.client.close()


Client = RawClient | HttpxClient


Slot = tuple[int, float | None]  # (request number, when it is due; None: now)


def drive(
    threads: int, seconds: float, connect: Callable[[], Client], call: Callable[[Client, int], int]
) -> tuple[int, int, list[float]]:
    """Call `call(client, n)` from `threads` threads for `seconds`; return (ok, errors, latencies)."""
    counter = itertools.count()
    stop = time.perf_counter() + seconds
    return _load(threads, connect, call, lambda: (next(counter), None) if time.perf_counter() < stop else None)


def paced(
    rate: float, seconds: float, connect: Callable[[], Client], call: Callable[[Client, int], int], threads: int = 4
) -> tuple[int, int, list[float]]:
    """Open-loop load: request n is due at n / rate seconds; its latency counts from when it was due."""
    counter = itertools.count()
    start = time.perf_counter() + 0.05
    total = int(rate * seconds)

    def slot() -> Slot | None:
        n = next(counter)
        return (n, start + n / rate) if n < total else None

    return _load(threads, connect, call, slot)


ERROR_STATUSES: Counter[int] = Counter()  # the statuses of the answers counted as errors since the last report
_statuses_lock = threading.Lock()


def _load(
    threads: int, connect: Callable[[], Client], call: Callable[[Client, int], int], slot: Callable[[], Slot | None]
) -> tuple[int, int, list[float]]:
    """Threads, one client each, calling `call` for every slot `slot()` gives until it gives None; the latencies
    come back in request-number order."""
    results: list[tuple[int, int, list[tuple[int, float]]]] = []

    def worker() -> None:
        ok = errors = 0
        latencies: list[tuple[int, float]] = []
        client = connect()
        try:
            while (next_slot := slot()) is not None:
                n, due = next_slot
                if due is not None and due > time.perf_counter():
                    time.sleep(due - time.perf_counter())
                started = time.perf_counter() if due is None else due
                status = call(client, n)
                latencies.append((n, time.perf_counter() - started))
                ok, errors = (ok + 1, errors) if status < 400 else (ok, errors + 1)
                if status >= 400:
                    with _statuses_lock:
                        ERROR_STATUSES[status] += 1
        finally:
            client.close()
        results.append((ok, errors, latencies))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    numbered = sorted(x for r in results for x in r[2])
    return sum(r[0] for r in results), sum(r[1] for r in results), [latency for _, latency in numbered]


def reconstruction(
    env: dict[str, str], citizens: list[str], as_of: date, *, collector_tuned: bool = False
) -> list[float]:
    """Seconds per as-of reconstruction in-process (no HTTP), each person once (up to 300), nothing kept between.

    `collector_tuned`: under the garbage collector settings `pooling serve` applies once its services are built
    (`api.main.tune_collector`), put back afterwards; else under Python's defaults, whose full collections of the
    start-up's objects (27-32 ms each, measured) land on some of the reads."""
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    thresholds = gc.get_threshold()
    try:
        projections = Projections(app)
        if collector_tuned:
            tune_collector()
        timings = []
        for citizen in citizens:
            projections._folds = FoldCache()
            started = time.perf_counter()
            projections.folded(citizen, as_of, None)
            timings.append(time.perf_counter() - started)
        return timings
    finally:
        if collector_tuned:
            gc.unfreeze()
            gc.set_threshold(*thresholds)
        app.close()


class LagSampler:
    """Polls the projection status in a thread: the views' largest lag (events) at each sample."""

    def __init__(self, base: str, headers: dict[str, str], every: float = 0.2) -> None:
        self.client = httpx.Client(base_url=base, headers=headers, timeout=30)
        self.every = every
        self.samples: list[int] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def lag(self) -> int:
        views = self.client.get("/api/v1/projections/status").raise_for_status().json()["views"]
        return max(int(view["lag"]) for view in views.values())

    def _run(self) -> None:
        while not self.stopping.wait(self.every):
            self.samples.append(self.lag())

    def __enter__(self) -> LagSampler:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.thread.join()

    def drain(self, limit: float = 120) -> float | None:
        """Seconds until the views are at the head (None: not within `limit`)."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            if self.lag() == 0:
                return time.perf_counter() - started
            time.sleep(0.05)
        return None


def report(name: str, ok: int, errors: int, latencies: list[float], seconds: float, target: str) -> None:
    p = percentiles(latencies)
    with _statuses_lock:
        statuses = ", ".join(f"{count} x {status}" for status, count in sorted(ERROR_STATUSES.items()))
        ERROR_STATUSES.clear()
    print(
        f"  {name:<34} {ok / seconds:>8,.0f} /s  p50 {p['p50']:6.1f} ms  p95 {p['p95']:6.1f} ms  "
        f"p99 {p['p99']:6.1f} ms  errors {errors}{f' ({statuses})' if statuses else ''}  (target {target})"
    )


def report_share(name: str, latencies: list[float], target: str) -> None:
    """Latencies of a part of a paced line's requests (its rate is the pace): how many, and their percentiles."""
    p = percentiles(latencies)
    print(
        f"  {name:<34} {len(latencies):>6,} req  p50 {p['p50']:6.1f} ms  p95 {p['p95']:6.1f} ms  "
        f"p99 {p['p99']:6.1f} ms  (target {target})"
    )


BENCH_COUNTY = "0299"  # a county the synthetic population never uses: the benchmark's own persons
BENCH_FIRST_BIRTH = date(1985, 1, 1)


def enrollment_number(citizen: str) -> int:
    """The `number` whose `enrollment` enrolled this citizen (its birth date and sequence encode it)."""
    birth = date(int(citizen[6:10]), int(citizen[10:12]), int(citizen[12:14]))
    return (birth - BENCH_FIRST_BIRTH).days * 1000 + int(citizen[14:17])


def enrollment(number: int, recorded_at: str) -> dict[str, Any]:
    birth = BENCH_FIRST_BIRTH + timedelta(days=number // 1000)
    citizen = make_citizen_id("44", birth, number % 1000, county=BENCH_COUNTY)
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
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="the client (see above)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (pooling serve --workers)")
    parser.add_argument("--dossier-cache", type=int, default=None, help="POOLING_DOSSIER_CACHE of the server")
    parser.add_argument("--paced-rate", type=float, default=50, help="requests/s of the paced latency lines")
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="skip the command lines: the read lines on a server that has taken no write (persons it holds)",
    )
    parser.add_argument(
        "--store",
        default=None,
        help="an existing seeded PostgreSQL database to read (not dropped, not seeded; the commands add persons)",
    )
    args = parser.parse_args()
    spec = SeedSpec(persons=args.persons, seed=7, first_year=2026 - args.years, last_year=2025, shards=cpu_count())
    env = pg_env(args.store) if args.store else fresh_database(args.db)
    print(
        f"bench_commands: {args.threads} {args.client} client threads x {args.seconds:.0f} s per figure, "
        f"{args.workers} server worker(s), PostgreSQL {args.store or args.db}"
    )
    if not args.store:
        seeded(env, spec)
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    print(f"  store: {app.recorder.max_notification_id() or 0:,} events")
    print(f"  {python_speed()}")
    everyone = [citizen for _, citizen in app.directory.everyone()]
    # A rerun on the same store (--store) enrolls persons after the earlier runs' ones, under new serials.
    first = 1 + max((enrollment_number(citizen) for citizen in everyone if citizen[2:6] == BENCH_COUNTY), default=-1)
    citizens = [citizen for citizen in everyone if citizen[2:6] != BENCH_COUNTY]
    random.Random(7).shuffle(citizens)  # reads spread over the store, not in id order
    recorded_at = (app.now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    contributed_at = month_after(app.now).strftime("%Y-%m-%dT%H:%M:%SZ")
    app.close()
    # the seeded persons: long streams, not the benchmark's one-event ones
    contributors = payers(args.store or args.db, skip_county=BENCH_COUNTY)
    with tempfile.TemporaryDirectory() as folder:
        key_file = str(Path(folder) / "token.key")
        signed = tokens(key_file, province={"role": "province", "unit": "44"}, ministry={"role": "ministry"})
        # each contribution comes from its person's unit, with that unit's token (a province writes for its own)
        units = sorted({unit for unit, _ in contributors})
        unit_tokens = tokens(key_file, **{unit: {"role": "province", "unit": unit} for unit in units})
        unit_headers = {unit: {"Authorization": f"Bearer {token}"} for unit, token in unit_tokens.items()}
        served = {**env}
        if args.dossier_cache is not None:
            served["POOLING_DOSSIER_CACHE"] = str(args.dossier_cache)
        pids: list[int] = []
        with server(served, args.port, key_file, args.workers, pids) as base:
            writer = {"Authorization": f"Bearer {signed['province']}"}
            reader = {"Authorization": f"Bearer {signed['ministry']}"}

            def connect() -> Client:
                return RawClient(base) if args.client == "raw" else HttpxClient(base)

            def health(client: Client, n: int) -> int:
                return client.request("GET", "/healthz", {})

            def command(client: Client, n: int) -> int:
                body = json.dumps(enrollment(first + n, recorded_at), ensure_ascii=False).encode()
                return client.request("POST", "/api/v1/messages", writer, body)

            def contribution(client: Client, n: int) -> int:
                serial = f"BENCH-C-{contributed_at[:7]}-{n}"
                unit, citizen = contributors[n % len(contributors)]
                body = json.dumps(load_messages.contribution(serial, citizen, contributed_at, unit)).encode()
                return client.request("POST", "/api/v1/messages", unit_headers[unit], body)

            def dossier(client: Client, n: int) -> int:
                return client.request("GET", f"/api/v1/persons/{citizens[n % len(citizens)]}/dossier", reader)

            def as_of(client: Client, n: int) -> int:
                path = f"/api/v1/persons/{citizens[n % len(citizens)]}/dossier?as_of=2024-06-30"
                return client.request("GET", path, reader)

            ok, errors, latencies = drive(args.threads, args.seconds, connect, health)
            report("GET /healthz (baseline)", ok, errors, latencies, args.seconds, "-")

            def write_line(name: str, call: Callable[[Client, int], int], note: str = "") -> None:
                """Saturated writes, then how far the server's projection follower lagged behind them."""
                with LagSampler(base, reader) as lag:
                    ok, errors, latencies = drive(args.threads, args.seconds, connect, call)
                report(name, ok, errors, latencies, args.seconds, ">= 1,500/s, p99 <= 50 ms")
                drained = lag.drain()
                lags = sorted(lag.samples) or [0]
                print(
                    f"  {'projection lag':<24} p50 {lags[len(lags) // 2]:,} / p99 {lags[int(0.99 * (len(lags) - 1))]:,} "
                    f"/ max {lags[-1]:,} events over {len(lags)} samples; at the head "
                    + (f"{drained:.2f} s after the commands stopped" if drained is not None else "not within 120 s")
                    + note
                )

            if not args.reads_only:
                write_line("commands (enrollments)", command)
            if contributors and not args.reads_only:
                write_line(
                    "contributions (seeded)",
                    contribution,
                    f" ({len(contributors):,} persons contributing in {len(units):,} units: a request beyond them pays "
                    "a month twice, 409)",
                )
            # Paced first, while no read has reached the server: request n asks for person n, so the first
            # len(citizens) requests are each person's first read (nothing of theirs kept by the server: no rendered
            # dossier, no fold) and the rest are repeats, which a national population of readers seldom makes.
            for name, call, target in (
                (f"dossier reads @{args.paced_rate:.0f}/s", dossier, "p99 <= 20 ms"),
                (f"as-of dossier @{args.paced_rate:.0f}/s", as_of, "p99 <= 10 ms"),
            ):
                ok, errors, latencies = paced(args.paced_rate, args.seconds, connect, call)
                report(name, ok, errors, latencies, args.seconds, target)
                report_share("  of which first reads", latencies[: len(citizens)], target)
                report_share("  of which repeats", latencies[len(citizens) :], target)
            # The saturated lines start after the persons the paced lines read: the server keeps each rendered
            # current dossier (POOLING_DOSSIER_CACHE), so starting again at person 0 made those reads repeats.
            skip = int(args.paced_rate * args.seconds)
            for name, call, target in (
                ("dossier reads", dossier, ">= 2,000/s, p99 <= 20 ms"),
                ("as-of dossier (fold)", as_of, "p99 <= 10 ms"),
            ):

                def after_paced(client: Client, n: int, call: Callable[[Client, int], int] = call) -> int:
                    return call(client, skip + n)

                ok, errors, latencies = drive(args.threads, args.seconds, connect, after_paced)
                report(name, ok, errors, latencies, args.seconds, target)
            print(
                f"  {'server peak RSS':<34} {largest_peak_rss_mb(pids[0]):8,.0f} MB "
                "(VmHWM of the largest server process, its workers included)"
            )
    for name, tuned in (("as-of in-process", False), ("  collector as served", True)):
        timings = reconstruction(env, citizens[:300], date(2024, 6, 30), collector_tuned=tuned)
        report(name, len(timings), 0, timings, sum(timings), "p99 <= 10 ms")


if __name__ == "__main__":
    main()
