"""Enrollment, employer change, suspension and the temporary account (DOMAIN.md §3.1, §3.6, §5.4, §2.4)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from app_helpers import (
    OTHER_USCC,
    USCC,
    apply,
    apply_all,
    change_employer,
    citizen_id,
    contribute,
    contributions,
    enroll,
    interest_run,
    kinds,
    refuse,
    suspend,
    transfer_request,
    version,
    yuan,
)

from domain import events as ev
from domain.application import PoolingApplication
from domain.person import person_id
from standards.codes import PersonStatus

ZHANG = "440306197901010037"  # a man born 1979-01-01
WANG = citizen_id("1980-05-10", region="510104", sequence="222")  # §5.4's woman, born 1980-05, hukou 51


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def test_an_employee_enrolls_with_the_employers_credit_code(app: PoolingApplication) -> None:
    # 广东 enrolls the man with his employer's unified social credit code.
    answer = apply(app, enroll(ZHANG, "44", "2021-01-04", employer_uscc=USCC, name="张伟"))

    # The first enrollment opens the stream: PersonRegistered (identity), then Enrolled; R is the unit.
    assert answer["events"] == ["PersonRegistered", "Enrolled"]
    assert (answer["relation_unit"], answer["temporary_account"]) == ("44", False)
    registered, enrolled = app.events_of(ZHANG)
    assert isinstance(registered, ev.PersonRegistered) and isinstance(enrolled, ev.Enrolled)
    assert (registered.citizen_id, registered.sex, registered.birth) == (ZHANG, "male", "1979-01-01")
    assert registered.originator_id == person_id(ZHANG)  # uuid5 of the normalized ID: one stream nationally
    assert (enrolled.kind_of_insured, enrolled.employer_uscc, enrolled.account_opened) == ("employee", USCC, "2021-01")
    state = app.get_person(ZHANG).state
    assert state.status_on(date(2021, 1, 4)) == PersonStatus.CONTRIBUTING
    assert state.status_on(date(2021, 1, 3)) == PersonStatus.NOT_ENROLLED


def test_a_flexible_worker_enrolls_without_an_employer(app: PoolingApplication) -> None:
    woman = citizen_id("1990-08-08", sequence="224")
    answer = apply(app, enroll(woman, "32", "2024-05-06", kind="flexible", name="李娜", category="cadre"))

    assert answer["events"] == ["PersonRegistered", "Enrolled"]
    enrolled = app.events_of(woman)[-1]
    assert isinstance(enrolled, ev.Enrolled)
    assert (enrolled.kind_of_insured, enrolled.employer_uscc, enrolled.category) == ("flexible", None, "cadre")
    assert app.get_person(woman).state.sex == "female"


def test_an_employer_change_within_the_unit_moves_no_money(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04"))
    apply(app, contribute(ZHANG, "44", "2021-01", 500000))

    answer = apply(app, change_employer(ZHANG, "44", "2021-02-01", OTHER_USCC))

    assert answer["events"] == ["EmployerChanged"]
    state = app.get_person(ZHANG).state
    assert state.employer_uscc == OTHER_USCC and state.account_balance_fen() == yuan("400.00")
    # From now on a contribution naming the old employer is R003; the new one is accepted.
    refuse(app, contribute(ZHANG, "44", "2021-02", 500000, employer_uscc=USCC), "rule_violation", "R003")
    apply(app, contribute(ZHANG, "44", "2021-02", 500000, employer_uscc=OTHER_USCC))
    # Another unit cannot change his employer: he is not insured there.
    refuse(app, change_employer(ZHANG, "32", "2021-03-01", USCC), "rule_violation", "R003")


def test_a_suspension_interrupts_or_suspends_contributions(app: PoolingApplication) -> None:
    # Three colleagues in 广东 leave on 2021-02-01 for three reasons.
    reasons = {"011": "unemployed", "031": "left_employer", "051": "other"}
    men = {sequence: citizen_id("1979-01-01", region="440306", sequence=sequence) for sequence in reasons}
    apply_all(app, [enroll(man, "44", "2021-01-04") for man in men.values()])
    apply_all(app, [contribute(man, "44", "2021-01", 500000) for man in men.values()])

    answers = {seq: apply(app, suspend(men[seq], "44", "2021-02-01", reason=why)) for seq, why in reasons.items()}

    # §3.6, §2.4: unemployed and left_employer give `interrupted` (中断), other gives `suspended` (暂停).
    assert {answer["events"][0] for answer in answers.values()} == {"ContributionSuspended"}
    statuses = {reasons[seq]: app.get_person(men[seq]).state.status_on(date(2021, 2, 1)) for seq in reasons}
    assert statuses == {
        "unemployed": PersonStatus.INTERRUPTED,
        "left_employer": PersonStatus.INTERRUPTED,
        "other": PersonStatus.SUSPENDED,
    }
    # The relation and the account are kept (no refund, 退保).
    for man in men.values():
        state = app.get_person(man).state
        assert state.relation_unit == "44" and state.account_balance_fen() == yuan("400.00")
    # Contributing again needs a new enrollment; it is not R001, the person is not contributing.
    apply_all(app, [enroll(man, "44", "2021-05-06") for man in men.values()])
    assert {app.get_person(man).state.status_on(date(2021, 5, 6)) for man in men.values()} == {
        PersonStatus.CONTRIBUTING
    }


def test_a_second_enrollment_while_contributing_is_duplicate_participation(app: PoolingApplication) -> None:
    apply(app, enroll(ZHANG, "44", "2021-01-04"))

    # R001 重复参保, in another unit and in the same one; concurrent employment is out of scope.
    refuse(app, enroll(ZHANG, "32", "2021-03-01", hukou_unit="44"), "rule_violation", "R001")
    refuse(app, enroll(ZHANG, "44", "2021-03-01", employer_uscc=OTHER_USCC), "rule_violation", "R001")
    # A suspension whose unit is not the insured unit is R003.
    refuse(app, suspend(ZHANG, "32", "2021-03-01"), "rule_violation", "R003")


def test_enrollment_dates_must_be_possible(app: PoolingApplication) -> None:
    boy = citizen_id("2008-06-15", sequence="113")

    # Under 16 at the effective date, and an effective date in the future, are R015.
    refuse(app, enroll(boy, "32", "2024-06-14"), "rule_violation", "R015")
    refuse(app, enroll(boy, "32", "2024-07-01", on="2024-06-20"), "rule_violation", "R015")
    # Deemed months must lie before 1996-01 (R015).
    refuse(app, enroll(ZHANG, "44", "2021-01-04", deemed_months=12), "rule_violation", "R015")
    # On his 16th birthday he may enroll.
    apply(app, enroll(boy, "32", "2024-06-15", on="2024-06-20"))


def test_a_late_career_move_opens_a_temporary_account_consolidated_on_the_next_move(app: PoolingApplication) -> None:
    # §5.4: a woman born 1980-05, hukou 51, relation unit 44, enrolls in 33 in 2023-06 (aged 43).
    apply(app, enroll(WANG, "44", "2020-01-06", hukou_unit="51", name="王芳"))
    apply_all(app, contributions(WANG, "44", "2023-01", "2023-05", yuan("6,000.00")))
    apply(app, suspend(WANG, "44", "2023-05-31"))
    opened = apply(app, enroll(WANG, "33", "2023-06-05", hukou_unit="51", name="王芳"))

    # 33 ≠ R, 33 is not her hukou unit and she is 40 or older: a temporary account; the relation stays in 44.
    assert (opened["temporary_account"], opened["relation_unit"]) == (True, "44")
    # 33 records all her contributions in the temporary account: 960.00 employer and 480.00 employee a month.
    june = apply_all(app, contributions(WANG, "33", "2023-06", "2023-12", yuan("6,000.00")))
    assert {(a["pooled_fen"], a["account_fen"]) for a in june} == {(yuan("960.00"), yuan("480.00"))}
    assert all(e.temporary for e in app.events_of(WANG) if isinstance(e, ev.ContributionPaid) and e.unit == "33")
    # A transfer request by the temporary-account unit is R012.
    refuse(app, transfer_request(WANG, "33", "44", on="2023-12-20"), "rule_violation", "R012")
    apply(app, suspend(WANG, "33", "2023-12-31"))
    # The 2023 run credits the temporary sub-ledger: 480.00 × (1 + … + 7) × 3.97 % / 12 = 44.464 → 44.46.
    apply(app, interest_run(2023, on="2024-01-10"))
    credited = [e for e in app.events_of(WANG) if isinstance(e, ev.InterestCredited) and e.ledger == "33T"]
    assert [c.interest_fen for c in credited] == [yuan("44.46")]
    before = version(app, WANG)

    # She moves back to 44 on 2024-03-01: the temporary account of 33 is consolidated into R in that command.
    answer = apply(app, enroll(WANG, "44", "2024-03-01", hukou_unit="51", name="王芳"))

    assert kinds(app, WANG, before) == ["Enrolled", "InterestCredited", "TempAccountConsolidated"]
    settlement, consolidated = app.events_of(WANG)[before + 1 :]
    assert isinstance(settlement, ev.InterestCredited) and isinstance(consolidated, ev.TempAccountConsolidated)
    # Settlement of 2024-01..02 at the latest run's rate (2023, 3.97 %): 2 × 3,404.46 × 0.0397 / 12 → 22.53.
    assert (settlement.first_month, settlement.last_month, settlement.rate) == ("2024-01", "2024-02", "0.0397")
    assert settlement.interest_fen == yuan("22.53") and settlement.fallback
    # The sub-ledger with its settled interest, plus the full employer contributions (not 12 %), go to 44.
    assert (consolidated.from_unit, consolidated.to_unit, consolidated.effective) == ("33", "44", "2024-03-01")
    assert consolidated.account_fen == yuan("3,360.00") + yuan("44.46") + yuan("22.53")  # 3,426.99
    assert consolidated.pooled_fen == 7 * yuan("960.00")  # 6,720.00
    assert answer["relation_unit"] == "44"
    state = app.get_person(WANG).state
    assert state.ledgers["33T"].balance_fen == 0 and not state.temporary_units()
    assert all(p.held_by == "44" for p in state.payments.values())


def test_the_ordinary_relation_move_applies_below_the_age_or_in_the_hukou_unit(app: PoolingApplication) -> None:
    # §5.4: "Aged 39, or with hukou 33, the ordinary transfer 44 → 33 would apply."
    young = citizen_id("1984-05-10", region="510104", sequence="222")  # aged 39 in 2023-06, hukou 51
    local = citizen_id("1980-05-10", region="510104", sequence="242")  # aged 43, hukou 33
    for woman, hukou in ((young, "51"), (local, "33")):
        apply(app, enroll(woman, "44", "2020-01-06", hukou_unit=hukou, name="王芳"))
    for woman in (young, local):
        apply(app, suspend(woman, "44", "2023-05-31"))

    moves = [
        apply(app, enroll(w, "33", "2023-06-05", hukou_unit=h, name="王芳")) for w, h in ((young, "51"), (local, "33"))
    ]

    assert [(m["temporary_account"], m["relation_unit"]) for m in moves] == [(False, "33"), (False, "33")]
