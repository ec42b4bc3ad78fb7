"""The audit of what a run wrote (`projections/audit/since.py`): chains, stored dossiers and ledger movements of the
events after a position, without replaying the whole log. Each kind of damage it covers is named."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scenarios import GUANGDONG_MAN, MS_LIN, at, combined
from test_audit_support import RawStore

from domain.application import PoolingApplication
from domain.person import person_id
from projections.audit.since import check_since, ledger_answers
from projections.queries import Projections

UNITS: list[str | None] = [None, "44", "32"]

LATER = [
    {
        "type": "contribution",
        "serial": "lin-202402",
        "unit": "32",
        "citizen_id": MS_LIN,
        "period": "2024-02",
        "base_fen": 600_000,
        "recorded_at": at("2024-02-16"),
    },
    {
        "type": "correction",
        "serial": "lin-fix",
        "unit": "32",
        "citizen_id": MS_LIN,
        "corrects_serial": "lin-202402",
        "reason": "keyed twice",
        "recorded_at": at("2024-02-17"),
    },
]


@pytest.fixture
def store(simulated_env: dict[str, str]) -> Iterator[tuple[PoolingApplication, dict[str, str]]]:
    app = PoolingApplication(env=simulated_env)
    yield app, simulated_env
    app.close()


def _run(app: PoolingApplication, messages: list[dict[str, Any]]) -> tuple[int, dict[str | None, dict[str, Any]]]:
    """Take the position and the ledger answers, then submit the messages; the views follow (as a server's do)."""
    projections = Projections(app)
    projections.catch_up()
    since, before = app.recorder.max_notification_id() or 0, ledger_answers(projections, UNITS)
    for message in messages:
        app.submit(message)
    projections.catch_up()
    return since, before


def test_what_the_scenarios_wrote_passes_from_an_empty_store_and_from_a_later_position(
    store: tuple[PoolingApplication, dict[str, str]],
) -> None:
    app, _ = store
    since, before = _run(app, combined())
    result = check_since(app, since, before)
    assert result.ok, result.findings
    assert since == 1  # the store settings
    assert result.persons == 2 and result.ledgers == 3 and result.events == result.head - since
    assert "PASSED" in result.summary()
    # a correction later: its Reversed negates the postings of the event it reverses
    since, before = _run(app, LATER)
    result = check_since(app, since, before)
    assert result.ok, result.findings
    assert result.persons == 1 and result.events == 2


def test_a_ledger_row_changed_behind_the_follower_is_named(store: tuple[PoolingApplication, dict[str, str]]) -> None:
    app, env = store
    since, before = _run(app, combined())
    raw = RawStore(env)
    try:
        raw.execute(
            "UPDATE ledger_view SET debit_fen = debit_fen + 100 WHERE unit = %s AND account = %s AND month = %s",
            ("44", "bank", "2021-03"),
        )
    finally:
        raw.close()
    result = check_since(app, since, before)
    assert not result.ok and "FAILED" in result.summary()
    assert "ledger national: accounts" in " ".join(result.findings)
    assert any(finding.startswith("ledger 44: debits_fen") for finding in result.findings)
    assert not any(finding.startswith("ledger 32") for finding in result.findings)


def test_a_changed_stored_dossier_and_a_changed_event_are_named(
    store: tuple[PoolingApplication, dict[str, str]],
) -> None:
    app, env = store
    since, before = _run(app, combined())
    raw = RawStore(env)
    try:
        raw.execute("UPDATE dossier_view SET status = 'deceased' WHERE citizen_id = %s", (MS_LIN,))
        raw.execute(
            "UPDATE dossier_view SET dossier = replace(dossier, '\"contributing\"', '\"deceased\"') "
            "WHERE citizen_id = %s",
            (MS_LIN,),
        )
        rows = raw.rows(person_id(GUANGDONG_MAN))
        at_ = rows[9].json.index(b'"pooled_fen":') + len(b'"pooled_fen":')
        digit = rows[9].json[at_ : at_ + 1]
        raw.set_json(
            rows[9].position, rows[9].json[:at_] + str((int(digit) + 1) % 10).encode() + rows[9].json[at_ + 1 :]
        )
    finally:
        raw.close()
    result = check_since(app, since, before)
    found = " ".join(result.findings)
    assert f"dossier {MS_LIN}: the stored dossier differs" in found
    assert f"chain {person_id(GUANGDONG_MAN)}" in found
