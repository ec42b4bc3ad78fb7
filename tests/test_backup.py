"""`pooling backup` and `pooling restore` on SQLite and PostgreSQL: a store restored into an empty database has the
same log row for row, passes the audit replay (hash chains, sealed checkpoints, rebuilt views, ledger invariants)
and answers the same dossiers and ledgers; a backup taken while writers write is one consistent snapshot; a
restore never goes into a store that holds data, nor from a file that is not a backup."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from scenarios import GUANGDONG_MAN, MS_LIN, combined
from test_audit_support import load
from test_faults_support import (
    assert_audit_passes,
    assert_nothing_half_written,
    contribution_file,
    pg_connect,
    wait_until,
)
from typer.testing import CliRunner

from api.cli import app as cli
from domain.application import PoolingApplication
from projections.audit import generate_key, load_private_key, seal
from projections.queries import Projections

runner = CliRunner()


@contextmanager
def empty_store(store_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    """A second, empty store of the same kind: a new SQLite file, or a new database on the same server."""
    if not store_env["PERSISTENCE_MODULE"].endswith("postgres"):
        yield {**store_env, "POOLING_DB": str(tmp_path / "restored" / "pooling.sqlite")}
        return
    dbname = f"pooling_restore_{uuid.uuid4().hex[:12]}"
    with pg_connect(store_env, "postgres") as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield {**store_env, "POSTGRES_DBNAME": dbname}
    finally:
        with pg_connect(store_env, "postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def pooling(env: dict[str, str], *args: str) -> Any:
    """Run a `pooling` command on the store `env` names (in-process, the environment set for the call)."""
    return runner.invoke(cli, list(args), env=env)


def log_rows(app: PoolingApplication) -> list[tuple[Any, ...]]:
    """The whole notification log as stored: position, stream, version, type, bytes."""
    rows, start = [], 0
    while section := app.recorder.select_notifications(start, 5000, inclusive_of_start=False):
        rows += [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state)) for n in section]
        start = section[-1].id
    return rows


def test_a_backup_restored_into_an_empty_store_is_the_same_store(store_env: dict[str, str], tmp_path: Path) -> None:
    key = tmp_path / "audit_ed25519.pem"
    env = {**store_env, "POOLING_SIMULATED": "1", "POOLING_AUDIT_KEY_FILE": str(key)}
    app = PoolingApplication(env=env)
    try:
        load(app, combined())
        Projections(app).catch_up()
        generate_key(key)
        seal(app, load_private_key(key), range_size=64)  # checkpoints are part of what a backup must keep
        original = log_rows(app)
        dossiers = {cid: Projections(app).dossier(cid) for cid in (GUANGDONG_MAN, MS_LIN)}
        ledger = Projections(app).ledger()
    finally:
        app.close()

    backup = tmp_path / "pooling.backup"
    made = pooling(env, "backup", str(backup), "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["head"] == len(original) and backup.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    with empty_store(env, tmp_path) as target:
        restored = pooling(target, "restore", str(backup), "--json")
        assert restored.exit_code == 0, restored.output
        assert json.loads(restored.stdout)["head"] == len(original)
        app = PoolingApplication(env=target)
        try:
            assert log_rows(app) == original  # row for row, byte for byte
            report = assert_audit_passes(app, tmp_path / "audit")
            verified = report["checkpoints"]["verified"]
            assert verified and all(check["ok"] for check in verified)  # the sealed checkpoints still verify
            assert {cid: Projections(app).dossier(cid) for cid in dossiers} == dossiers
            assert Projections(app).ledger() == ledger
            # The restored store goes on: its positions continue after the last one restored (sequences too).
            certification = {
                "type": "certification",
                "serial": "after-restore",
                "unit": "32",
                "citizen_id": MS_LIN,
                "effective": "2030-01-02",
                "recorded_at": "2030-01-02T02:00:00Z",
            }
            assert app.submit(certification)["status"] == "applied"
            assert log_rows(app)[len(original)][0] == len(original) + 1
            grown = len(log_rows(app))
        finally:
            app.close()

        # A second restore into the store (now holding data) is refused, and changes nothing.
        again = pooling(target, "restore", str(backup))
        assert again.exit_code == 1 and "not empty" in " ".join(again.output.split())
        app = PoolingApplication(env=target)
        try:
            assert len(log_rows(app)) == grown
        finally:
            app.close()


def test_a_backup_taken_while_a_writer_writes_is_one_consistent_snapshot(
    store_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**store_env, "POOLING_SIMULATED": "1"}
    lines = contribution_file(200, 12)  # 2,600 lines in batches of 50, written before, during and after the backup
    app = PoolingApplication(env=env)
    stop, failures, batches = threading.Event(), [], [0]

    def write() -> None:
        try:
            for start in range(0, len(lines), 50):
                if stop.is_set():
                    return
                app.submit_batch(lines[start : start + 50])
                batches[0] += 1
                time.sleep(0.005)  # room for the backup's reads between the batches
        except Exception as error:  # reported by the test, not lost in the thread
            failures.append(error)

    writer = threading.Thread(target=write)
    try:
        writer.start()
        wait_until(lambda: batches[0] >= 3, timeout=30, what="three batches")
        before = batches[0]
        made = pooling(env, "backup", str(tmp_path / "during.backup"), "--json")
        after = batches[0]
        stop.set()
        writer.join(30)
        assert made.exit_code == 0, made.output
        assert failures == []
    finally:
        stop.set()
        app.close()

    with empty_store(env, tmp_path) as target:
        assert pooling(target, "restore", str(tmp_path / "during.backup")).exit_code == 0
        app = PoolingApplication(env=target)
        try:
            done = assert_nothing_half_written(app, lines)  # whole batches only, the first ones in order
            assert done == {m["serial"] for m in lines[: len(done)]}
            assert len(done) % 50 == 0 and before * 50 <= len(done) <= after * 50 < len(lines)
            assert_audit_passes(app, tmp_path / "audit")
        finally:
            app.close()


def test_a_restore_refuses_what_is_not_a_backup_of_this_kind_of_store(
    sqlite_env: dict[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_text("'; DROP TABLE stored_events; --\n")
    refused = pooling(sqlite_env, "restore", str(junk))
    assert refused.exit_code == 1 and "not a backup" in " ".join(refused.output.split())
    assert not Path(sqlite_env["POOLING_DB"]).exists()  # nothing was created

    app = PoolingApplication(env={**sqlite_env, "POOLING_SIMULATED": "1"})
    app.close()
    sqlite_backup = tmp_path / "sqlite.backup"
    assert pooling(sqlite_env, "backup", str(sqlite_backup)).exit_code == 0
    postgres_env: dict[str, str] = request.getfixturevalue("postgres_env")
    mismatch = pooling(postgres_env, "restore", str(sqlite_backup))
    assert mismatch.exit_code == 1 and "is a sqlite backup" in " ".join(mismatch.output.split())
    with pg_connect(postgres_env) as connection:
        tables = connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    assert tables == 0
