"""The `pooling` command line (typer). Each command family lives in its own module."""

from __future__ import annotations

import typer

from api.cli import id_commands, rules_commands, schema_commands

app = typer.Typer(
    name="pooling",
    help="National pooling information system for enterprise employees' basic pension insurance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(id_commands.app, name="id")
app.add_typer(rules_commands.app, name="rules")
app.add_typer(schema_commands.app, name="schemas")
