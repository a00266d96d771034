"""The prefecture admin's view of the team: open requests per liaison, and what is overdue."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User

from ..forms import ReassignForm
from ..selectors.team import OVERDUE_SHOWN, member_requests, team_page
from ..services.handling import info_request_assign
from .bulk import apply_each
from .common import audit_denied


@login_required
def team(request):
    page = team_page(user=request.user)
    if page is None:
        audit_denied(request, action="permission.denied")
        raise Http404
    return render(
        request,
        "sharing/team.html",
        {
            "rows": page.rows,
            "unassigned": page.unassigned,
            "overdue": page.overdue,
            "shown": OVERDUE_SHOWN,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_reassign(request, username: str):
    """The admin gives a member's open requests (all, or those ticked) to another liaison,
    each through the assign service and its rule, each audited by it."""
    user = request.user
    found = member_requests(user=user, username=username, record=request.method == "GET")
    if found is None:
        audit_denied(request, action="permission.denied")
        raise Http404
    member = found.member
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        liaisons=found.liaisons,
        references=[row.reference for row in found.rows],
    )
    if request.method == "POST" and form.is_valid():
        liaison = User.objects.get(username=form.cleaned_data["liaison"])
        done, refused = apply_each(
            request,
            form.cleaned_data["selected"],
            lambda info_request: info_request_assign(
                info_request=info_request, actor=user, liaison=liaison
            ),
        )
        return render(
            request,
            "sharing/request_bulk.html",
            {
                "operation": _("Demandes de %(member)s confiées à %(liaison)s")
                % {"member": member.display_name, "liaison": liaison.display_name},
                "done": done,
                "refused": refused,
                "back": "team",
            },
        )
    return render(
        request,
        "sharing/team_reassign.html",
        {"member": member, "rows": found.rows, "form": form},
        status=400 if request.method == "POST" else 200,
    )
