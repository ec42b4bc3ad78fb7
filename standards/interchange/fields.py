"""Field types of interchange v1 (INTERCHANGE.md, Conventions): strict, with their JSON Schema."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

from standards.calendar import Month
from standards.codes import ISSUING_UNITS, POOLING_UNITS

#: Upper bound of every `_fen` amount: 100 billion yuan, far above any real figure, far below overflow.
MAX_FEN = 10**13

# ASCII classes throughout: `\d` would let full-width and other Unicode digits through.
_MONTH_TEXT = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
SERIAL_PATTERN = r"^[A-Za-z0-9-]{1,40}$"
CITIZEN_ID_PATTERN = r"^[0-9]{17}[0-9Xx]$"
# The GB 32100 alphabet (no I, O, S, V, Z); the check character is verified by standards.identifiers.
USCC_PATTERN = r"^[0-9A-HJ-NP-RTUWXY]{18}$"


def _month(value: Any) -> Month:
    if isinstance(value, Month):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a month as YYYY-MM")
    return _month_text(value)


@lru_cache(maxsize=4096)
def _month_text(value: str) -> Month:
    """A valid `YYYY-MM` text as a Month, remembered (Month is immutable); a refusal is not remembered."""
    # fullmatch, not Month.parse alone: its `$` would accept a trailing newline.
    if _MONTH_TEXT.fullmatch(value) is None:
        raise ValueError("expected a month as YYYY-MM")
    return Month.parse(value)


def _date(value: Any) -> Any:
    # Only ISO text (or a date already): pydantic alone would take timestamps and other formats.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _DATE_TEXT.fullmatch(value) is None:
        raise ValueError("expected a date as YYYY-MM-DD")
    return date.fromisoformat(value)


def _timestamp(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _TIMESTAMP_TEXT.fullmatch(value) is None:
        raise ValueError("expected an ISO timestamp with a time zone, e.g. 2025-04-01T08:00:00Z")
    return datetime.fromisoformat(value)


def _member_of(codes: frozenset[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in codes:
            raise ValueError(f"not {what}")
        return value

    return AfterValidator(check)


def _unit_schema(codes: frozenset[str], description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": sorted(codes), "description": description})


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Serial = Annotated[str, StringConstraints(strict=True, pattern=SERIAL_PATTERN)]
"""业务流水号: 1-40 characters `[A-Za-z0-9-]`, unique per issuing unit."""

IssuingUnit = Annotated[
    str,
    StringConstraints(strict=True),
    _member_of(ISSUING_UNITS, "a pooling unit code or 00"),
    _unit_schema(ISSUING_UNITS, "a pooling unit's 2-digit code, or 00 for the ministry"),
]
PoolingUnit = Annotated[
    str,
    StringConstraints(strict=True),
    _member_of(frozenset(POOLING_UNITS), "a pooling unit code"),
    _unit_schema(frozenset(POOLING_UNITS), "a pooling unit's 2-digit code (DOMAIN.md §1.3)"),
]
NationalUnit = Literal["00"]
"""The ministry's code (codes.NATIONAL_UNIT), as a Literal so the schema shows it."""

CitizenIdText = Annotated[
    str,
    StringConstraints(strict=True, pattern=CITIZEN_ID_PATTERN),
    # Normalized here so the canonical body and the stream key see one spelling.
    AfterValidator(lambda value: value.upper()),
]
"""GB 11643 citizen ID, 18 characters; the check character is verified by standards.identifiers."""

UsccText = Annotated[str, StringConstraints(strict=True, pattern=USCC_PATTERN)]
"""GB 32100 unified social credit code; the check character is verified by standards.identifiers."""

Fen = Annotated[StrictInt, Field(ge=0, le=MAX_FEN)]
"""Money in integer fen, non-negative."""

MonthField = Annotated[
    Month,
    PlainValidator(_month),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "examples": ["2025-04"]}),
]
"""A month `YYYY-MM`, held as a Month."""

DateField = Annotated[date, BeforeValidator(_date)]
"""A date `YYYY-MM-DD` (ISO text only)."""

Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_timestamp),
    # Recorded times are UTC (DOMAIN.md §0); another offset is accepted and converted.
    AfterValidator(lambda value: value.astimezone(UTC)),
]
"""A timezone-aware ISO timestamp, normalized to UTC."""

DecimalText = Annotated[str, StringConstraints(strict=True, pattern=DECIMAL_PATTERN, max_length=24)]
"""A non-negative decimal as a string (`"0.02"`); never a float, kept exact."""

Year = Annotated[StrictInt, Field(ge=1900, le=9999)]
Name = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"),
    AfterValidator(_not_blank),
]
Reason = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=500), AfterValidator(_not_blank)]
MonthCount = Annotated[StrictInt, Field(ge=0, le=1200)]
