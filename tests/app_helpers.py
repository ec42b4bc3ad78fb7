"""Message builders for the application tests: interchange v1 bodies with a simulated `recorded_at`.

Every builder returns a plain dict (what a province would send). `at` is the recorded date or instant:
a bare date `YYYY-MM-DD` means 10:00 China Standard Time that day (02:00 UTC), so the recorded date is that
date. Serials default to a fresh, readable one per message; pass `serial=` to resend or reuse one."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from domain.application import PoolingApplication
from domain.errors import DomainError
from domain.hashing import chain_hash
from domain.person import person_id
from standards.calendar import Month, months_between
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError

USCC = "91350100M000100Y43"  # DOMAIN.md §1.2's example, a valid code
OTHER_USCC = "91110000600037341L"  # a second valid employer (same check rule)
_counter = itertools.count(1)


def at(day: str, time: str = "02:00:00") -> str:
    """A recorded instant (UTC) whose China Standard Time date is `day`; a full timestamp passes through."""
    return day if "T" in day else f"{day}T{time}Z"


def _serial(prefix: str, serial: str | None) -> str:
    return serial or f"{prefix}-{next(_counter):06d}"


def _message(message_type: str, unit: str, recorded: str, serial: str | None, **fields: Any) -> dict[str, Any]:
    prefix = f"{unit}-{message_type[:4].upper()}"
    body = {"type": message_type, "serial": _serial(prefix, serial), "unit": unit}
    body.update({key: value for key, value in fields.items() if value is not None})
    body["recorded_at"] = at(recorded)
    return body


def enroll(
    citizen_id: str,
    unit: str,
    effective: str,
    *,
    on: str | None = None,
    kind: str = "employee",
    employer_uscc: str | None = USCC,
    hukou_unit: str | None = None,
    name: str = "张伟",
    serial: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """参保登记, recorded on `on` (default the effective date)."""
    return _message(
        "enrollment",
        unit,
        on or effective,
        serial,
        citizen_id=citizen_id,
        effective=effective,
        kind=kind,
        employer_uscc=employer_uscc if kind == "employee" else None,
        name=name,
        hukou_unit=hukou_unit or unit,
        **extra,
    )


def contribute(
    citizen_id: str,
    unit: str,
    period: str,
    base_fen: int,
    *,
    on: str | None = None,
    serial: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """缴费 for `period`, recorded on `on` (default the 15th of the period's month)."""
    return _message(
        "contribution",
        unit,
        on or f"{period}-15",
        serial,
        citizen_id=citizen_id,
        period=period,
        base_fen=base_fen,
        **extra,
    )


def contributions(citizen_id: str, unit: str, first: str, last: str, base_fen: int) -> list[dict[str, Any]]:
    """One contribution a month from `first` to `last`, each recorded on the 15th of its month."""
    return [
        contribute(citizen_id, unit, str(month), base_fen)
        for month in months_between(Month.parse(first), Month.parse(last))
    ]


def back_pay(
    citizen_id: str,
    unit: str,
    period: str,
    base_fen: int,
    *,
    on: str,
    reason: str = "missed month",
    serial: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """补缴 of a past `period`, recorded on `on`."""
    return _message(
        "back_payment",
        unit,
        on,
        serial,
        citizen_id=citizen_id,
        period=period,
        base_fen=base_fen,
        reason=reason,
        **extra,
    )


def suspend(
    citizen_id: str,
    unit: str,
    effective: str,
    *,
    on: str | None = None,
    reason: str = "left_employer",
    serial: str | None = None,
) -> dict[str, Any]:
    return _message(
        "suspension", unit, on or effective, serial, citizen_id=citizen_id, effective=effective, reason=reason
    )


def change_employer(
    citizen_id: str, unit: str, effective: str, employer_uscc: str, *, on: str | None = None, serial: str | None = None
) -> dict[str, Any]:
    return _message(
        "employer_change",
        unit,
        on or effective,
        serial,
        citizen_id=citizen_id,
        effective=effective,
        employer_uscc=employer_uscc,
    )


def transfer_request(
    citizen_id: str, unit: str, from_unit: str, *, on: str, serial: str | None = None
) -> dict[str, Any]:
    return _message("transfer_request", unit, on, serial, citizen_id=citizen_id, from_unit=from_unit)


def transfer_send(
    citizen_id: str, unit: str, request_serial: str, *, on: str, serial: str | None = None
) -> dict[str, Any]:
    return _message("transfer_send", unit, on, serial, citizen_id=citizen_id, request_serial=request_serial)


def transfer_receive(
    citizen_id: str, unit: str, request_serial: str, *, on: str, serial: str | None = None
) -> dict[str, Any]:
    return _message("transfer_receive", unit, on, serial, citizen_id=citizen_id, request_serial=request_serial)


def retire(
    citizen_id: str, unit: str, retirement: str, *, on: str, serial: str | None = None, **extra: Any
) -> dict[str, Any]:
    return _message("retirement", unit, on, serial, citizen_id=citizen_id, retirement=retirement, **extra)


def certify(
    citizen_id: str, unit: str, effective: str, *, on: str | None = None, serial: str | None = None
) -> dict[str, Any]:
    return _message("certification", unit, on or effective, serial, citizen_id=citizen_id, effective=effective)


def death(
    citizen_id: str, unit: str, date_of_death: str, *, on: str, serial: str | None = None, **extra: Any
) -> dict[str, Any]:
    return _message("death", unit, on, serial, citizen_id=citizen_id, date_of_death=date_of_death, **extra)


def recover(citizen_id: str, unit: str, amount_fen: int, *, on: str, serial: str | None = None) -> dict[str, Any]:
    return _message("recovery", unit, on, serial, citizen_id=citizen_id, amount_fen=amount_fen)


def correct(
    citizen_id: str,
    unit: str,
    corrects_serial: str,
    *,
    on: str,
    reason: str = "keyed in error",
    serial: str | None = None,
) -> dict[str, Any]:
    return _message(
        "correction", unit, on, serial, citizen_id=citizen_id, corrects_serial=corrects_serial, reason=reason
    )


def interest_run(year: int, *, on: str | None = None, serial: str | None = None) -> dict[str, Any]:
    """The ministry's run for `year`, recorded on `on` (default 10 January of the next year)."""
    return _message("interest_run", "00", on or f"{year + 1}-01-10", serial or f"00-INT-{year}", year=year)


def payout_run(
    unit: str, month: str, *, on: str | None = None, paid_on: str | None = None, serial: str | None = None
) -> dict[str, Any]:
    """A unit's payout run for benefit months up to `month`, recorded on `on` (default the 10th of `month`)."""
    return _message(
        "payout_run", unit, on or f"{month}-10", serial or f"{unit}-PAY-{month}", month=month, paid_on=paid_on
    )


def adjustment_run(year: int, rate: str, *, on: str, serial: str | None = None) -> dict[str, Any]:
    return _message("adjustment_run", "00", on, serial or f"00-ADJ-{year}", year=year, rate=rate)


# --- submitting --------------------------------------------------------------------------------------
def apply(app: PoolingApplication, *messages: dict[str, Any]) -> dict[str, Any]:
    """Submit messages one by one, each must be applied; return the last answer."""
    answer: dict[str, Any] = {}
    for message in messages:
        answer = app.submit(message)
        assert answer["status"] == "applied", answer
    return answer


def apply_all(app: PoolingApplication, messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Submit many person messages in one transaction (submit_batch); every one must be applied."""
    outcomes = app.submit_batch(list(messages))
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
        assert outcome["status"] == "applied", outcome
    return outcomes  # type: ignore[return-value]


Refusal = DomainError | InterchangeError | IdentifierError


def refuse(app: PoolingApplication, message: dict[str, Any], code: str, rule: str | None = None) -> Refusal:
    """Submit a message that must be refused with `code` (and `rule`); check that nothing was written.

    Nothing written means: no new row in the store (no event, no command record, so a resend of the same
    serial after fixing the cause is applied) and, for a known person, the same stream version in the app."""
    citizen = message.get("citizen_id")
    before = app.recorder.max_notification_id()
    version_before = _version_or_none(app, citizen)
    record_before = _record_version(app, message)
    try:
        answer = app.submit(message)
    except (DomainError, InterchangeError, IdentifierError) as error:
        got = (error.code.value, getattr(error, "rule", None))
        assert got == (code, rule), f"expected {(code, rule)}, got {got}: {error}"
        assert app.recorder.max_notification_id() == before, "a refused command wrote to the store"
        assert _version_or_none(app, citizen) == version_before, "a refused command changed the person"
        assert _record_version(app, message) == record_before, "a refused command wrote a command record"
        return error
    raise AssertionError(f"expected {code} {rule or ''}, got {answer}")


def _record_version(app: PoolingApplication, message: dict[str, Any]) -> int | None:
    """1 when the command log holds (unit, serial), None when it does not."""
    unit, serial = message.get("unit"), message.get("serial")
    if not isinstance(unit, str) or not isinstance(serial, str):
        return None
    return 1 if app.command(unit, serial) is not None else None


def _version_or_none(app: PoolingApplication, citizen: Any) -> int | None:
    if not isinstance(citizen, str):
        return None
    try:
        return app.get_person(citizen).version
    except (DomainError, IdentifierError):
        return None


def kinds(app: PoolingApplication, citizen_id: str, since: int = 0) -> list[str]:
    """The event types of a person's stream, from position `since`."""
    return [event.kind for event in app.events_of(citizen_id)[since:]]


def version(app: PoolingApplication, citizen_id: str) -> int:
    return app.get_person(citizen_id).version


def yuan(text: str) -> int:
    """'13,993.23' → 1399323 fen: DOMAIN.md's figures, written as printed."""
    whole, _, cents = text.replace(",", "").partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def citizen_id(birth: str, *, region: str = "320102", sequence: str = "123") -> str:
    """A valid GB 11643 number for a birth date `YYYY-MM-DD` (sequence's last digit odd = male, even = female)."""
    body = region + birth.replace("-", "") + sequence
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def stored_events(app: PoolingApplication, citizen_id: str) -> list[Any]:
    """A person's events read straight from the store (no cache), decoded by the app's own mapper."""
    return [app.mapper.to_domain_event(stored) for stored in app.recorder.select_events(person_id(citizen_id))]


def broken_links(app: PoolingApplication, citizen_id: str) -> list[int]:
    """Versions whose stored hash is not SHA-256(previous hash ‖ canonical event): empty when the chain holds.

    The canonical form covers the stream id, the version, the event type and every field but the hash,
    the recorded `timestamp` included (as ISO text)."""
    broken: list[int] = []
    previous: str | None = None
    for expected_version, event in enumerate(stored_events(app, citizen_id), start=1):
        fields = {k: v for k, v in vars(event).items() if k not in ("originator_id", "originator_version", "hash")}
        recomputed = chain_hash(previous, event.originator_id, event.originator_version, type(event).__name__, fields)
        if event.originator_version != expected_version or recomputed != event.hash:
            broken.append(event.originator_version)
        previous = event.hash
    return broken


# --- stories shared by several test modules ---------------------------------------------------------
HE = "320102196503151231"  # §8.5: a man born 1965-03-15, hukou 32; legal retirement month 2025-04


def insured_in_jiangsu_until_march_2025(app: PoolingApplication) -> None:
    """§8.5's man, shortened: enrolled in 32 on 1995-04 with 60 deemed months (1990-04…1995-03), then paid
    2015-04…2025-03 (120 months) at the reference wage RW(32, Y) of each year, so every month's index is 1;
    the ministry's interest runs 2015…2024 are recorded each January. 180 months in all = MinMonths(2025)."""
    apply(app, enroll(HE, "32", "1995-04-03", deemed_months=60, account_opened="1995-04", name="王建国"))
    for year in range(2015, 2026):
        first, last = (f"{year}-04" if year == 2015 else f"{year}-01"), (f"{year}-03" if year == 2025 else f"{year}-12")
        if year > 2015:
            apply(app, interest_run(year - 1, on=f"{year}-01-10"))
        apply_all(app, contributions(HE, "32", first, last, app.policy.reference_wage_fen("32", year)))
