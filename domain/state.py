"""The pure fold of a person's stream: events in, state out (no I/O, no rules checked).

The aggregate holds one `PersonState`; the dossier folds the same class over a filtered stream (as known
at T), and answers "as of D" with the query methods, so the write and read sides can never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from domain import events as ev
from domain.records import Benefit, Enrollment, PaidMonth, Payment, SubLedger, Suspension, Transfer, ledger_key
from domain.rules.interest import InterestCredit
from standards.calendar import Month
from standards.codes import PersonStatus

_UNKNOWN: Any = object()
#: The `_on_<Event>` method of each event class (None: the class changes nothing but the serials), found once.
_HANDLERS: dict[tuple[type, type], Any] = {}


class PersonState:
    """Everything the commands and the dossier need to know about one insured person."""

    def __init__(self) -> None:
        self.history: list[ev.PersonEvent] = []
        self.last_hash: str | None = None
        self._reset()

    def _reset(self) -> None:
        self.citizen_id = ""
        self.name = ""
        self.sex = ""
        self.birth = date.min
        self.hukou_unit = ""
        self.category = "worker"
        self.relation_unit: str | None = None
        self.employer_uscc: str | None = None
        self.deemed_months = 0
        self.deemed_unit: str | None = None
        self.account_opened: Month | None = None
        self.enrollments: list[Enrollment] = []
        self.suspensions: list[Suspension] = []
        self.payments: dict[Month, Payment] = {}
        self.ledgers: dict[str, SubLedger] = {}
        self.transfers: dict[str, Transfer] = {}
        self.benefit: Benefit | None = None
        self.determination: ev.BenefitDetermined | None = None
        self.paid: dict[Month, PaidMonth] = {}
        # Every benefit month up to here is fully paid at the dues now in force: a payout looks only beyond it.
        self.paid_through: Month | None = None
        self.payouts: list[ev.PensionPaid] = []
        self.certifications: list[date] = []
        self.death: date | None = None
        self.death_cause: str | None = None
        self.death_recorded_at: datetime | None = None
        self.receivable_fen = 0
        self.overpaid_versions: set[int] = set()
        self.survivors_paid = False
        self.inherited = False
        self.reversed_versions: set[int] = set()
        self.flags: list[tuple[str, int]] = []
        self.serials: dict[tuple[str, str], list[int]] = {}

    # --- folding -----------------------------------------------------------------------------------
    def apply(self, event: ev.PersonEvent) -> None:
        """Fold one event (a `Reversed` refolds the stream without the reversed event)."""
        self.history.append(event)
        self.last_hash = event.hash
        if isinstance(event, ev.Reversed):
            self.reversed_versions.add(event.reversed_version)
            self._refold()
        else:
            self._fold(event)

    def _refold(self) -> None:
        reversed_versions = set(self.reversed_versions)
        self._reset()
        self.reversed_versions = reversed_versions
        for event in self.history:
            if isinstance(event, ev.Reversed):
                self._note_serial(event)
            elif event.originator_version not in reversed_versions:
                self._fold(event)

    def _note_serial(self, event: ev.PersonEvent) -> None:
        self.serials.setdefault((event.unit, event.serial), []).append(event.originator_version)

    def _fold(self, event: ev.PersonEvent) -> None:
        self.serials.setdefault((event.unit, event.serial), []).append(event.originator_version)
        key = (type(self), type(event))
        handler = _HANDLERS.get(key, _UNKNOWN)
        if handler is _UNKNOWN:
            handler = _HANDLERS[key] = getattr(key[0], f"_on_{key[1].__name__}", None)
        if handler is not None:
            handler(self, event)

    def _ledger(self, unit: str, temporary: bool = False) -> SubLedger:
        key = ledger_key(unit, temporary)
        if key not in self.ledgers:
            self.ledgers[key] = SubLedger(unit, temporary)
        return self.ledgers[key]

    def _on_PersonRegistered(self, event: ev.PersonRegistered) -> None:
        self.citizen_id, self.name, self.sex = event.citizen_id, event.name, event.sex
        self.birth = date.fromisoformat(event.birth)

    def _on_Enrolled(self, event: ev.Enrolled) -> None:
        if not self.enrollments:
            self.deemed_months = event.deemed_months
            self.deemed_unit = event.unit if event.deemed_months else None
            self.account_opened = Month.parse(event.account_opened)
        self.enrollments.append(
            Enrollment(
                event.effective_date,
                event.unit,
                event.kind_of_insured,
                event.employer_uscc,
                event.temporary,
                event.originator_version,
            )
        )
        self.name, self.hukou_unit, self.category = event.name, event.hukou_unit, event.category
        self.relation_unit = event.relation_unit
        self.employer_uscc = event.employer_uscc

    def _on_EmployerChanged(self, event: ev.EmployerChanged) -> None:
        self.employer_uscc = event.employer_uscc

    def _on_ContributionSuspended(self, event: ev.ContributionSuspended) -> None:
        self.suspensions.append(Suspension(event.effective_date, event.unit, event.reason, event.originator_version))

    def _on_ContributionPaid(self, event: ev._Payment) -> None:
        period = Month.parse(event.period)
        paid_on = event.effective_date
        unit, temporary, account_fen = event.unit, event.temporary, event.account_fen
        self.payments[period] = Payment(
            period,
            unit,
            unit,
            event.kind_of_insured,
            event.base_fen,
            event.pooled_fen,
            account_fen,
            temporary,
            paid_on,
            event.timestamp,
            event.originator_version,
            isinstance(event, ev.BackPaymentPaid),
        )
        ledger = self.ledgers.get(f"{unit}T" if temporary else unit)
        if ledger is None:
            ledger = self._ledger(unit, temporary)
        ledger.add_flow(paid_on, account_fen)
        if event.flags:
            self.flags.extend((flag, event.originator_version) for flag in event.flags)

    _on_BackPaymentPaid = _on_ContributionPaid

    def _on_TransferRequested(self, event: ev.TransferRequested) -> None:
        self.transfers[event.serial] = Transfer(event.serial, event.from_unit, event.unit, event.effective_date)

    def _on_TransferSent(self, event: ev.TransferSent) -> None:
        transfer = self.transfers.setdefault(
            event.request_serial,
            Transfer(event.request_serial, event.from_unit, event.to_unit, event.effective_date),
        )
        transfer.status, transfer.sent_on, transfer.sent_recorded_at = "sent", event.effective_date, event.recorded_at
        transfer.account_fen, transfer.pooled_fen = event.account_fen, event.pooled_fen
        # For interest the amount counts in the receiving sub-ledger from the month it was sent (§4.1).
        self._ledger(event.from_unit).add_flow(event.effective_date, -event.account_fen)
        self._ledger(event.to_unit).add_flow(event.effective_date, event.account_fen)
        for payment in self.payments.values():
            if payment.held_by == event.from_unit and not payment.temporary:
                payment.held_by = event.to_unit

    def _on_TransferReceived(self, event: ev.TransferReceived) -> None:
        transfer = self.transfers[event.request_serial]
        transfer.status, transfer.received_on = "received", event.effective_date

    def _on_TempAccountConsolidated(self, event: ev.TempAccountConsolidated) -> None:
        self._ledger(event.from_unit, True).add_flow(event.effective_date, -event.account_fen)
        self._ledger(event.to_unit).add_flow(event.effective_date, event.account_fen)
        for payment in self.payments.values():
            if payment.temporary and payment.held_by == event.from_unit:
                payment.held_by = event.to_unit

    def _on_InterestCredited(self, event: ev.InterestCredited) -> None:
        ledger = self.ledgers.get(event.ledger) or self._ledger(event.ledger.rstrip("T"), event.ledger.endswith("T"))
        ledger.add_credit(InterestCredit(event.effective_date, Month.parse(event.last_month), event.interest_fen))

    def _on_OpeningBalanceRecorded(self, event: ev.OpeningBalanceRecorded) -> None:
        self._ledger(event.unit).add_flow(event.effective_date, event.account_fen)

    def _on_BenefitDetermined(self, event: ev.BenefitDetermined) -> None:
        self.determination = event
        self.benefit = Benefit(
            retirement=Month.parse(event.retirement),
            unit=event.benefit_unit,
            basic_fen=event.basic_fen,
            account_fen=event.account_fen,
            transitional_fen=event.transitional_fen,
            recorded_at=event.recorded_at,
            version=event.originator_version,
        )
        self.paid_through = self.benefit.retirement
        self._advance_paid_through()

    def _on_BenefitAdjusted(self, event: ev.BenefitAdjusted) -> None:
        if self.benefit is not None:
            self.benefit.increments[event.year] = event.increment_fen
            self._lower_paid_through(Month(event.year, 1))

    def _lower_paid_through(self, first_changed: Month) -> None:
        if self.paid_through is not None and self.paid_through >= first_changed:
            self.paid_through = first_changed.shift(-1)

    def _advance_paid_through(self) -> None:
        benefit = self.benefit
        if benefit is None or self.paid_through is None:
            return
        while True:
            following = self.paid_through.shift(1)
            paid = self.paid.get(following)
            if paid is None or paid.total_fen < benefit.due_fen(following):
                return
            self.paid_through = following

    def _on_PensionPaid(self, event: ev.PensionPaid) -> None:
        self.payouts.append(event)
        drawn = 0
        for line in event.lines:
            paid = self.paid.setdefault(Month.parse(line["month"]), PaidMonth())
            paid.basic_fen += line["basic_fen"]
            paid.account_fen += line["account_fen"]
            paid.transitional_fen += line["transitional_fen"]
            paid.adjustment_fen += line["adjustment_fen"]
            paid.exhausted_fen += line["exhausted_fen"]
            drawn += line["account_fen"]
        if drawn:
            self._ledger(event.unit).add_flow(event.effective_date, -drawn)
        self._advance_paid_through()

    def _on_QualificationCertified(self, event: ev.QualificationCertified) -> None:
        self.certifications.append(event.effective_date)

    def _on_DeathRecorded(self, event: ev.DeathRecorded) -> None:
        self.death, self.death_cause, self.death_recorded_at = event.effective_date, event.cause, event.recorded_at

    def _on_OverpaymentIdentified(self, event: ev.OverpaymentIdentified) -> None:
        self.receivable_fen += event.total_fen
        self.overpaid_versions.add(event.payout_version)
        for month in event.months:
            self.paid.pop(Month.parse(month), None)
        if event.months:
            self._lower_paid_through(min(Month.parse(month) for month in event.months))
        if event.account_fen:
            self._ledger(event.paying_unit).add_flow(event.effective_date, event.account_fen)
        self.flags.append(("R101", event.originator_version))

    def _on_SurvivorBenefitPaid(self, event: ev.SurvivorBenefitPaid) -> None:
        self.survivors_paid = True

    def _on_AccountInherited(self, event: ev.AccountInherited) -> None:
        self.inherited = True
        self.receivable_fen -= event.offset_fen
        for key, amount in event.ledgers.items():
            self.ledgers[key].add_flow(event.effective_date, -amount)

    def _on_OverpaymentRecovered(self, event: ev.OverpaymentRecovered) -> None:
        self.receivable_fen -= event.amount_fen

    # --- queries -----------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        return len(self.history)

    @property
    def birth_month(self) -> Month:
        return Month.of(self.birth)

    @property
    def living_events(self) -> list[ev.PersonEvent]:
        """The events not reversed (Reversed events themselves excluded)."""
        if not self.reversed_versions:
            return self.history  # the common case: nothing was ever reversed
        return [
            event
            for event in self.history
            if not isinstance(event, ev.Reversed) and event.originator_version not in self.reversed_versions
        ]

    def status_on(self, day: date) -> PersonStatus:
        """参保状态 as of a date: the first row of DOMAIN.md §2.4 that applies."""
        if self.death is not None and self.death <= day:
            settled = self.inherited and self.receivable_fen == 0
            return PersonStatus.TERMINATED if settled else PersonStatus.DECEASED
        if self.determination is not None and self.determination.effective_date <= day:
            return PersonStatus.RETIRED
        latest = self.latest_enrollment_or_suspension(day)
        if latest is None:
            return PersonStatus.NOT_ENROLLED
        if isinstance(latest, Enrollment):
            return PersonStatus.CONTRIBUTING
        return PersonStatus.SUSPENDED if latest.reason == "other" else PersonStatus.INTERRUPTED

    def latest_enrollment_or_suspension(self, day: date) -> Enrollment | Suspension | None:
        entries: list[Enrollment | Suspension] = [e for e in self.enrollments if e.effective <= day]
        entries += [s for s in self.suspensions if s.effective <= day]
        return max(entries, key=lambda entry: (entry.effective, entry.version), default=None)

    def covering_enrollment(self, unit: str, period: Month) -> Enrollment | None:
        """The unit's latest enrollment effective by `period`, not followed by a suspension before it (§3.5)."""
        # Dates compared, not months: `Month.of(d) <= period` is `d <= period's last day`, `< period` is
        # `d < period's first day`.
        if period.month == 12:
            last = date(period.year, 12, 31)
        else:
            last = date(period.year, period.month + 1, 1) - timedelta(days=1)
        latest: Enrollment | None = None
        for enrollment in self.enrollments:
            if enrollment.effective <= last and (
                latest is None or (enrollment.effective, enrollment.version) > (latest.effective, latest.version)
            ):
                latest = enrollment
        if latest is None or latest.unit != unit:
            return None
        if self.suspensions:
            start = date(period.year, period.month, 1)
            for s in self.suspensions:
                if s.effective >= latest.effective and s.effective < start and s.version > latest.version:
                    return None
        return latest

    def current_enrollment(self) -> Enrollment | None:
        return max(self.enrollments, key=lambda e: (e.effective, e.version), default=None)

    def insured_unit(self) -> str | None:
        if self.benefit is not None or self.death is not None:
            return None
        latest = self.current_enrollment()
        return latest.unit if latest else None

    def months_paid_by_unit(self, known: Iterable[Payment] | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for payment in self.payments.values() if known is None else known:
            counts[payment.unit] = counts.get(payment.unit, 0) + 1
        return counts

    def cumulative_months(self) -> dict[str, int]:
        """cum(p) of §6: actual months paid in p (temporary included) plus deemed months attributed to p."""
        counts = self.months_paid_by_unit()
        if self.deemed_unit:
            counts[self.deemed_unit] = counts.get(self.deemed_unit, 0) + self.deemed_months
        return counts

    def relation_history(self) -> list[str]:
        """Units of the enrollments that opened no temporary account, a repeated unit at its latest position."""
        ordered = sorted((e for e in self.enrollments if not e.temporary), key=lambda e: (e.effective, e.version))
        history: list[str] = []
        for enrollment in ordered:
            if enrollment.unit in history:
                history.remove(enrollment.unit)
            history.append(enrollment.unit)
        return history

    def temporary_units(self) -> set[str]:
        return {key.rstrip("T") for key, ledger in self.ledgers.items() if ledger.temporary and ledger.balance_fen}

    def open_transfers(self) -> list[Transfer]:
        return [transfer for transfer in self.transfers.values() if transfer.open]

    def account_balance_fen(self) -> int:
        return sum(ledger.balance_fen for ledger in self.ledgers.values())

    def seen(self, unit: str, serial: str) -> list[ev.PersonEvent]:
        """The events a command (unit, serial) wrote, in order."""
        versions = self.serials.get((unit, serial), [])
        return [self.history[version - 1] for version in versions]
