"""The ledger invariants of DOMAIN.md §10.4 that the stored views allow checking, on either copy of the views.

Checked: (1) Σ debits = Σ credits per unit and month (every event's postings share one unit-month, §10.4 #1) and
nationally; (2) the national balance of each account equals the sum over units; (3) per unit, bank +
overpayment_receivable = ia_liability + temporary liabilities + pooled-fund balance (revenue − expense), the
adjustment clearing accounts (§10.4 #6) counted with the liabilities since they net to zero only once a year closes;
(5) the transit memo (Σ sent − Σ received) equals the transfers the persons still have in transit, so it returns
to 0 once every transfer is received (a completed transfer nets to zero nationally); (7) the national
overpayment_receivable equals the sum of the persons' open receivables.
Not checkable from the views: #4 (ia_liability = Σ persons' sub-ledgers), because a dossier row holds balances as of
the person's last recorded date while the ledger also counts money effective later (a payout run whose paid_on
follows the run) and shows money in transit in the receiving sub-ledger; and #6, which needs the year's close."""

from __future__ import annotations

from collections import defaultdict

import orjson

from projections.audit.compare import page_rows
from projections.audit.findings import Finding
from projections.database import ViewDatabase
from standards.codes import ACCOUNTS

CHECKED = (
    "balanced per unit and month, and nationally",
    "national = Σ units",
    "bank + receivable = liabilities + pooled-fund balance, per unit",
    "transit memo = Σ transfers in transit",
    "overpayment receivable = Σ open overpayments",
)
Sums = dict[tuple[str, str], list[int]]


def check_ledger(db: ViewDatabase, prefix: str = "") -> list[Finding]:
    """Every invariant above on the views named with `prefix` ("" for the live views, "audit_" for the rebuild)."""
    table = f"{prefix}ledger_view"
    with db.transaction(commit=False) as cursor:
        cursor.execute(
            f"SELECT unit, month, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {table} GROUP BY unit, month"
        )
        by_month = {(r["unit"], r["month"]): [int(r["dr"]), int(r["cr"])] for r in cursor.fetchall()}
        cursor.execute(
            f"SELECT unit, account, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {table} GROUP BY unit, account"
        )
        by_account = {(r["unit"], r["account"]): [int(r["dr"]), int(r["cr"])] for r in cursor.fetchall()}
        cursor.execute(f"SELECT account, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {table} GROUP BY account")
        national = {r["account"]: (int(r["dr"]), int(r["cr"])) for r in cursor.fetchall()}
        cursor.execute(f"SELECT SUM(sent_fen) AS s, SUM(received_fen) AS r FROM {prefix}ledger_transit_view")
        transit = cursor.fetchone() or {}
    persons = _persons(db, prefix)
    memo = int(transit.get("s") or 0) - int(transit.get("r") or 0)
    return [
        *_balanced(table, by_month),
        *_national(table, by_account, national),
        *_equation(table, by_account),
        *_compare(
            table,
            "transit",
            "national",
            "transit memo (sent − received)",
            memo,
            "Σ transfers in transit",
            persons["in_transit"],
        ),
        *_compare(
            table,
            "receivable",
            "national",
            "overpayment_receivable",
            _balance("overpayment_receivable", *national.get("overpayment_receivable", (0, 0))),
            "Σ open overpayments",
            persons["receivable"],
        ),
    ]


def _balance(account: str, debit: int, credit: int) -> int:
    return debit - credit if ACCOUNTS.get(account, "Dr") == "Dr" else credit - debit


def _finding(table: str, code: str, scope: str, message: str) -> Finding:
    return Finding("invariant", code, f"{table} {scope}: {message}", view=table, key=scope)


def _compare(
    table: str, code: str, scope: str, left_name: str, left: int, right_name: str, right: int
) -> list[Finding]:
    return [] if left == right else [_finding(table, code, scope, f"{left_name} {left} ≠ {right_name} {right}")]


def _balanced(table: str, by_month: Sums) -> list[Finding]:
    found = [
        _finding(table, "unbalanced", f"unit {unit} month {month}", f"Σ debits {dr} ≠ Σ credits {cr}")
        for (unit, month), (dr, cr) in sorted(by_month.items())
        if dr != cr
    ]
    total_dr = sum(dr for dr, _ in by_month.values())
    total_cr = sum(cr for _, cr in by_month.values())
    return found + _compare(table, "unbalanced", "national", "Σ debits", total_dr, "Σ credits", total_cr)


def _national(table: str, by_account: Sums, national: dict[str, tuple[int, int]]) -> list[Finding]:
    summed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_, account), (dr, cr) in by_account.items():
        summed[account][0] += dr
        summed[account][1] += cr
    found = []
    for account in sorted(summed.keys() | national.keys()):
        left, right = tuple(summed.get(account, (0, 0))), national.get(account, (0, 0))
        if left != right:
            found.append(_finding(table, "national_sum", f"account {account}", f"Σ units {left} ≠ national {right}"))
    return found


def _equation(table: str, by_account: Sums) -> list[Finding]:
    units: dict[str, dict[str, int]] = defaultdict(dict)
    found = []
    for (unit, account), (dr, cr) in by_account.items():
        if account not in ACCOUNTS:
            found.append(_finding(table, "unknown_account", f"unit {unit}", f"account {account!r} is not in the chart"))
        units[unit][account] = _balance(account, dr, cr)
    for unit, balances in sorted(units.items()):
        assets = balances.get("bank", 0) + balances.get("overpayment_receivable", 0)
        pooled = sum(v for a, v in balances.items() if a.startswith("rev_")) - sum(
            v for a, v in balances.items() if a.startswith("exp_")
        )
        liabilities = sum(balances.get(a, 0) for a in ("ia_liability", "temp_ia_liability", "temp_pooled_liability"))
        clearing = balances.get("adj_collected", 0) - balances.get("adj_allocated", 0)
        if assets != liabilities + pooled + clearing:
            found.append(
                _finding(
                    table,
                    "equation",
                    f"unit {unit}",
                    f"bank + receivable {assets} ≠ liabilities {liabilities} + pooled-fund balance {pooled}"
                    + (f" + adjustment clearing {clearing}" if clearing else ""),
                )
            )
    return found


def _persons(db: ViewDatabase, prefix: str) -> dict[str, int]:
    """Per-person totals from the risk-fact view: transfers in transit and open receivables."""
    in_transit = receivable = 0
    for row in page_rows(db, f"{prefix}risk_facts_view", ("person_id",), ("facts",)):
        facts = orjson.loads(row["facts"])
        in_transit += sum(int(item[3]) for item in facts["in_transit"])
        receivable += int(facts["receivable_fen"])
    return {"in_transit": in_transit, "receivable": receivable}
