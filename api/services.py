"""What one running app holds: built in the lifespan (api/main.py), stored on `app.state.services`."""

from __future__ import annotations

from dataclasses import dataclass

from api.availability import StoreGate
from api.jobs import JobRunner
from api.readmodels import GuardedProjections, ProjectionFollower
from api.settings import ApiSettings
from domain.application import PoolingApplication


@dataclass
class Services:
    """One application (thread-safe for submit), one set of projections, the follower and the job runner."""

    settings: ApiSettings
    app: PoolingApplication
    projections: GuardedProjections
    follower: ProjectionFollower
    jobs: JobRunner
    token_key: bytes
    gate: StoreGate

    def close(self) -> None:
        """Stop the threads first (they use the application), then the application's connections."""
        self.follower.stop()
        self.jobs.shutdown()
        self.app.close()
