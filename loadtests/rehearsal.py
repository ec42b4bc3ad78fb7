"""`make loadtest`: seed a PostgreSQL store, serve it, run the Locust rehearsal headless, then audit the store.

    .venv/bin/python -m loadtests.rehearsal --users 20 --seconds 60 [--workers 2]
    .venv/bin/python -m loadtests.rehearsal --store scale100 --no-audit   # an existing seeded store, as is

Output in var/loadtest/: run_stats.csv, run_stats_history.csv, run_failures.csv (Locust's CSV), report.html,
resources.csv (server CPU and memory every 2 s), audit/ (the replay's report). Exit status: Locust's (1 when the
error rate or p99 budget is exceeded, see locustfile.py), or the audit's when that fails."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from domain.application import PoolingApplication
from loadtests.benchkit import cpu_count, fresh_database, month_after, pg_env, seeded, server, unit_payers
from loadtests.seeding import SeedSpec
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
    Projections(app).catch_up()  # the views start current, as after a go-live migration's catch-up
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
    if args.no_audit:
        print(f"rehearsal: locust exit {code}; audit replay skipped (--no-audit): no consistency check was made")
        return code
    audit = subprocess.call(
        [sys.executable, "-c", "from api.cli import app; app()", "audit", "replay", "--out", str(OUT / "audit")],
        env={**os.environ, **env, "POOLING_SIMULATED": "1"},
    )
    print(f"rehearsal: locust exit {code}, audit replay exit {audit}")
    return code or audit


def _server_pid(port: int) -> int:
    import psutil  # type: ignore[import-untyped]

    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN" and connection.pid:
            return int(connection.pid)
    return os.getpid()


if __name__ == "__main__":
    raise SystemExit(main())
