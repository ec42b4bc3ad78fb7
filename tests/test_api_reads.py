"""The read side over HTTP: dossier as of D / as known at T, events, the yearly series, ledgers, account
movements, risk findings, projection status, health and readiness, and the parameters they refuse.
Each story runs on SQLite and on PostgreSQL (simulated clock), with the stories of tests/scenarios.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_helpers import citizen_id
from eventsourcing.persistence import OperationalError
from scenarios import GUANGDONG_MAN, MS_LIN, at, combined, guangdong_man_moves_to_jiangsu
from test_api_helpers import Harness, assert_error, harness

from projections.queries import Projections

PERSONS = "/api/v1/persons"


@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path) -> Iterator[Harness]:
    with harness(simulated_env, tmp_path, raise_server_exceptions=False) as running:
        running.seed(combined())
        yield running


def dossier(api: Harness, citizen: str, **params: Any) -> dict[str, Any]:
    response = api.get(f"{PERSONS}/{citizen}/dossier", api.auditor(), **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_dossier_answers_as_of_a_date_and_as_known_at_an_instant(api: Harness) -> None:
    # DOMAIN §4.5/§5.3: Mr Wang's account is 4,973.94 at the end of 2021, 13,993.23 in Jiangsu after the transfer.
    now = dossier(api, GUANGDONG_MAN)
    assert (now["name"], now["status"], now["insured_unit"], now["relation_unit"]) == (
        "王强",
        "contributing",
        "32",
        "32",
    )
    assert now["account_balance_fen"] == 1_399_323 and now["months_by_unit"] == {"44": 30} and now["simulated"] is True
    end_2021 = dossier(api, GUANGDONG_MAN, as_of="2021-12-31")
    assert (end_2021["account_balance_fen"], end_2021["insured_unit"], end_2021["as_of"]) == (
        497_394,
        "44",
        "2021-12-31",
    )

    # DOMAIN §12.2: Ms Lin's back-payment recorded 2024-02-10 fills 2023-03..05 only as known after that day.
    before = dossier(api, MS_LIN, as_of="2023-12-31", as_known_at="2024-01-31")
    after = dossier(api, MS_LIN, as_of="2023-12-31", as_known_at="2024-03-01T00:00:00Z")
    assert [gap for gap in before["gaps"] if gap[0].startswith("2023")] == [["2023-03", "2023-05"]]
    assert [gap for gap in after["gaps"] if gap[0].startswith("2023")] == []
    assert before["as_known_at"] == "2024-01-31T15:59:59.999999Z"  # a bare date: the end of that day, China time
    # A lower-case x is the same person (normalized), an unknown valid ID is 404.
    assert_error(api.get(f"{PERSONS}/{citizen_id('1990-05-05')}/dossier", api.auditor()), 404, "unknown_person")


def test_events_and_the_yearly_series_follow_the_stream(api: Harness) -> None:
    events = api.get(f"{PERSONS}/{GUANGDONG_MAN}/events", api.ministry()).json()["events"]
    assert [e["type"] for e in events[:3]] == ["PersonRegistered", "Enrolled", "ContributionPaid"]
    assert events[2]["data"]["period"] == "2021-01" and events[2]["data"]["base_fen"] == 500_000
    assert [e["type"] for e in events[-2:]] == ["TransferSent", "TransferReceived"]
    assert all(e["reversed"] is False for e in events)

    series = api.get(f"{PERSONS}/{GUANGDONG_MAN}/series", api.ministry()).json()
    points = {p["year"]: p for p in series["points"]}
    assert sorted(points) == [2021, 2022, 2023, 2024]
    assert (points[2021]["average_base_fen"], points[2021]["months"], points[2021]["account_balance_fen"]) == (
        500_000,
        12,
        497_394,
    )
    assert points[2022]["account_balance_fen"] == 1_073_338  # §4.5: 10,733.38 at 2022-12-31
    assert points[2023]["months"] == 6 and points[2024]["average_base_fen"] is None
    # As of a past date the series stops there.
    past = api.get(f"{PERSONS}/{GUANGDONG_MAN}/series", api.ministry(), as_of="2022-06-30").json()
    assert [p["year"] for p in past["points"]] == [2021, 2022] and past["points"][-1]["months"] == 6

    # A correction (冲正) marks the event it reverses.
    wrong = {"type": "contribution", "serial": "lin-202402", "unit": "32", "citizen_id": MS_LIN, "period": "2024-02"}
    api.seed([wrong | {"base_fen": 600_000, "recorded_at": at("2024-02-16")}])
    api.seed(
        [
            {
                "type": "correction",
                "serial": "lin-fix",
                "unit": "32",
                "citizen_id": MS_LIN,
                "corrects_serial": "lin-202402",
            }
            | {"reason": "keyed twice", "recorded_at": at("2024-02-17")}
        ]
    )
    lin = api.get(f"{PERSONS}/{MS_LIN}/events", api.citizen(MS_LIN)).json()["events"]
    assert [e["reversed"] for e in lin if e["serial"] == "lin-202402"] == [True]


def test_ledgers_balance_by_unit_and_nationally(api: Harness) -> None:
    ministry = api.ministry()
    national = api.get("/api/v1/ledgers/national", ministry).json()
    assert national["unit"] == "national" and national["debits_fen"] == national["credits_fen"]
    assert national["transfer_in_transit_fen"] == 0
    # As known at the end of July 2023 the transfer was sent and not yet received: money in transit.
    in_july = api.get("/api/v1/ledgers/national", ministry, as_known_at="2023-07-31").json()
    assert in_july["transfer_in_transit_fen"] > 0 and in_july["as_known_at"].startswith("2023-07-31T15:59:59")

    guangdong = api.get("/api/v1/ledgers/units/44", ministry, as_of="2023-06").json()
    assert guangdong["unit"] == "44" and guangdong["as_of"] == "2023-06" and guangdong["accounts"]["ia_liability"] > 0

    units = api.get("/api/v1/ledgers/units", ministry).json()
    by_unit = {row["unit"]: row for row in units["units"]}
    assert set(by_unit) == {"32", "44"} and by_unit["44"]["name"] == "广东"
    assert units["national"]["bank_fen"] == by_unit["32"]["bank_fen"] + by_unit["44"]["bank_fen"]
    assert by_unit["44"]["ia_liability_fen"] == 0  # Mr Wang's account moved to 32

    # Mr Wang's account in 44, month by month: 400.00 a month in 2021 (8 % of 5,000.00).
    moves = api.get(
        "/api/v1/ledgers/units/44/accounts/ia_liability", ministry, **{"from": "2021-06", "as_of": "2021-08"}
    ).json()
    assert (moves["side"], moves["opening_balance_fen"], moves["closing_balance_fen"]) == ("Cr", 200_000, 320_000)
    assert [(m["month"], m["credit_fen"], m["balance_fen"]) for m in moves["months"]] == [
        ("2021-06", 40_000, 240_000),
        ("2021-07", 40_000, 280_000),
        ("2021-08", 40_000, 320_000),
    ]


def test_risk_findings_and_the_projections_status(simulated_env: dict[str, str], tmp_path: Path) -> None:
    with harness(simulated_env, tmp_path) as api:
        # The transfer is sent on 2023-07-20 and never received: R105 after 45 days.
        api.seed(guangdong_man_moves_to_jiangsu()[:-1])
        found = api.get("/api/v1/risk/findings", api.auditor(), scan_date="2023-12-31").json()
        assert [(f["rule"], f["citizen_id"]) for f in found] == [("R105", GUANGDONG_MAN)]
        assert api.get("/api/v1/risk/findings", api.auditor(), rule="R103", scan_date="2023-12-31").json() == []
        assert api.get("/api/v1/risk/findings", api.ministry(), scan_date="2023-08-01").json() == []

        status = api.get("/api/v1/projections/status", api.auditor()).json()
        assert set(status["views"]) == {"dossiers", "ledgers"} and status["follower"]["running"] is False
        assert all(view["position"] + view["lag"] == status["head"] for view in status["views"].values())


def test_the_follower_thread_keeps_the_views_current(simulated_env: dict[str, str], tmp_path: Path) -> None:
    with harness(simulated_env, tmp_path, projection_mode="thread", projection_interval=0.05) as api:
        api.seed(guangdong_man_moves_to_jiangsu()[:5])
        # No read has caught the views up: only the follower thread can bring the lag to zero.
        deadline, status = time.monotonic() + 15, {}
        while time.monotonic() < deadline:
            status = api.get("/api/v1/projections/status", api.ministry()).json()
            if status["head"] and all(view["lag"] == 0 for view in status["views"].values()):
                break
            time.sleep(0.05)
        assert status["follower"]["running"] is True and status["follower"]["failures"] == 0
        assert all(view["lag"] == 0 for view in status["views"].values()), status


def test_in_external_mode_the_server_never_writes_the_views(simulated_env: dict[str, str], tmp_path: Path) -> None:
    # `pooling project run --follow` runs beside the server: the server reads the views and never folds into
    # them (two runners in two processes could fold a batch twice).
    with harness(simulated_env, tmp_path, projection_mode="external") as api:
        api.seed(guangdong_man_moves_to_jiangsu()[:3])
        assert api.get("/api/v1/ledgers/national", api.auditor()).json()["debits_fen"] == 0
        status = api.get("/api/v1/projections/status", api.auditor()).json()
        assert status["follower"] == {
            "mode": "external",
            "running": False,
            "interval": 1.0,
            "failures": 0,
            "leading": False,
        }
        assert all(view["position"] == 0 for view in status["views"].values())
        # The other process catches up (here: the projections' own runner, as `project run` does).
        Projections(api.services.app).catch_up()
        assert api.get("/api/v1/ledgers/national", api.auditor()).json()["debits_fen"] > 0


def test_health_readiness_and_failures_keep_the_error_model(
    api: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz").json()
    assert ready["status"] == "ready" and ready["head"] > 0 and ready["simulated"] is True

    def store_down(*_: Any, **__: Any) -> Any:
        raise OperationalError("connection refused")

    # The store stops answering: not ready (503), and a read answers 503 in the one error model.
    monkeypatch.setattr(api.services.app.recorder, "max_notification_id", store_down)
    assert_error(api.get("/readyz"), 503, "unavailable")
    monkeypatch.setattr(api.services.projections, "dossier", store_down)
    assert_error(api.get(f"{PERSONS}/{GUANGDONG_MAN}/dossier", api.auditor()), 503, "unavailable")

    # A fault is a 500 in the same model, and the log line masks the citizen ID.
    def broken(citizen: str) -> Any:
        raise RuntimeError(f"cannot read {citizen}")

    monkeypatch.setattr(api.services.app, "events_of", broken)
    with caplog.at_level(logging.ERROR, logger="pooling.api"):
        assert_error(api.get(f"{PERSONS}/{GUANGDONG_MAN}/events", api.auditor()), 500, "internal_error")
    assert "440306**********37" in caplog.text and GUANGDONG_MAN not in caplog.text


def test_parameters_are_checked_before_anything_is_read(api: Harness) -> None:
    auditor = api.auditor()
    refusals = [
        (f"{PERSONS}/{GUANGDONG_MAN}/dossier", {"as_of": "2021-13-01"}, 422, "invalid_field", "as_of"),
        (f"{PERSONS}/{GUANGDONG_MAN}/dossier", {"as_of": "1000-01-01"}, 422, "invalid_field", "as_of"),
        (f"{PERSONS}/{GUANGDONG_MAN}/dossier", {"as_known_at": "yesterday"}, 422, "invalid_field", "as_known_at"),
        (f"{PERSONS}/{GUANGDONG_MAN}/series", {"as_known_at": "2024-02-30"}, 422, "invalid_field", "as_known_at"),
        (f"{PERSONS}/{GUANGDONG_MAN[:-1]}8/dossier", {}, 422, "invalid_citizen_id", "citizen_id"),
        (f"{PERSONS}/810000199001010011/events", {}, 422, "unsupported_id_region", "citizen_id"),
        (f"{PERSONS}/440306790101003/dossier", {}, 422, "invalid_citizen_id", "citizen_id"),
        ("/api/v1/ledgers/units/99", {}, 422, "invalid_field", "unit"),
        ("/api/v1/ledgers/units/00", {}, 422, "invalid_field", "unit"),
        ("/api/v1/ledgers/units/44/accounts/cash", {}, 422, "invalid_field", "account"),
        ("/api/v1/ledgers/units/44/accounts/bank", {"from": "2021-1"}, 422, "invalid_field", "from"),
        ("/api/v1/ledgers/national", {"as_of": "2023-13"}, 422, "invalid_field", "as_of"),
        ("/api/v1/risk/findings", {"rule": "R001"}, 422, "invalid_field", "rule"),
        ("/api/v1/risk/findings", {"scan_date": "2024/01/01"}, 422, "invalid_field", "scan_date"),
        ("/api/v1/imports/x", {"offset": "-1"}, 422, "invalid_field", "offset"),
        ("/api/v1/audit/status", {}, 404, "not_found", None),
    ]
    for path, params, status, code, field in refusals:
        assert_error(api.get(path, auditor, **params), status, code, field=field)
    reason = assert_error(api.get(f"{PERSONS}/440306790101003/dossier", auditor), 422, "invalid_citizen_id")
    assert "15-digit" in reason["message"]
    assert_error(api.client.delete(f"{PERSONS}/{GUANGDONG_MAN}/dossier", headers=auditor), 405, "method_not_allowed")


def test_openapi_documents_every_route_with_examples(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    with harness(sqlite_env, tmp_path) as api:
        document = api.get("/openapi.json").json()
        assert api.get("/docs").status_code == 200
    schemas = document["components"]["schemas"]
    # One error model: FastAPI's own validation error schema is never used.
    assert "HTTPValidationError" not in schemas
    assert [name for name, schema in schemas.items() if "examples" not in schema] == []
    assert {"EnrollmentMessage", "InterestRunMessage", "Message", "DossierModel", "ApiErrorModel"} <= set(schemas)
    examples = document["paths"]["/api/v1/messages"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert {"enrollment", "contribution", "transfer_request", "interest_run", "adjustment_run"} <= set(examples)
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
