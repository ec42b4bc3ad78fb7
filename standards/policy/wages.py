"""Average wages and the published monthly figures per unit and year, with the source of each value."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from standards.codes import POOLING_UNITS
from standards.rounding import to_fen


@dataclass(frozen=True, slots=True)
class Figure:
    """One dated amount in fen and where it comes from."""

    fen: int
    source: str

    @property
    def illustrative(self) -> bool:
        return self.source.startswith("illustrative")


@dataclass(slots=True)
class WageTable:
    """AW(p, y) per year and explicit monthly figures (计发基数, base floor and cap) per unit and year."""

    annual: dict[tuple[str, int], Figure] = field(default_factory=dict)
    calc_base: dict[tuple[str, int], Figure] = field(default_factory=dict)
    base_floor: dict[tuple[str, int], Figure] = field(default_factory=dict)
    base_cap: dict[tuple[str, int], Figure] = field(default_factory=dict)


def _unit(code: str, where: str) -> str:
    if code not in POOLING_UNITS:
        raise ValueError(f"{where}: unknown pooling unit {code!r}")
    return code


def read_average_wages(path: Path) -> dict[tuple[str, int], Figure]:
    """Read a file of `unit, year, aw_fen, source` rows (annual wages in fen), validating every row."""
    table: dict[tuple[str, int], Figure] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"unit", "year", "aw_fen", "source"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: expected the columns unit, year, aw_fen, source")
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            unit = _unit(row["unit"].strip(), where)
            try:
                year, fen = int(row["year"]), int(row["aw_fen"])
            except ValueError:
                raise ValueError(f"{where}: year and aw_fen must be integers (fen, no decimals)") from None
            if fen <= 0 or not 1900 <= year <= 2100:
                raise ValueError(f"{where}: aw_fen must be positive and the year plausible")
            if not row["source"].strip():
                raise ValueError(f"{where}: every figure needs its source")
            table[(unit, year)] = Figure(fen, row["source"].strip())
    return table


def read_published_figures(path: Path) -> WageTable:
    """Read the collected public figures (`unit,year,kind,amount_yuan,period,basis_year,source`)."""
    table = WageTable()
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path}:{line}"
            unit = _unit(row["unit"], where)
            year, kind, period = int(row["year"]), row["kind"], row["period"]
            yuan = Decimal(row["amount_yuan"])
            source = f"published: {row['source']}"
            if kind == "aw_full_caliber":
                # A row dated Y with basis year Y-1 is AW(Y-1), the wage contribution year Y is set from.
                basis = int(row["basis_year"]) if row["basis_year"] else year - 1
                annual_fen = to_fen(yuan * 100 * (12 if period == "month" else 1))
                table.annual[(unit, basis)] = Figure(annual_fen, source)
                continue
            monthly_fen = to_fen(yuan * 100) if period == "month" else None
            if monthly_fen is None:
                continue  # an annual 计发基数 has no monthly use here
            target = {
                "calc_base": table.calc_base,
                "base_floor": table.base_floor,
                "base_cap": table.base_cap,
            }
            if kind not in target:
                raise ValueError(f"{where}: unknown kind {kind!r}")
            target[kind][(unit, year)] = Figure(monthly_fen, source)
    return table


def read_published_rates(path: Path) -> dict[str, dict[int, str]]:
    """Read the collected national rates (`kind,year,rate_percent,source`) as decimal-string ratios by kind."""
    rates: dict[str, dict[int, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            ratio = Decimal(row["rate_percent"]) / 100
            rates.setdefault(row["kind"], {})[int(row["year"])] = str(ratio)
    return rates
