"""What a user is told, in the app and by e-mail: a reference, a status, a due date and a link.

Never the purpose, the clarification messages or the internal notes: the message is built
from the fields listed in `_context`, and nothing else about a request reaches a template.
French by default, English for users whose `language` is "en".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import override

from accounts.models import Membership, Organization, Role, User

from .models import (
    RESOLUTIONS_TO_DELIVER,
    InfoRequest,
    Notification,
    Reminder,
    ReminderKind,
    Status,
)

LANGUAGES = ("fr", "en")
DIGEST_MAX_LINES = 50

# What each kind of message says, in each language; the rest of the message is the same
# reference / status / due date / link block for every kind.
HEADLINES: dict[str, dict[str, str]] = {
    ReminderKind.ACKNOWLEDGEMENT_DUE_SOON: {
        "fr": "L'accusé de réception de cette demande arrive à échéance.",
        "en": "The acknowledgement of receipt of this request is due soon.",
    },
    ReminderKind.ACKNOWLEDGEMENT_OVERDUE: {
        "fr": "L'accusé de réception de cette demande est en retard.",
        "en": "The acknowledgement of receipt of this request is overdue.",
    },
    ReminderKind.DECISION_DUE_7: {
        "fr": "La décision sur cette demande est due dans 7 jours ouvrés.",
        "en": "A decision on this request is due in 7 business days.",
    },
    ReminderKind.DECISION_DUE_2: {
        "fr": "La décision sur cette demande est due dans 2 jours ouvrés.",
        "en": "A decision on this request is due in 2 business days.",
    },
    ReminderKind.DECISION_DUE_TODAY: {
        "fr": "La décision sur cette demande est due aujourd'hui.",
        "en": "A decision on this request is due today.",
    },
    ReminderKind.DECISION_OVERDUE: {
        "fr": "La décision sur cette demande est en retard.",
        "en": "The decision on this request is overdue.",
    },
    ReminderKind.CLARIFICATION_PENDING: {
        "fr": "La préfecture attend vos précisions sur cette demande.",
        "en": "The prefecture is waiting for your clarification on this request.",
    },
    ReminderKind.DELIVERY_PENDING: {
        "fr": "La réponse accordée doit être remise à la commune.",
        "en": "The answer granted must be delivered to the commune.",
    },
    ReminderKind.DELIVERY_OVERDUE: {
        "fr": "La remise de la réponse accordée est en retard.",
        "en": "Delivery of the answer granted is overdue.",
    },
    ReminderKind.OVERDUE_DIGEST: {
        "fr": "Relevé hebdomadaire des demandes en retard.",
        "en": "Weekly digest of overdue requests.",
    },
    ReminderKind.PERSONAL: {
        "fr": "Le rappel que vous avez demandé pour cette demande.",
        "en": "The reminder you asked for about this request.",
    },
    ReminderKind.STATUS_CHANGED: {
        "fr": "Le statut de cette demande a changé.",
        "en": "The status of this request has changed.",
    },
    ReminderKind.DEADLINE_CHANGED: {
        "fr": "L'échéance de cette demande a été reportée.",
        "en": "The deadline of this request has been extended.",
    },
    ReminderKind.SENT_BACK: {
        "fr": "Le maire vous a renvoyé ce brouillon avec une remarque, à lire dans Relais.",
        "en": "The mayor has sent this draft back to you with a remark, to read in Relais.",
    },
}


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


# --- recipients ---------------------------------------------------------------------------

COMMUNE_ROLES = (Role.LEGAL_OFFICER, Role.MAYOR)
WORKER_ROLES = (Role.LIAISON, Role.PREFECTURE_ADMIN)


class Directory:
    """Who holds which role where; loaded in bulk and kept for the length of one sweep."""

    def __init__(self) -> None:
        self._members: dict[int, dict[str, list[int]]] = {}

    def load(self, organization_ids) -> None:
        missing = sorted({pk for pk in organization_ids if pk not in self._members})
        for start in range(0, len(missing), 2000):
            chunk = missing[start : start + 2000]
            for pk in chunk:
                self._members[pk] = {}
            rows = Membership.objects.filter(
                organization_id__in=chunk, user__is_active=True
            ).values_list("organization_id", "role", "user_id")
            for organization_id, role, user_id in rows.order_by("user_id"):
                self._members[organization_id].setdefault(role, []).append(user_id)

    def members(self, organization_id: int, roles) -> list[int]:
        self.load([organization_id])
        by_role = self._members[organization_id]
        return sorted({user_id for role in roles for user_id in by_role.get(role, ())})

    def workers(self, *, prefecture_id: int, assigned_to_id: int | None) -> list[int]:
        """The assigned liaison, or every liaison and admin while nobody is assigned."""
        if assigned_to_id is not None:
            return [assigned_to_id]
        return self.members(prefecture_id, WORKER_ROLES)

    def escalation(self, *, prefecture_id: int, assigned_to_id: int | None) -> list[int]:
        """The workers and, above them, the prefecture's admins."""
        return sorted(
            set(self.workers(prefecture_id=prefecture_id, assigned_to_id=assigned_to_id))
            | set(self.members(prefecture_id, [Role.PREFECTURE_ADMIN]))
        )

    def commune(self, *, commune_id: int) -> list[int]:
        return self.members(commune_id, COMMUNE_ROLES)


def status_change_recipients(*, info_request: InfoRequest) -> list[int]:
    """Both sides: the commune's officers and mayors and, once the request has reached it (a
    draft never does, even withdrawn), the prefecture's workers and admins. Whoever made the
    change is included: the message is their receipt."""
    directory = Directory()
    directory.load([info_request.commune_id, info_request.prefecture_id])
    users = set(directory.commune(commune_id=info_request.commune_id))
    if info_request.submitted_at is not None:
        users |= set(
            directory.escalation(
                prefecture_id=info_request.prefecture_id,
                assigned_to_id=info_request.assigned_to_id,
            )
        )
    return sorted(users)


def running_due_date(info_request: InfoRequest) -> date | None:
    """The date the request's current step is due, if a clock is running."""
    if info_request.status == Status.SUBMITTED:
        return info_request.acknowledgement_due
    if info_request.status == Status.ACKNOWLEDGED:
        return info_request.decision_due
    if info_request.status == Status.DECIDED and info_request.resolution in RESOLUTIONS_TO_DELIVER:
        return info_request.delivery_due
    return None


# --- status changes: a notice and an e-mail per recipient, in the transition's transaction ---


def notify_status_change(
    *, info_request: InfoRequest, now: datetime | None = None, by_sweep: bool = False
) -> list[int]:
    """Both sides hear that the request changed status."""
    return _notify_event(
        info_request=info_request, kind=ReminderKind.STATUS_CHANGED, now=now, by_sweep=by_sweep
    )


def notify_deadline_change(*, info_request: InfoRequest, now: datetime | None = None) -> list[int]:
    """Both sides hear that the running deadline moved."""
    return _notify_event(
        info_request=info_request, kind=ReminderKind.DEADLINE_CHANGED, now=now, by_sweep=False
    )


def notify_sent_back(*, info_request: InfoRequest, now: datetime | None = None) -> list[int]:
    """The commune's legal officers hear that the mayor sent the draft back (not the remark)."""
    directory = Directory()
    recipients = directory.members(info_request.commune_id, [Role.LEGAL_OFFICER])
    return _notify_event(
        info_request=info_request,
        kind=ReminderKind.SENT_BACK,
        now=now,
        by_sweep=False,
        recipients=recipients,
    )


def _notify_event(
    *,
    info_request: InfoRequest,
    kind: str,
    now: datetime | None,
    by_sweep: bool,
    recipients: list[int] | None = None,
) -> list[int]:
    """Writes, inside the caller's transaction, one in-app notification and one outbox row per
    recipient, then enqueues the e-mails once the transaction commits.

    The rows commit or roll back with the change itself: a change is never announced twice
    nor lost. A change made by a person is e-mailed at once; one made by the sweep (an
    expiry) waits for the next business morning like a reminder.
    """
    from . import reminders  # the ledger imports this module for rendering

    now = now or timezone.now()
    if recipients is None:
        recipients = status_change_recipients(info_request=info_request)
    if not recipients:
        return []
    due_on = running_due_date(info_request)
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                info_request=info_request,
                kind=kind,
                status=info_request.status,
                due_on=due_on,
            )
            for user_id in recipients
        ]
    )
    send_after = (
        reminders.next_send_slot(now, departement_code=info_request.commune.departement_code)
        if by_sweep
        else now
    )
    rows = Reminder.objects.bulk_create(
        [
            Reminder(
                kind=kind,
                info_request=info_request,
                user_id=notification.user_id,
                due_on=timezone.localdate(now),
                about_status=info_request.status,
                send_after=send_after,
                # Sent at once: enqueued when the change commits, owed again only if lost.
                enqueued_at=now if send_after <= now else None,
                next_attempt_at=send_after + reminders.requeue_after()
                if send_after <= now
                else send_after,
                notification=notification,
            )
            for notification in notifications
        ]
    )
    ids = [row.pk for row in rows if row.enqueued_at is not None]
    if ids:
        # A lambda, not a partial: Django's robust on_commit logs the callable's __qualname__.
        transaction.on_commit(lambda: reminders.enqueue(ids), robust=True)
    return [row.pk for row in rows]


# --- rendering ------------------------------------------------------------------------------


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
) -> dict:
    return {
        "headline": HEADLINES[kind][language],
        "reference": reference,
        "status": status_label(status, language),
        "due_on": due_on,
        "link": link,
    }


# Messages whose news is the request's new status or due date say the status in their subject;
# the others (reminders, a draft sent back) say their headline.
STATUS_SUBJECT_KINDS = frozenset({ReminderKind.STATUS_CHANGED, ReminderKind.DEADLINE_CHANGED})


def render_request_message(
    *, kind: str, language: str, reference: str, status: str, due_on: date | None
) -> Message:
    """The message about one request: headline, reference, status, due date, link."""
    context = _context(
        kind=kind,
        language=language,
        reference=reference,
        status=status,
        due_on=due_on,
        link=request_link(reference),
    )
    with override(language):
        body = render_to_string(f"sharing/email/request.{language}.txt", context)
    if kind in STATUS_SUBJECT_KINDS:
        subject = f"[Relais] {reference} : {context['status']}"
    else:
        subject = f"[Relais] {reference} : {context['headline'].rstrip('.')}"
    return Message(subject=subject, body=body)


@dataclass(frozen=True)
class DigestLine:
    reference: str
    status: str
    due_on: date | None


def overdue_of(*, prefecture_id: int, today: date) -> list[DigestLine]:
    """The prefecture's overdue requests, most overdue first: reference, status, due date."""
    from .selectors import overdue_q

    rows = (
        InfoRequest.objects.filter(overdue_q(today=today), prefecture_id=prefecture_id)
        .only(
            "reference",
            "status",
            "resolution",
            "acknowledgement_due",
            "decision_due",
            "delivery_due",
        )
        .order_by("reference")
    )
    lines = [DigestLine(row.reference, row.status, running_due_date(row)) for row in rows]
    lines.sort(key=lambda line: (line.due_on or date.max, line.reference))
    return lines


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


def already_delivered(connection, message_id: str) -> bool:
    """Asks the mail backend whether it already accepted this Message-ID, when it can tell
    (`sent_message_ids`, e.g. sharing.mail_backends.JsonLinesEmailBackend); SMTP cannot."""
    probe = getattr(connection, "sent_message_ids", None)
    return probe is not None and message_id in probe([message_id])


# --- the in-app inbox ---------------------------------------------------------------------


def notification_text(notification: Notification, *, language: str) -> str:
    """One line for the inbox, in the reader's language."""
    headline = HEADLINES[notification.kind][language]
    if notification.kind == ReminderKind.OVERDUE_DIGEST:
        word = "demande(s) en retard" if language == "fr" else "overdue request(s)"
        return f"{headline} {notification.count or 0} {word}."
    return headline
