"""Read side entry point: keep the views current and answer dossier and ledger questions (INTERCHANGE.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain import events as ev
from domain.clock import recorded_date
from domain.errors import UnknownPerson
from domain.person import person_id
from projections.dossier import build_dossier, event_rows, fold
from projections.postings import postings
from projections.risk import findings
from projections.runner import ProjectionRunner
from projections.runs import RunsHistory
from projections.views.dossiers import DossierView, read_dossier, read_risk_facts
from projections.views.ledgers import TABLE as LEDGER_TABLE
from projections.views.ledgers import TRANSIT_TABLE, LedgerView
from standards.calendar import Month
from standards.codes import ACCOUNTS


class Projections:
    """The views of one application, with the questions users ask of them."""

    def __init__(self, app: Any, batch_size: int = 5000) -> None:
        self.app = app
        self.dossiers = DossierView(app)
        self.ledgers = LedgerView(app)
        self.runner = ProjectionRunner(app, [self.dossiers, self.ledgers], batch_size=batch_size)

    def catch_up(self) -> None:
        self.runner.run()

    # --- dossier ----------------------------------------------------------------------------------------
    def dossier(
        self, citizen_id: str, as_of: date | None = None, as_known_at: datetime | None = None
    ) -> dict[str, Any]:
        """The dossier now (from the stored view), or as of D and/or as known at T (folded from the stream)."""
        if as_of is None and as_known_at is None:
            self.catch_up()
            with self.runner.db.transaction(commit=False) as cursor:
                stored = read_dossier(cursor, citizen_id)
            if stored is not None:
                history = [e for e in self.app.events.get(person_id(citizen_id)) if isinstance(e, ev.PersonEvent)]
                return {**stored, "events": event_rows(history)}
        known_at = as_known_at or self.app.now
        events = list(self.app.events.get(person_id(citizen_id)))
        state = fold(events, known_at)
        if not state.history:
            raise UnknownPerson(citizen_id)
        return build_dossier(
            state,
            as_of=as_of or recorded_date(known_at),
            as_known_at=known_at,
            policy=self.app.policy,
            fallback_rate=RunsHistory(self.app).fallback_rate(self.app.policy, known_at),
            simulated=self.app.simulated,
        )

    # --- ledger -----------------------------------------------------------------------------------------
    def ledger(
        self, unit: str | None = None, as_of: Month | None = None, as_known_at: datetime | None = None
    ) -> dict[str, Any]:
        """A unit's trial balance, or the national balance (全国一本账), as of the end of a month."""
        if as_known_at is not None:
            return self._ledger_replayed(unit, as_of, as_known_at)
        self.catch_up()
        month = str(as_of) if as_of else "9999-12"
        where, params = ("month <= %s", [month]) if unit is None else ("month <= %s AND unit = %s", [month, unit])
        with self.runner.db.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT account, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr FROM {LEDGER_TABLE} WHERE {where} GROUP BY account",
                params,
            )
            sums = {row["account"]: (int(row["dr"]), int(row["cr"])) for row in cursor.fetchall()}
            cursor.execute(
                f"SELECT SUM(sent_fen) AS s, SUM(received_fen) AS r FROM {TRANSIT_TABLE} WHERE month <= %s", [month]
            )
            transit = cursor.fetchone() or {}
        in_transit = int(transit.get("s") or 0) - int(transit.get("r") or 0)
        return _ledger_answer(unit, as_of, sums, in_transit)

    def _ledger_replayed(self, unit: str | None, as_of: Month | None, as_known_at: datetime) -> dict[str, Any]:
        """The same answer from the events recorded at or before T (the audit's "as known at")."""
        month = str(as_of) if as_of else "9999-12"
        sums: dict[str, tuple[int, int]] = {}
        seen: dict[tuple[Any, int], Any] = {}
        sent = received = 0
        for notification in self.all_notifications():
            event = self.app.mapper.to_domain_event(notification)
            if not isinstance(event, ev.PersonEvent):
                continue
            if event.recorded_at > as_known_at:
                continue  # a batch saves persons grouped, so the log is not strictly in recorded order
            seen[(event.originator_id, event.originator_version)] = event
            if event.effective[:7] > month:
                continue
            original = (
                seen.get((event.originator_id, event.reversed_version)) if isinstance(event, ev.Reversed) else None
            )
            for posting in postings(event, original):
                if unit is None or posting.unit == unit:
                    dr, cr = sums.get(posting.account, (0, 0))
                    sums[posting.account] = (dr + posting.debit_fen, cr + posting.credit_fen)
            moved, sign = (original, -1) if original is not None else (event, 1)
            if isinstance(moved, ev.TransferSent):
                sent += sign * (moved.account_fen + moved.pooled_fen)
            elif isinstance(moved, ev.TransferReceived):
                received += sign * (moved.account_fen + moved.pooled_fen)
        answer = _ledger_answer(unit, as_of, sums, sent - received)
        answer["as_known_at"] = as_known_at.isoformat()
        return answer

    def all_notifications(self) -> Any:
        start = 0
        while True:
            section = self.app.recorder.select_notifications(start, 5000, inclusive_of_start=False)
            yield from section
            if len(section) < 5000:
                return
            start = section[-1].id

    def risk_findings(self, scan_date: date | None = None, rule: str | None = None) -> list[dict[str, Any]]:
        """After-the-fact findings (R101-R106) as of the scan date (default: the store's today)."""
        self.catch_up()
        day = scan_date or recorded_date(self.app.now)
        with self.runner.db.transaction(commit=False) as cursor:
            facts = read_risk_facts(cursor)
        found = [f.as_dict() for person in facts for f in findings(person, day, self.app.policy.scan_limits)]
        return [f for f in found if rule is None or f["rule"] == rule]

    def status(self) -> dict[str, Any]:
        """Each view's position, its lag behind the head, and the speed of its last catch-up."""
        head, rates = self.runner.head(), self.runner.rates()
        views = {
            name: {"position": position, "lag": head - position, "events_per_second": rates[name]}
            for name, position in self.runner.positions().items()
        }
        return views | {"head": head}


def _ledger_answer(
    unit: str | None, as_of: Month | None, sums: dict[str, tuple[int, int]], in_transit: int
) -> dict[str, Any]:
    accounts = {}
    for account, side in ACCOUNTS.items():
        dr, cr = sums.get(account, (0, 0))
        accounts[account] = dr - cr if side == "Dr" else cr - dr
    return {
        "unit": unit or "national",
        "as_of": str(as_of) if as_of else None,
        "accounts": accounts,
        "debits_fen": sum(dr for dr, _ in sums.values()),
        "credits_fen": sum(cr for _, cr in sums.values()),
        "transfer_in_transit_fen": in_transit,
        "pooled_fund_balance_fen": _pooled_balance(sums),
    }


def _pooled_balance(sums: dict[str, tuple[int, int]]) -> int:
    """统筹基金结余 = Σ revenue − Σ expense (derived, never posted; §10.1)."""
    revenue = sum(cr - dr for account, (dr, cr) in sums.items() if account.startswith("rev_"))
    expense = sum(dr - cr for account, (dr, cr) in sums.items() if account.startswith("exp_"))
    return revenue - expense
