"""Canonical encoding and hashes of audit events; see docs/audit-format.md, sections 2 and 3.

Standard library only: the standalone verifier and the Django app share this module.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64
FORMAT_VERSION = 1

# The body fields, all present in every event; "details" is the only nested object.
BODY_FIELDS = (
    "action",
    "actor_id",
    "actor_is_staff",
    "actor_roles",
    "actor_username",
    "departement_code",
    "details",
    "ip",
    "occurred_at",
    "org_code",
    "outcome",
    "request_id",
    "target_ref",
    "target_type",
    "user_agent",
    "v",
)

_HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_SAFE_INTEGER = 2**53 - 1


class EncodingError(ValueError):
    """A value that has no canonical encoding (float, huge integer, non-string key, NUL...)."""


def _check(value: object, path: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise EncodingError(f"{path}: integer outside +-(2**53-1)")
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise EncodingError(f"{path}: NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise EncodingError(f"{path}: lone surrogate") from exc
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise EncodingError(f"{path}: object keys must be ASCII strings")
            _check(item, f"{path}.{key}")
        return
    raise EncodingError(f"{path}: {type(value).__name__} has no canonical encoding")


def canonical_json(value: object) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no floats: the bytes that are hashed."""
    _check(value, "$")
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def format_timestamp(moment: datetime) -> str:
    """UTC, always six fractional digits, "Z" suffix: 2026-01-02T03:04:05.000006Z."""
    if moment.tzinfo is None:
        raise EncodingError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def parse_timestamp(text: str) -> datetime:
    if not isinstance(text, str) or not _TIMESTAMP.fullmatch(text):
        raise EncodingError(f"not a canonical timestamp: {text!r}")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def body_hash(body: dict) -> str:
    """Hex SHA-256 of the canonical body."""
    return sha256_hex(canonical_json(body))


def link_hash(*, seq: int, prev_hash: str, body_digest: str) -> str:
    """Hex SHA-256 of the canonical link object that chains one event to the previous one."""
    return sha256_hex(
        canonical_json({"body_hash": body_digest, "prev_hash": prev_hash, "seq": seq})
    )


def is_hex64(value: object) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None
