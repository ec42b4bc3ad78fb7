"""The application's repository folds a person as the library's own projector does, only without its per-event
protocol check (domain/repository.py), and it is configured from the environment as the library's would be."""

from __future__ import annotations

import pytest
from eventsourcing.application import LRUCache, project_aggregate
from scenarios import combined

from domain.application import PoolingApplication
from domain.person import person_id
from domain.repository import PoolingRepository, project_events


@pytest.fixture
def app(simulated_env: dict[str, str]) -> PoolingApplication:
    application = PoolingApplication(env=simulated_env)
    for message in combined():
        application.submit(message)
    return application


def test_every_person_folds_as_the_librarys_projector_folds_them(app: PoolingApplication) -> None:
    streams = [person_id(citizen) for _, citizen in app.directory.everyone()]
    assert len(streams) >= 2
    for stream in streams:
        head = max(event.originator_version for event in app.events.get(stream))
        for version in (1, head // 2 or 1, head):
            ours = app.repository.get(stream, version=version)
            theirs = app.repository.get(stream, version=version, projector_func=project_aggregate)
            assert ours.version == theirs.version == version
            assert vars(ours.state) == vars(theirs.state)
            assert ours.state.history and ours.state.history == theirs.state.history


def test_a_stream_that_does_not_start_with_a_created_event_fails_as_in_the_library(app: PoolingApplication) -> None:
    stream = person_id(next(citizen for _, citizen in app.directory.everyone()))
    later = list(app.events.get(stream, gt=1))
    with pytest.raises(Exception) as ours:
        project_events(None, later)
    with pytest.raises(Exception) as theirs:
        project_aggregate(None, later)
    assert type(ours.value) is type(theirs.value)


def test_the_repository_keeps_the_environments_cache_settings(simulated_env: dict[str, str]) -> None:
    app = PoolingApplication(env={**simulated_env, "AGGREGATE_CACHE_MAXSIZE": "7"})
    try:
        assert isinstance(app.repository, PoolingRepository)
        assert isinstance(app.repository.cache, LRUCache) and app.repository.cache.maxsize == 7
        assert app.repository.fastforward is False and app.repository.deepcopy_from_cache is False  # domain/settings.py
    finally:
        app.close()
