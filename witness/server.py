"""The HTTP interface: POST <prefix>/add-checkpoint (C2SP tlog-witness)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from audit.verifier import merkle
from audit.verifier.notes import NoteError, SignerKey, VerifierKey, parse_checkpoint, parse_note

from .store import Store

logger = logging.getLogger("witness")
MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63
# Seconds a connection may stay silent (a body may take twice as long in all), and the
# connections served at once: a client sending slowly or not at all holds one thread.
READ_TIMEOUT = 5.0
MAX_CONNECTIONS = 64


@dataclass
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


class Refused(Exception):
    """An answer other than 200; `code` names the check a 409 or 422 failed, as recorded."""

    def __init__(
        self,
        status: int,
        reason: str,
        content_type: str = "text/plain; charset=utf-8",
        *,
        code: str = "",
    ):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.content_type = content_type
        self.code = code


MAX_SIZE = 2**63 - 1  # SQLite's INTEGER, and tlog-checkpoint's sizes are uint64 anyway


def _decimal(text: str) -> int:
    decimal = text.isascii() and text.isdigit() and len(text) <= 19
    if not decimal or (text != "0" and text.startswith("0")):
        raise Refused(400, "sizes are decimal numbers without leading zeros")
    if int(text) > MAX_SIZE:
        raise Refused(400, "sizes are at most 2^63-1")
    return int(text)


def _content_length(header: str) -> int:
    """The header's value, or 0 when it is no plain decimal number (int() would take "-1",
    "+5", " 5" or other scripts' digits, or raise)."""
    if not (header.isascii() and header.isdigit()) or len(header) > 9:
        return 0
    return int(header)


def parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    """(old size, consistency proof, checkpoint note) from an add-checkpoint body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, "the body is not UTF-8") from exc
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise Refused(400, "an old size line, proof lines, an empty line, then the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise Refused(400, "the first line is 'old <size>'")
    old = _decimal(lines[0][4:])
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise Refused(400, "at most 63 consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except binascii.Error as exc:
            raise Refused(400, "a proof line is one base64 hash") from exc
        if len(digest) != 32:
            raise Refused(400, "a proof line is one 32-byte hash")
        proof.append(digest)
    return old, proof, note


def _rotation(raw_note: str, extension_lines: list[str]) -> VerifierKey | None:
    """The key a rotation checkpoint hands over to (its `rotate-to` line), or None. A note with
    a `rotate-to` line is read whole, as a verifier reads it: one that is not a well-formed
    rotation checkpoint (two such lines, another reason...) would hand the log over to a key
    no verifier follows."""
    if not any(line.startswith("rotate-to ") for line in extension_lines):
        return None
    try:
        checkpoint = parse_checkpoint(raw_note)
    except (NoteError, ValueError) as exc:
        raise Refused(400, f"not a well-formed rotation checkpoint: {exc}") from exc
    return checkpoint.rotate_to


class Witness:
    def __init__(self, *, key: SignerKey, store: Store, logs: dict[str, list[VerifierKey]]):
        self.key = key
        self.store = store
        # The keys trusted per origin: those configured, until the log rotates its key through a
        # checkpoint this witness cosigned; from then on the key it handed over to, alone, also
        # after a restart (a retired key signs nothing more).
        self.logs = {
            origin: [VerifierKey.parse(rotated)] if (rotated := store.rotated_key(origin)) else keys
            for origin, keys in logs.items()
        }

    def add_checkpoint(self, body: bytes) -> Answer:
        old, proof, raw_note = parse_request(body)
        try:
            note = parse_note(raw_note)
        except NoteError as exc:
            raise Refused(400, f"the checkpoint is not a signed note: {exc}") from exc
        lines = note.text[:-1].split("\n")
        if len(lines) < 3:
            raise Refused(400, "a checkpoint has an origin, a size and a root hash")
        origin = lines[0]
        size = _decimal(lines[1])
        try:
            root = base64.b64decode(lines[2], validate=True)
        except binascii.Error as exc:
            raise Refused(400, "the root hash is base64") from exc
        if len(root) != 32:
            raise Refused(400, "the root hash is 32 bytes")
        keys = self.logs.get(origin)
        if keys is None:
            raise Refused(404, "unknown log origin")
        if not any(note.signed_by(key) for key in keys):
            raise Refused(403, "no signature by a key this witness trusts for the log")
        rotate_to = _rotation(raw_note, lines[3:])
        if rotate_to is not None and not note.signed_by(rotate_to):
            raise Refused(403, "a rotation checkpoint is also signed by the key it hands over to")
        if old > size:
            raise Refused(400, "the old size is larger than the checkpoint's")
        with self.store.lock:
            self.store.db.execute("BEGIN IMMEDIATE")
            try:
                answer = self._check_and_cosign(origin, old, size, root, proof, note.text, raw_note)
                if rotate_to is not None:
                    self.store.record_rotation(origin, rotate_to.encode(), size)
            except Refused as refusal:
                self.store.db.execute("ROLLBACK")
                self.store.record_refusal(
                    origin, refusal.status, refusal.code, old, size, body, note.text
                )
                raise
            except BaseException:
                self.store.db.execute("ROLLBACK")
                raise
            self.store.db.execute("COMMIT")
            if rotate_to is not None:
                self.logs[origin] = [rotate_to]
        return answer

    def _check_and_cosign(self, origin, old, size, root, proof, text, raw_note) -> Answer:
        latest = self.store.latest(origin)
        latest_size = latest.size if latest else 0
        if old != latest_size:
            raise Refused(409, f"{latest_size}\n", "text/x.tlog.size", code="old-differs")
        if latest is None:
            if proof:
                raise Refused(422, "the proof from an empty tree is empty", code="proof-not-empty")
        elif old == size:
            if proof or root != latest.root:
                raise Refused(409, f"{latest_size}\n", "text/x.tlog.size", code="same-size-differs")
        else:
            try:
                merkle.verify_consistency(old, size, proof, latest.root, root)
            except merkle.ProofError as exc:
                reason = f"the consistency proof does not verify: {exc}"
                raise Refused(422, reason, code="proof-fails") from exc
        self.store.db.execute(
            "INSERT INTO latest (origin, size, root, note) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root,"
            " note = excluded.note",
            (origin, size, root, raw_note),
        )
        return Answer(200, self.key.cosign_line(text, int(time.time())))


def make_handler(witness: Witness, prefix: str = "", read_timeout: float = READ_TIMEOUT):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "relais-witness"
        # Every read and write on the connection; an idle keep-alive connection closes too.
        timeout = read_timeout
        # The standard library's own errors (a malformed request line, an unknown method...)
        # in the tlog-witness style, not as an HTML page.
        error_message_format = "%(code)d %(message)s\n"
        error_content_type = "text/plain; charset=utf-8"

        def log_message(self, fmt, *args):
            logger.info("%s %s", self.address_string(), fmt % args)

        def _send(self, answer: Answer, *, close: bool = False) -> None:
            """`close` when the request's body was not read: left on a keep-alive connection,
            it would be read as the next request."""
            data = answer.body.encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(data)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def _has_body(self) -> bool:
            return bool(self.headers.get("Transfer-Encoding")) or self.headers.get(
                "Content-Length", "0"
            ) not in ("", "0")

        def _read_body(self, length: int) -> bytes | None:
            """The body, read within twice the read timeout whatever pace it arrives at; None
            (and the connection closed) if the client closes it first."""
            deadline = time.monotonic() + 2 * self.timeout
            chunks: list[bytes] = []
            while length > 0:
                if time.monotonic() > deadline:
                    raise TimeoutError("the body came too slowly")
                chunk = self.rfile.read1(length)
                if not chunk:
                    self.close_connection = True
                    return None
                chunks.append(chunk)
                length -= len(chunk)
            return b"".join(chunks)

        def do_GET(self):
            close = self._has_body()
            if self.path == f"{prefix}/":
                self._send(Answer(200, witness.key.verifier.encode() + "\n"), close=close)
            else:
                self._send(Answer(404, "not found\n"), close=close)

        def do_POST(self):
            if self.path != f"{prefix}/add-checkpoint":
                self._send(Answer(404, "not found\n"), close=True)
                return
            length = _content_length(self.headers.get("Content-Length", ""))
            if self.headers.get("Transfer-Encoding") or not 0 < length <= MAX_BODY:
                self._send(
                    Answer(400, "a body of at most 64 KiB, with a Content-Length\n"), close=True
                )
                return
            body = self._read_body(length)
            if body is None:
                return
            try:
                answer = witness.add_checkpoint(body)
            except Refused as refusal:
                text = refusal.reason if refusal.reason.endswith("\n") else refusal.reason + "\n"
                answer = Answer(refusal.status, text, refusal.content_type)
            self._send(answer)

    return Handler


BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 5\r\nConnection: close\r\n\r\nbusy\n"
)


class WitnessServer(ThreadingHTTPServer):
    """One thread per connection, at most `max_connections` at once: a connection beyond
    them is answered 503 and closed at once, so that slow clients cannot pile up threads."""

    def __init__(self, address, handler, max_connections: int) -> None:
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.settimeout(1)
                request.sendall(BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def serve(
    witness: Witness,
    host: str,
    port: int,
    prefix: str = "",
    *,
    read_timeout: float = READ_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
) -> ThreadingHTTPServer:
    handler = make_handler(witness, prefix, read_timeout)
    return WitnessServer((host, port), handler, max_connections)
