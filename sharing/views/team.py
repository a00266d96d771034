"""The prefecture admin's view of the team: open requests per liaison, and what is overdue."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import PREFECTURE_ROLES, Membership, Role, User
from accounts.selectors import organizations_where
from audit.services import audit_record

from .. import services
from ..forms import ReassignForm
from ..models import OPEN_STATUSES, Urgency, running_due_expression
from ..selectors import info_request_list, overdue_q
from ..selectors.people import colleagues
from .bulk import apply_each
from .common import audit_denied

OVERDUE_SHOWN = 100


@login_required
def team(request):
    user = request.user
    prefectures = organizations_where(user=user, roles={Role.PREFECTURE_ADMIN})
    if not prefectures:
        audit_denied(request, action="permission.denied")
        raise Http404
    today = timezone.localdate()
    open_requests = info_request_list(user=user).filter(
        prefecture__in=prefectures, status__in=OPEN_STATUSES
    )
    load = {
        row["assigned_to"]: row
        for row in open_requests.values("assigned_to")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=overdue_q(today=today)),
            urgent=Count("pk", filter=Q(urgency=Urgency.URGENT)),
        )
        .order_by()
    }
    members = {}
    for membership in (
        Membership.objects.filter(
            organization__in=prefectures,
            role__in=PREFECTURE_ROLES,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    ):
        members.setdefault(membership.user_id, membership.user)
    empty = {"open": 0, "overdue": 0, "urgent": 0}
    rows = [{"user": member, **load.get(pk, empty)} for pk, member in members.items()]
    unassigned = load.get(None, empty)
    overdue = list(
        open_requests.filter(overdue_q(today=today))
        .annotate(running_due=running_due_expression())
        # The inbox's order, which its index serves: the most overdue are read first.
        .order_by(F("running_due").asc(nulls_last=True), "-created_at", "pk")[:OVERDUE_SHOWN]
    )
    audit_record(
        actor=user,
        action="request.listed",
        details={
            "via": "web",
            "view": "team",
            "references": [row.reference for row in overdue],
            "count": len(overdue),
        },
    )
    return render(
        request,
        "sharing/team.html",
        {"rows": rows, "unassigned": unassigned, "overdue": overdue, "shown": OVERDUE_SHOWN},
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_reassign(request, username: str):
    """The admin gives a member's open requests (all, or those ticked) to another liaison,
    each through the assign service and its rule, each audited by it."""
    user = request.user
    prefectures = organizations_where(user=user, roles={Role.PREFECTURE_ADMIN})
    member = (
        Membership.objects.filter(
            organization__in=prefectures, role__in=PREFECTURE_ROLES, user__username=username
        )
        .select_related("user")
        .first()
    )
    if member is None:
        audit_denied(request, action="permission.denied")
        raise Http404
    member = member.user
    open_requests = list(
        info_request_list(user=user)
        .filter(prefecture__in=prefectures, status__in=OPEN_STATUSES, assigned_to=member)
        .order_by("reference")
    )
    references = [row.reference for row in open_requests]
    liaisons = [
        (name, label)
        for name, label in colleagues([org.pk for org in prefectures])
        if name != member.username
    ]
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        liaisons=liaisons,
        references=references,
    )
    if request.method == "POST" and form.is_valid():
        liaison = User.objects.get(username=form.cleaned_data["liaison"])
        done, refused = apply_each(
            request,
            form.cleaned_data["selected"],
            lambda info_request: services.info_request_assign(
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
    if request.method == "GET":
        audit_record(
            actor=user,
            action="request.listed",
            details={
                "via": "web",
                "view": "team_reassign",
                "references": references,
                "count": len(references),
            },
        )
    return render(
        request,
        "sharing/team_reassign.html",
        {"member": member, "rows": open_requests, "form": form},
        status=400 if request.method == "POST" else 200,
    )
