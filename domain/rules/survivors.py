"""Death: survivor benefits, inheritance of the account and overpaid payouts (DOMAIN.md §9.3-§9.5)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from domain.rules import checks
from standards.rounding import to_fen

DeathCause = Literal["illness", "accident", "work_injury"]
DEATH_CAUSES: tuple[DeathCause, ...] = ("illness", "accident", "work_injury")


@dataclass(frozen=True, slots=True)
class SurvivorBenefits:
    """Funeral grant (丧葬补助金) and survivor lump sum (抚恤金), in fen."""

    funeral_fen: int
    survivor_fen: int

    @property
    def total_fen(self) -> int:
        """Both benefits together (§9.4)."""
        return self.funeral_fen + self.survivor_fen


@dataclass(frozen=True, slots=True)
class Inheritance:
    """The inheritable balance, the overpayment offset against it, the net to the heirs, what stays receivable."""

    inheritable_fen: int
    offset_fen: int
    net_fen: int
    remaining_receivable_fen: int


@dataclass(frozen=True, slots=True)
class Overpayment:
    """An overpaid payout by component; `account_fen` returns to the account, the rest to the pooled lines."""

    basic_fen: int
    transitional_fen: int
    adjustment_fen: int
    account_fen: int  # drawn from the sub-ledger: Cr ia_liability
    account_exhausted_fen: int  # account part the pooled fund paid (exp_account_exhausted)
    total_fen: int

    @property
    def pooled_fen(self) -> int:
        """The part returned to the pooled expense lines."""
        return self.total_fen - self.account_fen


def _months(name: str, value: int | Fraction) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise TypeError(f"{name} must be an int or a Fraction of months, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return Fraction(value)


def survivor_benefits(
    reference_wage_fen: int,
    funeral_months: int | Fraction,
    survivor_months: int | Fraction,
    cause: DeathCause = "illness",
) -> SurvivorBenefits:
    """Funeral = ROUND(funeral_months × RW), lump sum = ROUND(survivor_months × RW); none for work injury
    (§9.4, §15.7)."""
    wage = checks.fen("reference_wage_fen", reference_wage_fen)
    funeral = _months("funeral_months", funeral_months)
    survivor = _months("survivor_months", survivor_months)
    if cause not in DEATH_CAUSES:
        raise ValueError(f"unknown cause of death {cause!r}; expected one of {', '.join(DEATH_CAUSES)}")
    if cause == "work_injury":
        return SurvivorBenefits(funeral_fen=0, survivor_fen=0)
    return SurvivorBenefits(funeral_fen=to_fen(funeral * wage), survivor_fen=to_fen(survivor * wage))


def inheritance(balance_fen: int, overpayment_receivable_fen: int) -> Inheritance:
    """The whole balance is inheritable; the open overpayment receivable is offset against it first (§9.3, §9.5)."""
    balance = checks.fen("balance_fen", balance_fen)
    receivable = checks.fen("overpayment_receivable_fen", overpayment_receivable_fen)
    offset = min(balance, receivable)
    return Inheritance(
        inheritable_fen=balance,
        offset_fen=offset,
        net_fen=balance - offset,
        remaining_receivable_fen=receivable - offset,
    )


def overpayment_split(
    overpaid_months: int,
    basic_fen: int,
    account_fen: int,
    transitional_fen: int,
    adjustment_fen: int = 0,
    account_drawn_fen: int | None = None,
) -> Overpayment:
    """The overpaid months of one payout by component, monthly amounts × months (§9.3); `account_drawn_fen` is
    the part of their account parts actually drawn from the sub-ledger (default all)."""
    if isinstance(overpaid_months, bool) or not isinstance(overpaid_months, int) or overpaid_months <= 0:
        raise ValueError(f"overpaid_months must be a positive int, got {overpaid_months!r}")
    basic = overpaid_months * checks.fen("basic_fen", basic_fen)
    account = overpaid_months * checks.fen("account_fen", account_fen)
    transitional = overpaid_months * checks.fen("transitional_fen", transitional_fen)
    adjustment = overpaid_months * checks.fen("adjustment_fen", adjustment_fen)
    drawn = account if account_drawn_fen is None else checks.fen("account_drawn_fen", account_drawn_fen)
    if drawn > account:
        raise ValueError(f"account_drawn_fen {drawn} exceeds the account part paid, {account} fen")
    return Overpayment(
        basic_fen=basic,
        transitional_fen=transitional,
        adjustment_fen=adjustment,
        account_fen=drawn,
        account_exhausted_fen=account - drawn,
        total_fen=basic + account + transitional + adjustment,
    )
