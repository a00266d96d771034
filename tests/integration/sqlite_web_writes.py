"""Run as `python -m tests.integration.sqlite_web_writes N` on the embedded default: what a
person clicking through the web app writes (requests driven through the lifecycle services,
notices marked read, the deadline sweep), N requests in a row, while a worker sends the
e-mails those writes owe. Exits non-zero on the first error."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from accounts.models import Role  # noqa: E402
from sharing.models import Status  # noqa: E402
from sharing.reminders import ledger  # noqa: E402
from sharing.services.inbox import notifications_mark_all_read  # noqa: E402
from tests.factories import CommuneFactory, PrefectureFactory, member, request_in  # noqa: E402


def main(count: int) -> None:
    prefecture = PrefectureFactory(code="26")
    member(prefecture, Role.LIAISON)
    admin = member(prefecture, Role.PREFECTURE_ADMIN)
    communes = [CommuneFactory(prefecture=prefecture) for _ in range(2)]
    officers = [member(commune, Role.LEGAL_OFFICER) for commune in communes]
    for commune in communes:
        member(commune, Role.MAYOR)
    for number in range(count):
        request_in(Status.DELIVERED, communes[number % 2])
        notifications_mark_all_read(actor=officers[number % 2])
        notifications_mark_all_read(actor=admin)
        ledger.sweep()
    print("writes done", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
