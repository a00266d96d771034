"""The user's notices page: the latest notices in the page's language, grouped by request,
recorded as read (`notification.listed`) before they are returned."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from audit.services import audit_record

from ..notifications.outbox import wants_daily_digest
from ..notifications.recipients import commune_ids_of
from ..notifications.rendering import notification_text
from ..notifications.texts import LANGUAGES
from . import notifications_of

SHOWN = 50


@dataclass(frozen=True)
class NoticesPage:
    rows: list[dict]  # {"notice", "text"}, newest first
    groups: list[dict]  # the same rows, by request (group_by_request)
    daily_digest: bool  # the user's e-mail choice


def notices_page(*, user: User, language: str) -> NoticesPage:
    language = language if language in LANGUAGES else "fr"
    notices = list(
        notifications_of(user=user)
        .select_related("info_request", "organization")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    commune_ids = commune_ids_of(user)
    rows = [
        {
            "notice": notice,
            "text": notification_text(notice, language=language, commune_ids=commune_ids),
        }
        for notice in notices
    ]
    audit_record(
        actor=user,
        action="notification.listed",
        details={"via": "web", "count": len(rows)},
    )
    return NoticesPage(
        rows=rows, groups=group_by_request(rows), daily_digest=wants_daily_digest(user)
    )


def group_by_request(rows: list[dict]) -> list[dict]:
    """The notices of one request together, under its latest; newest request first. A
    notice about no request (a digest) stands alone."""
    groups: list[dict] = []
    by_request: dict[int, dict] = {}
    for row in rows:  # newest first
        key = row["notice"].info_request_id
        group = by_request.get(key) if key is not None else None
        if group is None:
            group = {"latest": row, "earlier": [], "unread": 0}
            groups.append(group)
            if key is not None:
                by_request[key] = group
        else:
            group["earlier"].append(row)
        if row["notice"].read_at is None:
            group["unread"] += 1
    return groups
