"""The benchmarks' own bookkeeping: what they measure must not be spoiled by how they pick their inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.bench_commands import BENCH_COUNTY, enrollment, enrollment_number


def test_a_benchmark_person_says_which_enrollment_number_made_it() -> None:
    # A rerun on the same store starts after the highest number used: counting the persons instead (rounded up to
    # a thousand) started inside an earlier run's numbers, and 251 of its enrollments were refused as duplicates.
    for number in (0, 1, 999, 1000, 17_259, 123_456):
        citizen = enrollment(number, "2026-01-02T03:04:05Z")["citizen_id"]
        assert citizen[2:6] == BENCH_COUNTY
        assert enrollment_number(citizen) == number


def test_a_benchmark_records_its_contributions_on_the_2nd_of_the_month_after_the_store_clock() -> None:
    from datetime import UTC, datetime

    from loadtests.benchkit import month_after

    assert month_after(datetime(2025, 12, 31, 23, 59, 59, 999, tzinfo=UTC)) == datetime(2026, 1, 2, 1, tzinfo=UTC)
    assert month_after(datetime(2026, 1, 31, 8, tzinfo=UTC)) == datetime(2026, 2, 2, 1, tzinfo=UTC)
    assert month_after(datetime(2026, 2, 1, tzinfo=UTC)) == datetime(2026, 3, 2, 1, tzinfo=UTC)


@pytest.mark.postgres
def test_the_payers_of_a_unit_are_the_persons_its_dossiers_say_contribute_there(postgres_env: dict[str, str]) -> None:
    from domain.application import PoolingApplication
    from loadtests import benchkit
    from loadtests.benchkit import unit_payers
    from loadtests.seeding import SeedSpec, seed
    from projections.queries import Projections

    seed(postgres_env, SeedSpec(persons=60, seed=5, first_year=2022, last_year=2025, shards=1), workers=0)
    app = PoolingApplication(env={**postgres_env, "POOLING_SIMULATED": "1"})
    try:
        projections = Projections(app)
        dossiers = {citizen: projections.dossier(citizen) for _, citizen in app.directory.everyone()}
    finally:
        app.close()
    expected = {c for c, d in dossiers.items() if d["status"] == "contributing" and d["insured_unit"] == "44"}
    payers = unit_payers(postgres_env["POSTGRES_DBNAME"], "44")
    assert expected and len(payers) == len(expected) and set(payers) == expected
    assert unit_payers(postgres_env["POSTGRES_DBNAME"], "44", skip_county=payers[0][2:6]) == [
        payer for payer in payers if payer[2:6] != payers[0][2:6]
    ]
    everyone = {(d["insured_unit"], c) for c, d in dossiers.items() if d["status"] == "contributing"}
    every_unit = benchkit.payers(postgres_env["POSTGRES_DBNAME"])  # bench_commands' contributions, every unit's
    assert len({unit for unit, _ in everyone}) > 1 and len(every_unit) == len(everyone) and set(every_unit) == everyone


def test_a_benchmark_server_refuses_a_port_another_server_holds(tmp_path: Path) -> None:
    # An earlier run's server still on the port would answer the readiness poll, and every request of the new run
    # would be refused with the other server's key (401): it happened in session 9.
    import socket

    from loadtests.benchkit import server

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"port {port} is in use"), server({}, port, str(tmp_path)):
            pass


def test_the_server_peak_rss_counts_its_workers() -> None:
    """`bench_commands --workers 2` printed the uvicorn master's peak RSS (80 MB); its workers hold the caches."""
    import subprocess
    import sys
    import time

    from loadtests.benchkit import largest_peak_rss_mb, peak_rss_mb, process_tree

    worker = "x = bytearray(300_000_000); import time; time.sleep(60)"
    master = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {worker!r}]); time.sleep(60)",
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while len(process_tree(master.pid)) < 2 or largest_peak_rss_mb(master.pid) < 290:
            assert time.monotonic() < deadline, "the worker never grew"
            time.sleep(0.1)
        assert peak_rss_mb(master.pid) < 100 < 290 <= largest_peak_rss_mb(master.pid)
    finally:
        for pid in reversed(process_tree(master.pid)):
            subprocess.run(["kill", str(pid)], check=False)
        master.wait()
