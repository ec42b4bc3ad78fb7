"""Death (死亡), overpayment (多发待遇, R101), recovery (追回) and certification (待遇资格认证), §9."""

from __future__ import annotations

from domain import events as ev
from domain.commands.context import CommandContext, reject
from domain.commands.interest import settle
from domain.commands.payouts import paying_unit
from domain.commands.transfers import consolidate_temporary, receive_transfer, send_transfer
from domain.errors import DomainError
from domain.person import Person
from standards.calendar import Month
from standards.codes import ErrorCode
from standards.interchange import CertificationMessage, DeathMessage, RecoveryMessage


def record_death(person: Person, message: DeathMessage, ctx: CommandContext) -> None:
    """Record the death, identify overpaid payouts, reverse later year-end interest, settle and gather the account."""
    state = person.state
    if state.death is not None:
        raise reject("R004", "the person's death is already recorded")
    died = message.date_of_death
    if died > ctx.today:
        raise reject("R015", "date_of_death is in the future", "date_of_death")
    if died < state.birth:
        raise reject("R015", "date_of_death is before the birth date", "date_of_death")
    ctx.emit(person, ev.DeathRecorded, died, cause=message.cause)
    death_month = Month.of(died)
    for payout in list(state.payouts):
        overpaid = [line for line in payout.lines if Month.parse(line["month"]) > death_month]
        if overpaid and payout.originator_version not in state.overpaid_versions:
            _identify_overpayment(person, ctx, payout, overpaid)
    for event in list(state.living_events):
        if isinstance(event, ev.InterestCredited) and event.effective_date > died:
            ctx.emit(
                person,
                ev.Reversed,
                event.effective_date,
                reversed_version=event.originator_version,
                reversed_type=event.kind,
                reason="year-end interest after the death (§9.3)",
            )
    target = paying_unit(person) or ctx.unit
    for _key, ledger in list(state.ledgers.items()):
        if ledger.temporary and ledger.balance_fen:
            consolidate_temporary(person, ctx, ledger.unit, target, died, release_pooled=True)
        elif ledger.unit != target and ledger.balance_fen:
            serial = f"{ctx.serial}:{ledger.unit}>{target}"
            send_transfer(person, ctx, serial, ledger.unit, target, died, derived=True)
            receive_transfer(person, ctx, serial, died, derived=True)
    settle(person, ctx, list(state.ledgers), died)
    if state.receivable_fen:
        ctx.flags.append("R101")
    ctx.result.update(overpayment_fen=state.receivable_fen, account_balance_fen=state.account_balance_fen())


def _identify_overpayment(
    person: Person, ctx: CommandContext, payout: ev.PensionPaid, lines: list[dict[str, int | str]]
) -> None:
    def total(name: str) -> int:
        return sum(int(line[name]) for line in lines)

    parts = {
        name: total(name)
        for name in ("basic_fen", "transitional_fen", "adjustment_fen", "account_fen", "exhausted_fen")
    }
    ctx.emit(
        person,
        ev.OverpaymentIdentified,
        payout.effective_date,
        payout_version=payout.originator_version,
        paying_unit=payout.unit,
        months=[str(line["month"]) for line in lines],
        total_fen=sum(parts.values()),
        **parts,
    )


def recover(person: Person, message: RecoveryMessage, ctx: CommandContext) -> None:
    """追回 part or all of the open overpayment receivable."""
    if message.amount_fen > person.state.receivable_fen or message.amount_fen == 0:
        raise DomainError(
            ErrorCode.RECOVERY_EXCEEDS_RECEIVABLE,
            f"recovery of {message.amount_fen} fen exceeds the open receivable of {person.state.receivable_fen} fen",
            field="amount_fen",
        )
    ctx.emit(person, ev.OverpaymentRecovered, ctx.today, amount_fen=message.amount_fen)
    ctx.result["receivable_fen"] = person.state.receivable_fen


def certify(person: Person, message: CertificationMessage, ctx: CommandContext) -> None:
    """待遇资格认证 on `effective` (R004 after a recorded death)."""
    if person.state.death is not None:
        raise reject("R004", "the person's death is recorded")
    if message.effective > ctx.today:
        raise reject("R015", "certification effective in the future", "effective")
    ctx.emit(person, ev.QualificationCertified, message.effective)
