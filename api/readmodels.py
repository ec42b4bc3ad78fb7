"""The read side as the API uses it: one `Projections` per app, its runner guarded by a lock, and the
background thread that keeps the views current.

`Projections.catch_up` is called by every read (read-your-writes) and by the follower thread every
`projection_interval` seconds; two catch-ups at once would fold the same batch twice into the views, so
they are serialized here. Reads that fold a stream (as of / as known at) take no lock."""

from __future__ import annotations

import logging
import threading
from typing import Any

from api.masking import mask_ids
from projections.queries import Projections

log = logging.getLogger("pooling.api")


class GuardedProjections(Projections):
    """`Projections` whose runner never runs twice at once in this process, or never at all (`external`)."""

    def __init__(self, app: Any, *, external: bool = False, batch_size: int = 1000) -> None:
        super().__init__(app, batch_size=batch_size)
        self.runner_lock = threading.Lock()
        # External: another process (`pooling project run --follow`) owns the views; two runners in two
        # processes could fold the same batch twice, so this one only reads them.
        self.external = external

    def catch_up(self) -> None:
        if self.external:
            return
        with self.runner_lock:
            super().catch_up()


class ProjectionFollower:
    """A daemon thread that catches the views up every `interval` seconds until stopped.

    Same work as `pooling project run --follow`, in the server's process (mode `thread`); in the other modes it
    is not started."""

    def __init__(self, projections: GuardedProjections, mode: str, interval: float) -> None:
        self.projections, self.mode, self.interval = projections, mode, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failures = 0

    def start(self) -> None:
        if self.mode != "thread" or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="pooling-projections", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.projections.catch_up()
            except Exception as error:
                # Keep following: a store that is briefly down must not end the read side for good.
                self.failures += 1
                log.warning("projection catch-up failed: %s", mask_ids(str(error)))

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
