"""Policy parameters as data (DOMAIN.md §13): loaded from `data/`, validated, answered per unit and year.

`load_policy()` picks the data set named by `POOLING_POLICY` (`illustrative`, the default, or `published`);
`POOLING_AVERAGE_WAGES_FILE` names a `unit,year,aw_fen,source` file of real figures that replaces wages."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path

from standards.policy.models import NationalData, UnitsData
from standards.policy.policy import BaseBounds, MissingPolicyData, Policy, PolicySetName, RetirementGroup
from standards.policy.wages import (
    Figure,
    WageTable,
    read_average_wages,
    read_published_figures,
    read_published_rates,
)

DATA_DIR = Path(__file__).parent / "data"

__all__ = [
    "DATA_DIR",
    "BaseBounds",
    "Figure",
    "MissingPolicyData",
    "Policy",
    "RetirementGroup",
    "load_policy",
]


def _read_toml(path: Path) -> dict[str, object]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def build_policy(name: PolicySetName = "illustrative", average_wages_file: Path | None = None) -> Policy:
    """Load and validate one policy data set; real wage figures from a file replace the shipped ones."""
    if name not in ("illustrative", "published"):
        raise ValueError(f"unknown policy data set {name!r}: use 'illustrative' or 'published'")
    national = NationalData.model_validate(_read_toml(DATA_DIR / "national.toml"))
    units = UnitsData.model_validate(_read_toml(DATA_DIR / "units.toml"))
    if name == "illustrative":
        wages = WageTable(annual=read_average_wages(DATA_DIR / "illustrative_average_wages.csv"))
    else:
        wages = read_published_figures(DATA_DIR / "published_average_wages.csv")
        rates = read_published_rates(DATA_DIR / "published_national_rates.csv")
        national = national.model_copy(
            update={
                "interest": national.interest.model_copy(update={"rates": rates["account_crediting_rate"]}),
                "adjustment": national.adjustment.model_copy(update={"rates": rates["pension_adjustment"]}),
            }
        )
    if average_wages_file is not None:
        wages.annual.update(read_average_wages(average_wages_file))
    return Policy(name, national, units, wages)


@cache
def load_policy(name: str | None = None) -> Policy:
    """The policy set named by the argument or `POOLING_POLICY`, cached per name."""
    chosen = name or os.environ.get("POOLING_POLICY", "illustrative")
    wages_file = os.environ.get("POOLING_AVERAGE_WAGES_FILE")
    return build_policy(chosen, Path(wages_file) if wages_file else None)  # type: ignore[arg-type]
