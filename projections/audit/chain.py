"""Verifying the per-person hash chains (ARCHITECTURE.md "Hash chain") over the raw stored rows.

The hash covers the event's stored fields exactly as domain/person.py hashed them: the JSON state minus `hash`
(so `timestamp` as ISO text, and for the stream's first event the `originator_topic` the library stores with a
created event), with the stream id, the version and the event type. Verifying the stored JSON rather than decoded
events means a field the event class would not even accept still breaks the chain instead of the decoder.

The scan is one pass in log order that only decides, per stream, whether everything is in order (versions 1..n
without gaps, positions rising with versions, every hash recomputed). A stream found broken is then re-read in
version order and diagnosed, naming the first break: a missing version (deleted), a version out of log order
(re-versioned), a state that is not the one hashed (altered or forged), or the content of another version (swapped,
or a copy re-versioned). Tampering is rare, so the second read costs nothing in the normal case."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson

from domain.events import EVENT_CLASSES
from domain.hashing import GENESIS, chain_hash
from domain.stores.encoding import decode_state, full_topic
from projections.audit.findings import Finding
from projections.audit.store import Row

PERSON_MODULE = "domain.events"
# Identifying the content of a mismatched version tries every (version, previous hash) pair: quadratic, so bounded.
IDENTIFY_LIMIT = 400
FINDINGS_PER_STREAM = 10


def event_type(topic: str) -> str | None:
    """The person event type a topic names (`domain.events:ContributionPaid` or its alias `CP` → `ContributionPaid`),
    else None."""
    module, _, name = full_topic(topic).partition(":")
    return name if module == PERSON_MODULE and name in EVENT_CLASSES else None


def parse_state(state: bytes) -> dict[str, Any] | None:
    """The stored JSON object (decompressed, domain/stores/encoding.py), or None when the bytes are not one."""
    try:
        parsed = orjson.loads(decode_state(state))
    except (ValueError, zlib.error):  # orjson.JSONDecodeError is a ValueError
        return None
    return parsed if isinstance(parsed, dict) else None


def expected_hash(previous: str | None, stream: UUID, version: int, kind: str, fields: dict[str, Any]) -> str | None:
    """The hash the fields should carry after `previous`, or None if they cannot be encoded canonically."""
    try:
        return chain_hash(previous, stream, version, kind, fields)
    except (TypeError, ValueError):
        return None


def links(previous: str | None, stream: UUID, version: int, kind: str, fields: dict[str, Any]) -> bool:
    """Whether the stored `hash` is the link after `previous`.

    Fast path: the fields are JSON-native already (parsed from the stored state), so orjson's sorted compact form
    normally gives domain/hashing.py's canonical bytes at a fraction of the cost. A fast hash can only equal the
    stored one if the bytes are the canonical ones (SHA-256), so any miss is decided by the domain's own function."""
    stored = fields.get("hash")
    document = {
        "stream": str(stream),
        "version": version,
        "type": kind,
        "fields": {k: v for k, v in fields.items() if k != "hash"},
    }
    try:
        fast = hashlib.sha256(
            (bytes.fromhex(previous) if previous else GENESIS) + orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
    except (TypeError, ValueError):
        fast = None
    return fast == stored or expected_hash(previous, stream, version, kind, fields) == stored


@dataclass(slots=True)
class _Head:
    """What the scan remembers of a stream: its last version and (person streams) stored hash."""

    version: int
    hash: str | None
    person: bool


class ChainScan:
    """One pass over the log in position order; `broken` collects the streams to diagnose."""

    def __init__(self) -> None:
        self.heads: dict[UUID, _Head] = {}
        self.broken: dict[UUID, int] = {}  # stream → position where the scan first saw a problem
        self.rows = 0
        self.person_events = 0
        self.person_streams = 0

    def feed(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.rows += 1
            kind = event_type(row.topic)
            if kind is not None:
                self.person_events += 1
                self.person_streams += kind == "PersonRegistered"
            if row.stream in self.broken:
                continue
            head = self.heads.get(row.stream)
            expected_version = head.version + 1 if head else 1
            if row.version != expected_version or (head is not None and head.person != (kind is not None)):
                self._break(row)
                continue
            stored: str | None = None
            if kind is not None:
                fields = parse_state(row.state)
                stored = fields.get("hash") if fields else None
                if fields is None or not links(head.hash if head else None, row.stream, row.version, kind, fields):
                    self._break(row)
                    continue
            self.heads[row.stream] = _Head(row.version, stored, kind is not None)

    def _break(self, row: Row) -> None:
        self.broken[row.stream] = row.position
        self.heads.pop(row.stream, None)


def diagnose(stream: UUID, rows: list[Row]) -> list[Finding]:
    """Name what is wrong with one stream read in version order; the first finding is the first break."""
    found: list[Finding] = []
    hashes = {row.version: (parse_state(row.state) or {}).get("hash") for row in rows}
    previous: Row | None = None
    link_known = True
    for row in rows:
        expected_version = previous.version + 1 if previous else 1
        if row.version > expected_version:
            missing = (
                f"{expected_version}"
                if row.version == expected_version + 1
                else f"{expected_version}..{row.version - 1}"
            )
            found.append(
                _chain(
                    "missing_version",
                    f"version {missing} missing before version {row.version} (position {row.position}): deleted",
                    stream,
                    expected_version,
                    row.position,
                )
            )
            link_known = False  # the hash before a gap is unknown: this row's link cannot be checked
        if previous is not None and row.position < previous.position:
            found.append(
                _chain(
                    "out_of_order",
                    f"version {row.version} is at position {row.position}, before version {previous.version} at "
                    f"position {previous.position}: versions swapped or re-numbered",
                    stream,
                    row.version,
                    row.position,
                )
            )
        kind = event_type(row.topic)
        fields = parse_state(row.state)
        if fields is None:
            found.append(
                _chain(
                    "undecodable", f"state is not a JSON object (topic {row.topic})", stream, row.version, row.position
                )
            )
        elif kind is not None and link_known:
            previous_hash = hashes.get(previous.version) if previous else None
            if not links(previous_hash, stream, row.version, kind, fields):
                found.append(_mismatch(stream, row, kind, fields, hashes))
        elif kind is None and previous is not None and event_type(previous.topic) is not None:
            found.append(
                _chain(
                    "foreign_topic", f"topic {row.topic} inside a person's stream", stream, row.version, row.position
                )
            )
        previous, link_known = row, True
    return found[:FINDINGS_PER_STREAM]


def _mismatch(stream: UUID, row: Row, kind: str, fields: dict[str, Any], hashes: dict[int, Any]) -> Finding:
    """A state whose hash does not link: say whose content it is when another version's fits it."""
    stored = fields.get("hash")
    others = [version for version, value in hashes.items() if value == stored and version != row.version]
    if others:
        return _chain(
            "copied_content",
            f"holds a copy of version {others[0]}'s content (same hash {str(stored)[:12]}…): forged by re-versioning",
            stream,
            row.version,
            row.position,
        )
    owner = _content_owner(stream, kind, fields, hashes) if len(hashes) <= IDENTIFY_LIMIT else None
    if owner is not None and owner != row.version:
        return _chain(
            "moved_content",
            f"holds the content of version {owner}: events swapped or re-versioned",
            stream,
            row.version,
            row.position,
        )
    return _chain(
        "hash_mismatch",
        f"{kind} does not match its hash {str(stored)[:12]}…: state altered, or the event forged",
        stream,
        row.version,
        row.position,
    )


def _content_owner(stream: UUID, kind: str, fields: dict[str, Any], hashes: dict[int, Any]) -> int | None:
    """The version whose link this content's own hash proves, trying each stored hash as the previous one."""
    stored = fields.get("hash")
    previous_candidates: list[str | None] = [None, *(h for h in hashes.values() if isinstance(h, str))]
    for version in range(1, max(hashes, default=0) + 2):
        for previous in previous_candidates:
            if expected_hash(previous, stream, version, kind, fields) == stored:
                return version
    return None


def _chain(code: str, message: str, stream: UUID, version: int, position: int) -> Finding:
    return Finding(
        "chain",
        code,
        f"stream {stream} version {version}: {message}",
        stream=str(stream),
        version=version,
        position=position,
    )
