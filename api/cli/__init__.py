"""The `pooling` command line (typer). Each command family lives in its own module."""

from __future__ import annotations

import typer

from api.cli import (
    audit_commands,  # also adds `person history` to store_commands.person_app
    backup_commands,
    demo,
    id_commands,
    read_commands,
    rules_commands,
    schema_commands,
    seed_commands,
    serve_commands,
    store_commands,
    token_commands,
)

app = typer.Typer(
    name="pooling",
    help="National pooling information system for enterprise employees' basic pension insurance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(id_commands.app, name="id")
app.add_typer(rules_commands.app, name="rules")
app.add_typer(schema_commands.app, name="schemas")
app.command("init")(store_commands.init)
app.command("import")(store_commands.import_file)
app.add_typer(store_commands.person_app, name="person")
app.command("dossier")(read_commands.dossier)
app.command("ledger")(read_commands.ledger)
app.add_typer(read_commands.project_app, name="project")
app.add_typer(read_commands.risk_app, name="risk")
app.command("demo")(demo.demo)
app.command("serve")(serve_commands.serve)
app.command("seed")(seed_commands.seed)
app.add_typer(token_commands.app, name="token")
app.add_typer(audit_commands.audit_app, name="audit")
app.add_typer(audit_commands.keys_app, name="keys")
app.command("backup")(backup_commands.backup)
app.command("restore")(backup_commands.restore)
