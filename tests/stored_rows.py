"""A store's contents as rows, for tests that compare stores written different ways."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from domain.application import PoolingApplication
from domain.stores import commands as command_log
from projections.database import ViewDatabase


def streams(app: PoolingApplication) -> dict[Any, list[tuple[int, str, bytes]]]:
    """Every stream of the store (persons, command records, store-wide aggregates) as its stored rows."""
    found: dict[Any, list[tuple[int, str, bytes]]] = defaultdict(list)
    position = 0
    while True:
        batch = app.recorder.select_notifications(position + 1, 5000)
        for row in batch:
            found[row.originator_id].append((row.originator_version, row.topic, bytes(row.state)))
        if len(batch) < 5000:
            return {key: sorted(rows) for key, rows in found.items()}
        position = batch[-1].id


def commands(app: PoolingApplication) -> list[dict[str, Any]]:
    """The whole command log, in key order."""
    with ViewDatabase(app.recorder).transaction(commit=False) as cursor:
        cursor.execute(f"SELECT {command_log.COLUMNS} FROM {command_log.TABLE} ORDER BY unit, serial")
        return cursor.fetchall()
