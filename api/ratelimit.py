"""A per-client request rate limit: a token bucket per bearer token (its `jti`), or per client address for
requests without a valid token, answering 429 `rate_limited` in the one error model with `Retry-After`.

Why a valid token and not the header's text: anyone can send a fresh garbage token with every request, so only a
token whose signature verifies gets a bucket of its own; everything else shares its address's bucket. The
default is generous (`POOLING_RATE_LIMIT_PER_SECOND` 1000 with a burst of `POOLING_RATE_LIMIT_BURST` 2000,
above what one worker process can serve) so it only stops a runaway client; 0 turns it off. The buckets live in
this process (one per worker), the least recently seen dropped past `MAX_CLIENTS`."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import verify_token
from api.errors import ApiError

MAX_CLIENTS = 10_000  # buckets kept; a forgotten client starts again with a full bucket
EXEMPT = ("/healthz", "/readyz")  # probes of load balancers and orchestrators are never limited


class TokenBuckets:
    """`rate` requests per second per key, up to `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, max(1, burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when the request may go on; else the seconds until the key has a token again."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        return wait


def client_key(scope: Scope, token_key: bytes | None) -> str:
    """`token:<jti>` for a verified bearer token, else `addr:<client host>`."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token and token_key is not None:
                try:
                    return f"token:{verify_token(token_key, token.strip()).subject}"
                except ApiError:
                    pass  # refused later by the route, with its own 401; counted against the address
            break
    client = scope.get("client")
    return f"addr:{client[0] if client else '-'}"


class RateLimitMiddleware:
    """429 `rate_limited` once a client's bucket is empty (pure ASGI: runs before the body is read)."""

    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate, burst) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        services: Any = getattr(scope["app"].state, "services", None)
        wait = self.buckets.take(client_key(scope, getattr(services, "token_key", None)))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body = {
            "error": "rate_limited",
            "message": f"too many requests: at most {self.buckets.rate:g} a second (burst {self.buckets.burst})",
            "field": None,
            "rule": None,
        }
        response = JSONResponse(body, status_code=429, headers={"Retry-After": str(max(1, math.ceil(wait)))})
        await response(scope, receive, send)
