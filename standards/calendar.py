"""Contribution months (费款所属期, `YYYY-MM`) and ages counted in whole months (DOMAIN.md §0)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Months are immutable values: the ones parsed or counted are kept and shared (a replay asks for the same few
# hundred months millions of times). Bounded, so odd input cannot grow them without limit.
_CACHE_LIMIT = 1 << 17
_PARSED: dict[str, Month] = {}
_BY_INDEX: dict[int, Month] = {}


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
        if cls is Month and isinstance(text, str):
            found = _PARSED.get(text)
            if found is not None:
                return found
        match = _MONTH.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
        parsed = cls(int(match.group(1)), int(match.group(2)))
        if cls is Month:
            if len(_PARSED) >= _CACHE_LIMIT:
                _PARSED.clear()
            _PARSED[text] = parsed
        return parsed

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a date falls in."""
        if cls is Month:
            found = _BY_INDEX.get(day.year * 12 + day.month - 1)
            if found is not None:
                return found
            return Month.from_index(day.year * 12 + day.month - 1)
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Month:
        """Inverse of `index`."""
        if cls is Month:
            found = _BY_INDEX.get(index)
            if found is not None:
                return found
        year, month0 = divmod(index, 12)
        month = cls(year, month0 + 1)
        if cls is Month:
            if len(_BY_INDEX) >= _CACHE_LIMIT:
                _BY_INDEX.clear()
            _BY_INDEX[index] = month
        return month

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
    from_index = Month.from_index
    return [from_index(i) for i in range(first.index, last.index + 1)]


def format_years_months(months: int) -> str:
    """Contribution years as shown on a dossier: 425 -> '35 years 5 months'."""
    years, rest = divmod(months, 12)
    return f"{years} years {rest} months"
