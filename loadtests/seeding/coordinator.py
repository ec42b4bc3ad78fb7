"""`seed`: shards in worker processes, each writing its own rows; then the run records, once, from all shards.

Resumable: each shard's progress row (months done, events written, its runs' outcomes) commits with its rows. A
restarted shard replays its months from the start (the command path is deterministic) and writes only the months
after its progress row; the final phase (the runs' command rows) commits with the seed's `finished` mark."""

from __future__ import annotations

import atexit
import gc
import os
import resource
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from queue import Empty
from typing import Any

from domain.application import PoolingApplication
from loadtests.seeding.runs import run_commands
from loadtests.seeding.shard import FLUSH_ROWS, run_shard
from loadtests.seeding.stores import META, Footprint, open_store, prepare
from loadtests.seeding.views import SEEDED_VIEWS
from projections.database import RecordingCursor
from projections.runner import TRACK
from projections.shard_processes import orphaned, starting_parent

Progress = Callable[[int, int, int], None]  # (shard-months, messages, events) just done
_KEPT: list[Any] = []  # a worker process's shard applications, never freed before the process ends
_QUEUE: Any = None  # a worker process's progress queue to the seed process
_PARENT = 0  # the seed process a worker reports to


@dataclass(frozen=True)
class SeedSpec:
    """What to seed: the population's arguments, and how to cut it."""

    persons: int
    seed: int = 7
    first_year: int = 2003
    last_year: int = 2025
    shards: int = 2
    flush_rows: int = FLUSH_ROWS
    # A store holding one part of a population sharded across databases (SCALING.md): the persons whose stream
    # id is `part` modulo `parts`, i.e. the shards congruent to `part` (so `shards` must be a multiple of `parts`).
    part: int = 0
    parts: int = 1
    # Keep each flush in log order, as live monthly traffic writes a store (every person once a month), instead of
    # stream by stream: for benchmarks of what reads and catch-ups meet in such a store (bench_projections).
    log_order: bool = False

    def __post_init__(self) -> None:
        if self.parts < 1 or not 0 <= self.part < self.parts:
            raise ValueError(f"part {self.part} of {self.parts}: a part is one of 0..parts-1")
        if self.shards % self.parts:
            raise ValueError(f"{self.shards} shards do not split into {self.parts} parts")

    @property
    def months(self) -> int:
        return (self.last_year - self.first_year + 1) * 12

    @property
    def own_shards(self) -> list[int]:
        """The shards this store holds: all of them, or those of its part."""
        return list(range(self.part, self.shards, self.parts))

    @property
    def lead_shard(self) -> int:
        """The shard that writes the store-wide streams and counts the runs (each part has its own)."""
        return self.part


@dataclass
class SeedReport:
    events: int = 0
    messages: int = 0
    seconds: float = 0.0
    resumed_shards: int = 0
    already_finished: bool = False
    refusals: list[dict[str, Any]] = field(default_factory=list)  # messages the command path refused
    planted: dict[str, Any] = field(default_factory=dict)  # what the population planted (loadtests.population)
    stored_events: int = 0  # the events of the whole seed, this run's and any earlier run's
    footprint: Footprint | None = None  # what the store takes on disk at the end
    peak_rss_mb: float = 0.0  # the largest peak resident memory of this process and its finished workers

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class SeedMismatch(RuntimeError):
    """The store holds other events, or a seed with other parameters."""


def seed(
    env: Mapping[str, str], spec: SeedSpec, *, workers: int | None = None, progress: Progress | None = None
) -> SeedReport:
    """Seed (or finish seeding) the configured store; `workers=0` runs the shards one by one in this process."""
    started = time.perf_counter()
    env = {**env, "POOLING_SIMULATED": "1"}
    report = SeedReport()
    prepare(env)
    store = open_store(env)
    try:
        meta = _check_meta(store, env, spec)
        if meta.get("finished"):
            report.already_finished = True
            _measure_store(store, spec, report)
            return report
        done = store.progress()
        pending = [shard for shard in spec.own_shards if not done.get(shard, {}).get("done")]
        report.resumed_shards = sum(1 for shard in pending if shard in done)
        if pending:
            store.begin_load()
    finally:
        store.close()
    count = (os.cpu_count() or 1) if workers is None else workers

    def counting(months: int, messages: int, events: int) -> None:
        report.messages += messages
        if progress is not None:
            progress(months, messages, events)

    finished_months = (len(spec.own_shards) - len(pending)) * spec.months
    if finished_months:
        counting(finished_months, 0, 0)  # shards done before a kill: the progress bar starts where they left it
    if count == 0:
        for shard in pending:
            _messages, events = seed_shard(dict(env), spec, shard, counting)
            report.events += events
    else:
        report.events += _in_processes(env, spec, pending, min(count, len(pending) or 1), counting)
    report.events += _finish(env, spec)
    report.refusals, report.planted = _outcomes(env, spec)
    report.seconds = time.perf_counter() - started
    report.peak_rss_mb = largest_peak_rss_mb()
    store = open_store(env)
    try:
        _measure_store(store, spec, report)
    finally:
        store.close()
    return report


def largest_peak_rss_mb() -> float:
    """The peak resident memory of the largest of this process and the workers it has waited for (Linux: KB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def _measure_store(store: Any, spec: SeedSpec, report: SeedReport) -> None:
    """The seed's events, summed from the shards' progress rows (each committed with the rows it counts), and what
    the store takes on disk."""
    progress = store.progress()
    report.stored_events = sum(int(progress.get(shard, {}).get("events", 0)) for shard in spec.own_shards)
    report.footprint = store.footprint()


ADDED_FIELDS = {"part": 0, "parts": 1, "log_order": False}  # their values in a seed begun before they existed


def _check_meta(store: Any, env: Mapping[str, str], spec: SeedSpec) -> dict[str, Any]:
    progress = store.progress()
    wanted = asdict(spec)
    meta = progress.get(META)
    if meta is None:
        app = PoolingApplication(env={**env, "POOLING_SIMULATED": "0"})
        try:
            if app.recorder.max_notification_id():
                raise SeedMismatch("the store already holds events: seed into an empty store")
        finally:
            app.close()
        meta = {"spec": wanted, "finished": False}
        store.write(META, [], [], meta)
    elif {**ADDED_FIELDS, **meta["spec"]} != wanted:  # e.g. a seed begun before parts existed is one whole part
        raise SeedMismatch(f"the store holds an unfinished seed of {meta['spec']}, not {wanted}")
    return dict(meta)


def seed_shard(
    env: dict[str, str], spec: SeedSpec, shard: int, progress: Progress | None = None, keep: list[Any] | None = None
) -> tuple[int, int]:
    """Run one shard to its end, writing what its progress row does not yet hold; return (messages, events)."""
    store = open_store(env)
    try:
        state = store.progress().get(shard) or {}
        written_to = int(state.get("month", 0))
        events = int(state.get("events", 0))
        messages = 0
        runs: list[dict[str, Any]] = []
        refusals: list[dict[str, Any]] = list(state.get("refusals", []))
        clock = str(state.get("clock", ""))

        def on_month(count: int, rows: int) -> None:
            nonlocal messages
            messages += count
            if progress is not None:
                progress(1, count, rows)

        for output in run_shard(
            spec.persons,
            seed=spec.seed,
            first_year=spec.first_year,
            last_year=spec.last_year,
            shard=shard,
            shards=spec.shards,
            lead_shard=spec.lead_shard,
            flush_rows=spec.flush_rows,
            stream_order=not spec.log_order,
            on_month=on_month,
            keep=keep,
        ):
            runs.extend(outcome.as_json() for outcome in output.runs)
            if output.month <= written_to:
                continue  # written before the restart: replayed only to rebuild the shard's state
            events += len(output.rows)
            final = output.month == spec.months
            clock = max([clock, *(command.recorded_at.isoformat() for command in output.commands)])
            refusals.extend(output.refusals)
            mark = {
                "month": output.month,
                "events": events,
                "done": final,
                "runs": runs,
                "clock": clock,
                "refusals": refusals,
                **({"planted": output.planted} if output.planted else {}),
            }
            store.write(shard, output.rows, output.commands, mark, output.views)
        return messages, events
    finally:
        store.close()


def _start_worker(queue: Any) -> None:
    """A worker process's start: the progress queue, and the seed process it reports to."""
    global _QUEUE, _PARENT
    _QUEUE, _PARENT = queue, starting_parent()


def _worker(env: dict[str, str], spec: SeedSpec, shard: int) -> tuple[int, int]:
    # Freeing a shard's objects one by one takes seconds (measured ~2.8 s for 1,000 persons x 20 years): they are
    # kept, and the process ends without finalizing them once its result is sent (the OS reclaims the memory).
    # A process given a second shard frees the first one's objects now, before anything is frozen: the library's
    # LRU cache links its entries (every person of the shard) in a ring, and a frozen cycle is never collected
    # (a 70,000-person seed, 8 shards on 2 workers, was killed for memory at its third shard: 12 GB per worker).
    if _KEPT:
        _KEPT.clear()
        gc.unfreeze()
    else:
        atexit.register(os._exit, 0)  # once per process
    # A shard allocates millions of long-lived objects (cached persons, captured rows): with the default
    # thresholds the cyclic collector rescans them ever more often (~15 % of a shard's time, measured). Each
    # month's survivors are frozen too, so a full collection scans one month's objects, not the shard's (another
    # ~1 s of a demo shard's ~18 s, measured); the few cycles frozen with them are freed with the shard's objects.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)

    def month_done(months: int, count: int, rows: int) -> None:
        if orphaned(_PARENT):  # the seed was killed: nobody reads this shard (a rerun resumes it)
            os._exit(1)
        gc.freeze()
        _QUEUE.put((months, count, rows))

    return seed_shard(env, spec, shard, month_done, _KEPT)


def _in_processes(
    env: Mapping[str, str], spec: SeedSpec, shards: list[int], workers: int, progress: Progress | None
) -> int:
    """One process per shard at a time (spawned: no inherited connections); progress flows back on a queue."""
    context = get_context("spawn")
    queue = context.Queue()  # given to each worker as it starts (no manager process to outlive a kill)
    total = 0
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(queue,)
    ) as pool:
        futures = [pool.submit(_worker, dict(env), spec, shard) for shard in shards]
        while True:
            finished, running = wait(futures, timeout=0.2)
            _drain(queue, progress)
            if not running:
                break
        for future in finished:
            total += future.result()[1]
    _drain(queue, progress)
    return total


def _drain(queue: Any, progress: Progress | None) -> None:
    while True:
        try:
            months, count, rows = queue.get_nowait()
        except Empty:
            return
        if progress is not None:
            progress(months, count, rows)


def _outcomes(env: Mapping[str, str], spec: SeedSpec) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every refusal of the seed, shard by shard (a run's in the lead shard only: every shard refuses it alike),
    and the population's planted facts (every shard planned the whole population)."""
    store = open_store(env)
    try:
        progress = store.progress()
    finally:
        store.close()
    refusals = [refusal for shard in spec.own_shards for refusal in progress.get(shard, {}).get("refusals", [])]
    return refusals, dict(progress.get(spec.lead_shard, {}).get("planted", {}))


def _finish(env: Mapping[str, str], spec: SeedSpec) -> int:
    """Write every run's command row from all shards' outcomes, with the `finished` mark; set the store's clock."""
    store = open_store(env)
    try:
        progress = store.progress()
        if progress[META].get("finished"):
            return 0
        if not all(progress.get(shard, {}).get("done") for shard in spec.own_shards):
            raise RuntimeError("a shard did not finish")
        rows = run_commands([progress[shard]["runs"] for shard in spec.own_shards])
        # A simulated store's clock: the latest recorded_at of any command, as the command path leaves it.
        clock = max(
            [str(progress[shard].get("clock", "")) for shard in spec.own_shards]
            + [row.recorded_at.isoformat() for row in rows]
        )
        if clock:
            store.set_clock(clock)
        # Every shard wrote its views' rows with its events (loadtests/seeding/views.py): the views are at the head.
        positions = RecordingCursor(sqlite=False)
        head = store.head()
        for name in SEEDED_VIEWS:
            positions.execute(TRACK, (name, head, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
        # The keys before the mark: a seed killed while they are built is not finished, and its rerun builds them.
        store.finish_load()
        store.write(META, [], rows, {**progress[META], "finished": True}, positions)
        return 0
    finally:
        store.close()
