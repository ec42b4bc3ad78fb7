"""`pooling rules`: the legal retirement age (DOMAIN.md §7) and a benefit checked like a determination sheet (§8).

Both commands only compute: they read no store and write nothing. `benefit` reports rule problems (R007, R008) as
warnings instead of refusing, because a case worker checking a sheet (养老金核定表) wants the figures either way."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import typer
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain.rules.benefit import average_contribution_index, determine_benefit, monthly_index
from domain.rules.divisor import divisor as table_divisor
from domain.rules.retirement_age import (
    LegalRetirement,
    RetirementGroupRule,
    age_in_months,
    check_retirement_window,
    legal_retirement,
)
from standards.calendar import Month
from standards.codes import POOLING_UNITS
from standards.policy import MissingPolicyData, Policy, RetirementGroup, load_policy
from standards.policy.policy import decimal_string
from standards.rounding import to_fen

app = typer.Typer(
    help="Compute the pure rules: legal retirement age (DOMAIN.md §7) and benefit determination (§8).",
    no_args_is_help=True,
)

# §15.6 gives every unit the same Illustrative transitional coefficient and deemed index, so Beijing's (the first
# unit code) stands for "the national default" when the input names no unit.
DEFAULT_UNIT = "11"
SEXES = ("male", "female")
CATEGORIES = ("worker", "cadre")
_DECIMAL = re.compile(r"\d+(\.\d+)?")


class InvalidInput(Exception):
    """Bad input, reported as one `invalid: FIELD: REASON` line (FIELD omitted when the whole input is at fault)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(field, reason)
        self.field, self.reason = field, reason

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


def _fail(error: InvalidInput, as_json: bool) -> NoReturn:
    if as_json:
        # The interchange error model (INTERCHANGE.md, Answers), so scripts parse one shape everywhere.
        answer = {"error": "invalid_field", "message": error.reason, "field": error.field, "rule": None}
        typer.echo(json.dumps(answer, ensure_ascii=False))
    typer.echo(f"invalid: {error}", err=True)
    raise typer.Exit(code=1)


def years_months(months: int) -> str:
    """An age in months as on a sheet: 721 -> '60y1m'."""
    return f"{months // 12}y{months % 12}m"


def _months(count: int) -> str:
    return f"{count} month" if count == 1 else f"{count} months"


def _parse_month(field: str, text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError as error:
        raise InvalidInput(field, str(error)) from None


def _group(policy: Policy, sex: str, category: str | None) -> RetirementGroup:
    if sex not in SEXES:
        raise InvalidInput("sex", f"expected male or female, got {sex!r}")
    if category is not None and category not in CATEGORIES:
        raise InvalidInput("category", f"expected worker or cadre, got {category!r}")
    return policy.retirement_group(sex, category or "worker")


def _rule(group: RetirementGroup) -> RetirementGroupRule:
    return RetirementGroupRule(
        group.original_age_months, group.first_birth_month, group.step_birth_months, group.max_delay_months
    )


def _print_table(title: str, rows: dict[str, Any]) -> None:
    table = Table(title=escape(title), show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for label, value in rows.items():
        shown = "\n".join(value) if isinstance(value, list) else str(value)
        table.add_row(escape(label), escape(shown or "-"))
    Console(highlight=False, soft_wrap=True).print(table)


# --- retirement-age --------------------------------------------------------------------------------------------


def retirement_summary(policy: Policy, birth: Month, sex: str, category: str | None) -> dict[str, Any]:
    """The §7.1 legal age and month of one person, MinMonths of that year (§7.2) and the §7.3 window."""
    group = _group(policy, sex, category)
    legal = legal_retirement(birth, _rule(group))
    early_max, late_max = policy.flexible_window_months
    # Early retirement may never go below the original age A0 (§7.3), so the reform's delay bounds it as well.
    early = min(early_max, legal.age_months - group.original_age_months)
    lm = legal.retirement_month
    return {
        "birth": str(birth),
        "sex": sex,
        "category": category if sex == "female" else None,  # men have one group whatever the category
        "group": group.name,
        "original_age_months": group.original_age_months,
        "delay_months": legal.delay_months,
        "age_months": legal.age_months,
        "age": years_months(legal.age_months),
        "retirement_month": str(lm),
        "minimum_contribution_months": policy.minimum_contribution_months(lm.year),
        "early_window": str(lm.shift(-early)),
        "early_max_months": early,
        "latest_late_month": str(lm.shift(late_max)),
    }


@app.command("retirement-age")
def retirement_age(
    birth: str = typer.Option(..., "--birth", metavar="YYYY-MM", help="Birth month; the day never matters (§0)."),
    sex: str = typer.Option(..., "--sex", metavar="male|female", help="Sex, as the citizen ID gives it."),
    category: str = typer.Option(
        "worker",
        "--category",
        metavar="worker|cadre",
        help="A woman's group: worker (original age 50) or cadre (55). Men: ignored.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object on stdout."),
) -> None:
    """The legal retirement age and month (DOMAIN.md §7.1, 2025 reform).

    The delay grows by 1 month per 4 birth months for men (from 1965-01, at
    most 36) and women cadres (from 1970-01, at most 36), and per 2 birth
    months for women workers (from 1975-01, at most 60).

    Also shown: MinMonths of the retirement year (§7.2); early_window, the
    earliest month of flexible early retirement (at most 36 months early,
    never below the original age, and only once MinMonths is reached); and
    latest_late_month, 36 months after the legal month (§7.3).

    JSON keys: birth, sex, category, group, original_age_months,
    delay_months, age_months, age, retirement_month,
    minimum_contribution_months, early_window, early_max_months,
    latest_late_month.
    """
    try:
        month = _parse_month("birth", birth)
        sex_name, category_name = sex.strip().lower(), category.strip().lower()
        summary = retirement_summary(load_policy(), month, sex_name, category_name)
    except InvalidInput as error:
        _fail(error, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    rows = {
        "group": summary["group"],
        "original age": f"{years_months(summary['original_age_months'])} ({summary['original_age_months']} months)",
        "delay": _months(summary["delay_months"]),
        "legal age": f"{summary['age']} ({summary['age_months']} months)",
        "retirement month": summary["retirement_month"],
        "minimum contribution": _months(summary["minimum_contribution_months"]),
        "earliest (flexible)": f"{summary['early_window']} ({_months(summary['early_max_months'])} early)",
        "latest (flexible)": summary["latest_late_month"],
    }
    _print_table(f"legal retirement, {summary['group']} born {summary['birth']}", rows)


# --- benefit: the input model ----------------------------------------------------------------------------------


def _decimal_text(value: object) -> Decimal:
    # Ratios come as decimal strings exactly as printed on a sheet; JSON numbers would already be binary floats.
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise ValueError(f'expected a non-negative decimal string such as "1.0424", got {value!r}')
    return Decimal(value)


def _four_places(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.0001")):
        raise ValueError(f"an index has at most 4 decimal places (§8.2), got {value}")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError(f"must be positive, got {value}")
    return value


def _month_text(value: str) -> str:
    Month.parse(value)  # raises ValueError with the reason
    return value


def _unit_code(value: str) -> str:
    if value not in POOLING_UNITS:
        raise ValueError(f"unknown pooling unit {value!r} (two digits of table §1.3, e.g. 32)")
    return value


DecimalText = Annotated[Decimal, BeforeValidator(_decimal_text)]
IndexText = Annotated[Decimal, BeforeValidator(_decimal_text), AfterValidator(_four_places)]
MonthText = Annotated[str, AfterValidator(_month_text)]
Count = Annotated[int, Field(ge=0)]


class _Strict(BaseModel):
    # strict: an int field refuses 12.0, "12" and true; extra="forbid" catches misspelt keys of a hand-typed sheet.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class TransitionalInput(_Strict):
    """The transitional pension as printed: ROUND(ROUND(W × index) × months / 12 × rate)."""

    index: IndexText
    months: Count
    rate: DecimalText


class HistoryYear(_Strict):
    """Months paid in one year on one base; `average_wage_fen` is AW of the place of benefit for that year."""

    year: Annotated[int, Field(ge=1, le=9999)]
    months: Annotated[int, Field(ge=1, le=12)]
    base_fen: Count
    average_wage_fen: Annotated[int, Field(gt=0)]


class BenefitInput(_Strict):
    """One benefit to determine: the person and M, W and the balance, and the history or the sheet's summary."""

    birth: MonthText
    sex: Literal["male", "female"]
    category: Literal["worker", "cadre"] | None = None
    retirement: MonthText
    base_wage_fen: Annotated[int, Field(gt=0)]
    account_balance_fen: Count
    unit: Annotated[str, AfterValidator(_unit_code)] | None = None
    deemed_months: Count = 0
    history: list[HistoryYear] | None = None
    average_index: IndexText | None = None
    contribution_months: Count | None = None
    contribution_years: DecimalText | None = None
    divisor: Annotated[Decimal, BeforeValidator(_decimal_text), AfterValidator(_positive)] | None = None
    divisor_method: Literal["linear_1dp", "whole_years"] | None = None
    transitional: TransitionalInput | None = None

    @model_validator(mode="after")
    def _one_form(self) -> BenefitInput:
        # Messages start with the field at fault: a model-level error has no location of its own.
        if self.sex == "female" and self.category is None:
            raise ValueError("category: required for a woman (worker or cadre), it decides her retirement group")
        summary = [
            name
            for name in ("average_index", "contribution_months", "contribution_years")
            if getattr(self, name) is not None
        ]
        if self.history is not None:
            if summary:
                raise ValueError(f"history: give either history or the sheet's summary, not both (found {summary[0]})")
            if not self.history:
                raise ValueError("history: at least one year is required")
            per_year: dict[int, int] = {}
            for entry in self.history:
                per_year[entry.year] = per_year.get(entry.year, 0) + entry.months
                if per_year[entry.year] > 12:
                    raise ValueError(f"history: year {entry.year} has {per_year[entry.year]} months, at most 12")
            return self
        if self.average_index is None:
            raise ValueError("average_index: required without a history (or give history)")
        if (self.contribution_months is None) == (self.contribution_years is None):
            raise ValueError("contribution_months: give exactly one of contribution_months and contribution_years")
        if self.total_months() == 0:
            raise ValueError("contribution_months: no contribution months, no benefit")
        if self.deemed_months > self.total_months():
            raise ValueError("deemed_months: more than the contribution months, which include them")
        return self

    def total_months(self) -> int:
        """N in months of the summary form: as given, or ROUND(years × 12) from a sheet's "41.08"."""
        if self.contribution_months is not None:
            return self.contribution_months
        return to_fen((self.contribution_years or Decimal(0)) * 12)


def _find_float(value: object, path: str = "") -> str | None:
    """The path of the first float in parsed JSON: money and ratios must never pass through binary floats."""
    if isinstance(value, float):
        return path or "input"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _find_float(item, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key)
        if found:
            return found
    return None


def parse_benefit_input(text: str) -> BenefitInput:
    """Validate the JSON text of one benefit; raise InvalidInput naming the first field at fault."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput("input", f"malformed JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidInput("input", f"expected a JSON object, got {type(data).__name__}")
    found = _find_float(data)
    if found:
        raise InvalidInput(found, "floats are not accepted: money is integer fen, ratios are decimal strings")
    try:
        return BenefitInput.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "missing":
            message = "required field is missing"
        elif first["type"] == "extra_forbidden":
            message = "unknown field"
        if not loc:  # a model-level check: its message begins with the field
            field, _, reason = message.partition(": ")
            raise InvalidInput(field, reason) from None
        raise InvalidInput(loc, message[:1].lower() + message[1:]) from None


# --- benefit: the determination --------------------------------------------------------------------------------


def _window_warnings(
    policy: Policy, birth: Month, group: RetirementGroup, legal: LegalRetirement, month: Month, months: int
) -> list[str]:
    """R007 / R008 of §7.3 for M, with e or l read off M − LM since a sheet records only M."""
    shift = month - legal.retirement_month
    early, late = max(0, -shift), max(0, shift)
    early_max, late_max = policy.flexible_window_months
    violations = check_retirement_window(
        birth,
        _rule(group),
        month,
        months,
        early_months=early,
        late_months=late,
        # The fewest months the person can have had at LM when every month after it was paid (延长缴费): going
        # beyond 36 months late is allowed only if even that was short of MinMonths(year(LM)).
        contribution_months_at_legal=max(0, months - late),
        min_months=policy.minimum_contribution_months,
        max_early_months=early_max,
        max_late_months=late_max,
    )
    warnings = [f"{violation.rule}: {violation.message}" for violation in violations]
    if early and not any(violation.rule == "R007" for violation in violations):
        # Inside the window yet below the legal age: allowed only on the person's application (弹性提前退休).
        warnings.insert(
            0,
            f"early: age {years_months(legal.age_months - early)} is below the legal age {years_months(legal.age_months)} "
            f"({legal.retirement_month}); valid only as flexible early retirement of {_months(early)} (§7.3)",
        )
    return warnings


def determine_sheet(data: BenefitInput, policy: Policy) -> dict[str, Any]:
    """Recompute a determination sheet (§8.1-§8.4) and collect its rule warnings (§7.2, §7.3)."""
    birth, month = Month.parse(data.birth), Month.parse(data.retirement)
    if month <= birth:
        raise InvalidInput("retirement", f"{month} is not after the birth month {birth}")
    unit = data.unit or DEFAULT_UNIT
    warnings: list[str] = []
    if data.history is not None:
        # i_m = base / RW with RW = ROUND(AW / 12), the stored reference monthly wage (§8.2, §13).
        indices = [
            monthly_index(entry.base_fen, to_fen(Fraction(entry.average_wage_fen, 12)))
            for entry in data.history
            for _ in range(entry.months)
        ]
        average_index = average_contribution_index(indices, data.deemed_months, policy.deemed_index(unit))
        actual = len(indices)
        warnings += [
            f"history: year {entry.year} is after the retirement month {month}; its months were counted"
            for entry in data.history
            if entry.year > month.year
        ]
    else:
        average_index = data.average_index or Decimal(0)
        actual = data.total_months() - data.deemed_months
    age = age_in_months(birth, month)
    if data.divisor is not None:
        method, divisor = "given", data.divisor
        table = {table_divisor(age, policy.divisor_table, name) for name in ("linear_1dp", "whole_years")}
        if divisor not in table:
            shown = " or ".join(str(value) for value in sorted(table))
            warnings.append(f"divisor: {divisor} is not the table's {shown} for age {years_months(age)} (§8.3)")
    else:
        method = data.divisor_method or (policy.divisor_method(data.unit) if data.unit else "linear_1dp")
        divisor = table_divisor(age, policy.divisor_table, method)  # type: ignore[arg-type]
    given = data.transitional
    rate = Fraction(given.rate) if given else policy.transitional_coefficient(unit)
    result = determine_benefit(
        data.base_wage_fen,
        average_index,
        actual,
        data.deemed_months,
        data.account_balance_fen,
        divisor,
        rate,
        transitional_months=given.months if given else None,
        transitional_index=given.index if given else None,
    )
    group = _group(policy, data.sex, data.category)
    legal = legal_retirement(birth, _rule(group))
    warnings = _window_warnings(policy, birth, group, legal, month, result.total_months) + warnings
    return {
        "basic_fen": result.basic_fen,
        "account_fen": result.account_fen,
        "transitional_fen": result.transitional_fen,
        "total_fen": result.total_fen,
        "divisor": str(result.divisor),
        "divisor_method": method,
        "average_index": str(result.average_index.quantize(Decimal("0.0001"))),
        "contribution_months": result.total_months,
        "actual_months": result.actual_months,
        "deemed_months": result.deemed_months,
        "base_wage_fen": result.calc_base_fen,
        "indexed_wage_fen": result.indexed_wage_fen,
        "account_balance_fen": result.account_balance_fen,
        "transitional_months": result.transitional_months,
        "transitional_index": str(result.transitional_index.quantize(Decimal("0.0001"))),
        "transitional_rate": decimal_string(result.transitional_coefficient),
        "age_at_retirement_months": age,
        "age_at_retirement": years_months(age),
        "retirement_month": str(month),
        "legal_retirement_month": str(legal.retirement_month),
        "legal_age_months": legal.age_months,
        "minimum_contribution_months": policy.minimum_contribution_months(month.year),
        "warnings": warnings,
    }


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


@app.command("benefit")
def benefit(
    input_file: str = typer.Option(
        ..., "--input", metavar="FILE.json", help="The benefit to determine, one JSON object ('-' reads stdin)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object on stdout."),
) -> None:
    r"""Determine a pension as a case worker checks a sheet (DOMAIN.md §8).

    The sheet is the determination sheet (养老金核定表) of one retiree.

    The input is one JSON object. Money is integer fen (floats are refused);
    indices, years and rates are decimal strings ("1.0424"). Fields:

      birth, retirement   "YYYY-MM"; retirement is M, the first pension month
      sex                 "male" or "female"
      category            "worker" or "cadre": required for women only
      base_wage_fen       W, the monthly calculation base (计发基数)
      account_balance_fen the individual account balance at retirement
      unit                optional pooling unit, e.g. "32": its policy gives
                          the transitional coefficient, deemed index and
                          divisor method; without it unit 11's values are
                          used, which are the national defaults (0.012, 1.0)

    EITHER the contribution history (Z is computed, §8.2):

      history        \[{"year": 2010, "months": 12, "base_fen": 500000,
                       "average_wage_fen": 4000000}, ...]
                     average_wage_fen: that year's ANNUAL average wage of
                     the place of benefit; i_m = base / ROUND(AW / 12)
      deemed_months  optional deemed months (视同缴费) at the deemed index;
                     without "transitional" they give the transitional
                     pension ROUND(IW × deemed / 12 × coefficient) (§8.1)

    OR the summary printed on a sheet:

      average_index        Z, e.g. "1.0424" (at most 4 places)
      contribution_months  actual + deemed months, or instead
      contribution_years   e.g. "41.08" (months = ROUND(years × 12))
      deemed_months        optional, part of the contribution months

    Optional in both forms:

      divisor         e.g. "138.4": overrides the 计发月数 table (with a
                      warning when it is not the table's value)
      divisor_method  "linear_1dp" (default, interpolated by month, §8.3)
                      or "whole_years"
      transitional    {"index": "1.0424", "months": 60, "rate": "0.012"}
                      = ROUND(ROUND(W × index) × months / 12 × rate)

    Result (JSON keys): basic_fen, account_fen, transitional_fen, total_fen,
    divisor, divisor_method, average_index, contribution_months,
    actual_months, deemed_months, base_wage_fen, indexed_wage_fen,
    account_balance_fen, transitional_months, transitional_index,
    transitional_rate, age_at_retirement_months, age_at_retirement,
    retirement_month, legal_retirement_month, legal_age_months,
    minimum_contribution_months, warnings.

    Nothing is refused for the rules: an age below the legal one, a month
    outside the flexible window (R007) or fewer months than MinMonths of
    year(M) (R008) come back in "warnings". Bad input prints one line
    `invalid: FIELD: REASON` on stderr and exits 1.
    """
    try:
        try:
            text = (
                Path(input_file).read_text(encoding="utf-8")
                if input_file != "-"
                else typer.get_text_stream("stdin").read()
            )
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput("input", f"cannot read {input_file}: {error}") from None
        sheet = determine_sheet(parse_benefit_input(text), load_policy())
    except InvalidInput as error:
        _fail(error, as_json)
    except (MissingPolicyData, ValueError) as error:  # a value the rule functions refuse, e.g. AW below 6 fen
        _fail(InvalidInput(None, str(error)), as_json)
    if as_json:
        typer.echo(json.dumps(sheet, ensure_ascii=False))
        return
    rows: dict[str, Any] = {
        "age at retirement": f"{sheet['age_at_retirement']} ({sheet['age_at_retirement_months']} months), "
        f"legal {years_months(sheet['legal_age_months'])} in {sheet['legal_retirement_month']}",
        "contribution": f"{sheet['contribution_months']} months ({sheet['deemed_months']} deemed), "
        f"minimum {sheet['minimum_contribution_months']}",
        "W (计发基数)": _yuan(sheet["base_wage_fen"]),
        "Z (平均缴费指数)": sheet["average_index"],
        "IW (指数化月平均缴费工资)": _yuan(sheet["indexed_wage_fen"]),
        "basic (基础养老金)": _yuan(sheet["basic_fen"]),
        "divisor (计发月数)": f"{sheet['divisor']} ({sheet['divisor_method']})",
        "account (个人账户养老金)": _yuan(sheet["account_fen"]),
        "transitional (过渡性养老金)": _yuan(sheet["transitional_fen"]),
        "total (yuan per month)": _yuan(sheet["total_fen"]),
        "warnings": sheet["warnings"],
    }
    _print_table(f"benefit from {sheet['retirement_month']}", rows)
