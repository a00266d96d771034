"""The user's in-app notices (issue 4's Notification rows): a reference, what happened, by when."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_POST

from audit.services import audit_record

from ..models import Notification
from ..notifications import LANGUAGES, notification_text
from ..selectors import notifications_of

SHOWN = 50


@login_required
def notification_list(request):
    language = get_language() if get_language() in LANGUAGES else "fr"
    notices = list(
        notifications_of(user=request.user)
        .select_related("info_request", "organization")
        .order_by("-created_at", "-pk")[:SHOWN]
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


@login_required
@require_POST
def notifications_mark_read(request):
    """Marks all the user's notices read, as the API's mark-all-read does."""
    marked = Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(
        request,
        ngettext(
            "%(count)s notification marquée comme lue.",
            "%(count)s notifications marquées comme lues.",
            marked,
        )
        % {"count": marked},
    )
    return redirect("notifications")
