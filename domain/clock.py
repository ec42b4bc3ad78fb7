"""Where recorded times come from: the system clock (live) or the messages themselves (simulated)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def utc_now() -> datetime:
    return datetime.now(UTC)


def recorded_date(recorded_at: datetime) -> date:
    """The recorded date: the China Standard Time date of a recorded instant (DOMAIN.md §0)."""
    global _last_recorded
    last = _last_recorded  # asked several times per command for the same instant: the last answer is kept
    if last[0] is recorded_at:
        return last[1]
    day = recorded_at.astimezone(CHINA).date()
    _last_recorded = (recorded_at, day)  # one tuple, swapped whole: safe under threads
    return day


_last_recorded: tuple[datetime | None, date] = (None, date.min)


def end_of_day(day: date) -> datetime:
    """A bare date as an instant: the end of that day in China Standard Time (DOMAIN.md §15.4)."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=CHINA).astimezone(UTC)
