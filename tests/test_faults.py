"""Faults against the real database: connections killed mid-batch, a writer process killed mid-import, the
database unavailable while the API serves, and many writers racing on the same persons. After each: nothing
half-written, a retry with the same serials completes the work exactly once, and the audit replay passes.

PostgreSQL faults stay inside the test's own database (tests/test_faults_support.py says how); SQLite takes the
process kill and the race, the faults that exist for a file store."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from app_helpers import apply_all, enroll, stored_events
from eventsourcing.persistence import OperationalError
from test_api_helpers import assert_error, harness
from test_faults_support import (
    EVENTS,
    POOLING,
    Terminator,
    assert_audit_passes,
    assert_nothing_half_written,
    cli_env,
    contribution_file,
    database_outage,
    event_of_line,
    persons,
    pg_connect,
    race_commands,
    sleep_trigger,
    sleeping_backends,
    start_writers,
    wait_until,
    write_jsonl,
)

from domain import events as ev
from domain.application import PoolingApplication
from projections.queries import Projections
from standards.calendar import Month, months_between


def _simulated(env: dict[str, str]) -> dict[str, str]:
    return {**env, "POOLING_SIMULATED": "1"}


# --- a connection killed mid-batch ---------------------------------------------------------------------------
def test_a_connection_killed_mid_batch_is_rolled_back_and_the_store_retries_it_whole(
    postgres_env: dict[str, str], tmp_path: Path
) -> None:
    app = PoolingApplication(env=_simulated(postgres_env))
    terminator = Terminator(postgres_env)
    try:
        lines = contribution_file(20, 1)
        enrollments, contributions = lines[:20], lines[20:]
        apply_all(app, enrollments)
        # The batch's transaction is open, its rows half-inserted, when its backend is terminated.
        terminator.start()
        with sleep_trigger(postgres_env, EVENTS, when=event_of_line(lines, 27), times=1, seconds=30):
            outcomes = app.submit_batch(contributions)
        terminator.stop()

        # The library retried the whole transaction on a new connection: every line applied, each exactly once.
        assert terminator.killed == 1
        assert [o["status"] for o in outcomes] == ["applied"] * 20  # type: ignore[index]
        assert assert_nothing_half_written(app, lines) == {m["serial"] for m in lines}
        for citizen in {m["citizen_id"] for m in lines}:
            paid = [e.period for e in stored_events(app, citizen) if isinstance(e, ev.ContributionPaid)]
            assert paid == ["2020-01"], (citizen, paid)
        assert {o["status"] for o in app.submit_batch(contributions)} == {"replayed"}  # type: ignore[index]
        assert_audit_passes(app, tmp_path / "audit")
    finally:
        terminator.stop()
        app.close()


def test_an_import_whose_batch_keeps_being_killed_loses_that_batch_whole_and_a_resend_completes_it_once(
    postgres_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.importer.BATCH_LINES", 100)  # four batches instead of one
    lines = contribution_file(50, 6)  # 350 lines: 50 enrollments, 300 contributions
    body = "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in lines).encode()
    terminator = Terminator(postgres_env)
    with harness(_simulated(postgres_env), tmp_path) as api:
        headers = {**api.province("32"), "Content-Type": "application/x-ndjson"}
        # Batch 3 (lines 201-300) is killed at every attempt, the library's ten retries included.
        terminator.start()
        try:
            with sleep_trigger(postgres_env, EVENTS, when=event_of_line(lines, 200), times=10, seconds=30):
                job = _finished_job(api, api.client.post("/api/v1/imports", content=body, headers=headers))
        finally:
            terminator.stop()
        assert terminator.killed == 10
        assert job["status"] == "failed" and job["error"]["error"] == "unavailable", job
        assert (job["applied"], job["replayed"], job["refused"]) == (200, 0, 0)

        # Batches 1 and 2 are wholly written, batch 3 wholly absent, nothing after it started.
        app = api.services.app
        assert assert_nothing_half_written(app, lines) == {m["serial"] for m in lines[:200]}

        # The province sends the same file again: what landed is replayed, the rest applied, once.
        again = _finished_job(api, api.client.post("/api/v1/imports", content=body, headers=headers))
        assert (again["status"], again["applied"], again["replayed"], again["refused"]) == ("done", 150, 200, 0)
        assert assert_nothing_half_written(app, lines) == {m["serial"] for m in lines}
        assert_audit_passes(app, tmp_path / "audit")


def _finished_job(api: Any, accepted: Any) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    href = accepted.json()["href"]
    headers = api.province("32")
    job: dict[str, Any] = wait_until(
        lambda: (found := api.get(href, headers).json())["status"] in ("done", "failed") and found,
        timeout=30,
        what="the import job",
        step=0.05,
    )
    return job


def test_a_batch_that_failed_to_save_leaves_the_simulated_clock_where_the_store_is(
    sqlite_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the import test above: the clock had kept the unsaved batch's times, so the resend of the file
    was refused `clock_backwards` from the failed batch on (domain/application.py now puts the clock back)."""
    app = PoolingApplication(env=_simulated(sqlite_env))
    try:
        lines = contribution_file(5, 3)
        apply_all(app, lines[:5])
        save = app._save_aggregates

        def store_down(aggregates: list[Any], commands: list[Any]) -> None:
            raise OperationalError("disk I/O error")

        monkeypatch.setattr(app, "_save_aggregates", store_down)
        with pytest.raises(OperationalError):
            app.submit_batch(lines[5:])  # January to March, recorded on the 15th of each
        with pytest.raises(OperationalError):
            app.submit(lines[-1])
        monkeypatch.setattr(app, "_save_aggregates", save)
        outcomes = app.submit_batch(lines[5:])
        assert [o["status"] if isinstance(o, dict) else o.code.value for o in outcomes] == ["applied"] * 15
    finally:
        app.close()


def test_a_projection_catch_up_killed_mid_batch_commits_nothing_and_resumes(
    postgres_env: dict[str, str], tmp_path: Path
) -> None:
    app = PoolingApplication(env=_simulated(postgres_env))
    terminator = Terminator(postgres_env)
    try:
        lines = contribution_file(30, 6)
        apply_all(app, lines[:30])
        apply_all(app, lines[30:])
        projections = Projections(app, batch_size=100)
        projections.runner.run(limit=2)  # two batches folded and committed
        before = projections.runner.positions()
        assert set(before.values()) == {200}

        # The third batch has written its view rows and is recording its position when its backend goes.
        terminator.start()
        with (
            sleep_trigger(
                postgres_env,
                "pooling_view_tracking",
                when="NEW.view_name <> '__runner_lock__'",
                times=1,
                seconds=30,
            ),
            pytest.raises(OperationalError),
        ):
            projections.catch_up()
        terminator.stop()
        assert terminator.killed == 1
        assert projections.runner.positions() == before, "a killed batch moved a view's position"

        # The runner resumes where the last committed batch ended, and the rebuilt views agree with it.
        projections.catch_up()
        head = app.recorder.max_notification_id()
        assert set(projections.runner.positions().values()) == {head}
        assert_audit_passes(app, tmp_path / "audit")
    finally:
        terminator.stop()
        app.close()


# --- the importing process killed ----------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_killed_import_process_leaves_nothing_half_written_and_its_rerun_completes_it(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store_env: dict[str, str] = request.getfixturevalue(f"{backend}_env")
    lines = contribution_file(250, 12)  # 3,250 lines: seven batches of `pooling import`'s 500
    path = write_jsonl(tmp_path / "contributions-2020.jsonl", lines)
    env = cli_env(store_env)
    assert subprocess.run([POOLING, "init", "--simulated"], env=env, capture_output=True).returncode == 0

    if backend == "postgres":
        # Deterministic: the process is killed while batch 3's transaction is open on the server. The server notices
        # the vanished client within 100 ms (client_connection_check_interval) and rolls the transaction back.
        dbname = store_env["POSTGRES_DBNAME"]
        with pg_connect(store_env, "postgres") as admin:
            admin.execute(f'ALTER DATABASE "{dbname}" SET client_connection_check_interval = 100')
            with sleep_trigger(store_env, EVENTS, when=event_of_line(lines, 1000), times=1, seconds=20):
                process = subprocess.Popen([POOLING, "import", str(path)], env=env, stdout=subprocess.DEVNULL)
                wait_until(lambda: sleeping_backends(admin, dbname), timeout=30, what="batch 3 in its transaction")
                process.send_signal(signal.SIGKILL)
                process.wait(10)
                wait_until(lambda: not sleeping_backends(admin, dbname), timeout=10, what="the server's rollback")
    else:
        # SQLite: killed wherever it is once two batches (2,250 rows) are committed, mid-transaction or not.
        process = subprocess.Popen([POOLING, "import", str(path)], env=env, stdout=subprocess.DEVNULL)
        wait_until(lambda: _sqlite_rows(store_env["POOLING_DB"]) >= 2250, timeout=30, what="two batches", step=0.002)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    assert process.returncode == -signal.SIGKILL

    app = PoolingApplication(env=_simulated(store_env))
    try:
        done = assert_nothing_half_written(app, lines)
        # Whole batches only: the landed lines are the file's first k × 500.
        assert done == {m["serial"] for m in lines[: len(done)]} and len(done) % 500 == 0 and len(done) < len(lines)
        if backend == "postgres":
            assert len(done) == 1000
    finally:
        app.close()

    rerun = subprocess.run([POOLING, "import", str(path), "--json"], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert (summary["replayed"], summary["applied"], summary["refused"]) == (len(done), len(lines) - len(done), 0)
    app = PoolingApplication(env=_simulated(store_env))
    try:
        assert assert_nothing_half_written(app, lines) == {m["serial"] for m in lines}
        assert_audit_passes(app, tmp_path / "audit")
    finally:
        app.close()


def _sqlite_rows(path: str) -> int:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0.1)
        try:
            return int(connection.execute("SELECT count(*) FROM stored_events").fetchone()[0])
        finally:
            connection.close()
    except sqlite3.Error:
        return 0  # not created yet, or locked for a moment by the writer


# --- the database unavailable while the API serves ----------------------------------------------------------
def test_the_api_answers_503_while_its_database_is_down_and_recovers_without_a_restart(
    postgres_env: dict[str, str], tmp_path: Path
) -> None:
    citizen = persons(1)[0]
    contribution = contribution_file(1, 1)[1]
    env = {**_simulated(postgres_env), "POSTGRES_CONNECT_TIMEOUT": "2"}
    with harness(env, tmp_path, raise_server_exceptions=False) as api:
        assert api.send(enroll(citizen, "32", "2020-01-02", serial="e0000")).status_code == 201
        dossier = f"/api/v1/persons/{citizen}/dossier"
        assert api.get(dossier, api.auditor()).status_code == 200
        head = api.services.app.recorder.max_notification_id()

        # ALLOW_CONNECTIONS false + its backends terminated: what a stopped server looks like to the app.
        with database_outage(postgres_env):
            started = time.monotonic()
            assert_error(api.get(dossier, api.auditor()), 503, "unavailable")  # meets a dead pooled connection
            assert_error(api.get("/readyz"), 503, "unavailable")
            assert_error(api.send(contribution), 503, "unavailable")  # nothing can be written
            assert_error(api.get(f"/api/v1/persons/{citizen}/events", api.auditor()), 503, "unavailable")
            imports = api.client.post("/api/v1/imports", content=b"{}\n", headers=api.province("32"))
            assert_error(imports, 503, "unavailable")
            assert api.get("/healthz").status_code == 200  # the process itself is alive
            assert time.monotonic() - started < 10, "refusals must not wait out the pool's retries"

        # The same app, not restarted: ready again, and the refused write goes through when resent.
        wait_until(lambda: api.get("/readyz").status_code == 200, timeout=10, what="readiness", step=0.2)
        assert api.services.app.recorder.max_notification_id() == head
        assert api.send(contribution).status_code == 201
        assert api.get(dossier, api.auditor()).json()["contribution_months"] == 1


# --- many writers on the same persons ------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_many_writers_on_the_same_persons_lose_no_update_and_pay_no_month_twice(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store_env = _simulated(request.getfixturevalue(f"{backend}_env"))
    people = persons(8)
    periods = [str(m) for m in months_between(Month(2001, 1), Month(2010, 12))]  # 120 past months each
    app = PoolingApplication(env=store_env)
    apply_all(app, [enroll(person, "32", "2000-01-05", serial=f"e{n:04d}") for n, person in enumerate(people)])
    # A and B back-pay every month of every person under their own serials (one of each pair must be R002);
    # C resends half of A's commands, same serials and bodies (one of each such pair must be `replayed`).
    a, b = race_commands(people, periods, "A"), race_commands(people, periods, "B")
    c = a[::2]
    # No time limit but the writers' own (45 s each, a hang): speed is measured by benchmarks, not asserted here.
    writers = start_writers(store_env, [a, b, c], threads=2, workdir=tmp_path)
    outcomes: list[dict[str, str]] = []
    for writer in writers:
        out, err = writer.communicate(timeout=45)
        assert writer.returncode == 0, err[-2000:]
        outcomes.append(json.loads(out))
    try:
        total = len(a) + len(b) + len(c)
        assert total == 2400
        every = Counter(outcome for found in outcomes for outcome in found.values())
        assert set(every) <= {"applied", "replayed", "rule_violation:R002"}, every
        assert every["applied"] == len(people) * len(periods), every  # one per (person, month), no more
        for n, person in enumerate(people):
            paid = [e for e in stored_events(app, person) if isinstance(e, ev.BackPaymentPaid)]
            assert sorted(e.period for e in paid) == periods, f"{person}: a month lost or paid twice"
            for event in paid:
                key = f"{n:02d}-{event.period}"
                winner = "A" if event.serial.startswith("A-") else "B"
                loser = "B" if winner == "A" else "A"
                # The serial that landed answered `applied` (or `replayed` to C's resend); the other was R002.
                assert outcomes[0 if loser == "A" else 1][f"{loser}-{key}"] == "rule_violation:R002"
                seen = [found.get(f"{winner}-{key}") for found in outcomes]
                assert "applied" in seen, (key, seen)
        assert_nothing_half_written(app, [*a, *b])
        assert_audit_passes(app, tmp_path / "audit")
    finally:
        app.close()


def test_fault_helpers_clean_up_after_themselves(postgres_env: dict[str, str]) -> None:
    """The injected trigger and sequence are gone after use, and the database accepts connections again."""
    PoolingApplication(env=postgres_env).close()
    with sleep_trigger(postgres_env, "pooling_events", when="false", times=1, seconds=1):
        pass
    with database_outage(postgres_env):
        pass
    with pg_connect(postgres_env) as connection:
        triggers = connection.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'fault_sleep'").fetchone()[0]
        sequences = connection.execute("SELECT to_regclass('fault_hits')").fetchone()[0]
    assert (triggers, sequences) == (0, None)
