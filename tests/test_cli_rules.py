"""`pooling rules`: the legal retirement age (DOMAIN.md §7) and a benefit checked like a determination sheet (§8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()

# The §8.5 determination sheet, as a case worker types it from the summary lines.
SHEET_85: dict[str, Any] = {
    "birth": "1965-03",
    "sex": "male",
    "category": "worker",
    "retirement": "2025-04",
    "base_wage_fen": 987600,
    "average_index": "1.0424",
    "contribution_months": 420,
    "account_balance_fen": 18765432,
    "transitional": {"index": "1.0424", "months": 60, "rate": "0.012"},
}

# A man of the §8.5 birth month retiring at his legal month with a two-year history and 156 deemed months.
HISTORY: dict[str, Any] = {
    "birth": "1965-03",
    "sex": "male",
    "category": "worker",
    "retirement": "2025-04",
    "base_wage_fen": 1000000,
    "account_balance_fen": 1384000,
    "deemed_months": 156,
    "history": [
        # RW = ROUND(7,199,994 / 12) = ROUND(599,999.5) = 600,000 (half up) -> i = 600,000 / 600,000 = 1
        {"year": 2023, "months": 12, "base_fen": 600000, "average_wage_fen": 7199994},
        # RW = 7,200,000 / 12 = 600,000 -> i = 900,000 / 600,000 = 1.5
        {"year": 2024, "months": 12, "base_fen": 900000, "average_wage_fen": 7200000},
    ],
}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["rules", *args])
    return result.exit_code, result.stdout, result.stderr


def retirement(birth: str, sex: str, category: str = "worker") -> dict[str, Any]:
    code, out, err = run("retirement-age", "--birth", birth, "--sex", sex, "--category", category, "--json")
    assert (code, err) == (0, "")
    answer: dict[str, Any] = json.loads(out)
    return answer


def benefit(tmp_path: Path, body: dict[str, Any] | str) -> tuple[int, str, str]:
    path = tmp_path / "benefit.json"
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return run("benefit", "--input", str(path), "--json")


def determined(tmp_path: Path, body: dict[str, Any]) -> dict[str, Any]:
    code, out, err = benefit(tmp_path, body)
    assert (code, err) == (0, ""), err
    answer: dict[str, Any] = json.loads(out)
    return answer


# --- retirement-age (§7.1, §7.2, §7.3) -------------------------------------------------------------------------


def test_the_checkers_example_a_man_born_1965_03() -> None:
    answer = retirement("1965-03", "male")
    assert answer == {
        "birth": "1965-03",
        "sex": "male",
        "category": None,
        "group": "male",
        "original_age_months": 720,
        "delay_months": 1,
        "age_months": 721,
        "age": "60y1m",
        "retirement_month": "2025-04",
        "minimum_contribution_months": 180,
        # A delay of 1 month leaves only 1 month of early retirement above the original 60 (L − e ≥ A0).
        "early_window": "2025-03",
        "early_max_months": 1,
        "latest_late_month": "2028-04",
    }


@pytest.mark.parametrize(
    ("birth", "sex", "category", "delay", "age_months", "age", "month"),
    [
        ("1964-12", "male", "worker", 0, 720, "60y0m", "2024-12"),
        ("1965-03", "male", "worker", 1, 721, "60y1m", "2025-04"),
        ("1965-05", "male", "cadre", 2, 722, "60y2m", "2025-07"),  # the category is ignored for men
        ("1970-06", "male", "worker", 17, 737, "61y5m", "2031-11"),
        ("1976-09", "male", "worker", 36, 756, "63y0m", "2039-09"),
        ("1970-01", "female", "cadre", 1, 661, "55y1m", "2025-02"),
        ("1981-09", "female", "cadre", 36, 696, "58y0m", "2039-09"),
        ("1975-03", "female", "worker", 2, 602, "50y2m", "2025-05"),
        ("1980-01", "female", "worker", 31, 631, "52y7m", "2032-08"),
        ("1984-11", "female", "worker", 60, 660, "55y0m", "2039-11"),
    ],
)
def test_rows_of_the_legal_age_table(
    birth: str, sex: str, category: str, delay: int, age_months: int, age: str, month: str
) -> None:
    answer = retirement(birth, sex, category)
    assert (answer["delay_months"], answer["age_months"], answer["age"]) == (delay, age_months, age)
    assert answer["retirement_month"] == month


def test_minimum_months_follow_the_year_of_the_retirement_month() -> None:
    # 1970-06 retires in 2031-11: MinMonths(2031) = 180 + 6 × (2031 − 2029) = 192.
    assert retirement("1970-06", "male")["minimum_contribution_months"] == 192
    # 1976-09 retires in 2039-09: 180 + 6 × 10 = 240, the maximum.
    assert retirement("1976-09", "male")["minimum_contribution_months"] == 240


def test_the_window_is_capped_at_36_months_each_way() -> None:
    answer = retirement("1984-11", "female", "worker")  # delay 60 > 36: the window cap binds, not A0
    assert (answer["early_window"], answer["early_max_months"]) == ("2036-11", 36)
    assert answer["latest_late_month"] == "2042-11"
    assert retirement("1964-12", "male")["early_window"] == "2024-12"  # no delay: no early retirement


def test_a_table_without_json() -> None:
    code, out, err = run("retirement-age", "--birth", "1970-01", "--sex", "female", "--category", "cadre")
    assert (code, err) == (0, "")
    assert "female_cadre" in out and "55y1m (661 months)" in out and "2025-02" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--birth", "1965-3", "--sex", "male"], "birth"),
        (["--birth", "1965-13", "--sex", "male"], "birth"),
        (["--birth", "1965-03", "--sex", "man"], "sex"),
        (["--birth", "1965-03", "--sex", "female", "--category", "boss"], "category"),
    ],
)
def test_bad_retirement_age_input_is_one_line_and_exit_1(args: list[str], field: str) -> None:
    code, out, err = run("retirement-age", *args)
    assert (code, out) == (1, "")
    assert err.startswith(f"invalid: {field}: ") and err.count("\n") == 1


# --- benefit: the §8.5 sheet -----------------------------------------------------------------------------------


def test_the_worked_example_sheet(tmp_path: Path) -> None:
    answer = determined(tmp_path, SHEET_85)
    assert {key: answer[key] for key in ("basic_fen", "account_fen", "transitional_fen", "total_fen")} == {
        "basic_fen": 352988,
        "account_fen": 135588,
        "transitional_fen": 61768,
        "total_fen": 550344,
    }
    assert (answer["divisor"], answer["divisor_method"], answer["average_index"]) == ("138.4", "linear_1dp", "1.0424")
    assert (answer["contribution_months"], answer["indexed_wage_fen"]) == (420, 1029474)
    assert (answer["age_at_retirement_months"], answer["age_at_retirement"]) == (721, "60y1m")
    assert answer["warnings"] == []


def test_the_worked_example_with_whole_years(tmp_path: Path) -> None:
    answer = determined(tmp_path, {**SHEET_85, "divisor_method": "whole_years"})
    assert (answer["divisor"], answer["account_fen"], answer["total_fen"]) == ("139", 135003, 549759)


def test_contribution_years_as_printed_and_a_given_divisor(tmp_path: Path) -> None:
    # "35.00" years -> ROUND(35.00 × 12) = 420 months: the same sheet.
    body = {key: value for key, value in SHEET_85.items() if key != "contribution_months"}
    answer = determined(tmp_path, {**body, "contribution_years": "35.00", "divisor": "138.4"})
    assert (answer["contribution_months"], answer["total_fen"], answer["divisor_method"]) == (420, 550344, "given")
    assert answer["warnings"] == []
    # "41.08" years -> ROUND(492.96) = 493 months.
    assert determined(tmp_path, {**body, "contribution_years": "41.08"})["contribution_months"] == 493


def test_a_divisor_off_the_table_is_computed_with_a_warning(tmp_path: Path) -> None:
    answer = determined(tmp_path, {**SHEET_85, "divisor": "140"})
    assert answer["account_fen"] == 134039  # 18,765,432 / 140 = 134,038.8 -> 134,039
    assert answer["warnings"] == ["divisor: 140 is not the table's 138.4 or 139 for age 60y1m (§8.3)"]


def test_a_human_table_in_yuan(tmp_path: Path) -> None:
    path = tmp_path / "sheet.json"
    path.write_text(json.dumps(SHEET_85), encoding="utf-8")
    code, out, _ = run("benefit", "--input", str(path))
    assert code == 0
    assert "5,503.44" in out and "3,529.88" in out and "138.4 (linear_1dp)" in out


# --- benefit: the history form ---------------------------------------------------------------------------------


def test_a_history_computed_by_hand(tmp_path: Path) -> None:
    # Z = (12 × 1 + 12 × 1.5 + 156 deemed × 1.0) / 180 = 186 / 180 = 1.03333… -> 1.0333
    # IW = ROUND(1,000,000 × 1.0333) = 1,033,300
    # basic = (1,000,000 + 1,033,300) / 2 × 15 years × 1% = 1,016,650 × 0.15 = 152,497.5 -> 152,498 (half up)
    # account = 1,384,000 / 138.4 = 10,000
    # transitional (no "transitional": deemed months, unit 11's c_P 0.012) = 1,033,300 × 156/12 × 0.012
    #   = 161,194.8 -> 161,195;  total = 152,498 + 10,000 + 161,195 = 323,693
    answer = determined(tmp_path, HISTORY)
    assert answer["average_index"] == "1.0333"
    assert (answer["contribution_months"], answer["actual_months"], answer["deemed_months"]) == (180, 24, 156)
    assert answer["indexed_wage_fen"] == 1033300
    assert (answer["basic_fen"], answer["account_fen"], answer["transitional_fen"]) == (152498, 10000, 161195)
    assert answer["total_fen"] == 323693
    assert (answer["transitional_months"], answer["transitional_rate"]) == (156, "0.012")
    assert answer["warnings"] == []


def test_a_given_transitional_overrides_the_deemed_months(tmp_path: Path) -> None:
    # ROUND(ROUND(1,000,000 × 1.2) × 60/12 × 0.01) = 1,200,000 × 0.05 = 60,000
    answer = determined(tmp_path, {**HISTORY, "transitional": {"index": "1.2", "months": 60, "rate": "0.01"}})
    assert answer["transitional_fen"] == 60000
    assert answer["total_fen"] == 152498 + 10000 + 60000


# --- benefit: warnings instead of refusals ---------------------------------------------------------------------


def test_retiring_below_the_original_age_is_a_warning(tmp_path: Path) -> None:
    # 2024-04 is 12 months before LM 2025-04: 721 − 12 = 709 months < A0 720, outside the window.
    answer = determined(tmp_path, {**SHEET_85, "retirement": "2024-04"})
    assert answer["age_at_retirement"] == "59y1m"
    assert answer["divisor"] == "144.5"  # 59y1m: 145 − (145 − 139) × 1/12 = 144.5
    assert answer["warnings"] == [
        "R007: early retirement at 709 months of age is below the original legal age of 720 months"
    ]


def test_early_inside_the_window_is_still_flagged(tmp_path: Path) -> None:
    answer = determined(tmp_path, {**SHEET_85, "retirement": "2025-03"})
    assert len(answer["warnings"]) == 1
    assert answer["warnings"][0].startswith("early: age 60y0m is below the legal age 60y1m (2025-04)")


def test_too_few_months_is_a_warning(tmp_path: Path) -> None:
    answer = determined(tmp_path, {**SHEET_85, "contribution_months": 179})
    assert answer["warnings"] == [
        "R008: insufficient contribution years: 179 months, 180 required; "
        "continue contributing or transfer to the residents' scheme (out of scope)"
    ]
    # MinMonths follows year(M): a woman worker born 1980-01 retiring at LM 2032-08 needs 180 + 6 × 3 = 198.
    woman = {**SHEET_85, "sex": "female", "birth": "1980-01", "retirement": "2032-08", "contribution_months": 197}
    assert determined(tmp_path, woman)["warnings"][0].startswith("R008: insufficient contribution years: 197 months")


def test_a_short_history_gets_the_minimum_months_warning(tmp_path: Path) -> None:
    answer = determined(tmp_path, {**HISTORY, "deemed_months": 0})
    # Z = (12 × 1 + 12 × 1.5) / 24 = 1.25; the months stay 24 < 180.
    assert (answer["average_index"], answer["transitional_fen"]) == ("1.2500", 0)
    assert answer["warnings"][0].startswith("R008: insufficient contribution years: 24 months, 180 required")


def test_late_within_the_window_passes_and_beyond_it_warns(tmp_path: Path) -> None:
    assert determined(tmp_path, {**SHEET_85, "retirement": "2028-04"})["warnings"] == []
    late = determined(tmp_path, {**SHEET_85, "retirement": "2028-05"})["warnings"]
    assert len(late) == 1 and late[0].startswith("R007: late retirement of 37 months exceeds 36")


# --- benefit: bad input ----------------------------------------------------------------------------------------


def _without(key: str) -> dict[str, Any]:
    return {name: value for name, value in SHEET_85.items() if name != key}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SHEET_85, "base_wage_fen": 987600.0}, "base_wage_fen"),  # a float, even a whole one
        ({**SHEET_85, "average_index": 1.0424}, "average_index"),
        ({**SHEET_85, "transitional": {"index": "1.0424", "months": 60, "rate": 0.012}}, "transitional.rate"),
        ({**SHEET_85, "account_balance_fen": "18765432"}, "account_balance_fen"),
        ({**SHEET_85, "contribution_months": True}, "contribution_months"),
        (_without("birth"), "birth"),
        (_without("base_wage_fen"), "base_wage_fen"),
        (_without("average_index"), "average_index"),
        (_without("contribution_months"), "contribution_months"),
        ({**SHEET_85, "contribution_years": "35"}, "contribution_months"),  # both given
        ({**SHEET_85, "birth": "1965-13"}, "birth"),
        ({**SHEET_85, "retirement": "2025/04"}, "retirement"),
        ({**SHEET_85, "retirement": "1960-01"}, "retirement"),  # before the birth month
        ({**SHEET_85, "sex": "M"}, "sex"),
        ({**SHEET_85, "category": "boss"}, "category"),
        ({**SHEET_85, "sex": "female", "category": None}, "category"),  # required for a woman
        ({**SHEET_85, "average_index": "1.04235"}, "average_index"),  # Z has 4 places
        ({**SHEET_85, "average_index": "-1"}, "average_index"),
        ({**SHEET_85, "divisor": "0"}, "divisor"),
        ({**SHEET_85, "divisor_method": "nearest"}, "divisor_method"),
        ({**SHEET_85, "unit": "99"}, "unit"),
        ({**SHEET_85, "deemed_months": 421}, "deemed_months"),
        ({**SHEET_85, "contribution_month": 420}, "contribution_month"),  # a misspelt key
        ({**SHEET_85, "history": HISTORY["history"]}, "history"),  # both forms
        ({**HISTORY, "history": []}, "history"),
        ({**HISTORY, "history": [{**HISTORY["history"][0], "months": 13}]}, "history[0].months"),
        ({**HISTORY, "history": [HISTORY["history"][0]] * 2}, "history"),  # 24 months in one year
        ({**HISTORY, "history": [{**HISTORY["history"][0], "base_fen": 600000.5}]}, "history[0].base_fen"),
        ({**HISTORY, "history": [{**HISTORY["history"][0], "average_wage_fen": 0}]}, "history[0].average_wage_fen"),
        ("{not json", "input"),
        ("[1, 2]", "input"),
    ],
)
def test_bad_benefit_input_is_one_line_and_exit_1(tmp_path: Path, body: dict[str, Any] | str, field: str) -> None:
    code, out, err = benefit(tmp_path, body)
    assert code == 1
    assert err.startswith(f"invalid: {field}: ") and err.count("\n") == 1
    # Under --json the same reason also comes as the interchange error model on stdout.
    assert json.loads(out) == {
        "error": "invalid_field",
        "message": err.removeprefix(f"invalid: {field}: ").rstrip(),
        "field": field,
        "rule": None,
    }


def test_an_unreadable_file(tmp_path: Path) -> None:
    code, _, err = run("benefit", "--input", str(tmp_path / "missing.json"))
    assert code == 1
    assert err.startswith("invalid: input: cannot read ") and err.count("\n") == 1


def test_the_help_explains_the_json_shape() -> None:
    code, out, _ = run("benefit", "--help")
    assert code == 0
    for word in ("history", "average_wage_fen", "average_index", "contribution_years", "transitional", "deemed"):
        assert word in out
