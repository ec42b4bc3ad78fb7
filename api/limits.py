"""Edge checks for inputs the interchange schema admits but the domain cannot yet handle.

Each one is a workaround with its reason, to be dropped when the standard or the domain closes the gap:
- a run for year 9999 (standards `Year` allows it) makes domain/dispatch.py `start_run` compute
  `date(year + 1, 1, 1)`, which does not exist; the refusal here is the `invalid_field` the schema would give."""

from __future__ import annotations

from api.params import invalid
from standards.interchange import AnyMessage

LAST_RUN_YEAR = 9998


def check_limits(message: AnyMessage) -> None:
    """422 `invalid_field` for a message the domain would fail on instead of refusing."""
    year = getattr(message, "year", None)
    if message.type in ("interest_run", "adjustment_run") and isinstance(year, int) and year > LAST_RUN_YEAR:
        raise invalid("year", f"must be at most {LAST_RUN_YEAR}")
