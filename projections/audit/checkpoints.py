"""Signed checkpoints: Merkle roots over ranges of the notification log, sealing every stored row.

A person's hash chain cannot see a stream deleted whole, nor its own last events cut off; a seal over the log's
positions can. `seal` covers every position not yet sealed, in ranges aligned on `RANGE_SIZE` (the last one partial,
topped up by the next run), each with the positions that were already absent when sealed (PostgreSQL's sequence
leaves gaps when a transaction rolls back), the RFC 6962 root of its rows' leaves, and an Ed25519 signature over
all of that plus the previous checkpoint's root, so removing a checkpoint breaks the next one's signature.

The table lives in the same database as the events on purpose: it is written and backed up with them, read by
the replay over the same connection, and needs no second system to operate. Its integrity does not rest on the
database: rewriting it without the key (a file outside the store) breaks the signatures. Operators run
`pooling audit checkpoint` periodically (the replay only verifies, it never seals); what was written after the last
checkpoint is reported as the unsealed tail.

Sealing up to the head a reader sees is safe while writers run: the library's recorders hand out positions under
one lock held until commit (SQLite's single writer, PostgreSQL's `LOCK TABLE … IN EXCLUSIVE MODE`), so no row can
later appear at a position below a visible one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projections.audit.keys import key_id
from projections.audit.merkle import leaf_hash, merkle_root
from projections.audit.store import LogStore, Row
from projections.database import ViewCursor, ViewDatabase

TABLE = "audit_checkpoints"
RANGE_SIZE = 10_000
SIGNED_PREFIX = b"pooling.audit.checkpoint.v1\n"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One sealed range of positions."""

    first_position: int
    last_position: int
    leaf_count: int
    merkle_root: str
    absent: tuple[tuple[int, int], ...]
    key_id: str
    signature: str
    created_at: str

    def signed_bytes(self, previous_root: str | None) -> bytes:
        """What the signature covers: every field but the signature, and the previous checkpoint's root."""
        body = {
            "first": self.first_position,
            "last": self.last_position,
            "leaf_count": self.leaf_count,
            "root": self.merkle_root,
            "absent": [list(gap) for gap in self.absent],
            "previous_root": previous_root,
            "key_id": self.key_id,
            "created_at": self.created_at,
        }
        return SIGNED_PREFIX + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)

    def expected(self) -> Iterator[int]:
        """The positions that held a row when the range was sealed."""
        gaps = iter(self.absent)
        gap = next(gaps, None)
        for position in range(self.first_position, self.last_position + 1):
            while gap is not None and position > gap[1]:
                gap = next(gaps, None)
            if gap is None or position < gap[0]:
                yield position

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_position": self.first_position,
            "last_position": self.last_position,
            "leaf_count": self.leaf_count,
            "merkle_root": self.merkle_root,
            "absent": [list(gap) for gap in self.absent],
            "key_id": self.key_id,
            "created_at": self.created_at,
        }


def create_table(cursor: ViewCursor, big_integer: str) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (first_position {big_integer} PRIMARY KEY, "
        f"last_position {big_integer} NOT NULL, leaf_count {big_integer} NOT NULL, merkle_root TEXT NOT NULL, "
        "absent TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL, created_at TEXT NOT NULL)"
    )


def load_checkpoints(db: ViewDatabase) -> list[Checkpoint]:
    """Every checkpoint, in position order (the table is created if missing, so a new store simply has none)."""
    with db.transaction() as cursor:
        create_table(cursor, db.big_integer)
        cursor.execute(f"SELECT * FROM {TABLE} ORDER BY first_position")
        rows = cursor.fetchall()
    return [
        Checkpoint(
            int(row["first_position"]),
            int(row["last_position"]),
            int(row["leaf_count"]),
            row["merkle_root"],
            tuple((int(a), int(b)) for a, b in orjson.loads(row["absent"])),
            row["key_id"],
            row["signature"],
            row["created_at"],
        )
        for row in rows
    ]


def seal(
    app: Any,
    key: Ed25519PrivateKey,
    *,
    range_size: int = RANGE_SIZE,
    on_range: Callable[[Checkpoint], None] | None = None,
) -> list[Checkpoint]:
    """Seal every position after the last checkpoint, up to the log's head; answer the new checkpoints."""
    store = LogStore(app)
    sealed = load_checkpoints(store.db)
    previous_root = sealed[-1].merkle_root if sealed else None
    start = sealed[-1].last_position + 1 if sealed else 1
    head = store.head()
    signer = key_id(key.public_key())
    made: list[Checkpoint] = []
    while start <= head:
        end = min(((start - 1) // range_size + 1) * range_size, head)
        rows = store.rows(start - 1, end - start + 1, end)
        unsigned = Checkpoint(
            start,
            end,
            len(rows),
            merkle_root([leaf(row) for row in rows]).hex(),
            _absent(start, end, [row.position for row in rows]),
            signer,
            "",
            datetime.now(UTC).isoformat(),
        )
        signature = key.sign(unsigned.signed_bytes(previous_root)).hex()
        checkpoint = replace(unsigned, signature=signature)
        with store.db.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (first_position, last_position, leaf_count, merkle_root, absent, key_id, "
                "signature, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    checkpoint.first_position,
                    checkpoint.last_position,
                    checkpoint.leaf_count,
                    checkpoint.merkle_root,
                    orjson.dumps([list(gap) for gap in checkpoint.absent]).decode(),
                    checkpoint.key_id,
                    checkpoint.signature,
                    checkpoint.created_at,
                ),
            )
        made.append(checkpoint)
        if on_range is not None:
            on_range(checkpoint)
        previous_root, start = checkpoint.merkle_root, end + 1
    return made


def leaf(row: Row) -> bytes:
    return leaf_hash(row.position, row.stream, row.version, row.topic, row.state)


def _absent(first: int, last: int, present: list[int]) -> tuple[tuple[int, int], ...]:
    """The ranges of positions in first..last holding no row."""
    gaps: list[tuple[int, int]] = []
    expected = first
    for position in [*present, last + 1]:
        if position > expected:
            gaps.append((expected, position - 1))
        expected = position + 1
    return tuple(gaps)
