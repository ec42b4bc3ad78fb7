"""The ledger invariants of DOMAIN.md §10.4 as assertions the projection tests share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from domain import events as ev
from projections.postings import postings


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
