"""Rebuilding every view from the log into fresh `audit_` tables, fed by the replay's own pass over the rows.

The views are the projections' own classes with a prefix, so the rebuild runs exactly the code the live views ran.
A tampered store may hold rows that cannot be decoded or folded; the rebuild must still finish and report them,
so a batch that fails is folded again event by event and each event that still fails becomes a finding."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain import events as ev
from projections.audit.chain import event_type
from projections.audit.findings import Finding
from projections.audit.store import Row
from projections.database import ViewDatabase
from projections.decoding import EventDecoder
from projections.runner import collector_paused
from projections.views.dossiers import DossierView
from projections.views.ledgers import LedgerView

PREFIX = "audit_"


class Rebuild:
    """The dossier and ledger views rebuilt from rows fed to it: the replay's `audit_` copies, or with `prefix=""`
    the live views themselves (projections/parallel_rebuild.py)."""

    def __init__(
        self, app: Any, db: ViewDatabase, until: datetime | None = None, *, fresh: bool = True, prefix: str = PREFIX
    ) -> None:
        """`fresh` drops and creates the tables; the shards of a parallel replay share tables made once."""
        self.app, self.db, self.until = app, db, until
        # Dossiers deferred: each person's dossier is built once, at `finish`, not once per batch it appears in.
        # Deferred in memory, not with the live view's marks: shard processes fold side by side without the
        # runners' lock, and the marks table is shared by every process writing these tables.
        self.views: list[Any] = [DossierView(app, prefix=prefix, defer=True), LedgerView(app, prefix=prefix)]
        self.decoder = EventDecoder(app, (ev.PersonEvent,))  # decodes as the library's mapper, leaner
        self.findings: list[Finding] = []
        self.folded = 0
        if fresh:
            with db.transaction() as cursor:
                for view in self.views:
                    view.drop(cursor)
                    view.create(cursor)

    def feed(self, rows: Sequence[Row]) -> None:
        """Decode the person events of one batch (recorded at or before `until`) and fold them into every view."""
        events: list[tuple[int, Any]] = []
        for row in rows:
            if event_type(row.topic) is None:
                continue  # only person events feed the views; the other records are covered by the checkpoints
            try:
                event = self.decoder.one(row.stream, row.version, row.topic, row.state)
            except Exception as error:  # a tampered row: named by the chain check, counted here, never fatal
                self.findings.append(
                    Finding(
                        "replay",
                        "undecodable",
                        f"position {row.position} (stream {row.stream} version {row.version}) cannot be decoded: {error}",
                        stream=str(row.stream),
                        version=row.version,
                        position=row.position,
                    )
                )
                continue
            if isinstance(event, ev.PersonEvent) and (self.until is None or event.recorded_at <= self.until):
                events.append((row.position, event))
        if not events:
            return
        try:
            with collector_paused(), self.db.transaction() as cursor:
                for view in self.views:
                    view.process(cursor, events)
        except Exception:
            self._one_by_one(events)
        self.folded += len(events)

    def finish(self) -> None:
        """Write what the views deferred (the dossiers): after the last batch."""
        with self.db.transaction() as cursor:
            for view in self.views:
                flush = getattr(view, "flush", None)
                if flush is not None:
                    flush(cursor)

    def _one_by_one(self, events: list[tuple[int, Any]]) -> None:
        for view in self.views:
            view.forget()  # its cache may hold states folded past what was committed
        for position, event in events:
            for view in self.views:
                try:
                    with self.db.transaction() as cursor:
                        view.process(cursor, [(position, event)])
                except Exception as error:
                    view.forget()
                    self.findings.append(
                        Finding(
                            "replay",
                            "unfoldable",
                            f"{view.name} could not fold position {position} (stream {event.originator_id} "
                            f"version {event.originator_version}): {type(error).__name__}: {error}",
                            stream=str(event.originator_id),
                            version=event.originator_version,
                            position=position,
                            view=view.name,
                        )
                    )
