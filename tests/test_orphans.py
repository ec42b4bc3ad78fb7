"""A killed `pooling audit replay` or `pooling seed` takes its worker processes with it: nobody would read their
results, and they would go on holding CPU and memory (a killed replay of a 16 M-event store left two shards running
for hours). Each worker checks on its parent between batches (months, for the seed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

CLI = [sys.executable, "-c", "from api.cli import app; app()"]


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in found.read_text().split()] if found.exists() else []


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whatever adopted it, maybe later)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _shard_processes(parent: int) -> list[int]:
    return [pid for pid in _children(parent) if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]


def _kill_and_watch(command: list[str], env: dict[str, str], into_work: float = 2, deadline: float = 5) -> None:
    """Start `command`, wait for its (two or more) child processes, hold them still `into_work` seconds later while
    it is killed, let them run: they must be gone within `deadline` s (their work left takes longer: the callers
    size it so). With `into_work=0` they are held before they have even imported the code."""
    parent = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        started = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < started and parent.poll() is None:
            workers = _shard_processes(parent.pid)
            time.sleep(0.01)
        assert len(workers) >= 2, "the command never started its two worker processes"
        time.sleep(into_work)
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        assert all(_running(pid) for pid in workers), "a worker ended before the kill: its work is too small"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        ends = time.monotonic() + deadline
        while any(_running(pid) for pid in workers) and time.monotonic() < ends:
            time.sleep(0.1)
        assert not any(_running(pid) for pid in workers), "worker processes outlived the killed command"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def _seeded_store(tmp_path: Path) -> dict[str, str]:
    store = tmp_path / "store.sqlite"
    env = {**os.environ, "PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(store)}
    seeded = subprocess.run(
        [*CLI, "seed", "--persons", "600", "--years", "10", "--first-year", "2016", "--db", str(store)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert seeded.returncode == 0, seeded.stderr
    return env


# Tiny batches: a shard checks on its parent between batches, and with these the replay takes ~124 s (measured
# with a seed running beside it; 51 s with batches of 5).
# Session 7 saw the workers still running 3 s after the kill once, with batches of 5 on a slow machine.
REPLAY = [*CLI, "audit", "replay", "--workers", "2", "--batch-size", "2"]


def test_shard_processes_stop_when_the_replay_is_killed(tmp_path: Path) -> None:
    _kill_and_watch([*REPLAY, "--out", str(tmp_path / "audit")], _seeded_store(tmp_path))


def test_shard_processes_stop_when_the_replay_is_killed_before_they_start_work(tmp_path: Path) -> None:
    # The parent killed while its workers still import: each must compare with the pid that started it, not with
    # the reaper's pid `os.getppid()` gives once the parent is gone (session 8's fix). Importing takes seconds.
    _kill_and_watch([*REPLAY, "--out", str(tmp_path / "audit")], _seeded_store(tmp_path), into_work=0, deadline=15)


def test_seed_workers_stop_when_the_seed_is_killed_and_the_seed_resumes(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    env = {**os.environ, "PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(store)}
    # ~12 s of work for two workers (measured ~6 s for half of it): most of it left when they are held at ~2 s.
    seed = [*CLI, "seed", "--persons", "1200", "--years", "10", "--first-year", "2016", "--workers", "2"]
    seed += ["--db", str(store)]
    _kill_and_watch(seed, env)
    resumed = subprocess.run(seed, env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr


def test_seed_workers_stop_when_the_seed_is_killed_before_they_start_work(tmp_path: Path) -> None:
    env = {**os.environ, "PERSISTENCE_MODULE": "eventsourcing.sqlite"}
    # ~56 s of work for two workers (measured with a seed running beside it): far more than the deadline, which
    # covers their imports.
    seed = [*CLI, "seed", "--persons", "4000", "--years", "10", "--first-year", "2016", "--workers", "2"]
    _kill_and_watch([*seed, "--db", str(tmp_path / "store.sqlite")], env, into_work=0, deadline=15)
