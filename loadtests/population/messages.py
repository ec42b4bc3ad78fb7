"""Plans into interchange v1 messages (INTERCHANGE.md): plain dicts with `recorded_at` in UTC.

Times are chosen in China Standard Time working hours, so the recorded date (the CST date, DOMAIN.md §0) is
the UTC date too. Each kind of message has its own day and hour band, so a person's messages never share a
timestamp and always come in causal order: enrollments on days 1-12, contributions on days 15-20, back-payments,
corrections and retirements on days 21-24, the payout runs on day 25, late death records on days 26-28."""

from __future__ import annotations

from datetime import date
from typing import Any

from loadtests.population.identity import employer_uscc
from loadtests.population.plans import Plan, Stint
from loadtests.population.world import World
from standards.calendar import Month

Message = dict[str, Any]
Item = tuple[str, Message]  # (recorded_at, message)


def stamp(day: date, minute: int, second: int = 0) -> str:
    """The UTC instant of `minute` (after midnight, China Standard Time, 08:00-23:59) on `day`."""
    if not 480 <= minute < 1440:
        raise ValueError(f"minute {minute} would move the recorded date")
    hour, rest = divmod(minute - 480, 60)
    return f"{day.isoformat()}T{hour:02d}:{rest:02d}:{second:02d}Z"


def serial(unit: str, code: str, month: Month, index: int, suffix: str = "") -> str:
    """业务流水号 `44-C-202405-123`: unit, message code, month, person; unique per unit by construction."""
    return f"{unit}-{code}-{month.year:04d}{month.month:02d}-{index}{suffix}"


def _message(type_: str, serial_: str, unit: str, plan: Plan, recorded_at: str, **fields: Any) -> Item:
    body: Message = {"type": type_, "serial": serial_, "unit": unit, "citizen_id": plan.citizen_id}
    body.update(fields)
    body["recorded_at"] = recorded_at
    return recorded_at, body


def contribution(
    plan: Plan, stint: Stint, world: World, month: Month, *, suffix: str = "", wrong: bool = False
) -> Item:
    """缴费 for `month`, recorded on days 15-20 of it (or later the same month for a re-send or the duplicate)."""
    index = plan.index
    if suffix == "-R":
        day, minute = 23, 840
    elif suffix == "-D":
        day, minute = 27, 600
    else:
        day, minute = 15 + index % 6, 540 + (index * 7) % 420
    base = stint.declared_base(world, month) * (10 if wrong else 1)  # a wrong base: one zero too many
    # The texts of `str(month)`, `serial(...)` and `stamp(date(...), ...)`, written out: this runs for every
    # contribution of the population (the day and minute are always in range here).
    year, number, unit = month.year, month.month, stint.unit
    body: Message = {
        "type": "contribution",
        "serial": f"{unit}-C-{year:04d}{number:02d}-{index}{suffix}",
        "unit": unit,
        "citizen_id": plan.citizen_id,
        "period": f"{year:04d}-{number:02d}",
        "base_fen": base,
    }
    employer = stint.employer_in(month)
    if employer is not None:
        body["employer_uscc"] = employer_uscc(unit, employer)
    hour, rest = divmod(minute - 480, 60)
    recorded = f"{year:04d}-{number:02d}-{day:02d}T{hour:02d}:{rest:02d}:{index % 60:02d}Z"
    body["recorded_at"] = recorded
    return recorded, body


def contributions_in(plan: Plan, world: World, month: Month) -> list[Item]:
    """The person's regular contribution for `month`, if a stint pays it on time."""
    items = []
    for stint in plan.stints:
        if stint.first <= month <= stint.last and month != stint.skipped:
            items.append(contribution(plan, stint, world, month, wrong=month == stint.corrected))
    return items


def _stint_items(plan: Plan, stint: Stint, world: World, first: bool) -> list[Item]:
    index, unit = plan.index, stint.unit
    fields: Message = {"effective": stint.start.isoformat(), "kind": stint.kind}
    if stint.kind == "employee":
        fields["employer_uscc"] = employer_uscc(unit, stint.employers[0][1])
    fields.update(name=plan.name, hukou_unit=plan.hukou)
    if plan.sex == "female":
        fields["category"] = plan.category
    if first and plan.deemed:
        fields.update(deemed_months=plan.deemed, account_opened="1996-01")
    start = Month.of(stint.start)
    items = [
        _message(
            "enrollment", serial(unit, "E", start, index), unit, plan, stamp(stint.start, 540 + index % 60), **fields
        )
    ]
    if stint.transfer is not None:
        source, requested, sent, received = stint.transfer
        request_serial = serial(unit, "TQ", Month.of(requested), index)
        minute = index % 30
        items += [
            _message("transfer_request", request_serial, unit, plan, stamp(requested, 960 + minute), from_unit=source),
            _message(
                "transfer_send",
                serial(source, "TS", Month.of(sent), index),
                source,
                plan,
                stamp(sent, 990 + minute),
                request_serial=request_serial,
            ),
            _message(
                "transfer_receive",
                serial(unit, "TV", Month.of(received), index),
                unit,
                plan,
                stamp(received, 1020 + minute),
                request_serial=request_serial,
            ),
        ]
    for since, number in stint.employers[1:]:
        day = date(since.year, since.month, 3 + index % 8)
        items.append(
            _message(
                "employer_change",
                serial(unit, "EC", since, index),
                unit,
                plan,
                stamp(day, 600 + index % 30),
                effective=day.isoformat(),
                employer_uscc=employer_uscc(unit, number),
            )
        )
    if stint.skipped is not None and stint.back_paid is not None:
        paid = stint.back_paid
        items.append(
            _message(
                "back_payment",
                serial(unit, "B", paid, index),
                unit,
                plan,
                stamp(date(paid.year, paid.month, 21 + index % 3), 630 + index % 30),
                period=str(stint.skipped),
                base_fen=stint.declared_base(world, stint.skipped),
                reason="arrears of the month paid late",
            )
        )
    if stint.corrected is not None:
        month = stint.corrected
        items.append(
            _message(
                "correction",
                serial(unit, "X", month, index),
                unit,
                plan,
                stamp(date(month.year, month.month, 22), 840 + index % 30),
                corrects_serial=serial(unit, "C", month, index),
                reason="base keyed with one zero too many",
            )
        )
        items.append(contribution(plan, stint, world, month, suffix="-R"))
    if stint.duplicate is not None:
        items.append(contribution(plan, stint, world, stint.duplicate, suffix="-D"))
    if stint.suspended is not None:
        day, reason = stint.suspended
        items.append(
            _message(
                "suspension",
                serial(unit, "S", Month.of(day), index),
                unit,
                plan,
                stamp(day, 500 + index % 30),
                effective=day.isoformat(),
                reason=reason,
            )
        )
    return items


def person_items(plan: Plan, world: World) -> list[Item]:
    """Every message of the person except the regular monthly contributions, in recorded order."""
    index = plan.index
    items: list[Item] = []
    for number, stint in enumerate(plan.stints):
        items += _stint_items(plan, stint, world, number == 0)
    if plan.retirement is not None and plan.place is not None:
        fields: Message = {"retirement": str(plan.retirement)}
        if plan.early:
            fields["early_months"] = plan.early
        if plan.late:
            fields["late_months"] = plan.late
        day, place = plan.retirement_date(), plan.place
        items.append(
            _message("retirement", serial(place, "RET", plan.retirement, index), place, plan, stamp(day, 660), **fields)
        )
        month = plan.retirement.shift(12)
        while month <= world.last:
            day = date(month.year, month.month, 5 + index % 10)
            certify = serial(place, "CF", month, index)
            items.append(
                _message("certification", certify, place, plan, stamp(day, 600 + index % 30), effective=day.isoformat())
            )
            month = month.shift(12)
    if plan.death is not None:
        died = plan.death
        items = [item for item in items if item[0][:10] < died.isoformat()]  # nothing of the living after the death
        if plan.death_recorded is not None:
            recorded, unit = plan.death_recorded, plan.place or plan.unit_at(died)
            fields = {"date_of_death": died.isoformat(), "cause": plan.cause}
            items.append(
                _message(
                    "death", serial(unit, "D", Month.of(recorded), index), unit, plan, stamp(recorded, 900), **fields
                )
            )
            if plan.recovery_fen and plan.place is not None:
                month = Month.of(recorded).shift(2)  # after the next payout run offset the inheritance
                day = date(month.year, month.month, 10)
                recover = serial(plan.place, "RC", month, index)
                items.append(
                    _message("recovery", recover, plan.place, plan, stamp(day, 660), amount_fen=plan.recovery_fen)
                )
    items.sort(key=lambda item: item[0])
    return items
