"""Access control: bearer tokens (401 `unauthorized`), the roles matrix (403 `forbidden`), `pooling token
issue`, `pooling serve`, and citizen IDs masked in log lines."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenarios import GUANGDONG_MAN, MS_LIN, combined
from test_api_helpers import Harness, assert_error, harness
from typer.testing import CliRunner

from api.auth import Role, issue_token, load_key, verify_token
from api.cli import app as cli
from api.errors import ApiError
from api.masking import MaskCitizenIds, mask_every_pattern, mask_ids, mask_personal

ROLES = ("p44", "p32", "p11", "ministry", "auditor", "citizen_wang", "citizen_lin")


@pytest.fixture
def api(simulated_env: dict[str, str], tmp_path: Path) -> Iterator[Harness]:
    with harness(simulated_env, tmp_path) as running:
        running.seed(combined())
        yield running


def tokens(api: Harness) -> dict[str, dict[str, str]]:
    return {
        "p44": api.province("44"),
        "p32": api.province("32"),
        "p11": api.province("11"),
        "ministry": api.ministry(),
        "auditor": api.auditor(),
        "citizen_wang": api.citizen(GUANGDONG_MAN),
        "citizen_lin": api.citizen(MS_LIN),
    }


def first(unit: str) -> dict[str, Any]:
    """A message of `unit` already applied by the seed: sending it again is a harmless retry (replayed)."""
    return next(message for message in combined() if message["unit"] == unit)


#        request                                             p44  p32  p11  min  aud  wang lin
MATRIX: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("GET", f"/api/v1/persons/{GUANGDONG_MAN}/dossier", None, (200, 200, 403, 200, 200, 200, 403)),
    ("GET", f"/api/v1/persons/{MS_LIN}/dossier?as_of=2022-01-01", None, (403, 200, 403, 200, 200, 403, 200)),
    ("GET", f"/api/v1/persons/{GUANGDONG_MAN}/events", None, (200, 200, 403, 200, 200, 200, 403)),
    ("GET", f"/api/v1/persons/{MS_LIN}/series", None, (403, 200, 403, 200, 200, 403, 200)),
    ("GET", "/api/v1/ledgers/national", None, (403, 403, 403, 200, 200, 403, 403)),
    ("GET", "/api/v1/ledgers/units", None, (403, 403, 403, 200, 200, 403, 403)),
    ("GET", "/api/v1/ledgers/units/44", None, (200, 403, 403, 200, 200, 403, 403)),
    ("GET", "/api/v1/ledgers/units/44/accounts/bank", None, (200, 403, 403, 200, 200, 403, 403)),
    ("GET", "/api/v1/risk/findings", None, (403, 403, 403, 200, 200, 403, 403)),
    ("GET", "/api/v1/projections/status", None, (200, 200, 200, 200, 200, 403, 403)),
    ("GET", "/api/v1/whoami", None, (200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/api/v1/messages", first("44"), (200, 403, 403, 403, 403, 403, 403)),
    ("POST", "/api/v1/messages", first("32"), (403, 200, 403, 403, 403, 403, 403)),
    ("POST", "/api/v1/messages", first("00"), (403, 403, 403, 200, 403, 403, 403)),
    ("POST", "/api/v1/imports", b"", (202, 202, 202, 202, 403, 403, 403)),
]


def test_every_role_is_allowed_exactly_what_the_matrix_says(api: Harness) -> None:
    holders = tokens(api)
    mismatches = []
    for method, path, body, expected in MATRIX:
        for role, wanted in zip(ROLES, expected, strict=True):
            sent = {} if method == "GET" else {"content": body} if isinstance(body, bytes) else {"json": body}
            response = api.client.request(method, path, headers=holders[role], **sent)
            if response.status_code != wanted:
                mismatches.append((method, path, role, response.status_code, wanted))
            elif wanted == 403:
                assert_error(response, 403, "forbidden")
    assert mismatches == []


def test_a_province_writes_only_its_own_unit_and_the_refusal_names_the_field(api: Harness) -> None:
    # Jiangsu may not send Guangdong's transfer (the send comes from the sending unit, 44).
    send = next(message for message in combined() if message["type"] == "transfer_send")
    body = assert_error(api.send(send, api.province("32")), 403, "forbidden", field="unit")
    assert "unit 32" in body["message"]
    assert api.send(send, api.province("44")).json()["status"] == "replayed"
    # The ministry writes national messages only; a citizen's own dossier is readable, nobody else's.
    assert_error(api.send(first("44"), api.ministry()), 403, "forbidden", field="unit")
    who = api.get("/api/v1/whoami", api.citizen(GUANGDONG_MAN.lower())).json()
    assert (who["role"], who["citizen_id"], who["unit"]) == ("citizen", GUANGDONG_MAN, None)


def test_tokens_that_are_missing_bad_or_expired_are_unauthorized(api: Harness) -> None:
    path = "/api/v1/whoami"
    missing = assert_error(api.get(path), 401, "unauthorized")
    assert "bearer token is required" in missing["message"]
    assert api.get(path).headers["WWW-Authenticate"].startswith("Bearer")
    now = datetime.now(UTC)
    claims = {"iss": "pooling", "sub": "x", "role": "auditor", "iat": now, "exp": now + timedelta(hours=1)}
    bad = {
        "garbage": "Bearer not-a-jwt",
        "basic": "Basic dXNlcjpwYXNz",
        "expired": "Bearer " + issue_token(api.key, Role.AUDITOR, now=now - timedelta(hours=2), ttl=timedelta(hours=1)),
        "other key": "Bearer " + jwt.encode(claims, b"k" * 64, algorithm="HS256"),
        "alg none": "Bearer " + jwt.encode(claims, None, algorithm="none"),
        "no exp": "Bearer " + jwt.encode({k: v for k, v in claims.items() if k != "exp"}, api.key, algorithm="HS256"),
        "unknown role": "Bearer " + jwt.encode(claims | {"role": "admin"}, api.key, algorithm="HS256"),
        "province without unit": "Bearer " + jwt.encode(claims | {"role": "province"}, api.key, algorithm="HS256"),
        "auditor with unit": "Bearer " + jwt.encode(claims | {"unit": "44"}, api.key, algorithm="HS256"),
        "citizen with bad id": "Bearer "
        + jwt.encode(claims | {"role": "citizen", "citizen_id": "1"}, api.key, algorithm="HS256"),
        "other issuer": "Bearer " + jwt.encode(claims | {"iss": "elsewhere"}, api.key, algorithm="HS256"),
    }
    for name, header in bad.items():
        body = assert_error(api.get(path, {"Authorization": header}), 401, "unauthorized")
        assert body["message"], name
    expired = api.get(path, {"Authorization": bad["expired"]}).json()
    assert "expired" in expired["message"]
    # Refusals come before anything else: an unauthorized write writes nothing.
    assert_error(api.client.post("/api/v1/messages", json=first("44")), 401, "unauthorized")


def test_tokens_are_only_minted_for_valid_claims(tmp_path: Path) -> None:
    key = load_key(tmp_path / "k" / "token.key")
    assert stat.S_IMODE(os.stat(tmp_path / "k" / "token.key").st_mode) == 0o600
    assert load_key(tmp_path / "k" / "token.key") == key  # created once, then read
    os.chmod(tmp_path / "k" / "token.key", 0o644)
    with pytest.raises(ValueError, match="chmod 600"):
        load_key(tmp_path / "k" / "token.key")
    for role, claims in (("province", {}), ("province", {"unit": "00"}), ("citizen", {}), ("auditor", {"unit": "44"})):
        with pytest.raises(ApiError):
            issue_token(key, role, **claims)
    principal = verify_token(key, issue_token(key, "province", unit="44", subject="zhang.san"))
    assert (principal.role, principal.unit) == (Role.PROVINCE, "44")
    assert principal.issued_by.startswith("province:44:")
    assert verify_token(key, issue_token(key, "ministry")).issued_by.startswith("ministry:00:")


def test_a_verified_token_stays_tied_to_its_key_and_is_refused_once_it_expires(tmp_path: Path) -> None:
    # verify_token keeps what it verified (api/auth.py): the kept answer must not outlive the token or its key.
    key, other = load_key(tmp_path / "a" / "token.key"), load_key(tmp_path / "b" / "token.key")
    token = issue_token(key, "auditor", ttl=timedelta(seconds=2))
    assert verify_token(key, token).role is Role.AUDITOR
    assert verify_token(key, token).role is Role.AUDITOR  # the kept answer
    with pytest.raises(ApiError, match="invalid token"):
        verify_token(other, token)
    expires = jwt.decode(token, key, algorithms=["HS256"], issuer="pooling")["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(ApiError, match="expired"):
        verify_token(key, token)


def test_the_token_command_prints_just_a_token(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"POOLING_TOKEN_KEY_FILE": str(tmp_path / "var" / "token.key")}
    issued = runner.invoke(cli, ["token", "issue", "--role", "province", "--unit", "44", "--ttl-hours", "2"], env=env)
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert "\n" not in token and token.count(".") == 2
    principal = verify_token(load_key(tmp_path / "var" / "token.key"), token)
    assert principal.unit == "44"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 2 * 3600
    citizen = runner.invoke(cli, ["token", "issue", "--role", "citizen", "--citizen-id", "11010519491231002x"], env=env)
    assert (
        verify_token(load_key(tmp_path / "var" / "token.key"), citizen.stdout.strip()).citizen_id
        == "11010519491231002X"
    )
    refused = runner.invoke(cli, ["token", "issue", "--role", "province"], env=env)
    assert refused.exit_code == 1 and "pooling-unit code" in refused.output


def test_serve_starts_uvicorn_on_the_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    called: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: called.update(app=app, **kwargs))
    result = CliRunner().invoke(cli, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (called["app"], called["factory"], called["host"], called["port"]) == (
        "api.main:create_app",
        True,
        "127.0.0.1",
        8123,
    )
    assert all(handler["filters"] == ["mask_ids"] for handler in called["log_config"]["handlers"].values())


# Pieces of what the masking patterns look for, and of what surrounds it, so that generated text often holds a
# citizen ID, a JWT, a bearer token or a name key, whole or cut.
_LOG_PIECES = [
    "GET ",
    "/api/v1/persons/",
    GUANGDONG_MAN,
    MS_LIN[:12],
    "11010519491231002x",
    "0123456789",
    "eyJ",
    "eyJhbGciOi.",
    "abc.def",
    "Bearer ",
    "BEARER\t",
    "bearer",
    "name",
    "employer_name",
    '"name": "',
    "'name': '",
    "name='",
    "王强",
    '"',
    "'",
    " ",
    "=",
    ":",
    ".",
    "-",
    "_",
    "\\",
    "\n",
    "X",
]


@given(st.lists(st.sampled_from(_LOG_PIECES), max_size=12).map("".join))
def test_the_masking_shortcut_never_changes_a_masked_line(text: str) -> None:
    # mask_personal skips the substitutions when none of their patterns can match; it must give what they give.
    assert mask_personal(text) == mask_every_pattern(text)


def test_log_lines_mask_citizen_ids() -> None:
    assert mask_ids(f"GET /api/v1/persons/{GUANGDONG_MAN}/dossier") == "GET /api/v1/persons/440306**********37/dossier"
    assert mask_ids("11010519491231002X and 11010519491231002x") == "110105**********2X and 110105**********2x"
    assert (
        mask_ids("USCC 91350100M000100Y43, serial 44-202104-000123")
        == "USCC 91350100M000100Y43, serial 44-202104-000123"
    )
    # uvicorn's access formatter unpacks record.args itself: they are masked in place, not flattened.
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", f"/x/{MS_LIN}", "1.1", 200),
        None,
    )
    assert MaskCitizenIds().filter(record)
    assert record.args == ("127.0.0.1:5", "GET", "/x/320583**********47", "1.1", 200)
