"""`make loadtest`: seed a PostgreSQL store, serve it, run the Locust rehearsal headless, then audit what the run
wrote and the whole store.

    .venv/bin/python -m loadtests.rehearsal --users 20 --seconds 60 [--workers 2]
    .venv/bin/python -m loadtests.rehearsal --store scale100 --no-audit   # an existing seeded store, as is

Output in var/loadtest/: run_stats.csv, run_stats_history.csv, run_failures.csv (Locust's CSV), report.html,
resources.csv (server CPU and memory every 2 s), since.json (the run's check: the chains and stored dossiers of the
persons it wrote to, and the ledgers moved by exactly its events' postings; projections/audit/since.py), audit/
(the full replay's report; `--no-audit` skips it, as a 100 M-event store would take hours). Exit status: Locust's
(1 when the error rate or p99 budget is exceeded, see locustfile.py), else 1 when the run's check or the audit
fails."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from domain.application import PoolingApplication
from loadtests.benchkit import cpu_count, fresh_database, month_after, pg_env, seeded, server, unit_payers
from loadtests.seeding import SeedSpec
from projections.audit.since import check_since, ledger_answers
from projections.queries import Projections

OUT = Path("var/loadtest")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=0, help="Distributed: one master and this many workers.")
    parser.add_argument("--p99-ms", type=float, default=500)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--db", default="pooling_loadtest")
    parser.add_argument(
        "--store", default=None, help="An existing seeded PostgreSQL database (not dropped, not seeded again)."
    )
    parser.add_argument(
        "--no-audit",
        action="store_true",
        help="Skip the audit replay after the run (at 100 M events it takes hours); the report says so.",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    dbname = args.store or args.db
    if args.store:
        env = pg_env(args.store)
        print(f"rehearsal: the seeded store {args.store}")
    else:
        env = fresh_database(args.db)
        spec = SeedSpec(persons=args.persons, seed=7, first_year=2026 - args.years, last_year=2025, shards=cpu_count())
        print(f"rehearsal: seeding {args.persons} persons x {args.years} years into {args.db}")
        seeded(env, spec)
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    (OUT / "citizens.txt").write_text("\n".join(citizen for _, citizen in app.directory.everyone()) + "\n")
    # Every write of the run is recorded at one instant, the month after the store's clock (a simulated store
    # refuses writes recorded before its clock): the province's contribution files pay that month.
    recorded_at = month_after(app.now).strftime("%Y-%m-%dT%H:%M:%SZ")
    projections = Projections(app)
    projections.catch_up()  # the views start current, as after a go-live migration's catch-up
    since, before = app.recorder.max_notification_id() or 0, ledger_answers(projections, [None, "44", "32"])
    app.close()
    payers = unit_payers(dbname, "44")
    if not payers:
        print("rehearsal: nobody in the store contributes in unit 44: the contribution files would have no one to pay")
        return 2
    (OUT / "payers.txt").write_text("\n".join(payers) + "\n")
    print(f"rehearsal: {len(payers):,} persons contributing in unit 44 receive the contribution files")
    key_file = str((OUT / "token.key").resolve())
    with server(env, args.port, key_file) as base:
        pid = _server_pid(args.port)
        child = {
            **os.environ,
            "POOLING_TOKEN_KEY_FILE": key_file,
            "LOADTEST_CITIZENS": str(OUT / "citizens.txt"),
            "LOADTEST_PAYERS": str(OUT / "payers.txt"),
            "LOADTEST_RECORDED_AT": recorded_at,
            "LOADTEST_P99_MS": str(args.p99_ms),
            "LOADTEST_SERVER_PID": str(pid),
            "LOADTEST_RESOURCES": str(OUT / "resources.csv"),
        }
        locust = [sys.executable, "-m", "locust", "-f", "loadtests/locustfile.py", "--host", base]
        common = ["--headless", "-u", str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.seconds}s"]
        common += ["--csv", str(OUT / "run"), "--csv-full-history", "--html", str(OUT / "report.html")]
        common += ["--only-summary", "--stop-timeout", "5"]
        if args.workers:
            master = subprocess.Popen([*locust, *common, "--master", "--expect-workers", str(args.workers)], env=child)
            workers = [
                subprocess.Popen([*locust, "--worker", "--master-host", "127.0.0.1"], env=child)
                for _ in range(args.workers)
            ]
            code = master.wait()
            for worker in workers:
                worker.wait(timeout=60)
        else:
            code = subprocess.call([*locust, *common], env=child)
    checked = _check_the_run(env, since, before)
    if args.no_audit:
        print(
            f"rehearsal: locust exit {code}; the run's check {'passed' if checked else 'FAILED'}; full audit replay skipped"
        )
        return code or (0 if checked else 1)
    audit = subprocess.call(
        [sys.executable, "-c", "from api.cli import app; app()", "audit", "replay", "--out", str(OUT / "audit")],
        env={**os.environ, **env, "POOLING_SIMULATED": "1"},
    )
    print(
        f"rehearsal: locust exit {code}, the run's check {'passed' if checked else 'FAILED'}, audit replay exit {audit}"
    )
    code = code or (0 if checked else 1)
    return code or audit


def _check_the_run(env: dict[str, str], since: int, before: dict[str | None, dict[str, Any]]) -> bool:
    """What the run wrote, audited (projections/audit/since.py), into var/loadtest/since.json; True when it passed."""
    app = PoolingApplication(env={**env, "POOLING_SIMULATED": "1"})
    try:
        started = time.perf_counter()
        result = check_since(app, since, before)
    finally:
        app.close()
    print(f"rehearsal: the run's check {result.summary()} ({time.perf_counter() - started:.1f} s)")
    for finding in result.findings[:20]:
        print(f"  {finding}")
    (OUT / "since.json").write_text(json.dumps(asdict(result) | {"ok": result.ok}, indent=2) + "\n")
    return result.ok


def _server_pid(port: int) -> int:
    import psutil  # type: ignore[import-untyped]

    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN" and connection.pid:
            return int(connection.pid)
    return os.getpid()


if __name__ == "__main__":
    raise SystemExit(main())
