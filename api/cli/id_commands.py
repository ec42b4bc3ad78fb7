"""`pooling id`: check citizen ID numbers and unified social credit codes (DOMAIN.md §1.1, §1.2)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from standards.codes import POOLING_UNITS, unit_name
from standards.identifiers import CitizenId, IdentifierError, Uscc, parse_citizen_id, parse_uscc

app = typer.Typer(
    help="Validate citizen ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).",
    no_args_is_help=True,
)

_DIGITS = frozenset("0123456789")


class Kind(StrEnum):
    """Which identifier a value is read as."""

    CITIZEN = "citizen"
    USCC = "uscc"


def detect_kind(value: str) -> Kind:
    """Digits with an optional final X are a citizen ID (so 15 digits get their own reason); else a USCC."""
    body, last = value[:-1], value[-1:]
    if last and _DIGITS.issuperset(body) and (last in _DIGITS or last in "xX"):
        return Kind.CITIZEN
    return Kind.USCC


def _citizen_summary(person: CitizenId) -> dict[str, Any]:
    return {
        "valid": True,
        "kind": Kind.CITIZEN.value,
        "number": person.number,
        "province": person.province,
        "province_name": unit_name(person.province),
        "birth": person.birth.isoformat(),
        "sex": person.sex,
    }


def _uscc_summary(code: Uscc) -> dict[str, Any]:
    return {
        "valid": True,
        "kind": Kind.USCC.value,
        "code": code.code,
        "registration_authority": code.registration_authority,
        "category": code.category,
        "division_code": code.division_code,
        "entity_identifier": code.entity_identifier,
    }


def _print_human(summary: dict[str, Any]) -> None:
    console = Console(highlight=False, soft_wrap=True)
    if summary["kind"] == Kind.CITIZEN:
        english = POOLING_UNITS[summary["province"]][1]
        rows = {
            # Spelled out because the issuing province is so often mistaken for the hukou (DOMAIN.md §1.1).
            "issued in": f"{summary['province']} {summary['province_name']} ({english}); not the hukou",
            "birth": summary["birth"],
            "sex": summary["sex"],
        }
        title = f"valid citizen ID {summary['number']}"
    else:
        rows = {
            "authority": summary["registration_authority"],
            "category": summary["category"],
            "division": summary["division_code"],
            "entity": summary["entity_identifier"],
        }
        title = f"valid unified social credit code {summary['code']}"
    console.print(f"[bold green]{escape(title)}[/]")
    for label, text in rows.items():
        console.print(f"  {label:<10} {escape(text)}")


@app.command("check")
def check(
    value: str = typer.Argument(..., help="The citizen ID number or unified social credit code, as written."),
    kind: Kind | None = typer.Option(
        None,
        "--kind",
        case_sensitive=False,
        help="Read VALUE as this kind instead of guessing (digits with an optional final X: citizen ID).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object on stdout."),
) -> None:
    """Check one identifier: exit 0 and summarize it when valid, else print `invalid: REASON` and exit 1.

    A citizen ID shows where the number was issued (never the hukou), birth date and sex; x may be lower case.

    A USCC shows its registration authority, category, division code and entity identifier.
    """
    chosen = kind or detect_kind(value)
    try:
        summary = (
            _citizen_summary(parse_citizen_id(value)) if chosen is Kind.CITIZEN else _uscc_summary(parse_uscc(value))
        )
    except IdentifierError as error:
        if as_json:
            # The interchange error model (INTERCHANGE.md, Answers), so scripts parse one shape everywhere.
            answer = {"valid": False, "kind": chosen.value, "error": error.code.value, "reason": error.reason}
            typer.echo(json.dumps({**answer, "message": str(error), "field": None, "rule": None}))
        typer.echo(f"invalid: {error.reason}", err=True)
        raise typer.Exit(code=1) from None
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_human(summary)
