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
from domain.errors import error_body

console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """One line on stderr and a non-zero exit."""
    errors.print(message, markup=False, highlight=False)
    raise typer.Exit(code)


def error_answer(error: Exception) -> dict[str, Any]:
    """Any refusal as the interchange error body (anything else is raised again)."""
    body = error_body(error)
    if body is None:
        raise error
    return body


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
