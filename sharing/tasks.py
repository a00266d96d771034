"""Thin Celery tasks: they take ids, fetch, call a service or send, and are safe to repeat."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import Membership, Role

from .models import InfoRequest


@shared_task(name="sharing.notify_status_change", acks_late=True, max_retries=5)
def notify_status_change(info_request_id: int, status: str) -> int:
    """Tells both organisations that a request changed status: reference, status and link only."""
    info_request = (
        InfoRequest.objects.select_related("commune", "prefecture")
        .filter(pk=info_request_id)
        .first()
    )
    if info_request is None or info_request.status != status:
        return 0  # a later change superseded this one; its own notification follows
    recipients = sorted(
        set(
            Membership.objects.filter(
                organization__in=[info_request.commune_id, info_request.prefecture_id],
                role__in=[Role.LEGAL_OFFICER, Role.MAYOR, Role.LIAISON, Role.PREFECTURE_ADMIN],
                user__is_active=True,
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not recipients:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse(
        "api:request-detail", kwargs={"reference": info_request.reference}
    )
    subject = f"[Relais] {info_request.reference} : {info_request.get_status_display()}"
    body = (
        f"Demande {info_request.reference}\nStatut : {info_request.get_status_display()}\n{link}\n"
    )
    return send_mail(subject, body, None, recipients)
