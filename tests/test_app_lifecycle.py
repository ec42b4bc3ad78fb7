"""A whole working life, from enrollment to inheritance, and the hash chain that makes the stream tamper-evident.

The story is §8.5's man (born 1965-03-15, hukou 32) with bases chosen so every month's index is 1: in 广东 from
1995-04 with 60 deemed months, transferred to 江苏 in 2010, retired in 2025-04, dead on 2025-09-10 (recorded
2025-11-15, after two more payouts), his account inherited in December (§9.6)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from fractions import Fraction
from itertools import groupby
from typing import Any

import orjson
import psycopg
import pytest
from app_helpers import (
    HE,
    apply,
    apply_all,
    broken_links,
    certify,
    contribute,
    contributions,
    death,
    enroll,
    interest_run,
    kinds,
    payout_run,
    retire,
    stored_events,
    suspend,
    transfer_receive,
    transfer_request,
    transfer_send,
)

from domain import events as ev
from domain.application import PoolingApplication
from domain.hashing import chain_hash
from domain.person import person_id
from domain.stores.encoding import StateCompressor, decode_state
from standards.codes import PersonStatus
from standards.rounding import to_fen


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def runs_of(app: PoolingApplication) -> list[tuple[str, int]]:
    """The stream's event kinds in order, consecutive repeats counted: [("ContributionPaid", 9), …]."""
    return [(kind, len(list(group))) for kind, group in groupby(kinds(app, HE))]


def live_a_working_life(app: PoolingApplication) -> None:
    rw32 = app.policy.reference_wage_fen
    # 1995-04: 广东 enrolls him with 60 deemed months (1990-04…1995-03); the account opens in 1995-04.
    apply(app, enroll(HE, "44", "1995-04-03", deemed_months=60, account_opened="1995-04", hukou_unit="32"))
    # 180 months in 广东, 1995-04…2010-03, each on 江苏's reference wage of its year (within 44's bounds).
    for year in range(1995, 2011):
        first, last = ("1995-04" if year == 1995 else f"{year}-01"), ("2010-03" if year == 2010 else f"{year}-12")
        apply_all(app, contributions(HE, "44", first, last, rw32("32", year)))
    # 2010-04, aged 45: he moves to 江苏; 32 becomes R and asks 44 for the transfer.
    apply(app, suspend(HE, "44", "2010-03-31"))
    apply(app, enroll(HE, "32", "2010-04-01", hukou_unit="32"))
    request = transfer_request(HE, "32", "44", on="2010-04-06")
    apply(app, request)
    apply(app, transfer_send(HE, "44", request["serial"], on="2010-04-08"))
    apply(app, transfer_receive(HE, "32", request["serial"], on="2010-04-12"))
    # 180 months in 江苏, 2010-04…2025-03; the ministry's interest runs are recorded from 2017 (for 2016).
    for year in range(2010, 2026):
        if year >= 2017:
            apply(app, interest_run(year - 1, on=f"{year}-01-10"))
        first, last = ("2010-04" if year == 2010 else f"{year}-01"), ("2025-03" if year == 2025 else f"{year}-12")
        apply_all(app, contributions(HE, "32", first, last, rw32("32", year)))
    # Retirement in 2025-04 by 32 (P = R = H), certification, payouts May-November.
    apply(app, retire(HE, "32", "2025-04", on="2025-04-10"))
    for month in range(5, 12):
        apply(app, payout_run("32", f"2025-{month:02d}"))
        if month == 6:
            apply(app, certify(HE, "32", "2025-06-20"))
    # Died 2025-09-10, recorded 2025-11-15; December's run pays the survivors and the heirs.
    apply(app, death(HE, "32", "2025-09-10", on="2025-11-15"))
    apply(app, payout_run("32", "2025-12"))


def test_a_whole_working_life_from_enrollment_to_inheritance(app: PoolingApplication) -> None:
    live_a_working_life(app)

    # The stream, in order.
    assert runs_of(app) == [
        ("PersonRegistered", 1),
        ("Enrolled", 1),
        ("ContributionPaid", 180),
        ("ContributionSuspended", 1),
        ("Enrolled", 1),
        ("TransferRequested", 1),
        # The send settles 44's sub-ledger: one InterestCredited per year 1995…2009 and one for 2010-01…03.
        ("InterestCredited", 16),
        ("TransferSent", 1),
        ("TransferReceived", 1),
        ("ContributionPaid", 81),  # 2010-04…2016-12
        ("InterestCredited", 7),  # the 2016 run credits 2010…2016 on 32's sub-ledger
        *[("ContributionPaid", 12), ("InterestCredited", 1)] * 8,  # 2017…2024, each with its run
        ("ContributionPaid", 3),  # 2025-01…03
        ("InterestCredited", 1),  # the retirement settles 2025-01…03
        ("BenefitDetermined", 1),
        ("PensionPaid", 2),
        ("QualificationCertified", 1),
        ("PensionPaid", 5),
        ("DeathRecorded", 1),
        ("OverpaymentIdentified", 2),  # the October and November payouts (R101)
        ("InterestCredited", 1),  # the death settles 2025-04…08
        ("SurvivorBenefitPaid", 1),
        ("AccountInherited", 1),
    ]
    events = app.events_of(HE)
    interest = [e for e in events if isinstance(e, ev.InterestCredited)]
    paid = [e for e in events if isinstance(e, ev.ContributionPaid)]

    # The transfer: 44's whole sub-ledger with its interest, and 12 % of the bases from 1998-01.
    sent = next(e for e in events if isinstance(e, ev.TransferSent))
    in_44 = [p for p in paid if p.unit == "44"]
    assert sent.account_fen == sum(p.account_fen for p in in_44) + sum(
        i.interest_fen for i in interest if i.ledger == "44"
    )
    assert sent.pooled_fen == to_fen(Fraction(12, 100) * sum(p.base_fen for p in in_44 if p.period >= "1998-01"))
    assert all(i.rate == "0.03" for i in interest if i.year < 2016)  # the Illustrative pre-2016 rate

    # The benefit: 360 actual + 60 deemed months = 35 years; every index 1: Z = 1.0000, IW = W = 9,876.00.
    benefit = next(e for e in events if isinstance(e, ev.BenefitDetermined))
    assert (benefit.actual_months, benefit.deemed_months, benefit.average_index) == (360, 60, "1.0000")
    assert (benefit.calc_base_fen, benefit.indexed_wage_fen, benefit.divisor) == (987600, 987600, "138.4")
    assert benefit.basic_fen == 345660  # (9,876.00 + 9,876.00) / 2 × 35 × 1 % = 3,456.60
    assert benefit.transitional_fen == 59256  # 9,876.00 × 60 / 12 × 1.2 % = 592.56
    account_at_retirement = sum(p.account_fen for p in paid) + sum(
        i.interest_fen for i in interest if i.effective_date <= date(2025, 4, 30)
    )
    assert benefit.account_balance_fen == account_at_retirement

    # The end: the inheritance is the balance at retirement, less five months' account parts, plus the death
    # settlement interest; the two overpaid months are offset against it; the survivors get 79,008.00.
    death_interest = interest[-1]
    inherited = events[-1]
    assert isinstance(inherited, ev.AccountInherited)
    assert inherited.inheritable_fen == account_at_retirement - 5 * benefit.account_fen + death_interest.interest_fen
    assert inherited.offset_fen == 2 * benefit.total_fen
    survivors = events[-2]
    assert isinstance(survivors, ev.SurvivorBenefitPaid)
    assert survivors.funeral_fen + survivors.survivor_fen == 7900800
    state = app.get_person(HE).state
    assert state.months_paid_by_unit() == {"44": 180, "32": 180}
    assert state.account_balance_fen() == 0 and state.receivable_fen == 0
    assert state.status_on(date(2025, 12, 31)) == PersonStatus.TERMINATED
    assert state.status_on(date(2025, 8, 31)) == PersonStatus.RETIRED
    assert state.status_on(date(2010, 4, 2)) == PersonStatus.CONTRIBUTING

    # Every event's hash is SHA-256(previous hash ‖ canonical event): the chain verifies from the store.
    assert broken_links(app, HE) == []


# --- tampering with the store ---------------------------------------------------------------------------
def rewrite_stored_event(env: dict[str, str], citizen_id: str, version: int, change: Callable[[Any], None]) -> None:
    """Alter one stored event's JSON state with plain SQL, behind the application's back."""
    stream = person_id(citizen_id)
    if env["PERSISTENCE_MODULE"].endswith("sqlite"):
        with sqlite3.connect(env["POOLING_DB"]) as connection:
            (table,) = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%originator_version%'"
            ).fetchone()
            key = (stream.hex, version)
            (state,) = connection.execute(
                f"SELECT state FROM {table} WHERE originator_id = ? AND originator_version = ?", key
            ).fetchone()
            document = orjson.loads(decode_state(state))
            change(document)
            connection.execute(
                f"UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
                (StateCompressor().compress(orjson.dumps(document)), *key),
            )
        return
    with psycopg.connect(
        host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"], dbname=env["POSTGRES_DBNAME"]
    ) as connection:
        (table,) = connection.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'originator_version' AND table_name LIKE '%events'"
        ).fetchone()  # type: ignore[misc]
        (state,) = connection.execute(
            f"SELECT state FROM {table} WHERE originator_id = %s AND originator_version = %s", (stream, version)
        ).fetchone()  # type: ignore[misc]
        document = orjson.loads(decode_state(state))
        change(document)
        connection.execute(
            f"UPDATE {table} SET state = %s WHERE originator_id = %s AND originator_version = %s",
            (StateCompressor().compress(orjson.dumps(document)), stream, version),
        )


def test_an_event_altered_in_the_store_breaks_the_chain(app: PoolingApplication, simulated_env: dict[str, str]) -> None:
    apply(app, enroll(HE, "32", "2025-01-02"))
    apply_all(app, contributions(HE, "32", "2025-01", "2025-03", 600000))
    apply(app, contribute(HE, "32", "2025-04", 600000))
    assert broken_links(app, HE) == []
    january = next(e for e in stored_events(app, HE) if isinstance(e, ev.ContributionPaid))
    version = january.originator_version

    # Someone with database access raises January's account part by plain SQL.
    def raise_the_account_part(document: dict[str, Any]) -> None:
        document["account_fen"] += 100000

    rewrite_stored_event(simulated_env, HE, version, raise_the_account_part)

    # The store now says 1,480.00, but the event's hash no longer matches its content: that link is broken.
    assert stored_events(app, HE)[version - 1].account_fen == 48000 + 100000
    assert broken_links(app, HE) == [version]


def test_an_altered_event_with_a_recomputed_hash_breaks_the_next_link(
    app: PoolingApplication, simulated_env: dict[str, str]
) -> None:
    apply(app, enroll(HE, "32", "2025-01-02"))
    apply_all(app, contributions(HE, "32", "2025-01", "2025-03", 600000))
    version = 3  # January's ContributionPaid
    previous = stored_events(app, HE)[version - 2].hash

    # A smarter forger also recomputes the altered event's own hash…
    def forge(document: dict[str, Any]) -> None:
        document["account_fen"] = 0
        fields = {k: v for k, v in document.items() if k != "hash"}  # the timestamp is ISO text already
        document["hash"] = chain_hash(previous, person_id(HE), version, "ContributionPaid", fields)

    rewrite_stored_event(simulated_env, HE, version, forge)

    # …but the next event was chained to the original hash: the forgery shows at the next link.
    assert broken_links(app, HE) == [version + 1]
