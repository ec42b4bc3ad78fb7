"""The runs' command log rows of a seeded store: one per run, its answer summed over the shards.

A run's answer is `{"status", "serial", "events", "flags", "summary"}`, where the summary counts the persons the
run wrote to, the refusals by code and the amounts by name (DOMAIN.md §15.9). Every figure is a sum over persons,
so the shards' summaries add up to the command path's. Keys keep the order of the first shard that has them: the
command path's order is that of the first person (in registration order) who produced each key; the amounts of a
run always come in one fixed order, so only two different refusal codes first met in different shards could
order differently (still equal as JSON objects; the identity test would show it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from domain.registry import CommandRow


def merge_summaries(summaries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Add the shards' summaries of one run, key by key."""
    merged: dict[str, Any] = {}
    for summary in summaries:
        for key, value in summary.items():
            if isinstance(value, dict):
                into = merged.setdefault(key, {})
                for code, count in value.items():
                    into[code] = into.get(code, 0) + count
            else:
                merged[key] = merged.get(key, 0) + value
    return merged


def run_commands(shards: Sequence[Sequence[dict[str, Any]]]) -> list[CommandRow]:
    """The command log row of every run, given each shard's run outcomes (same runs, same order)."""
    first = shards[0]
    if any(len(other) != len(first) for other in shards):
        raise ValueError("the shards disagree on which runs were applied")
    rows: list[CommandRow] = []
    for position, outcome in enumerate(first):
        answers = [shard[position]["answer"] for shard in shards]
        if any(shard[position]["serial"] != outcome["serial"] for shard in shards):
            raise ValueError(f"the shards disagree on run {position}")
        answer = {**answers[0], "summary": merge_summaries(answer["summary"] for answer in answers)}
        rows.append(
            CommandRow(
                unit=outcome["unit"],
                serial=outcome["serial"],
                digest=outcome["digest"],
                citizen_id=None,
                answer=answer,
                issued_by=None,  # as `feed` submits runs; a seeded store is a migration, not an operator's work
                recorded_at=datetime.fromisoformat(outcome["recorded_at"]),
            )
        )
    return rows
