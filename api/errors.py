"""The one error model over HTTP: `{"error", "message", "field", "rule"}` (INTERCHANGE.md, Answers).

Domain, schema and identifier refusals keep their codes and the HTTP statuses of `standards.codes.ErrorCode`.
Refusals that only exist at the HTTP edge (an unknown route or job, a wrong method, a body too large or of
the wrong media type, too many requests) use transport codes of their own, listed in `TRANSPORT_CODES`; nothing is ever answered 200 with an
error inside, and an unexpected fault is a 500 with the same body shape."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import ConnectionUnavailableError, InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.masking import mask_ids
from domain.errors import DomainError
from standards.codes import ErrorCode
from standards.identifiers import IdentifierError
from standards.interchange import InterchangeError
from standards.policy import MissingPolicyData

log = logging.getLogger("pooling.api")

#: Codes of the HTTP edge, not of the interchange standard, with their statuses.
TRANSPORT_CODES: dict[str, int] = {
    "not_found": 404,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
}
INTERNAL_ERROR = "internal_error"


class ApiErrorModel(BaseModel):
    """The error body of every refusal: an interchange code (standards.codes.ErrorCode), or a transport code."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "rule_violation",
                    "message": "duplicate contribution for 2021-04",
                    "field": "period",
                    "rule": "R002",
                },
                {
                    "error": "forbidden",
                    "message": "a province operator writes only for its own unit",
                    "field": "unit",
                    "rule": None,
                },
            ]
        }
    )

    error: str = Field(
        description="one of: " + ", ".join([*(code.value for code in ErrorCode), *TRANSPORT_CODES, INTERNAL_ERROR])
    )
    message: str
    field: str | None = None
    rule: str | None = None


class ApiError(Exception):
    """A refusal decided by the API itself (authentication, authorization, parameters, jobs)."""

    def __init__(self, code: ErrorCode | str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code.value if isinstance(code, ErrorCode) else code
        self.status = code.http_status if isinstance(code, ErrorCode) else TRANSPORT_CODES[code]
        self.message, self.field = message, field


def error_body(error: Exception) -> tuple[int, dict[str, Any]]:
    """HTTP status and body of any refusal the application or the API can raise."""
    if isinstance(error, ApiError):
        return error.status, {"error": error.code, "message": error.message, "field": error.field, "rule": None}
    if isinstance(error, DomainError):
        return error.code.http_status, error.as_answer()
    if isinstance(error, InterchangeError):
        return error.code.http_status, {
            "error": error.code.value,
            "message": error.message,
            "field": error.field,
            "rule": None,
        }
    if isinstance(error, IdentifierError):
        # str(error) names the reason ("bad length", "unsupported region") but never the number itself.
        body = {"error": error.code.value, "message": str(error), "field": error.field or "citizen_id", "rule": None}
        return error.code.http_status, body
    if isinstance(error, MissingPolicyData):
        code = ErrorCode.MISSING_POLICY_DATA
        return code.http_status, {"error": code.value, "message": str(error), "field": None, "rule": None}
    raise TypeError(f"not a refusal: {type(error).__name__}")


def refusal(error: Exception) -> dict[str, Any]:
    """Just the body (for a job's line-by-line results)."""
    return error_body(error)[1]


def _respond(status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


async def _on_refusal(_: Request, error: Exception) -> JSONResponse:
    status, body = error_body(error)
    # RFC 6750: a 401 names the scheme the client should use.
    headers = {"WWW-Authenticate": 'Bearer realm="pooling"'} if status == 401 else None
    return _respond(status, body, headers)


async def _on_validation(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0] if error.errors() else {}
    # loc is ("query", "as_of") / ("path", "unit") / ("body", ...): the parameter's name is the field.
    path = [str(part) for part in first.get("loc", ())[1:]]
    field = ".".join(path) or None
    text = " ".join(str(first.get("msg", "invalid request")).split())
    message = f"{field}: {text}" if field else text
    return _respond(422, {"error": ErrorCode.INVALID_FIELD.value, "message": message, "field": field, "rule": None})


async def _on_http(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400:
        # FastAPI's "error parsing the body" (a JSON body that is not JSON): an invalid field like any other,
        # answered with the status every route documents for it.
        return _respond(
            422, {"error": ErrorCode.INVALID_FIELD.value, "message": str(error.detail), "field": None, "rule": None}
        )
    by_status = {401: "unauthorized", 403: "forbidden", 503: "unavailable"}
    by_status |= {status: code for code, status in TRANSPORT_CODES.items()}
    code = by_status.get(error.status_code, INTERNAL_ERROR if error.status_code >= 500 else "invalid_field")
    return _respond(
        error.status_code, {"error": code, "message": str(error.detail), "field": None, "rule": None}, error.headers
    )


async def _on_store_down(request: Request, error: Exception) -> JSONResponse:
    log.warning("store unavailable: %s", mask_ids(str(error)))
    # Later requests are answered 503 at once until a probe finds the store back (api/availability.py).
    gate = getattr(getattr(request.app.state, "services", None), "gate", None)
    if gate is not None:
        gate.mark_down()
    code = ErrorCode.UNAVAILABLE
    return _respond(
        code.http_status,
        {"error": code.value, "message": "the event store is not reachable", "field": None, "rule": None},
    )


async def _on_unexpected(_: Request, error: Exception) -> JSONResponse:
    # A fault, not a refusal: logged (IDs masked) and answered 500 in the one error model, never 200.
    log.error("unexpected %s: %s", type(error).__name__, mask_ids(str(error)), exc_info=error)
    return _respond(
        500, {"error": INTERNAL_ERROR, "message": "internal error; see the server log", "field": None, "rule": None}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map every refusal to the one error model, with its status."""
    refusals: tuple[type[Exception], ...] = (
        ApiError,
        DomainError,
        InterchangeError,
        IdentifierError,
        MissingPolicyData,
    )
    for kind in refusals:
        app.add_exception_handler(kind, _on_refusal)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    store_down: tuple[type[Exception], ...] = (OperationalError, InterfaceError, ConnectionUnavailableError)
    for kind in store_down:
        app.add_exception_handler(kind, _on_store_down)
    app.add_exception_handler(Exception, _on_unexpected)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the refusals a route can give, all with the one error model."""
    descriptions = {
        401: "unauthorized: missing, malformed or expired bearer token",
        403: "forbidden: the token's role or unit may not do this",
        404: "unknown_person / unknown_transfer / unknown_serial, or not_found",
        409: "rule_violation, serial_reused, run_exists, rate_mismatch, recovery_exceeds_receivable, conflict",
        413: "payload_too_large",
        415: "unsupported_media_type: the body's Content-Type is not one this route reads",
        422: "invalid_field, unknown_type, invalid_citizen_id, unsupported_id_region, invalid_uscc, clock_backwards",
        424: "missing_policy_data",
        429: "rate_limited: too many requests from this token or address (see Retry-After)",
        503: "unavailable: the event store is not reachable",
    }
    return {status: {"model": ApiErrorModel, "description": descriptions[status]} for status in statuses}
