"""Two small questions of the ledger view the projections module does not ask: one account's monthly
movements in one unit, and every unit's headline balances in one query (the console's national page).

Both read `ledger_view` (unit, account, month, debit_fen, credit_fen) in a read-only transaction on the
event store's database, after a catch-up so a write just answered is already counted."""

from __future__ import annotations

from typing import Any

from api.readmodels import GuardedProjections
from projections.views.ledgers import TABLE
from standards.calendar import Month
from standards.codes import ACCOUNTS, POOLING_UNITS


def _signed(account: str, debit: int, credit: int) -> int:
    """A movement on the account's normal side is positive (Dr accounts: debit − credit)."""
    return debit - credit if ACCOUNTS[account] == "Dr" else credit - debit


def account_movements(
    projections: GuardedProjections, unit: str, account: str, first: Month | None, last: Month | None
) -> dict[str, Any]:
    """Monthly debits, credits and the running balance of one account of one unit, months in order."""
    projections.catch_up()
    start, end = str(first) if first else "0000-01", str(last) if last else "9999-12"
    with projections.runner.db.transaction(commit=False) as cursor:
        cursor.execute(
            f"SELECT SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {TABLE} WHERE unit = %s AND account = %s AND month < %s",
            [unit, account, start],
        )
        opening = cursor.fetchone() or {}
        cursor.execute(
            f"SELECT month, debit_fen, credit_fen FROM {TABLE} "
            "WHERE unit = %s AND account = %s AND month >= %s AND month <= %s ORDER BY month",
            [unit, account, start, end],
        )
        rows = cursor.fetchall()
    balance = _signed(account, int(opening.get("dr") or 0), int(opening.get("cr") or 0))
    opening_balance, months = balance, []
    for row in rows:
        debit, credit = int(row["debit_fen"]), int(row["credit_fen"])
        balance += _signed(account, debit, credit)
        months.append({"month": row["month"], "debit_fen": debit, "credit_fen": credit, "balance_fen": balance})
    return {
        "unit": unit,
        "account": account,
        "side": ACCOUNTS[account],
        "from": str(first) if first else None,
        "as_of": str(last) if last else None,
        "opening_balance_fen": opening_balance,
        "closing_balance_fen": balance,
        "months": months,
    }


def unit_balances(projections: GuardedProjections, last: Month | None) -> dict[str, Any]:
    """Per pooling unit: bank, individual-account liability and pooled-fund balance at the end of `last`."""
    projections.catch_up()
    end = str(last) if last else "9999-12"
    with projections.runner.db.transaction(commit=False) as cursor:
        cursor.execute(
            f"SELECT unit, account, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {TABLE} "
            "WHERE month <= %s GROUP BY unit, account",
            [end],
        )
        rows = cursor.fetchall()
    sums: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        sums.setdefault(row["unit"], {})[row["account"]] = (int(row["dr"] or 0), int(row["cr"] or 0))
    units = [_unit_row(unit, sums[unit]) for unit in sorted(sums)]
    totals = {
        key: sum(row[key] for row in units) for key in ("bank_fen", "ia_liability_fen", "pooled_fund_balance_fen")
    }
    return {"as_of": str(last) if last else None, "units": units, "national": totals}


def _unit_row(unit: str, sums: dict[str, tuple[int, int]]) -> dict[str, Any]:
    def balance(account: str) -> int:
        return _signed(account, *sums.get(account, (0, 0)))

    # 统筹基金结余 = Σ revenue − Σ expense, as Projections.ledger derives it (never posted, DOMAIN.md §10.1).
    revenue = sum(cr - dr for account, (dr, cr) in sums.items() if account.startswith("rev_"))
    expense = sum(dr - cr for account, (dr, cr) in sums.items() if account.startswith("exp_"))
    return {
        "unit": unit,
        "name": POOLING_UNITS[unit][0] if unit in POOLING_UNITS else unit,
        "bank_fen": balance("bank"),
        "ia_liability_fen": balance("ia_liability") + balance("temp_ia_liability"),
        "pooled_fund_balance_fen": revenue - expense,
        "debits_fen": sum(dr for dr, _ in sums.values()),
        "credits_fen": sum(cr for _, cr in sums.values()),
    }
