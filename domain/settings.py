"""Which store the application uses, from the environment (the library's own settings, plus `POOLING_DB`).

- default: SQLite at `./var/pooling.sqlite` (created on first use);
- `POOLING_DB=path`: another SQLite file; `POOLING_SQLITE_SYNCHRONOUS=NORMAL` trades power-loss durability of
  the last commits for speed (the demo's choice; FULL by default);
- `PERSISTENCE_MODULE=eventsourcing.postgres` with `POSTGRES_DBNAME`, `POSTGRES_HOST`, `POSTGRES_PORT`,
  `POSTGRES_USER`, `POSTGRES_PASSWORD` (and the library's other `POSTGRES_*` settings): PostgreSQL.
Tables are created on first use by the library (and the command log's by domain/stores)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_SQLITE_PATH = "var/pooling.sqlite"
#: The most folded events the aggregate cache holds in all (domain/repository.py `EventBoundedCache`).
AGGREGATE_CACHE_EVENTS = "POOLING_AGGREGATE_CACHE_EVENTS"
STORES = {
    "eventsourcing.sqlite": "domain.stores.sqlite:PoolingSQLiteFactory",
    "eventsourcing.postgres": "domain.stores.postgres:PoolingPostgresFactory",
    "eventsourcing.popo": "domain.stores.popo:PoolingPOPOFactory",
}


def is_postgres(env: Mapping[str, str]) -> bool:
    """Whether these settings name a PostgreSQL store (the library's module name or ours)."""
    return str(env.get("PERSISTENCE_MODULE") or "") in ("eventsourcing.postgres", STORES["eventsourcing.postgres"])


def store_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The library environment for the configured store, with this project's defaults filled in."""
    given = dict(env or {})
    merged = {**os.environ, **given}
    module = merged.get("PERSISTENCE_MODULE") or "eventsourcing.sqlite"
    module = STORES.get(module, module)  # the library's stores, plus the command log (domain/stores)
    chosen = dict(given, PERSISTENCE_MODULE=module)
    if module == STORES["eventsourcing.sqlite"]:
        path = merged.get("POOLING_DB") or merged.get("SQLITE_DBNAME") or DEFAULT_SQLITE_PATH
        if path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        chosen["SQLITE_DBNAME"] = path
        chosen.setdefault("SQLITE_LOCK_TIMEOUT", merged.get("SQLITE_LOCK_TIMEOUT", "30"))
    # Persons are cached in memory (checked against the store on every get), without deep copies:
    # the application evicts an aggregate whenever a command fails, so a cached object is always saved state.
    chosen.setdefault("AGGREGATE_CACHE_MAXSIZE", merged.get("AGGREGATE_CACHE_MAXSIZE", "20000"))
    # ... and at most this many folded events in all (~2 KB each: ~4 GB), whatever the number of persons.
    chosen.setdefault(AGGREGATE_CACHE_EVENTS, merged.get(AGGREGATE_CACHE_EVENTS, "2000000"))
    chosen.setdefault("DEEPCOPY_FROM_AGGREGATE_CACHE", merged.get("DEEPCOPY_FROM_AGGREGATE_CACHE", "n"))
    # No read-ahead on every cache hit: a stale cached person cannot be saved (the store refuses the version,
    # the application evicts it and retries), so a writer never needs to look for newer events first.
    chosen.setdefault("AGGREGATE_CACHE_FASTFORWARD", merged.get("AGGREGATE_CACHE_FASTFORWARD", "n"))
    return chosen
