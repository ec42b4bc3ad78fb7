"""Which national runs were known at a time T: the crediting rates a dossier or replay may use (§4.2)."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime
from fractions import Fraction
from typing import Any

from domain.clock import recorded_date
from domain.commands.context import RunsKnown, available_rates
from domain.registry import RUNS_ID, NationalRuns
from standards.policy import Policy
from standards.rounding import as_rational


class RunsHistory:
    """The national runs' events, read once, answered for any recorded time."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._events: list[Any] = []
        self.refresh()

    def refresh(self) -> None:
        self._events = list(self._app.events.get(RUNS_ID))
        self._fallbacks: dict[tuple[int, object], Fraction | None] = {}
        # What is known at T is the events before the first one recorded after T: the running maximum of their
        # times finds that prefix by bisection, and each prefix's answer is kept.
        self._latest: list[datetime] = []
        for event in self._events:
            self._latest.append(max(self._latest[-1], event.timestamp) if self._latest else event.timestamp)
        self._known: dict[int, RunsKnown] = {}

    def known_at(self, instant: datetime) -> RunsKnown:
        prefix = bisect_right(self._latest, instant)
        known = self._known.get(prefix)
        if known is None:
            known = self._known[prefix] = self._known_in(self._events[:prefix])
        return known

    @staticmethod
    def _known_in(events: list[Any]) -> RunsKnown:
        interest: dict[int, Fraction] = {}
        adjustment: dict[int, Fraction] = {}
        for event in events:
            if isinstance(event, NationalRuns.InterestRunRecorded):
                interest[event.year] = as_rational(event.rate)
            elif isinstance(event, NationalRuns.AdjustmentRunRecorded):
                adjustment[event.year] = as_rational(event.rate)
        return RunsKnown(interest, adjustment)

    def fallback_rate(self, policy: Policy, instant: datetime) -> Fraction | None:
        """The rate provisional (accrued) interest uses at T (remembered per day and runs known)."""
        known = self.known_at(instant)
        key = (len(known.interest_rates), recorded_date(instant).year)
        if key not in self._fallbacks:
            self._fallbacks[key] = available_rates(policy, known, recorded_date(instant))[1]
        return self._fallbacks[key]
