"""`pooling init`, `pooling import FILE` and `pooling person events CITIZEN_ID`: the write side from a shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from api.cli.common import Progress, application, console, error_answer, fail, print_json
from domain.errors import DomainError
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError, parse_message

BATCH_LINES = 500

person_app = typer.Typer(no_args_is_help=True, help="Look at one person's stream.")


def init(
    simulated: bool = typer.Option(
        False,
        "--simulated",
        help="Take recorded times from the messages' recorded_at (for replaying history); a simulated store stays simulated.",
    ),
) -> None:
    """Create the store (schema on first use) and fix its time mode: live (default) or simulated."""
    with application() as app:
        try:
            mode = app.initialize(simulated=simulated)
        except DomainError as error:
            fail(f"refused: {error.message}")
        console.print(f"store ready: {'simulated' if mode else 'live'} time")


def import_file(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="A JSON-lines file of interchange messages."
    ),
    migrate: bool = typer.Option(
        False, "--migrate", help="Go-live migration: past periods accepted, events marked migrated."
    ),
    stop_on_error: bool = typer.Option(
        False, "--stop-on-error", help="Stop at the first refused line instead of going on."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary and refusals as JSON."),
) -> None:
    """Apply a file of INTERCHANGE.md messages line by line, in order; a refused line writes nothing."""
    lines = file.read_bytes().splitlines()
    summary: dict[str, Any] = {"applied": 0, "replayed": 0, "refused": 0, "refusals": []}
    with (
        application() as app,
        Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=as_json,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("import", total=len(lines))
        pending: list[tuple[int, Any]] = []

        def flush() -> bool:
            outcomes = app.submit_batch([message for _, message in pending], migrate=migrate) if pending else []
            stopped = _tally(
                summary,
                [(number, outcome) for (number, _), outcome in zip(pending, outcomes, strict=True)],
                stop_on_error,
            )
            pending.clear()
            return stopped

        for number, raw in enumerate(lines, start=1):
            progress.advance(task)
            if not raw.strip():
                continue
            try:
                message = parse_message(raw)
            except InterchangeError as error:
                if flush() or _tally(summary, [(number, error)], stop_on_error):
                    break
                continue
            if message.type in ("interest_run", "payout_run", "adjustment_run"):
                if flush():
                    break
                try:
                    outcome: Any = app.submit(message)
                except (DomainError, InterchangeError, IdentifierError) as error:
                    outcome = error
                if _tally(summary, [(number, outcome)], stop_on_error):
                    break
                continue
            pending.append((number, message))
            if len(pending) >= BATCH_LINES and flush():
                break
        else:
            flush()
    if as_json:
        print_json(summary)
    else:
        for refusal in summary["refusals"][:50]:
            console.print(
                f"line {refusal['line']}: {refusal['error']} {refusal.get('rule') or ''} {refusal.get('field') or ''} — {refusal['message']}",
                markup=False,
            )
        console.print(f"applied {summary['applied']}, replayed {summary['replayed']}, refused {summary['refused']}")
    if summary["refused"] and stop_on_error:
        raise typer.Exit(1)


def _tally(summary: dict[str, Any], outcomes: list[tuple[int, Any]], stop_on_error: bool) -> bool:
    """Count outcomes; True when the import must stop."""
    for number, outcome in outcomes:
        if isinstance(outcome, dict):
            summary[outcome["status"]] += 1
            continue
        summary["refused"] += 1
        summary["refusals"].append({"line": number, **error_answer(outcome)})
        if stop_on_error:
            return True
    return False


@person_app.command("events")
def person_events(
    citizen_id: str = typer.Argument(..., help="18-character citizen ID."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every event of a person's stream, with both times, serial and unit."""
    with application() as app:
        try:
            history = app.events_of(citizen_id.upper())
        except DomainError as error:
            fail(f"{error.code.value}: {error.message}")
        rows = [
            {
                "version": e.originator_version,
                "type": e.kind,
                "effective": e.effective,
                "recorded": e.recorded_at.isoformat(),
                "unit": e.unit,
                "serial": e.serial,
                "hash": e.hash[:16],
            }
            for e in history
        ]
        if as_json:
            print_json(rows)
            return
        table = Table(title=f"events of {citizen_id}")
        for column in ("version", "type", "effective", "recorded", "unit", "serial"):
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(row[c]) for c in ("version", "type", "effective", "recorded", "unit", "serial")))
        console.print(table)
