"""The user's in-app notices (issue 4's Notification rows): a reference, what happened, by when."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..selectors import notifications_of
from ..selectors.notices import SHOWN, notices_page
from ..services import inbox


@login_required
def notification_list(request):
    page = notices_page(user=request.user, language=get_language())
    return render(
        request,
        "sharing/notifications.html",
        {
            "groups": page.groups,
            "rows": page.rows,
            "shown": SHOWN,
            "daily_digest": page.daily_digest,
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
