"""The pieces a person's state is made of: months paid, account sub-ledgers, transfers, enrollments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain.rules.interest import InterestCredit
from standards.calendar import Month


def ledger_key(unit: str, temporary: bool = False) -> str:
    """Sub-ledgers are one per unit, temporary accounts apart: "44", "33T"."""
    return f"{unit}T" if temporary else unit


@dataclass(slots=True)
class Payment:
    """One paid month (费款所属期): where it was paid, who holds it now, and the amounts."""

    period: Month
    unit: str
    held_by: str
    kind_of_insured: str
    base_fen: int
    pooled_fen: int
    account_fen: int
    temporary: bool
    paid_on: date
    recorded_at: datetime
    version: int
    back_payment: bool


@dataclass(slots=True)
class SubLedger:
    """One individual-account sub-ledger: dated principal flows and interest credits (§4.1)."""

    unit: str
    temporary: bool
    flows: list[tuple[date, int]] = field(default_factory=list)
    credits: list[InterestCredit] = field(default_factory=list)
    balance_fen: int = 0  # kept with every flow and credit: asked for on every payout and settlement
    # The latest `through` of the credits and how many credits it covers: asked for on every contribution.
    _through: Month | None = field(default=None, repr=False, compare=False)
    _through_count: int = field(default=0, repr=False, compare=False)
    # `uncredited()` as of now, kept up to date: the first uncredited month it was last asked for, how many
    # flows it has seen, their amounts before that month, and the flows from that month on.
    _cut_first: Month | None = field(default=None, repr=False, compare=False)
    _cut_count: int = field(default=0, repr=False, compare=False)
    _cut_opening: int = field(default=0, repr=False, compare=False)
    _cut_later: list[tuple[date, int]] = field(default_factory=list, repr=False, compare=False)

    def add_flow(self, day: date, amount_fen: int) -> None:
        self.flows.append((day, amount_fen))
        self.balance_fen += amount_fen

    def add_credit(self, credit: InterestCredit) -> None:
        self.credits.append(credit)
        self.balance_fen += credit.amount_fen

    @property
    def key(self) -> str:
        return ledger_key(self.unit, self.temporary)

    def uncredited(self, as_of: date | None = None) -> tuple[list[tuple[date | Month, int]], list[InterestCredit]]:
        """The sub-ledger from its first uncredited month on (credits known by `as_of`): earlier flows and the
        credits folded into one opening amount counted from that month. Month-end balances from then on are
        the same as from the whole history, at a fraction of the work."""
        if as_of is None:
            return self._uncredited_now()
        known = [c for c in self.credits if c.effective <= as_of]
        if not known:
            return list(self.flows), []
        first = max(credit.through for credit in known).shift(1)
        opening = sum(credit.amount_fen for credit in known)
        later: list[tuple[date | Month, int]] = []
        first_day = first.first_day()
        for flow in self.flows:
            if _before(flow[0], first, first_day):
                opening += flow[1]
            else:
                later.append(flow)
        return [(first, opening), *later], []

    def _uncredited_now(self) -> tuple[list[tuple[date | Month, int]], list[InterestCredit]]:
        """`uncredited()` with every credit known. The first uncredited month only moves forward while flows and
        credits are appended, so each call looks at the new flows and at those it last kept, not the history."""
        through = self.credited_through
        if through is None:
            return list(self.flows), []
        first = through.shift(1)
        first_day = first.first_day()
        previous = self._cut_first
        if previous is None or first < previous or self._cut_count > len(self.flows):
            previous, count, opening, later = first, 0, 0, []
        else:
            count, opening, later = self._cut_count, self._cut_opening, self._cut_later
        if first != previous:
            kept = []
            for flow in later:
                if _before(flow[0], first, first_day):
                    opening += flow[1]
                else:
                    kept.append(flow)
            later = kept
        for flow in self.flows[count:]:
            if _before(flow[0], first, first_day):
                opening += flow[1]
            else:
                later.append(flow)
        self._cut_first, self._cut_count, self._cut_opening, self._cut_later = first, len(self.flows), opening, later
        opening += sum(credit.amount_fen for credit in self.credits)
        return [(first, opening), *later], []

    def balance_on(self, day: date) -> int:
        """Credited balance as of a date: flows and credits effective on or before it."""
        principal = sum(amount for when, amount in self.flows if when <= day)
        return principal + sum(credit.amount_fen for credit in self.credits if credit.effective <= day)

    @property
    def credited_through(self) -> Month | None:
        if self._through_count != len(self.credits):
            self._through = max((credit.through for credit in self.credits), default=None)
            self._through_count = len(self.credits)
        return self._through


def _before(day: date, first: Month, first_day: date) -> bool:
    """`Month.of(day) < first`; for a plain date, `day < first.first_day()`, without building a Month."""
    return Month.of(day) < first if isinstance(day, datetime) else day < first_day


@dataclass(slots=True)
class Enrollment:
    effective: date
    unit: str
    kind_of_insured: str
    employer_uscc: str | None
    temporary: bool
    version: int


@dataclass(slots=True)
class Suspension:
    effective: date
    unit: str
    reason: str
    version: int


@dataclass(slots=True)
class Transfer:
    """养老保险关系转移接续 between two units, from request to receipt (§5.1)."""

    request_serial: str
    from_unit: str
    to_unit: str
    requested_on: date
    status: str = "requested"  # requested -> sent -> received
    account_fen: int = 0
    pooled_fen: int = 0
    sent_on: date | None = None
    sent_recorded_at: datetime | None = None
    received_on: date | None = None

    @property
    def open(self) -> bool:
        return self.status != "received"

    @property
    def in_transit(self) -> bool:
        return self.status == "sent"


@dataclass(slots=True)
class Benefit:
    """The benefit in force: determination components plus the adjustments since (§8, §9.2)."""

    retirement: Month
    unit: str
    basic_fen: int
    account_fen: int
    transitional_fen: int
    recorded_at: datetime
    version: int
    increments: dict[int, int] = field(default_factory=dict)

    def adjustment_fen(self, year: int) -> int:
        """Σ increments of the adjustments in force for a benefit month of `year`."""
        return sum(amount for adjusted_year, amount in self.increments.items() if adjusted_year <= year)

    def due_fen(self, month: Month) -> int:
        return self.basic_fen + self.account_fen + self.transitional_fen + self.adjustment_fen(month.year)

    @property
    def total_fen(self) -> int:
        return self.basic_fen + self.account_fen + self.transitional_fen + sum(self.increments.values())


@dataclass(slots=True)
class PaidMonth:
    """What has been paid for one benefit month, line by line."""

    basic_fen: int = 0
    account_fen: int = 0
    transitional_fen: int = 0
    adjustment_fen: int = 0
    exhausted_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.basic_fen + self.account_fen + self.transitional_fen + self.adjustment_fen + self.exhausted_fen
