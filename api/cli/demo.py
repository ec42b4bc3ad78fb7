"""`pooling demo`: placeholder until the synthetic population lands."""

from __future__ import annotations


def demo() -> None:
    """Build a deterministic population on SQLite and show what the system knows."""
    raise SystemExit("the demo population is being built")
