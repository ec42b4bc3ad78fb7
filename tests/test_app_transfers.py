"""The cross-province transfer in three steps (DOMAIN.md §5), with the worked example of §4.5 and §5.3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_helpers import (
    apply,
    apply_all,
    contributions,
    correct,
    enroll,
    interest_run,
    kinds,
    refuse,
    suspend,
    transfer_receive,
    transfer_request,
    transfer_send,
    version,
    yuan,
)

from domain import events as ev
from domain.application import PoolingApplication

MAN = "440306197901010037"  # §4.5: hukou 44, insured in 广东 from 2021-01


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def insured_in_guangdong_until_june_2023(app: PoolingApplication) -> None:
    """§4.5: bases 5,000.00 (2021), 5,500.00 (2022), 6,000.00 (2023 Jan-Jun); runs for 2021 and 2022."""
    apply(app, enroll(MAN, "44", "2021-01-04", hukou_unit="44"))
    apply_all(app, contributions(MAN, "44", "2021-01", "2021-12", yuan("5,000.00")))
    apply(app, interest_run(2021, on="2022-01-10"))
    apply_all(app, contributions(MAN, "44", "2022-01", "2022-12", yuan("5,500.00")))
    apply(app, interest_run(2022, on="2023-01-10"))
    apply_all(app, contributions(MAN, "44", "2023-01", "2023-06", yuan("6,000.00")))


def test_the_transfer_from_guangdong_to_jiangsu_moves_the_worked_example_amounts(app: PoolingApplication) -> None:
    insured_in_guangdong_until_june_2023(app)
    # He leaves 广东 and enrolls in 江苏 (32) in 2023-07, aged 44: the relation moves to 32.
    apply(app, suspend(MAN, "44", "2023-07-01"))
    assert apply(app, enroll(MAN, "32", "2023-07-03", hukou_unit="44"))["relation_unit"] == "32"

    # Step 1: 32, the relation unit, requests the transfer from 44.
    request = transfer_request(MAN, "32", "44", on="2023-07-05")
    assert apply(app, request)["events"] == ["TransferRequested"]
    before = version(app, MAN)

    # Step 2: 44 sends on 2023-07-20 (s = 7), before the 2023 run: the latest run's rate (2022) applies.
    sent = apply(app, transfer_send(MAN, "44", request["serial"], on="2023-07-20"))

    assert kinds(app, MAN, before) == ["InterestCredited", "TransferSent"]
    settlement, transfer = app.events_of(MAN)[before:]
    assert isinstance(settlement, ev.InterestCredited) and isinstance(transfer, ev.TransferSent)
    # Σ E(1..6) = 6 × 10,733.38 + 480 × 21 = 74,480.28; × 6.12 % / 12 = 379.849428 → 379.85.
    assert (settlement.first_month, settlement.last_month, settlement.rate) == ("2023-01", "2023-06", "0.0612")
    assert (settlement.interest_fen, settlement.effective, settlement.fallback) == (yuan("379.85"), "2023-07-20", True)
    # Account moved: 10,733.38 + 2,880.00 + 379.85 = 13,993.23; pooled 12 % × 162,000.00 = 19,440.00.
    assert (transfer.account_fen, transfer.pooled_fen) == (yuan("13,993.23"), yuan("19,440.00"))
    assert (transfer.months, transfer.bases_fen) == (30, yuan("162,000.00"))
    assert sent["transfers"] == [
        {
            "from_unit": "44",
            "to_unit": "32",
            "account_fen": yuan("13,993.23"),
            "pooled_fen": yuan("19,440.00"),
            "total_fen": yuan("33,433.23"),
        }
    ]
    # In transit: the person's balance includes the amount sent and not yet received.
    state = app.get_person(MAN).state
    assert state.ledgers["44"].balance_fen == 0 and state.account_balance_fen() == yuan("13,993.23")
    assert [t.status for t in state.transfers.values()] == ["sent"]

    # Step 3: 32 receives the same amounts; 44's months are now held by 32, still paid in 44.
    received = apply(app, transfer_receive(MAN, "32", request["serial"], on="2023-07-28"))

    assert received["events"] == ["TransferReceived"]
    assert (received["account_fen"], received["pooled_fen"]) == (yuan("13,993.23"), yuan("19,440.00"))
    state = app.get_person(MAN).state
    assert [t.status for t in state.transfers.values()] == ["received"]
    assert {(p.unit, p.held_by) for p in state.payments.values()} == {("44", "32")}
    assert state.months_paid_by_unit() == {"44": 30}


def test_a_transfer_needs_something_to_move_and_the_relation_unit(app: PoolingApplication) -> None:
    insured_in_guangdong_until_june_2023(app)
    apply(app, suspend(MAN, "44", "2023-07-01"))
    apply(app, enroll(MAN, "32", "2023-07-03", hukou_unit="44"))

    # A unit that holds nothing of him (R009), and a request by a unit that is not R (R012).
    refuse(app, transfer_request(MAN, "32", "11", on="2023-07-05"), "rule_violation", "R009")
    refuse(app, transfer_request(MAN, "11", "44", on="2023-07-05"), "rule_violation", "R012")
    # At most one open transfer per (A, B): a second request is R009.
    request = transfer_request(MAN, "32", "44", on="2023-07-05")
    apply(app, request)
    refuse(app, transfer_request(MAN, "32", "44", on="2023-07-06"), "rule_violation", "R009")
    # Only the requested sending unit can send, and only the receiving unit can receive, a known request.
    refuse(app, transfer_send(MAN, "44", "32-NO-SUCH-REQUEST", on="2023-07-10"), "unknown_transfer")
    refuse(app, transfer_send(MAN, "11", request["serial"], on="2023-07-10"), "unknown_transfer")
    refuse(app, transfer_receive(MAN, "32", request["serial"], on="2023-07-10"), "rule_violation", "R009")
    # Sent, the transfer cannot be sent twice nor corrected (R014: never in v1).
    send = transfer_send(MAN, "44", request["serial"], on="2023-07-20")
    apply(app, send)
    refuse(app, transfer_send(MAN, "44", request["serial"], on="2023-07-21"), "rule_violation", "R009")
    refuse(app, correct(MAN, "44", send["serial"], on="2023-07-21"), "rule_violation", "R014")
    # Nor can the request be corrected any more once sent.
    refuse(app, correct(MAN, "32", request["serial"], on="2023-07-21"), "rule_violation", "R014")


def test_an_unsent_transfer_request_can_be_corrected(app: PoolingApplication) -> None:
    insured_in_guangdong_until_june_2023(app)
    apply(app, suspend(MAN, "44", "2023-07-01"))
    apply(app, enroll(MAN, "32", "2023-07-03", hukou_unit="44"))
    request = transfer_request(MAN, "32", "44", on="2023-07-05")
    apply(app, request)

    assert apply(app, correct(MAN, "32", request["serial"], on="2023-07-06"))["events"] == ["Reversed"]

    # The request is gone: the sending unit no longer finds it, and a new one may be made.
    refuse(app, transfer_send(MAN, "44", request["serial"], on="2023-07-07"), "unknown_transfer")
    apply(app, transfer_request(MAN, "32", "44", on="2023-07-07"))
