"""The synthetic population (loadtests/population): a deterministic, well-formed stream the system accepts.

The end-to-end story feeds a small population (60 persons, 2010-2025) through the application on a simulated
SQLite store and checks that the only refusal is the planted duplicate and that the life events happened."""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain import events as ev
from domain.application import PoolingApplication
from loadtests.population import DEFAULT_UNITS, PLANTED, FeedReport, feed, generate, segments
from standards.calendar import Month
from standards.identifiers import parse_citizen_id
from standards.interchange import parse_message
from standards.policy import load_policy

SERIAL = re.compile(r"^[A-Za-z0-9-]{1,40}$")
SMALL: dict[str, Any] = {"persons": 40, "seed": 3, "first_year": 2014, "last_year": 2025}


def flat(persons: int, **options: Any) -> list[dict[str, Any]]:
    return [message for month in generate(persons, **options) for message in month]


@pytest.fixture(scope="module")
def small() -> list[list[dict[str, Any]]]:
    options = dict(SMALL)
    return list(generate(options.pop("persons"), **options))


# --- the stream itself ------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_stream_and_another_seed_another(small: list[list[dict[str, Any]]]) -> None:
    options = dict(SMALL)
    persons = options.pop("persons")
    assert list(generate(persons, **options)) == small
    options["seed"] = 4
    assert list(generate(persons, **options)) != small


def test_one_list_per_month_in_recorded_order(small: list[list[dict[str, Any]]]) -> None:
    assert len(small) == (2025 - 2014 + 1) * 12
    previous = ""
    for number, month in enumerate(small):
        expected = str(Month(2014, 1).shift(number))
        for message in month:
            # A CST working hour: the UTC date is the recorded (China) date, in the list's month.
            assert message["recorded_at"][:7] == expected
            assert message["recorded_at"] >= previous
            previous = message["recorded_at"]


def test_serials_are_well_formed_and_unique_per_unit(small: list[list[dict[str, Any]]]) -> None:
    seen = Counter((message["unit"], message["serial"]) for month in small for message in month)
    assert all(SERIAL.match(serial) for _, serial in seen)
    assert [key for key, count in seen.items() if count > 1] == []


def test_every_message_parses_and_every_id_is_valid_when_sent(small: list[list[dict[str, Any]]]) -> None:
    persons: dict[str, str] = {}
    for month in small:
        for message in month:
            parsed = parse_message(message)
            assert parsed.type == message["type"]
            if "citizen_id" in message:  # born by the recorded date, check digit right
                parse_citizen_id(message["citizen_id"], today=date.fromisoformat(message["recorded_at"][:10]))
            if message["type"] == "enrollment":
                citizen = parse_citizen_id(message["citizen_id"])
                assert persons.setdefault(citizen.number, message["name"]) == message["name"]
                sixteen = citizen.birth.replace(year=citizen.birth.year + 16, day=min(citizen.birth.day, 28))
                assert date.fromisoformat(message["effective"]) >= sixteen
    assert len(persons) == SMALL["persons"]


def test_some_declared_bases_fall_outside_the_bounds(small: list[list[dict[str, Any]]]) -> None:
    policy = load_policy()
    below = total = 0
    for month in small:
        for message in month:
            if message["type"] == "contribution":
                bounds = policy.base_bounds(message["unit"], int(message["period"][:4]))
                below += message["base_fen"] < bounds.floor_fen
                total += 1
    assert 0.05 < below / total < 0.35  # clamped up, R006 (a few high wages are clamped down too)


def test_a_thousand_persons_have_the_stated_shares() -> None:
    generate(1000, seed=11)  # planning is eager: PLANTED is complete before any month is drawn
    counts = PLANTED["counts"]
    assert 0.04 < counts["transferred"] / 1000 < 0.15
    assert counts["temporary_account"] >= 3
    assert counts["retired_reformed_age"] >= 20 and counts["retired_early"] >= 3
    assert counts["died_contributing"] >= 3 and counts["died_retired"] >= 10
    assert counts["death_recorded_late"] >= 2 and counts["work_injury"] >= 1
    assert counts["corrected"] >= 10 and counts["back_paid"] >= 30


def test_runs_come_at_their_times(small: list[list[dict[str, Any]]]) -> None:
    runs = [m for month in small for m in month if m["type"].endswith("_run")]
    payouts = [m for m in runs if m["type"] == "payout_run"]
    assert len(payouts) == len(small) * len(DEFAULT_UNITS)
    assert {m["serial"] for m in payouts} >= {"PAY-44-2024-05", "PAY-66-2014-01"}
    assert all(m["recorded_at"][:10] == f"{m['month']}-25" for m in payouts)
    interest = {m["year"]: m["recorded_at"][:7] for m in runs if m["type"] == "interest_run"}
    assert interest == {year: f"{year + 1}-01" for year in range(2014, 2025)}
    adjustments = {m["year"]: (m["rate"], m["recorded_at"][:7]) for m in runs if m["type"] == "adjustment_run"}
    assert adjustments == {
        2022: ("0.04", "2022-07"),
        2023: ("0.038", "2023-07"),
        2024: ("0.03", "2024-07"),
        2025: ("0.02", "2025-07"),
    }


def test_exactly_one_duplicate_is_planted() -> None:
    messages = flat(**SMALL)
    duplicate = PLANTED["duplicate"]
    copies = [
        m
        for m in messages
        if m["type"] == "contribution"
        and (m["citizen_id"], m["period"]) == (duplicate["citizen_id"], duplicate["period"])
    ]
    assert [m["serial"] for m in copies] == [duplicate["original_serial"], duplicate["serial"]]
    assert copies[0]["unit"] == copies[1]["unit"] == duplicate["unit"]
    periods = Counter((m["citizen_id"], m["period"]) for m in messages if m["type"] in ("contribution", "back_payment"))
    corrected = {(c["citizen_id"], c["period"]) for c in PLANTED["corrections"]}
    twice = {key for key, count in periods.items() if count > 1}
    assert twice == corrected | {(duplicate["citizen_id"], duplicate["period"])}


def test_segments_keep_the_order_and_isolate_runs(small: list[list[dict[str, Any]]]) -> None:
    month = small[-1]
    parts = list(segments(month, batch_size=7))
    assert [m for _, part in parts for m in part] == month
    assert all(len(part) == 1 for is_run, part in parts if is_run)
    assert all(
        len(part) <= 7 and not any(m["type"].endswith("_run") for m in part) for is_run, part in parts if not is_run
    )


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"units": ["99"]}, "units"),
        ({"units": []}, "units"),
        ({"first_year": 1990}, "1996"),
        ({"first_year": 2020, "last_year": 2019}, "1996"),
    ],
)
def test_bad_arguments_are_refused(options: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        generate(5, **options)


# --- end to end through the application -------------------------------------------------------------------
@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> tuple[PoolingApplication, FeedReport, dict[str, Any]]:
    path: Path = tmp_path_factory.mktemp("population") / "p.sqlite"
    app = PoolingApplication(env={"POOLING_DB": str(path), "POOLING_SIMULATED": "1"})
    months = generate(60, seed=7, first_year=2010, last_year=2025)
    planted = copy.deepcopy(PLANTED)
    return app, feed(app, months), planted


def kinds(app: PoolingApplication, citizen_id: str) -> Counter[str]:
    return Counter(event.kind for event in app.events_of(citizen_id))


def test_the_only_refusal_is_the_planted_duplicate(fed: tuple[PoolingApplication, FeedReport, dict[str, Any]]) -> None:
    _, report, planted = fed
    refused = [(r.code, r.message["serial"]) for r in report.refusals]
    assert refused == [("R002", planted["duplicate"]["serial"])]
    assert report.run_refusals == Counter()
    assert report.applied == report.messages - 1


def test_retirements_payouts_and_certifications(fed: tuple[PoolingApplication, FeedReport, dict[str, Any]]) -> None:
    app, _, planted = fed
    retired = planted["examples"]["retired"]
    assert len(retired) >= 10
    for citizen_id in retired:
        events = kinds(app, citizen_id)
        assert events["BenefitDetermined"] == 1
        (determined,) = [e for e in app.events_of(citizen_id) if isinstance(e, ev.BenefitDetermined)]
        if determined.retirement < "2025-12":  # the first benefit month M + 1 falls in the window
            assert events["PensionPaid"] >= 1 or events["DeathRecorded"]
    reformed = planted["examples"]["retired_reformed_age"]
    assert reformed, "someone retires at a reformed age in 2025"
    assert all(kinds(app, cid)["BenefitDetermined"] for cid in reformed)
    assert planted["examples"]["retired_late"], "someone keeps contributing to reach the minimum months"


def test_transfers_and_temporary_accounts(fed: tuple[PoolingApplication, FeedReport, dict[str, Any]]) -> None:
    app, _, planted = fed
    assert planted["examples"]["transferred"]
    for citizen_id in planted["examples"]["transferred"]:
        events = kinds(app, citizen_id)
        assert events["TransferRequested"] >= 1 and events["TransferSent"] >= 1 and events["TransferReceived"] >= 1
    for citizen_id in planted["examples"]["temporary_account"]:
        enrollments = [e for e in app.events_of(citizen_id) if e.kind == "Enrolled"]
        assert any(getattr(e, "temporary", False) for e in enrollments)


def test_deaths_inheritance_and_the_late_death(fed: tuple[PoolingApplication, FeedReport, dict[str, Any]]) -> None:
    app, _, planted = fed
    late = planted["late_death"]
    events = kinds(app, late["citizen_id"])
    assert events["DeathRecorded"] == 1
    assert events["OverpaymentIdentified"] == len(late["overpaid_months"])  # one per overpaid payout run
    assert events["AccountInherited"] == 1
    if "recovery" in late:
        assert events["OverpaymentRecovered"] == 1
    for citizen_id in planted["examples"]["died_retired"] + planted["examples"]["died_contributing"]:
        assert kinds(app, citizen_id)["DeathRecorded"] == 1


def test_corrections_and_back_payments(fed: tuple[PoolingApplication, FeedReport, dict[str, Any]]) -> None:
    app, report, planted = fed
    assert report.types["correction"] == len(planted["corrections"]) >= 1
    for correction in planted["corrections"]:
        assert kinds(app, correction["citizen_id"])["Reversed"] >= 1
    assert all(kinds(app, cid)["BackPaymentPaid"] >= 1 for cid in planted["examples"]["back_paid"])
