"""A killed `pooling audit replay` takes its shard processes with it: nobody would read their results, and they
would go on holding CPU and memory (a killed replay of a 16 M-event store left two shards running for hours)."""

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


def test_shard_processes_stop_when_the_replay_is_killed(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    env = {**os.environ, "PERSISTENCE_MODULE": "eventsourcing.sqlite", "POOLING_DB": str(store)}
    seeded = subprocess.run(
        [*CLI, "seed", "--persons", "600", "--years", "10", "--first-year", "2016", "--db", str(store)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert seeded.returncode == 0, seeded.stderr
    # Tiny batches: a shard checks on its parent between batches, and with these its pass takes ~10 s (measured).
    replay = [*CLI, "audit", "replay", "--workers", "2", "--batch-size", "5", "--out", str(tmp_path / "audit")]
    parent = subprocess.Popen(replay, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shards: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(shards) < 2 and time.monotonic() < deadline and parent.poll() is None:
            shards = _shard_processes(parent.pid)
            time.sleep(0.05)
        assert len(shards) == 2, "the replay never started its two shard processes"
        time.sleep(2)  # into their first batches
        # Held still while the parent dies, so that each has most of its pass left when it can run again.
        for pid in shards:
            os.kill(pid, signal.SIGSTOP)
        assert all(_running(pid) for pid in shards), "a shard ended before the kill: the store is too small"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        for pid in shards:
            os.kill(pid, signal.SIGCONT)
        deadline = time.monotonic() + 3
        while any(_running(pid) for pid in shards) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_running(pid) for pid in shards), "shard processes outlived the killed replay"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in shards:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
