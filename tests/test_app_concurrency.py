"""Concurrent writers on one person: optimistic concurrency by stream version, never a lost update."""

from __future__ import annotations

import threading
from collections import Counter

from app_helpers import (
    apply,
    apply_all,
    back_pay,
    broken_links,
    citizen_id,
    contribute,
    contributions,
    enroll,
    interest_run,
    stored_events,
    suspend,
    transfer_request,
    transfer_send,
)

from domain import events as ev
from domain.application import PoolingApplication
from domain.errors import DomainError
from standards.calendar import Month, months_between

WORKER = citizen_id("1980-05-20", sequence="111")
PERIODS = [str(month) for month in months_between(Month(2001, 1), Month(2010, 12))]  # 120 past months


def back_payment(period: str) -> dict[str, object]:
    # 补缴 of a past month, all recorded at the same instant (the simulated clock never goes backwards).
    return back_pay(WORKER, "32", period, 600000, on="2024-06-15", serial=f"32-BP-{period}")


def race(writers: list[PoolingApplication]) -> dict[str, str]:
    """Each writer back-pays its share of the months (interleaved), all threads starting together."""
    outcomes: dict[str, str] = {}
    start = threading.Barrier(len(writers))

    def write(app: PoolingApplication, periods: list[str]) -> None:
        start.wait()
        for period in periods:
            try:
                outcomes[period] = app.submit(back_payment(period))["status"]
            except DomainError as error:
                outcomes[period] = error.code.value

    threads = [
        threading.Thread(target=write, args=(app, PERIODS[index :: len(writers)])) for index, app in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def paid_periods(app: PoolingApplication) -> Counter[str]:
    return Counter(e.period for e in stored_events(app, WORKER) if isinstance(e, ev.BackPaymentPaid))


def test_two_applications_on_one_store_race_on_one_person(simulated_env: dict[str, str]) -> None:
    # Two processes of the national system (two applications, two caches) on the same store.
    first = PoolingApplication(env=simulated_env)
    apply(first, enroll(WORKER, "32", "2000-01-05"))
    second = PoolingApplication(env=simulated_env)
    try:
        # Both back-pay different months of the same person at the same time.
        outcomes = race([first, second])

        # Every command either landed or got a clear `conflict` (retried in vain, nothing written).
        assert set(outcomes.values()) <= {"applied", "conflict"}, Counter(outcomes.values())
        applied = sorted(period for period, outcome in outcomes.items() if outcome == "applied")
        assert applied, "no command landed"
        # Never a lost update: every applied month is in the stream exactly once, and nothing else is.
        assert paid_periods(first) == Counter(applied)
        assert broken_links(first, WORKER) == []
        # A conflicted command wrote no command record: resent, it is applied.
        for period, outcome in outcomes.items():
            if outcome == "conflict":
                assert second.submit(back_payment(period))["status"] == "applied"
        assert paid_periods(second) == Counter(PERIODS)
        assert len(stored_events(second, WORKER)) == 2 + len(PERIODS)
        # And each application, fast-forwarding its cache, sees the same final person.
        assert first.get_person(WORKER).version == second.get_person(WORKER).version == 2 + len(PERIODS)
        assert broken_links(second, WORKER) == []
    finally:
        first.close()
        second.close()


def test_one_application_shared_by_threads_serializes_its_commands(simulated_env: dict[str, str]) -> None:
    # The API serves requests from a thread pool with one application: its cached persons are shared objects.
    app = PoolingApplication(env=simulated_env)
    try:
        apply(app, enroll(WORKER, "32", "2000-01-05"))

        outcomes = race([app, app, app])

        assert Counter(outcomes.values()) == Counter({"applied": len(PERIODS)})
        assert paid_periods(app) == Counter(PERIODS)
        assert broken_links(app, WORKER) == []
    finally:
        app.close()


def test_a_second_application_never_decides_on_what_it_cached_before_another_wrote(
    simulated_env: dict[str, str],
) -> None:
    # Two processes on one store: the import (A) and the API (B).
    a = PoolingApplication(env=simulated_env)
    b = PoolingApplication(env=simulated_env)
    try:
        apply(a, enroll(WORKER, "32", "2020-01-06"))
        apply_all(a, contributions(WORKER, "32", "2020-01", "2020-12", 600000))
        apply(a, interest_run(2020, on="2021-01-10"))
        # B serves a contribution for January 2021 and so knows the person (and the runs) as they were then.
        apply(b, contribute(WORKER, "32", "2021-01", 600000, on="2021-01-20"))

        # A records that he left 江苏 and started in 广东, and the ministry's 2021 run.
        apply(a, suspend(WORKER, "32", "2021-02-01", on="2021-02-02"))
        apply(a, enroll(WORKER, "44", "2021-03-01", hukou_unit="32"))
        apply(a, interest_run(2021, on="2022-01-10"))

        # B accepts 广东's contribution (he is insured there now), where its old copy says "insured in 32" (R003).
        apply(b, contribute(WORKER, "44", "2022-01", 600000, on="2022-01-15"))
        # And B settles with the rates the ministry has recorded: 44 requests, 32 sends in March 2022, settling
        # 2022-01..02 at the latest recorded run's rate, 2021's 6.69 % (not 2020's 6.04 %).
        request = transfer_request(WORKER, "44", "32", on="2022-03-01")
        apply(b, request)
        apply(b, transfer_send(WORKER, "32", request["serial"], on="2022-03-05"))
        settlement = [e for e in stored_events(b, WORKER) if isinstance(e, ev.InterestCredited)][-1]
        assert (settlement.first_month, settlement.last_month, settlement.rate) == ("2022-01", "2022-02", "0.0669")
        # Both read the person as the store has him.
        assert b.get_person(WORKER).version == a.get_person(WORKER).version == len(stored_events(a, WORKER))
        assert broken_links(b, WORKER) == []
    finally:
        a.close()
        b.close()
