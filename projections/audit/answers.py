"""Checks on the ledger answers users get from `Projections`: as known at T against the rebuild, and the national
answer against the sum of the units' answers (DOMAIN.md §10.4 #2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from projections.audit.compare import diff_json
from projections.audit.findings import Finding
from projections.audit.rebuild import PREFIX
from projections.audit.store import LogStore
from projections.queries import Projections, ledger_answer  # the answers' own shape, so both sides compare alike


def _ledger_rows(store: LogStore, unit: str | None) -> dict[str, Any]:
    """The rebuilt ledger in the projections' answer shape, for one unit or the nation."""
    where, params = ("", ()) if unit is None else (" WHERE unit = %s", (unit,))
    with store.db.transaction(commit=False) as cursor:
        cursor.execute(
            f"SELECT account, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {PREFIX}ledger_view{where} GROUP BY account",
            params,
        )
        sums = {row["account"]: (int(row["dr"]), int(row["cr"])) for row in cursor.fetchall()}
        cursor.execute(f"SELECT SUM(sent_fen) AS s, SUM(received_fen) AS r FROM {PREFIX}ledger_transit_view")
        transit = cursor.fetchone() or {}
    return ledger_answer(unit, None, sums, int(transit.get("s") or 0) - int(transit.get("r") or 0))


def units(store: LogStore, prefix: str = PREFIX) -> list[str]:
    with store.db.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT DISTINCT unit FROM {prefix}ledger_view ORDER BY unit")
        return [row["unit"] for row in cursor.fetchall()]


def compare_as_known_at(projections: Projections, store: LogStore, until: datetime) -> list[Finding]:
    """The rebuilt ledger against the projections' own as-known-at answer, nationally and per unit."""
    found: list[Finding] = []
    for unit in [None, *units(store)]:
        answer = projections.ledger(unit, None, until)
        answer.pop("as_known_at", None)
        rebuilt = _ledger_rows(store, unit)
        scope = f"unit={unit or 'national'}"
        for path, before, after in diff_json(answer, rebuilt):
            found.append(
                Finding(
                    "view",
                    "ledger_differs",
                    f"ledger as known at {until.isoformat()} [{scope}] {path}: projections {before}, rebuilt {after}",
                    view="ledger (as known at)",
                    key=scope,
                    field=path,
                    live=before,
                    rebuilt=after,
                )
            )
    return found


def national_is_sum_of_units(projections: Projections, store: LogStore) -> list[Finding]:
    """§10.4 #2 on the answers users get: the national ledger equals the sum of the units' ledgers."""
    national = projections.ledger()
    summed: dict[str, int] = {}
    for unit in units(store, ""):
        for account, balance in projections.ledger(unit)["accounts"].items():
            summed[account] = summed.get(account, 0) + balance
    return [
        Finding(
            "invariant",
            "national_sum",
            f"ledger answer: national {account} {balance} ≠ Σ units {summed.get(account, 0)}",
            view="ledger_view",
            key=f"account {account}",
        )
        for account, balance in national["accounts"].items()
        if balance != summed.get(account, 0)
    ]
