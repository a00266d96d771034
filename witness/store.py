"""The witness's state: per log origin, the latest checkpoint it cosigned and the log key a
rotation handed over to (SQLite, one file)."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Latest:
    size: int
    root: bytes
    note: str


class Store:
    """Check-and-update happens under one lock and one IMMEDIATE transaction, so two requests
    can never roll the stored size back (tlog-witness, "persisted atomically")."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
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
            "CREATE TABLE IF NOT EXISTS refused (id INTEGER PRIMARY KEY, origin TEXT NOT NULL,"
            " status INTEGER NOT NULL, reason TEXT NOT NULL, body TEXT NOT NULL,"
            " at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )

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

    def record_refusal(self, origin: str, status: int, reason: str, body: str) -> None:
        """Kept as possible evidence of a misbehaving log."""
        self.db.execute(
            "INSERT INTO refused (origin, status, reason, body) VALUES (?, ?, ?, ?)",
            (origin, status, reason, body),
        )

    def close(self) -> None:
        self.db.close()
