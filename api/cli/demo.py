"""`pooling demo`: twenty years of a synthetic population replayed on a simulated clock, then what a user wants
to see of it — the national balance, two units' trial balances, a dossier at two dates, the risk findings."""

from __future__ import annotations

import gc
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import typer
from eventsourcing.utils import resolve_topic
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.common import Progress, console
from api.cli.read_commands import _print_dossier, print_findings, print_ledger
from api.cli.seed_commands import disk_used
from domain.application import PoolingApplication
from loadtests.seeding import SeedReport, SeedSpec, seed
from projections.audit import generate_key, key_path, load_private_key, seal
from projections.queries import Projections
from standards.calendar import Month

DEFAULT_DEMO_DB = "var/demo.sqlite"


def demo(
    persons: int = typer.Option(
        2000, "--persons", min=10, help="How many insured persons to generate (timings: loadtests/RESULTS.md)."
    ),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same population."),
    first_year: int = typer.Option(2006, "--first-year", min=1996, help="First year of the replayed history."),
    last_year: int = typer.Option(2025, "--last-year", help="Last year of the replayed history."),
    workers: int = typer.Option(
        0, "--workers", min=0, help="Processes replaying person shards (default: one per CPU)."
    ),
    db: Path = typer.Option(None, "--db", help=f"SQLite file to (re)create; default $POOLING_DB or {DEFAULT_DEMO_DB}."),
) -> None:
    """Replay a deterministic population (6+ units, 20+ years) on a fresh simulated SQLite store and show it.

    The persons are cut into shards, one process each; every shard runs every message through the real command
    path (`PoolingApplication` on a simulated clock) and its rows are written in large transactions
    (loadtests/seeding, the bulk seeder). Then the views catch up and the log is sealed with signed checkpoints."""
    path = Path(db or os.environ.get("POOLING_DB") or DEFAULT_DEMO_DB)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A throwaway store: commits need not survive a power cut, so the log is synced at checkpoints only.
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "POOLING_DB": str(path),
        "POOLING_SIMULATED": "1",
        "POOLING_SQLITE_SYNCHRONOUS": "NORMAL",
    }
    count = workers or os.cpu_count() or 1
    spec = SeedSpec(persons=persons, seed=seed, first_year=first_year, last_year=last_year, shards=count)
    console.print(
        f"[bold]pooling demo[/]: {persons:,} persons, {first_year}–{last_year}, seed {seed}, store {path}, "
        f"{count} shard{'s' if count > 1 else ''}"
    )
    report = _replay(env, spec, count)
    app = PoolingApplication(env=env)
    key = key_path()
    if not key.exists():
        generate_key(key)
    # The seal reads the whole log: in a process of its own, while this one prints the summary.
    helper = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    sealing = helper.submit(_seal_store, env, str(key))
    try:
        # The shards wrote the dossier and ledger views with their events (loadtests/seeding/views.py): a catch-up
        # here finds them at the head of the log, and would fold whatever was not.
        projections = Projections(app, batch_size=500_000)
        done = projections.runner.run()
        # The replay leaves millions of long-lived objects: keep the cyclic collector from rescanning them on every
        # collection while the summary is printed (seconds, measured).
        gc.freeze()
        console.print(
            f"wrote {report.events:,} events from {report.messages:,} messages in {report.seconds:.1f} s "
            f"({report.events_per_second:,.0f} events/s), with their dossier and ledger views; "
            f"{done.events:,} events left to project"
        )
        if report.footprint is not None:
            console.print(disk_used(report.stored_events, report.footprint))
        _show(app, projections, report, last_year)
        console.print(
            f"sealed the log: {sealing.result()} signed checkpoints (key {key}); "
            f"verify everything with: POOLING_DB={app.env.get('SQLITE_DBNAME')} .venv/bin/pooling audit replay"
        )
    finally:
        helper.shutdown()
        app.close()


def _seal_store(env: dict[str, str], key: str) -> int:
    """Seal the log with signed checkpoints, so `pooling audit replay` can prove nothing was cut or removed."""
    app = PoolingApplication(env=env)
    try:
        return len(seal(app, load_private_key(Path(key))))
    finally:
        app.close()


def _bar(label: str) -> Progress:
    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    )


def _replay(env: dict[str, str], spec: SeedSpec, workers: int) -> SeedReport:
    """Every month of the population through the command path, shard by shard in parallel, with a progress bar."""
    columns = (
        TextColumn("replaying"),
        BarColumn(),
        TextColumn("{task.fields[month]}"),
        TextColumn("{task.fields[events]:,} events"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("replay", total=spec.months * spec.shards, month="", events=0)
        done = events = 0

        def advance(months: int, messages: int, rows: int) -> None:
            nonlocal done, events
            done, events = done + months, events + rows
            month = Month(spec.first_year, 1).shift(min(done // spec.shards, spec.months - 1))
            bar.update(task, completed=done, month=str(month), events=events)

        report = seed(env, spec, workers=workers, progress=advance)
    return report


def _show(app: PoolingApplication, projections: Projections, report: SeedReport, last_year: int) -> None:
    refusals, planted = report.refusals, report.planted
    kinds: Counter[str] = Counter()
    db = projections.runner.db
    with db.transaction(commit=False) as cursor:
        for topic, count in cursor.tuples(f"SELECT topic, COUNT(*) FROM {db.events_from} GROUP BY topic"):
            kinds[resolve_topic(str(topic)).__qualname__.rsplit(".", 1)[-1]] += int(count)
    table = Table(title="events by kind")
    table.add_column("event")
    table.add_column("count", justify="right")
    for kind, count in kinds.most_common():
        table.add_row(kind, f"{count:,}")
    console.print(table)

    refused = Table(title=f"refused messages ({len(refusals)})")
    for column in ("serial", "type", "citizen", "error", "rule", "message"):
        refused.add_column(column)
    for refusal in refusals[:10]:
        sent = refusal["sent"]
        refused.add_row(
            sent["serial"],
            sent["type"],
            sent.get("citizen_id") or "",
            refusal["error"],
            refusal.get("rule") or "",
            refusal["message"],
        )
    console.print(refused)

    end = Month(last_year, 12)
    print_ledger(projections.ledger(None, end))
    for unit in ("44", "32"):
        print_ledger(projections.ledger(unit, end))

    person = _storyteller(planted)
    if person:
        history = app.events_of(person)
        middle = history[len(history) // 2].effective_date
        for as_of in (middle, date(last_year, 12, 31)):
            _print_dossier(projections.dossier(person, as_of))
    print_findings(projections.risk_findings())
    console.print(f"planted: {planted.get('duplicate', {})}")


def _storyteller(planted: dict[str, Any]) -> str | None:
    """A person whose record shows most of the system: moved, retired, and (if possible) died."""
    examples = planted.get("examples", {})
    if isinstance(examples, dict):
        moved_and_retired = [cid for cid in examples.get("transferred", []) if cid in examples.get("retired", [])]
        if moved_and_retired:
            return str(moved_and_retired[0])
    for key in ("late_death", "transfer", "retirement"):
        found = planted.get(key)
        if isinstance(found, dict) and found.get("citizen_id"):
            return str(found["citizen_id"])
    examples = planted.get("examples", {})
    if isinstance(examples, dict):
        for ids in examples.values():
            if ids:
                return str(ids[0])
    return None
