"""Monthly payouts with arrears, annual adjustments, and the settlement after a death (§9.1-§9.5)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

from domain import events as ev
from domain.commands.context import CommandContext
from domain.person import Person
from domain.records import PaidMonth, ledger_key
from domain.rules.adjustment import adjustment_increment
from domain.rules.survivors import inheritance, survivor_benefits
from standards.calendar import Month, months_between
from standards.policy.policy import decimal_string


def paying_unit(person: Person) -> str | None:
    """P for a retiree, R for anyone else (§9.4, §15.7)."""
    state = person.state
    return state.benefit.unit if state.benefit is not None else state.relation_unit


def pay_month(person: Person, ctx: CommandContext, month: Month, paid_on: date) -> dict[str, int]:
    """`payout_run(unit, X)` for one person: every unpaid benefit month up to X and the death month (R010, R011)."""
    state = person.state
    summary = {"pensions_fen": 0, "survivor_fen": 0, "inherited_fen": 0}
    if state.benefit is not None and state.benefit.unit == ctx.unit and (ctx.unit, ctx.serial) not in state.serials:
        last = month if state.death is None else min(month, Month.of(state.death))
        first = (state.paid_through or state.benefit.retirement).shift(1)
        lines = _due_lines(person, months_between(first, last))
        if lines:
            total = sum(sum(v for k, v in line.items() if k != "month") for line in lines)
            ctx.emit(person, ev.PensionPaid, paid_on, month=str(month), lines=lines, total_fen=total, flags=[])
            summary["pensions_fen"] = total
    if state.death is not None and not state.inherited and paying_unit(person) == ctx.unit:
        summary.update(_settle_death(person, ctx, paid_on))
    return summary


def _due_lines(person: Person, months: list[Month]) -> list[dict[str, Any]]:
    """due(m) − paid(m) per component; the account part is drawn up to the P sub-ledger's balance."""
    state = person.state
    benefit = state.benefit
    assert benefit is not None
    available = state.ledgers[ledger_key(benefit.unit)].balance_fen if ledger_key(benefit.unit) in state.ledgers else 0
    lines: list[dict[str, Any]] = []
    for month in months:
        paid = state.paid.get(month, PaidMonth())
        basic = benefit.basic_fen - paid.basic_fen
        transitional = benefit.transitional_fen - paid.transitional_fen
        adjustment = benefit.adjustment_fen(month.year) - paid.adjustment_fen
        account_due = benefit.account_fen - paid.account_fen - paid.exhausted_fen
        if basic + transitional + adjustment + account_due <= 0:
            continue  # R011: already fully paid
        drawn = max(0, min(account_due, available))
        available -= drawn
        lines.append(
            {
                "month": str(month),
                "basic_fen": max(basic, 0),
                "transitional_fen": max(transitional, 0),
                "adjustment_fen": max(adjustment, 0),
                "account_fen": drawn,
                "exhausted_fen": max(account_due - drawn, 0),
            }
        )
    return lines


def _settle_death(person: Person, ctx: CommandContext, paid_on: date) -> dict[str, int]:
    """The first payout run after a death pays the survivor benefits and the inheritance (§9.4, §9.5)."""
    state = person.state
    assert state.death is not None
    summary = {"survivor_fen": 0, "inherited_fen": 0}
    if not state.survivors_paid:
        reference = ctx.policy.reference_wage_fen(ctx.unit, state.death.year)
        funeral_months, survivor_months = ctx.policy.survivor_months(ctx.unit)
        benefits = survivor_benefits(reference, funeral_months, survivor_months, state.death_cause or "illness")  # type: ignore[arg-type]
        if benefits.funeral_fen or benefits.survivor_fen:
            ctx.emit(
                person,
                ev.SurvivorBenefitPaid,
                paid_on,
                funeral_fen=benefits.funeral_fen,
                survivor_fen=benefits.survivor_fen,
                reference_wage_fen=reference,
            )
            summary["survivor_fen"] = benefits.funeral_fen + benefits.survivor_fen
    balances = {key: ledger.balance_fen for key, ledger in state.ledgers.items() if ledger.balance_fen}
    settled = inheritance(sum(balances.values()), state.receivable_fen)
    ctx.emit(
        person,
        ev.AccountInherited,
        paid_on,
        ledgers=balances,
        inheritable_fen=settled.inheritable_fen,
        offset_fen=settled.offset_fen,
        net_fen=settled.net_fen,
    )
    summary["inherited_fen"] = settled.net_fen
    return summary


def adjust(person: Person, ctx: CommandContext, year: int, rate: Fraction) -> int:
    """`adjustment_run(Y)` for one person: retirees with M ≤ (Y−1)-12 alive on Y-01-01 (§9.2, §15.7)."""
    state = person.state
    benefit = state.benefit
    if benefit is None or benefit.retirement > Month(year - 1, 12) or year in benefit.increments:
        return 0
    if state.death is not None and state.death < date(year, 1, 1):
        return 0
    increment = adjustment_increment(benefit.total_fen, rate)
    ctx.emit(
        person,
        ev.BenefitAdjusted,
        date(year, 1, 1),
        year=year,
        rate=decimal_string(rate),
        increment_fen=increment,
        total_fen=benefit.total_fen + increment,
    )
    return increment
