"""Projections: dossier as of D and as known at T, ledgers that balance, restartable batched runners."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from scenarios import GUANGDONG_MAN, MS_LIN, combined, combined_application
from view_checks import (
    assert_every_event_balances,
    assert_funds_reconcile,
    assert_national_is_the_sum,
    assert_stored_dossier_is_the_fold,
)

from domain import events as ev
from domain.application import PoolingApplication
from domain.clock import end_of_day
from projections.dossier import fold
from projections.queries import Projections
from standards.calendar import Month


@pytest.fixture
def app(simulated_env: dict[str, str]) -> PoolingApplication:
    return combined_application(simulated_env)


def known(day: str) -> datetime:
    return end_of_day(date.fromisoformat(day))


def test_ms_lin_bitemporal_table(app: PoolingApplication) -> None:
    # DOMAIN §12.2: the back-payment recorded 2024-02-10 restores the months in every view known after it,
    # but the money (444.00 × 3 to the account) is effective only from the payment date.
    projections = Projections(app)
    rows = [
        ("2023-12-31", "2024-01-31", 9, [["2023-03", "2023-05"]], 0),
        ("2023-12-31", "2024-03-01", 12, [], 0),
        ("2024-03-01", "2024-01-31", 9, [["2023-03", "2023-05"]], 0),
        ("2024-03-01", "2024-03-01", 12, [], 133_200),
    ]
    for as_of, as_known_at, months_2023, gaps, back_paid in rows:
        dossier = projections.dossier(MS_LIN, date.fromisoformat(as_of), known(as_known_at))
        periods = [e["period"] for e in dossier["events"] if e.get("period", "").startswith("2023")]
        assert len(periods) == months_2023, (as_of, as_known_at)
        assert [g for g in dossier["gaps"] if g[0].startswith("2023")] == gaps
        flows = sum(e["account"] for e in _back_payment_flows(app, as_known_at) if e["paid_on"] <= as_of)
        assert flows == back_paid


def _back_payment_flows(app: PoolingApplication, as_known_at: str) -> list[dict[str, object]]:
    state = fold(app.events_of(MS_LIN), known(as_known_at))
    return [
        {"account": e.account_fen, "paid_on": e.effective}
        for e in state.living_events
        if isinstance(e, ev.BackPaymentPaid)
    ]


def test_guangdong_man_dossier_before_and_after_the_transfer(app: PoolingApplication) -> None:
    projections = Projections(app)
    # DOMAIN §4.5: 4,973.94 at 2021-12-31 (the 2021 interest 173.94 credited on that date by the 2022 run).
    end_2021 = projections.dossier(GUANGDONG_MAN, date(2021, 12, 31))
    assert end_2021["account_balance_fen"] == 497_394
    assert end_2021["months_by_unit"] == {"44": 12}
    assert end_2021["status"] == "contributing" and end_2021["insured_unit"] == "44"
    # §5.3: after the transfer the whole account, 13,993.23, sits in 32.
    after = projections.dossier(GUANGDONG_MAN, date(2023, 8, 31))
    assert after["account_balance_fen"] == 1_399_323
    assert after["sub_ledgers"] == {"32": 1_399_323, "44": 0}
    assert after["months_by_unit"] == {"44": 30} and after["relation_unit"] == "32"


def test_every_event_balances_within_each_unit(app: PoolingApplication) -> None:
    assert_every_event_balances(app.events_of(citizen) for citizen in (GUANGDONG_MAN, MS_LIN))


def test_transfer_in_transit_between_send_and_receipt_and_national_neutrality(app: PoolingApplication) -> None:
    projections = Projections(app)
    # sent on 2023-07-20, received on 2023-08-02: in transit at the end of July, not at the end of August
    july = projections.ledger(None, Month(2023, 7))
    august = projections.ledger(None, Month(2023, 8))
    assert july["transfer_in_transit_fen"] == 1_399_323 + 1_944_000
    assert august["transfer_in_transit_fen"] == 0
    guangdong = projections.ledger("44", Month(2023, 8))
    jiangsu = projections.ledger("32", Month(2023, 8))
    assert guangdong["accounts"]["exp_transfer_out"] == jiangsu["accounts"]["rev_transfer_in"] == 1_944_000
    for answer in (july, august, guangdong, jiangsu):
        assert answer["debits_fen"] == answer["credits_fen"]
    units = [projections.ledger(unit, Month(2023, 8)) for unit in ("32", "44")]
    assert_national_is_the_sum(august, units)
    assert_funds_reconcile(units)


def test_ledger_as_known_at_replays_only_what_was_recorded(app: PoolingApplication) -> None:
    projections = Projections(app)
    before = projections.ledger("32", None, known("2024-02-09"))
    after = projections.ledger("32", None, known("2024-02-11"))
    assert after["accounts"]["ia_liability"] - before["accounts"]["ia_liability"] >= 133_200
    assert projections.ledger("32", None, known("2030-01-01"))["accounts"] == projections.ledger("32")["accounts"]


def test_dossier_view_equals_the_fold_of_each_stream(app: PoolingApplication) -> None:
    projections = Projections(app)
    projections.catch_up()
    assert_stored_dossier_is_the_fold(app, projections, (GUANGDONG_MAN, MS_LIN))


def _view_rows(projections: Projections) -> dict[str, list[dict[str, object]]]:
    with projections.runner.db.transaction(commit=False) as cursor:
        tables = {}
        for table, order in (
            ("dossier_view", "person_id"),
            ("ledger_view", "unit, account, month"),
            ("ledger_transit_view", "month"),
            ("risk_facts_view", "person_id"),
        ):
            cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")
            tables[table] = cursor.fetchall()
    return tables


def test_kill_and_resume_equals_a_clean_rebuild(simulated_env: dict[str, str]) -> None:
    app = PoolingApplication(env=simulated_env)
    for message in combined():
        app.submit(message)
    # a runner stopped after three small batches, then a new runner (a restarted process) carries on
    first = Projections(app, batch_size=7)
    first.runner.run(limit=3)
    assert 0 < first.runner.positions()["dossiers"] < first.runner.head()
    Projections(app, batch_size=13).catch_up()
    resumed = _view_rows(Projections(app))
    clean = Projections(app, batch_size=1000)
    for name in ("dossiers", "ledgers"):
        clean.runner.rebuild(name)
    assert _view_rows(clean) == resumed


def test_rebuild_equals_incremental(simulated_env: dict[str, str]) -> None:
    app = PoolingApplication(env=simulated_env)
    projections = Projections(app, batch_size=50)
    for message in combined():
        app.submit(message)
        if message["serial"].endswith("06"):
            projections.catch_up()  # incremental: caught up while the history is being written
    projections.catch_up()
    incremental = _view_rows(projections)
    for name in ("dossiers", "ledgers"):
        projections.runner.rebuild(name)
    assert _view_rows(projections) == incremental


def test_two_runners_at_once_fold_each_event_once(simulated_env: dict[str, str]) -> None:
    import threading

    app = PoolingApplication(env=simulated_env)
    for message in combined():
        app.submit(message)
    # two processes' worth of runners (separate applications and connections), racing with small batches
    runners = [Projections(PoolingApplication(env=simulated_env), batch_size=5) for _ in range(2)]
    threads = [threading.Thread(target=runner.catch_up) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    raced = _view_rows(runners[0])
    clean = Projections(app)
    for name in ("dossiers", "ledgers"):
        clean.runner.rebuild(name)
    assert _view_rows(clean) == raced


def test_status_shows_position_lag_the_last_catch_up_speed_and_the_dossiers_waiting(
    simulated_env: dict[str, str],
) -> None:
    app = PoolingApplication(env=simulated_env)
    for message in combined()[:20]:
        app.submit(message)
    projections = Projections(app)
    before = projections.status()
    assert before["dossiers"] == {"position": 0, "lag": before["head"], "events_per_second": 0, "waiting": 0}
    Projections(app, batch_size=5).runner.run(limit=1)  # a full batch: behind the head, its dossiers wait
    behind = projections.status()
    assert behind["dossiers"]["position"] == 5 and behind["dossiers"]["waiting"] > 0
    assert behind["ledgers"]["waiting"] == 0
    projections.catch_up()
    after = projections.status()
    assert after["dossiers"]["lag"] == 0 and after["dossiers"]["events_per_second"] > 0
    assert after["dossiers"]["waiting"] == 0
