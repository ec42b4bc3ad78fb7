"""The write side's shortcuts give exactly what the straightforward code gives: canonical bytes, events built
without the library's `trigger_event`, remembered identifiers and months, integer rounding, the sub-ledger's
incremental `uncredited()` and the date-based `covering_enrollment`."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from domain import events as ev
from domain.hashing import canonical, chain_hash
from domain.person import Person, _layout, person_id
from domain.records import Enrollment, SubLedger, Suspension
from domain.rules.interest import InterestCredit
from domain.state import PersonState
from domain.transcoding import OrjsonTranscoder
from standards.calendar import Month
from standards.identifiers import IdentifierError, make_citizen_id, parse_citizen_id, parse_uscc
from standards.policy.policy import decimal_string
from standards.rounding import fen_times, to_fen

# --- canonical bytes -----------------------------------------------------------------------------------------


def _reference_plain(value: Any) -> Any:
    """domain/hashing.py's `_plain` as it was before the exact-type shortcuts."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _reference_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_reference_plain(item) for item in value]
    raise TypeError("float")


def _reference_canonical(stream: UUID, version: int, kind: str, fields: dict[str, Any]) -> bytes:
    body = {key: _reference_plain(value) for key, value in fields.items() if key != "hash"}
    document = {"stream": str(stream), "version": version, "type": kind, "fields": body}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class _Text(str):
    pass


_SAMPLES: list[Any] = [
    0,
    -5,
    2**53 + 1,
    True,
    False,
    None,
    "",
    "张伟",
    'a"b\\c\n',
    _Text("sub"),
    date(2003, 1, 17),
    datetime(2003, 1, 17, 1, 56, 8, tzinfo=UTC),
    datetime(2003, 1, 17, 1, 56, 8, 120, tzinfo=UTC),
    datetime(2003, 1, 17, 9, 0, tzinfo=timezone(timedelta(hours=8))),
    datetime(2003, 1, 17, 9, 0),
    UUID("1723bdc8-c305-5b52-83b2-bd6e98593f62"),
    Decimal("0.080"),
    [],
    ["R006", "R101"],
    ("a", 1),
    {"44": 100, "33T": 5},
    [{"month": "2020-01", "basic_fen": 1, "when": date(2020, 1, 1)}],
    {1: [date(2020, 1, 1), {"x": None}]},
]


@pytest.mark.parametrize("value", _SAMPLES, ids=range(len(_SAMPLES)))
def test_canonical_matches_the_reference_encoding(value: Any) -> None:
    stream = UUID("1723bdc8-c305-5b52-83b2-bd6e98593f62")
    fields = {"timestamp": datetime(2024, 5, 1, tzinfo=UTC), "value": value, "hash": "ignored", "unit": "44"}
    assert canonical(stream, 3, "ContributionPaid", fields) == _reference_canonical(
        stream, 3, "ContributionPaid", fields
    )


@pytest.mark.parametrize("value", [1.5, [1.0], {"a": 0.1}, [{"b": float("nan")}], (2.0,)])
def test_canonical_refuses_floats_anywhere(value: Any) -> None:
    with pytest.raises(TypeError):
        canonical(uuid4(), 1, "X", {"value": value})


def test_canonical_ignores_a_non_string_hash_field() -> None:
    stream = uuid4()
    assert canonical(stream, 1, "X", {"a": 1, "hash": [1.5]}) == canonical(stream, 1, "X", {"a": 1})


# --- events built without trigger_event ----------------------------------------------------------------------


def _sample(annotation: Any, name: str) -> Any:
    text = str(annotation)
    if "list" in text:
        return [{"month": "2020-01"}] if name == "lines" else ["R006"]
    if "dict" in text:
        return {"44": 1}
    if "int" in text:
        return 7
    if "bool" in text:
        return True
    return f"{name}-text"


@pytest.mark.parametrize("event_class", [c for c in ev.EVENT_CLASSES.values() if c is not ev.PersonRegistered])
def test_recorded_events_equal_the_librarys(event_class: type[ev.PersonEvent], monkeypatch: pytest.MonkeyPatch) -> None:
    def note(state: PersonState, event: ev.PersonEvent) -> None:  # sample values need not make a sensible fold
        state.history.append(event)
        state.last_hash = event.hash

    monkeypatch.setattr(PersonState, "apply", note)
    assert _layout(event_class) is not None, "every person event but the first takes the fast path"
    fields = {
        name: _sample(annotation, name)
        for klass in reversed(event_class.__mro__)
        for name, annotation in getattr(klass, "__annotations__", {}).items()
        if issubclass(klass, ev.PersonEvent) and name not in ("unit", "serial", "effective", "hash")
    }
    stamp = datetime(2024, 5, 1, 2, 3, 4, tzinfo=UTC)
    citizen = make_citizen_id("44", date(1980, 1, 1), 3)

    def opened() -> Person:
        return Person.register(
            citizen_id=citizen, timestamp=stamp, unit="44", serial="s0", effective="2024-05-01", name="n", sex="male",
            birth="1980-01-01",
        )  # fmt: skip

    fast = opened()
    event = fast.record(event_class, timestamp=stamp, unit="44", serial="s1", effective="2024-05-01", **fields)

    slow = opened()
    slow.trigger_event(
        event_class, timestamp=stamp, unit="44", serial="s1", effective="2024-05-01", hash=event.hash, **fields
    )
    reference = slow.pending_events[-1]
    assert type(event) is type(reference)
    assert list(vars(event).items()) == list(vars(reference).items())  # same fields, same order
    assert event == reference
    assert (fast.version, fast.modified_on) == (slow.version, slow.modified_on) == (2, stamp)
    assert fast.state.last_hash == event.hash
    assert event.hash == chain_hash(
        fast.pending_events[0].hash, fast.id, 2, event_class.__name__, {k: v for k, v in vars(event).items()
        if k not in ("originator_id", "originator_version")},
    )  # fmt: skip
    # The library stores and reloads it as it would its own.
    transcoder = OrjsonTranscoder()
    state = dict(vars(event))
    assert transcoder.encode(state) == transcoder.encode(dict(vars(reference)))
    with pytest.raises(Exception):  # noqa: B017 - frozen, like any library event
        event.unit = "33"  # type: ignore[misc]


def test_an_event_with_wrong_fields_still_fails_like_the_library() -> None:
    stamp = datetime(2024, 5, 1, tzinfo=UTC)
    person = Person.register(
        citizen_id=make_citizen_id("44", date(1980, 1, 1), 3), timestamp=stamp, unit="44", serial="s0",
        effective="2024-05-01", name="n", sex="male", birth="1980-01-01",
    )  # fmt: skip
    with pytest.raises(TypeError):
        person.record(ev.DeathRecorded, timestamp=stamp, unit="44", serial="s1", effective="2024-05-01")
    with pytest.raises(TypeError):
        person.record(
            ev.DeathRecorded, timestamp=stamp, unit="44", serial="s1", effective="2024-05-01", cause="x", extra=1
        )
    assert person.version == 1


def test_a_class_with_its_own_mutate_takes_the_librarys_path() -> None:
    class Odd(ev.PersonEvent):
        def mutate(self, aggregate: Any) -> Any:
            return Aggregate.Event.mutate(self, aggregate)

    assert _layout(Odd) is None


# --- remembered identifiers and months -----------------------------------------------------------------------


def test_remembered_citizen_ids_still_check_the_date_of_each_call() -> None:
    number = make_citizen_id("44", date(2020, 6, 1), 11)
    assert parse_citizen_id(number, today=date(2021, 1, 1)).birth == date(2020, 6, 1)
    with pytest.raises(IdentifierError, match="birth date in the future"):
        parse_citizen_id(number, today=date(2020, 5, 31), field="citizen_id")
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(IdentifierError, match="in the future"):  # the date check comes before the check digit
        parse_citizen_id(bad, today=date(2020, 5, 31))
    with pytest.raises(IdentifierError, match="bad check digit") as caught:
        parse_citizen_id(bad, today=date(2021, 1, 1), field="f")
    assert caught.value.field == "f"
    assert parse_citizen_id(number.lower(), today=date(2021, 1, 1)).number == number


def test_remembered_usccs_keep_their_field() -> None:
    with pytest.raises(IdentifierError) as first:
        parse_uscc("91350100M000100Y4X", field="a")
    with pytest.raises(IdentifierError) as second:
        parse_uscc("91350100M000100Y4X", field="b")
    assert (first.value.field, second.value.field) == ("a", "b")
    assert str(parse_uscc("91350100M000100Y43")) == "91350100M000100Y43"


def test_person_ids_and_months_are_the_plain_values() -> None:
    assert person_id("44030619790101003x") == person_id("44030619790101003X")
    assert Month.parse("2024-05") is Month.parse("2024-05") == Month(2024, 5)
    with pytest.raises(ValueError):
        Month.parse("2024-13")
    for day in (date(2024, 1, 31), datetime(2024, 2, 1, tzinfo=UTC), date(1, 1, 1), date(9999, 12, 31)):
        assert Month.of(day) == Month(day.year, day.month)


def test_decimal_strings_are_remembered_by_value() -> None:
    for value in (Fraction(8, 100), Fraction(1, 5), Fraction(3), Fraction(1, 3)):
        assert decimal_string(value) == str(Decimal(value.numerator) / Decimal(value.denominator))


def test_fen_times_is_to_fen_of_the_product() -> None:
    rng = random.Random(5)
    for _ in range(5000):
        amount = rng.randrange(-(10**9), 10**9)
        rate = Fraction(rng.randrange(0, 1000), rng.randrange(1, 1000))
        assert fen_times(amount, rate) == to_fen(amount * rate)
    assert fen_times(250, Fraction(1, 100)) == 3  # half up: 2.5 -> 3
    assert fen_times(-250, Fraction(1, 100)) == -3


# --- sub-ledger and enrollment queries -----------------------------------------------------------------------


def _reference_uncredited(ledger: SubLedger) -> tuple[list[tuple[Any, int]], list[InterestCredit]]:
    if not ledger.credits:
        return list(ledger.flows), []
    first = max(credit.through for credit in ledger.credits).shift(1)
    opening = sum(credit.amount_fen for credit in ledger.credits)
    later: list[tuple[Any, int]] = []
    for day, amount in ledger.flows:
        if Month.of(day) < first:
            opening += amount
        else:
            later.append((day, amount))
    return [(first, opening), *later], []


def test_uncredited_kept_up_to_date_equals_the_full_scan() -> None:
    rng = random.Random(11)
    for _ in range(60):
        ledger = SubLedger("44", False)
        month = Month(2003, 1)
        for _ in range(rng.randrange(1, 80)):
            roll = rng.random()
            if roll < 0.7:  # a flow, sometimes dated back (back-payments, transfers)
                back = rng.choice([0, 0, 0, 1, 5, 14])
                when = month.shift(-back)
                ledger.add_flow(date(when.year, when.month, rng.randrange(1, 29)), rng.randrange(-500, 5000))
            elif roll < 0.85:  # a credit through some month up to now
                through = month.shift(-rng.choice([0, 1, 2, 12]))
                ledger.add_credit(InterestCredit(month.first_day(), through, rng.randrange(0, 300)))
            else:
                month = month.shift(rng.randrange(1, 14))
            if rng.random() < 0.5:
                assert ledger.uncredited() == _reference_uncredited(ledger)
                assert ledger.credited_through == max((c.through for c in ledger.credits), default=None)
        assert ledger.uncredited() == _reference_uncredited(ledger)


def _reference_covering(state: PersonState, unit: str, period: Month) -> Enrollment | None:
    candidates = [e for e in state.enrollments if Month.of(e.effective) <= period]
    if not candidates:
        return None
    latest = max(candidates, key=lambda e: (e.effective, e.version))
    if latest.unit != unit:
        return None
    suspended = any(
        s.effective >= latest.effective and Month.of(s.effective) < period and s.version > latest.version
        for s in state.suspensions
    )
    return None if suspended else latest


def test_covering_enrollment_equals_the_month_based_rule() -> None:
    rng = random.Random(3)
    for _ in range(200):
        state = PersonState()
        version = 1
        for _ in range(rng.randrange(0, 6)):
            day = date(2003, 1, 1) + timedelta(days=rng.randrange(0, 2000))
            version += 1
            if rng.random() < 0.6:
                state.enrollments.append(Enrollment(day, rng.choice(["44", "33"]), "employee", None, False, version))
            else:
                state.suspensions.append(Suspension(day, rng.choice(["44", "33"]), "other", version))
        for period in (Month(2003, 1), Month(2004, 2), Month(2005, 12), Month(2008, 6), Month(9999, 12)):
            for unit in ("44", "33"):
                assert state.covering_enrollment(unit, period) == _reference_covering(state, unit, period)
