"""POST /api/v1/messages: one message of any type, retries, every refusal code a message can get, runs as
background jobs, and the migration flag. Each story runs on SQLite and on PostgreSQL (simulated clock)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from app_helpers import citizen_id
from scenarios import GUANGDONG_MAN, at, guangdong_man_moves_to_jiangsu
from test_api_helpers import Harness, assert_error, harness

MESSAGES = "/api/v1/messages"


@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path) -> Iterator[Harness]:
    with harness(simulated_env, tmp_path) as running:
        # §4.5 / §5.3: contributions in 44 from 2021, transfer to 32 in July 2023 (store clock 2023-08-02).
        running.seed(guangdong_man_moves_to_jiangsu())
        yield running


def contribution(serial: str, unit: str = "32", **fields: Any) -> dict[str, Any]:
    """Mr Wang's August 2023 contribution in Jiangsu, recorded 2023-08-15."""
    body = {
        "type": "contribution",
        "serial": serial,
        "unit": unit,
        "citizen_id": GUANGDONG_MAN,
        "period": "2023-08",
        "base_fen": 600_000,
        "recorded_at": at("2023-08-15"),
    }
    return body | fields


def head(api: Harness) -> int:
    return int(api.get("/readyz").json()["head"])


def test_a_message_is_applied_once_and_a_retry_is_replayed(api: Harness) -> None:
    # Jiangsu sends the August contribution: 201 applied, with the amounts the system computed.
    first = api.send(contribution("32-202308-1"))
    assert first.status_code == 201
    applied = first.json()
    assert applied["status"] == "applied" and applied["events"] == ["ContributionPaid"]
    assert (applied["base_fen"], applied["account_fen"]) == (600_000, 48_000)
    written = head(api)

    # The network drops the answer and the province retries: 200, the first answer, nothing written.
    retry = api.send(contribution("32-202308-1"))
    assert retry.status_code == 200
    assert retry.json() == {**applied, "status": "replayed"}
    assert head(api) == written

    # The write records who issued it: role, unit and the token's id.
    record = api.services.app.command("32", "32-202308-1")
    assert record is not None and record.issued_by is not None and record.issued_by.startswith("province:32:")


def test_concurrent_retries_apply_a_message_exactly_once(api: Harness) -> None:
    # Eight retries of the same message race each other through the thread pool: one is applied.
    headers = api.province("32")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(lambda _: api.send(contribution("32-race"), headers).status_code, range(8)))
    assert statuses == [200] * 7 + [201]
    events = api.get(f"/api/v1/persons/{GUANGDONG_MAN}/events", headers).json()["events"]
    assert [e["serial"] for e in events].count("32-race") == 1


def test_every_refusal_a_message_can_get_has_its_code_and_status(api: Harness) -> None:
    other = citizen_id("1990-05-05")
    national = {"unit": "00", "recorded_at": at("2023-08-15")}
    refusals: list[tuple[dict[str, Any], int, str, str | None]] = [
        # 1. schema and field types
        (contribution("r1", base_fen="600000"), 422, "invalid_field", "base_fen"),
        (contribution("r2", base_fen=6000.5), 422, "invalid_field", "base_fen"),
        ({"type": "bonus", "serial": "r3", "unit": "32"}, 422, "unknown_type", "type"),
        # 3. the simulated clock never goes back
        (contribution("r4", recorded_at=at("2020-01-01")), 422, "clock_backwards", "recorded_at"),
        # 4. identifiers
        (contribution("r5", citizen_id=GUANGDONG_MAN[:-1] + "8"), 422, "invalid_citizen_id", "citizen_id"),
        (contribution("r6", citizen_id="810000199001010011"), 422, "unsupported_id_region", "citizen_id"),
        (
            {
                "type": "employer_change",
                "serial": "r7",
                "unit": "32",
                "citizen_id": GUANGDONG_MAN,
                "effective": "2023-08-10",
                "employer_uscc": "91350100M000100Y44",
                "recorded_at": at("2023-08-15"),
            },
            422,
            "invalid_uscc",
            "employer_uscc",
        ),
        # 5. the person exists; transfers and corrections name what they refer to
        (contribution("r8", citizen_id=other), 404, "unknown_person", "citizen_id"),
        (
            {
                "type": "transfer_send",
                "serial": "r9",
                "unit": "44",
                "citizen_id": GUANGDONG_MAN,
                "request_serial": "none",
            }
            | {"recorded_at": at("2023-08-15")},
            404,
            "unknown_transfer",
            "request_serial",
        ),
        (
            {
                "type": "correction",
                "serial": "r10",
                "unit": "32",
                "citizen_id": GUANGDONG_MAN,
                "corrects_serial": "never",
            }
            | {"reason": "keyed in error", "recorded_at": at("2023-08-15")},
            404,
            "unknown_serial",
            "corrects_serial",
        ),
        # runs and recoveries
        ({"type": "interest_run", "serial": "i2022-again", "year": 2022} | national, 409, "run_exists", "year"),
        (
            {"type": "adjustment_run", "serial": "adj-2023", "year": 2023, "rate": "0.99"} | national,
            409,
            "rate_mismatch",
            "rate",
        ),
        (
            {"type": "recovery", "serial": "r11", "unit": "32", "citizen_id": GUANGDONG_MAN, "amount_fen": 100}
            | {"recorded_at": at("2023-08-15")},
            409,
            "recovery_exceeds_receivable",
            "amount_fen",
        ),
        # 7. policy data the system does not have is never guessed
        (
            {"type": "interest_run", "serial": "i2030", "year": 2030, "unit": "00", "recorded_at": at("2031-01-10")},
            424,
            "missing_policy_data",
            None,
        ),
    ]
    before = head(api)
    for message, status, code, field in refusals:
        body = assert_error(api.send(message), status, code, field=field)
        assert body["rule"] is None
    # A bad ID is refused naming the reason, never echoing the number.
    bad = assert_error(api.send(contribution("r12", citizen_id=GUANGDONG_MAN[:-1] + "8")), 422, "invalid_citizen_id")
    assert "check" in bad["message"] and GUANGDONG_MAN[:-1] not in bad["message"]
    assert head(api) == before, "a refused message wrote something"

    # A rule refusal names its rule: a second contribution for August is R002 (重复缴费).
    assert api.send(contribution("ok-1")).status_code == 201
    assert_error(api.send(contribution("ok-2")), 409, "rule_violation", field="period", rule="R002")
    # The same serial with another body is serial_reused, checked before anything else of the message.
    assert_error(api.send(contribution("ok-1", base_fen=700_000)), 409, "serial_reused", field="serial")


def test_bodies_that_are_not_one_message_are_refused(api: Harness) -> None:
    headers = api.province("32")
    post = api.client.post
    assert_error(post(MESSAGES, content=b"{not json", headers=headers), 422, "invalid_field")
    assert_error(post(MESSAGES, json=[contribution("a")], headers=headers), 422, "invalid_field")
    assert_error(post(MESSAGES, json={"serial": "x", "unit": "32"}, headers=headers), 422, "unknown_type", field="type")
    too_big = b'{"type": "contribution", "reason": "' + b"x" * (1024 * 1024) + b'"}'
    assert_error(post(MESSAGES, content=too_big, headers=headers), 413, "payload_too_large")


def test_a_run_can_go_to_the_background_and_its_answer_is_read_back(api: Harness) -> None:
    # The ministry queues the 2023 interest run: 202 and a job to poll.
    run = {"type": "interest_run", "serial": "00-INT-2023", "unit": "00", "year": 2023, "recorded_at": at("2024-01-10")}
    queued = api.client.post(f"{MESSAGES}?background=true", json=run, headers=api.ministry())
    assert queued.status_code == 202
    job = queued.json()
    assert job["kind"] == "run" and queued.headers["Location"] == job["href"] == f"/api/v1/jobs/{job['job_id']}"
    done = wait_for(api, job["href"], api.ministry())
    assert done["status"] == "done" and done["applied"] == 1
    assert done["answer"]["status"] == "applied" and done["answer"]["summary"]["persons"] == 1

    # Sent again in the foreground, the same run is replayed: it never runs twice.
    again = api.send(run)
    assert again.status_code == 200 and again.json()["summary"] == done["answer"]["summary"]

    # A refused run is a job that finished with the refusal as its answer.
    twice = run | {"serial": "00-INT-2023-B", "recorded_at": at("2024-01-11")}
    queued = api.client.post(f"{MESSAGES}?background=true", json=twice, headers=api.ministry())
    refused = wait_for(api, queued.json()["href"], api.ministry())
    assert refused["refused"] == 1 and refused["answer"]["error"] == "run_exists"

    # Only runs go to the background.
    assert_error(
        api.client.post(f"{MESSAGES}?background=true", json=contribution("bg"), headers=api.province("32")),
        422,
        "invalid_field",
        field="background",
    )


def test_migration_messages_need_the_migrate_flag(api: Harness) -> None:
    opening = {
        "type": "opening_balance",
        "serial": "ob-1",
        "unit": "32",
        "citizen_id": GUANGDONG_MAN,
        "as_of": "2023-08-01",
        "account_fen": 100,
        "recorded_at": at("2023-08-15"),
    }
    assert_error(api.send(opening), 422, "invalid_field", field="type")
    migrated = api.client.post(f"{MESSAGES}?migrate=true", json=opening, headers=api.province("32"))
    assert migrated.status_code == 201 and migrated.json()["events"] == ["OpeningBalanceRecorded"]


def wait_for(api: Harness, href: str, headers: dict[str, str], timeout: float = 20.0) -> dict[str, Any]:
    """Poll a job until it is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = api.get(href, headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {href} did not finish in {timeout} s")
