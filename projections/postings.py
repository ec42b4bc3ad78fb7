"""One pure function from an event to its balanced double-entry postings (DOMAIN.md §10.2, §10.3).

Amounts are integer fen; each posting names the pooling unit whose books it touches. A `Reversed` is the
original's postings with the sides swapped, at the original's effective date: the caller passes the original."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain import events as ev


@dataclass(frozen=True, slots=True)
class Posting:
    unit: str
    account: str
    debit_fen: int
    credit_fen: int


def _dr(unit: str, account: str, amount: int) -> Posting:
    return Posting(unit, account, amount, 0)


def _cr(unit: str, account: str, amount: int) -> Posting:
    return Posting(unit, account, 0, amount)


def _payment(event: ev._Payment) -> list[Posting]:
    u, total = event.unit, event.pooled_fen + event.account_fen
    if event.temporary:
        return [
            _dr(u, "bank", total),
            _cr(u, "temp_pooled_liability", event.pooled_fen),
            _cr(u, "temp_ia_liability", event.account_fen),
        ]
    pooled_account = "rev_flexible" if event.kind_of_insured == "flexible" else "rev_employer"
    return [_dr(u, "bank", total), _cr(u, pooled_account, event.pooled_fen), _cr(u, "ia_liability", event.account_fen)]


def _interest(event: ev.InterestCredited) -> list[Posting]:
    unit, temporary = event.ledger.rstrip("T"), event.ledger.endswith("T")
    liability = "temp_ia_liability" if temporary else "ia_liability"
    return [_dr(unit, "exp_interest", event.interest_fen), _cr(unit, liability, event.interest_fen)]


def _sent(event: ev.TransferSent) -> list[Posting]:
    a = event.from_unit
    return [
        _dr(a, "ia_liability", event.account_fen),
        _dr(a, "exp_transfer_out", event.pooled_fen),
        _cr(a, "bank", event.account_fen + event.pooled_fen),
    ]


def _received(event: ev.TransferReceived) -> list[Posting]:
    b = event.to_unit
    return [
        _dr(b, "bank", event.account_fen + event.pooled_fen),
        _cr(b, "ia_liability", event.account_fen),
        _cr(b, "rev_transfer_in", event.pooled_fen),
    ]


def _consolidated(event: ev.TempAccountConsolidated) -> list[Posting]:
    u, dest = event.from_unit, event.to_unit
    moved = event.account_fen + event.pooled_fen
    postings = [
        _dr(u, "temp_ia_liability", event.account_fen),
        _dr(u, "temp_pooled_liability", event.pooled_fen),
        _cr(u, "bank", moved),
        _dr(dest, "bank", moved),
        _cr(dest, "ia_liability", event.account_fen),
        _cr(dest, "rev_transfer_in", event.pooled_fen),
    ]
    if event.released_fen:
        # At death the temporary pooled part stays where it was paid, as that unit's revenue (§15.7).
        postings += [_dr(u, "temp_pooled_liability", event.released_fen), _cr(u, "rev_employer", event.released_fen)]
    return postings


def _pension(event: ev.PensionPaid) -> list[Posting]:
    p = event.unit
    sums = {
        name: sum(int(line[name]) for line in event.lines)
        for name in ("basic_fen", "transitional_fen", "adjustment_fen", "account_fen", "exhausted_fen")
    }
    return [
        _dr(p, "exp_basic", sums["basic_fen"]),
        _dr(p, "exp_transitional", sums["transitional_fen"]),
        _dr(p, "exp_adjustment", sums["adjustment_fen"]),
        _dr(p, "ia_liability", sums["account_fen"]),
        _dr(p, "exp_account_exhausted", sums["exhausted_fen"]),
        _cr(p, "bank", event.total_fen),
    ]


def _overpaid(event: ev.OverpaymentIdentified) -> list[Posting]:
    p = event.paying_unit
    return [
        _dr(p, "overpayment_receivable", event.total_fen),
        _cr(p, "exp_basic", event.basic_fen),
        _cr(p, "exp_transitional", event.transitional_fen),
        _cr(p, "exp_adjustment", event.adjustment_fen),
        _cr(p, "ia_liability", event.account_fen),
        _cr(p, "exp_account_exhausted", event.exhausted_fen),
    ]


def _survivors(event: ev.SurvivorBenefitPaid) -> list[Posting]:
    u = event.unit
    return [
        _dr(u, "exp_funeral", event.funeral_fen),
        _dr(u, "exp_survivor", event.survivor_fen),
        _cr(u, "bank", event.funeral_fen + event.survivor_fen),
    ]


def _inherited(event: ev.AccountInherited) -> list[Posting]:
    postings = []
    for key, amount in sorted(event.ledgers.items()):
        liability = "temp_ia_liability" if key.endswith("T") else "ia_liability"
        postings.append(_dr(key.rstrip("T"), liability, amount))
    u = event.unit
    return [*postings, _cr(u, "overpayment_receivable", event.offset_fen), _cr(u, "bank", event.net_fen)]


def _recovered(event: ev.OverpaymentRecovered) -> list[Posting]:
    return [_dr(event.unit, "bank", event.amount_fen), _cr(event.unit, "overpayment_receivable", event.amount_fen)]


def _opening(event: ev.OpeningBalanceRecorded) -> list[Posting]:
    return [_dr(event.unit, "bank", event.account_fen), _cr(event.unit, "ia_liability", event.account_fen)]


_RULES: dict[type[ev.PersonEvent], Callable[..., list[Posting]]] = {
    ev.ContributionPaid: _payment,
    ev.BackPaymentPaid: _payment,
    ev.InterestCredited: _interest,
    ev.TransferSent: _sent,
    ev.TransferReceived: _received,
    ev.TempAccountConsolidated: _consolidated,
    ev.PensionPaid: _pension,
    ev.OverpaymentIdentified: _overpaid,
    ev.SurvivorBenefitPaid: _survivors,
    ev.AccountInherited: _inherited,
    ev.OverpaymentRecovered: _recovered,
    ev.OpeningBalanceRecorded: _opening,
}


def postings(event: ev.PersonEvent, reversed_original: ev.PersonEvent | None = None) -> list[Posting]:
    """The event's postings, zero amounts dropped; for a `Reversed`, the original's with the sides swapped."""
    if isinstance(event, ev.Reversed):
        if reversed_original is None:
            raise ValueError("a Reversed needs the original event to negate its postings")
        return [Posting(p.unit, p.account, p.credit_fen, p.debit_fen) for p in postings(reversed_original)]
    rule = _RULES.get(type(event))
    if rule is None:
        return []  # Enrolled, EmployerChanged, BenefitDetermined, DeathRecorded, ...: no money moves
    return [p for p in rule(event) if p.debit_fen or p.credit_fen]
