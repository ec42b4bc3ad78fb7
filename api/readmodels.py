"""The read side as the API uses it: one `Projections` per app, its runner guarded by a lock, and the
background thread that keeps the views current.

`Projections.catch_up` is called by the ledger and risk reads (read-your-writes) and by the follower thread every
`projection_interval` seconds; two catch-ups at once would fold the same batch twice into the views, so
they are serialized here. Dossier reads take no lock and write nothing: a current dossier is the stored row when
it is at the stream's latest version, else the fold the row would hold (projections/queries.py).

`current_document` is what the dossier route sends: the current dossier rendered once by its response model
(`render_dossier`, the bytes FastAPI's `response_model` would produce) and kept per person with its stream
version, so a repeated read is one indexed query for that version; a write moves the version and the next read
renders again. `POOLING_DOSSIER_CACHE` bounds the persons kept (0: none)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from api.access import has_dealings
from api.masking import mask_ids
from domain.errors import UnknownPerson
from domain.person import person_id
from projections.follower_lock import FollowerLock
from projections.queries import FOLD_CACHE_SIZE, Projections
from standards.interchange import DossierModel

log = logging.getLogger("pooling.api")


class GuardedProjections(Projections):
    """`Projections` whose runner never runs twice at once in this process, or never at all (`external`)."""

    def __init__(
        self,
        app: Any,
        *,
        external: bool = False,
        batch_size: int = 1000,
        documents_kept: int = 20_000,
        folds_kept: int = FOLD_CACHE_SIZE,
    ) -> None:
        super().__init__(app, batch_size=batch_size, folds_kept=folds_kept)
        self.runner_lock = threading.Lock()
        # External: another process (`pooling project run --follow`) owns the views; two runners in two
        # processes could fold the same batch twice, so this one only reads them.
        self.external = external
        self.documents_kept = documents_kept
        self._documents: OrderedDict[UUID, CurrentDocument] = OrderedDict()
        self._documents_lock = threading.Lock()

    def current_document(self, citizen_id: str) -> CurrentDocument:
        """The current dossier as the response body, with the units that have dealings with the person."""
        person = person_id(citizen_id)
        head = None
        if self._is_kept(person):  # one round trip to see that it is still current
            (head,) = self.heads(person)
            if head == 0:
                raise UnknownPerson(citizen_id)
            kept = self._kept_document(person, head)
            if kept is not None:
                return kept
        # Else the stream's head, the stored row and its event rows come in one statement (UnknownPerson if none).
        answer = self.dossier(citizen_id, head=head)
        document = CurrentDocument(
            version=len(answer["events"]), body=render_dossier(answer), units=dealing_units(answer)
        )
        if self.documents_kept > 0:
            with self._documents_lock:
                self._documents[person] = document
                self._documents.move_to_end(person)
                while len(self._documents) > self.documents_kept:
                    self._documents.popitem(last=False)
        return document

    def _is_kept(self, person: UUID) -> bool:
        with self._documents_lock:
            return person in self._documents

    def _kept_document(self, person: UUID, head: int) -> CurrentDocument | None:
        with self._documents_lock:
            kept = self._documents.get(person)
            if kept is None or kept.version < head:
                return None
            self._documents.move_to_end(person)
            return kept

    def catch_up(self) -> None:
        if self.external:
            return
        with self.runner_lock:
            super().catch_up()


@dataclass(frozen=True, slots=True)
class CurrentDocument:
    """A current dossier as sent: its stream version, the JSON body, and the units with dealings (api/access.py)."""

    version: int
    body: bytes
    units: frozenset[str]


_DOSSIER = TypeAdapter(DossierModel)


def render_dossier(answer: dict[str, Any]) -> bytes:
    """The JSON body FastAPI's `response_model=DossierModel` gives for `answer`: validated, then dumped by alias."""
    return _DOSSIER.dump_json(_DOSSIER.validate_python(answer, from_attributes=True), by_alias=True)


def dealing_units(dossier: dict[str, Any]) -> frozenset[str]:
    """The units `has_dealings` accepts for this dossier, asked of every unit code the dossier mentions."""
    mentioned = {value for value in dossier.values() if isinstance(value, str)}
    mentioned |= set(dossier.get("months_by_unit") or {})
    mentioned |= {event.get("unit") for event in dossier.get("events") or () if isinstance(event.get("unit"), str)}
    return frozenset(unit for unit in mentioned if has_dealings(unit, dossier))


class ProjectionFollower:
    """A daemon thread that catches the views up every `interval` seconds until stopped.

    Same work as `pooling project run --follow`, in the server's process (mode `thread`); in the other modes it
    is not started."""

    def __init__(self, projections: GuardedProjections, mode: str, interval: float) -> None:
        self.projections, self.mode, self.interval = projections, mode, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0
        self.leading = False  # this process's follower holds the store's follower lock (it folds the batches)

    def start(self) -> None:
        if self.mode != "thread" or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="pooling-projections", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        # With several server processes on one PostgreSQL store, one follows (projections/follower_lock.py).
        lock = FollowerLock(self.projections.runner.db.datastore, self.projections.runner.db.sqlite)
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.leading = lock.held()
                    if self.leading:
                        self.projections.catch_up()
                except Exception as error:
                    # Keep following: a store that is briefly down must not end the read side for good.
                    self.failures += 1
                    log.warning("projection follower failed (lock or catch-up): %s", mask_ids(str(error)))
        finally:
            self.leading = False
            lock.release()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
