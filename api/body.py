"""Raw request bodies, read with a size limit: the interchange parser, not FastAPI, validates a message, so
its errors come in the order and with the codes of DOMAIN.md §15.1."""

from __future__ import annotations

from fastapi import Request

from api.errors import ApiError

MESSAGE_LIMIT = 1024 * 1024  # one message is a few hundred bytes; a megabyte is generous


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or 413 `payload_too_large` as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError("payload_too_large", f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError("payload_too_large", f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def message_body(request: Request) -> bytes:
    return await read_body(request, MESSAGE_LIMIT)


async def import_body(request: Request) -> bytes:
    return await read_body(request, request.app.state.services.settings.max_import_bytes)
