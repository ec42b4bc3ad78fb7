"""Bearer tokens: HS256-signed JWTs (PyJWT) carrying a role and, by role, a pooling unit or a citizen ID.

Roles: `province` (with `unit`, a pooling-unit code), `ministry` (its unit is the national "00"),
`auditor`, `citizen` (with `citizen_id`). `exp` is required and honoured; `jti` names the token in the
`issued_by` of every write. The key is a random secret in a file (`POOLING_TOKEN_KEY_FILE`, default
`var/token.key`), created on first use with mode 0600 so only the service account can mint tokens."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt

from api.errors import ApiError
from standards.codes import NATIONAL_UNIT, POOLING_UNITS, ErrorCode
from standards.identifiers import IdentifierError, parse_citizen_id

ALGORITHM = "HS256"
ISSUER = "pooling"
KEY_BYTES = 32  # 256 bits, the HS256 block the RFC 7518 minimum asks for


class Role(StrEnum):
    """Who holds a token."""

    PROVINCE = "province"
    MINISTRY = "ministry"
    AUDITOR = "auditor"
    CITIZEN = "citizen"


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified holder of a token."""

    role: Role
    subject: str
    unit: str | None = None  # a province's unit; "00" for the ministry
    citizen_id: str | None = None

    @property
    def issued_by(self) -> str:
        """What a write records as its issuer, e.g. `province:44:3f2a…` (role, unit, token id)."""
        return f"{self.role.value}:{self.unit or '-'}:{self.subject}"

    @property
    def reads_everything(self) -> bool:
        return self.role in (Role.MINISTRY, Role.AUDITOR)


def load_key(path: Path) -> bytes:
    """The signing key, created on first use (mode 0600, never world- or group-readable)."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once cannot both write a key; the loser reads the winner's.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    # Like ssh with a private key: a key others can read may have been copied, so it is not used.
    if path.stat().st_mode & 0o077:
        raise ValueError(f"the token key {path} is readable by others: chmod 600 it (or remove it to make a new one)")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 2 * KEY_BYTES:
        raise ValueError(f"the token key in {path} is shorter than {KEY_BYTES} bytes")
    return key.encode("ascii")


def issue_token(
    key: bytes,
    role: Role | str,
    *,
    unit: str | None = None,
    citizen_id: str | None = None,
    ttl: timedelta = timedelta(hours=8),
    subject: str | None = None,
    now: datetime | None = None,
) -> str:
    """Sign a token for a role; the claims are checked exactly as `verify_token` will check them."""
    role = Role(role)
    issued = now or datetime.now(UTC)
    token_id = uuid.uuid4().hex[:16]
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": subject or token_id,
        "jti": token_id,
        "role": role.value,
        "iat": issued,
        "exp": issued + ttl,
    }
    if unit is not None:
        claims["unit"] = unit
    if citizen_id is not None:
        claims["citizen_id"] = citizen_id
    _principal(claims)  # refuse to mint a token that would be refused
    return jwt.encode(claims, key, algorithm=ALGORITHM)


# Tokens already verified, with their expiry: a request verified a token twice (rate limit, then route), and a
# reader sends the same token with every request; the HMAC check and claim parsing took ~20 % of a dossier read's
# CPU in the server (py-spy, session 9). Only a success is kept, and only until `exp`: a verification that passed
# once passes until then (no revocation list exists; `iat` and `nbf` only get further in the past).
_VERIFIED: dict[tuple[bytes, str], tuple[Principal, float]] = {}
VERIFIED_KEPT = 4096


def verify_token(key: bytes, token: str) -> Principal:
    """The principal of a valid token; ApiError `unauthorized` for any bad, expired or incomplete one."""
    known = _VERIFIED.get((key, token))
    if known is not None and time.time() < known[1]:
        return known[0]
    principal, expires = _verify(key, token)
    if len(_VERIFIED) >= VERIFIED_KEPT:
        _VERIFIED.clear()  # simpler than an LRU, and safe under concurrent requests
    _VERIFIED[(key, token)] = (principal, expires)
    return principal


def _verify(key: bytes, token: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],  # never taken from the token's header ("alg": "none" is refused)
            issuer=ISSUER,
            options={"require": ["exp", "iat", "role", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise ApiError(ErrorCode.UNAUTHORIZED, "the token has expired") from None
    except jwt.InvalidTokenError as error:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"invalid token: {error}") from None
    return _principal(claims), float(claims["exp"])


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(str(claims.get("role")))
    except ValueError:
        raise ApiError(ErrorCode.UNAUTHORIZED, "invalid token: unknown role") from None
    subject = str(claims.get("jti") or claims.get("sub"))
    unit, citizen = claims.get("unit"), claims.get("citizen_id")
    if role is Role.PROVINCE:
        if unit not in POOLING_UNITS:
            raise ApiError(ErrorCode.UNAUTHORIZED, "invalid token: a province token needs a pooling-unit code")
        return Principal(role, subject, unit=unit)
    if unit is not None and not (role is Role.MINISTRY and unit == NATIONAL_UNIT):
        raise ApiError(ErrorCode.UNAUTHORIZED, f"invalid token: a {role.value} token carries no unit")
    if role is Role.CITIZEN:
        try:
            number = parse_citizen_id(str(citizen), field="citizen_id").number
        except IdentifierError:
            raise ApiError(ErrorCode.UNAUTHORIZED, "invalid token: a citizen token needs a valid citizen_id") from None
        return Principal(role, subject, citizen_id=number)
    if citizen is not None:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"invalid token: a {role.value} token carries no citizen_id")
    return Principal(role, subject, unit=NATIONAL_UNIT if role is Role.MINISTRY else None)
