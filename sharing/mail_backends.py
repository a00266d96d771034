"""A mail backend that appends one JSON line per message to a file, under an exclusive lock.

For development and for tests with real workers: every process (web, worker, several
workers) appends to the same file, so the e-mails sent can be counted across processes. It
can also say which Message-IDs it already holds (`sent_message_ids`), which lets the ledger
finish a send interrupted after the message was written without writing it twice.

    EMAIL_BACKEND=sharing.mail_backends.JsonLinesEmailBackend
    EMAIL_JSONL_PATH=var/mail.jsonl        (setting or environment variable)
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


def mail_path() -> Path:
    configured = getattr(settings, "EMAIL_JSONL_PATH", "") or os.environ.get("EMAIL_JSONL_PATH")
    return Path(configured or Path(settings.BASE_DIR) / "var" / "mail.jsonl")


def read_messages(path: Path | None = None) -> list[dict]:
    """Every message the file holds, in the order written."""
    path = path or mail_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            return [json.loads(line) for line in handle if line.strip()]
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class JsonLinesEmailBackend(BaseEmailBackend):
    def __init__(self, *, path: str | os.PathLike | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.path = Path(path) if path else mail_path()

    def write(self, lines: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write("".join(lines))
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def send_messages(self, email_messages) -> int:
        lines = [
            json.dumps(
                {
                    "message_id": message.extra_headers.get("Message-ID", ""),
                    "to": list(message.recipients()),
                    "subject": message.subject,
                    "body": message.body,
                    "written_at": timezone.now().isoformat(),
                    "pid": os.getpid(),
                },
                ensure_ascii=False,
            )
            + "\n"
            for message in email_messages
        ]
        if lines:
            self.write(lines)
        return len(lines)

    def sent_message_ids(self, message_ids) -> set[str]:
        """Which of these Message-IDs the file already holds."""
        wanted = set(message_ids)
        return {
            line["message_id"]
            for line in read_messages(self.path)
            if line.get("message_id") in wanted
        }
