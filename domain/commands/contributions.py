"""Contributions and back-payments (缴费、补缴): windows, coverage, once per month nationally (§3.2-§3.5)."""

from __future__ import annotations

from domain import events as ev
from domain.commands.context import CommandContext, reject
from domain.commands.interest import reconcile_if_credited
from domain.person import Person
from domain.records import ledger_key
from domain.rules.contributions import clamp_base, split_employee, split_flexible
from standards.calendar import Month
from standards.interchange import BackPaymentMessage, ContributionMessage
from standards.policy.policy import decimal_string


def pay(person: Person, message: ContributionMessage | BackPaymentMessage, ctx: CommandContext) -> None:
    """Check R004 → R005 → R015 → R003 → R002 (§15.1), clamp the base (R006), record the month."""
    state = person.state
    period: Month = message.period
    back_payment = isinstance(message, BackPaymentMessage)
    if state.death is not None and period > Month.of(state.death):
        raise reject("R004", f"period {period} follows the recorded death month", "period")
    if state.determination is not None:
        raise reject("R005", "a benefit is already determined: no contribution after retirement", "period")
    _check_window(state.account_opened, period, back_payment, ctx)
    enrollment = state.covering_enrollment(ctx.unit, period)
    if enrollment is None:
        raise reject("R003", f"the person is not insured in unit {ctx.unit} for {period}", "period")
    employer = getattr(message, "employer_uscc", None)
    if employer is not None and employer != state.employer_uscc:
        raise reject("R003", "employer_uscc is not the person's current employer", "employer_uscc")
    if period in state.payments:
        paid = state.payments[period]
        raise reject(
            "R002", f"duplicate contribution (重复缴费): {period} is already paid in unit {paid.unit}", "period"
        )
    bounds = ctx.policy.base_bounds(ctx.unit, period.year)
    clamped = clamp_base(message.base_fen, bounds.floor_fen, bounds.cap_fen)
    if enrollment.kind_of_insured == "flexible":
        pooled_rate, account_rate = ctx.policy.flexible_rates(period)
        split = split_flexible(clamped.base_fen, pooled_rate, account_rate)
    else:
        pooled_rate, account_rate = ctx.policy.employer_rate(ctx.unit, period), ctx.policy.employee_rate(period)
        split = split_employee(clamped.base_fen, pooled_rate, account_rate)
    flags = ["R006"] if clamped.clamped else []
    ctx.flags.extend(flags)
    fields = dict(
        period=str(period),
        kind_of_insured=enrollment.kind_of_insured,
        declared_base_fen=message.base_fen,
        base_fen=clamped.base_fen,
        clamped=clamped.clamped,
        pooled_fen=split.pooled_fen,
        account_fen=split.account_fen,
        pooled_rate=decimal_string(pooled_rate),
        account_rate=decimal_string(account_rate),
        temporary=enrollment.temporary,
        employer_uscc=state.employer_uscc if enrollment.kind_of_insured == "employee" else None,
        flags=flags,
        migrated=ctx.migrated,
    )
    paid_on = message.paid_on or ctx.today
    if isinstance(message, BackPaymentMessage):
        ctx.emit(person, ev.BackPaymentPaid, paid_on, reason=message.reason, **fields)
    else:
        ctx.emit(person, ev.ContributionPaid, paid_on, **fields)
    # Money dated in a month whose interest is already credited restates that interest (§2.2).
    reconcile_if_credited(person, ctx, ledger_key(ctx.unit, enrollment.temporary), paid_on)
    ctx.result.update(base_fen=clamped.base_fen, pooled_fen=split.pooled_fen, account_fen=split.account_fen)


def _check_window(opened: Month | None, period: Month, back_payment: bool, ctx: CommandContext) -> None:
    """R015: a contribution is for the recorded month or the one before; a back-payment for an earlier month."""
    recorded = Month.of(ctx.today)
    if period > recorded:
        raise reject("R015", f"period {period} is in the future", "period")
    if opened is not None and period < opened:
        raise reject("R015", f"period {period} is before the account was opened ({opened})", "period")
    if ctx.migrated:
        return  # migration waives the contribution window (INTERCHANGE.md "Migrated")
    if back_payment and period >= recorded:
        raise reject("R015", "a back-payment is for a month before the recorded month", "period")
    if not back_payment and period < recorded.shift(-1):
        raise reject("R015", f"period {period} is older than last month: send it as a back_payment", "period")
