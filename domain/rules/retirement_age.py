"""Legal retirement age, minimum contribution months and the retirement window (DOMAIN.md §7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.rules import checks
from standards.calendar import Month

R008_MESSAGE = (
    "insufficient contribution years: {n} months, {min} required; "
    "continue contributing or transfer to the residents' scheme (out of scope)"
)


@dataclass(frozen=True, slots=True)
class RetirementGroupRule:
    """One group of §7.1 (men, women cadre, women worker), built by the caller from policy data."""

    original_age_months: int
    first_birth_month: Month
    step_birth_months: int
    max_delay_months: int

    def __post_init__(self) -> None:
        checks.count("original_age_months", self.original_age_months, positive=True)
        checks.count("step_birth_months", self.step_birth_months, positive=True)
        checks.count("max_delay_months", self.max_delay_months)
        if not isinstance(self.first_birth_month, Month):
            raise TypeError("first_birth_month must be a Month")


@dataclass(frozen=True, slots=True)
class LegalRetirement:
    """Delay in months, legal age L in months and legal retirement month LM (§7.1)."""

    delay_months: int
    age_months: int
    retirement_month: Month


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """A refused rule: its code (R007, R008, R015) and the message to show."""

    rule: str
    message: str


def age_in_months(birth_month: Month, month: Month) -> int:
    """age(X) = X − birth month in whole months; the day is ignored (§0)."""
    age = month - birth_month
    if age < 0:
        raise ValueError(f"month {month} precedes the birth month {birth_month}")
    return age


def legal_retirement(birth_month: Month, rule: RetirementGroupRule) -> LegalRetirement:
    """idx, delay = min(max, idx // step + 1) from the first birth month, L = A0 + delay, LM = birth + L (§7.1)."""
    if not isinstance(birth_month, Month):
        raise TypeError(f"birth_month must be a Month, got {type(birth_month).__name__}")
    idx = birth_month - rule.first_birth_month
    delay = 0 if idx < 0 else min(rule.max_delay_months, idx // rule.step_birth_months + 1)
    age = rule.original_age_months + delay
    return LegalRetirement(delay_months=delay, age_months=age, retirement_month=birth_month + age)


def minimum_contribution_months(
    year: int, base: int = 180, start_year: int = 2029, step: int = 6, maximum: int = 240
) -> int:
    """MinMonths(Y) = base for Y ≤ start_year, else min(maximum, base + step × (Y − start_year)) (§7.2)."""
    checks.count("year", year, positive=True)
    checks.count("start_year", start_year, positive=True)
    checks.count("base", base)
    checks.count("step", step)
    if checks.count("maximum", maximum) < base:
        raise ValueError(f"maximum {maximum} is below base {base}")
    return base if year <= start_year else min(maximum, base + step * (year - start_year))


def check_retirement_window(
    birth_month: Month,
    rule: RetirementGroupRule,
    retirement_month: Month,
    contribution_months: int,
    *,
    early_months: int = 0,
    late_months: int = 0,
    contribution_months_at_legal: int | None = None,
    min_months: Callable[[int], int] = minimum_contribution_months,
    max_early_months: int = 36,
    max_late_months: int = 36,
    recorded_month: Month | None = None,
) -> list[RuleViolation]:
    """The §7.3 checks of M in §15.1 order (R015, R007, R008), empty when allowed; months are actual + deemed
    up to M (`contribution_months`) and up to LM (`contribution_months_at_legal`, for late > 36)."""
    n = checks.count("contribution_months", contribution_months)
    e = checks.count("early_months", early_months)
    late = checks.count("late_months", late_months)
    checks.count("max_early_months", max_early_months)
    checks.count("max_late_months", max_late_months)
    if contribution_months_at_legal is not None:
        checks.count("contribution_months_at_legal", contribution_months_at_legal)
    legal = legal_retirement(birth_month, rule)
    lm = legal.retirement_month
    m = retirement_month
    violations: list[RuleViolation] = []
    if recorded_month is not None and m > recorded_month:
        violations.append(RuleViolation("R015", f"retirement month {m} is after the recorded month {recorded_month}"))
    expected = lm.shift(late - e)
    if e and late:
        violations.append(RuleViolation("R007", "at most one of early_months and late_months may be non-zero"))
    elif m != expected:
        violations.append(
            RuleViolation(
                "R007",
                f"retirement month {m} is not the legal retirement month {lm}"
                + (f" moved by {late - e:+d} months ({expected})" if e or late else ""),
            )
        )
    elif e > max_early_months:
        violations.append(RuleViolation("R007", f"early retirement of {e} months exceeds {max_early_months}"))
    elif legal.age_months - e < rule.original_age_months:
        violations.append(
            RuleViolation(
                "R007",
                f"early retirement at {legal.age_months - e} months of age is below the original legal age "
                f"of {rule.original_age_months} months",
            )
        )
    elif late > max_late_months:
        at_legal = contribution_months_at_legal
        if at_legal is None or at_legal >= min_months(lm.year):
            violations.append(
                RuleViolation(
                    "R007",
                    f"late retirement of {late} months exceeds {max_late_months}; "
                    "only a person lacking the minimum contribution months at the legal month may go beyond",
                )
            )
    required = min_months(m.year)
    if n < required:
        violations.append(RuleViolation("R008", R008_MESSAGE.format(n=n, min=required)))
    return violations
