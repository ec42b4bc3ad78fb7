"""The replay's pass over the log, in one process or in several, one per shard of the stream ids.

A person's chain and every view row but the ledger sums belong to one stream, and the ledger sums are sums (their
upserts add), so shards never need each other: shard k takes the streams whose id ≡ k (mod n) (ARCHITECTURE.md,
"Toward national scale"). Each shard process opens its own application on the same store, reads the whole log
and keeps its own rows (reading is cheap next to folding dossiers), verifies their chains and folds them into the
shared `audit_` tables (projections/shard_processes.py). The parent meanwhile verifies the checkpoints, which need
every row in position order."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.audit.chain import ChainScan
from projections.audit.checkpoint_check import CheckpointCheck
from projections.audit.findings import Finding
from projections.audit.rebuild import Rebuild
from projections.audit.store import LogStore
from projections.shard_processes import ParentGone, ShardProcesses, range_batches


@dataclass
class Pass:
    """What one pass (or all shards together) saw: counts, broken streams, rebuild findings."""

    rows: int = 0
    person_events: int = 0
    person_streams: int = 0
    streams: int = 0
    folded: int = 0
    broken: dict[UUID, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Pass) -> None:
        self.person_events += other.person_events
        self.person_streams += other.person_streams
        self.streams += other.streams
        self.folded += other.folded
        self.broken.update(other.broken)
        self.findings += other.findings


def one_process(
    app: Any,
    store: LogStore,
    checkpoints: CheckpointCheck,
    until: datetime | None,
    batch_size: int,
    stop: int,
    on_batch: Callable[[int, int, float], None],
) -> Pass:
    """Chains, checkpoints and rebuild fed from one read of each batch."""
    chain, rebuild = ChainScan(), Rebuild(app, store.db, until)
    started = time.perf_counter()
    for batch in store.scan(batch_size, stop=stop):
        chain.feed(batch)
        checkpoints.feed(batch)
        rebuild.feed(batch)
        on_batch(batch[-1].position, chain.rows, time.perf_counter() - started)
    rebuild.finish()
    return _summary(chain, rebuild, time.perf_counter() - started)


def _summary(chain: ChainScan, rebuild: Rebuild, seconds: float) -> Pass:
    return Pass(
        chain.rows,
        chain.person_events,
        chain.person_streams,
        len(chain.heads) + len(chain.broken),
        rebuild.folded,
        dict(chain.broken),
        rebuild.findings,
        seconds,
    )


def shards(
    app: Any,
    store: LogStore,
    checkpoints: CheckpointCheck,
    until: datetime | None,
    batch_size: int,
    stop: int,
    workers: int,
    on_batch: Callable[[int, int, float], None],
) -> Pass:
    """`workers` shard processes fold and verify; this process verifies the checkpoints and reports progress."""
    Rebuild(app, store.db, until)  # the shared audit_ tables, dropped and created once
    env = dict(app.env)
    started = time.perf_counter()
    processes = ShardProcesses(
        _shard, workers, lambda shard: (env, app.policy, shard, workers, until, batch_size, stop)
    )
    total = Pass()
    for batch in store.scan(batch_size, stop=stop):
        checkpoints.feed(batch)
        total.rows += len(batch)
    done: list[Pass | str] = processes.gather(
        lambda slowest: on_batch(slowest, total.rows * slowest // max(stop, 1), time.perf_counter() - started)
    )
    for result in done:
        if isinstance(result, str):
            raise RuntimeError(f"a replay shard failed: {result}")
        total.add(result)
    total.seconds = time.perf_counter() - started
    return total


def _shard(
    env: dict[str, str],
    policy: Any,
    shard: int,
    workers: int,
    until: datetime | None,
    batch_size: int,
    stop: int,
    positions: Any,
    results: Any,
) -> None:
    """One shard process: its streams' chains and rows of the rebuilt views."""
    from domain.application import PoolingApplication  # in the child only: the parent passes its settings

    try:
        app = PoolingApplication(env=env, policy=policy)
        store = LogStore(app)
        chain, rebuild = ChainScan(), Rebuild(app, store.db, until, fresh=False)
        started = time.perf_counter()
        for mine in range_batches(store, batch_size, stop, shard, workers, positions):
            chain.feed(mine)
            rebuild.feed(mine)
        rebuild.finish()
        positions[shard] = stop
        results.put(_summary(chain, rebuild, time.perf_counter() - started))
        app.close()
    except ParentGone:  # the replay was killed: nobody will read this shard's result
        app.close()
    except BaseException as error:
        results.put(f"shard {shard}: {type(error).__name__}: {error}")
