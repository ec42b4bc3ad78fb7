"""The replay on a small population: zero discrepancies, a projection bug named, as known at T, the CLI, and a
person's history event by event."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from app_helpers import (
    HE,
    contributions,
    correct,
    death,
    enroll,
    interest_run,
    payout_run,
    recover,
    retire,
    suspend,
    transfer_request,
    transfer_send,
)
from scenarios import GUANGDONG_MAN, MS_LIN, combined
from test_audit_support import RawStore, codes, errors, load, sealed_store
from typer.testing import CliRunner

from api.cli import app as cli
from domain.application import PoolingApplication
from projections.audit import (
    AuditKeyError,
    ReplayProgress,
    generate_key,
    load_private_key,
    person_history,
    read_report,
    seal,
    start_replay,
)
from projections.queries import Projections
from standards.identifiers import make_citizen_id


def population(app: PoolingApplication) -> list[dict[str, Any]]:
    """The two scenario stories, §9.6's retiree who dies after overpaid payouts (recovery, survivors, inheritance),
    twelve contributors in 32 and 44, one of whom has a contribution corrected and moves to 32 (the transfer still in
    transit): in recorded order."""
    messages = combined()
    messages.append(enroll(HE, "32", "1995-04-03", deemed_months=60, account_opened="1995-04", name="王建国"))
    for year in range(2015, 2026):
        first, last = (f"{year}-04" if year == 2015 else f"{year}-01"), (f"{year}-03" if year == 2025 else f"{year}-12")
        if year > 2015 and year - 1 not in (2021, 2022):  # the scenarios record the 2021 and 2022 runs
            messages.append(interest_run(year - 1, on=f"{year}-01-10"))
        messages += contributions(HE, "32", first, last, app.policy.reference_wage_fen("32", year))
    messages.append(retire(HE, "32", "2025-04", on="2025-04-10"))
    messages += [payout_run("32", f"2025-{month:02d}") for month in range(5, 12)]
    messages += [death(HE, "32", "2025-09-10", on="2025-11-15"), recover(HE, "32", 100_000, on="2025-11-20")]
    messages.append(payout_run("32", "2025-12"))
    paid: dict[str, list[dict[str, Any]]] = {}
    for number in range(12):
        unit = ("32", "44")[number % 2]
        citizen = make_citizen_id(unit, date(1985, 1 + number, 10), 100 + number)
        paid[citizen] = contributions(citizen, unit, "2024-03", "2024-08", 600_000)
        messages += [enroll(citizen, unit, "2024-03-01", on="2024-03-01"), *paid[citizen]]
    mover = make_citizen_id("44", date(1985, 2, 10), 101)
    messages += [
        correct(mover, "44", paid[mover][-1]["serial"], on="2024-09-02"),  # its August contribution reversed
        suspend(mover, "44", "2024-08-31", on="2024-09-02"),
        enroll(mover, "32", "2024-09-03", hukou_unit="44"),
        transfer_request(mover, "32", "44", on="2024-09-05", serial="move-1"),
        transfer_send(mover, "44", "move-1", on="2024-09-20"),
    ]
    return sorted(messages, key=lambda message: message["recorded_at"])


def _populate(store_env: dict[str, str], tmp_path: Path) -> PoolingApplication:
    env = {**store_env, "POOLING_SIMULATED": "1", "POOLING_AUDIT_KEY_FILE": str(tmp_path / "audit_ed25519.pem")}
    app = PoolingApplication(env=env)
    load(app, population(app))
    Projections(app).catch_up()
    generate_key(tmp_path / "audit_ed25519.pem")
    seal(app, load_private_key(tmp_path / "audit_ed25519.pem"), range_size=500)
    return app


@pytest.fixture
def populated(store_env: dict[str, str], tmp_path: Path) -> Iterator[PoolingApplication]:
    """The population on SQLite and on PostgreSQL."""
    app = _populate(store_env, tmp_path)
    yield app
    app.close()


@pytest.fixture
def populated_sqlite(sqlite_env: dict[str, str], tmp_path: Path) -> Iterator[PoolingApplication]:
    """The population on SQLite only, for what does not depend on the database."""
    app = _populate(sqlite_env, tmp_path)
    yield app
    app.close()


def test_a_small_population_replays_with_zero_discrepancies(populated: PoolingApplication, tmp_path: Path) -> None:
    result = start_replay(populated, out_dir=tmp_path / "audit", batch_size=97)  # batches cut through streams

    assert result.ok and result.exit_code == 0, errors(result.report)
    totals = result.report["totals"]
    assert totals["person_streams"] == 15 and totals["broken_streams"] == 0
    assert totals["folded"] == totals["person_events"]
    assert [v["differing_groups"] for v in result.report["views"]] == [0, 0, 0, 0]
    assert all(v["live_groups"] == v["rebuilt_groups"] > 0 for v in result.report["views"])
    assert [c["ok"] for c in result.report["checkpoints"]["verified"]] == [True] * result.report["checkpoints"]["count"]
    assert len(result.report["invariants_checked"]) == 5


def test_two_shard_processes_verify_and_rebuild_the_same(populated: PoolingApplication, tmp_path: Path) -> None:
    single = start_replay(populated, out_dir=tmp_path / "one").report
    sharded = start_replay(populated, out_dir=tmp_path / "two", workers=2).report
    assert sharded["ok"], errors(sharded)
    assert sharded["totals"]["workers"] == 2 and sharded["views"] == single["views"]
    for name in ("rows", "person_events", "person_streams", "streams", "folded"):
        assert sharded["totals"][name] == single["totals"][name], name

    # A break found by a shard is named as in one process.
    raw = RawStore(populated.env)  # type: ignore[arg-type]
    stream = populated.events_of(MS_LIN)[0].originator_id
    row = raw.rows(stream)[5]
    raw.set_json(row.position, row.json.replace(b'"unit":"32"', b'"unit":"33"', 1))
    raw.close()
    broken = start_replay(populated, out_dir=tmp_path / "two", workers=2).report
    first = next(f for f in broken["findings"] if f["category"] == "chain")
    assert (first["code"], first["stream"], first["version"], first["position"]) == (
        "hash_mismatch",
        str(stream),
        6,
        row.position,
    )


def test_a_projection_bug_in_a_dossier_row_is_named(populated: PoolingApplication, tmp_path: Path) -> None:
    # A "bug" in the live dossier view: Ms Lin's balance stored 1.00 yuan too high.
    raw = RawStore(populated.env)  # type: ignore[arg-type]
    with Projections(populated).runner.db.transaction(commit=False) as cursor:
        cursor.execute("SELECT person_id, dossier FROM dossier_view WHERE citizen_id = %s", (MS_LIN,))
        row = cursor.fetchone()
    assert row is not None
    dossier = orjson.loads(row["dossier"])
    dossier["account_balance_fen"] += 100
    raw.execute(
        "UPDATE dossier_view SET dossier = %s WHERE person_id = %s", (orjson.dumps(dossier).decode(), row["person_id"])
    )
    raw.close()

    report = start_replay(populated, out_dir=tmp_path / "audit").report

    [finding] = errors(report)
    assert (finding["view"], finding["field"]) == ("dossier_view", "dossier.account_balance_fen")
    assert MS_LIN in finding["key"] and finding["live"] == finding["rebuilt"] + 100
    assert "dossier_view" in (tmp_path / "audit" / f"{report['replay_id']}.html").read_text(encoding="utf-8")


def test_as_known_at_replays_only_what_was_recorded_then(populated: PoolingApplication, tmp_path: Path) -> None:
    # T is the 2023 interest run: the loader's batches end there, so the log up to T is in recorded order, which
    # the projections' as-known-at ledger assumes (it stops at the first later event; the replay filters instead).
    known_at = datetime(2024, 1, 10, 2, tzinfo=UTC)

    result = start_replay(populated, until=known_at, out_dir=tmp_path / "audit")

    assert result.ok, errors(result.report)
    assert result.report["until"] == known_at.isoformat() and result.report["views"] == []
    assert 0 < result.report["totals"]["folded"] < result.report["totals"]["person_events"]
    national = Projections(populated).ledger(None, None, known_at)
    with Projections(populated).runner.db.transaction(commit=False) as cursor:
        cursor.execute("SELECT SUM(debit_fen) AS dr FROM audit_ledger_view")
        assert (cursor.fetchone() or {})["dr"] == national["debits_fen"] < Projections(populated).ledger()["debits_fen"]


def test_progress_can_be_read_while_the_replay_runs_and_the_report_read_back(
    populated_sqlite: PoolingApplication, tmp_path: Path
) -> None:
    seen: list[dict[str, Any]] = []
    progress = ReplayProgress(replay_id="replay-http-1", listener=lambda p: seen.append(p.snapshot()))
    worker = threading.Thread(
        target=start_replay,
        args=(populated_sqlite,),
        kwargs={"out_dir": tmp_path, "progress": progress, "batch_size": 200},
    )
    worker.start()
    worker.join()

    assert progress.snapshot()["phase"] == "done" and progress.ok is True
    assert any(s["phase"] == "replaying" and s["position"] > 0 for s in seen)
    report = read_report(tmp_path)  # a directory: its newest report
    assert report["replay_id"] == "replay-http-1" and report == read_report(progress.report_html or "")


def test_a_key_is_private_and_never_silently_replaced(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "audit.pem"
    generate_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and (tmp_path / "keys" / "audit.pub.pem").exists()
    with pytest.raises(AuditKeyError):
        generate_key(path)
    generate_key(path, force=True)


def test_checkpoints_without_the_key_are_not_trusted(store_env: dict[str, str], tmp_path: Path) -> None:
    sealed = sealed_store(store_env, tmp_path)
    for name in ("audit_ed25519.pem", "audit_ed25519.pub.pem"):
        (tmp_path / name).unlink()

    report = start_replay(sealed.app, out_dir=sealed.out).report

    assert codes(report) == {"key_unavailable"}
    sealed.raw.close()
    sealed.app.close()


def test_a_persons_history_names_what_each_event_changed(populated_sqlite: PoolingApplication) -> None:
    steps = person_history(populated_sqlite, MS_LIN)

    assert [s["version"] for s in steps] == list(range(1, len(steps) + 1))
    twelfth = next(s for s in steps if s.get("period") == "2020-12")
    changes = {c["field"]: (c["before"], c["after"]) for c in twelfth["changes"]}
    assert changes["contribution_months"] == (11, 12)
    assert changes["account_balance_fen"][1] - changes["account_balance_fen"][0] == 48_000  # 8 % of 6,000.00
    back_paid = next(s for s in steps if s["type"] == "BackPaymentPaid" and s["period"] == "2023-03")
    assert {c["field"] for c in back_paid["changes"]} >= {"contribution_months", "gaps"}
    assert not any(c["field"] in ("events", "as_of", "as_known_at") for s in steps for c in s["changes"])


def test_the_cli_seals_replays_names_a_break_and_tells_a_history(
    store_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**store_env, "POOLING_SIMULATED": "1", "POOLING_AUDIT_KEY_FILE": str(tmp_path / "k.pem")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = PoolingApplication()
    load(app, combined())
    app.close()
    runner = CliRunner()

    assert runner.invoke(cli, ["keys", "init"]).exit_code == 0
    sealed = runner.invoke(cli, ["audit", "checkpoint", "--range-size", "50"])
    assert sealed.exit_code == 0 and "2 checkpoints written" in sealed.output
    passed = runner.invoke(cli, ["audit", "replay", "--out", str(tmp_path / "out")])
    assert passed.exit_code == 0 and passed.output.strip().startswith("PASSED"), passed.output

    raw = RawStore(env)
    stream = PoolingApplication().events_of(GUANGDONG_MAN)[0].originator_id
    row = raw.rows(stream)[20]
    raw.set_json(row.position, row.json.replace(b'"unit":"44"', b'"unit":"45"', 1))
    raw.close()
    failed = runner.invoke(cli, ["audit", "replay", "--out", str(tmp_path / "out")])
    assert failed.exit_code == 1 and failed.output.strip().startswith("FAILED")
    assert f"stream {stream} version 21" in failed.output
    as_json = runner.invoke(cli, ["audit", "replay", "--json", "--until", "2021-06-30", "--out", str(tmp_path / "out")])
    assert as_json.exit_code == 1 and orjson.loads(as_json.output)["until"].startswith("2021-06-30")

    history = runner.invoke(cli, ["person", "history", MS_LIN])
    assert history.exit_code == 0 and "contribution_months: 11 → 12" in history.output
    assert (
        orjson.loads(runner.invoke(cli, ["person", "history", MS_LIN, "--json"]).output)[0]["type"]
        == "PersonRegistered"
    )
