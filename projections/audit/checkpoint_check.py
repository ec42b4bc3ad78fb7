"""Verifying the checkpoints against the rows as the replay reads them: signatures and layout first, then, range by
range, the positions present against those sealed and the Merkle root recomputed from the current rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.audit.checkpoints import Checkpoint, leaf
from projections.audit.findings import INFO, Finding
from projections.audit.keys import key_id, verify
from projections.audit.merkle import merkle_root
from projections.audit.store import Row

LISTED_POSITIONS = 20


def _ranges(positions: list[int]) -> str:
    """[3, 4, 5, 9] → '3..5, 9' (the first LISTED_POSITIONS ranges)."""
    spans: list[list[int]] = []
    for position in positions:
        if spans and position == spans[-1][1] + 1:
            spans[-1][1] = position
        else:
            spans.append([position, position])
    text = ", ".join(f"{a}" if a == b else f"{a}..{b}" for a, b in spans[:LISTED_POSITIONS])
    return text + (", …" if len(spans) > LISTED_POSITIONS else "")


@dataclass
class _Open:
    """The range being read: its leaves and positions so far."""

    leaves: list[bytes] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)


class CheckpointCheck:
    """Verifies the checkpoints against the rows as the replay reads them, in one pass with the chain scan."""

    def __init__(self, checkpoints: list[Checkpoint], public: Ed25519PublicKey | None, key_problem: str | None) -> None:
        self.checkpoints = checkpoints
        self.findings: list[Finding] = []
        self.verified: list[dict[str, Any]] = []
        self.tail_rows = 0
        self.tail_first: int | None = None
        self.tail_last: int | None = None
        self._index = 0
        self._open = _Open()
        self._failed: set[int] = set()
        self._check_signatures(public, key_problem)
        self._check_layout()

    @property
    def sealed_up_to(self) -> int:
        return self.checkpoints[-1].last_position if self.checkpoints else 0

    def _check_signatures(self, public: Ed25519PublicKey | None, key_problem: str | None) -> None:
        if not self.checkpoints:
            return
        if public is None:
            self._fail(None, "key_unavailable", f"signatures not checked: {key_problem}")
            return
        current = key_id(public)
        previous_root: str | None = None
        for index, checkpoint in enumerate(self.checkpoints):
            span = f"{checkpoint.first_position}..{checkpoint.last_position}"
            if checkpoint.key_id != current:
                self._fail(
                    index, "unknown_key", f"checkpoint {span} was signed by key {checkpoint.key_id}, not {current}"
                )
            elif not verify(public, bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes(previous_root)):
                self._fail(
                    index,
                    "bad_signature",
                    f"checkpoint {span}: the signature does not verify (record altered, or the checkpoint before it removed)",
                )
            previous_root = checkpoint.merkle_root

    def _check_layout(self) -> None:
        expected = 1
        for index, checkpoint in enumerate(self.checkpoints):
            if checkpoint.first_position > expected:
                self._fail(
                    index,
                    "checkpoint_missing",
                    f"positions {expected}..{checkpoint.first_position - 1} are covered by no checkpoint (one was removed)",
                )
            elif checkpoint.first_position < expected:
                self._fail(
                    index,
                    "checkpoint_overlap",
                    f"checkpoint {checkpoint.first_position}..{checkpoint.last_position} overlaps the one before",
                )
            expected = checkpoint.last_position + 1

    def _fail(self, index: int | None, code: str, message: str, position: int | None = None) -> None:
        if index is not None:
            self._failed.add(index)
        self.findings.append(Finding("checkpoint", code, message, position=position))

    def feed(self, rows: Iterable[Row]) -> None:
        for row in rows:
            while self._index < len(self.checkpoints) and row.position > self.checkpoints[self._index].last_position:
                self._close()
            if self._index >= len(self.checkpoints):
                self.tail_rows += 1
                self.tail_first = self.tail_first or row.position
                self.tail_last = row.position
            elif row.position >= self.checkpoints[self._index].first_position:
                self._open.leaves.append(leaf(row))
                self._open.positions.append(row.position)

    def _close(self) -> None:
        """Compare one range's rows with its seal: positions missing or unexpected, then the root."""
        checkpoint, index = self.checkpoints[self._index], self._index
        span = f"{checkpoint.first_position}..{checkpoint.last_position}"
        present = set(self._open.positions)
        expected = list(checkpoint.expected())
        missing = [p for p in expected if p not in present]
        unexpected = sorted(present.difference(expected))
        if missing:
            self._fail(
                index,
                "missing_rows",
                f"sealed range {span}: position {_ranges(missing)} missing (rows deleted)",
                missing[0],
            )
        if unexpected:
            self._fail(
                index,
                "unexpected_rows",
                f"sealed range {span}: position {_ranges(unexpected)} did not exist when sealed (rows inserted)",
                unexpected[0],
            )
        root = merkle_root(self._open.leaves).hex()
        if root != checkpoint.merkle_root:
            altered = "" if missing or unexpected else ": a row of the range was altered in place"
            self._fail(
                index,
                "root_mismatch",
                f"sealed range {span}: Merkle root {root[:16]}… ≠ sealed {checkpoint.merkle_root[:16]}…{altered}",
                checkpoint.first_position,
            )
        self.verified.append(
            {**checkpoint.as_dict(), "rows": len(self._open.positions), "ok": index not in self._failed}
        )
        self._open = _Open()
        self._index += 1

    def finish(self, head: int) -> None:
        """Close the ranges left (rows missing at the end of the log), then report the head and the unsealed tail."""
        while self._index < len(self.checkpoints):
            self._close()
        if head < self.sealed_up_to:
            self.findings.append(
                Finding(
                    "checkpoint",
                    "log_truncated",
                    f"the log ends at position {head} but was sealed up to {self.sealed_up_to}: its tail was cut",
                    position=head + 1,
                )
            )
        if not self.checkpoints:
            self.findings.append(
                Finding(
                    "checkpoint",
                    "no_checkpoint",
                    "no checkpoint sealed yet: deleted streams and cut tails cannot be detected (run `pooling audit checkpoint`)",
                    severity=INFO,
                )
            )
        if self.tail_rows:
            self.findings.append(
                Finding(
                    "checkpoint",
                    "unsealed_tail",
                    f"positions {self.tail_first}..{self.tail_last} ({self.tail_rows} rows) are not sealed yet",
                    severity=INFO,
                    position=self.tail_first,
                )
            )
