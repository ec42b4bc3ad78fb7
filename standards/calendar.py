"""Contribution months (费款所属期, `YYYY-MM`) and ages counted in whole months (DOMAIN.md §0)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """One calendar month, ordered and countable: Month(2025, 4) + 1 == Month(2025, 5)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse `YYYY-MM`; raise ValueError with the reason otherwise."""
        match = _MONTH.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a date falls in."""
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Month:
        """Inverse of `index`."""
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    @property
    def index(self) -> int:
        """Months since year 0, so differences are month counts."""
        return self.year * 12 + self.month - 1

    def __add__(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def __sub__(self, other: Month) -> int:
        """Whole months from `other` to `self`."""
        return self.index - other.index

    def shift(self, months: int) -> Month:
        """This month moved by a signed number of months."""
        return Month.from_index(self.index + months)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def last_day(self) -> date:
        following = self.shift(1)
        return date.fromordinal(date(following.year, following.month, 1).toordinal() - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included (empty if last < first)."""
    return [Month.from_index(i) for i in range(first.index, last.index + 1)]


def format_years_months(months: int) -> str:
    """Contribution years as shown on a dossier: 425 -> '35 years 5 months'."""
    years, rest = divmod(months, 12)
    return f"{years} years {rest} months"
