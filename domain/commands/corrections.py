"""Corrections (冲正, §2.3): a `Reversed` of the corrected message's event, when the table allows it (R014)."""

from __future__ import annotations

from domain import events as ev
from domain.commands.context import CommandContext, reject
from domain.commands.interest import reconcile_if_credited
from domain.errors import DomainError
from domain.person import Person
from domain.records import ledger_key
from standards.calendar import Month
from standards.codes import ErrorCode
from standards.interchange import CorrectionMessage

ALWAYS = (ev.ContributionSuspended, ev.EmployerChanged, ev.QualificationCertified)
DERIVED = (ev.PersonRegistered, ev.InterestCredited, ev.TempAccountConsolidated, ev.OverpaymentIdentified)


def correct(person: Person, message: CorrectionMessage, ctx: CommandContext) -> None:
    """Reverse the primary event written by (unit, corrects_serial), or refuse with R014."""
    state = person.state
    written = [e for e in state.seen(ctx.unit, message.corrects_serial) if not isinstance(e, ev.Reversed)]
    if not written:
        raise DomainError(
            ErrorCode.UNKNOWN_SERIAL,
            "this unit sent no message with that serial for this person",
            field="corrects_serial",
        )
    # The corrected message's own event: a retirement or a transfer send writes its settlement interest (and a
    # retirement its moves to P) before it, an enrollment its PersonRegistered; those are derived, not primary.
    primary = next((e for e in written if not isinstance(e, DERIVED) and not getattr(e, "derived", False)), written[0])
    why = _refusal(person, primary)
    if why:
        raise reject("R014", f"correction not allowed: {why}", "corrects_serial")
    # The command's derived events (settlement interest, moves to P, overpayments) go with it, latest first.
    undone = [e for e in written if not isinstance(e, ev.PersonRegistered)]
    for event in reversed(undone):
        ctx.emit(
            person,
            ev.Reversed,
            event.effective_date,
            reversed_version=event.originator_version,
            reversed_type=event.kind,
            reason=message.reason,
        )
    # A payment reversed in months whose interest is already credited restates that interest (§2.2).
    for event in undone:
        if isinstance(event, ev.ContributionPaid | ev.BackPaymentPaid):
            reconcile_if_credited(person, ctx, ledger_key(event.unit, event.temporary), event.effective_date)
    ctx.result["reversed"] = [{"type": e.kind, "version": e.originator_version} for e in undone]


def _refusal(person: Person, primary: ev.PersonEvent) -> str | None:
    state = person.state
    later = [e for e in state.living_events if e.originator_version > primary.originator_version]
    if isinstance(primary, ALWAYS):
        return None
    if isinstance(primary, ev.ContributionPaid | ev.BackPaymentPaid):
        period = Month.parse(primary.period)
        payment = state.payments.get(period)
        if state.determination is not None:
            return "a benefit is determined"
        if payment is not None and payment.held_by != payment.unit and not payment.temporary:
            return "the month was moved by a sent transfer"
        return None
    if isinstance(primary, ev.TransferRequested):
        transfer = state.transfers.get(primary.serial)
        return None if transfer is not None and transfer.status == "requested" else "the transfer was sent"
    if isinstance(primary, ev.Enrolled):
        return "later events depend on the enrollment" if later else None
    if isinstance(primary, ev.BenefitDetermined):
        return "a payout has been made" if state.payouts else None
    if isinstance(primary, ev.DeathRecorded):
        return "survivor benefits or inheritance were paid" if state.survivors_paid or state.inherited else None
    return f"{primary.kind} cannot be corrected in v1"
