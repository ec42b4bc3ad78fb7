"""Settings of the HTTP API and the web console, from the environment (`POOLING_*`), validated once.

The store itself is configured as for the command line (domain/settings.py: `POOLING_DB`,
`PERSISTENCE_MODULE`, `POSTGRES_*`); these are only the settings the API adds."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.queries import FOLD_CACHE_SIZE


class ApiSettings(BaseSettings):
    """What `create_app` and `pooling serve` read from `POOLING_*` variables."""

    # extra="ignore": the same POOLING_ prefix carries the store's own settings (POOLING_DB, POOLING_SIMULATED).
    model_config = SettingsConfigDict(env_prefix="POOLING_", extra="ignore", frozen=True)

    token_key_file: Path = Field(
        default=Path("var/token.key"),
        description="HS256 signing key of the bearer tokens; created with mode 0600 on first use",
    )
    token_ttl_hours: int = Field(default=8, ge=1, le=24 * 366, description="default lifetime of an issued token")
    projection_mode: Literal["thread", "reads", "external"] = Field(
        default="thread",
        description="who keeps the views current: `thread` (a thread of this process every projection_interval, "
        "and every read first catches up), `reads` (only reads catch up), `external` (this process never writes "
        "the views: run `pooling project run --follow` beside it; reads may lag by its poll interval)",
    )
    projection_interval: float = Field(
        default=1.0, gt=0, le=3600, description="seconds between the follower thread's catch-ups"
    )
    max_import_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1, description="largest JSON-lines body `POST /api/v1/imports` accepts"
    )
    jobs_kept: int = Field(default=200, ge=1, description="finished jobs kept in memory for reading back")
    rate_limit_per_second: float = Field(
        default=1000.0,
        ge=0,
        description="requests a second per verified token (else per client address); 0 turns the limit off",
    )
    rate_limit_burst: int = Field(default=2000, ge=1, description="requests a client may send at once")
    dossier_cache: int = Field(
        default=20_000,
        ge=0,
        description="current dossiers kept rendered per person with their stream version (each read checks the "
        "version with one indexed query); 0 keeps none",
    )
    fold_cache: int = Field(
        default=FOLD_CACHE_SIZE,
        ge=0,
        description="persons whose whole-stream fold is kept for their next as-of read; each costs about 0.5 MB and "
        "1,200 objects that every full garbage collection scans (20-year streams, measured); 0 keeps none",
    )
    collector_tuning: bool = Field(
        default=False,
        description="freeze the objects built at start-up out of the cyclic garbage collector's scans and make "
        "its young generations larger (`pooling serve` turns it on for its processes; off in-process, as in tests)",
    )
    series_max_years: int = Field(default=80, ge=1, description="longest yearly series a person endpoint returns")
