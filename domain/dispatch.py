"""Which handler takes which interchange message, and how the runs visit persons (DOMAIN.md §15.9)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

from domain.commands import contributions, corrections, death, enrollment, migration, payouts, retirement, transfers
from domain.commands.context import CommandContext, reject
from domain.commands.interest import year_end_interest
from domain.directory import PersonDirectory
from domain.errors import DomainError
from domain.person import Person
from domain.registry import NationalRuns
from standards.calendar import Month
from standards.codes import ErrorCode
from standards.identifiers import CitizenId
from standards.interchange import AdjustmentRunMessage, AnyMessage, InterestRunMessage, PayoutRunMessage
from standards.policy.policy import decimal_string
from standards.rounding import as_rational

Handler = Callable[[Person | None, Any, CommandContext, CitizenId], Person]


def _existing(action: Callable[[Person, Any, CommandContext], None]) -> Handler:
    def handle(person: Person | None, message: Any, ctx: CommandContext, citizen: CitizenId) -> Person:
        assert person is not None  # the application answers unknown_person before dispatching
        action(person, message, ctx)
        return person

    return handle


PERSON_HANDLERS: dict[str, Handler] = {
    "enrollment": enrollment.enroll,
    "employer_change": _existing(enrollment.change_employer),
    "suspension": _existing(enrollment.suspend),
    "contribution": _existing(contributions.pay),
    "back_payment": _existing(contributions.pay),
    "transfer_request": _existing(transfers.request),
    "transfer_send": _existing(transfers.send),
    "transfer_receive": _existing(transfers.receive),
    "retirement": _existing(retirement.retire),
    "certification": _existing(death.certify),
    "death": _existing(death.record_death),
    "recovery": _existing(death.recover),
    "correction": _existing(corrections.correct),
    "opening_balance": _existing(migration.opening_balance),
    "migrated_benefit": _existing(migration.migrated_benefit),
}

RUN_TYPES = frozenset({"interest_run", "payout_run", "adjustment_run"})


def start_run(
    message: AnyMessage, ctx: CommandContext, runs: NationalRuns, directory: PersonDirectory
) -> Iterator[tuple[UUID, str]]:
    """Check a run once (R015, run_exists, rate_mismatch, policy data), record it, and list whom it visits."""
    if isinstance(message, InterestRunMessage):
        if ctx.today.year <= message.year:  # recorded before Y+1-01-01
            raise reject("R015", f"the {message.year} interest run is recorded from {message.year + 1}-01-01", "year")
        _check_not_run(runs.interest, message.year, message.serial)
        rate = ctx.policy.interest_rate(message.year)
        if message.year not in runs.interest:
            runs.record_interest(message.year, decimal_string(rate), message.serial, ctx.recorded_at)
        return directory.everyone()
    if isinstance(message, AdjustmentRunMessage):
        _check_not_run(runs.adjustment, message.year, message.serial)
        rate = ctx.policy.adjustment_rate(message.year)
        if as_rational(message.rate) != rate:
            raise DomainError(
                ErrorCode.RATE_MISMATCH, f"the {message.year} adjustment rate is {decimal_string(rate)}", field="rate"
            )
        if message.year not in runs.adjustment:
            runs.record_adjustment(message.year, decimal_string(rate), message.serial, ctx.recorded_at)
        return directory.everyone()
    assert isinstance(message, PayoutRunMessage)
    if Month.of(ctx.today) < message.month:
        raise reject("R015", f"the payout run for {message.month} is recorded from its first day", "month")
    return directory.paid_by(message.unit)


def _check_not_run(done: dict[int, tuple[str, str]], year: int, serial: str) -> None:
    if year in done and done[year][1] != serial:
        raise DomainError(
            ErrorCode.RUN_EXISTS, f"the {year} run was recorded under serial {done[year][1]}", field="year"
        )


def run_for_person(message: AnyMessage, person: Person, ctx: CommandContext) -> dict[str, int]:
    """One person's part of a run, skipped when that person already has it (idempotent per person)."""
    if (message.unit, message.serial) in person.state.serials:
        return {}
    if isinstance(message, InterestRunMessage):
        return {"interest_fen": year_end_interest(person, ctx, message.year)}
    if isinstance(message, AdjustmentRunMessage):
        return {"increments_fen": payouts.adjust(person, ctx, message.year, as_rational(message.rate))}
    assert isinstance(message, PayoutRunMessage)
    return payouts.pay_month(person, ctx, message.month, message.paid_on or ctx.today)
