"""What every store-touching command shares: opening the application, printing errors the same way."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import orjson
import typer
from rich.console import Console

from domain.application import PoolingApplication
from domain.errors import DomainError
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError
from standards.policy import MissingPolicyData

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr and a non-zero exit."""
    errors.print(message, markup=False, highlight=False)
    raise typer.Exit(code)


def error_answer(error: Exception) -> dict[str, Any]:
    """Any refusal as the interchange error body."""
    if isinstance(error, DomainError):
        return error.as_answer()
    if isinstance(error, InterchangeError):
        return {"error": error.code.value, "message": error.message, "field": error.field, "rule": None}
    if isinstance(error, IdentifierError):
        return {"error": error.code.value, "message": str(error), "field": error.field or "citizen_id", "rule": None}
    if isinstance(error, MissingPolicyData):
        return {"error": "missing_policy_data", "message": str(error), "field": None, "rule": None}
    raise error


@contextmanager
def application() -> Iterator[PoolingApplication]:
    """The application on the configured store (POOLING_DB, or the library's PostgreSQL settings)."""
    try:
        app = PoolingApplication()
    except Exception as error:  # a store that cannot be opened is a one-line failure, not a traceback
        fail(f"cannot open the store: {error}")
    try:
        yield app
    finally:
        app.close()


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")
