"""Merkle roots over the notification log (RFC 6962's tree hash), the body of a checkpoint.

A leaf is one stored row, every row of the log whether it belongs to a person or not:
SHA-256(0x00 ‖ position ‖ originator id ‖ version ‖ topic ‖ state). Positions and versions are 8-byte big-endian,
the id its 16 UUID bytes and the topic length-prefixed, so no two different rows can frame the same bytes. Inner
nodes are SHA-256(0x01 ‖ left ‖ right); the 0x00/0x01 prefixes keep a leaf from posing as an inner node."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from uuid import UUID

_LEAF, _NODE = b"\x00", b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(position: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
    """The leaf of one stored row, exactly as the database holds it."""
    stream = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
    topic_bytes = topic.encode()
    header = struct.pack(">Q16sQI", position, stream.bytes, version, len(topic_bytes))
    return hashlib.sha256(_LEAF + header + topic_bytes + bytes(state)).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 §2.1: split at the largest power of two below n, hash the two subtrees' roots."""
    if not leaves:
        return EMPTY_ROOT
    return _subtree(leaves, 0, len(leaves))


def _subtree(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    count = end - start
    if count == 1:
        return leaves[start]
    split = 1 << ((count - 1).bit_length() - 1)
    left = _subtree(leaves, start, start + split)
    right = _subtree(leaves, start + split, end)
    return hashlib.sha256(_NODE + left + right).digest()
