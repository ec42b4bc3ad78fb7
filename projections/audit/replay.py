"""`start_replay`: the full audit replay, from position one, in one pass over the log.

Each batch of raw rows is (1) checked against the person hash chains, (2) hashed into the Merkle leaves of the
checkpoint it falls in, and (3) decoded and folded into fresh `audit_` copies of every view. Then broken streams are
diagnosed, the rebuilt views are compared with the live ones (brought up to date first) or, with `until`, the
rebuilt ledger with the projections' as-known-at answer, the ledger invariants are checked, and the report is
written. The replay verifies and never seals: sealing is `pooling audit checkpoint`, run by operators.

The HTTP layer runs `start_replay` in a worker thread and reads the shared `ReplayProgress` (`snapshot()`) while it
runs; the report is then read back with `read_report`. One replay at a time per store: replays share the `audit_`
tables, which each one drops and rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from projections.audit import answers, parallel
from projections.audit import compare as cmp
from projections.audit.chain import diagnose
from projections.audit.checkpoint_check import CheckpointCheck
from projections.audit.checkpoints import load_checkpoints
from projections.audit.findings import Finding
from projections.audit.invariants import CHECKED, check_ledger
from projections.audit.keys import AuditKeyError, key_path, load_public_key
from projections.audit.progress import ReplayProgress, ReplayResult
from projections.audit.rebuild import PREFIX
from projections.audit.report import DEFAULT_DIR, SAFE_ID, write_report
from projections.audit.store import LogStore
from projections.queries import Projections

BATCH_SIZE = 20_000  # big batches fold each touched person once per batch: fewer dossiers built
CHAIN_FINDINGS = 500  # streams diagnosed in detail; the rest are counted


def start_replay(
    app: Any,
    *,
    until: datetime | None = None,
    out_dir: Path | str | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    progress: ReplayProgress | None = None,
    key_file: Path | None = None,
) -> ReplayResult:
    """Replay the whole log of `app` and write the report; `until` replays only what was recorded at or before it,
    `workers` > 1 folds shards of the streams in that many processes.

    Raises nothing for what it finds (that is the report); `progress.error` and the exception tell when it could
    not run at all (a store that cannot be read)."""
    progress = progress or ReplayProgress()
    if not SAFE_ID.fullmatch(progress.replay_id):
        raise ValueError(f"replay id {progress.replay_id!r} must be letters, digits, '.', '_' or '-'")
    progress.update(phase="starting", started_at=datetime.now(UTC).isoformat())
    try:
        return _run(app, until, Path(out_dir) if out_dir else DEFAULT_DIR, batch_size, workers, progress, key_file)
    except Exception as error:
        progress.update(
            phase="failed", error=f"{type(error).__name__}: {error}", finished_at=datetime.now(UTC).isoformat()
        )
        raise


def _run(
    app: Any,
    until: datetime | None,
    out_dir: Path,
    batch_size: int,
    workers: int,
    progress: ReplayProgress,
    key_file: Path | None,
) -> ReplayResult:
    findings: list[Finding] = []
    store = LogStore(app)
    projections = Projections(app)
    if until is None:
        progress.update(phase="catching up the live views")
        try:
            projections.catch_up()
        except Exception as error:  # the live views stay where they are; the comparison will show the lag
            findings.append(Finding("replay", "live_views_behind", f"the live views could not catch up: {error}"))
    head = store.head()
    checkpoints = CheckpointCheck(load_checkpoints(store.db), *_public_key(app, key_file))
    progress.update(phase="replaying", head=head)

    def on_batch(position: int, rows: int, seconds: float) -> None:
        progress.update(position=position, rows=rows, events_per_second=rows / seconds if seconds else 0.0)

    if workers > 1:
        scanned = parallel.shards(app, store, checkpoints, until, batch_size, head, workers, on_batch)
    else:
        scanned = parallel.one_process(app, store, checkpoints, until, batch_size, head, on_batch)
    checkpoints.finish(store.head())
    progress.update(phase="diagnosing")
    chain_findings = _diagnose(store, scanned.broken)
    progress.update(phase="comparing")
    comparisons: list[cmp.Comparison] = []
    if until is None:
        comparisons = [cmp.compare_view(store.db, spec, PREFIX) for spec in cmp.TABLES]
        view_findings = [f for c in comparisons for f in c.findings]
        chain_findings += cmp.stream_heads(view_findings, store)
        invariant_findings = check_ledger(store.db, "") + answers.national_is_sum_of_units(projections, store)
    else:
        view_findings = answers.compare_as_known_at(projections, store, until)
        invariant_findings = []
    invariant_findings += check_ledger(store.db, PREFIX)
    findings = chain_findings + checkpoints.findings + scanned.findings + view_findings + invariant_findings + findings
    errors = sum(1 for f in findings if f.is_error)
    report = {
        "kind": "pooling.audit.replay",
        "version": 1,
        "replay_id": progress.replay_id,
        "started_at": progress.started_at,
        "finished_at": datetime.now(UTC).isoformat(),
        "until": until.isoformat() if until else None,
        "ok": errors == 0,
        "errors": errors,
        "information": len(findings) - errors,
        "store": {"backend": store.backend, "head": head, "simulated": bool(getattr(app, "simulated", False))},
        "totals": {
            "rows": scanned.rows,
            "person_events": scanned.person_events,
            "person_streams": scanned.person_streams,
            "streams": scanned.streams,
            "broken_streams": len(scanned.broken),
            "folded": scanned.folded,
            "workers": workers,
            "seconds": round(scanned.seconds, 3),
            "events_per_second": round(scanned.rows / scanned.seconds, 1) if scanned.seconds else 0.0,
        },
        "checkpoints": {
            "count": len(checkpoints.checkpoints),
            "sealed_up_to": checkpoints.sealed_up_to,
            "unsealed_tail_rows": checkpoints.tail_rows,
            "verified": checkpoints.verified,
        },
        "views": [c.as_dict() for c in comparisons],
        "invariants_checked": list(CHECKED),
        "findings": [f.as_dict() for f in findings],
    }
    progress.update(phase="writing the report")
    json_path, html_path = write_report(report, out_dir)
    progress.update(
        phase="done",
        ok=report["ok"],
        report_json=str(json_path),
        report_html=str(html_path),
        finished_at=report["finished_at"],
    )
    return ReplayResult(report, json_path, html_path)


def _public_key(app: Any, key_file: Path | None) -> tuple[Ed25519PublicKey | None, str | None]:
    try:
        return load_public_key(key_file or key_path(getattr(app, "env", None))), None
    except AuditKeyError as error:
        return None, str(error)


def _diagnose(store: LogStore, broken: dict[UUID, int]) -> list[Finding]:
    """Re-read each broken stream in version order and name its breaks (first break first)."""
    found: list[Finding] = []
    for stream in sorted(broken, key=lambda s: broken[s])[:CHAIN_FINDINGS]:
        found += diagnose(stream, store.stream(stream)) or [
            Finding(
                "chain",
                "broken",
                f"stream {stream}: broken at position {broken[stream]}",
                stream=str(stream),
                position=broken[stream],
            )
        ]
    if len(broken) > CHAIN_FINDINGS:
        found.append(Finding("chain", "more_broken_streams", f"{len(broken) - CHAIN_FINDINGS} more broken streams"))
    return found
