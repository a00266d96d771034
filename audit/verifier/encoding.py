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

MAX_SAFE_INTEGER = 2**53 - 1


class EncodingError(ValueError):
    """A value that has no canonical encoding (float, huge integer, non-string key, NUL...)."""


def _check(value: object) -> None:
    """Refuse what canonical JSON cannot hold; iterative, as it runs once per event."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                raise EncodingError("NUL character in a string")
        elif kind is dict:
            for key, child in item.items():
                if type(key) is not str or not key.isascii():
                    raise EncodingError(f"object keys must be ASCII strings: {key!r}")
                stack.append(child)
        elif kind is list:
            stack.extend(item)
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                raise EncodingError("integer outside +-(2**53-1)")
        elif item is None or kind is bool:
            continue
        elif isinstance(item, str | int) and not isinstance(item, float):
            # str and int subclasses (enums, Django choices) encode as their plain value.
            stack.append(str.__str__(item) if isinstance(item, str) else int(item))
        else:
            raise EncodingError(f"{kind.__name__} has no canonical encoding")


# One encoder for every event: json.dumps would build a new one per call.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: object, *, checked: bool = True) -> bytes:
    """Sorted keys, no whitespace, UTF-8, no floats: the bytes that are hashed.

    `checked=False` skips the walk that refuses floats and out-of-range integers: verifiers
    use it on values that a writer that followed the format could not have produced anyway,
    whose hash then cannot match."""
    if checked:
        _check(value)
    text = _ENCODER.encode(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodingError("lone surrogate in a string") from exc


def body_hash_unchecked(body: dict) -> str:
    """body_hash for verification (see canonical_json's `checked`)."""
    try:
        return hashlib.sha256(_ENCODER.encode(body).encode("utf-8")).hexdigest()
    except (ValueError, TypeError) as exc:
        raise EncodingError(str(exc)) from exc


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def format_timestamp(moment: datetime) -> str:
    """UTC, always six fractional digits, "Z" suffix: 2026-01-02T03:04:05.000006Z."""
    if moment.tzinfo is None:
        raise EncodingError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


TIMESTAMP_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def parse_timestamp(text: str) -> datetime:
    if not isinstance(text, str) or not TIMESTAMP_PATTERN.fullmatch(text):
        raise EncodingError(f"not a canonical timestamp: {text!r}")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise EncodingError(f"not a valid timestamp: {text!r}") from exc


def body_hash(body: dict) -> str:
    """Hex SHA-256 of the canonical body."""
    return sha256_hex(canonical_json(body))


def link_hash(*, seq: int, prev_hash: str, body_digest: str) -> str:
    """Hex SHA-256 of the canonical link object that chains one event to the previous one."""
    if type(seq) is not int or not (is_hex64(prev_hash) and is_hex64(body_digest)):
        raise EncodingError("a link is an integer seq and two 64-hex-digit hashes")
    return link_hash_of_checked(seq, prev_hash, body_digest)


def link_hash_of_checked(seq: int, prev_hash: str, body_digest: str) -> str:
    """link_hash for a caller that has already checked its three inputs (verifiers, once per
    event)."""
    # The canonical JSON of {"body_hash", "prev_hash", "seq"}, written out (keys sorted).
    link = f'{{"body_hash":"{body_digest}","prev_hash":"{prev_hash}","seq":{seq}}}'
    return hashlib.sha256(link.encode("ascii")).hexdigest()


_HEX_DIGITS = "0123456789abcdef"


def is_hex64(value: object) -> bool:
    """64 lowercase hex digits (what is left after stripping hex digits from both ends is
    empty only when every character is one)."""
    return type(value) is str and len(value) == 64 and not value.strip(_HEX_DIGITS)
