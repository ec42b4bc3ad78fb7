"""The per-stream hash chain (ARCHITECTURE.md "Hash chain"): tamper evidence built into every event.

hash = SHA-256(prev_hash ‖ canonical), canonical being the UTF-8 JSON (keys sorted, no spaces) of the
stream id, version, event type and the event's fields other than the hash. The first prev_hash is 32 zero bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson

GENESIS = bytes(32)

#: Exact types orjson already writes as the canonical form needs them (str, int, bool, null). Anything else,
#: subclasses included, goes through `_plain`, which is where floats are refused.
_NATIVE: frozenset[type] = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    kind = type(value)
    # Exact-type shortcuts first (the common cases); each gives what the isinstance chain below would.
    if kind in _NATIVE:
        return value
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is list:
        return [item if type(item) in _NATIVE else _plain(item) for item in value]
    if kind is dict:
        return {str(key): item if type(item) in _NATIVE else _plain(item) for key, item in value.items()}
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise TypeError(f"cannot encode {type(value).__name__} canonically (floats are never allowed)")


def canonical(stream_id: UUID, version: int, event_type: str, fields: Mapping[str, Any]) -> bytes:
    """The canonical bytes of one event: what its hash covers."""
    body: dict[str, Any] = {}
    native = _NATIVE
    for key, value in fields.items():
        kind = type(value)
        if kind in native:
            body[key] = value
        elif key == "hash":
            continue
        elif kind is datetime:  # the recorded time of every event
            body[key] = value.isoformat()
        else:
            body[key] = _plain(value)
    body.pop("hash", None)
    document = {"stream": str(stream_id), "version": version, "type": event_type, "fields": body}
    # orjson's compact, key-sorted UTF-8 is byte for byte json.dumps(sort_keys, separators=(",", ":"),
    # ensure_ascii=False) for these plain values (tested), at a fraction of the cost.
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def chain_hash(
    previous_hex: str | None, stream_id: UUID, version: int, event_type: str, fields: Mapping[str, Any]
) -> str:
    """The hex hash of an event given the previous event's hex hash (None for the first event)."""
    digest = hashlib.sha256(bytes.fromhex(previous_hex) if previous_hex else GENESIS)
    digest.update(canonical(stream_id, version, event_type, fields))
    return digest.hexdigest()
