"""A person's yearly series for the console's chart: contribution base and account balance by year.

The base is averaged over the months paid for that year (by contribution period, back-payments included,
rounded half up to the fen); the balance is the dossier's `account_balance_fen` at the year's end (or at
`as_of` for its last year), so credited interest and transfers count exactly as in the dossier."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Any

from api.readmodels import GuardedProjections
from domain import events as ev
from domain.clock import recorded_date
from domain.errors import UnknownPerson
from projections.dossier import fold
from standards.rounding import round_half_up


def yearly_series(
    projections: GuardedProjections,
    citizen_id: str,
    as_of: date | None,
    as_known_at: datetime | None,
    max_years: int,
) -> dict[str, Any]:
    """One point per year from the first contribution (or enrollment) to `as_of` (at most T's year), as known at T."""
    app = projections.app
    known_at = as_known_at or app.now
    day = as_of or recorded_date(known_at)
    state = fold(app.events_of(citizen_id), known_at)
    if not state.history:
        raise UnknownPerson(citizen_id)
    living = state.living_events
    payments = [
        e for e in living if isinstance(e, ev.ContributionPaid | ev.BackPaymentPaid) and e.effective_date <= day
    ]
    starts = [int(e.period[:4]) for e in payments] + [
        e.effective_date.year for e in living if isinstance(e, ev.Enrolled)
    ]
    # Nothing is known about years after T or after now: a far date does not stretch the chart into empty years.
    last = min(day.year, recorded_date(min(known_at, app.now)).year)
    points: list[dict[str, Any]] = []
    if starts and min(starts) <= last:
        first = max(min(starts), last - max_years + 1)
        for year in range(first, last + 1):
            paid = [e for e in payments if int(e.period[:4]) == year]
            end = min(date(year, 12, 31), day)
            balance = projections.dossier(citizen_id, end, known_at)["account_balance_fen"]
            points.append(
                {
                    "year": year,
                    "months": len(paid),
                    "average_base_fen": int(round_half_up(Fraction(sum(e.base_fen for e in paid), len(paid))))
                    if paid
                    else None,
                    "account_paid_fen": sum(e.account_fen for e in paid),
                    "account_balance_fen": balance,
                    "balance_date": end.isoformat(),
                }
            )
    return {
        "citizen_id": citizen_id,
        "as_of": day.isoformat(),
        "as_known_at": known_at.isoformat(),
        "simulated": bool(app.simulated),
        "points": points,
    }
