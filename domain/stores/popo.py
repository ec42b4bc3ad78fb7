"""The library's in-memory store, plus the command log: for tests and for the bulk seeder's shards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory

from domain.registry import CommandKey, CommandRow


class PoolingPOPORecorder(POPOApplicationRecorder):
    """The library's in-memory recorder; `insert_events(..., commands=[...])` also keeps command rows."""

    def __init__(self) -> None:
        super().__init__()
        self._commands: dict[CommandKey, CommandRow] = {}
        self._clock: datetime | None = None

    def _assert_uniqueness(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._assert_uniqueness(stored_events, **kwargs)
        keys = [row.key for row in kwargs.get("commands") or ()]
        if len(set(keys)) < len(keys) or any(key in self._commands for key in keys):
            raise IntegrityError(f"command already recorded: {keys}")

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._update_table(stored_events, **kwargs)
        for row in kwargs.get("commands") or ():
            self._commands[row.key] = row
        if kwargs.get("clock") is not None:
            self._clock = kwargs["clock"]
        return ids

    def clock(self) -> datetime | None:
        """The latest recorded_at saved by a simulated store (None before the first save)."""
        return self._clock

    def select_commands(self, keys: Sequence[CommandKey]) -> dict[CommandKey, CommandRow]:
        """The recorded commands among these keys."""
        with self._database_lock:
            return {key: self._commands[key] for key in keys if key in self._commands}

    def select_streams(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of these streams, each in version order (a stream with none is absent)."""
        found = {stream: list(self.select_events(stream)) for stream in ids}
        return {stream: events for stream, events in found.items() if events}


class PoolingPOPOFactory(POPOFactory):
    """The in-memory store with the command log."""

    def application_recorder(self) -> ApplicationRecorder:
        return PoolingPOPORecorder()
