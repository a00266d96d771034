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
    ReminderKind.CLARIFICATION_DUE_SOON: {
        "fr": "Vos précisions sur cette demande sont bientôt dues.",
        "en": "Your clarification on this request is due soon.",
    },
    ReminderKind.CLARIFICATION_OVERDUE: {
        "fr": "Vos précisions sur cette demande sont en retard.",
        "en": "Your clarification on this request is overdue.",
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
    ReminderKind.DAILY_DIGEST: {
        "fr": "Relevé quotidien de vos notifications non lues.",
        "en": "Daily digest of your unread notifications.",
    },
    ReminderKind.SENT_BACK: {
        "fr": "Le maire vous a renvoyé ce brouillon avec une remarque, à lire dans Relais.",
        "en": "The mayor has sent this draft back to you with a remark, to read in Relais.",
    },
}


# What happened and what is expected of the reader, by kind (and, for a status change, by the
# new status) and by the reader's side (`recipients.COMMUNE`, `recipients.PREFECTURE`).
# `{date}` is the running due date, written out (sharing.formats).
Texts = dict[str, dict[str, str]]  # side → language → text


def _both(fr: str, en: str) -> Texts:
    return {COMMUNE: {"fr": fr, "en": en}, PREFECTURE: {"fr": fr, "en": en}}


def _sides(commune: tuple[str, str], prefecture: tuple[str, str]) -> Texts:
    return {
        COMMUNE: {"fr": commune[0], "en": commune[1]},
        PREFECTURE: {"fr": prefecture[0], "en": prefecture[1]},
    }


STATUS_NOTICES: dict[str, Texts] = {
    Status.DRAFT: _both(
        "Brouillon modifié — à relire et à signer par le maire.",
        "Draft changed — for the mayor to review and sign.",
    ),
    Status.SUBMITTED: _sides(
        (
            "Demande signée et transmise à la préfecture — accusé de réception attendu "
            "avant le {date}.",
            "Request signed and sent to the prefecture — acknowledgement of receipt expected "
            "by {date}.",
        ),
        (
            "Nouvelle demande signée par le maire — à vous d'en accuser réception avant le {date}.",
            "New request signed by the mayor — yours to acknowledge by {date}.",
        ),
    ),
    Status.ACKNOWLEDGED: _sides(
        (
            "Demande en cours d'examen par la préfecture — décision attendue avant le {date}.",
            "Request under review by the prefecture — decision expected by {date}.",
        ),
        (
            "Demande en cours d'examen — à vous de décider avant le {date}.",
            "Request under review — yours to decide by {date}.",
        ),
    ),
    Status.CLARIFICATION_REQUESTED: _sides(
        (
            "Précisions demandées par la préfecture — à vous de répondre dans Relais avant le "
            "{date} ; le délai de décision est suspendu.",
            "Clarification requested by the prefecture — yours to answer in Relais by {date}; "
            "the decision clock is stopped.",
        ),
        (
            "Précisions demandées à la commune — rien à faire avant sa réponse.",
            "Clarification asked of the commune — nothing to do until it answers.",
        ),
    ),
    Status.DECIDED: _sides(
        (
            "Décision rendue par la préfecture — la réponse vous sera remise avant le {date}.",
            "Decision made by the prefecture — the answer will be delivered to you by {date}.",
        ),
        (
            "Décision enregistrée — réponse à remettre à la commune avant le {date}.",
            "Decision recorded — answer to deliver to the commune by {date}.",
        ),
    ),
    Status.DELIVERED: _sides(
        (
            "Réponse remise par la préfecture — rien d'autre à faire.",
            "Answer delivered by the prefecture — nothing else to do.",
        ),
        (
            "Remise de la réponse enregistrée — la demande peut être close.",
            "Delivery of the answer recorded — the request can be closed.",
        ),
    ),
    Status.CLOSED: _both(
        "Demande close — rien d'autre à faire.", "Request closed — nothing else to do."
    ),
    Status.WITHDRAWN: _both(
        "Demande retirée par la commune — rien d'autre à faire.",
        "Request withdrawn by the commune — nothing else to do.",
    ),
    Status.DISCARDED: _both(
        "Brouillon abandonné par la commune — rien d'autre à faire.",
        "Draft discarded by the commune — nothing else to do.",
    ),
}


# A decision with nothing to deliver (refused, redirected): no date runs.
DECIDED_WITHOUT_DELIVERY = _sides(
    (
        "Décision rendue par la préfecture — consultez-la dans Relais ; rien d'autre à faire.",
        "Decision made by the prefecture — read it in Relais; nothing else to do.",
    ),
    (
        "Décision enregistrée — rien d'autre à faire.",
        "Decision recorded — nothing else to do.",
    ),
)


KIND_NOTICES: dict[str, Texts] = {
    ReminderKind.ACKNOWLEDGEMENT_DUE_SOON: _both(
        "Accusé de réception à faire avant le {date}.",
        "Acknowledgement of receipt due by {date}.",
    ),
    ReminderKind.ACKNOWLEDGEMENT_OVERDUE: _both(
        "Accusé de réception en retard (dû le {date}) — à faire sans attendre.",
        "Acknowledgement of receipt overdue (due {date}) — to do now.",
    ),
    ReminderKind.DECISION_DUE_7: _both(
        "Décision à prendre dans 7 jours ouvrés, avant le {date}.",
        "Decision due in 7 business days, by {date}.",
    ),
    ReminderKind.DECISION_DUE_2: _both(
        "Décision à prendre dans 2 jours ouvrés, avant le {date}.",
        "Decision due in 2 business days, by {date}.",
    ),
    ReminderKind.DECISION_DUE_TODAY: _both(
        "Décision à prendre aujourd'hui, le {date}.",
        "Decision due today, {date}.",
    ),
    ReminderKind.DECISION_OVERDUE: _both(
        "Décision en retard (due le {date}) — à prendre sans attendre.",
        "Decision overdue (due {date}) — to make now.",
    ),
    ReminderKind.CLARIFICATION_PENDING: _both(
        "La préfecture attend toujours vos précisions — à vous de répondre dans Relais.",
        "The prefecture is still waiting for your clarification — yours to answer in Relais.",
    ),
    ReminderKind.CLARIFICATION_DUE_SOON: _both(
        "Précisions demandées par la préfecture — à vous de répondre avant le {date}.",
        "Clarification requested by the prefecture — yours to answer by {date}.",
    ),
    ReminderKind.CLARIFICATION_OVERDUE: _both(
        "Précisions en retard (attendues le {date}) — à apporter sans attendre.",
        "Clarification overdue (expected {date}) — to give now.",
    ),
    ReminderKind.DELIVERY_PENDING: _both(
        "Réponse accordée à remettre à la commune avant le {date}.",
        "Answer granted, to deliver to the commune by {date}.",
    ),
    ReminderKind.DELIVERY_OVERDUE: _both(
        "Remise de la réponse en retard (due le {date}) — à faire sans attendre.",
        "Delivery of the answer overdue (due {date}) — to do now.",
    ),
    ReminderKind.PERSONAL: _both(
        "Le rappel que vous avez demandé sur cette demande.",
        "The reminder you asked for about this request.",
    ),
    ReminderKind.DEADLINE_CHANGED: _sides(
        (
            "Échéance reportée par la préfecture — réponse désormais attendue avant le {date}.",
            "Deadline extended by the prefecture — answer now expected by {date}.",
        ),
        (
            "Échéance reportée — à traiter désormais avant le {date}.",
            "Deadline extended — now due by {date}.",
        ),
    ),
    ReminderKind.SENT_BACK: _both(
        "Brouillon renvoyé par le maire avec une remarque — à vous de le reprendre.",
        "Draft sent back by the mayor with a remark — yours to rework.",
    ),
}


# Without a running date, the sentence stops before it.
UNDATED = {
    "fr": (
        ", avant le {date}",
        ", le {date}",
        " (dû le {date})",
        " (due le {date})",
        " (attendues le {date})",
        " avant le {date}",
    ),
    "en": (", by {date}", ", {date}", " (due {date})", " (expected {date})", " by {date}"),
}


def describe(*, kind: str, status: str, due_on: date | None, side: str, language: str) -> str:
    """One sentence: what happened, and what is expected of this reader, by when."""
    language = language if language in LANGUAGES else "fr"
    side = side if side in (COMMUNE, PREFECTURE) else PREFECTURE
    if kind == ReminderKind.STATUS_CHANGED:
        texts = STATUS_NOTICES.get(status)
        if status == Status.DECIDED and due_on is None:
            texts = DECIDED_WITHOUT_DELIVERY
    else:
        texts = KIND_NOTICES.get(kind)
    if texts is None:
        return HEADLINES[kind][language]
    text = texts[side][language]
    if due_on is None:
        for fragment in UNDATED[language]:
            text = text.replace(fragment, "")
        return text.replace("{date}", "")
    return text.replace("{date}", long_date(due_on, language))


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
