"""Processes that each take one hash range of the stream ids (`stream_id.int % n == k`), as the audit replay and
the parallel rebuild run them: spawned (a forked child would share the parent's database connections), each
reporting how far it has read in a shared array and putting one result on a queue (a `str` when it failed)."""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projections.audit.store import LogStore, Row


class ShardProcesses:
    """`workers` processes running `target(*args(shard), positions, results)`, started at once."""

    def __init__(self, target: Callable[..., None], workers: int, args: Callable[[int], tuple[Any, ...]]) -> None:
        context = multiprocessing.get_context("spawn")
        self.positions = context.Array("q", workers)
        self._results = context.Queue()
        self._processes = [
            context.Process(target=target, args=(*args(shard), self.positions, self._results))
            for shard in range(workers)
        ]
        for process in self._processes:
            process.start()

    def gather(self, on_tick: Callable[[int], None] | None = None) -> list[Any]:
        """Every process's result, in the order they came; `on_tick(slowest position)` about five times a second.

        A process that died without a result is a RuntimeError; the others are then stopped."""
        answers: list[Any] = []
        try:
            while len(answers) < len(self._processes):
                try:
                    answers.append(self._results.get(timeout=0.2))
                except queue.Empty:
                    if not any(process.is_alive() for process in self._processes) and self._results.empty():
                        raise RuntimeError("a shard process died without a result") from None
                if on_tick is not None:
                    on_tick(min(self.positions[:]))
        finally:
            finished = len(answers) == len(self._processes)
            for process in self._processes:
                process.join(timeout=10 if finished else 0.1)
                if process.is_alive():
                    process.terminate()
        return answers


class ParentGone(Exception):
    """The process that started this shard process has ended: nobody will read what it makes."""


def starting_parent() -> int:
    """The pid of the process that started this one, as multiprocessing recorded it at the start.

    Not `os.getppid()` read later: a parent killed while this process was still importing has already been
    replaced by a reaper (pid 1, or a subreaper), and a check against that pid never fires (the cause of a
    replay's workers running on after their parent was killed, session 8)."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid is not None else os.getppid()


def orphaned(parent: int) -> bool:
    """Whether the process that started this one (pid `parent`, from `starting_parent`) has ended."""
    return os.getppid() != parent


def range_batches(
    store: LogStore, batch_size: int, stop: int, shard: int, shards: int, positions: Any
) -> Iterator[list[Row]]:
    """In a shard process: each batch of the log up to `stop`, cut to the rows of this process's hash range, and
    how far it has read published in `positions` once the caller is done with the batch. Raises ParentGone when
    the parent was killed (a killed audit replay or rebuild must not leave its processes folding on)."""
    parent = starting_parent()
    for batch in store.scan(batch_size, stop=stop):
        if orphaned(parent):
            raise ParentGone
        yield [row for row in batch if row.stream.int % shards == shard]
        positions[shard] = batch[-1].position
