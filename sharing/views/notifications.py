"""The user's in-app notices (issue 4's Notification rows): a reference, what happened, by when."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_record

from ..notifications.outbox import wants_daily_digest
from ..notifications.recipients import commune_ids_of
from ..notifications.rendering import notification_text
from ..notifications.texts import LANGUAGES
from ..selectors import notifications_of
from ..services import inbox

SHOWN = 50


@login_required
def notification_list(request):
    language = get_language() if get_language() in LANGUAGES else "fr"
    notices = list(
        notifications_of(user=request.user)
        .select_related("info_request", "organization")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    commune_ids = commune_ids_of(request.user)
    rows = [
        {
            "notice": notice,
            "text": notification_text(notice, language=language, commune_ids=commune_ids),
        }
        for notice in notices
    ]
    audit_record(
        actor=request.user,
        action="notification.listed",
        details={"via": "web", "count": len(rows)},
    )
    return render(
        request,
        "sharing/notifications.html",
        {
            "groups": group_by_request(rows),
            "rows": rows,
            "shown": SHOWN,
            "daily_digest": wants_daily_digest(request.user),
        },
    )


@login_required
@require_POST
def notification_preference(request):
    """One e-mail per notice, or one a day with the unread ones."""
    daily = request.POST.get("daily_digest") == "on"
    inbox.notification_preference_set(actor=request.user, daily_digest=daily)
    messages.success(
        request,
        _("Vous recevrez un seul e-mail par jour, avec vos notifications non lues.")
        if daily
        else _("Vous recevrez un e-mail pour chaque notification."),
    )
    return redirect("notifications")


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


@login_required
@require_POST
def notification_mark_read(request, pk: int):
    """Marks one of the user's notices read; anyone else's, or a missing one, is a 404."""
    notification = notifications_of(user=request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    inbox.notification_mark_read(notification=notification, actor=request.user)
    return redirect("notifications")


@login_required
@require_POST
def notifications_mark_read(request):
    """Marks all the user's notices read, as the API's mark-all-read does."""
    marked = inbox.notifications_mark_all_read(actor=request.user)
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
