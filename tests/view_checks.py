"""Checks the projection tests share: the ledger invariants of DOMAIN.md §10.4, and stored view = fold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from domain import events as ev
from projections.dossier import build_dossier, fold
from projections.postings import postings
from projections.runs import RunsHistory


def assert_every_event_balances(histories: Iterable[Sequence[ev.PersonEvent]]) -> None:
    """Invariant 1: each event's postings balance within every unit they touch."""
    for history in histories:
        for event in history:
            original = history[event.reversed_version - 1] if isinstance(event, ev.Reversed) else None
            per_unit: dict[str, int] = defaultdict(int)
            for posting in postings(event, original):
                per_unit[posting.unit] += posting.debit_fen - posting.credit_fen
            assert not any(per_unit.values()), (event.originator_id, event.kind, dict(per_unit))


def assert_national_is_the_sum(national: dict[str, Any], units: Sequence[dict[str, Any]]) -> None:
    """Invariant 2: the national ledger is the sum of the units' and balances; there is no separate truth."""
    assert national["debits_fen"] == national["credits_fen"]
    assert national["accounts"] == {k: sum(u["accounts"][k] for u in units) for k in national["accounts"]}


def assert_funds_reconcile(units: Iterable[dict[str, Any]]) -> None:
    """Invariant 3: per unit, bank + receivable = account liabilities + the pooled-fund balance."""
    for unit in units:
        accounts = unit["accounts"]
        assert accounts["bank"] + accounts["overpayment_receivable"] == (
            accounts["ia_liability"]
            + accounts["temp_ia_liability"]
            + accounts["temp_pooled_liability"]
            + unit["pooled_fund_balance_fen"]
        ), unit["unit"]


def assert_stored_dossier_is_the_fold(app: Any, projections: Any, citizens: Iterable[str]) -> None:
    """The stored current dossier equals build_dossier over the fold of the stream, at the same two times."""
    runs = RunsHistory(app)
    for citizen in citizens:
        stored = projections.dossier(citizen)
        state = fold(app.events_of(citizen))
        last = state.history[-1].recorded_at
        folded = build_dossier(
            state,
            as_of=date.fromisoformat(stored["as_of"]),
            as_known_at=last,
            policy=app.policy,
            fallback_rate=runs.fallback_rate(app.policy, last),
            simulated=app.simulated,
        )
        assert stored == folded, citizen
