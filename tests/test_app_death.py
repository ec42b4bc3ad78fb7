"""Death, overpayment (R101), recovery, survivor benefits and inheritance (DOMAIN.md §9.3-§9.6, §15.7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from fractions import Fraction

import pytest
from app_helpers import (
    HE,
    apply,
    apply_all,
    contribute,
    contributions,
    correct,
    death,
    enroll,
    insured_in_jiangsu_until_march_2025,
    kinds,
    payout_run,
    recover,
    refuse,
    retire,
    transfer_request,
    version,
    yuan,
)

from domain import events as ev
from domain.application import PoolingApplication
from standards.codes import PersonStatus
from standards.rounding import to_fen

WORKER = "440306197901010037"


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def retired_and_paid_until_november_2025(app: PoolingApplication) -> ev.BenefitDetermined:
    """§9.6's story: retired 2025-04 in 32, paid by the runs of May to November 2025."""
    insured_in_jiangsu_until_march_2025(app)
    apply(app, retire(HE, "32", "2025-04", on="2025-04-10"))
    for month in range(5, 12):
        apply(app, payout_run("32", f"2025-{month:02d}"))
    determined = next(e for e in app.events_of(HE) if isinstance(e, ev.BenefitDetermined))
    return determined


def test_a_late_death_identifies_the_overpaid_payouts_and_settles_the_account(app: PoolingApplication) -> None:
    benefit = retired_and_paid_until_november_2025(app)
    balance, monthly, drawn = benefit.account_balance_fen, benefit.total_fen, benefit.account_fen
    before = version(app, HE)

    # §9.6: he dies on 2025-09-10; the death is recorded on 2025-11-15, after the October and November payouts.
    answer = apply(app, death(HE, "32", "2025-09-10", on="2025-11-15"))

    # R101: one OverpaymentIdentified per overpaid payout, dated on that payout; then the settlement interest.
    assert kinds(app, HE, before) == [
        "DeathRecorded",
        "OverpaymentIdentified",
        "OverpaymentIdentified",
        "InterestCredited",
    ]
    assert answer["flags"] == ["R101"]
    _, october, november, settlement = app.events_of(HE)[before:]
    assert isinstance(october, ev.OverpaymentIdentified) and isinstance(november, ev.OverpaymentIdentified)
    assert [(o.months, o.effective, o.total_fen) for o in (october, november)] == [
        (["2025-10"], "2025-10-10", monthly),
        (["2025-11"], "2025-11-10", monthly),
    ]
    assert answer["overpayment_fen"] == 2 * monthly
    # Settlement interest, months 4-8 at the latest run's rate (2024, 2.62 %): E = B, B − a, …, B − 4a.
    assert isinstance(settlement, ev.InterestCredited)
    assert (settlement.first_month, settlement.last_month, settlement.rate) == ("2025-04", "2025-08", "0.0262")
    month_ends = sum(balance - k * drawn for k in range(5))
    assert settlement.interest_fen == to_fen(Fraction(month_ends) * Fraction("0.0262") / 12)
    assert settlement.effective == "2025-09-10"
    # Balance: B − 5a (May-September) + settlement interest; the October and November account parts returned.
    inheritable = balance - 5 * drawn + settlement.interest_fen
    assert answer["account_balance_fen"] == inheritable
    state = app.get_person(HE).state
    assert state.status_on(date(2025, 11, 15)) == PersonStatus.DECEASED
    assert [f for f, _ in state.flags if f == "R101"] == ["R101", "R101"]

    # The death is known: nothing more can be paid in, enrolled, transferred or retired (R004).
    refuse(app, enroll(HE, "44", "2025-11-16"), "rule_violation", "R004")
    refuse(app, transfer_request(HE, "32", "44", on="2025-11-16"), "rule_violation", "R004")
    refuse(app, retire(HE, "32", "2025-04", on="2025-11-16"), "rule_violation", "R004")
    refuse(app, death(HE, "32", "2025-09-10", on="2025-11-16"), "rule_violation", "R004")


def test_the_next_payout_run_pays_survivor_benefits_and_the_inheritance_after_recovery(
    app: PoolingApplication,
) -> None:
    benefit = retired_and_paid_until_november_2025(app)
    recorded = death(HE, "32", "2025-09-10", on="2025-11-15")
    answer = apply(app, recorded)
    receivable, inheritable = answer["overpayment_fen"], answer["account_balance_fen"]

    # 32 recovers 1,000.00 of the receivable from the bank (追回); more than is open is refused.
    refuse(app, recover(HE, "32", receivable + 1, on="2025-11-20"), "recovery_exceeds_receivable")
    assert apply(app, recover(HE, "32", yuan("1,000.00"), on="2025-11-20"))["receivable_fen"] == receivable - 100000
    before = version(app, HE)

    # 32's December run pays no pension (death month September) but the survivor benefits and the inheritance.
    summary = apply(app, payout_run("32", "2025-12"))["summary"]

    assert kinds(app, HE, before) == ["SurvivorBenefitPaid", "AccountInherited"]
    survivors, inherited = app.events_of(HE)[before:]
    assert isinstance(survivors, ev.SurvivorBenefitPaid) and isinstance(inherited, ev.AccountInherited)
    # Funeral 2 × 9,876.00 = 19,752.00; survivor lump sum 6 × 9,876.00 = 59,256.00 (Illustrative).
    assert (survivors.funeral_fen, survivors.survivor_fen) == (yuan("19,752.00"), yuan("59,256.00"))
    assert survivors.effective == "2025-12-10"
    # The rest of the receivable is offset against the inheritance, never against the survivors' benefits.
    offset = receivable - yuan("1,000.00")
    assert (inherited.inheritable_fen, inherited.offset_fen) == (inheritable, offset)
    assert inherited.net_fen == inheritable - offset
    assert summary["pensions_fen"] == 0
    assert summary["survivor_fen"] == yuan("79,008.00") and summary["inherited_fen"] == inheritable - offset
    state = app.get_person(HE).state
    assert state.receivable_fen == 0 and state.account_balance_fen() == 0
    assert state.status_on(date(2025, 12, 31)) == PersonStatus.TERMINATED
    assert benefit.total_fen * 2 == receivable
    # Nothing is paid twice: the January run finds nothing left to pay; the death can no longer be corrected.
    assert apply(app, payout_run("32", "2026-01"))["summary"]["persons"] == 0
    refuse(app, correct(HE, "32", recorded["serial"], on="2026-01-11"), "rule_violation", "R014")


def test_a_contributors_death_is_settled_by_the_relation_unit(app: PoolingApplication) -> None:
    # A worker insured in 44 dies at work: no survivor benefits here (work-injury insurance pays them).
    apply(app, enroll(WORKER, "44", "2024-01-02"))
    apply_all(app, contributions(WORKER, "44", "2024-01", "2024-03", yuan("6,000.00")))
    apply(app, death(WORKER, "44", "2024-04-02", on="2024-04-08", cause="work_injury"))

    # A contribution for a month after the death month is R004.
    refuse(app, contribute(WORKER, "44", "2024-05", yuan("6,000.00"), on="2024-05-15"), "rule_violation", "R004")
    before = version(app, WORKER)
    # 44's next payout run pays the inheritance: 3 × 480.00 plus the settlement interest of 2024-01..03.
    summary = apply(app, payout_run("44", "2024-04", on="2024-04-10"))["summary"]

    assert kinds(app, WORKER, before) == ["AccountInherited"]
    inherited = app.events_of(WORKER)[-1]
    assert isinstance(inherited, ev.AccountInherited)
    settlement = sum(e.interest_fen for e in app.events_of(WORKER) if isinstance(e, ev.InterestCredited))
    assert inherited.inheritable_fen == 3 * yuan("480.00") + settlement and inherited.offset_fen == 0
    assert summary["survivor_fen"] == 0
    assert app.get_person(WORKER).state.status_on(date(2024, 4, 10)) == PersonStatus.TERMINATED


def test_a_death_is_corrected_before_its_settlement_is_paid(app: PoolingApplication) -> None:
    retired_and_paid_until_november_2025(app)
    recorded = death(HE, "32", "2025-09-10", on="2025-11-15")
    apply(app, recorded)

    # The death was keyed for the wrong person: corrected, its overpayments are reversed and payouts resume.
    answer = apply(app, correct(HE, "32", recorded["serial"], on="2025-11-16", reason="wrong person"))

    assert answer["events"] == ["Reversed"] * 4
    state = app.get_person(HE).state
    assert state.death is None and state.receivable_fen == 0
    assert apply(app, payout_run("32", "2025-12"))["summary"]["pensions_fen"] == state.benefit.total_fen  # type: ignore[union-attr]
