"""Ed25519 signed notes and checkpoints (C2SP signed-note and tlog-checkpoint); see
docs/audit-format.md, section 4.

Standard library and `cryptography` only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .encoding import GENESIS_HASH, format_timestamp, parse_timestamp

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04  # C2SP tlog-cosignature: timestamped Ed25519
SIGNATURE_PREFIX = "\u2014 "  # EM DASH, space
_KEY_NAME = re.compile(r"[^\s+]+")
REASONS = ("periodic", "export", "manual", "start", "purge", "rotation")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteError(f"invalid base64: {text[:20]!r}") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def key_id(name: str, public_bytes: bytes, alg: int = ALG_ED25519) -> bytes:
    """First four bytes of SHA-256(name || "\\n" || alg || public key); alg 0x01 for the log's
    Ed25519 key, 0x04 for a witness's cosignature key."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_bytes).digest()[:4]


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key, written `<name>+<hex key id>+<base64(0x01 || key)>`."""

    name: str
    public_bytes: bytes
    alg: int = ALG_ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_bytes, self.alg)

    @property
    def is_cosigner(self) -> bool:
        return self.alg == ALG_COSIGNATURE_V1

    def encode(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([self.alg]) + self.public_bytes)}"

    @classmethod
    def parse(cls, text: str, *, cosigner: bool = False) -> VerifierKey:
        """A log key (0x01), or with cosigner=True a witness key (0x04, tlog-cosignature)."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not _KEY_NAME.fullmatch(parts[0]):
            raise NoteError("a verifier key is <name>+<hex key id>+<base64 key>")
        name, hex_id, encoded = parts
        raw = _b64decode(encoded)
        alg = ALG_COSIGNATURE_V1 if cosigner else ALG_ED25519
        if len(raw) != 33 or raw[0] != alg:
            raise NoteError(f"expected an Ed25519 verifier key with algorithm byte {alg:#04x}")
        key = cls(name=name, public_bytes=raw[1:], alg=alg)
        if key.key_id.hex() != hex_id.lower():
            raise NoteError("the verifier key's id does not match its name and key")
        return key

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_bytes).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    """A named Ed25519 private key. Lives in a file or the environment, never in the database."""

    name: str
    private_key: Ed25519PrivateKey
    alg: int = ALG_ED25519

    @property
    def verifier(self) -> VerifierKey:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return VerifierKey(name=self.name, public_bytes=raw, alg=self.alg)

    def cosign_line(self, text: str, timestamp: int) -> str:
        """A tlog-cosignature/v1 line over a checkpoint's text (this key's alg must be 0x04)."""
        signature = self.private_key.sign(cosigned_message(text, timestamp))
        payload = self.verifier.key_id + timestamp.to_bytes(8, "big") + signature
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(payload)}\n"

    def sign_line(self, text: str) -> str:
        signature = self.private_key.sign(text.encode("utf-8"))
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(self.verifier.key_id + signature)}\n"

    @classmethod
    def from_material(cls, *, name: str, material: bytes, alg: int = ALG_ED25519) -> SignerKey:
        """PEM (PKCS#8) or base64 of the 32-byte seed."""
        text = material.strip()
        if text.startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(text, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise NoteError("the audit signing key must be an Ed25519 key")
            return cls(name=name, private_key=key, alg=alg)
        seed = _b64decode(text.decode("ascii", errors="replace"))
        if len(seed) != 32:
            raise NoteError("a raw audit signing key is base64 of exactly 32 bytes")
        return cls(name=name, private_key=Ed25519PrivateKey.from_private_bytes(seed), alg=alg)


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What a tlog-cosignature/v1 signs: a header line, a time line, the checkpoint text."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode("utf-8")


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes  # everything after the key id (a cosignature: timestamp || signature)
    line: str = ""


@dataclass(frozen=True)
class SignedNote:
    text: str
    signatures: tuple[Signature, ...]
    # (line index, key) -> the line verifies: each line is verified once per key.
    _verified: dict = field(default_factory=dict, compare=False, repr=False)

    def _lines_of(self, key: VerifierKey) -> list[int]:
        return [
            index
            for index, sig in enumerate(self.signatures)
            if sig.name == key.name and sig.key_id == key.key_id
        ]

    def _signs(self, index: int, key: VerifierKey) -> bool:
        kept = self._verified.get((index, key))
        if kept is None:
            signature = self.signatures[index].signature
            kept = self._verified[(index, key)] = key.verify(self.text.encode("utf-8"), signature)
        return kept

    def _cosigns(self, index: int, key: VerifierKey) -> int | None:
        signature = self.signatures[index].signature
        if len(signature) != 72:
            return None
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp < 2**63 and key.verify(cosigned_message(self.text, timestamp), signature[8:]):
            return timestamp
        return None

    def signed_by(self, key: VerifierKey) -> bool:
        return any(self._signs(index, key) for index in self._lines_of(key))

    def badly_signed_by(self, key: VerifierKey) -> bool:
        """A line with this key's name and id whose signature does not verify: as in C2SP
        signed-note, a known key's line that fails makes the note invalid
        (docs/audit-format.md, section 4.5)."""
        if key.is_cosigner:
            return any(self._cosigns(index, key) is None for index in self._lines_of(key))
        return any(not self._signs(index, key) for index in self._lines_of(key))

    def cosigned_by(self, key: VerifierKey) -> int | None:
        """The timestamp of a valid tlog-cosignature/v1 by this witness key, or None."""
        for index in self._lines_of(key):
            timestamp = self._cosigns(index, key)
            if timestamp is not None:
                return timestamp
        return None


def parse_note(note: str) -> SignedNote:
    """Split `text \\n signature lines` and decode the signatures (unverified)."""
    if "\r" in note:
        raise NoteError("carriage return in note")
    head, sep, tail = note.rpartition("\n\n")
    if not sep or not head:
        raise NoteError("a note is its text, a blank line and signature lines")
    text = head + "\n"
    if not tail.endswith("\n"):
        raise NoteError("a note ends with a newline")
    signatures = []
    for line in tail[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("signature lines start with an em dash and a space")
        name, space, encoded = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        if not space or not _KEY_NAME.fullmatch(name):
            raise NoteError("a signature line is '\u2014 <name> <base64>'")
        raw = _b64decode(encoded)
        if len(raw) < 5:
            raise NoteError("a signature line carries a key id and a signature")
        signatures.append(Signature(name=name, key_id=raw[:4], signature=raw[4:], line=line + "\n"))
    if not signatures:
        raise NoteError("a note has at least one signature")
    return SignedNote(text=text, signatures=tuple(signatures))


def text_hash(text: str) -> str:
    """Hex SHA-256 of a checkpoint's text (its signed part); `prev` refers to it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A parsed checkpoint: origin, tree size, chain head hash and our extension lines."""

    origin: str
    size: int
    head_hash: str  # hex, as in events: the chain hash of event `size`
    root_hash: str | None  # hex Merkle root (format 2); None in format-1 checkpoints
    number: int
    time: datetime
    prev: str  # hex text hash of the previous checkpoint, GENESIS_HASH for the first
    reason: str
    rotate_to: VerifierKey | None
    purged_to: int | None
    note: SignedNote = field(compare=False)
    raw: str = field(compare=False)

    @property
    def text_hash(self) -> str:
        return text_hash(self.note.text)


def checkpoint_text(
    *,
    origin: str,
    size: int,
    head_hash: str,
    number: int,
    time: datetime,
    prev: str,
    reason: str,
    rotate_to: VerifierKey | None = None,
    purged_to: int | None = None,
    root_hash: str | None = None,
) -> str:
    """Format 2 (with `root_hash`): origin, size, Merkle root, then the extension lines
    `chain`, `number`, `time`, `prev`, `reason`. Format 1 (no root): the chain hash on the third
    line, no `chain` line."""
    if root_hash is None:
        lines = [origin, str(size), _b64(bytes.fromhex(head_hash))]
    else:
        lines = [
            origin,
            str(size),
            _b64(bytes.fromhex(root_hash)),
            f"chain {_b64(bytes.fromhex(head_hash))}",
        ]
    lines += [
        f"number {number}",
        f"time {format_timestamp(time)}",
        f"prev {_b64(bytes.fromhex(prev))}",
        f"reason {reason}",
    ]
    if rotate_to is not None:
        lines.append(f"rotate-to {rotate_to.encode()}")
    if purged_to is not None:
        lines.append(f"purged-to {purged_to}")
    return "\n".join(lines) + "\n"


def sign_checkpoint(text: str, signers: list[SignerKey]) -> str:
    return text + "\n" + "".join(signer.sign_line(text) for signer in signers)


def with_cosignatures(note: str, lines: list[str]) -> str:
    """The note with witnesses' cosignature lines appended (each ends with a newline)."""
    return note + "".join(line for line in lines if line not in note)


_DECIMAL = re.compile(r"0|[1-9]\d{0,18}")


def _extension(line: str, name: str) -> str:
    prefix = name + " "
    if not line.startswith(prefix):
        raise NoteError(f"expected the '{name}' line")
    return line[len(prefix) :]


def _hash_line(encoded: str) -> str:
    raw = _b64decode(encoded)
    if len(raw) != 32:
        raise NoteError("a hash line carries 32 bytes")
    return raw.hex()


def parse_checkpoint(raw: str) -> Checkpoint:
    note = parse_note(raw)
    lines = note.text[:-1].split("\n")
    root_hash = None
    if len(lines) > 3 and lines[3].startswith("chain "):
        root_hash = _hash_line(lines[2])
        lines = [lines[0], lines[1], _extension(lines[3], "chain"), *lines[4:]]
    if len(lines) not in (7, 8):
        raise NoteError("a checkpoint has 7 lines, 8 when it rotates the key or purges")
    origin, size, head, number, time, prev, reason = lines[:7]
    if not origin or any(ord(c) < 0x20 for c in note.text.replace("\n", "")):
        raise NoteError("empty origin or control character in checkpoint")
    if not _DECIMAL.fullmatch(size):
        raise NoteError("the size line is a decimal number without leading zeros")
    number_value = _extension(number, "number")
    if not _DECIMAL.fullmatch(number_value) or number_value == "0":
        raise NoteError("the checkpoint number is a positive decimal number")
    reason_value = _extension(reason, "reason")
    if reason_value not in REASONS:
        raise NoteError(f"unknown checkpoint reason {reason_value!r}")
    rotate_to = purged_to = None
    if reason_value == "rotation":
        if len(lines) != 8:
            raise NoteError("a rotation checkpoint ends with a rotate-to line")
        rotate_to = VerifierKey.parse(_extension(lines[7], "rotate-to"))
    elif reason_value == "purge":
        if len(lines) != 8:
            raise NoteError("a purge checkpoint ends with a purged-to line")
        purged = _extension(lines[7], "purged-to")
        if not _DECIMAL.fullmatch(purged):
            raise NoteError("purged-to is a decimal number")
        purged_to = int(purged)
        if not 1 <= purged_to <= int(size):
            raise NoteError("purged-to is at least 1 and at most the checkpoint size")
    elif len(lines) != 7:
        raise NoteError(f"a {reason_value} checkpoint has exactly 7 lines")
    try:
        moment = parse_timestamp(_extension(time, "time"))
    except ValueError as exc:
        raise NoteError(str(exc)) from exc
    return Checkpoint(
        origin=origin,
        size=int(size),
        head_hash=_hash_line(head),
        root_hash=root_hash,
        number=int(number_value),
        time=moment,
        prev=_hash_line(_extension(prev, "prev")),
        reason=reason_value,
        rotate_to=rotate_to,
        purged_to=purged_to,
        note=note,
        raw=raw,
    )


def split_notes(text: str) -> list[str]:
    """Split a checkpoints.txt: notes one after the other, each followed by one blank line."""
    notes: list[str] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    current: list[str] = []
    in_signatures = False
    for line in lines:
        if line == "":
            if not current:
                raise NoteError("unexpected blank line in checkpoints file")
            if in_signatures:
                notes.append("\n".join(current) + "\n")
                current, in_signatures = [], False
            else:
                current.append(line)
                in_signatures = True
            continue
        current.append(line)
    if current:
        raise NoteError("the checkpoints file does not end with a blank line")
    return notes


def read_keys(values: list[str], *, cosigner: bool = False) -> list[VerifierKey]:
    """Keys given as files (one key a line, blank lines ignored) or directly as
    '<name>+<id>+<base64>' (KEY-OR-FILE, docs/audit-format.md)."""
    keys = []
    for value in values:
        path = Path(value)
        text = path.read_text(encoding="utf-8") if path.is_file() else value
        keys += [
            VerifierKey.parse(line, cosigner=cosigner) for line in text.splitlines() if line.strip()
        ]
    return keys


def read_known(paths: list[str]) -> list[str]:
    """The notes of checkpoint files: one note, or several laid out as in checkpoints.txt."""
    notes = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        notes += split_notes(text if text.endswith("\n\n") else text + "\n")
    return notes


def join_notes(notes: list[str]) -> str:
    return "".join(note + "\n" for note in notes)


__all__ = [
    "GENESIS_HASH",
    "Checkpoint",
    "NoteError",
    "SignedNote",
    "SignerKey",
    "VerifierKey",
    "checkpoint_text",
    "join_notes",
    "parse_checkpoint",
    "sign_checkpoint",
    "split_notes",
]
