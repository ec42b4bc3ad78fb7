"""Retirement: the benefit and its components, the place of benefit, the retirement window (DOMAIN.md §6-§8)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import pytest
from app_helpers import (
    HE,
    apply,
    apply_all,
    back_pay,
    citizen_id,
    contribute,
    contributions,
    correct,
    enroll,
    insured_in_jiangsu_until_march_2025,
    kinds,
    payout_run,
    refuse,
    retire,
    suspend,
    transfer_receive,
    transfer_request,
    transfer_send,
    version,
    yuan,
)

from domain import events as ev
from domain.application import PoolingApplication
from standards.rounding import to_fen


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def test_the_benefit_is_determined_with_its_components(app: PoolingApplication) -> None:
    insured_in_jiangsu_until_march_2025(app)
    before = version(app, HE)

    # 32 sends the retirement in April 2025: M = LM = 2025-04 (born 1965-03, legal age 60 years 1 month).
    answer = apply(app, retire(HE, "32", "2025-04", on="2025-04-10"))

    # The settlement credits 2025-01..03 at the latest run's rate, then the benefit is determined.
    assert kinds(app, HE, before) == ["InterestCredited", "BenefitDetermined"]
    settlement, determined = app.events_of(HE)[before:]
    assert isinstance(settlement, ev.InterestCredited) and isinstance(determined, ev.BenefitDetermined)
    assert (settlement.year, settlement.last_month, settlement.rate) == (2025, "2025-03", "0.0262")
    # R = 32 = H: P = 32 by rule (1). W = RW(32, 2025) = 9,876.00. Every month at RW: Z = 1.0000, IW = W.
    assert (determined.benefit_unit, determined.place_rule) == ("32", 1)
    assert (determined.calc_base_fen, determined.average_index, determined.indexed_wage_fen) == (
        987600,
        "1.0000",
        987600,
    )
    assert (determined.actual_months, determined.deemed_months, determined.age_months) == (120, 60, 721)
    # basic = (W + IW) / 2 × 15 years × 1 % = 1,481.40; transitional = IW × 60 / 12 × 1.2 % = 592.56.
    assert determined.basic_fen == yuan("1,481.40")
    assert determined.transitional_fen == yuan("592.56")
    # account = ROUND(balance at retirement incl. settlement interest / 138.4) (60y1m → 138.4).
    balance = app.get_person(HE).state.account_balance_fen()
    assert determined.account_balance_fen == balance
    assert determined.divisor == "138.4"
    assert determined.account_fen == to_fen(Fraction(balance) / Fraction("138.4"))
    total = determined.basic_fen + determined.account_fen + determined.transitional_fen
    assert determined.total_fen == total and determined.effective == "2025-04-30"
    assert answer["benefit"] == {
        "basic_fen": determined.basic_fen,
        "account_fen": determined.account_fen,
        "transitional_fen": determined.transitional_fen,
        "total_fen": total,
        "benefit_unit": "32",
        "average_index": "1.0000",
        "divisor": "138.4",
        "contribution_months": 180,
        "first_benefit_month": "2025-05",
    }


def test_the_retirement_must_come_from_the_place_of_benefit_at_the_legal_month(app: PoolingApplication) -> None:
    insured_in_jiangsu_until_march_2025(app)

    # Another unit (R013); a month before the legal month without early_months (R007); M in the future (R015).
    refuse(app, retire(HE, "44", "2025-04", on="2025-04-10"), "rule_violation", "R013")
    refuse(app, retire(HE, "32", "2025-03", on="2025-04-10"), "rule_violation", "R007")
    # §15.1 order: a wrong month from a wrong unit is R013 first; a future month from a wrong unit is R015.
    refuse(app, retire(HE, "44", "2025-03", on="2025-04-10"), "rule_violation", "R013")
    refuse(app, retire(HE, "44", "2025-05", on="2025-04-10", late_months=1), "rule_violation", "R015")
    refuse(app, retire(HE, "32", "2025-05", on="2025-04-10", late_months=1), "rule_violation", "R015")
    # Early retirement never goes below the original age 60 (720 months): 3 months early is 59y10m → R007.
    refuse(app, retire(HE, "32", "2025-01", on="2025-04-10", early_months=3), "rule_violation", "R007")

    apply(app, retire(HE, "32", "2025-04", on="2025-04-10"))
    # After the determination: a second retirement (R005), a contribution (R005), a transfer (R009).
    refuse(app, retire(HE, "32", "2025-04", on="2025-04-11"), "rule_violation", "R005")
    refuse(app, contribute(HE, "32", "2025-04", 987600, on="2025-04-11"), "rule_violation", "R005")
    refuse(app, back_pay(HE, "32", "2025-02", 987600, on="2025-04-11"), "rule_violation", "R005")
    refuse(app, enroll(HE, "32", "2025-04-11"), "rule_violation", "R005")
    refuse(app, transfer_request(HE, "32", "44", on="2025-04-11"), "rule_violation", "R009")


def test_too_few_contribution_months_is_r008_with_the_advice(app: PoolingApplication) -> None:
    # A man born 1964-12 (legal month 2024-12) enrolled in 2024 has paid 6 months.
    late_starter = citizen_id("1964-12-02", sequence="171")
    apply(app, enroll(late_starter, "32", "2024-06-03"))
    apply_all(app, contributions(late_starter, "32", "2024-06", "2024-11", 800000))

    refusal = refuse(app, retire(late_starter, "32", "2024-12", on="2025-01-06"), "rule_violation", "R008")

    assert "insufficient contribution years: 6 months, 180 required" in str(refusal)
    # He may keep contributing (延长缴费) before determination.
    apply(app, contribute(late_starter, "32", "2025-01", 800000, on="2025-01-06"))


def test_a_retirement_is_corrected_only_before_the_first_payout(app: PoolingApplication) -> None:
    insured_in_jiangsu_until_march_2025(app)
    retirement = retire(HE, "32", "2025-04", on="2025-04-10")
    apply(app, retirement)

    # Corrected (R014 allows it: no payout yet), the determination and its settlement are reversed.
    answer = apply(app, correct(HE, "32", retirement["serial"], on="2025-04-11"))
    assert answer["events"] == ["Reversed", "Reversed"]
    assert app.get_person(HE).state.benefit is None
    # Determined again, and paid in May, it can no longer be corrected.
    second = retire(HE, "32", "2025-04", on="2025-04-12")
    apply(app, second)
    apply(app, payout_run("32", "2025-05"))
    refuse(app, correct(HE, "32", second["serial"], on="2025-05-11"), "rule_violation", "R014")
    # Nor can a contribution of a retired person be corrected (R014).
    first_month = next(e for e in app.events_of(HE) if isinstance(e, ev.ContributionPaid))
    refuse(app, correct(HE, "32", first_month.serial, on="2025-05-11"), "rule_violation", "R014")


def with_ten_years_in_guangdong_and_relation_in_zhejiang(app: PoolingApplication) -> str:
    """§6 rule (3): hukou 51; 44 holds 168 deemed months and 9 paid (1995); R = 33 with 12 months (2024-25)."""
    man = citizen_id("1965-03-08", region="510104", sequence="135")
    apply(app, enroll(man, "44", "1995-04-03", hukou_unit="51", deemed_months=168, account_opened="1995-04"))
    apply_all(app, contributions(man, "44", "1995-04", "1995-12", yuan("3,000.00")))
    apply(app, suspend(man, "44", "1996-01-01", on="1996-01-02"))
    # Aged 48 in 2014-01: no temporary account, the relation moves to 33.
    assert apply(app, enroll(man, "33", "2014-01-06", hukou_unit="51"))["relation_unit"] == "33"
    apply_all(app, contributions(man, "33", "2024-04", "2025-03", yuan("7,000.00")))
    return man


def test_the_place_of_benefit_is_the_last_unit_with_ten_years_and_gets_everything(app: PoolingApplication) -> None:
    man = with_ten_years_in_guangdong_and_relation_in_zhejiang(app)

    # cum(33) = 12 < 120; the last earlier unit with 10 years is 44 (177): P = 44, so 33 may not retire him.
    refuse(app, retire(man, "33", "2025-04", on="2025-04-10"), "rule_violation", "R013")
    before = version(app, man)
    answer = apply(app, retire(man, "44", "2025-04", on="2025-04-10"))

    # The command first moves the relation and its funds 33 → 44 (derived transfer, amounts as §5.2).
    written = app.events_of(man)[before:]
    sent = next(e for e in written if isinstance(e, ev.TransferSent))
    received = next(e for e in written if isinstance(e, ev.TransferReceived))
    assert (sent.from_unit, sent.to_unit, sent.derived) == ("33", "44", True)
    assert sent.pooled_fen == yuan("10,080.00")  # 12 % × 12 × 7,000.00
    assert (received.account_fen, received.pooled_fen) == (sent.account_fen, sent.pooled_fen)
    assert kinds(app, man)[-1] == "BenefitDetermined"
    determined = written[-1]
    assert isinstance(determined, ev.BenefitDetermined)
    assert (determined.benefit_unit, determined.place_rule) == ("44", 3)
    assert (determined.actual_months, determined.deemed_months) == (21, 168)
    assert answer["benefit"]["benefit_unit"] == "44"
    state = app.get_person(man).state
    assert {key: ledger.balance_fen for key, ledger in state.ledgers.items() if ledger.balance_fen} == {
        "44": determined.account_balance_fen
    }
    assert {p.held_by for p in state.payments.values()} == {"44"}


def test_no_benefit_is_determined_while_a_transfer_is_in_transit(app: PoolingApplication) -> None:
    man = with_ten_years_in_guangdong_and_relation_in_zhejiang(app)
    # 33 asked 44 for his 1995 record, and 44 has sent it: the money is in transit.
    request = transfer_request(man, "33", "44", on="2025-04-02")
    apply(app, request)
    apply(app, transfer_send(man, "44", request["serial"], on="2025-04-03"))

    # P is still 44 (months paid there count there, §6), but the retirement waits for the receipt (§8.4).
    refuse(app, retire(man, "44", "2025-04", on="2025-04-10"), "transfer_in_transit")
    apply(app, transfer_receive(man, "33", request["serial"], on="2025-04-11"))
    assert apply(app, retire(man, "44", "2025-04", on="2025-04-12"))["benefit"]["benefit_unit"] == "44"
