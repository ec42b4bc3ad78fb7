"""After-the-fact risk scans (事后稽核, DOMAIN.md §11): R101-R106 over what the streams say.

Facts that only change with events are kept per person (`risk_facts`, stored by the dossier view); the rules
that depend on the scan date (overdue certification, transfers not received, receivables left open) are then
evaluated at query time, so a scan is always "as of now" without refolding any stream."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from domain import events as ev
from domain.state import PersonState
from standards.calendar import Month
from standards.codes import RISK_RULE_TITLES


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: the rule, the person, the amount at stake and the events that prove it."""

    rule: str
    citizen_id: str
    unit: str | None  # the unit that owns the case: the place of benefit, else the relation unit
    title: str
    amount_fen: int
    detail: str
    evidence: list[int] = field(default_factory=list)  # stream versions

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def risk_facts(state: PersonState) -> dict[str, Any]:
    """The event-derived facts the scans need, as JSON-ready values."""
    benefit = state.benefit
    retirement = benefit.retirement if benefit else None
    facts: dict[str, Any] = {
        "citizen_id": state.citizen_id,
        "unit": benefit.unit if benefit else state.relation_unit,
        "retired": benefit is not None,
        "benefit_unit": benefit.unit if benefit else None,
        "determined_on": state.determination.effective if state.determination else None,
        "death": state.death.isoformat() if state.death else None,
        "certifications": sorted(day.isoformat() for day in state.certifications),
        "overpayments": [],
        "double_receipt": [],
        "late_contributions": [],
        "in_transit": [],
        "receivable_fen": state.receivable_fen,
        "receivable_since": None,
    }
    for event in state.living_events:
        if isinstance(event, ev.OverpaymentIdentified):
            facts["overpayments"].append([event.originator_version, event.total_fen, event.months])
            facts["receivable_since"] = facts["receivable_since"] or event.recorded_at.date().isoformat()
    if benefit is not None:
        due_in: dict[int, int] = {}  # the amount due depends on the month's year only
        for month, paid in state.paid.items():
            due = due_in.get(month.year)
            if due is None:
                due = due_in[month.year] = benefit.due_fen(month)
            if paid.total_fen > due:
                facts["double_receipt"].append([str(month), paid.total_fen - due])
        for payout in state.payouts:
            if payout.unit != benefit.unit:
                facts["double_receipt"].append([payout.month, payout.total_fen])
    # Months compared by index; a bound of None is no bound (beyond any month's index).
    death_month = Month.of(state.death).index if state.death else None
    retirement_month = retirement.index if retirement is not None else None
    bound = min((m for m in (death_month, retirement_month) if m is not None), default=None)
    if bound is not None:
        for payment in state.payments.values():
            if payment.period.index > bound:
                facts["late_contributions"].append(
                    [str(payment.period), payment.version, payment.pooled_fen + payment.account_fen]
                )
    for transfer in state.transfers.values():
        if transfer.in_transit and transfer.sent_on is not None:
            facts["in_transit"].append(
                [
                    transfer.from_unit,
                    transfer.to_unit,
                    transfer.sent_on.isoformat(),
                    transfer.account_fen + transfer.pooled_fen,
                ]
            )
    if state.receivable_fen <= 0:
        facts["receivable_since"] = None
    return facts


def findings(facts: dict[str, Any], scan_date: date, limits: tuple[int, int, int]) -> list[Finding]:
    """The R1xx findings of one person on `scan_date` (limits: certification months, transit days, receivable days)."""
    window_months, transit_days, receivable_days = limits
    citizen = facts["citizen_id"]
    found: list[Finding] = []

    def add(rule: str, amount: int, detail: str, evidence: list[int] | None = None) -> None:
        found.append(Finding(rule, citizen, facts.get("unit"), RISK_RULE_TITLES[rule], amount, detail, evidence or []))

    for version, amount, months in facts["overpayments"]:
        add("R101", amount, f"death recorded after payouts for {', '.join(months)}", [version])
    for month, amount in facts["double_receipt"]:
        add("R102", amount, f"more paid for {month} than due, or paid by a unit other than the place of benefit")
    alive = facts["death"] is None
    if facts["retired"] and alive:
        dates = [date.fromisoformat(d) for d in [facts["determined_on"], *facts["certifications"]] if d]
        last = max(dates) if dates else None
        cutoff = Month.of(scan_date).shift(-window_months)
        if last is not None and Month.of(last) < cutoff:
            add("R103", 0, f"no certification since {last.isoformat()}")
    for period, version, amount in facts["late_contributions"]:
        add("R104", amount, f"contribution for {period} after the death month or the retirement month", [version])
    for source, target, sent_on, amount in facts["in_transit"]:
        if scan_date - date.fromisoformat(sent_on) > timedelta(days=transit_days):
            add("R105", amount, f"transfer {source} → {target} sent {sent_on}, not received")
    since = facts["receivable_since"]
    if (
        since
        and facts["receivable_fen"] > 0
        and scan_date - date.fromisoformat(since) > timedelta(days=receivable_days)
    ):
        add("R106", facts["receivable_fen"], f"overpayment receivable open since {since}")
    return found
