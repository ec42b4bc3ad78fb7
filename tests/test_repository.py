"""The application's repository folds a person as the library's own projector does, only without its per-event
protocol check (domain/repository.py), and it is configured from the environment as the library's would be."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.application import project_aggregate
from scenarios import combined_application

from domain.application import PoolingApplication
from domain.person import person_id
from domain.repository import EventBoundedCache, PoolingRepository, project_events


@pytest.fixture
def app(simulated_env: dict[str, str]) -> PoolingApplication:
    return combined_application(simulated_env)


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
    env = {**simulated_env, "AGGREGATE_CACHE_MAXSIZE": "7", "POOLING_AGGREGATE_CACHE_EVENTS": "90"}
    app = PoolingApplication(env=env)
    try:
        assert isinstance(app.repository, PoolingRepository)
        cache = app.repository.cache
        assert isinstance(cache, EventBoundedCache) and (cache.maxsize, cache.max_events) == (7, 90)
        assert app.repository.fastforward is False and app.repository.deepcopy_from_cache is False  # domain/settings.py
    finally:
        app.close()


def test_the_aggregate_cache_holds_no_more_folded_events_than_its_bound(simulated_env: dict[str, str]) -> None:
    # Two persons of 40 and 54 events: with room for 60 events, the cache keeps only the one used last.
    app = combined_application({**simulated_env, "POOLING_AGGREGATE_CACHE_EVENTS": "60"})
    try:
        cache = app.repository.cache
        assert isinstance(cache, EventBoundedCache)
        streams = [person_id(citizen) for _, citizen in app.directory.everyone()]
        versions = {}
        for stream in streams:
            versions[stream] = app.repository.get(stream).version
            assert cache.events <= 60
        assert sum(versions.values()) > 60
        assert cache.get(streams[-1]).version == versions[streams[-1]]
        with pytest.raises(KeyError):
            cache.get(streams[0])
        # Evicted persons are read again from the store, whole.
        assert app.repository.get(streams[0]).version == versions[streams[0]]
    finally:
        app.close()


def test_the_cache_keeps_one_aggregate_larger_than_its_bound_and_evicts_on_request() -> None:
    class Folded:
        def __init__(self, version: int) -> None:
            self.version = version

    cache = EventBoundedCache(maxsize=3, max_events=10)
    first, second = uuid4(), uuid4()
    cache.put(first, Folded(25))
    assert cache.events == 25 and cache.get(first).version == 25  # a person is never refused a place
    evicted = cache.put(second, Folded(4))
    assert evicted is not None and evicted[0] == first and cache.events == 4
    cache.put(second, Folded(6))  # put again after a save: weighed again
    assert cache.events == 6
    assert cache.get(second, evict=True).version == 6 and cache.events == 0
