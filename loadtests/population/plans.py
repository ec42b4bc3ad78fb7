"""What a planned life is made of: stints of enrollment, and the person's fixed facts (birth, hukou, death).

A plan is decided completely before any message is written, so the generator knows in advance every month
each person pays, where the relation is and where the benefit will be received; the messages are then a pure
function of the plan (`loadtests.population.messages`)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from loadtests.population.world import World
from standards.calendar import Month

#: The open end of the current stint while a career is still being planned.
OPEN = Month(9999, 12)


@dataclass(slots=True)
class Stint:
    """One enrollment in one unit, paid every month from `first` to `last` (both included)."""

    unit: str
    kind: str  # "employee" | "flexible"
    start: date  # enrollment, effective and recorded the same day
    first: Month
    last: Month = OPEN
    temporary: bool = False  # opens a temporary account (§5.4)
    employers: list[tuple[Month, int]] = field(default_factory=list)  # employer number in force from a month
    wage: tuple[str, float, float] = ("ratio", 1.0, 0.0)  # mode ("ratio", "floor", "below"), ratio, drift a year
    suspended: tuple[date, str] | None = None  # the suspension that ends the stint: date, reason
    transfer: tuple[str, date, date, date] | None = None  # into this stint: from unit, request, send, receive
    skipped: Month | None = None  # a month not paid on time ...
    back_paid: Month | None = None  # ... and back-paid in this month
    corrected: Month | None = None  # a month first sent with a wrong base, corrected and re-sent
    duplicate: Month | None = None  # the planted duplicate: this month is sent twice

    def months(self) -> Iterator[Month]:
        """Every month paid in this stint (a skipped month is back-paid later, so it counts)."""
        for index in range(self.first.index, self.last.index + 1):
            yield Month.from_index(index)

    def count(self, through: Month | None = None) -> int:
        last = self.last if through is None else min(self.last, through)
        return max(0, last - self.first + 1)

    def employer_in(self, month: Month) -> int | None:
        current = None
        for since, number in self.employers:
            if since <= month:
                current = number
        return current

    def declared_base(self, world: World, month: Month) -> int:
        """The wage declared for a month, in fen: relative to the unit's reference wage, or the floor."""
        mode, ratio, drift = self.wage
        if mode == "floor":
            return world.bounds(self.unit, month.year).floor_fen
        if mode == "below":  # last year's floor, forgotten to update: clamped up (R006)
            return world.bounds(self.unit, month.year - 1).floor_fen
        reference = world.bounds(self.unit, month.year).reference_fen
        wage = ratio * math.exp(drift * (month.year - self.first.year)) * reference
        return max(100, round(wage / 100) * 100)  # whole yuan

    def base(self, world: World, month: Month) -> int:
        """The base the system will use: the declared base clamped to the year's bounds (§3.2)."""
        bounds = world.bounds(self.unit, month.year)
        return min(max(self.declared_base(world, month), bounds.floor_fen), bounds.cap_fen)


@dataclass(slots=True)
class Plan:
    """One person's whole life in the window."""

    index: int
    citizen_id: str
    name: str
    sex: str
    birth: date
    category: str
    hukou: str
    deemed: int
    stints: list[Stint]
    legal: Month  # legal retirement month LM
    delay: int = 0  # months the reform adds to the original age (§7.1)
    retirement: Month | None = None  # M, when the person retires in the window
    early: int = 0
    late: int = 0
    place: str | None = None  # place of benefit P
    death: date | None = None
    death_recorded: date | None = None  # None: not recorded within the window
    death_late: int = 0  # months of payouts made after the death month before it was recorded
    cause: str = "illness"
    recovery_fen: int = 0
    duplicate_serial: str | None = None

    @property
    def retired(self) -> bool:
        return self.retirement is not None

    def paid_months(self) -> int:
        return self.deemed + sum(stint.count() for stint in self.stints)

    def retirement_date(self) -> date:
        """When the retirement is recorded: late in month M, after that month's contribution."""
        assert self.retirement is not None
        return date(self.retirement.year, self.retirement.month, 21 + self.index % 4)

    def unit_at(self, day: date) -> str:
        """The unit of the latest enrollment on a date (the death is reported by it)."""
        unit = self.stints[0].unit
        for stint in self.stints:
            if stint.start <= day:
                unit = stint.unit
        return unit
