"""Fast dossier reads give the answers of the definition: the stored row (with its kept event rows) when it is at
the stream's version, else the fold; the HTTP body is what `response_model=DossierModel` renders; kept renders and
kept folds never outlive a write. SQLite and PostgreSQL, no follower thread (reads do not catch up)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from scenarios import GUANGDONG_MAN, MS_LIN, at, combined
from test_api_helpers import Harness, assert_error, harness
from view_checks import assert_stored_dossier_is_the_fold

from api import params as parsing
from domain.clock import recorded_date
from projections.dossier import build_dossier, fold
from projections.runs import RunsHistory
from standards.interchange import DossierModel

PERSONS = "/api/v1/persons"
CITIZENS = (GUANGDONG_MAN, MS_LIN)


@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path) -> Iterator[Harness]:
    # Folds kept (off by default), so that the tests see a kept fold answer and a write make it stale.
    with harness(simulated_env, tmp_path, fold_cache=16) as running:
        running.seed(combined())
        yield running


def response_model_body(answer: dict[str, Any]) -> bytes:
    """What FastAPI itself sends for `answer` under `response_model=DossierModel` (the reference rendering)."""
    reference = FastAPI()

    @reference.get("/d", response_model=DossierModel)
    def d() -> Any:
        return answer

    with TestClient(reference) as client:
        return client.get("/d").content


def folded_now(api: Harness, citizen: str) -> dict[str, Any]:
    """The current dossier by its definition: build_dossier over the whole fold, at its last event's times."""
    app = api.services.app
    state = fold(app.events_of(citizen))
    last = state.history[-1].recorded_at
    return build_dossier(
        state,
        as_of=recorded_date(last),
        as_known_at=last,
        policy=app.policy,
        fallback_rate=RunsHistory(app).fallback_rate(app.policy, last),
        simulated=app.simulated,
    )


def test_current_reads_are_the_fold_before_and_after_the_view_catches_up(api: Harness) -> None:
    projections = api.services.projections
    # Nothing projected yet: no stored row, so the answer is folded.
    assert all(projections.stored_dossier(citizen) is None for citizen in CITIZENS)
    before = {citizen: api.get(f"{PERSONS}/{citizen}/dossier", api.auditor()) for citizen in CITIZENS}
    projections.catch_up()
    assert all(projections.stored_dossier(citizen) is not None for citizen in CITIZENS)
    assert_stored_dossier_is_the_fold(api.services.app, projections, CITIZENS)
    projections.documents_kept = 0
    for citizen in CITIZENS:
        expected = folded_now(api, citizen)
        assert projections.dossier(citizen) == expected == projections.folded_current(citizen)
        body = response_model_body(expected)
        assert before[citizen].status_code == 200 and before[citizen].content == body
        after = api.get(f"{PERSONS}/{citizen}/dossier", api.auditor())
        assert after.status_code == 200 and after.content == body
        assert after.headers["content-type"] == "application/json"


def test_as_of_reads_render_as_the_response_model_and_follow_writes(api: Harness) -> None:
    projections = api.services.projections
    for citizen in CITIZENS:
        for params in ({"as_of": "2022-06-30"}, {"as_known_at": "2023-07-31"}, {"as_of": "2021-12-31"}):
            first = api.get(f"{PERSONS}/{citizen}/dossier", api.ministry(), **params)
            again = api.get(f"{PERSONS}/{citizen}/dossier", api.ministry(), **params)  # from the kept fold
            day = date.fromisoformat(params["as_of"]) if "as_of" in params else None
            known = parsing.instant(params["as_known_at"]) if "as_known_at" in params else None
            expected = response_model_body(projections.dossier(citizen, day, known))
            assert first.content == again.content == expected

    # A write moves the stream: the kept fold and the kept render are not used for the next read.
    before_now = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.auditor()).json()
    before_as_of = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.auditor(), as_of="2030-01-01").json()
    message = {"type": "contribution", "serial": "lin-202402", "unit": "32", "citizen_id": MS_LIN}
    api.seed([message | {"period": "2024-02", "base_fen": 600_000, "recorded_at": at("2024-02-16")}])
    now = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.auditor()).json()
    as_of = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.auditor(), as_of="2030-01-01").json()
    assert len(now["events"]) == len(before_now["events"]) + 1 == len(as_of["events"])
    assert now["contribution_months"] == before_now["contribution_months"] + 1
    assert as_of["contribution_months"] == before_as_of["contribution_months"] + 1
    assert now["events"][-1]["serial"] == "lin-202402"

    # A correction marks the event it reverses, in the fold and in the view's kept rows alike.
    correction = {"type": "correction", "serial": "lin-fix", "unit": "32", "citizen_id": MS_LIN}
    api.seed([correction | {"corrects_serial": "lin-202402", "reason": "twice", "recorded_at": at("2024-02-17")}])
    folded = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.auditor()).json()
    projections.catch_up()
    projections.documents_kept = 0
    stored = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.auditor()).json()
    assert projections.stored_dossier(MS_LIN) is not None
    assert folded == stored
    assert [e.get("reversed") for e in stored["events"] if e["serial"] == "lin-202402"] == [True]
    assert_stored_dossier_is_the_fold(api.services.app, projections, CITIZENS)


def test_a_stored_row_behind_its_stream_is_not_used(api: Harness) -> None:
    """A write the view has not caught up with: the stored row (read in the same statement as the stream's head)
    is behind, so the answer is the fold, with the new event."""
    projections = api.services.projections
    projections.catch_up()
    projections.documents_kept = 0
    assert projections.stored_dossier(MS_LIN) is not None
    message = {"type": "contribution", "serial": "lin-202402", "unit": "32", "citizen_id": MS_LIN}
    api.seed([message | {"period": "2024-02", "base_fen": 600_000, "recorded_at": at("2024-02-16")}])
    assert projections.stored_dossier(MS_LIN) is None
    assert projections.dossier(MS_LIN) == folded_now(api, MS_LIN)
    read = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.auditor())
    assert read.content == response_model_body(folded_now(api, MS_LIN))
    assert read.json()["events"][-1]["serial"] == "lin-202402"


def test_a_view_without_event_rows_is_not_trusted(api: Harness) -> None:
    """A dossier row whose event rows are missing (a view built before they were kept) is answered by the fold."""
    projections = api.services.projections
    projections.catch_up()
    with projections.runner.db.transaction() as cursor:
        cursor.execute(f"DELETE FROM {projections.dossiers.events_table}")
    assert projections.stored_dossier(GUANGDONG_MAN) is None
    assert projections.dossier(GUANGDONG_MAN) == projections.folded_current(GUANGDONG_MAN)
    assert len(projections.dossier(GUANGDONG_MAN)["events"]) == len(api.services.app.events_of(GUANGDONG_MAN))


def test_province_reads_keep_their_refusals(api: Harness) -> None:
    # Guangdong (44) has dealings with Mr Wang (paid there) and none with Ms Lin (unit 32 only).
    assert api.get(f"{PERSONS}/{GUANGDONG_MAN}/dossier", api.province("44")).status_code == 200
    assert api.get(f"{PERSONS}/{GUANGDONG_MAN}/dossier", api.province("44"), as_of="2021-12-31").status_code == 200
    for params in ({}, {"as_of": "2021-12-31"}):
        refused = api.get(f"{PERSONS}/{MS_LIN}/dossier", api.province("44"), **params)
        assert_error(refused, 403, "forbidden", field="citizen_id")
        assert_error(api.get(f"{PERSONS}/{MS_LIN}/events", api.province("44")), 403, "forbidden", field="citizen_id")
    unknown = "11010519491231002X"
    assert_error(api.get(f"{PERSONS}/{unknown}/dossier", api.auditor()), 404, "unknown_person")
    assert_error(api.get(f"{PERSONS}/{unknown}/dossier", api.province("44")), 404, "unknown_person")
    assert_error(api.get(f"{PERSONS}/{unknown}/dossier", api.auditor(), as_of="2021-01-01"), 404, "unknown_person")


@pytest.mark.parametrize("kept", [0, 1])
def test_the_server_keeps_as_many_folds_as_its_setting_says(
    simulated_env: dict[str, str], tmp_path: Path, kept: int
) -> None:
    # A kept fold of a 20-year stream is ~0.5 MB and ~1,200 objects every full collection scans: the operator
    # bounds them (POOLING_FOLD_CACHE); with none kept, every as-of read folds and answers the same.
    with harness(simulated_env, tmp_path, fold_cache=kept) as api:
        api.seed(combined())
        answers = [
            api.get(f"{PERSONS}/{citizen}/dossier", api.ministry(), as_of="2022-06-30").content
            for citizen in (*CITIZENS, *CITIZENS)
        ]
        folds = api.services.projections._folds
        assert len(folds._kept) == kept
        assert answers[:2] == answers[2:]
