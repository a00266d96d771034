"""The witness as a real process, spoken to over HTTP as a log would (C2SP tlog-witness)."""

import base64
import contextlib
import hashlib
import http.client
import os
import socket
import sqlite3
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.verifier import merkle
from audit.verifier.encoding import GENESIS_HASH
from audit.verifier.notes import SignerKey, VerifierKey, checkpoint_text, parse_note
from witness.store import Store

from .process import WitnessProcess

ORIGIN = "relais.test/audit"
LEAVES = [merkle.leaf_hash(bytes([i])) for i in range(20)]


def root(size: int) -> bytes:
    return merkle.root_of(LEAVES[:size])


def node(level: int, index: int) -> bytes:
    return merkle.root_of(LEAVES[index << level : (index + 1) << level])


@pytest.fixture(scope="module")
def log_key():
    return SignerKey(name=ORIGIN, private_key=Ed25519PrivateKey.generate())


@pytest.fixture
def witness(tmp_path, log_key):
    process = WitnessProcess(
        tmp_path, name="ctrl.test/w1", logs={ORIGIN: log_key.verifier.encode()}
    )
    process.start(init=True)
    yield process
    process.stop()


def checkpoint(key: SignerKey, size: int, root_hash: bytes, origin: str = ORIGIN) -> str:
    text = f"{origin}\n{size}\n{base64.b64encode(root_hash).decode()}\nnumber 1\n"
    return text + "\n" + key.sign_line(text)


def post(witness, old: int, proof: list[bytes], note: str) -> tuple[int, str, str]:
    body = "".join(
        f"{line}\n" for line in [f"old {old}"] + [base64.b64encode(p).decode() for p in proof]
    )
    request = urllib.request.Request(  # noqa: S310 (http to the test witness)
        f"{witness.url}/add-checkpoint", data=(body + "\n" + note).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def add(witness, key, old: int, size: int):
    proof = merkle.consistency_proof(node, old, size)
    return post(witness, old, proof, checkpoint(key, size, root(size)))


def test_cosigns_a_consistent_checkpoint_with_a_timestamped_cosignature(witness, log_key):
    status, _type, body = add(witness, log_key, 0, 5)
    assert status == 200
    note = checkpoint(log_key, 5, root(5))
    cosigned = parse_note(note + body)
    witness_key = VerifierKey.parse(witness.key, cosigner=True)
    assert cosigned.cosigned_by(witness_key) is not None
    assert body.startswith("\u2014 ctrl.test/w1 ")
    status, _type, _body = add(witness, log_key, 5, 13)
    assert status == 200


def test_a_wrong_old_size_answers_409_with_the_size_it_holds(witness, log_key):
    assert add(witness, log_key, 0, 8)[0] == 200
    status, content_type, body = add(witness, log_key, 3, 10)
    assert (status, content_type, body) == (409, "text/x.tlog.size", "8\n")


def test_a_fork_is_refused(witness, log_key):
    assert add(witness, log_key, 0, 8)[0] == 200
    forked = list(LEAVES)
    forked[6] = merkle.leaf_hash(b"edited")
    fork_root = merkle.root_of(forked[:12])

    def fork_node(level, index):
        return merkle.root_of(forked[index << level : (index + 1) << level])

    proof = merkle.consistency_proof(fork_node, 8, 12)
    status, _type, _body = post(witness, 8, proof, checkpoint(log_key, 12, fork_root))
    assert status == 422
    # The same size with another root is a conflict too.
    status, _type, _body = post(witness, 8, [], checkpoint(log_key, 8, merkle.root_of(forked[:8])))
    assert status == 409


def test_unknown_origin_404_unknown_key_403_bad_request_400(witness, log_key):
    other = SignerKey(name=ORIGIN, private_key=Ed25519PrivateKey.generate())
    assert add(witness, other, 0, 3)[0] == 403
    stranger = SignerKey(name="elsewhere.test/log", private_key=Ed25519PrivateKey.generate())
    assert (
        post(witness, 0, [], checkpoint(stranger, 3, root(3), origin="elsewhere.test/log"))[0]
        == 404
    )
    assert post(witness, 9, [], checkpoint(log_key, 3, root(3)))[0] == 400
    # "²" is a digit to str.isdigit, not to int(): it dropped the connection unanswered.
    assert post(witness, "\u00b2", [], checkpoint(log_key, 3, root(3)))[0] == 400


def test_a_restarted_witness_keeps_its_state_and_key(witness, log_key):
    assert add(witness, log_key, 0, 7)[0] == 200
    key = witness.key
    witness.stop()
    witness.start()
    assert witness.key == key
    assert add(witness, log_key, 0, 9) == (409, "text/x.tlog.size", "7\n")
    assert add(witness, log_key, 7, 9)[0] == 200


def rotation(
    old_key: SignerKey, new_key: SignerKey, size: int, *, signed_by_new=True, reason="rotation"
) -> str:
    """A rotation checkpoint as the log issues it (section 4.4), whole: a witness reads it so."""
    text = checkpoint_text(
        origin=ORIGIN, size=size, head_hash="ab" * 32, number=2, time=datetime.now(UTC),
        prev=GENESIS_HASH, reason="rotation", root_hash=root(size).hex(),
        rotate_to=new_key.verifier,
    )  # fmt: skip
    if reason != "rotation":
        text = text.replace("reason rotation", f"reason {reason}")
    signatures = old_key.sign_line(text) + (new_key.sign_line(text) if signed_by_new else "")
    return text + "\n" + signatures


def test_a_rotation_hands_the_log_over_to_the_new_key_also_after_a_restart(witness, log_key):
    new_key = SignerKey(name=ORIGIN, private_key=Ed25519PrivateKey.generate())
    assert add(witness, log_key, 0, 3)[0] == 200
    assert add(witness, new_key, 3, 5)[0] == 403  # not announced yet
    proof = merkle.consistency_proof(node, 3, 5)
    assert post(witness, 3, proof, rotation(log_key, new_key, 5))[0] == 200
    assert add(witness, new_key, 5, 8)[0] == 200
    assert add(witness, log_key, 8, 10)[0] == 403  # the retired key signs nothing more
    witness.stop()
    witness.start()  # started with the first key on its command line, as an operator would
    assert add(witness, log_key, 8, 10)[0] == 403
    assert add(witness, new_key, 8, 10)[0] == 200


def test_a_rotation_the_new_key_did_not_sign_is_refused_and_changes_nothing(witness, log_key):
    new_key = SignerKey(name=ORIGIN, private_key=Ed25519PrivateKey.generate())
    assert add(witness, log_key, 0, 3)[0] == 200
    proof = merkle.consistency_proof(node, 3, 5)
    assert post(witness, 3, proof, rotation(log_key, new_key, 5, signed_by_new=False))[0] == 403
    # A rotate-to line in a checkpoint that is no rotation, or twice: not well formed, refused
    # before it could hand the log over to a key no verifier follows.
    assert post(witness, 3, proof, rotation(log_key, new_key, 5, reason="export"))[0] == 400
    text = rotation(log_key, new_key, 5).split("\n\n")[0] + "\n"
    doubled = text + text.splitlines()[-1] + "\n"
    signed = doubled + "\n" + log_key.sign_line(doubled) + new_key.sign_line(doubled)
    assert post(witness, 3, proof, signed)[0] == 400
    assert add(witness, new_key, 3, 5)[0] == 403
    assert add(witness, log_key, 3, 5)[0] == 200


def padded(note: str, size: int = 60_000) -> str:
    """A genuine note with signature lines of unknown names appended up to about `size` bytes:
    anyone can make one from a checkpoint the log published."""
    line = "\u2014 pad.test/x " + base64.b64encode(os.urandom(68)).decode() + "\n"
    return note + line * (size // len(line))


def refusals(witness) -> list[sqlite3.Row]:
    with sqlite3.connect(witness.directory / "witness.sqlite") as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM refusals ORDER BY id").fetchall()


def test_a_refusal_keeps_hashes_not_the_body_and_repeats_grow_nothing(witness, log_key):
    assert add(witness, log_key, 0, 8)[0] == 200
    note = padded(checkpoint(log_key, 8, root(8)))
    body = ("old 0\n\n" + note).encode()
    database = witness.directory / "witness.sqlite"
    before = database.stat().st_size + (database.parent / "witness.sqlite-wal").stat().st_size
    for _ in range(50):
        assert post(witness, 0, [], note)[:2] == (409, "text/x.tlog.size")
    after = database.stat().st_size + (database.parent / "witness.sqlite-wal").stat().st_size
    assert after - before < 50_000  # one padded body alone is 60 KB
    [row] = refusals(witness)
    text = note.split("\n\n")[0] + "\n"
    assert dict(row) | {"id": 0, "first_at": "", "last_at": ""} == {
        "id": 0, "origin": ORIGIN, "status": 409, "code": "old-differs", "old": 0, "size": 8,
        "held": 8, "body_sha256": hashlib.sha256(body).hexdigest(),
        "checkpoint_sha256": hashlib.sha256(text.encode()).hexdigest(), "first_at": "",
        "last_at": "", "repeats": 1,
    }  # fmt: skip
    # Another refusal of another kind is a row of its own.
    forked = checkpoint(log_key, 8, merkle.root_of([merkle.leaf_hash(b"x")] * 8))
    assert post(witness, 8, [], forked)[0] == 409
    assert [row["code"] for row in refusals(witness)] == ["old-differs", "same-size-differs"]


def test_the_store_keeps_only_the_newest_refusals(tmp_path):
    store = Store(tmp_path / "w.sqlite", init=True, keep_refusals=3)
    for size in range(1, 6):
        store.record_refusal(ORIGIN, 409, "old-differs", 0, size, b"body", f"checkpoint {size}\n")
    sizes = [row[0] for row in store.db.execute("SELECT size FROM refusals ORDER BY id")]
    assert sizes == [3, 4, 5]
    store.close()


def test_refusals_kept_whole_by_an_earlier_version_become_hashes(tmp_path):
    database = tmp_path / "w.sqlite"
    Store(database, init=True).close()
    with sqlite3.connect(database) as db:
        db.execute("DROP TABLE refusals")
        db.execute(
            "CREATE TABLE refused (id INTEGER PRIMARY KEY, origin TEXT NOT NULL,"
            " status INTEGER NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL,"
            " at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        db.execute(
            "INSERT INTO refused (origin, status, reason, body) VALUES (?, 422, 'bad proof', ?)",
            (ORIGIN, "old 3\n" * 1000),
        )
    store = Store(database)
    tables = {row[0] for row in store.db.execute("SELECT name FROM sqlite_master")}
    assert "refused" not in tables
    row = store.db.execute("SELECT status, code, body_sha256 FROM refusals").fetchone()
    assert row == (422, "bad proof", hashlib.sha256(b"old 3\n" * 1000).hexdigest())
    store.close()


def raw_post(witness, body: bytes, headers: dict[str, str]) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", witness.port, timeout=10)
    try:
        connection.putrequest("POST", "/add-checkpoint", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.headers["Content-Type"], response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("length", ["abc", "-1", "+5", "\u00b2", "99999999999"])
def test_a_content_length_that_is_no_decimal_number_answers_400(witness, length):
    status, content_type, _body = raw_post(witness, b"old 0\n", {"Content-Length": length})
    assert (status, content_type) == (400, "text/plain; charset=utf-8")


def test_a_size_beyond_a_63_bit_integer_answers_400(witness, log_key):
    huge = 2**63
    note = checkpoint(log_key, huge, root(3))
    assert post(witness, 0, [], note)[0] == 400
    assert post(witness, huge, [], checkpoint(log_key, 3, root(3)))[0] == 400
    assert post(witness, 0, [], checkpoint(log_key, 2**63 - 1, root(3)))[0] == 200


@pytest.fixture
def impatient_witness(tmp_path, log_key):
    process = WitnessProcess(
        tmp_path,
        name="ctrl.test/w1",
        logs={ORIGIN: log_key.verifier.encode()},
        options=("--read-timeout", "1", "--max-connections", "4"),
    )
    process.start(init=True)
    yield process
    process.stop()


def exchange(witness, data: bytes, wait: float = 10) -> bytes:
    """All the witness answers to `data` on one connection, until it closes it (or `wait`)."""
    with socket.create_connection(("127.0.0.1", witness.port), timeout=wait) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


HEAD = b"POST /add-checkpoint HTTP/1.1\r\nHost: witness.test\r\n"


@pytest.mark.parametrize(
    "request_bytes",
    [
        HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nold 0\r\n0\r\n\r\n",
        HEAD + b"Content-Length: 70000\r\n\r\n" + b"GET / HTTP/1.1\r\n" * 4375,
        b"POST /elsewhere HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /",
    ],
)
def test_an_unread_body_is_never_read_as_a_second_request(witness, request_bytes):
    answer = exchange(witness, request_bytes)
    assert answer.count(b"HTTP/1.1 ") == 1
    assert b"Connection: close" in answer


def test_every_error_is_plain_text(witness):
    too_long = b"GET / HTTP/1.1\r\nX-Long: " + b"x" * 70_000 + b"\r\n\r\n"
    for request_bytes in [b"PUT / HTTP/1.1\r\n\r\n", too_long]:
        answer = exchange(witness, request_bytes)
        assert b"Content-Type: text/plain; charset=utf-8" in answer
        assert b"<" not in answer
    # A request line that is no HTTP/1 one is answered as HTTP/0.9 would be: no headers.
    assert b"<" not in exchange(witness, b"nonsense\r\n\r\n")


def test_a_silent_or_slow_client_is_disconnected(impatient_witness):
    started = time.monotonic()
    answer = exchange(impatient_witness, HEAD + b"Content-Length: 60000\r\n\r\nold")
    assert answer == b""
    assert time.monotonic() - started < 5
    # One byte every half second never times a read out, but the body has a deadline.
    with socket.create_connection(("127.0.0.1", impatient_witness.port), timeout=10) as slow:
        slow.sendall(HEAD + b"Content-Length: 60000\r\n\r\n")
        started = time.monotonic()
        with contextlib.suppress(OSError):
            while time.monotonic() - started < 8:
                slow.sendall(b"o")
                time.sleep(0.5)
        assert time.monotonic() - started < 5


def test_connections_beyond_the_bound_are_answered_503(impatient_witness, log_key):
    idle = [socket.create_connection(("127.0.0.1", impatient_witness.port)) for _ in range(4)]
    try:
        time.sleep(0.3)
        answer = exchange(impatient_witness, b"GET / HTTP/1.1\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 503 ")
        assert answer.endswith(b"busy\n")
    finally:
        for connection in idle:
            connection.close()
    time.sleep(0.3)
    assert add(impatient_witness, log_key, 0, 3)[0] == 200


def test_a_missing_store_is_created_only_by_init(tmp_path, log_key):
    witness = WitnessProcess(
        tmp_path, name="ctrl.test/w1", logs={ORIGIN: log_key.verifier.encode()}
    )
    result = witness.attempt()
    assert result.returncode == 2
    assert "does not exist: start with --init" in result.stderr
    assert not (tmp_path / "witness.sqlite").exists()
    witness.start(init=True)
    assert add(witness, log_key, 0, 5)[0] == 200
    witness.stop()
    result = witness.attempt("--init")
    assert result.returncode == 2
    assert "already holds a witness's state: start without --init" in result.stderr
    witness.start()
    assert add(witness, log_key, 0, 5) == (409, "text/x.tlog.size", "5\n")
    witness.stop()


def test_a_plain_copy_of_a_running_witness_is_refused_not_started_afresh(witness, log_key):
    """The copy lacks what is still in the -wal file: started from it, the witness would
    cosign a fork of what it cosigned."""
    assert add(witness, log_key, 0, 8)[0] == 200
    database = witness.directory / "witness.sqlite"
    copied = database.read_bytes()
    witness.stop()
    for leftover in database.parent.glob("witness.sqlite*"):
        leftover.unlink()
    database.write_bytes(copied)
    result = witness.attempt()
    assert result.returncode == 2
    assert "holds no witness state" in result.stderr


def test_a_backup_made_with_sqlite3_keeps_the_state(witness, log_key):
    assert add(witness, log_key, 0, 8)[0] == 200
    database = witness.directory / "witness.sqlite"
    backup = witness.directory / "backup.sqlite"
    with sqlite3.connect(database) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    witness.stop()
    for leftover in database.parent.glob("witness.sqlite*"):
        leftover.unlink()
    backup.rename(database)
    witness.start()
    assert add(witness, log_key, 0, 8) == (409, "text/x.tlog.size", "8\n")
