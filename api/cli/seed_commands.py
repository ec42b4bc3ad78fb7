"""`pooling seed`: a synthetic population written in bulk, exactly as the command path would have written it."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from api.cli.common import Progress, console, fail

if TYPE_CHECKING:
    from loadtests.seeding.stores import Footprint


def seed(
    persons: int = typer.Option(..., "--persons", min=1, help="How many synthetic persons."),
    years: int = typer.Option(23, "--years", min=1, help="How many calendar years, from --first-year."),
    first_year: int = typer.Option(2003, "--first-year", min=1996, help="The first year of the window."),
    seed_: int = typer.Option(7, "--seed", help="The population's random seed (same seed, same store)."),
    workers: int = typer.Option(
        0, "--workers", min=0, help="Worker processes (default: one per CPU); shards = workers unless --shards."
    ),
    shards: int = typer.Option(
        0, "--shards", min=0, help="Person shards of this store (fixed for a seed and its resumptions)."
    ),
    db: str = typer.Option(None, "--db", help="A SQLite file (else POOLING_DB or the PostgreSQL settings)."),
    parts: int = typer.Option(
        1, "--parts", min=1, help="Databases the population is sharded across (by stream id); this store is one."
    ),
    part: int = typer.Option(0, "--part", min=0, help="Which of the --parts this store holds (0-based)."),
) -> None:
    """Seed an empty store (simulated clock) in parallel with COPY; rerun the same command to resume after a kill.

    Runs the real command path for each shard of persons in memory and copies its rows into the library's
    tables; the runs' command records are written last, summed over the shards (loadtests/SCALING.md). With
    --parts K --part k the store holds only the persons whose stream id is k modulo K, as one database of a
    population sharded across K (the national ledger is then the sum of theirs: `pooling ledger --across`)."""
    from loadtests.seeding import SeedSpec
    from loadtests.seeding import seed as run_seed
    from loadtests.seeding.coordinator import SeedMismatch

    env = dict(os.environ)
    if db:
        env["POOLING_DB"] = db
    count = workers or os.cpu_count() or 1
    if part >= parts:
        fail(f"--part {part} is not one of the {parts} parts (0 to {parts - 1})")
    # --shards counts this store's shards; the population is cut into that many per part.
    spec = SeedSpec(
        persons=persons,
        seed=seed_,
        first_year=first_year,
        last_year=first_year + years - 1,
        shards=(shards or count) * parts,
        part=part,
        parts=parts,
    )
    started = time.perf_counter()
    columns = (
        TextColumn("[bold]seed"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} shard-months"),
        TextColumn("{task.fields[events]:,} events · {task.fields[rate]:,.0f} events/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        # Shown from the first shard-month: a rerun on a finished store has nothing to show.
        task = bar.add_task("seed", total=spec.months * len(spec.own_shards), events=0, rate=0.0, visible=False)
        events = 0

        def advance(months: int, messages: int, rows: int) -> None:
            nonlocal events
            events += rows
            rate = events / max(time.perf_counter() - started, 1e-9)
            bar.update(task, advance=months, events=events, rate=rate, visible=True)

        try:
            report = run_seed(env, spec, workers=count, progress=advance)
        except SeedMismatch as error:
            fail(str(error))
    if report.already_finished:
        console.print("the store already holds this seed: nothing to do")
    else:
        console.print(
            f"{report.events:,} events written in {report.seconds:.1f} s ({report.events_per_second:,.0f} events/s), "
            f"{len(spec.own_shards)} shards on {count} workers"
            + (f", part {part} of {parts}" if parts > 1 else "")
            + (f", {report.resumed_shards} resumed" if report.resumed_shards else "")
            + f"; peak RSS of the largest process {report.peak_rss_mb / 1024:,.2f} GB"
        )
    if report.footprint is not None:
        console.print(disk_used(report.stored_events, report.footprint))


def disk_used(events: int, footprint: Footprint) -> str:
    """One line: the store's size on disk, and the events table's bytes per event all-in where it is known."""
    text = f"on disk: database {footprint.database_bytes / 1e9:,.2f} GB"
    if footprint.events_bytes is not None and events:
        text += (
            f"; events table with its indexes {footprint.events_bytes / 1e9:,.2f} GB for {events:,} events "
            f"= {footprint.events_bytes / events:,.1f} B/event"
        )
    if footprint.commands_bytes is not None:
        text += f"; command log {footprint.commands_bytes / 1e9:,.2f} GB"
    return text
