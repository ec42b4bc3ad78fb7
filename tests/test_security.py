"""Security at the HTTP edge: bad tokens, roles and units, keys and reports not served, request-size and rate
limits, and logs without secrets or personal data (a real `pooling serve` process included).

What each role may do is api/README.md's matrix (DOMAIN.md says nothing of access): a province reads the persons
its unit has dealings with, a citizen only itself, auditors and the ministry everything; writes only by the
issuing unit."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from app_helpers import USCC, at
from cryptography.hazmat.primitives.asymmetric import rsa
from test_api_helpers import Harness, assert_error, harness

from api.auth import Role, issue_token, load_key
from api.ratelimit import TokenBuckets
from domain.application import PoolingApplication
from standards.identifiers import make_citizen_id

MESSAGES = "/api/v1/messages"
GUANGDONG = make_citizen_id("44", date(1979, 1, 1), 3)  # insured in 44 only
MOVER = make_citizen_id("44", date(1980, 2, 2), 5)  # insured in 44, then moved to 32
NAME = "欧阳娜娜"


def _enroll(citizen: str, unit: str, serial: str, day: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "enrollment",
        "serial": serial,
        "unit": unit,
        "citizen_id": citizen,
        "effective": day,
        "kind": "employee",
        "employer_uscc": USCC,
        "name": NAME,
        "hukou_unit": "44",
        "recorded_at": at(day),
        **extra,
    }


def story() -> list[dict[str, Any]]:
    """Two persons of 44; one leaves for 32 (suspended in 44, enrolled in 32)."""
    return [
        _enroll(GUANGDONG, "44", "sec-e1", "2021-01-04"),
        _enroll(MOVER, "44", "sec-e2", "2021-01-04"),
        {
            "type": "suspension",
            "serial": "sec-s1",
            "unit": "44",
            "citizen_id": MOVER,
            "effective": "2021-05-31",
            "reason": "left_employer",
            "recorded_at": at("2021-06-01"),
        },
        _enroll(MOVER, "32", "sec-e3", "2021-06-02"),
    ]


@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path) -> Iterator[Harness]:
    with harness(simulated_env, tmp_path) as seeded:
        seeded.seed(story())
        yield seeded


def contribution(unit: str = "44", serial: str = "sec-c1", citizen: str = GUANGDONG) -> dict[str, Any]:
    return {
        "type": "contribution",
        "serial": serial,
        "unit": unit,
        "citizen_id": citizen,
        "period": "2021-06",
        "base_fen": 600_000,
        "recorded_at": at("2021-06-15"),
    }


def head(api: Harness) -> int:
    return int(api.services.app.recorder.max_notification_id() or 0)


# --- tokens ---------------------------------------------------------------------------------------------------
def _forged(api: Harness) -> dict[str, str]:
    """Tokens that must all be refused 401, each a way of getting past the signature or the claims."""
    now = datetime.now(UTC)
    claims = {"iss": "pooling", "sub": "x", "jti": "x", "role": "ministry", "iat": now, "exp": now + timedelta(hours=1)}
    province = issue_token(api.key, Role.PROVINCE, unit="32")
    header, payload, signature = province.split(".")
    # The province's token with its payload swapped for a ministry one: the signature no longer matches.
    raised = (
        base64.urlsafe_b64encode(
            json.dumps(
                {**jwt.decode(province, options={"verify_signature": False}), "role": "ministry", "unit": "00"}
            ).encode()
        )
        .rstrip(b"=")
        .decode()
    )
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "signed with another key": jwt.encode(claims, b"k" * 64, algorithm="HS256"),
        "payload swapped, signature kept": f"{header}.{raised}.{signature}",
        "signature stripped": f"{header}.{payload}.",
        "alg none": jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        "HS512 with the right key": jwt.encode(claims, api.key, algorithm="HS512"),
        "RS256 (key confusion)": jwt.encode(claims, private, algorithm="RS256"),
        "expired a second ago": issue_token(
            api.key, Role.MINISTRY, now=now - timedelta(hours=1, seconds=1), ttl=timedelta(hours=1)
        ),
        "not valid yet (nbf)": jwt.encode({**claims, "nbf": now + timedelta(hours=1)}, api.key, algorithm="HS256"),
        "issued in the future": jwt.encode({**claims, "iat": now + timedelta(hours=1)}, api.key, algorithm="HS256"),
        "another issuer": jwt.encode({**claims, "iss": "elsewhere"}, api.key, algorithm="HS256"),
        "no expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, api.key, algorithm="HS256"),
        "province of unit 99": jwt.encode({**claims, "role": "province", "unit": "99"}, api.key, algorithm="HS256"),
        "citizen with a bad ID": jwt.encode(
            {**claims, "role": "citizen", "citizen_id": GUANGDONG[:-1] + "8"}, api.key, algorithm="HS256"
        ),
        "role admin": jwt.encode({**claims, "role": "admin"}, api.key, algorithm="HS256"),
        "empty": "",
    }


def test_forged_expired_and_malformed_tokens_are_refused_on_every_route_and_write_nothing(api: Harness) -> None:
    routes = [
        ("POST", MESSAGES, contribution()),
        ("POST", "/api/v1/imports", None),
        ("GET", f"/api/v1/persons/{GUANGDONG}/dossier", None),
        ("GET", "/api/v1/ledgers/national", None),
        ("GET", "/api/v1/whoami", None),
    ]
    before = head(api)
    for label, token in _forged(api).items():
        for method, path, body in routes:
            response = api.client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
            assert_error(response, 401, "unauthorized")
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), label
            assert token == "" or token not in response.text, f"{label}: the token is echoed"
    # A token anywhere but the Authorization header is no token.
    good = issue_token(api.key, Role.MINISTRY)
    assert_error(api.get("/api/v1/whoami", access_token=good), 401, "unauthorized")
    assert_error(api.get("/api/v1/whoami", {"Cookie": f"token={good}"}), 401, "unauthorized")
    assert_error(api.get("/api/v1/whoami", {"Authorization": f"Basic {good}"}), 401, "unauthorized")
    assert head(api) == before


# --- roles and units ------------------------------------------------------------------------------------------
def test_writes_only_by_the_issuing_unit_and_never_by_readers(api: Harness) -> None:
    before = head(api)
    refusals = [
        (api.province("32"), contribution("44"), "unit"),  # 32 writing 44's contribution
        (api.province("32"), {**contribution("44"), "unit": "32"} | {"serial": "x-1"}, None),  # R003: not insured in 32
        (api.ministry(), contribution("44", "x-2"), "unit"),
        (api.auditor(), contribution("44", "x-3"), None),
        (api.citizen(GUANGDONG), contribution("44", "x-4"), None),
    ]
    for headers, message, field in refusals:
        response = api.send(message, headers)
        assert response.status_code in (403, 409), response.text
        if response.status_code == 403:
            assert_error(response, 403, "forbidden", field=field)
    assert head(api) == before
    # An import by 32 of 44's lines refuses them line by line, writing nothing.
    body = json.dumps(contribution("44", "x-5")).encode() + b"\n"
    job = api.client.post("/api/v1/imports", content=body, headers=api.province("32")).json()
    for _ in range(100):
        found = api.get(job["href"], api.province("32")).json()
        if found["status"] == "done":
            break
        time.sleep(0.02)
    assert (found["refused"], found["results"][0]["error"]) == (1, "forbidden")
    for reader in (api.auditor(), api.citizen(GUANGDONG)):
        assert_error(api.client.post("/api/v1/imports", content=body, headers=reader), 403, "forbidden")
    # Another unit's job cannot be read back.
    assert_error(api.get(job["href"], api.province("44")), 403, "forbidden", field="job_id")
    assert head(api) == before


def test_a_province_reads_only_persons_its_unit_deals_with_and_a_citizen_only_itself(api: Harness) -> None:
    person = "/api/v1/persons/{}/{}"
    allowed = [
        (api.province("44"), GUANGDONG),
        (api.province("44"), MOVER),  # enrolled and paid in 44 before leaving
        (api.province("32"), MOVER),  # insured in 32 now
        (api.citizen(GUANGDONG), GUANGDONG),
        (api.auditor(), GUANGDONG),
        (api.ministry(), MOVER),
    ]
    refused = [
        (api.province("32"), GUANGDONG, "citizen_id"),  # no dealings with 32
        (api.province("11"), MOVER, "citizen_id"),
        (api.citizen(GUANGDONG), MOVER, "citizen_id"),
        (api.citizen(MOVER), GUANGDONG, "citizen_id"),
    ]
    for view in ("dossier", "events", "series"):
        for headers, citizen in allowed:
            assert api.get(person.format(citizen, view), headers).status_code == 200, (view, citizen)
        for headers, citizen, field in refused:
            body = assert_error(api.get(person.format(citizen, view), headers), 403, "forbidden", field=field)
            assert NAME not in body["message"]
        # Nor through the as-of and as-known-at reads, which fold the stream instead of reading the view.
        for headers, citizen, _ in refused:
            response = api.get(person.format(citizen, view), headers, as_known_at="2021-03-01")
            assert response.status_code == 403, (view, response.text)
    # Ledgers: a province its own unit only; a citizen none.
    assert api.get("/api/v1/ledgers/units/44", api.province("44")).status_code == 200
    assert_error(api.get("/api/v1/ledgers/units/32", api.province("44")), 403, "forbidden", field="unit")
    assert_error(api.get("/api/v1/ledgers/national", api.province("44")), 403, "forbidden")
    assert_error(api.get("/api/v1/ledgers/units/44", api.citizen(GUANGDONG)), 403, "forbidden")
    assert_error(api.get("/api/v1/risk/findings", api.province("44")), 403, "forbidden")


# --- what is never served ---------------------------------------------------------------------------------------
TRAVERSALS = [
    "/var/token.key",
    "/token.key",
    "/static/../var/token.key",
    "/static/%2e%2e/var/token.key",
    "/static/..%2fvar%2ftoken.key",
    "/static/%2e%2e%2f%2e%2e%2fvar%2ftoken.key",
    "/static/vendor/../../../var/token.key",
    "/static/../../api/settings.py",
    "/static/..%5c..%5cvar%5ctoken.key",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/var/audit_ed25519.pem",
    "/var/audit/",
    "/var/pooling.sqlite",
    "/.env",
]


def test_keys_reports_and_files_outside_static_are_not_served(api: Harness, tmp_path: Path) -> None:
    key = (tmp_path / "token.key").read_text().strip()
    for path in TRAVERSALS:
        response = api.client.get(path)
        assert response.status_code in (400, 404), (path, response.status_code)
        assert key not in response.text and "BEGIN" not in response.text and "root:" not in response.text, path
    assert api.client.get("/static/console.js").status_code == 200  # the console's own files are served


def test_the_audit_report_is_served_to_auditors_and_the_ministry_only(
    api: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POOLING_AUDIT_DIR", str(tmp_path / "audit"))
    readers = {"province": api.province("44"), "citizen": api.citizen(GUANGDONG)}
    paths = api.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    if "/api/v1/audit/replays" not in paths:  # no audit endpoint: nothing of the audit is served to anyone
        for path in ("/api/v1/audit/status", "/api/v1/audit/replays"):
            for headers in (*readers.values(), api.auditor()):
                assert_error(api.get(path, headers), 404, "not_found")
        return
    for headers in readers.values():
        assert_error(api.client.post("/api/v1/audit/replays", json={}, headers=headers), 403, "forbidden")
    started = api.client.post("/api/v1/audit/replays", json={}, headers=api.auditor())
    assert started.status_code == 202, started.text
    replay = f"/api/v1/audit/replays/{started.json()['replay_id']}"
    for _ in range(300):
        if api.get(replay, api.auditor()).json()["finished_at"]:
            break
        time.sleep(0.02)
    report = api.get(f"{replay}/report", api.auditor())
    assert report.status_code == 200 and report.json()["ok"] is True, report.text
    for who, headers in readers.items():
        for path in ("/api/v1/audit/status", replay, f"{replay}/report"):
            refused = assert_error(api.get(path, headers), 403, "forbidden")
            assert "findings" not in refused["message"], (who, path)
    # Nor is the report's file served by any static route.
    for name in os.listdir(tmp_path / "audit"):
        assert api.client.get(f"/static/../../{tmp_path.name}/audit/{name}").status_code == 404


# --- size and rate limits ---------------------------------------------------------------------------------------
def test_bodies_over_the_limits_are_refused_413_before_they_are_read_whole(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    with harness({**sqlite_env, "POOLING_SIMULATED": "1"}, tmp_path, max_import_bytes=1000) as api:
        headers = api.province("44")
        declared = api.client.post(MESSAGES, content=b"x" * (1024 * 1024 + 1), headers=headers)
        assert_error(declared, 413, "payload_too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted as the body streams in
            for _ in range(20):
                yield b" " * (64 * 1024)

        assert_error(api.client.post(MESSAGES, content=chunks(), headers=headers), 413, "payload_too_large")
        assert_error(
            api.client.post("/api/v1/imports", content=b"{}\n" * 400, headers=headers), 413, "payload_too_large"
        )
        assert api.client.post("/api/v1/imports", content=b"{}\n" * 300, headers=headers).status_code == 202


def test_a_client_over_its_rate_gets_429_in_the_error_model_and_others_do_not(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    with harness(sqlite_env, tmp_path, rate_limit_per_second=2, rate_limit_burst=5) as api:
        greedy, other = api.province("44"), api.province("44")  # two tokens of one unit: two clients
        answers = [api.get("/api/v1/whoami", greedy).status_code for _ in range(7)]
        assert answers == [200] * 5 + [429] * 2
        refused = assert_error(api.get("/api/v1/whoami", greedy), 429, "rate_limited")
        assert "at most 2 a second" in refused["message"]
        assert int(api.get("/api/v1/whoami", greedy).headers["Retry-After"]) >= 1
        assert api.get("/api/v1/whoami", other).status_code == 200
        assert api.get("/healthz").status_code == 200  # probes are never limited
        # Garbage tokens do not buy fresh buckets: they count against the address, like no token at all.
        garbage = [api.get("/api/v1/whoami", {"Authorization": f"Bearer junk{n}"}).status_code for n in range(7)]
        assert garbage == [401] * 5 + [429] * 2
        time.sleep(0.6)  # a token is back after half a second at 2 a second
        assert api.get("/api/v1/whoami", greedy).status_code == 200


def test_the_token_bucket_refills_at_its_rate_and_forgets_old_clients() -> None:
    buckets = TokenBuckets(rate=10, burst=2)
    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.1)]
    assert buckets.take("a", now=0.15) == 0.0
    assert buckets.take("b", now=0.15) == 0.0


def test_the_default_rate_limit_is_generous(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    with harness(sqlite_env, tmp_path) as api:
        headers = api.auditor()
        assert {api.get("/api/v1/whoami", headers).status_code for _ in range(300)} == {200}


# --- logs -----------------------------------------------------------------------------------------------------
def test_logs_carry_no_token_key_whole_citizen_id_or_name(
    sqlite_env: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with harness({**sqlite_env, "POOLING_SIMULATED": "1"}, tmp_path, raise_server_exceptions=False) as api:
        api.seed(story())
        _log_a_fault(api, tmp_path, caplog, monkeypatch)


def _log_a_fault(
    api: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = (tmp_path / "token.key").read_text().strip()
    token = issue_token(api.key, Role.PROVINCE, unit="44")
    headers = {"Authorization": f"Bearer {token}"}
    caplog.set_level(logging.DEBUG)
    api.get(f"/api/v1/persons/{GUANGDONG}/dossier", headers)
    api.get("/api/v1/whoami", {"Authorization": f"Bearer {token}x"})  # a bad signature

    # A fault whose message carries the whole message (ID and name), the token and the key: all masked.
    def broken(message: Any, **_: Any) -> Any:
        raise RuntimeError(f"cannot apply {dict(message)!r} for Bearer {token}")

    monkeypatch.setattr(api.services.app, "submit_grouped", broken)
    enrollment = _enroll(make_citizen_id("44", date(1990, 3, 3), 7), "44", "sec-e9", "2021-07-01")
    response = api.send(enrollment, headers)
    assert_error(response, 500, "internal_error")
    assert token not in response.text and NAME not in response.text

    # Everything the server side logged (httpx's lines are the test client's own, not the server's).
    formatter = logging.Formatter("%(name)s %(message)s")
    text = "\n".join(formatter.format(record) for record in caplog.records if not record.name.startswith("httpx"))
    assert "cannot apply" in text, "the fault was not logged"
    assert token not in text and key not in text
    assert GUANGDONG not in text and enrollment["citizen_id"] not in text
    assert NAME not in text and "'name': '欧***'" in text
    assert enrollment["citizen_id"][:6] + "*" * 10 in text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_served_process_logs_requests_without_secrets_and_refuses_raw_traversals(tmp_path: Path) -> None:
    """`pooling serve` for real (uvicorn's access log, raw request paths no client library normalizes)."""
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "var").mkdir()
    env = {
        **os.environ,
        "POOLING_DB": str(tmp_path / "var" / "pooling.sqlite"),
        "POOLING_TOKEN_KEY_FILE": str(tmp_path / "var" / "token.key"),
        "POOLING_SIMULATED": "1",
        "POOLING_PROJECTION_MODE": "reads",
    }
    app = PoolingApplication(env=env)
    for message in story():
        app.submit(message)
    app.close()
    port = _free_port()
    server = subprocess.Popen(
        [str(root / ".venv" / "bin" / "pooling"), "serve", "--port", str(port)],
        cwd=tmp_path,  # so `var/…` relative paths point at this test's files
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.1)
        key = (tmp_path / "var" / "token.key").read_text().strip()
        token = issue_token(load_key(tmp_path / "var" / "token.key"), Role.PROVINCE, unit="44")
        statuses = {}
        for path in [
            f"/api/v1/persons/{GUANGDONG}/dossier",
            f"/api/v1/persons/{GUANGDONG}/events?t={token}",
            *TRAVERSALS,
        ]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.putrequest("GET", path, skip_host=False, skip_accept_encoding=True)
            connection.putheader("Authorization", f"Bearer {token}")
            connection.endheaders()
            answer = connection.getresponse()
            body = answer.read().decode("utf-8", "replace")
            statuses[path] = answer.status
            assert key not in body, path
            connection.close()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    assert statuses[f"/api/v1/persons/{GUANGDONG}/dossier"] == 200
    assert all(statuses[path] in (400, 404) for path in TRAVERSALS), statuses
    assert "GET /api/v1/persons/" in output, output[-2000:]  # the access log is there…
    assert GUANGDONG not in output and token not in output and key not in output  # …without what it must not show
    assert GUANGDONG[:6] + "*" * 10 + GUANGDONG[-2:] in output
