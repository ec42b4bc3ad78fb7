"""The ledger view: postings summed per pooling unit, account and effective month; money in transit apart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain import events as ev
from projections.database import ViewCursor
from projections.postings import postings

TABLE = "ledger_view"
TRANSIT_TABLE = "ledger_transit_view"


class LedgerView:
    """Ledger sums and transit memo; `prefix` names a second copy (the audit replay builds one)."""

    event_types: tuple[type, ...] = (ev.PersonEvent,)  # the rows the runner decodes for this view

    def __init__(self, app: Any, prefix: str = "") -> None:
        self.app = app
        self.name = f"{prefix}ledgers"
        self.table, self.transit_table = f"{prefix}{TABLE}", f"{prefix}{TRANSIT_TABLE}"

    def create(self, cursor: ViewCursor) -> None:
        big = "INTEGER" if cursor._sqlite else "BIGINT"
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (unit TEXT NOT NULL, account TEXT NOT NULL, month TEXT NOT NULL, "
            f"debit_fen {big} NOT NULL, credit_fen {big} NOT NULL, PRIMARY KEY (unit, account, month))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.transit_table} (month TEXT PRIMARY KEY, "
            f"sent_fen {big} NOT NULL, received_fen {big} NOT NULL)"
        )

    def drop(self, cursor: ViewCursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        cursor.execute(f"DROP TABLE IF EXISTS {self.transit_table}")

    def forget(self) -> None:
        pass

    def process(self, cursor: ViewCursor, events: Sequence[tuple[int, Any]]) -> None:
        sums: dict[tuple[str, str, str], list[int]] = {}
        transit: dict[str, list[int]] = {}
        originals = self._originals_in(events)
        for _, event in events:
            if not isinstance(event, ev.PersonEvent):
                continue
            original = None
            if isinstance(event, ev.Reversed):
                original = originals.get((event.originator_id, event.reversed_version)) or self._original(event)
            month = event.effective[:7]
            for posting in postings(event, original):
                row = sums.setdefault((posting.unit, posting.account, month), [0, 0])
                row[0] += posting.debit_fen
                row[1] += posting.credit_fen
            moved = original if original is not None else event
            sign = -1 if original is not None else 1
            if isinstance(moved, ev.TransferSent):
                transit.setdefault(month, [0, 0])[0] += sign * (moved.account_fen + moved.pooled_fen)
            elif isinstance(moved, ev.TransferReceived):
                transit.setdefault(month, [0, 0])[1] += sign * (moved.account_fen + moved.pooled_fen)
        cursor.insert_many(
            f"INSERT INTO {self.table} (unit, account, month, debit_fen, credit_fen)",
            ("text", "text", "text", "bigint", "bigint"),
            [(unit, account, month, dr, cr) for (unit, account, month), (dr, cr) in sorted(sums.items())],
            f"ON CONFLICT (unit, account, month) DO UPDATE SET debit_fen = {self.table}.debit_fen + excluded.debit_fen, "
            f"credit_fen = {self.table}.credit_fen + excluded.credit_fen",
        )
        cursor.insert_many(
            f"INSERT INTO {self.transit_table} (month, sent_fen, received_fen)",
            ("text", "bigint", "bigint"),
            [(month, sent, received) for month, (sent, received) in sorted(transit.items())],
            f"ON CONFLICT (month) DO UPDATE SET sent_fen = {self.transit_table}.sent_fen + excluded.sent_fen, "
            f"received_fen = {self.transit_table}.received_fen + excluded.received_fen",
        )

    @staticmethod
    def _originals_in(events: Sequence[tuple[int, Any]]) -> dict[tuple[Any, int], ev.PersonEvent]:
        """The events of this batch that a `Reversed` of this batch reverses (the rest are read from the store)."""
        wanted = {(e.originator_id, e.reversed_version) for _, e in events if isinstance(e, ev.Reversed)}
        if not wanted:
            return {}
        return {
            (e.originator_id, e.originator_version): e
            for _, e in events
            if isinstance(e, ev.PersonEvent) and (e.originator_id, e.originator_version) in wanted
        }

    def _original(self, event: ev.Reversed) -> ev.PersonEvent:
        found = list(
            self.app.events.get(event.originator_id, gt=event.reversed_version - 1, lte=event.reversed_version)
        )
        original = found[0]
        assert isinstance(original, ev.PersonEvent)
        return original
