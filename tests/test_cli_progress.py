"""Long commands show how far they are, also when their output is a log file rather than a terminal."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import BarColumn, TextColumn

from api.cli.common import Progress


def _bar(output: io.StringIO, terminal: bool) -> Progress:
    console = Console(file=output, force_terminal=terminal, width=100)
    return Progress(
        TextColumn("seed"), BarColumn(), TextColumn("{task.completed}/{task.total}"), console=console, every=0
    )


def test_without_a_terminal_the_bar_prints_its_line_as_it_goes() -> None:
    output = io.StringIO()
    with _bar(output, terminal=False) as bar:
        task = bar.add_task("seed", total=40)
        bar.update(task, completed=10)
        assert "10/40" in output.getvalue()
        bar.advance(task, 5)
        assert "15/40" in output.getvalue()


def test_a_log_line_waits_for_its_interval() -> None:
    output = io.StringIO()
    bar = Progress(TextColumn("{task.completed}/{task.total}"), console=Console(file=output), every=3600)
    with bar:
        task = bar.add_task("seed", total=40)
        bar.update(task, completed=10)
        assert output.getvalue() == ""  # within the interval: nothing yet
    assert output.getvalue() == "10/40\n"  # rich's own last line when the bar stops


def test_on_a_terminal_the_bar_draws_itself_and_prints_no_log_lines() -> None:
    output = io.StringIO()
    with _bar(output, terminal=True) as bar:
        task = bar.add_task("seed", total=40)
        for step in range(1, 5):
            bar.update(task, completed=step * 10)
    assert output.getvalue().count("\n") <= 2  # the live bar redraws one line in place


def test_a_log_line_is_not_cut_to_the_width_of_a_terminal() -> None:
    # A log file has no width: rich's default of 80 columns cut the seed's ETA to "0:04:…" (session 7).
    output = io.StringIO()
    columns = [TextColumn("seed " + "x" * 70), TextColumn("{task.completed}/{task.total}"), TextColumn("ETA 1:23:45")]
    with Progress(*columns, console=Console(file=output, width=80), every=0) as bar:
        bar.update(bar.add_task("seed", total=40), completed=10)
        logged = output.getvalue().splitlines()[0]
    assert "10/40" in logged and "ETA 1:23:45" in logged and "…" not in logged
