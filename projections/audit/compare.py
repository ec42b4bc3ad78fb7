"""Comparing the rebuilt views with the live ones: a digest per group on both sides, then row by row where the
digests differ, naming the view, the row's key, the field and both values.

The groups are the views' own keys: one row per (unit, account, month) in the ledger, per month in the transit
memo, per person in the dossier and risk-fact views. Only the digests (16 bytes a group) are held in memory while
both sides are paged through by key, so a large store costs one read of each table plus the few rows that differ."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson

from projections.audit.findings import Finding
from projections.audit.store import LogStore
from projections.database import ViewDatabase

PAGE = 2000
DETAILED_ROWS = 200
FIELDS_PER_ROW = 12


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A view table: its key, its value columns, which of them hold JSON, and a column naming the row for people."""

    view: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    json_columns: frozenset[str] = frozenset()
    label: str | None = None


LEDGER = TableSpec("ledger_view", ("unit", "account", "month"), ("debit_fen", "credit_fen"))
TRANSIT = TableSpec("ledger_transit_view", ("month",), ("sent_fen", "received_fen"))
DOSSIERS = TableSpec(
    "dossier_view", ("person_id",), ("citizen_id", "version", "status", "dossier"), frozenset({"dossier"}), "citizen_id"
)
RISK_FACTS = TableSpec("risk_facts_view", ("person_id",), ("facts",), frozenset({"facts"}))
TABLES = (LEDGER, TRANSIT, DOSSIERS, RISK_FACTS)


@dataclass
class Comparison:
    """What comparing one view found: groups on each side, groups that differ, and the findings."""

    view: str
    live_groups: int = 0
    rebuilt_groups: int = 0
    differing: int = 0
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "live_groups": self.live_groups,
            "rebuilt_groups": self.rebuilt_groups,
            "differing_groups": self.differing,
        }


def compare_view(db: ViewDatabase, spec: TableSpec, rebuilt_prefix: str = "audit_") -> Comparison:
    """Digest both copies of one view, then detail the groups whose digests differ."""
    live = dict(_digests(db, spec.view, spec))
    rebuilt = dict(_digests(db, rebuilt_prefix + spec.view, spec))
    result = Comparison(spec.view, len(live), len(rebuilt))
    differing = sorted(key for key in live.keys() | rebuilt.keys() if live.get(key) != rebuilt.get(key))
    result.differing = len(differing)
    for key in differing[:DETAILED_ROWS]:
        live_row = _row(db, spec.view, spec, key) if key in live else None
        rebuilt_row = _row(db, rebuilt_prefix + spec.view, spec, key) if key in rebuilt else None
        result.findings.extend(_row_findings(spec, key, live_row, rebuilt_row))
    if len(differing) > DETAILED_ROWS:
        result.findings.append(
            Finding(
                "view",
                "more_rows_differ",
                f"{spec.view}: {len(differing) - DETAILED_ROWS} more groups differ",
                view=spec.view,
            )
        )
    return result


def _digests(db: ViewDatabase, table: str, spec: TableSpec) -> Iterator[tuple[tuple[Any, ...], bytes]]:
    """(key, digest) of every row, paged by key so that neither side is ever held whole."""
    for row in page_rows(db, table, spec.key, spec.columns):
        yield tuple(row[name] for name in spec.key), _digest(spec, row)


def page_rows(db: ViewDatabase, table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Every row of a table in key order, PAGE rows per query (keyset paging: no offset, no long transaction)."""
    keys = ", ".join(key)
    selected = ", ".join((*key, *columns))
    after: tuple[Any, ...] | None = None
    while True:
        where = ""
        if after is not None:
            # Row-value comparison pages by a composite key on both databases, in the database's own order.
            where = f"WHERE ({keys}) > ({', '.join(['%s'] * len(key))})" if len(key) > 1 else f"WHERE {keys} > %s"
        with db.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT {selected} FROM {table} {where} ORDER BY {keys} LIMIT {PAGE}", after or ())
            page = cursor.fetchall()
        yield from page
        if len(page) < PAGE:
            return
        after = tuple(page[-1][name] for name in key)


def _values(spec: TableSpec, row: dict[str, Any]) -> dict[str, Any]:
    """The value columns, JSON parsed (so a different but equal key order is not a discrepancy)."""
    values: dict[str, Any] = {}
    for name in spec.columns:
        value = row[name]
        values[name] = orjson.loads(value) if name in spec.json_columns and value is not None else value
    return values


def _digest(spec: TableSpec, row: dict[str, Any]) -> bytes:
    return hashlib.sha256(orjson.dumps(_values(spec, row), option=orjson.OPT_SORT_KEYS)).digest()[:16]


def _row(db: ViewDatabase, table: str, spec: TableSpec, key: tuple[Any, ...]) -> dict[str, Any] | None:
    where = " AND ".join(f"{name} = %s" for name in spec.key)
    with db.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT {', '.join(spec.columns)} FROM {table} WHERE {where}", key)
        row = cursor.fetchone()
    return _values(spec, row) if row is not None else None


def key_text(spec: TableSpec, key: tuple[Any, ...], label: Any = None) -> str:
    text = ", ".join(f"{name}={value}" for name, value in zip(spec.key, key, strict=True))
    return f"{text} ({spec.label} {label})" if spec.label and label else text


def _row_findings(
    spec: TableSpec, key: tuple[Any, ...], live: dict[str, Any] | None, rebuilt: dict[str, Any] | None
) -> list[Finding]:
    label = (live or rebuilt or {}).get(spec.label) if spec.label else None
    where = key_text(spec, key, label)
    stream = str(key[0]) if spec.key == ("person_id",) else None
    if live is None or rebuilt is None:
        code, side = (
            ("row_only_rebuilt", "missing from the live view")
            if live is None
            else ("row_only_live", "missing from the rebuild")
        )
        return [
            Finding(
                "view",
                code,
                f"{spec.view} [{where}]: row {side}",
                stream=stream,
                view=spec.view,
                key=where,
                live=live,
                rebuilt=rebuilt,
            )
        ]
    found = []
    for path, before, after in diff_json(live, rebuilt)[:FIELDS_PER_ROW]:
        found.append(
            Finding(
                "view",
                "row_differs",
                f"{spec.view} [{where}] {path}: live {_short(before)}, rebuilt {_short(after)}",
                stream=stream,
                view=spec.view,
                key=where,
                field=path,
                live=before,
                rebuilt=after,
            )
        )
    return found


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 80 else text[:77] + "…"


_MISSING = object()


def diff_json(
    before: Any, after: Any, path: str = "", ignore: frozenset[str] = frozenset(), whole_lists: bool = False
) -> list[tuple[str, Any, Any]]:
    """The leaves that differ between two JSON values, as (dotted path, before, after). A list that differs is
    given whole with `whole_lists`, else by its first differing item (or its length). Keys in `ignore` are
    skipped at the top level."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[str, Any, Any]] = []
        for name in sorted(before.keys() | after.keys()):
            if not path and name in ignore:
                continue
            child = f"{path}.{name}" if path else name
            found += diff_json(before.get(name, _MISSING), after.get(name, _MISSING), child, whole_lists=whole_lists)
        return [(p, None if b is _MISSING else b, None if a is _MISSING else a) for p, b, a in found]
    if isinstance(before, list) and isinstance(after, list) and before != after and not whole_lists:
        for index, (old, new) in enumerate(zip(before, after, strict=False)):
            if old != new:
                return diff_json(old, new, f"{path}[{index}]")
        return [(f"{path} length", len(before), len(after))]
    return [] if before == after else [(path, before, after)]


def stream_heads(view_findings: list[Finding], store: LogStore) -> list[Finding]:
    """What only the live dossier view remembers: a stream's tail, or a whole stream, gone from the log."""
    found = []
    for finding in view_findings:
        if finding.view != DOSSIERS.view or finding.stream is None or not isinstance(finding.live, dict | int):
            continue
        rows = store.stream(UUID(finding.stream))
        in_log = rows[-1].version if rows else None
        if finding.code == "row_only_live" and isinstance(finding.live, dict) and in_log is None:
            found.append(
                Finding(
                    "chain",
                    "stream_deleted",
                    f"stream {finding.stream} ({finding.live.get('citizen_id')}) was folded by the live view up to "
                    f"version {finding.live.get('version')} but has no event left in the log: stream deleted",
                    stream=finding.stream,
                    version=finding.live.get("version"),
                )
            )
        elif finding.field == "version" and isinstance(finding.live, int) and (in_log or 0) < finding.live:
            found.append(
                Finding(
                    "chain",
                    "tail_deleted",
                    f"stream {finding.stream}: the log ends at version {in_log} but the live view folded version "
                    f"{finding.live}: the stream's last event{'s' if finding.live - (in_log or 0) > 1 else ''} deleted",
                    stream=finding.stream,
                    version=(in_log or 0) + 1,
                )
            )
    return found
