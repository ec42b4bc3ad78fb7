"""Account interest by the monthly-accumulation method, settlements and balances (DOMAIN.md §4.3-§4.4).

One call works on one sub-ledger. Its history is given as two lists:

- principal flows `(when, amount_fen)`: credits positive, debits negative, `when` a `date` (or a `Month`, taken as
  its first day); a flow counts in the month-end balances E(j) from its own month;
- interest already credited, as `InterestCredit(effective, through, amount_fen)`: `through` is the last month the
  credit covers. A credit counts in E(j) from the month after `through` (§4.3: year-end and late interest count from
  the next January as if credited on Y-12-31; a settlement covering months up to s − 1 counts from s, §9.6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TypeAlias

from domain.rules import checks
from standards.calendar import Month, months_between
from standards.rounding import to_fen

Flow: TypeAlias = tuple[date | Month, int]


@dataclass(frozen=True, slots=True)
class InterestCredit:
    """An `InterestCredited` of the history: its effective date, the last month it covers, the amount in fen."""

    effective: date
    through: Month
    amount_fen: int

    def __post_init__(self) -> None:
        if not isinstance(self.effective, date) or not isinstance(self.through, Month):
            raise TypeError("an interest credit needs an effective date and a Month `through`")
        if isinstance(self.amount_fen, bool) or not isinstance(self.amount_fen, int):
            raise TypeError(f"interest amount must be an int in fen, got {type(self.amount_fen).__name__}")
        if self.amount_fen < 0:
            raise ValueError(f"interest is never negative, got {self.amount_fen} fen")


@dataclass(frozen=True, slots=True)
class YearInterest:
    """The interest of one year's not-yet-credited months `first_month..last_month`, rounded once (§4.4)."""

    year: int
    first_month: Month
    last_month: Month
    interest_fen: int
    rate: Fraction
    fallback: bool = False  # True when the §4.2 fallback rate was used: final, never restated (§2.2)

    @property
    def months(self) -> int:
        """Number of months covered."""
        return self.last_month - self.first_month + 1

    def credited_on(self, effective: date) -> InterestCredit:
        """This interest as the `InterestCredit` it becomes once recorded on `effective`."""
        return InterestCredit(effective=effective, through=self.last_month, amount_fen=self.interest_fen)


def _flow_month(when: date | Month) -> Month:
    if isinstance(when, Month):
        return when
    if isinstance(when, date):
        return Month.of(when)
    raise TypeError(f"a flow is dated by a date or a Month, got {type(when).__name__}")


def _flow_date(when: date | Month) -> date:
    return when.first_day() if isinstance(when, Month) else when


def _amount(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"a flow amount must be an int in fen, got {type(amount).__name__}")
    return amount


def _changes(flows: Sequence[Flow], credits: Sequence[InterestCredit]) -> dict[int, int]:
    """Month index -> net amount that starts counting in E(j) in that month."""
    changes: dict[int, int] = {}
    for when, amount in flows:
        index = _flow_month(when).index
        changes[index] = changes.get(index, 0) + _amount(amount)
    for credit in credits:
        index = credit.through.index + 1
        changes[index] = changes.get(index, 0) + credit.amount_fen
    return changes


def year_interest(month_end_balances: Sequence[int], rate: Fraction) -> int:
    """Interest of one year's months: ROUND(r/12 × Σ E(j)), the second form of §4.3."""
    if len(month_end_balances) > 12:
        raise ValueError(f"a year has at most 12 month-end balances, got {len(month_end_balances)}")
    for balance in month_end_balances:
        if _amount(balance) < 0:
            raise ValueError(f"a month-end balance is never negative, got {balance} fen")
    return to_fen(checks.rate("rate", rate) * sum(month_end_balances) / 12)


def month_end_balance(flows: Sequence[Flow], credits: Sequence[InterestCredit], month: Month) -> int:
    """E(j): principal flows up to the end of `month` plus interest credits counting by then (§4.3)."""
    return sum(amount for index, amount in _changes(flows, credits).items() if index <= month.index)


def settlement_interest(
    flows: Sequence[Flow],
    credits: Sequence[InterestCredit],
    through: Month,
    rates: Mapping[int, Fraction],
    fallback_rate: Fraction | None = None,
) -> list[YearInterest]:
    """Interest of every not-yet-credited month up to `through` (s − 1, or Y-12 for the run), year by year,
    compounding (§4.4); a year missing from `rates` uses `fallback_rate` (§4.2)."""
    if not isinstance(through, Month):
        raise TypeError(f"through must be a Month, got {type(through).__name__}")
    changes = _changes(flows, credits)
    if credits:
        start = max(credit.through for credit in credits) + 1
    elif flows:
        start = min(_flow_month(when) for when, _ in flows)
    else:
        return []
    balance = sum(amount for index, amount in changes.items() if index < start.index)
    results: list[YearInterest] = []
    month = start
    while month <= through:
        last = min(through, Month(month.year, 12))
        total = 0
        for current in months_between(month, last):
            balance += changes.get(current.index, 0)
            if balance < 0:
                raise ValueError(f"month-end balance of {current} is negative ({balance} fen)")
            total += balance
        rate, fallback = _rate_of(month.year, rates, fallback_rate)
        interest = to_fen(rate * total / 12)
        results.append(YearInterest(month.year, month, last, interest, rate, fallback))
        # The year's interest counts from the month after its last month (next January if the year is complete).
        changes[last.index + 1] = changes.get(last.index + 1, 0) + interest
        month = last + 1
    return results


def _rate_of(year: int, rates: Mapping[int, Fraction], fallback_rate: Fraction | None) -> tuple[Fraction, bool]:
    if year in rates:
        return checks.rate(f"rate of {year}", rates[year]), False
    if fallback_rate is None:
        raise ValueError(f"no interest rate for {year} and no fallback rate given")
    return checks.rate("fallback_rate", fallback_rate), True


def credited_balance(flows: Sequence[Flow], credits: Sequence[InterestCredit], as_of: date) -> int:
    """Principal flows and interest credits effective on or before `as_of` (§4.4)."""
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, got {type(as_of).__name__}")
    principal = sum(_amount(amount) for when, amount in flows if _flow_date(when) <= as_of)
    interest = sum(credit.amount_fen for credit in credits if credit.effective <= as_of)
    if principal + interest < 0:
        raise ValueError(f"the credited balance as of {as_of} is negative ({principal + interest} fen)")
    return principal + interest


def accrued_interest(flows: Sequence[Flow], credits: Sequence[InterestCredit], as_of: date, rate: Fraction) -> int:
    """Provisional interest at `rate` of the not-yet-credited complete months ending by `as_of` (§4.4)."""
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date, got {type(as_of).__name__}")
    current = Month.of(as_of)
    through = current if as_of == current.last_day() else current.shift(-1)
    known = [credit for credit in credits if credit.effective <= as_of]
    years = settlement_interest(flows, known, through, rates={}, fallback_rate=checks.rate("rate", rate))
    return sum(year.interest_fen for year in years)
