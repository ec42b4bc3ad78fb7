"""With several server processes on one PostgreSQL store, one projection follower folds the batches
(projections/follower_lock.py); when its process ends, another takes over. Real PostgreSQL, two applications as
two workers would hold them (each its own connections and its own follower thread)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import psycopg
import pytest
from scenarios import guangdong_man_moves_to_jiangsu

from api.readmodels import GuardedProjections, ProjectionFollower
from domain.application import PoolingApplication
from projections.follower_lock import FollowerLock

INTERVAL = 0.05


class CountedProjections(GuardedProjections):
    """The server's projections, counting the catch-ups its follower asked for."""

    catch_ups = 0

    def catch_up(self) -> None:
        self.catch_ups += 1
        super().catch_up()


def eventually(condition: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(INTERVAL)
    return condition()


@pytest.fixture
def workers(postgres_env: dict[str, str]) -> Iterator[list[ProjectionFollower]]:
    with ExitStack() as stack:
        followers = []
        for _ in range(2):
            app = PoolingApplication(env={**postgres_env, "POOLING_SIMULATED": "1"})
            stack.callback(app.close)
            follower = ProjectionFollower(CountedProjections(app), "thread", INTERVAL)
            stack.callback(follower.stop)
            followers.append(follower)
        yield followers


def test_one_of_two_server_processes_follows_and_the_other_takes_over_when_it_ends(
    workers: list[ProjectionFollower],
) -> None:
    first, second = workers
    for follower in workers:
        follower.start()
    assert eventually(lambda: first.leading or second.leading)
    for _ in range(10):  # never both, whatever the timing
        assert [first.leading, second.leading].count(True) == 1
        time.sleep(INTERVAL)
    leader, other = (first, second) if first.leading else (second, first)

    app = other.projections.runner.app
    for outcome in app.submit_batch(guangdong_man_moves_to_jiangsu()[:5], issued_by="test"):
        assert isinstance(outcome, dict) and outcome["status"] == "applied", outcome
    head = app.recorder.max_notification_id()
    # Only the leader folds: the views reach the head, and the other's runner has folded nothing.
    assert eventually(lambda: set(leader.projections.runner.positions().values()) == {head})
    assert not other.leading and other.failures == leader.failures == 0
    assert other.projections.catch_ups == 0 < leader.projections.catch_ups  # type: ignore[attr-defined]

    leader.stop()  # its process ends: the session, and the lock with it, go
    assert eventually(lambda: other.leading)
    for outcome in app.submit_batch(guangdong_man_moves_to_jiangsu()[5:7], issued_by="test"):
        assert isinstance(outcome, dict) and outcome["status"] == "applied", outcome
    newer = app.recorder.max_notification_id()
    assert newer > head
    assert eventually(lambda: set(other.projections.runner.positions().values()) == {newer})


def test_the_lock_is_held_once_and_comes_back_when_released(postgres_env: dict[str, str]) -> None:
    apps = [PoolingApplication(env=postgres_env) for _ in range(2)]
    try:
        locks = [FollowerLock(GuardedProjections(app).runner.db.datastore, sqlite=False) for app in apps]
        assert locks[0].held() and locks[0].held()  # taken, then still held
        assert not locks[1].held()
        locks[0].release()
        assert locks[1].held() and not locks[0].held()
        # The holder's session dies (a restart, a killed backend): it no longer leads, and the lock is free again.
        backend = locks[1]._session().info.backend_pid
        with psycopg.connect(locks[0].datastore.pool.conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        with pytest.raises(psycopg.OperationalError):
            locks[1].held()
        assert eventually(locks[0].held, seconds=5)  # once the killed backend has exited
        assert not locks[1].held()
        locks[0].release()
    finally:
        for app in apps:
            app.close()
