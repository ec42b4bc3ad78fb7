"""What a running replay shows (`ReplayProgress`, shared with the thread that watches it) and what it leaves
(`ReplayResult`): the HTTP layer keeps the progress object of each replay it started and answers its snapshot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class ReplayProgress:
    """Where a replay is, safe to read from another thread (`snapshot()`) while it runs."""

    replay_id: str = field(default_factory=lambda: datetime.now(UTC).strftime("replay-%Y%m%dT%H%M%S%fZ"))
    phase: str = "pending"
    position: int = 0
    head: int = 0
    rows: int = 0
    events_per_second: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    ok: bool | None = None
    report_json: str | None = None
    report_html: str | None = None
    error: str | None = None
    listener: Callable[[ReplayProgress], None] | None = field(default=None, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def update(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, value)
        if self.listener is not None:
            self.listener(self)

    def snapshot(self) -> dict[str, Any]:
        """The public fields as JSON-ready values (what GET …/audit/replays/{id} can answer while it runs)."""
        with self._lock:
            return {
                name: getattr(self, name)
                for name in (
                    "replay_id",
                    "phase",
                    "position",
                    "head",
                    "rows",
                    "events_per_second",
                    "started_at",
                    "finished_at",
                    "ok",
                    "report_json",
                    "report_html",
                    "error",
                )
            }


@dataclass
class ReplayResult:
    """The finished replay: its report and where it was written."""

    report: dict[str, Any]
    json_path: Path
    html_path: Path

    @property
    def ok(self) -> bool:
        return bool(self.report["ok"])

    @property
    def exit_code(self) -> int:
        """0 when nothing is wrong; 1 on any chain break, checkpoint failure, discrepancy or broken invariant."""
        return 0 if self.ok else 1
