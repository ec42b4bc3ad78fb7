"""What a command handler is given besides the person and the message: policy, clock, runs known so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from domain import events as ev
from domain.clock import recorded_date
from domain.errors import RuleViolation
from domain.person import Person
from standards.policy import Policy


@dataclass(frozen=True, slots=True)
class RunsKnown:
    """National runs recorded so far: interest years (rate available, §4.2) and adjustment years."""

    interest_rates: dict[int, Fraction] = field(default_factory=dict)
    adjustment_rates: dict[int, Fraction] = field(default_factory=dict)


@dataclass(slots=True)
class CommandContext:
    """One command's unit, serial, recorded time and the policy it applies."""

    unit: str
    serial: str
    recorded_at: datetime
    policy: Policy
    runs: RunsKnown
    migrated: bool = False
    flags: list[str] = field(default_factory=list)
    written: list[ev.PersonEvent] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    _today: date | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def today(self) -> date:
        """The recorded date (China Standard Time) of this command."""
        if self._today is None:
            self._today = recorded_date(self.recorded_at)
        return self._today

    def emit(self, person: Person, event_class: type[ev.PersonEvent], effective: date, **fields: Any) -> ev.PersonEvent:
        """Record one event of this command on the person's stream."""
        event = person.record(
            event_class,
            timestamp=self.recorded_at,
            unit=self.unit,
            serial=self.serial,
            effective=effective.isoformat(),
            **fields,
        )
        self.written.append(event)
        return event

    def interest_rates(self) -> tuple[dict[int, Fraction], Fraction | None]:
        """Rates available now, and the fallback for a year whose rate is not (§4.2, §15.5)."""
        return available_rates(self.policy, self.runs, self.today)


def available_rates(policy: Policy, runs: RunsKnown, today: date) -> tuple[dict[int, Fraction], Fraction | None]:
    """Crediting rates usable on `today`: years whose run is recorded (and the pre-2016 rate), plus the fallback.

    The fallback is the latest recorded run's rate; with no run recorded at all, the policy rate of the latest
    year before today's year that policy has (§4.2, §15.5)."""
    rates = {**policy.rates_before_national(), **runs.interest_rates}
    if runs.interest_rates:
        return rates, runs.interest_rates[max(runs.interest_rates)]
    latest = policy.latest_interest_year_before(today.year)
    return rates, policy.interest_rate(latest) if latest is not None else None


def reject(rule: str, message: str, field: str | None = None) -> RuleViolation:
    """A refusal by a command-time rule (R0xx)."""
    return RuleViolation(rule, message, field=field)
