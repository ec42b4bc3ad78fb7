"""The events of a person's stream (DOMAIN.md §2.1), one explicit class each.

Fields are JSON-native (str, int, bool, lists, dicts) so the stored form is compact and canonical: dates are
`YYYY-MM-DD`, months `YYYY-MM`, money integer fen, rates decimal strings. Every event carries the issuing
`unit`, the command's `serial`, its `effective` date and `hash`, chained over the stream (domain/hashing.py);
the library's `timestamp` is the recorded time. Events only change state; they never check rules, so a
replay cannot fail. Each event's `apply` hands it to the pure fold in domain/state.py."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from eventsourcing.domain import Aggregate


class PersonEvent(Aggregate.Event):
    """Fields every event of a person's stream carries."""

    unit: str
    serial: str
    effective: str
    hash: str

    @property
    def effective_date(self) -> date:
        return date.fromisoformat(self.effective)

    @property
    def recorded_at(self) -> datetime:
        """When the system learned the fact (the clock, or the message's `recorded_at` when simulated)."""
        return self.timestamp

    @property
    def kind(self) -> str:
        return type(self).__name__

    def apply(self, aggregate: Any) -> None:
        aggregate.state.apply(self)


class PersonRegistered(Aggregate.Created, PersonEvent):
    """Identity, written with the first enrollment; the stream's first event."""

    citizen_id: str
    name: str
    sex: str
    birth: str


class Enrolled(PersonEvent):
    """参保登记. `temporary` when it opened a temporary account (§5.4); `relation_unit` is R afterwards."""

    kind_of_insured: str
    employer_uscc: str | None
    name: str
    hukou_unit: str
    category: str
    deemed_months: int
    account_opened: str
    temporary: bool
    relation_unit: str
    migrated: bool


class EmployerChanged(PersonEvent):
    employer_uscc: str


class ContributionSuspended(PersonEvent):
    reason: str


class _Payment(PersonEvent):
    """A month paid: the declared base, the base used after clamping, and the two postings' amounts."""

    period: str
    kind_of_insured: str
    declared_base_fen: int
    base_fen: int
    clamped: str | None
    pooled_fen: int
    account_fen: int
    pooled_rate: str
    account_rate: str
    temporary: bool
    employer_uscc: str | None
    flags: list[str]
    migrated: bool


class ContributionPaid(_Payment):
    """缴费 for the current or previous month; effective on the payment date."""


class BackPaymentPaid(_Payment):
    """补缴 for a past month, at that period's bounds and rates; effective on the payment date."""

    reason: str


class TransferRequested(PersonEvent):
    """The receiving unit (`unit`) asks `from_unit` to send the relation and funds."""

    from_unit: str


class TransferSent(PersonEvent):
    """The sending unit pays out the account and 12 % of the bases (§5.2); money is in transit until received."""

    request_serial: str
    from_unit: str
    to_unit: str
    account_fen: int
    pooled_fen: int
    months: int
    bases_fen: int
    derived: bool


class TransferReceived(PersonEvent):
    request_serial: str
    from_unit: str
    to_unit: str
    account_fen: int
    pooled_fen: int
    derived: bool


class TempAccountConsolidated(PersonEvent):
    """A temporary account of `from_unit` moves whole (account + all pooled contributions) to `to_unit` (§5.4).

    At death only the account part moves; the pooled part is `released_fen` to the unit's own revenue (§15.7)."""

    from_unit: str
    to_unit: str
    account_fen: int
    pooled_fen: int
    released_fen: int


class InterestCredited(PersonEvent):
    """Interest of `first_month..last_month` of one year on one sub-ledger, rounded once (§4.3, §4.4)."""

    ledger: str
    year: int
    first_month: str
    last_month: str
    rate: str
    interest_fen: int
    fallback: bool


class BenefitDetermined(PersonEvent):
    """退休/待遇核定 with every intermediate value and the rule version (§8.4)."""

    retirement: str
    benefit_unit: str
    place_rule: int
    calc_base_fen: int
    average_index: str
    actual_months: int
    deemed_months: int
    indexed_wage_fen: int
    age_months: int
    divisor: str
    account_balance_fen: int
    transitional_coefficient: str
    basic_fen: int
    account_fen: int
    transitional_fen: int
    total_fen: int
    early_months: int
    late_months: int
    policy: str
    rule_version: str
    migrated: bool


class PensionPaid(PersonEvent):
    """养老金发放: the benefit months paid, each with its lines; the account part is drawn up to the balance."""

    month: str
    lines: list[dict[str, Any]]
    total_fen: int
    flags: list[str]


class BenefitAdjusted(PersonEvent):
    year: int
    rate: str
    increment_fen: int
    total_fen: int


class QualificationCertified(PersonEvent):
    pass


class DeathRecorded(PersonEvent):
    cause: str


class OverpaymentIdentified(PersonEvent):
    """A payout for months after the death month (R101): its lines become a receivable; the account part returns."""

    payout_version: int
    paying_unit: str
    months: list[str]
    basic_fen: int
    transitional_fen: int
    adjustment_fen: int
    account_fen: int
    exhausted_fen: int
    total_fen: int


class SurvivorBenefitPaid(PersonEvent):
    funeral_fen: int
    survivor_fen: int
    reference_wage_fen: int


class AccountInherited(PersonEvent):
    """The whole account after settlement, less the open overpayment it offsets (§9.5)."""

    ledgers: dict[str, int]
    inheritable_fen: int
    offset_fen: int
    net_fen: int


class OverpaymentRecovered(PersonEvent):
    amount_fen: int


class OpeningBalanceRecorded(PersonEvent):
    """A migrated legacy sub-ledger balance, interest included (INTERCHANGE.md `opening_balance`)."""

    account_fen: int


class Reversed(PersonEvent):
    """冲正: the event at `reversed_version` is treated as never having existed from now on (§2.3)."""

    reversed_version: int
    reversed_type: str
    reason: str


EVENT_CLASSES: dict[str, type[PersonEvent]] = {
    cls.__name__: cls
    for cls in (
        PersonRegistered,
        Enrolled,
        EmployerChanged,
        ContributionSuspended,
        ContributionPaid,
        BackPaymentPaid,
        TransferRequested,
        TransferSent,
        TransferReceived,
        TempAccountConsolidated,
        InterestCredited,
        BenefitDetermined,
        PensionPaid,
        BenefitAdjusted,
        QualificationCertified,
        DeathRecorded,
        OverpaymentIdentified,
        SurvivorBenefitPaid,
        AccountInherited,
        OverpaymentRecovered,
        OpeningBalanceRecorded,
        Reversed,
    )
}
