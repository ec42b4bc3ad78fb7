"""Contributions and back-payments through the application (DOMAIN.md §3.2-§3.5, §12.2, §2.3 corrections)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_helpers import (
    OTHER_USCC,
    apply,
    apply_all,
    back_pay,
    citizen_id,
    contribute,
    contributions,
    correct,
    enroll,
    interest_run,
    kinds,
    refuse,
    suspend,
    version,
    yuan,
)

from domain import events as ev
from domain.application import PoolingApplication

ZHANG = "440306197901010037"  # a man born 1979-01-01
LIN = "320583198207222647"  # Ms. Lin of §12.2, born 1982-07-22


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


# §3.4: unit 32, contribution year 2025, AW(32, 2024) = 118,512.00: RW 9,876.00, floor 5,925.60, cap 29,628.00.
CLAMPS_2025 = [
    # period, declared base, base used, clamp, employer 16 %, employee 8 %
    ("2025-01", "4,800.00", "5,925.60", "up", "948.10", "474.05"),
    ("2025-02", "6,543.21", "6,543.21", None, "1,046.91", "523.46"),
    ("2025-03", "31,000.00", "29,628.00", "down", "4,740.48", "2,370.24"),
]


def test_an_employee_contribution_is_clamped_to_the_2025_bounds_of_jiangsu(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "32", "2025-01-02"))

    for period, declared, base, clamped, employer, employee in CLAMPS_2025:
        answer = apply(app, contribute(ZHANG, "32", period, yuan(declared)))

        # The declared base is clamped, never rejected, and the clamp raises the flag R006.
        assert answer["events"] == ["ContributionPaid"]
        assert answer["flags"] == (["R006"] if clamped else [])
        assert (answer["base_fen"], answer["pooled_fen"], answer["account_fen"]) == (
            yuan(base),
            yuan(employer),
            yuan(employee),
        )
        paid = app.events_of(ZHANG)[-1]
        assert isinstance(paid, ev.ContributionPaid)
        assert (paid.declared_base_fen, paid.base_fen, paid.clamped) == (yuan(declared), yuan(base), clamped)
        assert (paid.pooled_rate, paid.account_rate, paid.period) == ("0.16", "0.08", period)
        assert paid.effective == f"{period}-15"  # the money is effective on the recorded date without paid_on


def test_a_flexible_worker_pays_12_pooled_and_8_to_the_account_never_a_rounded_20(app: PoolingApplication) -> None:
    # A flexible worker (灵活就业人员) enrolls in 江苏 without an employer.
    apply(app, enroll(LIN, "32", "2025-01-06", kind="flexible", name="林"))

    # She pays 6,543.21 for January 2025, the money arriving on 2025-01-20.
    answer = apply(app, contribute(LIN, "32", "2025-01", yuan("6,543.21"), paid_on="2025-01-20"))

    # §3.4: pooled 785.19, account 523.46, due 1,308.65 (ROUND(20 %) would be 1,308.64).
    assert (answer["pooled_fen"], answer["account_fen"]) == (yuan("785.19"), yuan("523.46"))
    assert answer["pooled_fen"] + answer["account_fen"] == yuan("1,308.65")
    paid = app.events_of(LIN)[-1]
    assert isinstance(paid, ev.ContributionPaid)
    assert (paid.kind_of_insured, paid.employer_uscc, paid.pooled_rate) == ("flexible", None, "0.12")
    assert paid.effective == "2025-01-20"


def test_ms_lin_back_pays_three_months_of_2023_at_the_2023_floor(app: PoolingApplication) -> None:
    # §12.2: Ms. Lin, flexible worker in 32 since 2020, did not pay 2023-03, 2023-04 and 2023-05.
    apply(app, enroll(LIN, "32", "2020-01-06", kind="flexible", name="林"))
    floor_2023 = yuan("5,550.00")  # 60 % × 111,000.00 / 12
    paid_2023 = contributions(LIN, "32", "2023-01", "2023-02", floor_2023)
    paid_2023 += contributions(LIN, "32", "2023-06", "2023-12", floor_2023)
    apply_all(app, paid_2023)
    apply(app, interest_run(2023, on="2024-01-10"))
    interest_2023 = [e for e in app.events_of(LIN) if isinstance(e, ev.InterestCredited)]
    before = version(app, LIN)

    # On 2024-02-10 she back-pays the three months at the 2023 floor.
    answers = [
        apply(app, back_pay(LIN, "32", period, floor_2023, on="2024-02-10"))
        for period in ("2023-03", "2023-04", "2023-05")
    ]

    # 666.00 pooled and 444.00 to the account a month: 1,332.00 to the account in all, credited on 2024-02-10.
    assert [(a["pooled_fen"], a["account_fen"]) for a in answers] == [(yuan("666.00"), yuan("444.00"))] * 3
    assert kinds(app, LIN, before) == ["BackPaymentPaid"] * 3
    back_paid = app.events_of(LIN)[before:]
    assert all(isinstance(e, ev.BackPaymentPaid) and e.effective == "2024-02-10" for e in back_paid)
    assert sum(e.account_fen for e in back_paid if isinstance(e, ev.BackPaymentPaid)) == yuan("1,332.00")
    # The twelve months of 2023 are now paid; her 2023 interest is unchanged (the money arrived in 2024).
    state = app.get_person(LIN).state
    assert sorted(str(p) for p in state.payments if p.year == 2023) == [f"2023-{m:02d}" for m in range(1, 13)]
    assert [e for e in app.events_of(LIN) if isinstance(e, ev.InterestCredited)] == interest_2023


def test_a_back_payment_uses_the_bounds_of_its_own_year(app: PoolingApplication) -> None:
    # A man enrolled in 32 since 2020 back-pays, in 2024, a month of 2022 and a month of 2023 on a small base.
    apply(app, enroll(ZHANG, "32", "2020-03-02"))

    old = apply(app, back_pay(ZHANG, "32", "2022-05", yuan("1,000.00"), on="2024-02-11"))
    recent = apply(app, back_pay(ZHANG, "32", "2023-12", yuan("1,000.00"), on="2024-02-11"))

    # Each is clamped up to its period's floor: 2022: 60 % × 108,000.00 / 12; 2023: 60 % × 111,000.00 / 12.
    assert (old["base_fen"], old["flags"]) == (yuan("5,400.00"), ["R006"])
    assert (recent["base_fen"], recent["flags"]) == (yuan("5,550.00"), ["R006"])
    # An employee before 2019-05 would pay the Illustrative 20 %; in 2022 and 2023 the employer pays 16 %.
    assert old["pooled_fen"] == yuan("864.00")


def test_the_contribution_window_is_this_month_or_the_month_before(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "32", "2024-06-03"))

    # A future period, and a period older than last month, are R015 (DOMAIN.md §3.5).
    refuse(app, contribute(ZHANG, "32", "2025-03", 600000, on="2025-02-15"), "rule_violation", "R015")
    too_old = contribute(ZHANG, "32", "2024-12", 600000, on="2025-02-15", serial="32-C-OLD")
    refuse(app, too_old, "rule_violation", "R015")
    # A back-payment is for a month before the recorded month: the current month is R015.
    refuse(app, back_pay(ZHANG, "32", "2025-02", 600000, on="2025-02-15"), "rule_violation", "R015")
    # A period before the account was opened (the enrollment month) is R015 too.
    refuse(app, back_pay(ZHANG, "32", "2024-05", 600000, on="2025-02-15"), "rule_violation", "R015")

    # The refused serial wrote no command record: resent as a back-payment after fixing the type, it is applied.
    fixed = back_pay(ZHANG, "32", "2024-12", 600000, on="2025-02-15", serial="32-C-OLD")
    assert apply(app, fixed)["events"] == ["BackPaymentPaid"]
    # January (the month before) and February (this month) are accepted as contributions.
    apply(app, contribute(ZHANG, "32", "2025-01", 600000, on="2025-02-15"))
    apply(app, contribute(ZHANG, "32", "2025-02", 600000, on="2025-02-15"))


def test_a_month_is_paid_once_nationally(app: PoolingApplication) -> None:
    # The man pays March 2023 in 广东.
    apply(app, enroll(ZHANG, "44", "2023-01-03"))
    apply(app, contribute(ZHANG, "44", "2023-03", 600000))

    # The same month again, under another serial, as a contribution or a back-payment: R002 重复缴费.
    refuse(app, contribute(ZHANG, "44", "2023-03", 650000, on="2023-03-20"), "rule_violation", "R002")
    refuse(app, back_pay(ZHANG, "44", "2023-03", 650000, on="2023-04-20"), "rule_violation", "R002")

    # 广东 collects June on 2023-06-02, then he leaves and enrolls in 江苏 in the same month.
    apply(app, contribute(ZHANG, "44", "2023-06", 600000, on="2023-06-02"))
    apply(app, suspend(ZHANG, "44", "2023-06-01", on="2023-06-03"))
    apply(app, enroll(ZHANG, "32", "2023-06-05", hukou_unit="44"))

    # 江苏 may not collect June again: the month is paid in unit 44 (once per person, across units).
    twice = refuse(app, contribute(ZHANG, "32", "2023-06", 600000, on="2023-06-20"), "rule_violation", "R002")
    assert "44" in str(twice)
    apply(app, contribute(ZHANG, "32", "2023-07", 600000))


def test_only_the_unit_where_the_person_is_insured_may_collect(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "32", "2024-01-02"))

    # Another unit (R003), and the right unit naming another employer (R003, field employer_uscc).
    refuse(app, contribute(ZHANG, "44", "2024-01", 600000), "rule_violation", "R003")
    wrong = refuse(app, contribute(ZHANG, "32", "2024-01", 600000, employer_uscc=OTHER_USCC), "rule_violation", "R003")
    assert getattr(wrong, "field", None) == "employer_uscc"
    apply(app, contribute(ZHANG, "32", "2024-01", 600000, on="2024-01-20"))

    # After a suspension from 2024-03-01 the unit no longer covers April (§3.5, §15.2).
    apply(app, suspend(ZHANG, "32", "2024-03-01", reason="unemployed"))
    refuse(app, contribute(ZHANG, "32", "2024-04", 600000), "rule_violation", "R003")
    # A month while he was still insured can be back-paid.
    apply(app, back_pay(ZHANG, "32", "2024-02", 600000, on="2024-04-16"))


def test_policy_data_the_system_does_not_have_is_never_guessed(app: PoolingApplication) -> None:
    # A worker born 1960 enrolls in 1985: the Illustrative data start in 1990.
    old_hand = citizen_id("1960-02-11", sequence="111")
    apply(app, enroll(old_hand, "44", "1985-03-01"))

    refusal = refuse(app, contribute(old_hand, "44", "1985-03", 10000), "missing_policy_data")
    assert "1984" in str(refusal) or "1985" in str(refusal)  # names the year missing


def test_a_corrected_contribution_frees_its_month(app: PoolingApplication) -> None:
    # January 2025 is paid, keyed on the wrong base.
    apply(app, enroll(ZHANG, "32", "2025-01-02"))
    keyed = contribute(ZHANG, "32", "2025-01", yuan("9,999.00"), serial="32-C-2025-01")
    apply(app, keyed)
    before = version(app, ZHANG)

    # The unit corrects it (冲正): the event is reversed, nothing is deleted.
    answer = apply(app, correct(ZHANG, "32", "32-C-2025-01", on="2025-02-10", reason="base keyed wrong"))

    assert answer["events"] == ["Reversed"]
    reversed_event = app.events_of(ZHANG)[-1]
    assert isinstance(reversed_event, ev.Reversed)
    assert (reversed_event.reversed_version, reversed_event.reversed_type) == (before, "ContributionPaid")
    assert reversed_event.effective == "2025-01-15"  # the reversed event's own effective date
    state = app.get_person(ZHANG).state
    assert not state.payments and state.account_balance_fen() == 0
    # The month is free again: a new contribution for it is accepted.
    apply(app, contribute(ZHANG, "32", "2025-01", yuan("6,543.21"), on="2025-02-10"))
    assert len(app.events_of(ZHANG)) == before + 2


def test_a_correction_names_a_serial_its_own_unit_sent(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "32", "2025-01-02"))
    apply(app, contribute(ZHANG, "32", "2025-01", 600000, serial="32-C-1"))

    # A serial never sent, or sent by another unit, is unknown_serial.
    refuse(app, correct(ZHANG, "32", "32-NEVER-SENT", on="2025-01-20"), "unknown_serial")
    refuse(app, correct(ZHANG, "44", "32-C-1", on="2025-01-20"), "unknown_serial")
    # A correction of a correction's target already reversed is unknown too: nothing is left to reverse.
    apply(app, correct(ZHANG, "32", "32-C-1", on="2025-01-20"))
    refuse(app, correct(ZHANG, "32", "32-C-1", on="2025-01-21"), "unknown_serial")
