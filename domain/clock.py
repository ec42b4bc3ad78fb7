"""Where recorded times come from: the system clock (live) or the messages themselves (simulated)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def utc_now() -> datetime:
    return datetime.now(UTC)


def recorded_date(recorded_at: datetime) -> date:
    """The recorded date: the China Standard Time date of a recorded instant (DOMAIN.md §0)."""
    return recorded_at.astimezone(CHINA).date()


def end_of_day(day: date) -> datetime:
    """A bare date as an instant: the end of that day in China Standard Time (DOMAIN.md §15.4)."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=CHINA).astimezone(UTC)
