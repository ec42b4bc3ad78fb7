"""`pooling demo`, the main job, end to end on a small population: replayed in shard processes, views written by the
shards, the log sealed, the summary printed, and the store verified by the audit replay."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from domain.application import PoolingApplication
from projections.audit import start_replay
from projections.queries import Projections


def test_the_demo_replays_seals_and_shows_a_store_the_audit_replay_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "audit.pem"
    monkeypatch.setenv("POOLING_AUDIT_KEY_FILE", str(key))
    store = tmp_path / "demo.sqlite"
    result = CliRunner().invoke(
        cli, ["demo", "--persons", "40", "--first-year", "2019", "--last-year", "2025", "--db", str(store)]
    )
    assert result.exit_code == 0, result.output
    for shown in ("events by kind", "refused messages (1)", "R002", "risk findings", "signed checkpoints"):
        assert shown in result.output
    assert "0 events left to project" in result.output.replace("\n", " ")

    app = PoolingApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(store)})
    try:
        head = app.recorder.max_notification_id()
        assert head and Projections(app).runner.positions() == {"dossiers": head, "ledgers": head}
        result = start_replay(app, out_dir=tmp_path / "audit", key_file=key)
        assert result.ok and result.exit_code == 0, result.report
        assert [view["differing_groups"] for view in result.report["views"]] == [0, 0, 0, 0]
        assert all(check["ok"] for check in result.report["checkpoints"]["verified"])
        assert result.report["checkpoints"]["count"] > 0
    finally:
        app.close()
