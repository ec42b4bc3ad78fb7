"""Retirement: place of benefit, moves to P, settlement, and the benefit determination (§6-§8)."""

from __future__ import annotations

from datetime import date

from domain import events as ev
from domain.commands.context import CommandContext, reject
from domain.commands.interest import settle
from domain.commands.transfers import consolidate_temporary, receive_transfer, send_transfer
from domain.errors import DomainError
from domain.person import Person
from domain.rules.benefit import average_contribution_index, determine_benefit, monthly_index
from domain.rules.benefit_place import place_of_benefit
from domain.rules.divisor import divisor
from domain.rules.retirement_age import RetirementGroupRule, check_retirement_window, legal_retirement
from domain.state import PersonState
from standards.calendar import Month
from standards.codes import ErrorCode
from standards.interchange import RetirementMessage
from standards.policy import Policy
from standards.policy.policy import decimal_string

RULE_VERSION = "DOMAIN-v1 §8"


def group_rule(state: PersonState, policy: Policy) -> RetirementGroupRule:
    """The §7.1 group of this person (women by the category of the latest enrollment)."""
    group = policy.retirement_group(state.sex, state.category)
    return RetirementGroupRule(
        group.original_age_months, group.first_birth_month, group.step_birth_months, group.max_delay_months
    )


def retire(person: Person, message: RetirementMessage, ctx: CommandContext) -> None:
    """Check R004, R005, R015/R007/R008, R013 and transit; move everything to P; determine the benefit."""
    state = person.state
    if state.death is not None:
        raise reject("R004", "the person's death is recorded")
    if state.determination is not None:
        raise reject("R005", "a benefit is already determined")
    retirement: Month = message.retirement
    birth = Month.of(state.birth)
    rule = group_rule(state, ctx.policy)
    months_by = {p.period: p for p in state.payments.values()}
    actual = sum(1 for period in months_by if period <= retirement)
    legal = legal_retirement(birth, rule).retirement_month
    at_legal = sum(1 for period in months_by if period <= legal) + state.deemed_months
    early_max, late_max = ctx.policy.flexible_window_months
    violations = check_retirement_window(
        birth,
        rule,
        retirement,
        actual + state.deemed_months,
        early_months=message.early_months,
        late_months=message.late_months,
        contribution_months_at_legal=at_legal,
        min_months=ctx.policy.minimum_contribution_months,
        max_early_months=early_max,
        max_late_months=late_max,
        recorded_month=Month.of(ctx.today),
    )
    # §15.1 order: R015 (M after the recorded month) → R003 → R013 → R007 → R008.
    dates = [violation for violation in violations if violation.rule == "R015"]
    if dates:
        raise reject(dates[0].rule, dates[0].message, "retirement")
    if state.relation_unit is None:
        raise reject("R003", "the person has no relation unit")
    place = place_of_benefit(
        state.hukou_unit,
        state.relation_unit,
        state.cumulative_months(),
        state.relation_history(),
        ctx.policy.benefit_place_threshold_months,
    )
    if ctx.unit != place.unit:
        raise reject("R013", f"the place of benefit is unit {place.unit}, not {ctx.unit}")
    if violations:
        raise reject(violations[0].rule, violations[0].message, "retirement")
    if any(t.in_transit for t in state.transfers.values()):
        raise DomainError(ErrorCode.TRANSFER_IN_TRANSIT, "a transfer is in transit: receive it first")
    effective = retirement.last_day()
    _move_everything_to(person, ctx, place.unit, effective)
    settle(person, ctx, list(state.ledgers), effective)
    balance = state.account_balance_fen()
    payments = [p for p in state.payments.values() if p.period <= retirement]
    indices = [monthly_index(p.base_fen, ctx.policy.reference_wage_fen(place.unit, p.period.year)) for p in payments]
    z = average_contribution_index(indices, state.deemed_months, ctx.policy.deemed_index(place.unit))
    age = retirement - birth
    div = divisor(age, ctx.policy.divisor_table, ctx.policy.divisor_method(place.unit))  # type: ignore[arg-type]
    w = message.base_wage_fen or ctx.policy.calc_base_fen(place.unit, retirement.year)
    result = determine_benefit(
        w, z, len(payments), state.deemed_months, balance, div, ctx.policy.transitional_coefficient(place.unit)
    )
    ctx.emit(
        person,
        ev.BenefitDetermined,
        effective,
        retirement=str(retirement),
        benefit_unit=place.unit,
        place_rule=int(place.rule),
        calc_base_fen=result.calc_base_fen,
        average_index=str(result.average_index),
        actual_months=result.actual_months,
        deemed_months=result.deemed_months,
        indexed_wage_fen=result.indexed_wage_fen,
        age_months=age,
        divisor=str(result.divisor),
        account_balance_fen=balance,
        transitional_coefficient=decimal_string(result.transitional_coefficient),
        basic_fen=result.basic_fen,
        account_fen=result.account_fen,
        transitional_fen=result.transitional_fen,
        total_fen=result.total_fen,
        early_months=message.early_months,
        late_months=message.late_months,
        policy=ctx.policy.name,
        rule_version=RULE_VERSION,
        migrated=ctx.migrated,
    )
    ctx.result["benefit"] = {
        "basic_fen": result.basic_fen,
        "account_fen": result.account_fen,
        "transitional_fen": result.transitional_fen,
        "total_fen": result.total_fen,
        "benefit_unit": place.unit,
        "average_index": str(result.average_index),
        "divisor": str(result.divisor),
        "contribution_months": result.total_months,
        "first_benefit_month": str(retirement.shift(1)),
    }


def _move_everything_to(person: Person, ctx: CommandContext, target: str, effective: date) -> None:
    """§6: the relation and every other unit's sub-ledger and months move to P; temporary accounts consolidate."""
    state = person.state
    sources = {p.held_by for p in state.payments.values() if not p.temporary}
    sources |= {ledger.unit for ledger in state.ledgers.values() if not ledger.temporary and ledger.balance_fen}
    for source in sorted(sources - {target}):
        serial = f"{ctx.serial}:{source}>{target}"
        send_transfer(person, ctx, serial, source, target, effective, derived=True)
        receive_transfer(person, ctx, serial, effective, derived=True)
    for unit in sorted(state.temporary_units()):
        consolidate_temporary(person, ctx, unit, target, effective)
