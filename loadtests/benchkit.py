"""What the benchmarks share: PostgreSQL databases made and dropped by name, a seeded store, figure printing.

Benchmarks print figures and the baseline they measured in the same run; none is asserted anywhere."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from domain.application import PoolingApplication
from loadtests.seeding import SeedSpec, seed

PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}


def pg_env(dbname: str) -> dict[str, str]:
    """The library's environment for one PostgreSQL database on the local server."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": PG["host"],
        "POSTGRES_PORT": PG["port"],
        "POSTGRES_USER": PG["user"],
        "POSTGRES_PASSWORD": "",
    }


def admin(sql: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as connection:  # type: ignore[arg-type]
        connection.execute(sql)


def fresh_database(dbname: str) -> dict[str, str]:
    admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{dbname}"')
    return pg_env(dbname)


def connect(dbname: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dbname=dbname, **PG)  # type: ignore[arg-type]


def seeded(env: dict[str, str], spec: SeedSpec, workers: int | None = None) -> int:
    """Seed the store unless it already holds this seed; return its event count."""
    report = seed(env, spec, workers=workers)
    if not report.already_finished:
        print(f"  seeded {report.events:,} events in {report.seconds:.1f} s")
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    try:
        return int(app.recorder.max_notification_id() or 0)
    finally:
        app.close()


def month_after(now: datetime) -> datetime:
    """01:00 UTC on the 2nd of the month after `now`: when a benchmark's contributions for that month are recorded.
    A simulated store refuses writes recorded before its clock; a rerun finds the clock a month on, and nobody has
    paid the new month yet."""
    return (now.replace(day=1) + timedelta(days=32)).replace(day=2, hour=1, minute=0, second=0, microsecond=0)


def unit_payers(dbname: str, unit: str, skip_county: str | None = None) -> list[str]:
    """The citizen IDs of the seeded persons contributing in `unit` by the dossier view (those of county
    `skip_county`, a benchmark's own one-event persons, left out), shuffled with a fixed seed."""
    return [citizen for found, citizen in payers(dbname, skip_county) if found == unit]


def payers(dbname: str, skip_county: str | None = None) -> list[tuple[str, str]]:
    """(unit, citizen ID) of every seeded person contributing, by the dossier view (those of county `skip_county`
    left out), shuffled with a fixed seed before that: a month's contributions from every unit, one each."""
    with connect(dbname) as connection:
        rows = connection.execute(
            "SELECT dossier::json->>'insured_unit', citizen_id FROM dossier_view WHERE status = 'contributing' "
            "ORDER BY person_id"
        ).fetchall()
    found = [(row[0], row[1]) for row in rows if row[0]]
    random.Random(7).shuffle(found)
    return [(unit, citizen) for unit, citizen in found if skip_county is None or citizen[2:6] != skip_county]


@contextmanager
def timed() -> Iterator[list[float]]:
    """`with timed() as t: ...` then t[0] is the wall time in seconds."""
    box = [0.0]
    started = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - started


def line(name: str, value: float, unit: str, baseline: float | None = None, target: str = "") -> None:
    """One figure, with its ratio to the baseline measured in the same run."""
    ratio = f"  = {100 * value / baseline:5.1f} % of baseline {baseline:,.0f} {unit}" if baseline else ""
    print(f"  {name:<34} {value:>12,.1f} {unit}{ratio}{'  (target ' + target + ')' if target else ''}")


def cpu_count() -> int:
    return os.cpu_count() or 1


@contextmanager
def server(
    env: dict[str, str], port: int, key_file: str, workers: int = 1, pids: list[int] | None = None
) -> Iterator[str]:
    """`pooling serve` (uvicorn, `workers` processes) on the store of `env`, in a subprocess; yields its base URL.
    `pids`: the server process's id is appended to it (for `peak_rss_mb`)."""
    import subprocess
    import sys
    import urllib.request

    _check_port_free(port)
    full = {**os.environ, **env, "POOLING_TOKEN_KEY_FILE": key_file, "POOLING_SIMULATED": "1"}
    command = [sys.executable, "-c", "from api.cli import app; app()", "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if pids is not None:
        pids.append(process.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(process.stderr.read().decode() if process.stderr else "server died") from None
                time.sleep(0.1)
        if workers > 1:
            time.sleep(1.0)  # every worker up, not only the first to answer
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _check_port_free(port: int) -> None:
    """Refuse to start when something already listens on the port: the readiness poll would reach that other
    server (an earlier benchmark's, still running) and every request would be refused with its key (401)."""
    import socket

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use (another server still running?): choose another with --port")


def tokens(key_file: str, **roles: dict[str, str]) -> dict[str, str]:
    """Bearer tokens signed with the server's key, one per named role: `tokens(k, ministry={"role": "ministry"})`."""
    from datetime import timedelta

    from api.auth import issue_token, load_key

    key = load_key(Path(key_file))
    return {name: issue_token(key, ttl=timedelta(hours=2), **claims) for name, claims in roles.items()}  # type: ignore[arg-type]


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds of latencies in seconds."""
    ordered = sorted(samples)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}

    def at(share: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


def python_speed() -> str:
    """This machine's speed for plain Python right now: seconds for ten million additions in a loop.

    The same machine gave 0.55 to 1.70 s on different days and 0.83 to 1.55 s within one session: a latency is
    comparable with another only next to this figure."""
    started = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return f"python speed: 10 M additions in {time.perf_counter() - started:.2f} s"


def peak_rss_mb(pid: int) -> float:
    """The largest resident memory a running process has had so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmHWM for process {pid}")


def process_tree(pid: int) -> list[int]:
    """A running process and all its descendants (Linux): a server's workers are its master's children."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            waiting.extend(int(child) for child in task.read_text().split())
    return found


def largest_peak_rss_mb(pid: int) -> float:
    """The largest VmHWM among a process and its descendants, in MB (those that ended meanwhile are not seen)."""
    peaks = []
    for member in process_tree(pid):
        try:
            peaks.append(peak_rss_mb(member))
        except (OSError, ValueError):
            continue  # ended between the listing and the read
    return max(peaks)
