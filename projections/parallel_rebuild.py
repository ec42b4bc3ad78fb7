"""Rebuilding the dossier and ledger views in several processes, one per hash range of the stream ids.

A person's view rows belong to one stream, and the ledger rows are sums whose upserts add (in sorted order, so
two processes never wait on each other in a cycle): processes that each fold the streams of one range
(`stream_id.int % N == k`, as the audit replay and the seeder split them) never need each other. Each reads the
whole log up to the head it was given, decodes only its own rows, folds them in batches of its own transactions and
writes each person's dossier once, at its end (its persons are 1/N of all, so more of them fit in memory).

While it runs, a mark in the tracking table stops every runner (it would fold into tables being filled, and count
events twice); the views' positions are set to that head, and the mark lifted, in one transaction once every process
has finished. A process that fails or is killed leaves the mark: the rebuild is then run again, from empty tables.
PostgreSQL only: SQLite has one writer at a time."""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable
from typing import Any

from domain import events as ev
from projections.database import ViewDatabase
from projections.decoding import EventDecoder
from projections.runner import CatchUp, ProjectionRunner, _collector_paused
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
    context = multiprocessing.get_context("spawn")  # a forked child would share the parent's connections
    positions = context.Array("q", workers)
    results = context.Queue()
    processes = [
        context.Process(
            target=_fold_range,
            args=(dict(app.env), app.policy, shard, workers, head, batch_size, positions, results),
            name=f"rebuild-range-{shard}",
        )
        for shard in range(workers)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    answers: list[int | str] = []
    try:
        while len(answers) < workers:
            try:
                answers.append(results.get(timeout=0.2))
            except queue.Empty:
                if not any(process.is_alive() for process in processes) and results.empty():
                    raise RuntimeError("a rebuild process died without a result") from None
            if on_progress is not None:
                on_progress(min(positions[:]), head)
    finally:
        for process in processes:
            process.join(timeout=5 if len(answers) == workers else 0.1)
            if process.is_alive():
                process.terminate()
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
    """One process: the streams of range `shard`, folded into the shared view tables."""
    from domain.application import PoolingApplication  # in the child only: the parent passes its settings

    parent = os.getppid()
    try:
        app = PoolingApplication(env=env, policy=policy)
        db = ViewDatabase(app.recorder)
        dossiers, ledgers = DossierView(app, defer=True), LedgerView(app)
        decoder = EventDecoder(app, (ev.PersonEvent,))
        after, folded = 0, 0
        while True:
            if os.getppid() != parent:  # the rebuild was killed: its mark stays, and so must these rows' absence
                app.close()
                return
            with db.transaction(commit=False) as cursor:
                rows = cursor.tuples(
                    f"SELECT {db.position_column}, originator_id, originator_version, topic, state "
                    f"FROM {db.events_from} WHERE {db.position_column} > %s AND {db.position_column} <= %s "
                    f"ORDER BY {db.position_column} LIMIT %s",
                    (after, head, batch_size),
                )
            if not rows:
                break
            after = int(rows[-1][0])
            events = decoder.rows([row for row in rows if row[1].int % shards == shard])
            if events:
                with _collector_paused(), db.transaction() as cursor:
                    dossiers.process(cursor, events)
                    ledgers.process(cursor, events)
            folded += len(events)
            positions[shard] = after
        with db.transaction() as cursor:
            dossiers.flush(cursor)
        positions[shard] = head
        results.put(folded)
        app.close()
    except BaseException as error:
        results.put(f"range {shard}: {type(error).__name__}: {error}")
