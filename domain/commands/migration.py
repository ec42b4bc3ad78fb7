"""Go-live migration (上线切换, INTERCHANGE.md "Migrated", DOMAIN.md §15.10): legacy balances and benefits."""

from __future__ import annotations

from decimal import Decimal

from domain import events as ev
from domain.commands.context import CommandContext, reject
from domain.person import Person
from standards.interchange import MigratedBenefitMessage, OpeningBalanceMessage

RULE_VERSION = "legacy determination, migrated"


def opening_balance(person: Person, message: OpeningBalanceMessage, ctx: CommandContext) -> None:
    """A legacy sub-ledger's balance at a date, interest included, in the issuing unit."""
    if message.as_of > ctx.today:
        raise reject("R015", "as_of is in the future", "as_of")
    ctx.emit(person, ev.OpeningBalanceRecorded, message.as_of, account_fen=message.account_fen)


def migrated_benefit(person: Person, message: MigratedBenefitMessage, ctx: CommandContext) -> None:
    """A benefit the legacy system determined: recorded as given (R007 bypassed), adjustments as one increment."""
    state = person.state
    if state.death is not None:
        raise reject("R004", "the person's death is recorded")
    if state.determination is not None:
        raise reject("R005", "a benefit is already determined")
    retirement = message.retirement
    total = message.basic_fen + message.account_fen + message.transitional_fen
    ctx.emit(
        person,
        ev.BenefitDetermined,
        retirement.last_day(),
        retirement=str(retirement),
        benefit_unit=ctx.unit,
        place_rule=0,
        calc_base_fen=0,
        average_index="0",
        actual_months=len(state.payments),
        deemed_months=state.deemed_months,
        indexed_wage_fen=0,
        age_months=retirement - state.birth_month,
        divisor=str(Decimal(message.divisor)),
        account_balance_fen=message.account_balance_fen,
        transitional_coefficient="0",
        basic_fen=message.basic_fen,
        account_fen=message.account_fen,
        transitional_fen=message.transitional_fen,
        total_fen=total,
        early_months=0,
        late_months=0,
        policy=ctx.policy.name,
        rule_version=RULE_VERSION,
        migrated=True,
    )
    if message.adjustment_fen:
        first_year = retirement.shift(1).year
        ctx.emit(
            person,
            ev.BenefitAdjusted,
            retirement.shift(1).first_day(),
            year=first_year,
            rate="0",
            increment_fen=message.adjustment_fen,
            total_fen=total + message.adjustment_fen,
        )
