"""Payout runs, annual adjustments with arrears, certification (DOMAIN.md §9.1, §9.2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from app_helpers import (
    HE,
    adjustment_run,
    apply,
    at,
    certify,
    citizen_id,
    death,
    enroll,
    insured_in_jiangsu_until_march_2025,
    kinds,
    payout_run,
    refuse,
    retire,
    version,
    yuan,
)

from domain import events as ev
from domain.application import PoolingApplication

RETIREE = citizen_id("1961-06-12", sequence="157")  # §9.2's retiree: a man, retired 2021-06 with 3,000.00


@pytest.fixture
def app(simulated_env: dict[str, str]) -> Iterator[PoolingApplication]:
    application = PoolingApplication(env=simulated_env)
    yield application
    application.close()


def migrated_benefit(**fields: Any) -> dict[str, Any]:
    """The legacy system's determination of 2021-06: 3,000.00 a month, its account part backed by a balance."""
    body = {
        "type": "migrated_benefit",
        "serial": "32-MIG-BEN-1",
        "unit": "32",
        "citizen_id": RETIREE,
        "retirement": "2021-06",
        "basic_fen": yuan("1,500.00"),
        "account_fen": yuan("1,000.00"),
        "transitional_fen": yuan("500.00"),
        "adjustment_fen": 0,
        "divisor": "139",
        "account_balance_fen": yuan("139,000.00"),
        "recorded_at": at("2021-07-01"),
    }
    return {**body, **fields}


def retired_in_2021_with_3000(app: PoolingApplication) -> None:
    apply(app, enroll(RETIREE, "32", "2001-06-04"))
    opening = {
        "type": "opening_balance",
        "serial": "32-MIG-OB-1",
        "unit": "32",
        "citizen_id": RETIREE,
        "as_of": "2021-06-30",
        "account_fen": yuan("139,000.00"),
        "recorded_at": at("2021-06-30"),
    }
    assert app.submit(opening, migrate=True)["status"] == "applied"
    assert app.submit(migrated_benefit(), migrate=True)["events"] == ["BenefitDetermined"]


def test_the_annual_adjustments_compound_and_a_late_one_is_paid_as_arrears(app: PoolingApplication) -> None:
    retired_in_2021_with_3000(app)
    # §9.2: 2022 +120.00 → 3,120.00; 2023 +118.56 → 3,238.56; 2024 +97.16 (97.1568) → 3,335.72.
    increments = [
        apply(app, adjustment_run(year, rate, on=f"{year}-01-05"))["summary"]["increments_fen"]
        for year, rate in ((2022, "0.04"), (2023, "0.038"), (2024, "0.03"))
    ]
    assert increments == [yuan("120.00"), yuan("118.56"), yuan("97.16")]
    # The December 2024 run pays every benefit month since 2021-07, each at the amount due for its year.
    paid = apply(app, payout_run("32", "2024-12"))["summary"]["pensions_fen"]
    assert paid == 6 * yuan("3,000.00") + 12 * yuan("3,120.00") + 12 * yuan("3,238.56") + 12 * yuan("3,335.72")
    # January to June 2025 are paid at 3,335.72.
    for month in range(1, 7):
        assert apply(app, payout_run("32", f"2025-{month:02d}"))["summary"]["pensions_fen"] == yuan("3,335.72")

    # The 2025 run is recorded on 2025-07-05, after the January-June payouts: +66.71 (66.7144) → 3,402.43.
    assert apply(app, adjustment_run(2025, "0.02", on="2025-07-05"))["summary"]["increments_fen"] == yuan("66.71")
    adjusted = app.events_of(RETIREE)[-1]
    assert isinstance(adjusted, ev.BenefitAdjusted)
    assert (adjusted.effective, adjusted.total_fen) == ("2025-01-01", yuan("3,402.43"))

    # The July payout is 3,402.43 + 6 × 66.71 = 3,402.43 + 400.26 arrears (补发).
    july = apply(app, payout_run("32", "2025-07"))["summary"]["pensions_fen"]
    assert july == yuan("3,402.43") + yuan("400.26")
    payout = app.events_of(RETIREE)[-1]
    assert isinstance(payout, ev.PensionPaid)
    assert [line["month"] for line in payout.lines] == [f"2025-{m:02d}" for m in range(1, 8)]
    assert all(line["adjustment_fen"] == yuan("66.71") for line in payout.lines[:6])
    # The account part is drawn from the sub-ledger in P: 1,000.00 a month for 49 months.
    assert app.get_person(RETIREE).state.ledgers["32"].balance_fen == yuan("139,000.00") - 49 * yuan("1,000.00")


def test_a_payout_run_pays_each_month_once(app: PoolingApplication) -> None:
    retired_in_2021_with_3000(app)
    apply(app, payout_run("32", "2021-07"))
    before = version(app, RETIREE)

    # A run of another serial for a month already paid pays nothing (R011), a run before its month is R015.
    again = apply(app, payout_run("32", "2021-07", on="2021-07-20", serial="32-PAY-2021-07-AGAIN"))
    assert again["summary"]["persons"] == 0 and version(app, RETIREE) == before
    refuse(app, payout_run("32", "2021-09", on="2021-08-31"), "rule_violation", "R015")
    # Another unit's run does not pay him: his place of benefit is 32.
    assert apply(app, payout_run("44", "2021-08", on="2021-08-10"))["summary"]["persons"] == 0
    # The run's optional paid_on dates the payout (§15.9).
    august = apply(app, payout_run("32", "2021-08", on="2021-08-10", paid_on="2021-08-12"))
    assert august["summary"]["pensions_fen"] == yuan("3,000.00")
    payout = app.events_of(RETIREE)[-1]
    assert isinstance(payout, ev.PensionPaid) and payout.effective == "2021-08-12"


def test_the_adjustment_run_must_use_the_published_rate_once_a_year(app: PoolingApplication) -> None:
    retired_in_2021_with_3000(app)

    # A rate that differs from policy is rate_mismatch; a second 2022 run under another serial is run_exists.
    refuse(app, adjustment_run(2022, "0.05", on="2022-01-05"), "rate_mismatch")
    apply(app, adjustment_run(2022, "0.04", on="2022-01-05"))
    refuse(app, adjustment_run(2022, "0.04", on="2022-01-06", serial="00-ADJ-2022-B"), "run_exists")
    # A retiree with M after (Y−1)-12 is not adjusted: 2021-06 ≤ 2021-12 is, so the 2022 run counted him.
    assert app.get_person(RETIREE).state.benefit.increments == {2022: yuan("120.00")}  # type: ignore[union-attr]


def test_a_certification_is_recorded_for_a_living_retiree(app: PoolingApplication) -> None:
    insured_in_jiangsu_until_march_2025(app)
    apply(app, retire(HE, "32", "2025-04", on="2025-04-10"))

    # Any unit may certify (待遇资格认证); it appends QualificationCertified.
    answer = apply(app, certify(HE, "44", "2025-06-01"))

    assert answer["events"] == ["QualificationCertified"]
    assert app.get_person(HE).state.certifications == [date(2025, 6, 1)]
    # A certification in the future is R015; after a recorded death it is R004.
    refuse(app, certify(HE, "32", "2025-07-01", on="2025-06-02"), "rule_violation", "R015")
    apply(app, death(HE, "32", "2025-06-20", on="2025-06-25"))
    refuse(app, certify(HE, "32", "2025-06-26"), "rule_violation", "R004")
    assert kinds(app, HE)[-3:-1] == ["QualificationCertified", "DeathRecorded"]
