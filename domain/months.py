"""Remembered `Month` values for the hot paths of the write side (folding, windows, interest).

`Month` is a frozen value, so one instance per text or per date can be shared. Parsing a `YYYY-MM` text
(a regular expression and a validated dataclass) and taking the month of a date run several times for
every message; these caches answer with the same values as `Month.parse` and `Month.of`."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from standards.calendar import Month


@lru_cache(maxsize=4096)
def parse_month(text: str) -> Month:
    """`Month.parse(text)`, remembered (a refusal is raised again each time, not remembered)."""
    return Month.parse(text)


_OF_DAY: dict[date, Month] = {}


def month_of(day: date) -> Month:
    """`Month.of(day)`, remembered per date."""
    month = _OF_DAY.get(day)
    if month is None:
        month = Month.of(day)
        if type(day) is date and len(_OF_DAY) < 65536:  # a datetime is left out: its key would keep the time
            _OF_DAY[day] = month
    return month
