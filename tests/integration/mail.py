"""A mail backend for the crash tests: the first message (in any process) hangs, before or
after it is written, and a marker file says so, so the test can SIGKILL the worker there."""

import os
import time
from pathlib import Path

from sharing.mail_backends import JsonLinesEmailBackend


class HangingJsonLinesEmailBackend(JsonLinesEmailBackend):
    def send_messages(self, email_messages) -> int:
        mode = os.environ.get("RELAIS_IT_HANG", "")  # "before" or "after" the write
        marker = Path(os.environ.get("RELAIS_IT_HANG_MARKER", "/nonexistent/marker"))
        if mode not in {"before", "after"} or marker.exists():
            return super().send_messages(email_messages)
        written = super().send_messages(email_messages) if mode == "after" else 0
        ids = [message.extra_headers.get("Message-ID", "") for message in email_messages]
        marker.write_text(" ".join(ids))
        time.sleep(120)  # SIGKILLed long before this ends
        return written
