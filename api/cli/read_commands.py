"""`pooling dossier`, `pooling ledger` and `pooling project …`: the read side from a shell."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import typer
from rich.progress import BarColumn, TextColumn
from rich.table import Table

from api.cli.common import Progress, application, console, fail, print_json
from domain.clock import end_of_day
from domain.errors import DomainError
from projections.merge import merge_ledgers
from projections.parallel_rebuild import rebuild_in_processes
from projections.queries import Projections
from projections.runner import RebuildInProgress
from standards.calendar import Month
from standards.codes import POOLING_UNITS

project_app = typer.Typer(no_args_is_help=True, help="Run, inspect and rebuild the projections (read models).")
risk_app = typer.Typer(no_args_is_help=True, help="After-the-fact risk findings (事后稽核).")


@risk_app.command("findings")
def risk_findings(
    rule: str = typer.Option(None, "--rule", help="Only this rule (R101-R106)."),
    scan_date: str = typer.Option(None, "--scan-date", help="Scan as of this date (default: the store's today)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Findings with rule, person, amount and the events that prove them."""
    try:
        day = date.fromisoformat(scan_date) if scan_date else None
    except ValueError:
        fail(f"invalid: --scan-date: expected YYYY-MM-DD, got {scan_date!r}")
    with application() as app:
        found = Projections(app).risk_findings(day, rule)
    if as_json:
        print_json(found)
        return
    print_findings(found)


def print_findings(found: list[dict[str, Any]]) -> None:
    table = Table(title=f"risk findings ({len(found)})")
    for column in ("rule", "citizen_id", "amount (yuan)", "detail"):
        table.add_column(column)
    for finding in found[:60]:
        table.add_row(finding["rule"], finding["citizen_id"], _yuan(finding["amount_fen"]), finding["detail"])
    console.print(table)


def _instant(text: str | None) -> datetime | None:
    """`--as-known-at`: an ISO instant, or a bare date meaning the end of that day in China time (§15.4)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            return end_of_day(date.fromisoformat(text))
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        fail(f"invalid: --as-known-at: expected YYYY-MM-DD or an ISO timestamp, got {text!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dossier(
    citizen_id: str = typer.Argument(..., help="18-character citizen ID."),
    as_of: str = typer.Option(None, "--as-of", help="Effective date D (YYYY-MM-DD): what was true on D."),
    as_known_at: str = typer.Option(None, "--as-known-at", help="Recorded time T: what the system knew at T."),
    as_json: bool = typer.Option(False, "--json", help="Print the dossier JSON of INTERCHANGE.md."),
) -> None:
    """The electronic dossier (电子档案袋) of one person, now or as of D, as known at T."""
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        fail(f"invalid: --as-of: expected YYYY-MM-DD, got {as_of!r}")
    with application() as app:
        try:
            answer = Projections(app).dossier(citizen_id.upper(), day, _instant(as_known_at))
        except DomainError as error:
            fail(f"{error.code.value}: {error.message}")
    if as_json:
        print_json(answer)
        return
    _print_dossier(answer)


def _print_dossier(answer: dict[str, Any]) -> None:
    table = Table(title=f"dossier {answer['citizen_id']} {answer['name']} as of {answer['as_of']}", show_header=False)
    for key in (
        "status",
        "insured_unit",
        "relation_unit",
        "benefit_unit",
        "benefit_unit_provisional",
        "contribution_years",
        "contribution_months",
        "deemed_months",
        "months_by_unit",
        "gaps",
        "account_balance_fen",
        "accrued_interest_fen",
        "benefit",
        "paid_total_fen",
        "receivable_fen",
        "flags",
        "as_known_at",
    ):
        table.add_row(key, str(answer.get(key)))
    console.print(table)
    shown = [row for row in answer["events"] if row["effective"] <= answer["as_of"]]
    events = Table(title=f"events effective by {answer['as_of']} (last 20 of {len(shown)})")
    for column in ("type", "effective", "recorded", "unit", "serial"):
        events.add_column(column)
    for row in shown[-20:]:
        events.add_row(
            row["type"] + (" (reversed)" if row.get("reversed") else ""),
            row["effective"],
            row["recorded"][:19],
            row["unit"],
            row["serial"],
        )
    console.print(events)


def ledger(
    unit: str = typer.Option(None, "--unit", help="Pooling unit code; omit for the national balance (全国一本账)."),
    as_of: str = typer.Option(None, "--as-of", help="Month YYYY-MM: balances at its end."),
    as_known_at: str = typer.Option(
        None, "--as-known-at", help="Recorded time T: balances from the events known at T."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the ledger JSON of INTERCHANGE.md."),
    across: list[str] = typer.Option(
        None,
        "--across",
        help="A store holding one part of a sharded population (SQLite file, or PostgreSQL database when "
        "PERSISTENCE_MODULE says PostgreSQL); repeat it for every part: the answer is their sum.",
    ),
) -> None:
    """A unit's trial balance or the national balance, by DOMAIN.md's chart of accounts."""
    if unit is not None and unit not in POOLING_UNITS and unit != "00":
        fail(f"invalid: --unit: unknown pooling unit {unit!r}")
    try:
        month = Month.parse(as_of) if as_of else None
    except ValueError:
        fail(f"invalid: --as-of: expected YYYY-MM, got {as_of!r}")
    known_at = _instant(as_known_at)
    if across:
        answers = []
        for store in across:
            with application(store) as app:
                answers.append(Projections(app).ledger(unit, month, known_at))
        answer = merge_ledgers(answers)
    else:
        with application() as app:
            answer = Projections(app).ledger(unit, month, known_at)
    if as_json:
        print_json(answer)
        return
    print_ledger(answer)


def print_ledger(answer: dict[str, Any]) -> None:
    table = Table(title=f"ledger {answer['unit']} as of {answer['as_of'] or 'now'}")
    table.add_column("account")
    table.add_column("balance (yuan)", justify="right")
    for account, fen in answer["accounts"].items():
        if fen:
            table.add_row(account, _yuan(fen))
    table.add_row("Σ debits", _yuan(answer["debits_fen"]))
    table.add_row("Σ credits", _yuan(answer["credits_fen"]))
    table.add_row("pooled-fund balance", _yuan(answer["pooled_fund_balance_fen"]))
    table.add_row("transfers in transit (memo)", _yuan(answer["transfer_in_transit_fen"]))
    console.print(table)


def _yuan(fen: int) -> str:
    """Fen shown as yuan without ever going through a float."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@project_app.command("run")
def project_run(
    follow: bool = typer.Option(False, "--follow", help="Keep running, polling the log every second."),
) -> None:
    """Bring every view up to date with the event log (batched, exactly once)."""
    with application() as app:
        projections = Projections(app)
        while True:
            done = _with_progress(projections, projections.runner.run)
            console.print(f"{done.events} events in {done.seconds:.2f} s ({done.rate:,.0f} events/s)")
            if not follow:
                return
            time.sleep(1)


@project_app.command("status")
def project_status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Each view's position in the log and its lag behind the head."""
    with application() as app:
        status = Projections(app).status()
    if as_json:
        print_json(status)
        return
    table = Table(title=f"projections (log head {status.pop('head')})")
    for column in ("view", "position", "lag", "events/s (last catch-up)", "waiting"):
        table.add_column(column)
    for name, row in status.items():
        table.add_row(
            name, str(row["position"]), str(row["lag"]), f"{row['events_per_second']:,}", f"{row['waiting']:,}"
        )
    console.print(table)


@project_app.command("rebuild")
def project_rebuild(
    view: str | None = typer.Argument(None, help="dossiers or ledgers (default: both)"),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Processes, each folding the streams of one hash range (PostgreSQL; both views). Runners wait "
        "until it ends; if it is killed, run it again.",
    ),
) -> None:
    """Drop a view (or both) and refill it from event one."""
    with application() as app:
        projections = Projections(app)
        if workers > 1:
            if view is not None:
                fail("invalid: --workers rebuilds both views; leave out the view's name")
            try:
                done = _with_progress(
                    projections,
                    lambda on_batch: rebuild_in_processes(
                        app, workers, on_progress=lambda position, _: on_batch(position, 0)
                    ),
                )
            except ValueError as error:
                fail(f"invalid: {error}")
            projections.runner.run()  # what was written meanwhile
            console.print(
                f"rebuilt dossiers and ledgers in {workers} processes: {done.events} events in {done.seconds:.2f} s "
                f"({done.rate:,.0f} events/s)"
            )
            return
        if view is None:
            projections.runner.reset(projections.runner.views)  # both: also lifts a killed rebuild's mark
            done = _with_progress(projections, projections.runner.run)
            console.print(
                f"rebuilt dossiers and ledgers: {done.events} events in {done.seconds:.2f} s ({done.rate:,.0f} events/s)"
            )
            return
        try:
            projections.runner.view(view)
        except KeyError as error:
            fail(f"invalid: {error.args[0]}")
        try:
            done = _with_progress(projections, lambda on_batch: projections.runner.rebuild(view, on_batch=on_batch))
        except RebuildInProgress as error:
            fail(f"{error} (without a view's name, to rebuild both)")
        console.print(f"rebuilt {view}: {done.events} events in {done.seconds:.2f} s ({done.rate:,.0f} events/s)")


def _with_progress(projections: Projections, work: Any) -> Any:
    head = projections.runner.head()
    with Progress(
        TextColumn("projecting"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("run", total=head)
        return work(on_batch=lambda position, _: progress.update(task, completed=position))
