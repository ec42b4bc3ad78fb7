"""The electronic dossier (电子档案袋, DOMAIN.md §12): a pure function of a person's stream, a date D and a time T.

`fold(events, as_known_at=T)` keeps the events recorded at or before T (what the system knew at T) and folds
them with the same `PersonState` the write side uses; `build_dossier(state, as_of=D, ...)` then applies the
effective-date rules for D. The stored view and every as-of answer go through these two functions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from domain import events as ev
from domain.records import Enrollment
from domain.rules.benefit_place import place_of_benefit
from domain.rules.interest import accrued_interest
from domain.state import PersonState
from standards.calendar import Month, format_years_months
from standards.codes import PersonStatus
from standards.policy import Policy


def fold(events: Iterable[ev.PersonEvent], as_known_at: datetime | None = None) -> PersonState:
    """A person's state as known at T: only events recorded at or before T are folded."""
    state = PersonState()
    for event in events:
        if as_known_at is not None and event.recorded_at > as_known_at:
            break  # a stream is in recorded order: nothing later was known at T
        state.apply(event)
    return state


def build_dossier(
    state: PersonState,
    *,
    as_of: date,
    as_known_at: datetime,
    policy: Policy,
    fallback_rate: Fraction | None,
    simulated: bool = False,
    include_events: bool = True,
) -> dict[str, Any]:
    """The dossier of INTERCHANGE.md (and DOMAIN.md §12.1) for one person, as of D, as known at T.

    The stored view leaves out `events` (the stream itself is the list; `event_rows` renders it on read)."""
    month = Month.of(as_of)
    through = month.index
    payments = [p for p in state.payments.values() if p.period.index <= through]
    by_unit: dict[str, int] = {}
    for payment in payments:
        by_unit[payment.unit] = by_unit.get(payment.unit, 0) + 1
    status = state.status_on(as_of)
    retired = state.determination is not None and state.determination.effective_date <= as_of
    benefit = _benefit(state, as_of) if retired else None
    sub_ledgers = {key: ledger.balance_on(as_of) for key, ledger in sorted(state.ledgers.items())}
    return {
        "citizen_id": state.citizen_id,
        "name": state.name,
        "sex": state.sex,
        "birth": state.birth.isoformat(),
        "hukou_unit": state.hukou_unit or None,
        "status": status.reported,
        "status_detail": status.value,
        "insured_unit": _insured_unit(state, as_of, status),
        "relation_unit": _relation_unit(state, as_of),
        "benefit_unit": state.determination.benefit_unit if retired and state.determination else None,
        "benefit_unit_provisional": None if retired else _provisional_place(state, policy),
        "contribution_months": len(payments),
        "deemed_months": state.deemed_months,
        "contribution_years": format_years_months(len(payments) + state.deemed_months),
        "months_by_unit": dict(sorted(by_unit.items())),
        "gaps": _gaps(payments, month, state),
        "account_balance_fen": sum(sub_ledgers.values()),
        "accrued_interest_fen": _accrued(state, as_of, fallback_rate),
        "sub_ledgers": sub_ledgers,
        "benefit": benefit,
        "paid_total_fen": _paid_total(state, as_of),
        "receivable_fen": _receivable(state, as_of),
        "flags": sorted({rule for rule, _ in state.flags}),
        "as_of": as_of.isoformat(),
        "as_known_at": as_known_at.isoformat(),
        "simulated": simulated,
        "policy": policy.name,
        **({"events": event_rows(state.history)} if include_events else {}),
    }


def _insured_unit(state: PersonState, as_of: date, status: PersonStatus) -> str | None:
    if status not in (PersonStatus.CONTRIBUTING, PersonStatus.INTERRUPTED, PersonStatus.SUSPENDED):
        return None
    latest = max(
        (e for e in state.enrollments if e.effective <= as_of), key=lambda e: (e.effective, e.version), default=None
    )
    return latest.unit if latest else None


def _relation_unit(state: PersonState, as_of: date) -> str | None:
    known: list[Enrollment] = [e for e in state.enrollments if e.effective <= as_of and not e.temporary]
    latest = max(known, key=lambda e: (e.effective, e.version), default=None)
    return latest.unit if latest else None


def _provisional_place(state: PersonState, policy: Policy) -> str | None:
    if state.relation_unit is None or not state.hukou_unit:
        return None
    return place_of_benefit(
        state.hukou_unit,
        state.relation_unit,
        state.cumulative_months(),
        state.relation_history(),
        policy.benefit_place_threshold_months,
    ).unit


def _gaps(payments: list[Any], month: Month, state: PersonState) -> list[list[str]]:
    """Ranges of unpaid months between the first period paid and min(month of D, M) (§12.1).

    Worked on month indexes: the gaps lie between consecutive paid months, and after the last one up to the end."""
    if not payments:
        return []
    last = month
    if state.benefit is not None:
        last = min(last, state.benefit.retirement)
    end = last.index
    paid = sorted({p.period.index for p in payments})
    gaps: list[list[str]] = []
    previous = paid[0]
    if previous > end:
        return gaps
    for current in paid:
        if current > end:
            break
        if current > previous + 1:
            gaps.append([_month_text(previous + 1), _month_text(current - 1)])
        previous = current
    if previous < end:
        gaps.append([_month_text(previous + 1), str(last)])
    return gaps


def _month_text(index: int) -> str:
    return str(Month.from_index(index))


def _accrued(state: PersonState, as_of: date, rate: Fraction | None) -> int:
    if rate is None or (state.death is not None and state.death <= as_of):
        return 0
    total = 0
    for ledger in state.ledgers.values():
        try:
            flows, credits = ledger.uncredited(as_of)
            total += accrued_interest(flows, credits, as_of, rate)
        except ValueError:
            continue  # a sub-ledger emptied by a later-dated move has no accrual to show
    return total


def _benefit(state: PersonState, as_of: date) -> dict[str, int] | None:
    benefit = state.benefit
    if benefit is None:
        return None
    adjustment = benefit.adjustment_fen(as_of.year)
    return {
        "basic_fen": benefit.basic_fen,
        "account_fen": benefit.account_fen,
        "transitional_fen": benefit.transitional_fen,
        "adjustment_fen": adjustment,
        "total_fen": benefit.basic_fen + benefit.account_fen + benefit.transitional_fen + adjustment,
    }


def _paid_total(state: PersonState, as_of: date) -> int:
    paid = sum(e.total_fen for e in state.payouts if _effective(e.effective) <= as_of)
    overpaid = sum(
        e.total_fen
        for e in state.living_events
        if isinstance(e, ev.OverpaymentIdentified) and e.effective_date <= as_of
    )
    return paid - overpaid


_RECEIVABLE_EVENTS = (ev.OverpaymentIdentified, ev.AccountInherited, ev.OverpaymentRecovered)


def _receivable(state: PersonState, as_of: date) -> int:
    total = 0
    for event in state.living_events:
        if not isinstance(event, _RECEIVABLE_EVENTS) or event.effective_date > as_of:
            continue
        if isinstance(event, ev.OverpaymentIdentified):
            total += event.total_fen
        elif isinstance(event, ev.AccountInherited):
            total -= event.offset_fen
        elif isinstance(event, ev.OverpaymentRecovered):
            total -= event.amount_fen
    return total


_DAYS: dict[str, date] = {}


def _effective(text: str) -> date:
    """`date.fromisoformat`, remembered: a payout's effective date is asked for at every build of its dossier."""
    day = _DAYS.get(text)
    if day is None:
        day = date.fromisoformat(text)
        if len(_DAYS) >= 1 << 16:
            _DAYS.clear()
        _DAYS[text] = day
    return day


def event_rows(history: list[ev.PersonEvent]) -> list[dict[str, Any]]:
    """The dossier's event list: type, both times, serial, unit (and period; reversed ones marked)."""
    reversed_versions = {event.reversed_version for event in history if isinstance(event, ev.Reversed)}
    return [_event_row(event, reversed_versions) for event in history]


def event_rows_unmarked(history: list[ev.PersonEvent]) -> list[dict[str, Any]]:
    """The event list's rows as the dossier view stores them: reversed ones not marked (marked when read)."""
    unmarked: set[int] = set()
    return [_event_row(event, unmarked) for event in history]


def _event_row(event: ev.PersonEvent, reversed_versions: set[int]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "type": event.kind,
        "effective": event.effective,
        "recorded": event.recorded_at.isoformat(),
        "serial": event.serial,
        "unit": event.unit,
        "version": event.originator_version,
    }
    period = getattr(event, "period", None)
    if period is not None:
        row["period"] = period
    if event.originator_version in reversed_versions:
        row["reversed"] = True
    return row
