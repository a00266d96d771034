"""The user's in-app notices (issue 4's Notification rows): a reference, what happened, by when."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_POST

from audit.services import audit_record

from .. import services
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
def notification_mark_read(request, pk: int):
    """Marks one of the user's notices read; anyone else's, or a missing one, is a 404."""
    notification = notifications_of(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    services.notification_mark_read(notification=notification, actor=request.user)
    return redirect("notifications")


@login_required
@require_POST
def notifications_mark_read(request):
    """Marks all the user's notices read, as the API's mark-all-read does."""
    marked = services.notifications_mark_all_read(actor=request.user)
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
