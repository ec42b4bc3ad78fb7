"""A fast, compact transcoder for the library's stored events (orjson instead of the tagged JSON default).

Event fields are JSON-native by design (domain/events.py), so nothing needs type tags; the one exception is
the library's `timestamp`, stored as ISO text and turned back into an aware datetime on the way out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import Transcoder


class OrjsonTranscoder(Transcoder):
    """Encodes event state with orjson; decodes `timestamp` back to a datetime."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        state = orjson.loads(data)
        if isinstance(state, dict) and isinstance(state.get("timestamp"), str):
            state["timestamp"] = datetime.fromisoformat(state["timestamp"])
        return state
