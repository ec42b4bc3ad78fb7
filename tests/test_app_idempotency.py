"""Idempotent retries: the (unit, serial) pair identifies a command nationally (INTERCHANGE.md, DOMAIN.md §15.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from app_helpers import (
    apply,
    citizen_id,
    contribute,
    enroll,
    interest_run,
    payout_run,
    refuse,
    transfer_request,
    version,
)

from domain.application import PoolingApplication

ZHANG = "440306197901010037"
OTHER = citizen_id("1985-10-10", region="440306", sequence="011")


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def without_status(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "status"}


def test_the_same_message_twice_is_answered_replayed_and_writes_nothing(app: PoolingApplication) -> None:
    enrollment = enroll(ZHANG, "44", "2021-01-04")
    first_enrollment = apply(app, enrollment)
    payment = contribute(ZHANG, "44", "2021-01", 480000)  # clamped up to the 2021 floor: flag R006
    first = apply(app, payment)
    stored = app.recorder.max_notification_id()

    # The province's system retries after a timeout: the same body, the same (unit, serial).
    again = app.submit(payment)
    enrollment_again = app.submit(enrollment)

    # The first answer comes back, status `replayed`, and nothing is written.
    assert again["status"] == "replayed" and without_status(again) == without_status(first)
    assert again["flags"] == ["R006"]
    assert enrollment_again["status"] == "replayed"
    assert without_status(enrollment_again) == without_status(first_enrollment)
    assert app.recorder.max_notification_id() == stored and version(app, ZHANG) == 3


def test_a_resent_old_line_is_replayed_before_any_clock_or_rule_check(app: PoolingApplication) -> None:
    payment = contribute(ZHANG, "44", "2021-01", 500000)
    apply(app, enroll(ZHANG, "44", "2021-01-04"), payment)
    # Months later the store's clock has moved on, and the month is paid.
    apply(app, contribute(ZHANG, "44", "2021-06", 500000))

    # The old line of an import file, sent again: replayed, not clock_backwards, not R002, not R015.
    assert app.submit(payment)["status"] == "replayed"
    # A fresh application on the same store answers the same (the records are in the store, not in memory).
    reopened = PoolingApplication(env=app.env)
    try:
        assert reopened.submit(payment)["status"] == "replayed"
    finally:
        reopened.close()


def test_the_same_serial_with_another_body_is_serial_reused(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04"), enroll(OTHER, "44", "2021-01-04"))
    payment = contribute(ZHANG, "44", "2021-01", 500000, serial="44-C-0001")
    apply(app, payment)

    # Another base, another person, another type: the unit reused its serial for a different command.
    refuse(app, {**payment, "base_fen": 510000}, "serial_reused")
    refuse(app, {**payment, "citizen_id": OTHER}, "serial_reused")
    refuse(app, transfer_request(ZHANG, "44", "32", on="2021-01-20", serial="44-C-0001"), "serial_reused")
    # Only recorded_at is not part of the body: the same command resent later is replayed.
    assert app.submit({**payment, "recorded_at": "2021-02-01T00:00:00Z"})["status"] == "replayed"
    assert version(app, ZHANG) == 3 and version(app, OTHER) == 2


def test_the_same_serial_from_another_unit_is_another_command(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04", serial="E-1"))

    answer = apply(app, enroll(OTHER, "32", "2021-01-05", serial="E-1"))

    assert answer["status"] == "applied" and version(app, OTHER) == 2


def test_a_run_resent_is_replayed_and_pays_no_one_twice(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04"), contribute(ZHANG, "44", "2021-01", 500000))
    run = interest_run(2021, on="2022-01-10")
    first = apply(app, run)
    payouts = payout_run("44", "2022-01")
    apply(app, payouts)
    stored = app.recorder.max_notification_id()

    assert without_status(app.submit(run)) == without_status(first)
    assert app.submit(payouts)["status"] == "replayed"
    assert app.recorder.max_notification_id() == stored
