"""The planted facts: exactly one duplicate contribution (R002), one late death with overpayments (R101) and,
when the inheritance provably cannot cover them, a recovery of part of the remainder.

The recovery's amount must not exceed the open receivable (else `recovery_exceeds_receivable`), and the
generator does not compute accounts itself. It bounds the remainder from below instead: the overpaid months'
`basic + transitional`, computed exactly with the pure rules of `domain.rules.benefit` from the bases the plan
declares, minus an upper bound of the account left at death: every account credit grown at 9 % a year
(compounded monthly, above any crediting rate of policy), less the account pension drawn each month after M
(at least the principal alone divided by the divisor). Overpaid account parts go back to the account and
into the receivable alike, so they cancel out. The death is recorded 3 to 6 months late, the fewest months
that leave a remainder of at least 200 yuan; half of the bound is recovered, in whole yuan.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from domain.rules.benefit import average_contribution_index, determine_benefit, monthly_index
from domain.rules.divisor import divisor
from loadtests.population.messages import serial, stamp
from loadtests.population.planner import set_death_record
from loadtests.population.plans import Plan
from loadtests.population.world import World
from standards.calendar import Month

LATE_MONTHS = range(3, 7)  # payouts made after the planted death month before it is recorded
CANDIDATES = 200  # persons examined for each planted fact: enough choice, bounded cost at national scale
MAX_RATE = Fraction(9, 100)
MIN_RECOVERY_FEN = 20_000


def remainder_per_month(plan: Plan, world: World, died: Month) -> tuple[int, int]:
    """(basic + transitional a month, an upper bound of the account left at death), in fen."""
    return _remainder(_at_retirement(plan, world), plan, died)


def _remainder(parts: tuple[int, float, int], plan: Plan, died: Month) -> tuple[int, int]:
    """`remainder_per_month` from the parts that do not depend on the death month."""
    assert plan.retirement is not None
    monthly, upper, drawn = parts
    growth = 1 + float(MAX_RATE) / 12
    months = died - plan.retirement  # benefit months M + 1 … death month
    left = upper * growth**months - drawn * months
    return monthly, max(0, math.ceil(left))


def _at_retirement(plan: Plan, world: World) -> tuple[int, float, int]:
    """(basic + transitional a month, the grown account credits at retirement, the least account pension drawn
    a month): the part of `remainder_per_month` that does not depend on the death month."""
    assert plan.retirement is not None and plan.place is not None
    policy, place, retired = world.policy, plan.place, plan.retirement
    growth = 1 + float(MAX_RATE) / 12
    indices, principal, upper = [], 0, 0.0
    for stint in plan.stints:
        for month in stint.months():
            base = stint.base(world, month)
            # RW(P, year) is the reference wage of the bounds (ROUND(AW(P, year - 1) / 12)).
            indices.append(monthly_index(base, world.bounds(place, month.year).reference_fen))
            # A temporary account also brings the employer's part along (§5.4): counted, to stay an upper bound.
            credit = float(base * world.account_rate(stint.kind, stint.unit, month, temporary=stint.temporary)) + 1
            principal += math.floor(credit - 1)
            upper += credit * growth ** (retired - month)
    z = average_contribution_index(indices, plan.deemed, policy.deemed_index(place))
    age = retired - Month.of(plan.birth)
    share = divisor(age, policy.divisor_table, policy.divisor_method(place))  # type: ignore[arg-type]
    benefit = determine_benefit(
        policy.calc_base_fen(place, retired.year),
        z,
        len(indices),
        plan.deemed,
        0,
        share,
        policy.transitional_coefficient(place),
    )
    drawn = math.floor(principal / float(share))  # the account pension is at least this much a month
    return benefit.basic_fen + benefit.transitional_fen, upper, drawn


def plant_late_death(plans: list[Plan], world: World) -> dict[str, object] | None:
    """Make one retiree die and be recorded 3-6 months late (R101); recover what the inheritance cannot."""
    best: tuple[bool, int, int, int, Plan, Month] | None = None
    examined = 0
    for plan in plans:
        retired = plan.retirement
        latest = world.last.shift(-LATE_MONTHS[0] - 2)  # room for the inheritance run and the recovery after it
        if retired is None or retired.shift(2) > latest:
            continue
        natural = Month.of(plan.death) if plan.death is not None else None
        if natural is not None and natural < retired.shift(2):
            continue
        parts: tuple[int, float, int] | None = None
        for late in LATE_MONTHS:
            latest = world.last.shift(-late - 2)
            died = natural if natural is not None and natural <= latest else latest
            if died < retired.shift(2):
                break
            if parts is None:  # computed once per plan, whatever the death month tried
                parts = _at_retirement(plan, world)
            monthly, left = _remainder(parts, plan, died)
            bound = late * monthly - left
            if bound >= MIN_RECOVERY_FEN:
                break
        key = (bound >= MIN_RECOVERY_FEN, -late, bound, -plan.index)
        if best is None or key > best[:4]:
            best = (*key, plan, died)
        examined += 1
        if examined >= CANDIDATES:
            break
    if best is None:
        return None
    recovers, late, bound, _, plan, died = best
    late = -late
    if plan.death is None or Month.of(plan.death) != died:
        plan.death = died.first_day().replace(day=1 + plan.index % 28)
    plan.death_late, plan.cause = late, "illness"
    set_death_record(plan, world)
    plan.recovery_fen = (bound // 2) // 100 * 100 if recovers else 0
    assert plan.death_recorded is not None and plan.place is not None
    recorded = Month.of(plan.death_recorded)
    facts: dict[str, object] = {
        "citizen_id": plan.citizen_id,
        "unit": plan.place,
        "serial": serial(plan.place, "D", recorded, plan.index),
        "date_of_death": plan.death.isoformat(),
        "recorded_at": stamp(plan.death_recorded, 900),
        "overpaid_months": [str(died.shift(k)) for k in range(1, late + 1)],
    }
    if plan.recovery_fen:
        month = recorded.shift(2)
        facts["recovery"] = {
            "unit": plan.place,
            "serial": serial(plan.place, "RC", month, plan.index),
            "amount_fen": plan.recovery_fen,
            "remainder_at_least_fen": bound,
        }
    return facts


def plant_duplicate(plans: list[Plan], rng: random.Random) -> dict[str, object] | None:
    """One employee's month sent a second time by the same unit under a new serial, late that month (R002)."""
    candidates = []
    for plan in plans:
        for stint in plan.stints:
            month = stint.first.shift(12)
            busy = (stint.skipped, stint.back_paid, stint.corrected)
            if stint.kind == "employee" and month <= stint.last.shift(-1) and month not in busy:
                candidates.append((plan, stint, month))
                break
        if len(candidates) >= CANDIDATES:
            break
    if not candidates:
        return None
    plan, stint, month = rng.choice(candidates)
    stint.duplicate = month
    day = month.first_day().replace(day=27)
    return {
        "citizen_id": plan.citizen_id,
        "unit": stint.unit,
        "period": str(month),
        "serial": serial(stint.unit, "C", month, plan.index, "-D"),
        "original_serial": serial(stint.unit, "C", month, plan.index),
        "recorded_at": stamp(day, 600, plan.index % 60),
        "rule": "R002",
    }
