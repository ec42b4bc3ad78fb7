"""Raw request bodies, read with a size limit: the interchange parser, not FastAPI, validates a message, so
its errors come in the order and with the codes of DOMAIN.md §15.1."""

from __future__ import annotations

from fastapi import Request

from api.errors import ApiError

MESSAGE_LIMIT = 1024 * 1024  # one message is a few hundred bytes; a megabyte is generous

# Media types each body may be declared as. No Content-Type at all is accepted (curl, scripts); a declared type
# that is another format (a form, XML, HTML, multipart) is refused 415 before the body is read, so the sender
# learns it sent the wrong thing instead of reading a JSON parse error about it.
MESSAGE_TYPES = frozenset({"application/json", "text/json"})
IMPORT_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/json-lines",
        "application/json",
        "application/octet-stream",
        "text/plain",
    }
)


def check_media_type(request: Request, allowed: frozenset[str]) -> None:
    """415 `unsupported_media_type` for a declared Content-Type outside `allowed` (`…+json` counts as JSON)."""
    declared = request.headers.get("content-type")
    if declared is None:
        return
    media = declared.split(";", 1)[0].strip().lower()
    if media in allowed or (media.startswith("application/") and media.endswith("+json")):
        return
    wanted = ", ".join(sorted(allowed))
    raise ApiError(
        "unsupported_media_type", f"Content-Type {media[:60]!r} is not accepted here (send one of: {wanted})"
    )


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
    check_media_type(request, MESSAGE_TYPES)
    return await read_body(request, MESSAGE_LIMIT)


async def import_body(request: Request) -> bytes:
    check_media_type(request, IMPORT_TYPES)
    return await read_body(request, request.app.state.services.settings.max_import_bytes)
