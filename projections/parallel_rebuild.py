"""Rebuilding the dossier and ledger views in several processes, one per hash range of the stream ids.

A person's view rows belong to one stream, and the ledger rows are sums whose upserts add (in sorted order, so
two processes never wait on each other in a cycle): processes that each fold the streams of one range
(`stream_id.int % N == k`, as the audit replay and the seeder split them) never need each other. Each reads the
whole log up to the head it was given and folds only its own rows, with the audit replay's `Rebuild` writing into
the live tables, each person's dossier once, at its end (its persons are 1/N of all, so more of them fit in memory).

While it runs, a mark in the tracking table stops every runner (it would fold into tables being filled, and count
events twice); the views' positions are set to that head, and the mark lifted, in one transaction once every process
has finished. A process that fails or is killed leaves the mark: the rebuild is then run again, from empty tables.
PostgreSQL only: SQLite has one writer at a time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from projections.audit.rebuild import Rebuild
from projections.audit.store import LogStore
from projections.runner import CatchUp, ProjectionRunner
from projections.shard_processes import ParentGone, ShardProcesses, range_batches
from projections.views.dossiers import DossierView
from projections.views.ledgers import LedgerView


def rebuild_in_processes(
    app: Any, workers: int, batch_size: int = 5000, on_progress: Callable[[int, int], None] | None = None
) -> CatchUp:
    """Empty the dossier and ledger views and refill them up to the head in `workers` processes.

    `on_progress(position, head)`: where the slowest process is, about five times a second."""
    runner = ProjectionRunner(app, [DossierView(app), LedgerView(app)], batch_size=batch_size)
    if runner.db.sqlite:
        raise ValueError("a rebuild in several processes needs PostgreSQL (SQLite has one writer at a time)")
    head = runner.head()
    runner.reset(runner.views, rebuilding_to=head)
    env = dict(app.env)
    started = time.perf_counter()
    processes = ShardProcesses(_fold_range, workers, lambda shard: (env, app.policy, shard, workers, head, batch_size))
    answers = processes.gather(None if on_progress is None else lambda slowest: on_progress(slowest, head))
    failures = [answer for answer in answers if isinstance(answer, str)]
    if failures:
        raise RuntimeError(f"the rebuild failed and stays marked (run it again): {'; '.join(failures)}")
    done = CatchUp(events=head, batches=-(-head // batch_size), seconds=time.perf_counter() - started)
    runner.finish_rebuild(runner.views, head, done)
    return done


def _fold_range(
    env: dict[str, str],
    policy: Any,
    shard: int,
    shards: int,
    head: int,
    batch_size: int,
    positions: Any,
    results: Any,
) -> None:
    """One process: the streams of range `shard`, folded into the live view tables by the audit's `Rebuild`."""
    from domain.application import PoolingApplication  # in the child only: the parent passes its settings

    try:
        app = PoolingApplication(env=env, policy=policy)
        store = LogStore(app)
        rebuild = Rebuild(app, store.db, fresh=False, prefix="")
        for mine in range_batches(store, batch_size, head, shard, shards, positions):
            rebuild.feed(mine)
        rebuild.finish()
        if rebuild.findings:  # a row that cannot be decoded or folded: the views would be wrong without it
            raise RuntimeError("; ".join(finding.message for finding in rebuild.findings[:3]))
        positions[shard] = head
        results.put(rebuild.folded)
        app.close()
    except ParentGone:  # the rebuild was killed: its mark stays, and the rebuild is run again
        app.close()
    except BaseException as error:
        results.put(f"range {shard}: {type(error).__name__}: {error}")
