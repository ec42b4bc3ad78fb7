"""Interest on the individual account: settlements (§4.4) and the year-end run, as InterestCredited events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain import events as ev
from domain.commands.context import CommandContext
from domain.person import Person
from domain.rules.interest import settlement_interest
from standards.calendar import Month
from standards.policy.policy import decimal_string


def credit_interest(person: Person, ctx: CommandContext, keys: Iterable[str], through: Month, effective: date) -> int:
    """Credit every not-yet-credited month up to `through` on the given sub-ledgers, a year per event."""
    rates, fallback = ctx.interest_rates()
    total = 0
    for key in sorted(keys):
        ledger = person.state.ledgers.get(key)
        if ledger is None:
            continue
        for year in settlement_interest(ledger.flows, ledger.credits, through, rates, fallback):
            if year.interest_fen == 0:
                continue  # an amount of 0 creates no event (§4.4)
            ctx.emit(
                person,
                ev.InterestCredited,
                effective,
                ledger=key,
                year=year.year,
                first_month=str(year.first_month),
                last_month=str(year.last_month),
                rate=decimal_string(year.rate),
                interest_fen=year.interest_fen,
                fallback=year.fallback,
            )
            total += year.interest_fen
    return total


def settle(person: Person, ctx: CommandContext, keys: Iterable[str], effective: date) -> int:
    """A settlement in month s credits the months up to and including s − 1 (§4.4)."""
    return credit_interest(person, ctx, keys, Month.of(effective).shift(-1), effective)


def year_end_interest(person: Person, ctx: CommandContext, year: int) -> int:
    """`interest_run(Y)`: credit, effective Y-12-31, the months of Y no settlement covered; skip the dead."""
    year_end = date(year, 12, 31)
    if person.state.death is not None and person.state.death <= year_end:
        return 0
    return credit_interest(person, ctx, list(person.state.ledgers), Month(year, 12), year_end)
