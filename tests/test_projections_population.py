"""The views over a whole synthetic population (the demo's generator, smaller): every stored dossier equals the
fold of its stream, every event balances in every unit, and the national ledger is the sum of the units'."""

from __future__ import annotations

import pytest
from view_checks import (
    assert_every_event_balances,
    assert_funds_reconcile,
    assert_national_is_the_sum,
    assert_stored_dossier_is_the_fold,
)

from domain.application import PoolingApplication
from loadtests.population import PLANTED, generate
from loadtests.population.feed import feed
from projections.queries import Projections
from standards.codes import POOLING_UNITS


@pytest.fixture
def population(simulated_env: dict[str, str]) -> tuple[PoolingApplication, Projections, list[str]]:
    app = PoolingApplication(env=simulated_env)
    report = feed(app, generate(40, seed=5, first_year=2012, last_year=2025))
    assert [r.code for r in report.refusals] == ["R002"]  # only the planted duplicate
    projections = Projections(app, batch_size=3000)
    projections.catch_up()
    citizens = [citizen for _, citizen in app.directory.everyone()]
    assert len(citizens) >= 35 and PLANTED["persons"] == 40
    return app, projections, citizens


def test_every_stored_dossier_equals_the_fold_of_its_stream(
    population: tuple[PoolingApplication, Projections, list[str]],
) -> None:
    app, projections, citizens = population
    assert_stored_dossier_is_the_fold(app, projections, citizens)


def test_ledger_invariants_hold_over_the_population(
    population: tuple[PoolingApplication, Projections, list[str]],
) -> None:
    app, projections, citizens = population
    assert_every_event_balances(app.events_of(citizen) for citizen in citizens)
    national = projections.ledger()
    units = [projections.ledger(unit) for unit in POOLING_UNITS]
    assert national["debits_fen"] > 0
    assert_national_is_the_sum(national, units)
    assert_funds_reconcile(units)
    # 5. with nothing in transit, what was transferred out nationally equals what was received
    if national["transfer_in_transit_fen"] == 0:
        assert national["accounts"]["exp_transfer_out"] <= national["accounts"]["rev_transfer_in"]
