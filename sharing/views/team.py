"""The prefecture admin's view of the team: open requests per liaison, and what is overdue."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.models import PREFECTURE_ROLES, Membership, Role
from accounts.selectors import organizations_where
from audit.services import audit_record

from ..models import OPEN_STATUSES, Urgency, running_due_expression
from ..selectors import info_request_list, overdue_q
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
