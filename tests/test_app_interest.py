"""Interest runs and the restatement of credited interest (DOMAIN.md §4.2-§4.5, §2.2, §12.2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from app_helpers import (
    apply,
    apply_all,
    back_pay,
    contribute,
    contributions,
    correct,
    enroll,
    interest_run,
    kinds,
    refuse,
    version,
    yuan,
)

from domain import events as ev
from domain.application import PoolingApplication

MAN = "440306197901010037"  # §4.5: hukou 44, insured in 广东 from 2021-01
LIN = "320583198207222647"  # §12.2: Ms. Lin, flexible worker in 32 since 2020


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def credits(app: PoolingApplication, citizen_id: str) -> list[tuple[int, str, int, str]]:
    """The living InterestCredited of a person: (year, rate, amount, effective)."""
    state = app.get_person(citizen_id).state
    return [
        (e.year, e.rate, e.interest_fen, e.effective) for e in state.living_events if isinstance(e, ev.InterestCredited)
    ]


def test_the_year_end_runs_credit_the_worked_example_interest(app: PoolingApplication) -> None:
    # §4.5: 5,000.00 a month in 2021, 5,500.00 in 2022, each year's run recorded the next January.
    apply(app, enroll(MAN, "44", "2021-01-04", hukou_unit="44"))
    apply_all(app, contributions(MAN, "44", "2021-01", "2021-12", yuan("5,000.00")))
    apply(app, interest_run(2021, on="2022-01-10"))
    apply_all(app, contributions(MAN, "44", "2022-01", "2022-12", yuan("5,500.00")))
    apply(app, interest_run(2022, on="2023-01-10"))

    # 2021: 31,200.00 × 6.69 % / 12 = 173.94; 2022: 94,007.28 × 6.12 % / 12 = 479.437128 → 479.44.
    assert credits(app, MAN) == [
        (2021, "0.0669", yuan("173.94"), "2021-12-31"),
        (2022, "0.0612", yuan("479.44"), "2022-12-31"),
    ]
    # Balances: 4,973.94 at 2021-12-31 and 10,733.38 at 2022-12-31.
    ledger = app.get_person(MAN).state.ledgers["44"]
    assert ledger.balance_on(date(2021, 12, 31)) == yuan("4,973.94")
    assert ledger.balance_on(date(2022, 12, 31)) == yuan("10,733.38")


def test_the_interest_run_is_once_a_year_from_the_next_january(app: PoolingApplication) -> None:
    apply(app, enroll(MAN, "44", "2021-01-04", hukou_unit="44"))
    apply_all(app, contributions(MAN, "44", "2021-01", "2021-12", yuan("5,000.00")))

    # A run recorded before 2022-01-01 is R015; a run for a year policy has no rate for is missing_policy_data.
    refuse(app, interest_run(2021, on="2021-12-31"), "rule_violation", "R015")
    refuse(app, interest_run(2030, on="2031-01-10"), "missing_policy_data")

    summary = apply(app, interest_run(2021, on="2022-01-10"))["summary"]
    assert (summary["persons"], summary["interest_fen"]) == (1, yuan("173.94"))
    # A second run for 2021 under another serial is run_exists; the same serial again is replayed.
    refuse(app, interest_run(2021, on="2022-01-11", serial="00-INT-2021-AGAIN"), "run_exists")
    replay = app.submit(interest_run(2021, on="2022-01-10"))
    assert replay["status"] == "replayed" and replay["summary"] == summary
    assert len(credits(app, MAN)) == 1


def test_a_contribution_paid_in_a_credited_year_restates_that_years_interest(app: PoolingApplication) -> None:
    # January to November 2021 are paid; the 2021 run credits 30,800.00 × 6.69 % / 12 = 171.71.
    apply(app, enroll(MAN, "44", "2021-01-04", hukou_unit="44"))
    apply_all(app, contributions(MAN, "44", "2021-01", "2021-11", yuan("5,000.00")))
    apply(app, interest_run(2021, on="2022-01-10"))
    assert credits(app, MAN) == [(2021, "0.0669", yuan("171.71"), "2021-12-31")]
    before = version(app, MAN)

    # December's contribution is recorded on 2022-01-15 (the month before), the money having arrived 2021-12-28.
    apply(app, contribute(MAN, "44", "2021-12", yuan("5,000.00"), on="2022-01-15", paid_on="2021-12-28"))

    # §2.2: the run's event is reversed and replaced, same effective date: now §4.5's 173.94.
    assert kinds(app, MAN, before) == ["ContributionPaid", "Reversed", "InterestCredited"]
    assert credits(app, MAN) == [(2021, "0.0669", yuan("173.94"), "2021-12-31")]
    assert app.get_person(MAN).state.ledgers["44"].balance_on(date(2021, 12, 31)) == yuan("4,973.94")


def test_a_correction_after_the_run_restates_the_interest(app: PoolingApplication) -> None:
    apply(app, enroll(MAN, "44", "2021-01-04", hukou_unit="44"))
    paid = contributions(MAN, "44", "2021-01", "2021-12", yuan("5,000.00"))
    apply_all(app, paid)
    apply(app, interest_run(2021, on="2022-01-10"))

    # March 2021 was keyed for the wrong person: corrected in January 2022, after the run.
    answer = apply(app, correct(MAN, "44", paid[2]["serial"], on="2022-01-20"))

    # The payment and the run's credit are reversed; the replacement leaves out 400.00 × 10 months:
    # (31,200.00 − 4,000.00) × 6.69 % / 12 = 151.64.
    assert answer["events"] == ["Reversed", "Reversed", "InterestCredited"]
    assert credits(app, MAN) == [(2021, "0.0669", yuan("151.64"), "2021-12-31")]
    assert "2021-03" not in {str(p) for p in app.get_person(MAN).state.payments}


def test_ms_lins_back_payment_recorded_after_the_2024_run_replaces_that_runs_event(
    app: PoolingApplication,
) -> None:
    # §12.2: paid 2023 except March-May, and all of 2024; the 2023 and 2024 runs are recorded.
    apply(app, enroll(LIN, "32", "2020-01-06", kind="flexible", name="林"))
    floor_2023, floor_2024 = yuan("5,550.00"), yuan("5,700.00")
    apply_all(app, contributions(LIN, "32", "2023-01", "2023-02", floor_2023))
    apply_all(app, contributions(LIN, "32", "2023-06", "2023-12", floor_2023))
    apply(app, interest_run(2023, on="2024-01-10"))
    apply_all(app, contributions(LIN, "32", "2024-01", "2024-12", floor_2024))
    apply(app, interest_run(2024, on="2025-01-10"))
    (credit_2023, credit_2024) = credits(app, LIN)

    # The back-payment, paid 2024-02-10, is only recorded on 2025-01-20, after the 2024 run.
    for period in ("2023-03", "2023-04", "2023-05"):
        apply(app, back_pay(LIN, "32", period, floor_2023, on="2025-01-20", paid_on="2024-02-10"))

    # Her 2023 interest is unchanged; the 2024 run's event is replaced: the 1,332.00 sits in the month-end
    # balances of February-December, about 1,332.00 × 11 × 2.62 % / 12 = 31.99 more (rounded on the whole).
    now_2023, now_2024 = credits(app, LIN)
    assert now_2023 == credit_2023
    assert now_2024[:2] == credit_2024[:2] and now_2024[3] == "2024-12-31"
    assert abs(now_2024[2] - credit_2024[2] - yuan("31.99")) <= 1
