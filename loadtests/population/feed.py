"""Apply a generated stream to a `PoolingApplication`: person messages in batches, runs one by one.

Runs are carried out on their own (`submit`), so each month's list is cut at its runs into segments that keep
the recorded order. Outcomes are counted; every refusal is kept with its message, so a caller can assert that
only the planted duplicate was refused."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.errors import DomainError
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError

RUN_TYPES = frozenset({"interest_run", "payout_run", "adjustment_run"})


class Submitting(Protocol):
    """What `feed` needs of the application (PoolingApplication has both)."""

    def submit(self, data: Mapping[str, Any]) -> dict[str, Any]: ...

    def submit_batch(self, messages: Iterable[Mapping[str, Any]]) -> Sequence[Any]: ...


@dataclass
class Refusal:
    """A refused message: the error's code (or rule R0xx) and text, with the message itself."""

    code: str
    text: str
    message: dict[str, Any]


@dataclass
class FeedReport:
    messages: int = 0
    applied: int = 0
    replayed: int = 0
    runs: int = 0
    seconds: float = 0.0
    refusals: list[Refusal] = field(default_factory=list)
    run_refusals: Counter[str] = field(default_factory=Counter)  # persons a run refused, by code
    types: Counter[str] = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def segments(messages: Sequence[dict[str, Any]], batch_size: int) -> Iterator[tuple[bool, list[dict[str, Any]]]]:
    """(is_run, messages): runs alone, the person messages between them in batches of at most `batch_size`."""
    chunk: list[dict[str, Any]] = []
    for message in messages:
        if message["type"] in RUN_TYPES:
            if chunk:
                yield False, chunk
                chunk = []
            yield True, [message]
        else:
            chunk.append(message)
            if len(chunk) >= batch_size:
                yield False, chunk
                chunk = []
    if chunk:
        yield False, chunk


def _code(error: Exception) -> str:
    rule = getattr(error, "rule", None)
    code = getattr(error, "code", None)
    return str(rule or getattr(code, "value", code) or type(error).__name__)


def feed(app: Submitting, months: Iterable[Sequence[dict[str, Any]]], *, batch_size: int = 5000) -> FeedReport:
    """Submit every month's messages in order; return counts, refusals and the time taken."""
    report = FeedReport()
    started = time.perf_counter()
    for month in months:
        for is_run, chunk in segments(month, batch_size):
            report.messages += len(chunk)
            for message in chunk:
                report.types[message["type"]] += 1
            if is_run:
                report.runs += 1
                try:
                    answer = app.submit(chunk[0])
                except (DomainError, InterchangeError, IdentifierError) as error:  # reported like a person's
                    report.refusals.append(Refusal(_code(error), str(error), chunk[0]))
                    continue
                report.applied += 1
                report.run_refusals.update(answer.get("summary", {}).get("refused", {}))
                continue
            for message, outcome in zip(chunk, app.submit_batch(chunk), strict=True):
                if isinstance(outcome, dict):
                    report.applied += outcome.get("status") == "applied"
                    report.replayed += outcome.get("status") == "replayed"
                else:
                    report.refusals.append(Refusal(_code(outcome), str(outcome), message))
    report.seconds = time.perf_counter() - started
    return report
