"""The API test harness (no tests here): an app on a test store, a TestClient, and tokens for every role.

Each API test module builds its own `api` fixture from `harness(...)`, on the `simulated_env` store of
tests/conftest.py, so every story runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.auth import issue_token, load_key
from api.main import create_app
from api.settings import ApiSettings

Headers = dict[str, str]


class Harness:
    """A running app (lifespan entered) with helpers to mint tokens and send messages."""

    def __init__(self, client: TestClient, key: bytes) -> None:
        self.client, self.key = client, key

    @property
    def services(self) -> Any:
        return self.client.app.state.services  # type: ignore[attr-defined]

    def token(self, role: str, ttl: timedelta = timedelta(hours=1), **claims: Any) -> Headers:
        return {"Authorization": f"Bearer {issue_token(self.key, role, ttl=ttl, **claims)}"}

    def province(self, unit: str) -> Headers:
        return self.token("province", unit=unit)

    def ministry(self) -> Headers:
        return self.token("ministry")

    def auditor(self) -> Headers:
        return self.token("auditor")

    def citizen(self, citizen_id: str) -> Headers:
        return self.token("citizen", citizen_id=citizen_id)

    def writer(self, message: dict[str, Any]) -> Headers:
        """The token allowed to send a message: its issuing unit's (the ministry for "00")."""
        return self.ministry() if message["unit"] == "00" else self.province(message["unit"])

    def send(self, message: dict[str, Any], headers: Headers | None = None) -> Any:
        return self.client.post("/api/v1/messages", json=message, headers=headers or self.writer(message))

    def seed(self, messages: Iterable[dict[str, Any]]) -> None:
        """Apply a story straight through the application (batched: the HTTP path has tests of its own).

        Person messages go in one transaction per stretch between runs; each must be applied."""
        app, pending = self.services.app, []
        for message in [*messages, None]:
            if message is not None and message["type"] not in ("interest_run", "payout_run", "adjustment_run"):
                pending.append(message)
                continue
            for outcome in app.submit_batch(pending, issued_by="test:seed") if pending else []:
                assert isinstance(outcome, dict) and outcome["status"] == "applied", outcome
            pending = []
            if message is not None:
                assert app.submit(message, issued_by="test:seed")["status"] == "applied"

    def get(self, path: str, headers: Headers | None = None, **params: Any) -> Any:
        return self.client.get(path, headers=headers or {}, params=params or None)


@contextmanager
def harness(
    env: dict[str, str], tmp_path: Path, *, raise_server_exceptions: bool = True, **settings: Any
) -> Iterator[Harness]:
    """The app on `env`, its token key under `tmp_path`; reads catch the views up, no follower thread unless asked."""
    chosen = ApiSettings(token_key_file=tmp_path / "token.key", **{"projection_mode": "reads", **settings})
    app = create_app(env=env, settings=chosen)
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield Harness(client, load_key(chosen.token_key_file))


def assert_error(
    response: Any, status: int, code: str, *, field: str | None = None, rule: str | None = None
) -> dict[str, Any]:
    """The response is the one error model with this status and code (and field / rule when given)."""
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "field", "rule"}, body
    assert body["error"] == code, body
    if field is not None:
        assert body["field"] == field, body
    if rule is not None:
        assert body["rule"] == rule, body
    return body
