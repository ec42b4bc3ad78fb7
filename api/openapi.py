"""The OpenAPI document: FastAPI's own, plus the interchange message schemas (with their examples) as the
body of `POST /api/v1/messages`, which is parsed by the interchange parser rather than by FastAPI."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from standards.interchange import MESSAGE_ADAPTER, MESSAGE_MODELS

_REF = "#/components/schemas/{model}"


def _examples() -> dict[str, Any]:
    named: dict[str, Any] = {}
    for kind, model in MESSAGE_MODELS.items():
        extra = model.model_config.get("json_schema_extra")
        examples = extra.get("examples") if isinstance(extra, dict) else None
        if isinstance(examples, list) and examples:
            named[kind.value] = {"summary": kind.value, "value": examples[0]}
    return named


def message_request_body() -> dict[str, Any]:
    """The request body of `POST /api/v1/messages`: any message, discriminated by `type`."""
    return {
        "required": True,
        "description": "One interchange v1 message (INTERCHANGE.md); `serial` makes a retry safe.",
        "content": {"application/json": {"schema": {"$ref": _REF.format(model="Message")}, "examples": _examples()}},
    }


def import_request_body() -> dict[str, Any]:
    """The request body of `POST /api/v1/imports`: one message per line."""
    example = (
        '{"type": "contribution", "serial": "44-202401-0001", "unit": "44", "citizen_id": "440306197901010037", '
        '"period": "2024-01", "base_fen": 600000}\n'
    )
    schema = {"type": "string", "description": "JSON lines: one interchange message per line", "example": example}
    return {"required": True, "content": {"application/x-ndjson": {"schema": schema}}}


# Nested models of interchange v1 that carry no example of their own (standards/interchange/answers.py).
_NESTED_EXAMPLES: dict[str, Any] = {
    "BenefitModel": {
        "basic_fen": 180000,
        "account_fen": 100700,
        "transitional_fen": 60000,
        "adjustment_fen": 0,
        "total_fen": 340700,
    },
    "DossierEvent": {
        "type": "Enrolled",
        "effective": "2021-01-04",
        "recorded": "2021-01-04T02:00:00Z",
        "serial": "44-20210104-0001",
        "unit": "44",
    },
}


def _complete_examples(schemas: dict[str, Any]) -> None:
    """Every model shows an example at /docs: nested standard models get one here, enums their first value."""
    for name, schema in schemas.items():
        if "examples" in schema:
            continue
        if name in _NESTED_EXAMPLES:
            schema["examples"] = [_NESTED_EXAMPLES[name]]
        elif "enum" in schema:
            schema["examples"] = schema["enum"][:1]


def install_openapi(app: FastAPI) -> None:
    """Replace `app.openapi` with one that adds the message schemas under components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        union = MESSAGE_ADAPTER.json_schema(ref_template=_REF)
        for name, definition in union.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        examples = [example["value"] for example in _examples().values()]
        schemas["Message"] = {"title": "Message", **union, "examples": examples}
        _complete_examples(schemas)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
