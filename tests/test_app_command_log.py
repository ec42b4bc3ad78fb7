"""The command log: one row per applied command beside the event log, written in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import uuid4

import pytest
from app_helpers import apply, contribute, enroll, payout_run, refuse, version

from domain.application import PoolingApplication
from domain.registry import CommandRecord
from domain.stores import commands as command_log
from projections.database import ViewDatabase

ZHANG = "440306197901010037"


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def test_an_applied_command_has_one_row_and_no_event_of_its_own(app: PoolingApplication) -> None:
    answer = apply(app, enroll(ZHANG, "44", "2021-01-04"), contribute(ZHANG, "44", "2021-01", 500000))
    row = app.command("44", answer["serial"])
    assert row is not None and row.citizen_id == ZHANG and row.answer == answer
    assert row.recorded_at == datetime.fromisoformat(contribute(ZHANG, "44", "2021-01", 500000)["recorded_at"])
    # The event log holds facts about persons (and the store's settings), not the bookkeeping of commands.
    topics = {n.topic for n in app.recorder.select_notifications(1, 100)}
    assert not any("CommandRecord" in topic for topic in topics)
    assert version(app, ZHANG) == 3


def test_a_refused_command_leaves_no_row(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04"))
    refused = contribute(ZHANG, "44", "2021-01", 500000, serial="44-twice")
    apply(app, refused)
    again = {**contribute(ZHANG, "44", "2021-01", 500000, serial="44-other")}
    refuse(app, again, "rule_violation", "R002")
    assert app.command("44", "44-other") is None


def test_a_run_that_wrote_to_nobody_still_moves_the_clock_after_a_restart(simulated_env: dict[str, str]) -> None:
    first = PoolingApplication(env=simulated_env)
    apply(first, enroll(ZHANG, "44", "2021-01-04"))
    answer = first.submit(payout_run("32", "2021-03", on="2021-03-10"))  # no retiree in 32: no event
    assert answer["status"] == "applied" and answer["summary"]["persons"] == 0
    first.close()
    reopened = PoolingApplication(env=simulated_env)
    try:
        assert reopened.now == datetime.fromisoformat(payout_run("32", "2021-03", on="2021-03-10")["recorded_at"])
        refuse(reopened, contribute(ZHANG, "44", "2021-01", 500000), "clock_backwards")
    finally:
        reopened.close()


def test_a_store_written_before_the_command_log_keeps_answering_replayed(simulated_env: dict[str, str]) -> None:
    app = PoolingApplication(env=simulated_env)
    enrollment, payment = enroll(ZHANG, "44", "2021-01-04"), contribute(ZHANG, "44", "2021-01", 500000)
    first = apply(app, enrollment, payment)
    # Make the store look legacy: no command log table, the commands kept as CommandRecord aggregates.
    legacy = []
    for sent in (enrollment, payment):
        row = app.command(sent["unit"], sent["serial"])
        assert row is not None
        record = CommandRecord._create(
            CommandRecord.Recorded,
            id=uuid4(),
            unit=row.unit,
            serial=row.serial,
            digest=row.digest,
            citizen_id=row.citizen_id,
            answer=row.answer,
            issued_by=row.issued_by,
            timestamp=row.recorded_at,
        )
        legacy.extend(record.collect_events())
    app.events.put(legacy)
    with ViewDatabase(app.recorder).transaction() as cursor:
        cursor.execute(f"DROP TABLE {command_log.TABLE}")
    app.close()

    reopened = PoolingApplication(env=simulated_env)
    try:
        again = reopened.submit(payment)
        assert again == {**first, "status": "replayed"}
        changed = {**payment, "base_fen": 600000}
        refuse(reopened, changed, "serial_reused")
    finally:
        reopened.close()
