"""Concurrent writers on one person: optimistic concurrency by stream version, never a lost update."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

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
from test_faults_support import wait_until

from domain import events as ev
from domain.application import PoolingApplication
from domain.errors import DomainError
from domain.person import person_id
from standards.calendar import Month, months_between
from standards.interchange import parse_message

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


def test_concurrent_submissions_are_committed_together_each_answered_as_if_alone(
    simulated_env: dict[str, str],
) -> None:
    """Group commit: what arrives while a transaction is written goes into the next one, in arrival order."""
    app = PoolingApplication(env=simulated_env)
    people = [citizen_id("1990-01-01", region="440306", sequence=f"{n:03d}") for n in range(1, 9)]
    sent = [enroll(person, "44", "2021-01-04", serial=f"44-group-{n}") for n, person in enumerate(people)]
    sent.append(dict(sent[0]))  # a resend inside the same group: replayed
    sent.append({**sent[1], "name": "另一个人"})  # the same serial with another body: serial_reused
    transactions = []
    insert = app.recorder.insert_events

    def counting(stored_events: Any, **kwargs: Any) -> Any:
        transactions.append(len(kwargs.get("commands") or ()))
        return insert(stored_events, **kwargs)

    app.recorder.insert_events = counting  # type: ignore[method-assign]
    results: dict[int, Any] = {}
    try:
        with app._lock:  # a transaction is being written: everyone queues behind it
            threads = []
            for index, message in enumerate(sent):
                parsed = parse_message(message)

                def send(index: int = index, parsed: Any = parsed) -> None:
                    try:
                        results[index] = app.submit_grouped(parsed, issued_by=f"province:44:{index}")
                    except DomainError as error:
                        results[index] = error

                threads.append(threading.Thread(target=send))
                threads[-1].start()
                wait_until(lambda count=index + 1: len(app._waiting) == count, timeout=10, what="queued")
        for thread in threads:
            thread.join(10)
        assert transactions == [8]  # one transaction for the whole group
        assert [results[i]["status"] for i in range(8)] == ["applied"] * 8
        assert results[8]["status"] == "replayed" and results[8]["events"] == results[0]["events"]
        assert isinstance(results[9], DomainError) and results[9].code.value == "serial_reused"
        row = app.command("44", "44-group-3")
        assert row is not None and row.issued_by == "province:44:3"
    finally:
        app.close()


def test_a_batch_reads_its_persons_not_in_the_cache_in_one_query_and_applies_to_them_as_stored(
    simulated_env: dict[str, str],
) -> None:
    people = [citizen_id("1980-05-20", sequence=f"{n:03d}") for n in range(101, 111, 2)]
    first = PoolingApplication(env=simulated_env)
    apply_all(first, [enroll(person, "32", "2024-01-02") for person in people])
    apply_all(first, [contribute(person, "32", "2024-01", 600000) for person in people])
    first.close()
    again = PoolingApplication(env=simulated_env)  # nothing cached: every person is read from the store
    streams, single = [], []
    select_streams, select_events = again.recorder.select_streams, again.recorder.select_events  # type: ignore[attr-defined]

    def counting_streams(ids: Any) -> Any:
        streams.append(list(ids))
        return select_streams(ids)

    def counting_events(originator_id: Any, **kwargs: Any) -> Any:
        single.append(originator_id)
        return select_events(originator_id, **kwargs)

    again.recorder.select_streams = counting_streams  # type: ignore[attr-defined]
    again.recorder.select_events = counting_events  # type: ignore[method-assign]
    newcomer = citizen_id("1981-03-04", sequence="113")
    outcomes = again.submit_batch(
        [contribute(person, "32", "2024-02", 600000) for person in people]
        + [
            enroll(newcomer, "32", "2024-02-03", on="2024-02-20"),
            enroll(people[0], "32", "2024-02-03", on="2024-02-20", serial="again"),
        ]
    )
    assert [len(ids) for ids in streams] == [len(people) + 1]
    # Read alone: only the refused message's person, whose rollback reads it again as stored.
    assert set(single) & {person_id(person) for person in [*people, newcomer]} == {person_id(people[0])}
    assert [o if isinstance(o, DomainError) else o["status"] for o in outcomes[:-1]] == ["applied"] * (len(people) + 1)
    assert isinstance(outcomes[-1], DomainError)  # enrolled already: the prefetched person was found, not None
    for person in people:
        paid = [e for e in stored_events(again, person) if isinstance(e, ev.ContributionPaid)]
        assert [e.period for e in paid] == ["2024-01", "2024-02"]
    assert [type(e).__name__ for e in stored_events(again, newcomer)] == ["PersonRegistered", "Enrolled"]
    again.close()


def test_a_run_reads_each_chunk_of_persons_not_in_the_cache_in_one_query(simulated_env: dict[str, str]) -> None:
    people = [citizen_id("1979-04-11", sequence=f"{n:03d}") for n in range(201, 213, 2)]
    first = PoolingApplication(env=simulated_env)
    apply_all(first, [enroll(person, "32", "2021-01-04") for person in people])
    apply_all(first, [contribute(person, "32", "2021-03", 600000) for person in people])
    first.close()
    again = PoolingApplication(env=simulated_env)  # nothing cached
    streams: list[list[Any]] = []
    select_streams = again.recorder.select_streams  # type: ignore[attr-defined]

    def counting(ids: Any) -> Any:
        streams.append(list(ids))
        return select_streams(ids)

    again.recorder.select_streams = counting  # type: ignore[attr-defined]
    answer = apply(again, interest_run(2021, on="2022-01-10"))
    assert answer["summary"]["persons"] == len(people)
    assert [sorted(ids) for ids in streams] == [sorted(person_id(person) for person in people)]
    for person in people:
        credited = [e for e in stored_events(again, person) if isinstance(e, ev.InterestCredited)]
        assert len(credited) == 1 and credited[0].interest_fen > 0
    again.close()
