"""Live and simulated time (INTERCHANGE.md "Time", DOMAIN.md §15.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from app_helpers import apply, contribute, enroll

from domain.application import PoolingApplication
from domain.errors import DomainError

ZHANG = "440306197901010037"


def test_a_live_store_records_the_system_clock(store_env: dict[str, str]) -> None:
    app = PoolingApplication(env=store_env)
    try:
        # A live store ignores recorded_at (and needs none): the recorded time is the clock's, in UTC.
        enrollment = enroll(ZHANG, "44", "2024-01-02")
        apply(app, enrollment)
        del enrollment["recorded_at"]
        assert app.submit(enrollment)["status"] == "replayed"  # recorded_at is not part of the body

        (_, enrolled) = app.events_of(ZHANG)
        assert not app.simulated
        assert abs(enrolled.recorded_at - datetime.now(UTC)) < timedelta(minutes=5)
        # The live contribution window is today's: a contribution for 2024-01 is far too old by now.
        with pytest.raises(DomainError) as refused:
            app.submit(contribute(ZHANG, "44", "2024-01", 600000))
        assert refused.value.rule == "R015"
    finally:
        app.close()


def test_a_simulated_store_stays_simulated(simulated_env: dict[str, str]) -> None:
    app = PoolingApplication(env=simulated_env)
    apply(app, enroll(ZHANG, "44", "2021-01-04"))
    app.close()

    # Reopened without POOLING_SIMULATED, the store still runs on the messages' clock, from its latest instant.
    live_env = {key: value for key, value in simulated_env.items() if key != "POOLING_SIMULATED"}
    reopened = PoolingApplication(env=live_env)
    try:
        assert reopened.simulated
        assert reopened.now == datetime(2021, 1, 4, 2, 0, tzinfo=UTC)
        # And it can never be switched to live.
        with pytest.raises(DomainError) as refused:
            reopened.initialize(simulated=False)
        assert refused.value.code.value == "invalid_field"
    finally:
        reopened.close()
