"""`pooling audit …`, `pooling keys init` and `pooling person history`: tamper evidence and the full replay.

Operators run `pooling audit checkpoint` periodically (it seals every position not sealed yet); `pooling audit
replay` only verifies: chains, checkpoints, rebuilt views against the live ones, ledger invariants."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

from api.cli.common import Progress, application, console, fail, print_json
from api.cli.read_commands import _instant
from api.cli.store_commands import person_app
from domain.errors import DomainError
from projections.audit import (
    AuditKeyError,
    ReplayProgress,
    generate_key,
    key_path,
    load_private_key,
    person_history,
    seal,
    start_replay,
)
from projections.audit.checkpoints import RANGE_SIZE, Checkpoint
from projections.audit.replay import BATCH_SIZE

audit_app = typer.Typer(no_args_is_help=True, help="Tamper evidence and the full-history replay (审计).")
keys_app = typer.Typer(no_args_is_help=True, help="The Ed25519 key that signs audit checkpoints.")
SHOWN_FINDINGS = 40


@keys_app.command("init")
def keys_init(
    key_file: Path = typer.Option(
        None, "--key-file", help="Where to write it (default: POOLING_AUDIT_KEY_FILE, else var/audit_ed25519.pem)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace an existing key (older checkpoints will no longer verify)."
    ),
) -> None:
    """Generate the checkpoint signing key (private key 0600, public key beside it as .pub.pem)."""
    path = key_file or key_path(os.environ)
    try:
        ident = generate_key(path, force=force)
    except AuditKeyError as error:
        fail(f"refused: {error}")
    console.print(f"signing key {ident} written to {path} (0600)", markup=False, soft_wrap=True)


@audit_app.command("checkpoint")
def checkpoint(
    range_size: int = typer.Option(RANGE_SIZE, "--range-size", min=1, help="Positions per sealed range."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Seal every position of the log not sealed yet: Merkle roots per range, signed. Run it periodically."""
    with application() as app:
        try:
            key = load_private_key(key_path(app.env))
        except AuditKeyError as error:
            fail(str(error))
        made: list[Checkpoint] = seal(app, key, range_size=range_size)
    if as_json:
        print_json([c.as_dict() for c in made])
        return
    for sealed in made:
        console.print(
            f"sealed {sealed.first_position}..{sealed.last_position}: {sealed.leaf_count} rows, root {sealed.merkle_root[:16]}…",
            markup=False,
            soft_wrap=True,
        )
    console.print(f"{len(made)} checkpoint{'s' if len(made) != 1 else ''} written", markup=False, soft_wrap=True)


@audit_app.command("replay")
def replay(
    until: str = typer.Option(
        None, "--until", help="Replay as known at T (ISO instant, or a date = end of that day, China time)."
    ),
    out: Path = typer.Option(None, "--out", help="Report directory (default var/audit)."),
    batch_size: int = typer.Option(BATCH_SIZE, "--batch-size", min=1, help="Rows read per batch."),
    workers: int = typer.Option(
        0,
        "--workers",
        min=0,
        help="Processes folding shards of the streams; 0 (default) = one per CPU, 1 = all in this process.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report JSON instead of the summary."),
) -> None:
    """Replay the whole log: verify chains and checkpoints, rebuild every view, compare, check the ledger.

    Exit status 1 on any chain break, checkpoint failure, view discrepancy or broken invariant."""
    instant = _instant(until)
    with (
        application() as app,
        Progress(
            TextColumn("{task.fields[phase]}"),
            BarColumn(),
            TextColumn("{task.fields[where]}"),
            TimeElapsedColumn(),
            console=console,
            disable=as_json,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("replay", total=None, phase="starting", where="")

        def show(progress: ReplayProgress) -> None:
            where = f"position {progress.position:,}/{progress.head:,} · {progress.events_per_second:,.0f} events/s"
            bar.update(
                task, total=progress.head or None, completed=progress.position, phase=progress.phase, where=where
            )

        result = start_replay(
            app,
            until=instant,
            out_dir=out,
            batch_size=batch_size,
            workers=workers or os.cpu_count() or 1,
            progress=ReplayProgress(listener=show),
        )
    if as_json:
        print_json(result.report)
    else:
        _summary(result.report, result.json_path, result.html_path)
    raise typer.Exit(result.exit_code)


def _summary(report: dict[str, Any], json_path: Path, html_path: Path) -> None:
    totals = report["totals"]
    console.print(
        f"{'PASSED' if report['ok'] else 'FAILED'}: {totals['rows']:,} rows ({totals['person_events']:,} person events, "
        f"{totals['person_streams']:,} persons) in {totals['seconds']:.2f} s, {totals['events_per_second']:,.0f} events/s; "
        f"checkpoints {report['checkpoints']['count']} sealing up to {report['checkpoints']['sealed_up_to']}; "
        f"{report['errors']} error(s), {report['information']} note(s)",
        markup=False,
        soft_wrap=True,
    )
    for finding in report["findings"][:SHOWN_FINDINGS]:
        console.print(
            f"  [{finding['severity']}] {finding['category']}/{finding['code']}: {finding['message']}",
            markup=False,
            soft_wrap=True,
        )
    if len(report["findings"]) > SHOWN_FINDINGS:
        console.print(
            f"  … {len(report['findings']) - SHOWN_FINDINGS} more in the report", markup=False, soft_wrap=True
        )
    console.print(f"report: {json_path} and {html_path}", markup=False, soft_wrap=True)


@person_app.command("history")
def history(
    citizen_id: str = typer.Argument(..., help="18-character citizen ID."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """How the dossier changed, event by event (each as known when it was recorded)."""
    with application() as app:
        try:
            steps = person_history(app, citizen_id.upper())
        except DomainError as error:
            fail(f"{error.code.value}: {error.message}")
    if as_json:
        print_json(steps)
        return
    for step in steps:
        period = f" period {step['period']}" if "period" in step else ""
        reversed_note = " (reversed later)" if step.get("reversed") else ""
        console.print(
            f"v{step['version']} {step['type']}{period}{reversed_note} — effective {step['effective']}, recorded "
            f"{step['recorded'][:19]}, unit {step['unit']}, serial {step['serial']}",
            markup=False,
            soft_wrap=True,
            highlight=False,
        )
        for change in step["changes"]:
            console.print(
                f"    {change['field']}: {_value(change['field'], change['before'])} → {_value(change['field'], change['after'])}",
                markup=False,
                soft_wrap=True,
                highlight=False,
            )
        if not step["changes"]:
            console.print("    (no change to the dossier)", markup=False, highlight=False, soft_wrap=True)


def _value(name: str, value: Any) -> str:
    """Fen shown as yuan beside the raw amount, never through a float."""
    if isinstance(value, int) and not isinstance(value, bool) and name.split(".")[0].endswith("_fen"):
        sign = "-" if value < 0 else ""
        whole, cents = divmod(abs(value), 100)
        return f"{value} ({sign}{whole:,}.{cents:02d} yuan)"
    return "—" if value is None else str(value)
