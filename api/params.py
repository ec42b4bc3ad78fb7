"""Query and path parameters shared by the read routes, parsed into domain values or refused with the
error model (`invalid_field` naming the parameter; a bad citizen ID with its own code and reason)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from api.errors import ApiError
from domain.clock import end_of_day
from standards.calendar import Month
from standards.codes import ACCOUNTS, NATIONAL_UNIT, POOLING_UNITS, ErrorCode
from standards.identifiers import parse_citizen_id

# Bounds keep date arithmetic far from datetime's limits; no pension fact lies outside them.
FIRST_YEAR, LAST_YEAR = 1900, 2199
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(ErrorCode.INVALID_FIELD, f"{field}: {message}", field=field)


def _in_range(year: int, field: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise invalid(field, f"year out of range {FIRST_YEAR}-{LAST_YEAR}")


def citizen_id(text: str) -> str:
    """A path's citizen ID, validated (GB 11643) and normalized (lower-case x → X)."""
    return parse_citizen_id(text, field="citizen_id").number


def as_of_date(text: str | None, field: str = "as_of") -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text) if re.fullmatch(DATE_PATTERN, text) else None
    except ValueError:
        day = None
    if day is None:
        raise invalid(field, "expected a real date YYYY-MM-DD")
    _in_range(day.year, field)
    return day


def as_of_month(text: str | None, field: str = "as_of") -> Month | None:
    if text is None:
        return None
    if not re.fullmatch(MONTH_PATTERN, text):
        raise invalid(field, "expected a month YYYY-MM")
    month = Month.parse(text)
    _in_range(month.year, field)
    return month


def instant(text: str | None, field: str = "as_known_at") -> datetime | None:
    """An ISO instant (UTC when no offset is given), or a bare date: the end of that day in China time (§15.4)."""
    if text is None:
        return None
    try:
        if not _INSTANT.fullmatch(text):
            raise ValueError(text)
        if len(text) == 10:
            _in_range(int(text[:4]), field)
            return end_of_day(date.fromisoformat(text))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, "expected YYYY-MM-DD or an ISO timestamp") from None
    _in_range(parsed.year, field)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def pooling_unit(text: str) -> str:
    if text not in POOLING_UNITS:
        raise invalid(
            "unit",
            f"not one of the 32 pooling-unit codes of DOMAIN.md §1.3 (the ministry, {NATIONAL_UNIT}, keeps no ledger)",
        )
    return text


def account(text: str) -> str:
    if text not in ACCOUNTS:
        raise invalid("account", "not an account of the chart of accounts (DOMAIN.md §10.2)")
    return text
