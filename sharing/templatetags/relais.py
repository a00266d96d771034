"""Small display helpers for the web pages: status badges, due dates, timeline labels."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit import labels
from sharing import formats
from sharing.models import Resolution, Status, Urgency
from sharing.selectors import awaited_date, is_late

register = template.Library()

STATUS_BADGE = {
    Status.DRAFT: "",
    Status.SUBMITTED: "fr-badge--new",
    Status.ACKNOWLEDGED: "fr-badge--info",
    Status.CLARIFICATION_REQUESTED: "fr-badge--warning",
    Status.DECIDED: "fr-badge--success",
    Status.DELIVERED: "fr-badge--success",
    Status.CLOSED: "",
    Status.WITHDRAWN: "",
    Status.DISCARDED: "",
}

TIMELINE_LABELS = {
    "request.created": _("Brouillon créé"),
    "request.updated": _("Brouillon modifié"),
    "request.sent_back": _("Renvoyé au juriste par le maire"),
    "request.signed": _("Signée et transmise à la préfecture"),
    "request.acknowledged": _("Réception accusée"),
    "request.assigned": _("Confiée à un référent"),
    "request.taken": _("Prise en charge par un référent"),
    "request.clarification_requested": _("Précisions demandées"),
    "request.clarified": _("Précisions apportées"),
    "request.decided": _("Décision enregistrée"),
    "request.delivery_recorded": _("Remise de la réponse enregistrée"),
    "request.closed": _("Close"),
    "request.withdrawn": _("Retirée"),
    "request.discarded": _("Brouillon abandonné"),
    "request.extended": _("Échéance prolongée"),
    "request.expired": _("Échéance dépassée : rejet implicite"),
}


@register.simple_tag
def status_badge(info_request):
    """The status as a DSFR badge."""
    css = STATUS_BADGE.get(info_request.status, "")
    # Status(...).label rather than get_status_display(), which rebuilds the choices map on
    # every call: a list renders fifty of these.
    return format_html(
        '<p class="fr-badge fr-badge--sm {}">{}</p>', css, Status(info_request.status).label
    )


@register.simple_tag
def overdue_badge(info_request):
    """An "overdue" badge when the running step's deadline, or the commune's answer date
    while it is asked for clarification, has passed."""
    if not is_late(info_request):
        return ""
    return format_html('<p class="fr-badge fr-badge--sm fr-badge--error">{}</p>', _("En retard"))


@register.filter
def running_due(info_request):
    """The due date of the step the request is waiting for (the commune's answer, while a
    clarification is asked), if any."""
    return awaited_date(info_request)


@register.filter
def timeline_label(action: str) -> str:
    return TIMELINE_LABELS.get(action, action)


@register.filter
def urgency_label(value: str) -> str:
    return Urgency(value).label if value in Urgency.values else value


@register.filter
def resolution_label(value: str) -> str:
    return Resolution(value).label if value in Resolution.values else value


@register.filter
def localised(obj, field: str) -> str:
    """`obj.<field>_en` on English pages when it is filled in, else `obj.<field>`."""
    return formats.localised_field(obj, field)


@register.filter
def long_date(value, language=None):
    """`1er décembre 2026` / `1 December 2026` in the page's language (or the one given)."""
    return formats.long_date(value, language)


@register.filter
def long_datetime(value, language=None):
    """`1er décembre 2026 à 14:05` / `1 December 2026 at 14:05`, local time."""
    return formats.long_datetime(value, language)


@register.filter
def action_label(code):
    """An audited action in plain words (audit.labels)."""
    return labels.action_label(code)


@register.filter
def outcome_label(code):
    """An audited outcome in plain words (audit.labels)."""
    return labels.outcome_label(code)


@register.filter
def waiting_on(info_request):
    """Whose move it is: the commune, the mayor, the legal officer, the prefecture, or nobody."""
    status = info_request.status
    if status == Status.DRAFT:
        return _("Le juriste") if getattr(info_request, "sent_back", False) else _("Le maire")
    if status == Status.CLARIFICATION_REQUESTED:
        return _("La commune")
    if status in (Status.SUBMITTED, Status.ACKNOWLEDGED):
        return _("La préfecture")
    if status == Status.DECIDED and info_request.resolution in (
        Resolution.GRANTED,
        Resolution.PARTIALLY_GRANTED,
    ):
        return _("La préfecture")
    return "—"
