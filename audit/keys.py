"""The checkpoint signing key: from AUDIT_SIGNING_KEY (environment) or AUDIT_SIGNING_KEY_FILE,
never from the database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from .exceptions import SigningKeyUnavailable
from .verifier.notes import NoteError, SignerKey, private_key_pem

logger = logging.getLogger("relais.audit")


def key_name() -> str:
    """Signed-note key name: the log origin (no spaces, no "+")."""
    return settings.AUDIT_LOG_ORIGIN


def write_new_key(path: Path) -> None:
    """Create a new Ed25519 key file readable by its owner only; never overwrites."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = private_key_pem(Ed25519PrivateKey.generate())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def load_key_file(path: Path, *, name: str | None = None) -> SignerKey:
    try:
        material = path.read_bytes()
    except OSError as exc:
        raise SigningKeyUnavailable(f"cannot read the audit signing key file: {exc}") from exc
    try:
        return SignerKey.from_material(name=name or key_name(), material=material)
    except (NoteError, ValueError) as exc:
        raise SigningKeyUnavailable(f"invalid audit signing key: {exc}") from exc


def signing_key() -> SignerKey:
    """The configured key. In DEBUG only, a missing key file is created on first use."""
    if settings.AUDIT_SIGNING_KEY:
        try:
            return SignerKey.from_material(
                name=key_name(), material=settings.AUDIT_SIGNING_KEY.encode("utf-8")
            )
        except (NoteError, ValueError) as exc:
            raise SigningKeyUnavailable(f"invalid AUDIT_SIGNING_KEY: {exc}") from exc
    if not settings.AUDIT_SIGNING_KEY_FILE:
        raise SigningKeyUnavailable("set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE")
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if not path.exists() and settings.DEBUG:
        try:
            write_new_key(path)
            logger.warning("created a development audit signing key")
        except FileExistsError:
            pass  # another process created it first
    return load_key_file(path)
