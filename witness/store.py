"""The witness's state: per log origin, the latest checkpoint it cosigned and the log key a
rotation handed over to (SQLite, one file)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

# Refusals kept (the newest), and how long an identical refusal is not written again: anyone
# can replay a genuine checkpoint with a wrong `old`, so neither may grow the file or take the
# lock for a synced write at the sender's pace.
KEEP_REFUSALS = 10_000
REPEAT_WINDOW = "-60 seconds"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class StoreError(Exception):
    """The store cannot be opened as asked; the message says what to do."""


@dataclass(frozen=True)
class Latest:
    size: int
    root: bytes
    note: str


class Store:
    """Check-and-update happens under one lock and one IMMEDIATE transaction, so two requests
    can never roll the stored size back (tlog-witness, "persisted atomically")."""

    def __init__(
        self, path: Path, *, init: bool = False, keep_refusals: int = KEEP_REFUSALS
    ) -> None:
        self.path = Path(path)
        self.keep_refusals = keep_refusals
        self.lock = threading.Lock()
        self.db = self._open(init)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, size INTEGER NOT NULL,"
            " root BLOB NOT NULL, note TEXT NOT NULL)"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS rotated (origin TEXT PRIMARY KEY, vkey TEXT NOT NULL,"
            " size INTEGER NOT NULL)"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS refusals (id INTEGER PRIMARY KEY, origin TEXT NOT NULL,"
            " status INTEGER NOT NULL, code TEXT NOT NULL, old INTEGER, size INTEGER,"
            " held INTEGER, body_sha256 TEXT NOT NULL, checkpoint_sha256 TEXT NOT NULL,"
            " first_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,"
            " last_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, repeats INTEGER NOT NULL DEFAULT 1,"
            " UNIQUE (origin, status, code, checkpoint_sha256))"
        )
        self._convert_old_refusals()

    def _open(self, init: bool) -> sqlite3.Connection:
        """A witness that started afresh would cosign whatever it is sent first, a fork of a
        log it witnessed included: a new store is made only when asked (`init`), and only where
        there is none; a missing file, or one without the witness's tables (a plain copy of a
        running witness's file, without its `-wal`), is refused."""
        mode = "rwc" if init else "rw"
        if not init and not self.path.exists():
            raise StoreError(
                f"{self.path} does not exist: start with --init for a new witness, which will"
                " cosign whatever it is sent first"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            f"{self.path.resolve().as_uri()}?mode={mode}",
            uri=True,
            check_same_thread=False,
            isolation_level=None,
        )
        held = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'latest'"
        ).fetchone()
        if held and init:
            db.close()
            raise StoreError(f"{self.path} already holds a witness's state: start without --init")
        if not held and not init:
            db.close()
            raise StoreError(
                f"{self.path} holds no witness state (a copy made without its -wal file?):"
                " restore a backup made with sqlite3's .backup, or start with --init for a new"
                " witness, which will cosign whatever it is sent first"
            )
        return db

    def latest(self, origin: str) -> Latest | None:
        row = self.db.execute(
            "SELECT size, root, note FROM latest WHERE origin = ?", (origin,)
        ).fetchone()
        return Latest(size=row[0], root=bytes(row[1]), note=row[2]) if row else None

    def rotated_key(self, origin: str) -> str | None:
        """The verifier key the log's latest cosigned rotation handed over to, if any."""
        row = self.db.execute("SELECT vkey FROM rotated WHERE origin = ?", (origin,)).fetchone()
        return row[0] if row else None

    def record_rotation(self, origin: str, vkey: str, size: int) -> None:
        """Inside the transaction that stores the rotation checkpoint as the latest."""
        self.db.execute(
            "INSERT INTO rotated (origin, vkey, size) VALUES (?, ?, ?) ON CONFLICT (origin)"
            " DO UPDATE SET vkey = excluded.vkey, size = excluded.size",
            (origin, vkey, size),
        )

    def record_refusal(
        self, origin: str, status: int, code: str, old: int, size: int, body: bytes, text: str
    ) -> None:
        """A 409 or 422, kept as possible evidence of a misbehaving log: what an operator needs
        to find the request in the log's own records (the SHA-256 of the body and of the signed
        checkpoint text), never the body. Refusals of one checkpoint with one status and code
        are one row, counted in `repeats` but rewritten at most once a minute; only a log can
        sign a new checkpoint, and the newest KEEP_REFUSALS rows alone are kept."""
        latest = self.latest(origin)
        row = (origin, status, code, old, size, latest.size if latest else 0, sha256_hex(body))
        inserted = self.db.execute(
            "INSERT INTO refusals (origin, status, code, old, size, held, body_sha256,"
            " checkpoint_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (origin, status, code, checkpoint_sha256) DO UPDATE SET"
            " old = excluded.old, held = excluded.held, body_sha256 = excluded.body_sha256,"
            " last_at = CURRENT_TIMESTAMP, repeats = repeats + 1"
            " WHERE last_at < datetime('now', ?) RETURNING repeats",
            (*row, sha256_hex(text.encode()), REPEAT_WINDOW),
        ).fetchall()
        if inserted == [(1,)]:
            self._trim_refusals()

    def _trim_refusals(self) -> None:
        self.db.execute(
            "DELETE FROM refusals WHERE id <= (SELECT id FROM refusals ORDER BY id DESC"
            " LIMIT 1 OFFSET ?)",
            (self.keep_refusals,),
        )

    def _convert_old_refusals(self) -> None:
        """A witness of an earlier version kept each refused body whole, in `refused`: keep its
        rows as refusals (the body's SHA-256 in place of the body, its reason as the code) and
        give the space back."""
        if not self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refused'"
        ).fetchone():
            return
        self.db.create_function("sha256_hex", 1, lambda body: sha256_hex(body.encode()))
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute(
            "INSERT INTO refusals (origin, status, code, body_sha256, checkpoint_sha256,"
            " first_at, last_at) SELECT origin, status, substr(reason, 1, 200),"
            " sha256_hex(body), sha256_hex(body), at, at FROM refused WHERE true ORDER BY id"
            " ON CONFLICT DO NOTHING"
        )
        self.db.execute("DROP TABLE refused")
        self._trim_refusals()
        self.db.execute("COMMIT")
        self.db.execute("VACUUM")

    def close(self) -> None:
        self.db.close()
