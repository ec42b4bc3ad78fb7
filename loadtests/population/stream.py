"""`generate`: the population as a stream of monthly message lists, with the national and unit runs in place.

Planning is eager (one compact plan per person, so `PLANTED` is complete when `generate` returns); messages are
built lazily, month by month: a person's messages exist only while their month is being yielded."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from loadtests.population.identity import MAX_PERSONS
from loadtests.population.messages import Item, Message, contributions_in, person_items, serial, stamp
from loadtests.population.planner import plan_person
from loadtests.population.plans import Plan
from loadtests.population.planting import plant_duplicate, plant_late_death
from loadtests.population.world import DEFAULT_UNITS, World
from standards.calendar import Month
from standards.codes import POOLING_UNITS
from standards.policy import MissingPolicyData, load_policy
from standards.policy.policy import decimal_string

#: What the last `generate` call planted (filled before it returns): see `describe`.
PLANTED: dict[str, Any] = {}
EXAMPLES = 50  # citizen IDs listed per category; the counts cover everyone

PAYOUT_DAY, INTEREST_DAY, ADJUSTMENT_MONTH, ADJUSTMENT_DAY = 25, 10, 7, 8


def generate(
    persons: int,
    *,
    seed: int = 7,
    first_year: int = 2003,
    last_year: int = 2025,
    units: Sequence[str] = DEFAULT_UNITS,
    only: Callable[[str], bool] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield the messages of `persons` synthetic persons month by month, first_year-01 to last_year-12.

    Each list holds one calendar month's messages in `recorded_at` order (never decreasing, across lists
    too): person messages, each unit's `payout_run` on day 25, the ministry's `interest_run` of the previous
    year in January and its `adjustment_run` in July. The same arguments always give the same stream.
    `only(citizen_id)` keeps the messages of some persons (a seeder's shard): the whole population is still
    planned, so each kept person's messages are the ones the full stream holds, in the same order."""
    if not 0 <= persons <= MAX_PERSONS:
        raise ValueError(f"persons must be 0..{MAX_PERSONS}, got {persons}")
    if not 1996 <= first_year <= last_year:
        raise ValueError("need 1996 <= first_year <= last_year (individual accounts exist from 1996-01)")
    chosen = tuple(dict.fromkeys(units))
    if not chosen or any(unit not in POOLING_UNITS for unit in chosen):
        raise ValueError(f"units must be pooling unit codes, got {list(units)!r}")
    plans, world, planted = _planned(persons, seed, first_year, last_year, chosen)
    PLANTED.clear()
    PLANTED.update(planted)
    return _months([plan for plan in plans if only is None or only(plan.citizen_id)], world)


# A seeder's worker process runs shard after shard of one population: planning it once (the last one planned is
# kept) instead of once per shard saves ~7 s of CPU per 100,000 persons and shard (measured), for ~1.4 KB of memory
# per person. Plans are not changed once planted (only `_months` reads them).
@lru_cache(maxsize=1)
def _planned(
    persons: int, seed: int, first_year: int, last_year: int, units: tuple[str, ...]
) -> tuple[list[Plan], World, dict[str, Any]]:
    world = World(load_policy(), Month(first_year, 1), Month(last_year, 12), units, max(4, persons // 30 + 1))
    rng = random.Random(seed)
    plans = [plan_person(index, rng, world) for index in range(persons)]
    late_death = plant_late_death(plans, world)
    duplicate = plant_duplicate(plans, rng)
    return plans, world, {**describe(plans, world, seed), "duplicate": duplicate, "late_death": late_death}


def _months(plans: list[Plan], world: World) -> Iterator[list[Message]]:
    waiting = sorted(plans, key=lambda plan: (plan.stints[0].start, plan.index))
    joined = 0  # plans are activated in the month of their first enrollment
    active: list[tuple[Plan, list[Item], list[int]]] = []  # plan, its messages, a cursor into them
    month = world.first
    while month <= world.last:
        key = str(month)
        while joined < len(waiting) and Month.of(waiting[joined].stints[0].start) <= month:
            plan = waiting[joined]
            active.append((plan, person_items(plan, world), [0]))
            joined += 1
        out: list[Item] = []
        still: list[tuple[Plan, list[Item], list[int]]] = []
        for plan, items, cursor in active:
            position = cursor[0]
            while position < len(items) and items[position][0][:7] == key:
                out.append(items[position])
                position += 1
            cursor[0] = position
            out += contributions_in(plan, world, month)
            if position < len(items) or any(stint.last > month for stint in plan.stints):
                still.append((plan, items, cursor))
        active = still
        out += _runs(world, month)
        out.sort(key=lambda item: item[0])  # stable: a person's same-instant messages keep their order
        yield [message for _, message in out]
        month = month.shift(1)


def _runs(world: World, month: Month) -> list[Item]:
    """Payout runs of every unit on day 25; last year's interest in January; the adjustment in July."""
    runs: list[Item] = []
    tag = f"{month.year:04d}-{month.month:02d}"
    payday = date(month.year, month.month, PAYOUT_DAY)
    for position, unit in enumerate(world.units):
        recorded = stamp(payday, 720 + position)
        runs.append((recorded, _run("payout_run", f"PAY-{unit}-{tag}", unit, recorded, month=str(month))))
    year = month.year - 1
    if month.month == 1 and year >= world.first.year and world.policy.has_interest_rate(year):
        recorded = stamp(date(month.year, 1, INTEREST_DAY), 510)
        runs.append((recorded, _run("interest_run", f"INT-{year}", "00", recorded, year=year)))
    if month.month == ADJUSTMENT_MONTH:
        try:
            rate = decimal_string(world.policy.adjustment_rate(month.year))
        except MissingPolicyData:
            rate = None
        if rate is not None:
            recorded = stamp(date(month.year, ADJUSTMENT_MONTH, ADJUSTMENT_DAY), 510)
            body = _run("adjustment_run", f"ADJ-{month.year}", "00", recorded, year=month.year, rate=rate)
            runs.append((recorded, body))
    return runs


def _run(type_: str, serial_: str, unit: str, recorded_at: str, **fields: Any) -> Message:
    return {"type": type_, "serial": serial_, "unit": unit, **fields, "recorded_at": recorded_at}


def describe(plans: list[Plan], world: World, seed: int) -> dict[str, Any]:
    """Counts of what the population holds, with example citizen IDs of each kind (at most EXAMPLES)."""
    kinds: tuple[str, ...] = (
        "retired",
        "retired_reformed_age",
        "retired_early",
        "retired_late",
        "transferred",
        "temporary_account",
    )
    kinds += ("died_retired", "died_contributing", "death_recorded_late", "work_injury", "corrected", "back_paid")
    found: dict[str, list[str]] = {kind: [] for kind in kinds}
    counts = dict.fromkeys(kinds, 0)
    corrections: list[dict[str, str]] = []

    def note(kind: str, plan: Plan) -> None:
        counts[kind] += 1
        if len(found[kind]) < EXAMPLES:
            found[kind].append(plan.citizen_id)

    for plan in plans:
        if plan.retirement is not None:
            note("retired", plan)
            if plan.delay > plan.early:  # older than the original age: a reformed age
                note("retired_reformed_age", plan)
            if plan.early:
                note("retired_early", plan)
            if plan.late:
                note("retired_late", plan)
        alive_until = plan.death or date.max
        if any(stint.transfer is not None and stint.transfer[2] < alive_until for stint in plan.stints):
            note("transferred", plan)  # sent before any death (a death stops the later steps)
        if any(stint.temporary and stint.start < alive_until for stint in plan.stints):
            note("temporary_account", plan)
        for stint in plan.stints:
            if stint.back_paid is not None:
                note("back_paid", plan)
            if stint.corrected is not None:
                note("corrected", plan)
                month = stint.corrected
                fixed = {"citizen_id": plan.citizen_id, "unit": stint.unit, "period": str(month)}
                fixed["serial"] = serial(stint.unit, "X", month, plan.index)
                fixed["corrects_serial"] = serial(stint.unit, "C", month, plan.index)
                corrections.append(fixed)
        if plan.death is not None and plan.death_recorded is not None:
            note("died_retired" if plan.retirement is not None else "died_contributing", plan)
            if plan.death_late:
                note("death_recorded_late", plan)
            if plan.cause == "work_injury":
                note("work_injury", plan)
    window = {"first": str(world.first), "last": str(world.last), "units": list(world.units)}
    return {
        "seed": seed,
        "persons": len(plans),
        "window": window,
        "counts": counts,
        "examples": found,
        "corrections": corrections,  # listed in full: they are few, and each names its serials
    }
