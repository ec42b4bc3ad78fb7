"""Interest on the individual account: settlements (§4.4) and the year-end run, as InterestCredited events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain import events as ev
from domain.commands.context import CommandContext
from domain.person import Person
from domain.rules.interest import InterestCredit, settlement_interest
from standards.calendar import Month
from standards.policy.policy import decimal_string
from standards.rounding import as_rational


def credit_interest(person: Person, ctx: CommandContext, keys: Iterable[str], through: Month, effective: date) -> int:
    """Credit every not-yet-credited month up to `through` on the given sub-ledgers, a year per event."""
    rates, fallback = ctx.interest_rates()
    total = 0
    for key in sorted(keys):
        ledger = person.state.ledgers.get(key)
        if ledger is None:
            continue
        flows, credits = ledger.uncredited()
        for year in settlement_interest(flows, credits, through, rates, fallback):
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


def reconcile_interest(person: Person, ctx: CommandContext, key: str) -> None:
    """§2.2: restate a sub-ledger's interest credits after its principal changed in months already credited.

    Each living credit is recomputed in order, at its own stored rate (a fallback rate stays final, §4.2),
    on the flows as they are now and the credits as restated so far (years compound); a credit whose amount
    differs is reversed and replaced with the same effective date."""
    ledger = person.state.ledgers.get(key)
    if ledger is None:
        return
    credits = [
        event for event in person.state.living_events if isinstance(event, ev.InterestCredited) and event.ledger == key
    ]
    restated: list[InterestCredit] = []
    changes: list[tuple[ev.InterestCredited, int]] = []
    for credit in credits:
        rate = as_rational(credit.rate)
        years = settlement_interest(ledger.flows, restated, Month.parse(credit.last_month), {credit.year: rate}, rate)
        amount = years[-1].interest_fen if years else 0
        if amount != credit.interest_fen:
            changes.append((credit, amount))
        restated.append(InterestCredit(credit.effective_date, Month.parse(credit.last_month), amount))
    for credit, amount in changes:
        ctx.emit(
            person,
            ev.Reversed,
            credit.effective_date,
            reversed_version=credit.originator_version,
            reversed_type=credit.kind,
            reason="interest restated: principal changed in months already credited (§2.2)",
        )
        if amount:
            ctx.emit(
                person,
                ev.InterestCredited,
                credit.effective_date,
                ledger=key,
                year=credit.year,
                first_month=credit.first_month,
                last_month=credit.last_month,
                rate=credit.rate,
                interest_fen=amount,
                fallback=credit.fallback,
            )


def reconcile_if_credited(person: Person, ctx: CommandContext, key: str, day: date) -> None:
    """Reconcile a sub-ledger when a flow dated `day` falls in a month its interest already covers."""
    ledger = person.state.ledgers.get(key)
    through = ledger.credited_through if ledger is not None else None
    if through is not None and Month.of(day) <= through:
        reconcile_interest(person, ctx, key)
