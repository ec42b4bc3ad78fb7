"""Cross-province transfer (养老保险关系转移接续, §5) and temporary-account consolidation (§5.4)."""

from __future__ import annotations

from datetime import date

from domain import events as ev
from domain.commands.context import CommandContext, reject
from domain.commands.interest import settle
from domain.errors import DomainError
from domain.person import Person
from domain.records import ledger_key
from domain.rules.transfer import pooled_transfer_amount
from standards.codes import ErrorCode
from standards.interchange import TransferReceiveMessage, TransferRequestMessage, TransferSendMessage


def request(person: Person, message: TransferRequestMessage, ctx: CommandContext) -> None:
    """The receiving unit B asks A to transfer: R004, R009, R012 (§5.1)."""
    state = person.state
    if state.death is not None:
        raise reject("R004", "the person's death is recorded")
    if state.determination is not None:
        raise reject("R009", "no transfer while receiving a pension")
    source = message.from_unit
    if source == ctx.unit:
        raise DomainError(ErrorCode.INVALID_FIELD, "from_unit must differ from the requesting unit", field="from_unit")
    holds = any(p.held_by == source and not p.temporary for p in state.payments.values())
    if (not holds and not state.ledgers.get(source, None)) or (not holds and state.ledgers[source].balance_fen == 0):
        raise reject("R009", f"unit {source} holds nothing of this person to transfer", "from_unit")
    if any(t.from_unit == source and t.to_unit == ctx.unit for t in state.open_transfers()):
        raise reject("R009", f"a transfer {source} → {ctx.unit} is already open")
    if ctx.unit in state.temporary_units() or state.relation_unit != ctx.unit:
        raise reject("R012", "only the relation unit, not a temporary-account unit, may request a transfer")
    ctx.emit(person, ev.TransferRequested, ctx.today, from_unit=source)


def send(person: Person, message: TransferSendMessage, ctx: CommandContext) -> None:
    """A pays the account (with settlement interest) and 12 % of the bases; money is in transit (§5.2)."""
    state = person.state
    transfer = state.transfers.get(message.request_serial)
    if transfer is None or transfer.from_unit != ctx.unit:
        raise DomainError(
            ErrorCode.UNKNOWN_TRANSFER, "no transfer request from this unit with that serial", field="request_serial"
        )
    if state.death is not None:
        raise reject("R004", "the person's death is recorded")
    if state.determination is not None:
        raise reject("R009", "no transfer while receiving a pension")
    if transfer.status != "requested":
        raise reject("R009", f"the transfer is already {transfer.status}", "request_serial")
    send_transfer(person, ctx, transfer.request_serial, ctx.unit, transfer.to_unit, ctx.today, derived=False)


def send_transfer(
    person: Person, ctx: CommandContext, request_serial: str, source: str, target: str, day: date, *, derived: bool
) -> ev.PersonEvent:
    """Settle A's sub-ledger and pay it out with the pooled amount; used by the send and by retirement (§6)."""
    state = person.state
    key = ledger_key(source)
    if key in state.ledgers:
        settle(person, ctx, [key], day)
    account = state.ledgers[key].balance_fen if key in state.ledgers else 0
    held = [p for p in state.payments.values() if p.held_by == source and not p.temporary]
    pooled = pooled_transfer_amount(
        ((p.period, p.base_fen) for p in held), ctx.policy.transfer_pooled_ratio, ctx.policy.transfer_pooled_from
    )
    sent = ctx.emit(
        person,
        ev.TransferSent,
        day,
        request_serial=request_serial,
        from_unit=source,
        to_unit=target,
        account_fen=account,
        pooled_fen=pooled,
        months=len(held),
        bases_fen=sum(p.base_fen for p in held),
        derived=derived,
    )
    ctx.result.setdefault("transfers", []).append(
        {
            "from_unit": source,
            "to_unit": target,
            "account_fen": account,
            "pooled_fen": pooled,
            "total_fen": account + pooled,
        }
    )
    return sent


def receive(person: Person, message: TransferReceiveMessage, ctx: CommandContext) -> None:
    """B receives what A sent: the same amounts; the transfer is complete (§5.1)."""
    transfer = person.state.transfers.get(message.request_serial)
    if transfer is None or transfer.to_unit != ctx.unit:
        raise DomainError(
            ErrorCode.UNKNOWN_TRANSFER, "no transfer to this unit with that serial", field="request_serial"
        )
    if transfer.status != "sent":
        raise reject("R009", f"the transfer is {transfer.status}, not sent", "request_serial")
    receive_transfer(person, ctx, transfer.request_serial, ctx.today, derived=False)


def receive_transfer(person: Person, ctx: CommandContext, request_serial: str, day: date, *, derived: bool) -> None:
    transfer = person.state.transfers[request_serial]
    ctx.emit(
        person,
        ev.TransferReceived,
        day,
        request_serial=request_serial,
        from_unit=transfer.from_unit,
        to_unit=transfer.to_unit,
        account_fen=transfer.account_fen,
        pooled_fen=transfer.pooled_fen,
        derived=derived,
    )
    ctx.result.update(account_fen=transfer.account_fen, pooled_fen=transfer.pooled_fen)


def consolidate_temporary(
    person: Person, ctx: CommandContext, source: str, target: str, day: date, *, release_pooled: bool = False
) -> None:
    """归集: the temporary sub-ledger with its settled interest plus all pooled contributions go to `target`."""
    state = person.state
    key = ledger_key(source, temporary=True)
    settle(person, ctx, [key], day)
    account = state.ledgers[key].balance_fen
    pooled = sum(p.pooled_fen for p in state.payments.values() if p.temporary and p.held_by == source)
    ctx.emit(
        person,
        ev.TempAccountConsolidated,
        day,
        from_unit=source,
        to_unit=target,
        account_fen=account,
        pooled_fen=0 if release_pooled else pooled,
        released_fen=pooled if release_pooled else 0,
    )
