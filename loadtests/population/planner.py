"""Plan one person's life: birth and group, first enrollment, gaps and moves, retirement at the legal age, death.

Every random draw comes from the caller's `random.Random`, in a fixed order, so a seed fixes the population.
The planner mirrors the system's rules where a message would otherwise be refused: the legal month from
`domain.rules.retirement_age`, the minimum months of policy, the place of benefit from
`domain.rules.benefit_place`, and the temporary-account test of DOMAIN.md §5.4."""

from __future__ import annotations

import random
from datetime import date, timedelta

from domain.rules.benefit_place import place_of_benefit
from domain.rules.retirement_age import legal_retirement
from loadtests.population import world as w
from loadtests.population.identity import citizen_id, id_province, person_name
from loadtests.population.plans import Plan, Stint
from standards.calendar import Month
from standards.codes import ID_PROVINCES

ACCOUNTS_OPENED = Month(1996, 1)  # deemed months lie before it (DOMAIN.md §3.1)
_ID_PROVINCES = sorted(ID_PROVINCES)


def _pick(rng: random.Random, world: w.World, table: dict[str, float], units: list[str] | None = None) -> str:
    choices = list(world.units) if units is None else units
    return rng.choices(choices, world.weights(table, choices))[0]


def _month_between(rng: random.Random, low: Month, high: Month) -> Month:
    return Month.from_index(rng.randint(low.index, high.index))


def _day(month: Month, day: int) -> date:
    return date(month.year, month.month, day)


def _birth(rng: random.Random, world: w.World, cohort: str) -> tuple[str, str, Month, Month]:
    """Sex, women's category, birth month and the month work starts, for a cohort (legacy workers, new
    entrants in the window, the reform's first births); work starts at 18-24 (entrants: 18-26)."""
    if cohort == "reform":
        sex, category = rng.choices([("male", "worker"), ("female", "worker"), ("female", "cadre")], [50, 35, 15])[0]
        # The first eight birth months of the group retire in 2025 at a reformed age (DOMAIN.md §7.1).
        born = world.group(sex, category).first_birth_month.shift(rng.randrange(8))
        return sex, category, born, born.shift(rng.randint(216, 288))
    sex = "male" if rng.random() < w.MALE_SHARE else "female"
    category = "cadre" if sex == "female" and rng.random() < w.CADRE_SHARE else "worker"
    group = world.group(sex, category)
    if cohort == "entrant":
        start = _month_between(rng, world.first.shift(1), world.last.shift(-12))
        return sex, category, start.shift(-rng.randint(216, 312)), start
    oldest = world.first.shift(3 - group.original_age_months - group.max_delay_months)
    for _ in range(100):  # aged 20 or more, and not yet at the legal month three months into the window
        born = _month_between(rng, oldest, world.first.shift(-240))
        if legal_retirement(born, group).retirement_month >= world.first.shift(3):
            break
    return sex, category, born, born.shift(rng.randint(216, 288))


def _death(rng: random.Random, sex: str, born: Month, after: Month, world: w.World) -> date | None:
    """A death date drawn year by year from the mortality curve, from the month after `after` to the window's end."""
    month = after.shift(1)
    while month <= world.last:
        if rng.random() < w.mortality((month - born) / 12, sex):
            died = month.shift(rng.randrange(12))
            return _day(min(died, world.last), rng.randint(1, 28))
        month = month.shift(12)
    return None


def _wage(rng: random.Random, kind: str) -> tuple[str, float, float]:
    """Employees: lognormal around 0.9 of the unit's wage; flexible workers mostly declare the floor."""
    if kind == "flexible":
        mode = rng.choices(["floor", "below", "ratio"], [55, 10, 35])[0]
        return mode, rng.choice([0.8, 1.0, 1.5]), 0.0
    return "ratio", rng.lognormvariate(0.0, w.WAGE_SIGMA) * w.WAGE_MEDIAN, rng.gauss(0.0, w.DRIFT_SIGMA)


def _stint(rng: random.Random, world: w.World, unit: str, kind: str, start: date, temporary: bool = False) -> Stint:
    first = Month.of(start)
    employers = [(first, rng.randrange(world.employers_per_unit))] if kind == "employee" else []
    return Stint(unit, kind, start, first, temporary=temporary, employers=employers, wage=_wage(rng, kind))


def plan_person(index: int, rng: random.Random, world: w.World) -> Plan:
    """Draw one person and plan their career, retirement and death within the window."""
    cohorts = list(w.COHORT_WEIGHTS)
    weights = [w.COHORT_WEIGHTS[c] if c != "reform" or world.reform_in_window else 0.0 for c in cohorts]
    if world.last.shift(-12) <= world.first:
        weights[cohorts.index("entrant")] = 0.0
    cohort = rng.choices(cohorts, weights)[0]
    sex, category, born, career_start = _birth(rng, world, cohort)
    birth = _day(born, rng.randint(1, 28))
    legal = legal_retirement(born, world.group(sex, category))
    # A young legacy worker may start after the window opens; in a window of a few years even after it ends.
    entry = min(max(career_start, world.first), world.last)
    deemed = ACCOUNTS_OPENED - career_start if career_start < ACCOUNTS_OPENED else 0
    unit = _pick(rng, world, w.UNIT_WEIGHTS)
    hukou = unit if rng.random() < w.HUKOU_IS_FIRST_UNIT else _pick(rng, world, w.HUKOU_WEIGHTS)
    province = id_province(hukou) if rng.random() < w.ID_ISSUED_IN_HUKOU else rng.choice(_ID_PROVINCES)
    kind = "flexible" if rng.random() < w.FLEXIBLE_SHARE else "employee"
    plan = Plan(
        index=index,
        citizen_id=citizen_id(index, province, birth, sex),
        name=person_name(rng, sex),
        sex=sex,
        birth=birth,
        category=category,
        hukou=hukou,
        deemed=deemed,
        stints=[_stint(rng, world, unit, kind, _day(entry, rng.randint(2, 12)))],
        legal=legal.retirement_month,
        delay=legal.delay_months,
    )
    if cohort == "reform" and legal.delay_months and rng.random() < w.EARLY_SHARE:
        plan.early = min(legal.delay_months, 36)  # retire at the original age (弹性提前退休)
    plan.death = _death(rng, sex, born, entry, world)
    _career(plan, rng, world, born)
    _retire(plan, world)
    _extras(plan, rng, world)
    _record_death(plan, rng, world)
    return plan


def _career(plan: Plan, rng: random.Random, world: w.World, born: Month) -> None:
    """Gaps, a move between units, a late move on a temporary account: stints up to seven months before M."""
    entry = plan.stints[0].first
    horizon = min(plan.legal.shift(-plan.early), world.last).shift(-7)
    events: list[tuple[Month, str]] = []
    if len(world.units) > 1 and rng.random() < w.MIGRANT_SHARE:
        low, high = entry.shift(12), min(horizon, born.shift(45 * 12))  # most moves happen before 45
        high = high if high >= low else horizon
        if low <= high:
            events.append((_month_between(rng, low, high), "move"))
    if plan.sex == "male" and len(world.units) > 2 and rng.random() < w.TEMPORARY_SHARE:
        fifty = born.shift(world.policy.temporary_account_age_months("male"))
        low, high = max(fifty, entry.shift(12)), min(horizon, fifty.shift(36))
        if low <= high:
            events.append((_month_between(rng, low, high), "temporary"))
    for _ in range(rng.choices([0, 1, 2], w.GAP_COUNT_WEIGHTS)[0]):
        if entry.shift(6) <= horizon.shift(-2):
            events.append((_month_between(rng, entry.shift(6), horizon.shift(-2)), "gap"))
    relation = plan.stints[0].unit
    for when, what in sorted(events, key=lambda event: (event[0], event[1])):
        current = plan.stints[-1]
        if current.temporary or when < current.first.shift(6) or when > horizon:
            continue  # events need six months in the current stint; none after a move on a temporary account
        suspension = _day(when.shift(1), rng.randint(1, 2))
        if what == "gap":
            back = min(when.shift(1 + rng.randint(2, 18)), horizon)
            if back <= when.shift(1):
                continue
            flip = 0.2 if current.kind == "employee" else 0.4
            kind = current.kind if rng.random() >= flip else ("flexible" if current.kind == "employee" else "employee")
            reason = rng.choices(["left_employer", "unemployed", "other"], [60, 30, 10])[0]
            following = _stint(rng, world, current.unit, kind, _day(back, rng.randint(3, 12)))
        elif what == "move":
            target = _pick(rng, world, w.MOVE_WEIGHTS, [u for u in world.units if u != current.unit])
            start = _day(when.shift(1 + rng.choices([0, 1, 2], [70, 20, 10])[0]), rng.randint(3, 12))
            age = Month.of(start) - born
            if age >= world.policy.temporary_account_age_months(plan.sex) and target not in (relation, plan.hukou):
                if plan.hukou == current.unit:
                    continue  # an ordinary move would open a temporary account: this person stays
                target = plan.hukou  # moving home is an ordinary transfer at any age
            reason = "left_employer"
            following = _stint(rng, world, target, "employee" if rng.random() < 0.9 else "flexible", start)
            request = start + timedelta(days=rng.randint(2, 8))
            send = request + timedelta(days=rng.randint(3, 10))
            following.transfer = (current.unit, request, send, send + timedelta(days=rng.randint(1, 6)))
            relation = target
        else:  # a man of 50 or more enrolling outside the relation unit and his hukou: temporary account
            options = [u for u in world.units if u not in (current.unit, relation, plan.hukou)]
            if not options:
                continue
            reason = "left_employer"
            start = _day(when.shift(1), rng.randint(3, 12))
            following = _stint(rng, world, _pick(rng, world, w.MOVE_WEIGHTS, options), "employee", start, True)
        current.last, current.suspended = when, (suspension, reason)
        plan.stints.append(following)


def _retire(plan: Plan, world: w.World) -> None:
    """M at the legal month (or early), later if the minimum months are lacking; cut the stints at M or death."""
    minimum = world.policy.minimum_contribution_months

    def months_through(month: Month) -> int:
        return plan.deemed + sum(stint.count(month) for stint in plan.stints)

    retirement = plan.legal.shift(-plan.early)
    if plan.early and months_through(retirement) < minimum(retirement.year):
        plan.early, retirement = 0, plan.legal  # early retirement needs the minimum months already (R008)
    while (paid := months_through(retirement)) < minimum(retirement.year):
        retirement = retirement.shift(minimum(retirement.year) - paid)  # keep contributing (延长缴费)
    plan.late = max(0, retirement - plan.legal)
    plan.retirement = retirement
    if retirement > world.last or (plan.death is not None and plan.death <= plan.retirement_date()):
        plan.retirement, plan.late = None, 0
    if plan.retirement is not None:
        end = plan.retirement
    elif plan.death is not None:
        end = Month.of(plan.death).shift(-1)  # a contributor pays up to the month before the death
    else:
        end = world.last
    for stint in plan.stints:
        stint.last = min(stint.last, end)
    if plan.retirement is not None:
        plan.place = place_of(plan, world)


def place_of(plan: Plan, world: w.World) -> str:
    """P by DOMAIN.md §6 from the months the plan pays: cum by paying unit, deemed months to the first unit."""
    cumulative: dict[str, int] = {}
    for stint in plan.stints:
        cumulative[stint.unit] = cumulative.get(stint.unit, 0) + stint.count()
    first = plan.stints[0].unit
    cumulative[first] = cumulative.get(first, 0) + plan.deemed
    history = [stint.unit for stint in plan.stints if not stint.temporary]
    threshold = world.policy.benefit_place_threshold_months
    return place_of_benefit(plan.hukou, history[-1], cumulative, history, threshold).unit


def _extras(plan: Plan, rng: random.Random, world: w.World) -> None:
    """Employer changes, a missed month back-paid later, a corrected contribution; all before M − 2."""
    latest = plan.retirement.shift(-2) if plan.retirement is not None else world.last
    for stint in plan.stints:
        last = min(stint.last, latest)
        length = last - stint.first + 1
        if stint.kind == "employee":
            for year_start in range(stint.first.index + 1, last.index + 1, 12):
                if rng.random() < w.EMPLOYER_CHANGE_PER_YEAR:
                    since = Month.from_index(min(year_start + rng.randrange(12), last.index))
                    if since > stint.employers[-1][0]:
                        stint.employers.append((since, rng.randrange(world.employers_per_unit)))
        if length >= 10 and rng.random() < w.MISSED_MONTH_SHARE:
            stint.skipped = stint.first.shift(rng.randint(2, length - 6))
            stint.back_paid = stint.skipped.shift(rng.randint(1, 3))
    if rng.random() < w.CORRECTION_SHARE:
        stint = rng.choice(plan.stints)
        last = min(stint.last, latest)
        if last - stint.first >= 6:
            month = stint.first.shift(rng.randint(1, last - stint.first - 1))
            if month != stint.skipped:
                stint.corrected = month


def _record_death(plan: Plan, rng: random.Random, world: w.World) -> None:
    """Cause, and when the death is recorded: within ten days, or for some retirees after later payouts."""
    if plan.death is None:
        return
    died = Month.of(plan.death)
    if plan.retirement is not None:
        plan.cause = rng.choices(["illness", "accident"], [90, 10])[0]
        if died > plan.retirement and rng.random() < w.LATE_DEATH_SHARE:
            plan.death_late = rng.randint(1, 2)
    else:
        plan.cause = rng.choices(["illness", "accident", "work_injury"], [65, 20, 15])[0]
    set_death_record(plan, world)


def set_death_record(plan: Plan, world: w.World) -> None:
    """The recorded date: `death_late` months after the death month, just after that month's payout run."""
    assert plan.death is not None
    if plan.death_late:
        month = Month.of(plan.death).shift(plan.death_late)
        recorded = _day(month, 26 + plan.index % 3)
    else:
        recorded = plan.death + timedelta(days=1 + plan.index % 10)
    plan.death_recorded = recorded if Month.of(recorded) <= world.last else None
