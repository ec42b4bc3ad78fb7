"""How the Illustrative average wages were made (DOMAIN.md §13, §15.6): rerun to regenerate the CSV.

Six units have given rows for 2020-2024; other years grow or shrink 6 % a year from the nearest
given year, rounded once to the yuan; every other unit copies 44 广东. Not published statistics."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

from standards.codes import POOLING_UNITS
from standards.rounding import round_half_up

GIVEN_YUAN: dict[str, dict[int, int]] = {
    "11": {2020: 144_000, 2021: 150_000, 2022: 156_000, 2023: 162_000, 2024: 168_000},
    "31": {2020: 138_000, 2021: 144_000, 2022: 150_000, 2023: 156_000, 2024: 162_000},
    "32": {2020: 105_000, 2021: 108_000, 2022: 111_000, 2023: 114_000, 2024: 118_512},
    "44": {2020: 99_000, 2021: 102_000, 2022: 105_000, 2023: 108_000, 2024: 111_000},
    "51": {2020: 81_000, 2021: 84_000, 2022: 87_000, 2023: 90_000, 2024: 93_000},
    "66": {2020: 87_000, 2021: 90_000, 2022: 93_000, 2023: 96_000, 2024: 99_000},
}
FIRST_YEAR, LAST_YEAR = 1990, 2026
GROWTH = Fraction(106, 100)
TEMPLATE_UNIT = "44"


def illustrative_wage_yuan(unit: str, year: int) -> tuple[int, str]:
    """AW(unit, year) in yuan and a note saying how it was made."""
    seed_unit = unit if unit in GIVEN_YUAN else TEMPLATE_UNIT
    given = GIVEN_YUAN[seed_unit]
    copied = "" if seed_unit == unit else f"; copies unit {TEMPLATE_UNIT}"
    if year in given:
        return given[year], f"illustrative: DOMAIN.md §13 given{copied}"
    nearest = min(given, key=lambda y: abs(y - year))
    value = int(round_half_up(given[nearest] * GROWTH ** (year - nearest)))
    return value, f"illustrative: §15.6, {nearest} × 1.06^({year - nearest}){copied}"


def illustrative_csv() -> str:
    """The whole Illustrative table as `unit,year,aw_fen,source` CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["unit", "year", "aw_fen", "source"])
    for unit in POOLING_UNITS:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            yuan, note = illustrative_wage_yuan(unit, year)
            writer.writerow([unit, year, yuan * 100, note])
    return out.getvalue()


if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).parent / "data" / "illustrative_average_wages.csv"
    target.write_text(illustrative_csv(), encoding="utf-8")
    print(f"wrote {target}")
