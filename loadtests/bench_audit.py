"""Benchmark of the audit: checkpoint sealing and the full replay (chains, checkpoints, rebuilt views, comparison).

    .venv/bin/python -m loadtests.bench_audit --persons 2000

The population is the two stories of tests/scenarios.py repeated over many citizen IDs (Ms Lin's back-payments for
even numbers, the Guangdong man's move to Jiangsu for odd ones), loaded in batches on a simulated clock into a fresh
SQLite file (or, with PERSISTENCE_MODULE=eventsourcing.postgres and POSTGRES_*, into that empty database). The
figures printed are rows (every stored event: person events and command records) and person events per second, for
one replay process and for shard processes (`--workers 1 2 4`), with the CPU seconds they used between them."""

from __future__ import annotations

import argparse
import copy
import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the scenario stories live with the tests

from scenarios import GUANGDONG_MAN, MS_LIN, guangdong_man_moves_to_jiangsu, ms_lin_back_pays  # noqa: E402

from domain.application import PoolingApplication  # noqa: E402
from projections.audit import generate_key, load_private_key, seal, start_replay  # noqa: E402
from projections.audit.replay import BATCH_SIZE  # noqa: E402
from projections.database import ViewDatabase  # noqa: E402
from projections.queries import Projections  # noqa: E402
from standards.identifiers import make_citizen_id  # noqa: E402

CHUNK = 2000  # messages per transaction while loading


def population(persons: int) -> list[dict[str, Any]]:
    """The stories repeated: person i gets its own citizen ID and serials; the national runs appear once."""
    lin, guangdong = ms_lin_back_pays(), guangdong_man_moves_to_jiangsu()
    runs = [m for m in guangdong if m["type"].endswith("_run")]
    guangdong = [m for m in guangdong if not m["type"].endswith("_run")]
    messages: list[dict[str, Any]] = list(runs)
    for number in range(persons):
        story, original, province, born = (
            (lin, MS_LIN, "32", date(1982, 7, 22))
            if number % 2 == 0
            else (guangdong, GUANGDONG_MAN, "44", date(1979, 1, 1))
        )
        # Sequence parity gives the sex the story needs (even: female, odd: male); the birth day spreads the IDs.
        citizen = make_citizen_id(province, born + timedelta(days=number // 500), (number % 500) * 2 + number % 2)
        for message in story:
            copied = copy.deepcopy(message)
            copied["citizen_id"] = citizen if copied.get("citizen_id") == original else copied.get("citizen_id")
            copied["serial"] = f"{copied['serial']}-{number}"
            if "request_serial" in copied:
                copied["request_serial"] = f"{copied['request_serial']}-{number}"
            messages.append(copied)
    return sorted(messages, key=lambda message: message["recorded_at"])


def load(app: PoolingApplication, messages: list[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for message in [*messages, None]:
        if message is not None and not message["type"].endswith("_run") and len(batch) < CHUNK:
            batch.append(message)
            continue
        if batch:
            refused = [o for o in app.submit_batch(batch) if not isinstance(o, dict)]
            if refused:
                raise SystemExit(f"the population was refused: {refused[:3]}")
            batch = []
        if message is not None:
            if message["type"].endswith("_run"):
                app.submit(message)
            else:
                batch.append(message)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the shard processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def raw_scan(app: PoolingApplication) -> tuple[int, float]:
    """The baseline: every row of the events table read as the database returns it (best of two reads)."""
    db = ViewDatabase(app.recorder)
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        with db.transaction(commit=False) as cursor:
            count = len(cursor.tuples(f"SELECT * FROM {db.events_from}"))
        best = min(best, time.perf_counter() - started)
    return count, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows read per replay batch")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="replay processes to measure")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_audit_"))
    env = {"POOLING_SIMULATED": "1", "POOLING_AUDIT_KEY_FILE": str(workdir / "audit_ed25519.pem")}
    if not os.environ.get("PERSISTENCE_MODULE", "").endswith("postgres"):
        env["POOLING_DB"] = str(workdir / "bench.sqlite")
    app = PoolingApplication(env=env)
    backend = "postgres" if "POOLING_DB" not in env else "sqlite"

    started = time.perf_counter()
    load(app, population(args.persons))
    rows = int(app.recorder.max_notification_id())
    print(f"{backend}: {args.persons:,} persons, {rows:,} rows loaded in {time.perf_counter() - started:.1f} s")

    scanned, scan = raw_scan(app)
    print(
        f"{'raw full scan (baseline):':24s}{scan:6.2f} s  {scanned / scan:10,.0f} rows/s  (SELECT * of the events table)"
    )

    started = time.perf_counter()
    Projections(app).catch_up()
    seconds = time.perf_counter() - started
    print(f"{'live views caught up:':24s}{seconds:6.2f} s  {rows / seconds:10,.0f} rows/s")

    generate_key(workdir / "audit_ed25519.pem")
    started = time.perf_counter()
    sealed = seal(app, load_private_key(workdir / "audit_ed25519.pem"))
    seconds = time.perf_counter() - started
    label = f"sealed {len(sealed)} checkpoint(s):"
    print(f"{label:24s}{seconds:6.2f} s  {rows / seconds:10,.0f} rows/s")

    for workers in args.workers:
        started, cpu = time.perf_counter(), _cpu()
        result = start_replay(app, out_dir=workdir / "audit", batch_size=args.batch_size, workers=workers)
        seconds, cpu = time.perf_counter() - started, _cpu() - cpu
        totals = result.report["totals"]
        label = f"replay ({workers} process{'es' if workers > 1 else ''}):"
        print(
            f"{label:24s}{seconds:6.2f} s  {rows / seconds:10,.0f} rows/s "
            f"= {100 * rows / seconds / (scanned / scan):4.1f} % of the raw scan (target >= 30 %)  "
            f"{totals['person_events'] / seconds:10,.0f} person events/s  "
            f"{cpu:6.1f} CPU-s  (log pass {totals['seconds']:.2f} s, then comparisons and checks)  "
            f"{'PASSED' if result.ok else 'FAILED'}"
        )
    print(f"reports in {workdir / 'audit'}")
    app.close()


if __name__ == "__main__":
    main()
