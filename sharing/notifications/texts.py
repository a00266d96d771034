"""The words of every notice, in each language and for each side of a request: what happened
and what is expected of the reader, by when (`describe`); the headline of each kind of e-mail.
"""

from __future__ import annotations

from datetime import date

from ..formats import long_date
from ..models import ReminderKind, Status
from .recipients import COMMUNE, PREFECTURE

LANGUAGES = ("fr", "en")


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
