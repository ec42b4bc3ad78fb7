"""The FastAPI app: `create_app(env=...)` builds it; the lifespan builds what it holds.

One `PoolingApplication` and one `Projections` per app, built when the app starts (never at import), kept
on `app.state.services`, closed when it stops. The projection follower thread starts with them (mode
`thread`, every `POOLING_PROJECTION_INTERVAL` seconds, default 1; see api/settings.py for the other modes).
Run it with `pooling serve`, or with `uvicorn --factory api.main:create_app`."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.auth import load_key
from api.availability import StoreGate, StoreGateMiddleware
from api.errors import install_error_handlers
from api.jobs import JobRunner
from api.masking import install_masking
from api.openapi import install_openapi
from api.ratelimit import RateLimitMiddleware
from api.readmodels import GuardedProjections, ProjectionFollower
from api.routers import audit, console, health, imports, ledgers, messages, persons, projections, risk, session
from api.services import Services
from api.settings import ApiSettings
from domain.application import PoolingApplication

DESCRIPTION = """\
HTTP API of the national pooling system (企业职工基本养老保险全国统筹信息系统), interchange standard v1.

* **Messages**: `POST /api/v1/messages` takes one message of any type (INTERCHANGE.md); 201 `applied`,
  200 `replayed` for a retry with the same (unit, serial). Runs may go to the background (`?background=true`).
* **Imports**: `POST /api/v1/imports` takes a JSON-lines file and answers 202 with a job to read back.
* **Reads**: dossiers as of D / as known at T, events, yearly series, ledgers, risk findings, projection status.
* **Errors**: always `{"error", "message", "field", "rule"}` with the codes and statuses of INTERCHANGE.md.
* **Auth**: `Authorization: Bearer <JWT>` from `pooling token issue`; roles province, ministry, auditor, citizen.
"""

TAGS = [
    {"name": "messages", "description": "Write: one interchange message"},
    {"name": "imports and jobs", "description": "Write: JSON-lines files and background runs"},
    {"name": "persons", "description": "Dossier, events and yearly series of one person"},
    {"name": "ledgers", "description": "Double-entry ledgers by unit and nationally"},
    {"name": "risk", "description": "After-the-fact risk findings"},
    {"name": "projections", "description": "The read models' progress"},
    {"name": "session", "description": "The bearer token's holder"},
    {"name": "health", "description": "Liveness and readiness"},
]


def build_services(env: Mapping[str, str] | None, settings: ApiSettings) -> Services:
    """Everything one app holds, on the configured store."""
    token_key = load_key(settings.token_key_file)
    app = PoolingApplication(env=env)
    try:
        readmodels = GuardedProjections(
            app,
            external=settings.projection_mode == "external",
            documents_kept=settings.dossier_cache,
            folds_kept=settings.fold_cache,
        )
    except Exception:
        app.close()
        raise
    return Services(
        settings=settings,
        app=app,
        projections=readmodels,
        follower=ProjectionFollower(readmodels, settings.projection_mode, settings.projection_interval),
        jobs=JobRunner(settings.jobs_kept),
        token_key=token_key,
        gate=StoreGate(app),
    )


def tune_collector() -> None:
    """A server's garbage collector: the start-up objects frozen, the young generations larger.

    A full collection scans every tracked object and holds the GIL while it does: with the start-up's ~64,000
    objects and the folds kept for 300 persons it took 37-56 ms (measured), and every request queued behind it;
    as-of reads paced at 50/s had a p95 of 105 ms on persons read for the first time, 5.9 ms on repeats. Frozen
    objects are never scanned (nor freed: they are the modules, the policy and the store's connections, kept
    for the life of the process). Larger young generations make a request's short-lived cycles die young and
    full collections rarer; the caches bound what grows (POOLING_FOLD_CACHE, POOLING_DOSSIER_CACHE)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def create_app(env: Mapping[str, str] | None = None, settings: ApiSettings | None = None) -> FastAPI:
    """The app on the store `env` names (default: the process environment, as for the CLI)."""
    chosen = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        install_masking()
        services = build_services(env, chosen)
        app.state.services = services
        if chosen.collector_tuning:
            tune_collector()
        services.follower.start()
        try:
            yield
        finally:
            audit.wait_for_replays(app)  # a replay thread must not outlive the application it reads
            services.close()

    app = FastAPI(
        title="pooling",
        version="1",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in (messages, imports, persons, ledgers, risk, audit, projections, session, health, console):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=console.STATIC), name="static")
    # Added last, so it runs first: a client over its rate is refused before the store is even looked at.
    app.add_middleware(StoreGateMiddleware)
    app.add_middleware(RateLimitMiddleware, rate=chosen.rate_limit_per_second, burst=chosen.rate_limit_burst)
    install_openapi(app)
    return app
