"""Audit: tamper evidence (hash chains, signed checkpoints), the full-history replay, and any record at any date.

Public entry points: `seal` (checkpoints), `start_replay` / `ReplayProgress` / `read_report` (the replay),
`person_history` (a dossier's changes event by event) and `generate_key` (the signing key)."""

from __future__ import annotations

from projections.audit.checkpoints import Checkpoint, load_checkpoints, seal
from projections.audit.history import person_history
from projections.audit.keys import AuditKeyError, generate_key, key_path, load_private_key
from projections.audit.progress import ReplayProgress, ReplayResult
from projections.audit.replay import start_replay
from projections.audit.report import read_report

__all__ = [
    "AuditKeyError",
    "Checkpoint",
    "ReplayProgress",
    "ReplayResult",
    "generate_key",
    "key_path",
    "load_checkpoints",
    "load_private_key",
    "person_history",
    "read_report",
    "seal",
    "start_replay",
]
