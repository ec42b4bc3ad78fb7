"""`pooling schemas`: publish the JSON Schema documents of interchange v1 (INTERCHANGE.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from standards import interchange
from standards.interchange import json_schemas, render

app = typer.Typer(
    help="JSON Schemas of the interchange standard: one per message type, the union and the answers.",
    no_args_is_help=True,
)

#: Where the package ships its schemas (package data of `standards`). Found from a submodule because
#: under an editable install `standards` itself may load as a namespace package, with no __file__.
DEFAULT_SCHEMA_DIR = Path(interchange.__file__).resolve().parent.parent / "schemas"


@app.command("export")
def export(
    out: Path = typer.Option(
        DEFAULT_SCHEMA_DIR, "--out", help="directory to write into (created if missing)", file_okay=False
    ),
) -> None:
    """Write every schema document into a directory, one `NAME.schema.json` each."""
    out.mkdir(parents=True, exist_ok=True)
    documents = json_schemas()
    for name, schema in documents.items():
        path = out / name
        path.write_text(render(schema), encoding="utf-8")
        typer.echo(f"wrote {path}")
    typer.echo(f"{len(documents)} schemas in {out}")


@app.command("show")
def show(name: str = typer.Argument(..., help="a message type (e.g. contribution), message, dossier, ...")) -> None:
    """Print one schema document to standard output."""
    documents = json_schemas()
    schema = documents.get(f"{name}.schema.json")
    if schema is None:
        known = ", ".join(sorted(key.removesuffix(".schema.json") for key in documents))
        typer.echo(f"unknown schema {name!r}; known: {known}", err=True)
        raise typer.Exit(2)
    typer.echo(render(schema), nl=False)
