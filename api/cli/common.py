"""What every store-touching command shares: opening the application, printing errors the same way."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import orjson
import typer
from rich import progress as rich_progress
from rich.console import Console

from domain.application import PoolingApplication
from domain.errors import error_body
from domain.settings import is_postgres, store_environment

console = Console()
errors = Console(stderr=True)


LOG_LINE_WIDTH = 240


class Progress(rich_progress.Progress):
    """rich's progress bar which, when the output is not a terminal (a log file under nohup, a pipe, CI), prints
    its line every `every` seconds instead of nothing: a job of hours must show how far it is wherever it runs."""

    def __init__(self, *columns: Any, every: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*columns, **kwargs)
        self.every = every
        self._printed = time.monotonic()

    def update(self, task_id: rich_progress.TaskID, **kwargs: Any) -> None:
        super().update(task_id, **kwargs)
        if self.console.is_terminal or self.disable or time.monotonic() - self._printed < self.every:
            return
        self._printed = time.monotonic()
        # A log file has no width: rich's 80 columns would cut the line (its ETA first). `print(width=)` cannot
        # widen a console, so a console that is not a terminal is made wide enough.
        self.console.width = max(self.console.width, LOG_LINE_WIDTH)
        self.console.print(self.make_tasks_table(self.tasks), soft_wrap=True)

    def advance(self, task_id: rich_progress.TaskID, advance: float = 1) -> None:
        self.update(task_id, advance=advance)


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
def application(store: str | None = None) -> Iterator[PoolingApplication]:
    """The application on the configured store (POOLING_DB, or the library's PostgreSQL settings), or on `store`:
    a SQLite file, or a database of the configured PostgreSQL server."""
    env: dict[str, str] | None = None
    if store is not None:
        env = {"POSTGRES_DBNAME": store} if is_postgres(store_environment()) else {"POOLING_DB": store}
    try:
        app = PoolingApplication(env=env)
    except Exception as error:  # a store that cannot be opened is a one-line failure, not a traceback
        fail(f"cannot open the store: {error}")
    try:
        yield app
    finally:
        app.close()


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")
