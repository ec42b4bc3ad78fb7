"""Citizen ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015), DOMAIN.md §1.1-§1.2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Literal

from standards.calendar import Month
from standards.codes import ID_PROVINCES, UNSUPPORTED_ID_PREFIXES, ErrorCode

Sex = Literal["male", "female"]

_DIGITS = frozenset("0123456789")
# The recorded date is a China Standard Time date (DOMAIN.md §0), so "today" must be too, not the host's.
_CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
_EARLIEST_BIRTH = date(1900, 1, 1)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714 (organization code, positions 9-17 of a USCC) reads letters as A=10..Z=35, I, O, S, V, Z included.
_GB11714_VALUES = {char: int(char, 36) for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_GB11714_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

_LABELS = {
    ErrorCode.INVALID_CITIZEN_ID: "invalid citizen ID",
    ErrorCode.UNSUPPORTED_ID_REGION: "citizen ID out of scope",
    ErrorCode.INVALID_USCC: "invalid unified social credit code",
}


class IdentifierError(ValueError):
    """A citizen ID or USCC that fails validation: `code` is the error code, `reason` the short cause."""

    def __init__(self, code: ErrorCode, reason: str, field: str | None = None) -> None:
        self.code = code
        self.reason = reason
        self.field = field
        where = f" in field {field!r}" if field else ""
        # The value itself is left out: citizen IDs are personal data and messages end up in logs.
        super().__init__(f"{_LABELS.get(code, code.value)}{where}: {reason}")


@dataclass(frozen=True, slots=True)
class CitizenId:
    """A validated citizen ID; `province` is where the number was issued, never the hukou."""

    number: str
    province: str
    birth: date
    sex: Sex

    @property
    def birth_month(self) -> Month:
        """The month of birth, from which ages are counted (DOMAIN.md §0)."""
        return Month.of(self.birth)

    def __str__(self) -> str:
        return self.number


@dataclass(frozen=True, slots=True)
class Uscc:
    """A validated unified social credit code; the parts are read from `code`."""

    code: str

    @property
    def registration_authority(self) -> str:
        """Position 1: 登记管理部门码 (9 = market regulation)."""
        return self.code[0]

    @property
    def category(self) -> str:
        """Position 2: 机构类别码 (under authority 9: 1 enterprise, 2 individual business, 3 cooperative)."""
        return self.code[1]

    @property
    def division_code(self) -> str:
        """Positions 3-8: administrative division of the registering authority (not validated)."""
        return self.code[2:8]

    @property
    def entity_identifier(self) -> str:
        """Positions 9-17: 主体标识码, the GB 11714 organization code with its own check character."""
        return self.code[8:17]

    def __str__(self) -> str:
        return self.code


def china_today() -> date:
    """Today's date in China Standard Time, the default upper bound of a birth date."""
    return datetime.now(_CHINA_STANDARD_TIME).date()


def check_character(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits of a citizen ID."""
    if len(first17) != 17 or not _DIGITS.issuperset(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_citizen_id(text: str, *, today: date | None = None, field: str | None = None) -> CitizenId:
    """Validate and normalize a citizen ID, raising IdentifierError with the first failure.

    Order: type and length (15 digits: must be upgraded), characters, region (71/81/82/83/9x unsupported,
    else the province table), birth date (real, from 1900-01-01, not after `today`, by default today in
    China Standard Time), then the check character. A lower-case final x is the only thing normalized.
    """
    if not isinstance(text, str):
        raise IdentifierError(ErrorCode.INVALID_CITIZEN_ID, "not a string", field)
    # Everything but the birth-date-in-the-future check depends on the text alone: remembered per text.
    citizen, failure, check_ok = _checked(text)
    if failure is not None:
        raise IdentifierError(failure[0], failure[1], field)
    assert citizen is not None
    if citizen.birth > (today if today is not None else china_today()):
        raise IdentifierError(ErrorCode.INVALID_CITIZEN_ID, "birth date in the future", field)
    if not check_ok:
        raise IdentifierError(ErrorCode.INVALID_CITIZEN_ID, "bad check digit", field)
    return citizen


_Failure = tuple[ErrorCode, str]


@lru_cache(maxsize=1 << 15)
def _checked(text: str) -> tuple[CitizenId | None, _Failure | None, bool]:
    """The checks of `parse_citizen_id` that depend on the text only, in its order: the normalized ID (None
    on a failure), the first failure before the birth-date-in-the-future check, and whether the check
    character is right (checked after that one)."""
    invalid = ErrorCode.INVALID_CITIZEN_ID
    if len(text) == 15 and _DIGITS.issuperset(text):
        return None, (invalid, "15-digit number must be upgraded"), False
    if len(text) != 18:
        return None, (invalid, "bad length"), False
    number = text[:17] + "X" if text[17] == "x" else text
    # Explicit ASCII sets: str.isdigit() would let full-width and other Unicode digits through.
    if not _DIGITS.issuperset(number[:17]) or not (number[17] in _DIGITS or number[17] == "X"):
        return None, (invalid, "bad character"), False

    prefix = number[:2]
    if prefix in UNSUPPORTED_ID_PREFIXES:
        return None, (ErrorCode.UNSUPPORTED_ID_REGION, "unsupported region"), False
    if prefix not in ID_PROVINCES:
        return None, (invalid, "unknown province"), False

    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None, (invalid, "birth date not a real date"), False
    if birth < _EARLIEST_BIRTH:
        return None, (invalid, "birth date before 1900"), False

    citizen = CitizenId(number, prefix, birth, "male" if int(number[16]) % 2 else "female")
    return citizen, None, number[17] == check_character(number[:17])


def make_citizen_id(province: str, birth: date, sequence: int, *, county: str = "0101") -> str:
    """Build a valid citizen ID: address code province + county, sequence 0-999 (last digit odd = male)."""
    if province not in ID_PROVINCES:
        raise ValueError(f"province {province!r} cannot issue citizen IDs")
    if len(county) != 4 or not _DIGITS.issuperset(county):
        raise ValueError(f"county must be 4 ASCII digits, got {county!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0..999, got {sequence}")
    if birth < _EARLIEST_BIRTH:
        raise ValueError(f"birth date before 1900: {birth}")
    first17 = f"{province}{county}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or not set(first17) <= _USCC_VALUES.keys():
        raise ValueError(f"expected 17 characters of {USCC_ALPHABET}, got {first17!r}")
    total = sum(_USCC_VALUES[char] * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_uscc(text: str, *, field: str | None = None) -> Uscc:
    """Validate a unified social credit code: 18 characters of the alphabet, then the check character.

    Nothing is normalized (lower case is a bad character); the embedded GB 11714 check and the division
    code are not validated (DOMAIN.md §1.2).
    """
    if not isinstance(text, str):
        raise IdentifierError(ErrorCode.INVALID_USCC, "not a string", field)
    code, failure = _checked_uscc(text)
    if code is None:
        raise IdentifierError(ErrorCode.INVALID_USCC, failure, field)
    return code


# Large enough for a province's employers: with 4,096 entries a 435,000-person seed (~14,500 employers) missed
# most look-ups, and the check took ~4 % of a seeding worker's time (py-spy); an entry is ~0.2 KB.
@lru_cache(maxsize=1 << 16)
def _checked_uscc(text: str) -> tuple[Uscc | None, str]:
    """`parse_uscc` on a string, remembered per text: the code, or None and the reason."""
    if len(text) != 18:
        return None, "bad length"
    if not set(text) <= _USCC_VALUES.keys():
        return None, "bad character"
    if text[17] != uscc_check_character(text[:17]):
        return None, "bad check character"
    return Uscc(text), ""


def organization_check_character(first8: str) -> str:
    """The GB 11714 check character of an 8-character organization code (11 - S mod 11; 10 is X, 11 is 0)."""
    if len(first8) != 8 or not set(first8) <= _GB11714_VALUES.keys():
        raise ValueError(f"expected 8 digits or upper-case letters, got {first8!r}")
    total = sum(_GB11714_VALUES[char] * weight for char, weight in zip(first8, _GB11714_WEIGHTS, strict=True))
    return "0123456789X0"[11 - total % 11]


def make_uscc(division: str, organization: str | int, *, authority: str = "9", category: str = "1") -> str:
    """Build a valid USCC from a 6-digit division and an 8-character organization code (int: zero-padded).

    Both check characters are computed: GB 11714 for position 17, GB 32100 for position 18.
    """
    org = f"{organization:08d}" if isinstance(organization, int) else organization
    if len(division) != 6 or not _DIGITS.issuperset(division):
        raise ValueError(f"division must be 6 ASCII digits, got {division!r}")
    if len(authority) != 1 or len(category) != 1:
        raise ValueError("authority and category are one character each")
    if len(org) != 8:
        raise ValueError(f"organization code must be 8 characters, got {org!r}")
    first17 = f"{authority}{category}{division}{org}{organization_check_character(org)}"
    # The USCC alphabet is narrower than GB 11714's, so uscc_check_character rejects I, O, S, V, Z here.
    return first17 + uscc_check_character(first17)
