"""Property-based tests of the API against its own OpenAPI document (schemathesis, in-process ASGI).

Every operation gets a bounded number of generated requests (examples from the document first), each sent
with a token that may do it, so generated messages reach the interchange parser and the domain rules.
No answer may be a 5xx, and every answer must be one the document declares, in the declared shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from scenarios import combined
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_api_helpers import harness

from api.auth import issue_token
from api.main import create_app
from api.settings import ApiSettings
from standards.codes import POOLING_UNITS

MAX_EXAMPLES = 25  # per operation: 16 operations, a few hundred requests, well under a minute


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    """Import bodies are text: generated strings go as they are (the parser refuses what is not JSON)."""
    return value.encode() if isinstance(value, str) else str(value).encode()


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """A simulated SQLite store seeded with the two stories, so reads find persons and ledgers."""
    where = tmp_path_factory.mktemp("fuzz")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "POOLING_DB": str(where / "pooling.sqlite"),
        "POOLING_SIMULATED": "1",
    }
    with harness(env, where) as seeded:
        seeded.seed(combined())
    app = create_app(env=env, settings=ApiSettings(token_key_file=where / "token.key", projection_mode="reads"))
    with asgi.get_client(app):
        pass  # starts the app's lifespan (services, token key) and keeps it for every generated call
    yield app
    # schemathesis keeps an app's lifespan running until the process ends; end ours with the module.
    asgi.shutdown_lifespans()


# The document needs no store: building the app object opens nothing (the lifespan does). The lazy
# `schemathesis.pytest.from_fixture` loader is not used: it breaks on pytest 9.2 (Function._nodeid is gone).
schema = schemathesis.openapi.from_dict(create_app(settings=ApiSettings(projection_mode="reads")).openapi())


def _headers(app: FastAPI, case: Any) -> dict[str, str]:
    """A token that may send this request: a message's own unit, else the ministry (which reads everything)."""
    key = app.state.services.token_key
    body = case.body if isinstance(case.body, dict) else {}
    unit = body.get("unit")
    if isinstance(unit, str) and unit in POOLING_UNITS:
        return {"Authorization": f"Bearer {issue_token(key, 'province', unit=unit)}"}
    token = issue_token(key, "ministry")
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_operation_answers_a_server_error_or_an_undocumented_reply(fuzzed_app: FastAPI, case: Any) -> None:
    case.call_and_validate(
        app=fuzzed_app,
        headers=_headers(fuzzed_app, case),
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
