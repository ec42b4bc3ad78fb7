"""The Ed25519 key that signs checkpoints: a PEM file outside the database (`POOLING_AUDIT_KEY_FILE`).

The key lives outside the store on purpose: whoever can rewrite the events table can also rewrite the checkpoint
table, but cannot forge a signature without the key. `pooling keys init` writes the private key (mode 0600) and,
beside it, the public key, which is all a verifier needs: an auditor can check a copy of the store holding only
`<name>.pub.pem`."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DEFAULT_KEY_FILE = "var/audit_ed25519.pem"
KEY_FILE_SETTING = "POOLING_AUDIT_KEY_FILE"


class AuditKeyError(Exception):
    """The key file is missing, unreadable or not an Ed25519 key."""


def key_path(env: Mapping[str, str] | None = None) -> Path:
    """The configured private key file: the setting from `env` (the application's), else the process, else the default."""
    configured = (env or {}).get(KEY_FILE_SETTING) or os.environ.get(KEY_FILE_SETTING) or DEFAULT_KEY_FILE
    return Path(configured)


def public_path(private: Path) -> Path:
    """`var/audit_ed25519.pem` → `var/audit_ed25519.pub.pem`."""
    return private.with_name(private.name.removesuffix(".pem") + ".pub.pem")


def generate_key(path: Path, *, force: bool = False) -> str:
    """Write a new private key (0600) and its public key; answer the key id. Refuses to overwrite unless forced,
    since checkpoints signed by the old key could then no longer be verified."""
    if path.exists() and not force:
        raise AuditKeyError(f"{path} exists; pass --force to replace it (older checkpoints will no longer verify)")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    if force and path.exists():
        path.unlink()
    # O_EXCL with mode 0600 at creation: the private key is never readable by others, not even for an instant.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    public = key.public_key()
    public_path(path).write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return key_id(public)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise AuditKeyError(f"no signing key at {path}: run `pooling keys init` first") from None
    except (ValueError, TypeError) as error:
        raise AuditKeyError(f"{path} is not a readable private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The verifying key: from the private key file if present, else from the public key beside it."""
    if path.exists():
        return load_private_key(path).public_key()
    public = public_path(path)
    try:
        key = serialization.load_pem_public_key(public.read_bytes())
    except FileNotFoundError:
        raise AuditKeyError(f"no key at {path} nor {public}: checkpoint signatures cannot be checked") from None
    except ValueError as error:
        raise AuditKeyError(f"{public} is not a readable public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{public} is not an Ed25519 key")
    return key


def key_id(public: Ed25519PublicKey) -> str:
    """A short name of a public key (first 16 hex of SHA-256 of its raw bytes), stored with each checkpoint."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def verify(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True
