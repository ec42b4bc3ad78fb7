"""`pooling backup FILE` and `pooling restore FILE`: the whole store in one file, and back into an empty store.

The store is the one the other commands use (domain/settings.py): events, command records, views, tracking
positions and audit checkpoints all live in its database, so one file holds everything and a restored store
passes the audit replay as the original did.

- PostgreSQL: `pg_dump -Fc` of the configured database (one consistent snapshot, taken while writers go on), and
  `pg_restore --single-transaction --exit-on-error` into the configured database, which must be empty: a restore
  is all or nothing. The client tools must be installed (`apt-get install postgresql-client`) and not older than
  the server; the password goes to them in `PGPASSWORD`, never on a command line.
- SQLite: the online backup API (`sqlite3.Connection.backup`), a consistent copy even while the file is written,
  checked with `PRAGMA integrity_check`; restored the same way into a new (or empty) file.

A backup is written beside FILE under a temporary name and renamed when complete, so a backup that was
interrupted never looks like a finished one."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from eventsourcing.utils import Environment

from api.cli.common import console, fail, print_json
from domain.application import PoolingApplication
from domain.settings import is_postgres, store_environment

PG_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Store:
    """The configured store: a PostgreSQL database (libpq settings) or a SQLite file."""

    postgres: bool
    libpq: dict[str, str]  # PG* variables for pg_dump / pg_restore / psycopg
    path: Path | None  # the SQLite file

    @property
    def name(self) -> str:
        return f"PostgreSQL database {self.libpq['PGDATABASE']!r}" if self.postgres else f"SQLite file {self.path}"


def configured_store() -> Store:
    """Where `PoolingApplication()` would open its store, without opening it (that would create tables)."""
    # As the application builds it: the process environment, overridden by the store's own settings.
    env = Environment(PoolingApplication.name, {**os.environ, **store_environment()})
    if is_postgres({"PERSISTENCE_MODULE": str(env.get("PERSISTENCE_MODULE") or "")}):
        libpq = {
            "PGHOST": env.get("POSTGRES_HOST") or "127.0.0.1",
            "PGPORT": env.get("POSTGRES_PORT") or "5432",
            "PGUSER": env.get("POSTGRES_USER") or "postgres",
            "PGPASSWORD": env.get("POSTGRES_PASSWORD") or "",
            "PGDATABASE": env.get("POSTGRES_DBNAME") or "",
            "PGCONNECT_TIMEOUT": env.get("POSTGRES_CONNECT_TIMEOUT") or "10",
        }
        if not libpq["PGDATABASE"]:
            fail("POSTGRES_DBNAME is not set: which database?")
        return Store(True, libpq, None)
    name = env.get("SQLITE_DBNAME") or ""
    if name == ":memory:" or name.startswith("file:"):
        fail(f"cannot back up or restore the SQLite store {name!r}: give POOLING_DB a file path")
    return Store(False, {}, Path(name))


def backup(
    file: Path = typer.Argument(..., dir_okay=False, help="Where to write the backup (replaced if it exists)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Back up the whole store (events, views, checkpoints) into FILE: pg_dump -Fc, or SQLite's backup API."""
    store = configured_store()
    partial = file.with_name(file.name + ".partial")
    try:
        head = _pg_backup(store, partial) if store.postgres else _sqlite_backup(store, partial)
        os.replace(partial, file)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    summary = {"backend": "postgres" if store.postgres else "sqlite", "file": str(file), "bytes": file.stat().st_size}
    _report({**summary, "head": head}, as_json, f"backed up {store.name} to {file}")


def restore(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="A file of `pooling backup`."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Restore FILE into the configured store, which must be empty; all or nothing."""
    store = configured_store()
    magic = file.read_bytes()[:16] if file.stat().st_size else b""
    kind = "postgres" if magic.startswith(PG_MAGIC) else "sqlite" if magic.startswith(SQLITE_MAGIC) else None
    if kind is None:
        fail(f"{file} is not a backup of this system (neither a pg_dump custom archive nor a SQLite file)")
    if (kind == "postgres") != store.postgres:
        fail(f"{file} is a {kind} backup; the configured store is the {store.name}")
    if store.postgres:
        _pg_restore(store, file)
    else:
        _sqlite_restore(store, file)
    app = PoolingApplication()  # opens the restored store: it must read as a store of this system
    try:
        head = int(app.recorder.max_notification_id() or 0)
    finally:
        app.close()
    summary = {"backend": kind, "file": str(file), "head": head}
    _report(summary, as_json, f"restored {file} into the {store.name}")


def _report(summary: dict[str, Any], as_json: bool, what: str) -> None:
    if as_json:
        print_json(summary)
        return
    console.print(f"{what}: head {summary['head']}" + (f", {summary['bytes']} bytes" if "bytes" in summary else ""))


# --- PostgreSQL ----------------------------------------------------------------------------------------------------
def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        fail(f"{name} is not installed: apt-get install postgresql-client (the server's major version or newer)")
    return found


def _run(command: list[str], store: Store) -> None:
    done = subprocess.run(command, env={**os.environ, **store.libpq}, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _pg_connect(store: Store) -> Any:
    import psycopg

    p = store.libpq
    return psycopg.connect(
        host=p["PGHOST"],
        port=p["PGPORT"],
        user=p["PGUSER"],
        password=p["PGPASSWORD"] or None,
        dbname=p["PGDATABASE"],
        connect_timeout=int(p["PGCONNECT_TIMEOUT"]),
        autocommit=True,
    )


def _pg_head(store: Store) -> int:
    with _pg_connect(store) as connection:
        found = connection.execute("SELECT to_regclass('pooling_events') IS NOT NULL").fetchone()
        if not found or not found[0]:
            return 0
        row = connection.execute("SELECT COALESCE(MAX(notification_id), 0) FROM pooling_events").fetchone()
        return int(row[0]) if row else 0


def _pg_backup(store: Store, partial: Path) -> int:
    dump = _tool("pg_dump")
    head = _pg_head(store)  # the dump's snapshot is taken just after: it holds at least these events
    # -Fc: compressed, restorable table by table; no owner or privileges, so it restores under any role.
    _run([dump, "-Fc", "--no-owner", "--no-privileges", "-f", str(partial)], store)
    return head


def _pg_restore(store: Store, file: Path) -> None:
    restore_tool = _tool("pg_restore")
    with _pg_connect(store) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    tables = int(row[0]) if row else 0
    if tables:
        fail(
            f"the {store.name} is not empty ({tables} tables): a restore goes into an empty database only "
            "(createdb a new one and point POSTGRES_DBNAME at it)"
        )
    _run(
        [
            restore_tool,
            "--single-transaction",  # all or nothing: a failed restore leaves the database empty
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            "-d",
            store.libpq["PGDATABASE"],
            str(file),
        ],
        store,
    )


# --- SQLite --------------------------------------------------------------------------------------------------------
def _sqlite_tables(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def _copy(source: sqlite3.Connection, target: Path) -> int:
    """The online backup API into `target`, checked; the copy's head."""
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent snapshot, writers in WAL mode are not held up
        # One self-contained file (no -wal beside it); the application turns WAL on again when it opens the store.
        copy.execute("PRAGMA journal_mode=DELETE")
        check = copy.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            fail(f"the copy in {target} failed its integrity check: {check}")
        has_log = copy.execute("SELECT count(*) FROM sqlite_master WHERE name = 'stored_events'").fetchone()[0]
        return int(copy.execute("SELECT COALESCE(MAX(rowid), 0) FROM stored_events").fetchone()[0]) if has_log else 0
    finally:
        copy.close()


def _sqlite_backup(store: Store, partial: Path) -> int:
    assert store.path is not None
    if not store.path.exists():
        fail(f"there is no store at {store.path}")
    source = sqlite3.connect(store.path)  # read only by the backup; a read-only open could not use the WAL index
    try:
        return _copy(source, partial)
    finally:
        source.close()


def _sqlite_restore(store: Store, file: Path) -> None:
    assert store.path is not None
    target = store.path
    if target.exists():
        existing = sqlite3.connect(target)
        try:
            tables = _sqlite_tables(existing)
        finally:
            existing.close()
        if tables:
            fail(f"the {store.name} is not empty ({tables} tables): restore into a new file (set POOLING_DB)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)  # a backup is one file, no WAL
    try:
        _copy(source, partial)
        # The empty file it replaces may have a write-ahead log beside it; it holds nothing, and must not be
        # replayed into the restored file.
        for stale in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        os.replace(partial, target)
    finally:
        source.close()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
