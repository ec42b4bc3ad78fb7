"""JSON Schema documents of interchange v1, as published in standards/schemas/."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from standards.interchange.answers import Applied, DossierModel, ErrorAnswer, LedgerModel
from standards.interchange.parsing import MESSAGE_ADAPTER, MESSAGE_MODELS

_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _document(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": _DIALECT, "$id": f"urn:pooling:interchange:v1:{name}", **schema}


def _output(model: type[BaseModel]) -> dict[str, Any]:
    # Serialization mode: the schema of what the system sends, not of what it would accept.
    return model.model_json_schema(mode="serialization")


def json_schemas() -> dict[str, dict[str, Any]]:
    """Every schema document by file name: one per message type, the union, and the answers."""
    documents = {
        f"{kind.value}.schema.json": _document(kind.value, model.model_json_schema())
        for kind, model in MESSAGE_MODELS.items()
    }
    union = {
        "title": "Message",
        "description": "Any interchange v1 message, discriminated by `type`.",
        **MESSAGE_ADAPTER.json_schema(),
    }
    documents["message.schema.json"] = _document("message", union)
    documents["applied.schema.json"] = _document("applied", _output(Applied))
    documents["error.schema.json"] = _document("error", _output(ErrorAnswer))
    documents["dossier.schema.json"] = _document("dossier", _output(DossierModel))
    documents["ledger.schema.json"] = _document("ledger", _output(LedgerModel))
    return documents


def render(schema: dict[str, Any]) -> str:
    """The file text of a schema document: stable, indented, UTF-8 (Chinese descriptions kept legible)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
