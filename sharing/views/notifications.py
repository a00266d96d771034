"""The user's in-app notices (issue 4's Notification rows): a reference, what happened, by when."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import get_language

from audit.services import audit_record

from ..models import Notification
from ..notifications import LANGUAGES, notification_text
from ..selectors import info_requests_visible_to

SHOWN = 50


def inbox_of(user):
    """The user's own notices, about requests they can still see (or about none: digests)."""
    return Notification.objects.filter(user=user).filter(
        Q(info_request__isnull=True) | Q(info_request__in=info_requests_visible_to(user=user))
    )


@login_required
def notification_list(request):
    language = get_language() if get_language() in LANGUAGES else "fr"
    notices = list(
        inbox_of(request.user).select_related("info_request").order_by("-created_at", "-pk")[:SHOWN]
    )
    rows = [
        {"notice": notice, "text": notification_text(notice, language=language)}
        for notice in notices
    ]
    audit_record(
        actor=request.user,
        action="notification.listed",
        details={"via": "web", "count": len(rows)},
    )
    return render(request, "sharing/notifications.html", {"rows": rows, "shown": SHOWN})
