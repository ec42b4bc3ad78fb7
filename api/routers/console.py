"""The web console at `/`: one static page (api/templates/index.html) with its script, style and the
vendored uPlot chart library under `/static` — no CDN, so it works offline. The page asks for a token."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

router = APIRouter(tags=["console"], include_in_schema=False)

# Only this origin's scripts and styles: a pasted token must not be readable by anything injected.
CONSOLE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@router.get("/")
def console() -> FileResponse:
    return FileResponse(TEMPLATES / "index.html", media_type="text/html", headers=CONSOLE_HEADERS)
