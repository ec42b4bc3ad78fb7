"""Tamper evidence: each edit made with plain SQL behind the application's back is detected and named.

Every test seals the two scenario stories (several checkpoints), edits the store like an intruder with database
access would, replays, and expects a non-zero exit status with a finding naming the stream and version, the
position, or the view row. The same tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from scenarios import GUANGDONG_MAN
from test_audit_support import RANGE, Sealed, codes, encoded, errors, sealed_store

from projections.audit import start_replay


@pytest.fixture
def sealed(store_env: dict[str, str], tmp_path: Path) -> Iterator[Sealed]:
    store = sealed_store(store_env, tmp_path)
    yield store
    store.raw.close()
    store.app.close()


def replay(sealed: Sealed) -> dict[str, Any]:
    result = start_replay(sealed.app, out_dir=sealed.out)
    assert result.exit_code == (0 if result.ok else 1)
    return result.report


def named(report: dict[str, Any], code: str, **where: Any) -> dict[str, Any]:
    """The error finding with this code whose locating fields are `where`; fails listing what was found."""
    for finding in errors(report):
        if finding["code"] == code and all(finding.get(k) == v for k, v in where.items()):
            return finding
    raise AssertionError(f"no {code} {where} in {[(f['code'], f['message']) for f in errors(report)]}")


def first_chain_break(report: dict[str, Any], stream: str) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["category"] == "chain" and f.get("stream") == stream)


def test_the_untampered_store_passes(sealed: Sealed) -> None:
    result = start_replay(sealed.app, out_dir=sealed.out)
    assert result.ok and result.exit_code == 0, errors(result.report)
    assert result.report["checkpoints"]["count"] == 3 and all(c["ok"] for c in result.report["checkpoints"]["verified"])
    assert result.report["totals"]["person_streams"] == 2 and result.report["totals"]["broken_streams"] == 0
    assert result.json_path.exists() and "PASSED" in result.html_path.read_text(encoding="utf-8")


def test_one_changed_byte_is_named_by_stream_and_version(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    row = sealed.raw.rows(stream)[9]  # version 10, a ContributionPaid
    at = row.json.index(b'"pooled_fen":') + len(b'"pooled_fen":')
    digit = row.json[at : at + 1]
    sealed.raw.set_json(row.position, row.json[:at] + str((int(digit) + 1) % 10).encode() + row.json[at + 1 :])

    report = replay(sealed)

    assert first_chain_break(report, str(stream))["code"] == "hash_mismatch"
    named(report, "hash_mismatch", stream=str(stream), version=10, position=row.position)
    assert "root_mismatch" in codes(report)  # the seal of its range breaks too
    assert "row_differs" in codes(report)  # and the rebuilt views no longer match the live ones


def test_a_deleted_middle_event_is_a_missing_version_and_a_missing_position(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    row = sealed.raw.rows(stream)[9]
    sealed.raw.delete(row.position)

    report = replay(sealed)

    assert first_chain_break(report, str(stream))["code"] == "missing_version"
    named(report, "missing_version", stream=str(stream), version=10)
    named(report, "missing_rows", position=row.position)


def test_a_deleted_last_event_is_caught_by_the_checkpoint_and_the_stream_head(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    last = sealed.raw.rows(stream)[-1]
    sealed.raw.delete(last.position)

    report = replay(sealed)

    named(report, "missing_rows", position=last.position)
    named(report, "tail_deleted", stream=str(stream), version=last.version)


def test_a_cut_log_tail_is_caught_by_the_sealed_head(sealed: Sealed) -> None:
    head = sealed.raw.head()
    for position in (head, head - 1, head - 2):
        sealed.raw.delete(position)

    report = replay(sealed)

    named(report, "log_truncated", position=head - 2)
    assert f"position {head - 2}..{head} missing" in named(report, "missing_rows", position=head - 2)["message"]


def test_a_deleted_stream_is_caught_by_the_checkpoints_and_named_by_the_live_view(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    first = sealed.raw.rows(stream)[0]
    sealed.raw.delete_stream(stream)

    report = replay(sealed)

    named(report, "missing_rows", position=first.position)
    assert GUANGDONG_MAN in named(report, "stream_deleted", stream=str(stream))["message"]
    named(report, "row_only_live", view="dossier_view", stream=str(stream))


def test_swapped_states_are_named_as_moved_content(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    rows = sealed.raw.rows(stream)
    tenth, eleventh = rows[9], rows[10]
    sealed.raw.set_state(tenth.position, eleventh.state)
    sealed.raw.set_state(eleventh.position, tenth.state)

    report = replay(sealed)

    first = first_chain_break(report, str(stream))
    assert (first["code"], first["version"], first["position"]) == ("moved_content", 10, tenth.position)
    assert "content of version 11" in first["message"]


def test_swapped_versions_are_named_as_out_of_order(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    rows = sealed.raw.rows(stream)
    tenth, eleventh = rows[9], rows[10]
    sealed.raw.set_version(tenth.position, -1)
    sealed.raw.set_version(eleventh.position, 10)
    sealed.raw.set_version(tenth.position, 11)

    report = replay(sealed)

    named(report, "out_of_order", stream=str(stream), version=11, position=tenth.position)
    assert "root_mismatch" in codes(report)  # a leaf covers the version


def test_a_forged_event_with_a_plausible_hash_is_a_hash_mismatch(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    rows = sealed.raw.rows(stream)
    forged = orjson.loads(rows[9].json)
    forged.update(serial="c999999", period="2023-07", hash=hashlib.sha256(b"looks right").hexdigest())
    position = sealed.raw.insert(stream, rows[-1].version + 1, rows[9].topic, encoded(orjson.dumps(forged)))

    report = replay(sealed)

    named(report, "hash_mismatch", stream=str(stream), version=rows[-1].version + 1, position=position)
    assert any(f["code"] == "unsealed_tail" and f["severity"] == "info" for f in report["findings"])


def test_a_copied_event_with_a_new_version_is_named_as_a_copy(sealed: Sealed) -> None:
    stream = sealed.stream(GUANGDONG_MAN)
    rows = sealed.raw.rows(stream)
    position = sealed.raw.insert(stream, rows[-1].version + 1, rows[4].topic, rows[4].state)

    report = replay(sealed)

    finding = named(report, "copied_content", stream=str(stream), version=rows[-1].version + 1, position=position)
    assert "version 5" in finding["message"]


def test_a_changed_view_row_is_named_with_both_values(sealed: Sealed) -> None:
    sealed.raw.execute(
        "UPDATE ledger_view SET debit_fen = debit_fen + 100 WHERE unit = %s AND account = %s AND month = %s",
        ("44", "bank", "2021-03"),
    )

    report = replay(sealed)

    finding = named(
        report, "row_differs", view="ledger_view", key="unit=44, account=bank, month=2021-03", field="debit_fen"
    )
    assert finding["live"] == finding["rebuilt"] + 100
    assert "unbalanced" in codes(report)  # the live ledger no longer balances for 44 in 2021-03
    assert {f["category"] for f in errors(report)} == {"view", "invariant"}  # the log itself is intact


def test_an_altered_checkpoint_fails_its_signature(sealed: Sealed) -> None:
    sealed.raw.execute("UPDATE audit_checkpoints SET leaf_count = leaf_count - 1 WHERE first_position = 1")
    sealed.raw.execute("DELETE FROM audit_checkpoints WHERE first_position = %s", (RANGE + 1,))

    report = replay(sealed)

    assert {"bad_signature", "checkpoint_missing"} <= codes(report)
