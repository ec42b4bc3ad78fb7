"""`pooling serve`: the HTTP API and the web console under uvicorn, on the configured store."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="uvicorn worker processes (read-heavy serving; jobs, rate limits and caches are per worker: "
        "see api/README.md).",
    ),
) -> None:
    """Serve the API (/api/v1, docs at /docs) and the console (/) until interrupted.

    The store is the one the other commands use (POOLING_DB, or PERSISTENCE_MODULE=eventsourcing.postgres with
    POSTGRES_*). The projections are kept current by a thread in this process, every second
    (POOLING_PROJECTION_INTERVAL); set it to 0 and run `pooling project run --follow` beside the server instead."""
    import os

    import uvicorn

    # A server process freezes its start-up objects out of the collector's scans (api/main.py `tune_collector`);
    # the workers uvicorn starts inherit the setting. POOLING_COLLECTOR_TUNING=0 turns it off.
    os.environ.setdefault("POOLING_COLLECTOR_TUNING", "1")
    if workers > 1:
        _prepare_store()  # the workers would otherwise race to create the same tables

    from api.masking import MaskCitizenIds

    # uvicorn's own logging config, with the filter that masks citizen IDs in request lines and errors.
    log_config = dict(uvicorn.config.LOGGING_CONFIG)
    log_config["filters"] = {"mask_ids": {"()": MaskCitizenIds}}
    log_config["handlers"] = {
        name: {**handler, "filters": ["mask_ids"]} for name, handler in log_config["handlers"].items()
    }
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, log_config=log_config, workers=workers)


def _prepare_store() -> None:
    """Create the store's tables and the views' once, before several workers open the same store."""
    from domain.application import PoolingApplication
    from projections.queries import Projections

    app = PoolingApplication()
    try:
        Projections(app)
    finally:
        app.close()
