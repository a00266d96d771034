"""What a user is told, in the app and by e-mail: a reference, a status, a due date and a link.

Never the purpose, the clarification messages or the internal notes: the message is built
from the fields listed in `_context`, and nothing else about a request reaches a template.
French by default, English for users whose `language` is "en".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import override

from accounts.models import Organization, User

from ..formats import long_date
from ..models import Notification, Reminder, ReminderKind, Status
from .recipients import COMMUNE, PREFECTURE, commune_ids_of
from .texts import HEADLINES, LANGUAGES, describe

DIGEST_MAX_LINES = 50


def language_of(user: User) -> str:
    return user.language if user.language in LANGUAGES else "fr"


def status_label(status: str, language: str) -> str:
    """The status as the web app names it, from the project's catalogues."""
    if not status:
        return ""
    with override(language):
        return str(Status(status).label)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def request_link(reference: str) -> str:
    """The request's page in the web app, or its API address until the web app has one."""
    try:
        path = reverse("request-detail", kwargs={"reference": reference})
    except NoReverseMatch:
        path = reverse("api:request-detail", kwargs={"reference": reference})
    return _absolute(path)


def overdue_link() -> str:
    try:
        path = reverse("requests")
    except NoReverseMatch:
        path = reverse("api:request-list")
    return _absolute(path) + "?overdue=true"


def notifications_link() -> str:
    try:
        path = reverse("notifications")
    except NoReverseMatch:
        path = reverse("api:notification-list")
    return _absolute(path)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def _context(
    *,
    kind: str,
    language: str,
    reference: str,
    status: str,
    due_on: date | None,
    link: str,
    side: str = PREFECTURE,
) -> dict:
    return {
        "headline": describe(kind=kind, status=status, due_on=due_on, side=side, language=language),
        "due_on_text": long_date(due_on, language, weekday=True),
        "reference": reference,
        "status": status_label(status, language),
        "due_on": due_on,
        "link": link,
    }


def render_request_message(
    *,
    kind: str,
    language: str,
    reference: str,
    status: str,
    due_on: date | None,
    side: str = PREFECTURE,
) -> Message:
    """The message about one request: what happened and what is expected of the reader,
    reference, status, due date, link."""
    context = _context(
        kind=kind,
        language=language,
        reference=reference,
        status=status,
        due_on=due_on,
        link=request_link(reference),
        side=side,
    )
    with override(language):
        body = render_to_string(f"sharing/email/request.{language}.txt", context)
    subject = f"[Relais] {reference} : {context['headline'].rstrip('.')}"
    return Message(subject=subject, body=body)


@dataclass(frozen=True)
class DigestLine:
    reference: str
    status: str
    due_on: date | None


def render_digest(*, language: str, organization: Organization, lines: list[DigestLine]) -> Message:
    shown = lines[:DIGEST_MAX_LINES]
    context = {
        "headline": HEADLINES[ReminderKind.OVERDUE_DIGEST][language],
        "organization": organization.name,
        "count": len(lines),
        "lines": [
            {
                "reference": line.reference,
                "status": status_label(line.status, language),
                "due_on": line.due_on,
            }
            for line in shown
        ],
        "more": len(lines) - len(shown),
        "link": overdue_link(),
    }
    with override(language):
        body = render_to_string(f"sharing/email/digest.{language}.txt", context)
    word = "en retard" if language == "fr" else "overdue"
    subject = f"[Relais] {organization.name} : {len(lines)} {word}"
    return Message(subject=subject, body=body)


def render_daily_digest(*, user: User, language: str) -> Message:
    """The user's unread notices, grouped by request, newest first: what happened and what is
    expected of them, never a request's content."""
    notices = list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .select_related("info_request")
        .order_by("-created_at", "-pk")[: DIGEST_MAX_LINES + 1]
    )
    commune_ids = commune_ids_of(user)
    shown = notices[:DIGEST_MAX_LINES]
    lines = [
        {
            "reference": notice.info_request.reference if notice.info_request else "",
            "text": notification_text(notice, language=language, commune_ids=commune_ids),
            "when": long_date(notice.created_at, language),
        }
        for notice in shown
    ]
    total = Notification.objects.filter(user=user, read_at__isnull=True).count()
    context = {"lines": lines, "count": total, "more": total - len(shown)}
    context["link"] = notifications_link()
    with override(language):
        body = render_to_string(f"sharing/email/daily_digest.{language}.txt", context)
    if language == "en":
        subject = f"[Relais] {total} unread notification(s)"
    else:
        subject = f"[Relais] {total} notification(s) non lue(s)"
    return Message(subject=subject, body=body)


def message_id_for(reminder: Reminder) -> str:
    """The same Message-ID for every attempt at one reminder, so that a receiving server or
    a mail client that deduplicates on it shows a resent message once."""
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)
    domain = sender[1].strip(">") if len(sender) == 2 else ""
    domain = domain or urlsplit(settings.SITE_URL).hostname or "relais.invalid"
    return f"<reminder.{reminder.pk}.{reminder.kind}@{domain}>"


def email_for(*, reminder: Reminder, user: User, message: Message) -> EmailMessage | None:
    if not user.email:
        return None
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[user.email],
        headers={"Message-ID": message_id_for(reminder), "Auto-Submitted": "auto-generated"},
    )


def notification_text(
    notification: Notification, *, language: str, commune_ids: set[int] | None = None
) -> str:
    """One line for the inbox, in the reader's language: what happened and what is expected
    of them. `commune_ids` (commune_ids_of) says on which side of each request they are."""
    if notification.kind == ReminderKind.OVERDUE_DIGEST:
        headline = HEADLINES[notification.kind][language]
        word = "demande(s) en retard" if language == "fr" else "overdue request(s)"
        return f"{headline} {notification.count or 0} {word}."
    if commune_ids is None:
        commune_ids = commune_ids_of(notification.user)
    info_request = notification.info_request
    side = COMMUNE if info_request and info_request.commune_id in commune_ids else PREFECTURE
    return describe(
        kind=notification.kind,
        status=notification.status,
        due_on=notification.due_on,
        side=side,
        language=language,
    )
