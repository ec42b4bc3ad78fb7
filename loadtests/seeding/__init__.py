"""Bulk seeding: the events the application would write for a synthetic population, written with COPY.

Each shard of persons is run through the real command path (`PoolingApplication` on the library's in-memory
POPO store, see `shard.py`); its stored events are copied out in big transactions (`stores.py`), with a progress
row per shard in the same transaction so that a killed seed resumes (`coordinator.py`). Design: SCALING.md."""

from __future__ import annotations

from loadtests.seeding.coordinator import SeedReport, SeedSpec, seed

__all__ = ["SeedReport", "SeedSpec", "seed"]
