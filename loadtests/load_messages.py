"""Messages the load generators send to seeded persons (`bench_commands`, the Locust rehearsal)."""

from __future__ import annotations

from typing import Any

BASE_FEN = 800_000  # a monthly base inside every unit's bounds (standards/policy)


def contribution(serial: str, citizen_id: str, recorded_at: str, unit: str = "44") -> dict[str, Any]:
    """A contribution for the month of `recorded_at`, recorded then (a simulated store's clock moves to it)."""
    return {
        "type": "contribution",
        "serial": serial,
        "unit": unit,
        "citizen_id": citizen_id,
        "period": recorded_at[:7],
        "base_fen": BASE_FEN,
        "recorded_at": recorded_at,
    }
