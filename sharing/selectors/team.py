"""The prefecture administrator's team page: open requests per member, what is overdue, and
one member's open requests to hand over. Each list of requests is recorded as read
(`request.listed`) before it is returned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import PREFECTURE_ROLES, Membership, Role, User
from accounts.selectors import organizations_where
from audit.services import audit_record

from ..models import OPEN_STATUSES, InfoRequest, OpenLoad, running_due_expression
from . import (
    SHOWN_WITH,
    holds_personal_permissions,
    info_request_list,
    running_due_before_q,
)
from .people import colleagues

OVERDUE_SHOWN = 100


@dataclass(frozen=True)
class TeamPage:
    rows: list[dict]  # {"user", "open", "overdue", "urgent"} per member
    unassigned: dict  # the same counts for the requests nobody holds
    overdue: Sequence[InfoRequest]  # the most overdue first, OVERDUE_SHOWN at most


def team_page(*, user: User) -> TeamPage | None:
    """None when the user administers no prefecture."""
    prefectures = organizations_where(user=user, roles={Role.PREFECTURE_ADMIN})
    if not prefectures:
        return None
    today = timezone.localdate()
    personal = holds_personal_permissions(user=user)
    # Without personal permissions, the group condition alone (see `visible_condition`): a
    # probe of the permission index per request read, not every permission row of the
    # prefecture read first, for the overdue list, which stops after OVERDUE_SHOWN rows. No
    # status filter there: a running due date exists for open statuses only, and PostgreSQL
    # intersected the inbox index's range with the country's status index (22,620 entries).
    in_prefectures = info_request_list(user=user, personal=personal).filter(
        prefecture__in=prefectures
    )
    # The counts: the sums of the prefectures' `OpenLoad` rows (a few per member and due
    # date, kept by the database in the transaction of each change), never the open requests
    # themselves. Every open request of a prefecture carries its groups' view permission from
    # its signature on (`info_request_sign`), so these are the requests the admin may see.
    load: dict[int | None, Any] = {
        row["assigned_to"]: row
        for row in OpenLoad.objects.filter(prefecture__in=prefectures)
        .values("assigned_to")
        .annotate(
            open=Sum("n"),
            overdue=Coalesce(Sum("n", filter=Q(running_due__lt=today)), 0),
            urgent=Coalesce(Sum("n", filter=Q(urgent=True)), 0),
        )
        .order_by()
    }
    members: dict[int, User] = {}
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
    in_order = (F("running_due").asc(nulls_last=True), "-created_at", "pk")
    # `overdue_q`'s rows in the form the inbox index reads as a range, in its order (the most
    # overdue first), their ids alone; then only those rows with what they show, as the
    # request list does: joined before the LIMIT, PostgreSQL read and sorted every overdue
    # row of the prefecture (3,036 rows, 16,695 buffers at 100,000 requests).
    first_ids = (
        in_prefectures.filter(running_due_before_q(today=today))
        .annotate(running_due=running_due_expression())
        .order_by(*in_order)
        .values("pk")[:OVERDUE_SHOWN]
    )
    overdue = list(
        InfoRequest.objects.filter(pk__in=Subquery(first_ids))
        .select_related(*SHOWN_WITH)
        .annotate(running_due=running_due_expression())
        .order_by(*in_order)
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
    return TeamPage(rows=rows, unassigned=load.get(None, empty), overdue=overdue)


@dataclass(frozen=True)
class MemberRequests:
    member: User
    rows: list[InfoRequest]  # the member's open requests, by reference
    liaisons: list[tuple[str, str]]  # to whom they may go: the member's colleagues


def member_requests(*, user: User, username: str, record: bool) -> MemberRequests | None:
    """A member of the prefectures the user administers, with their open requests; None for
    anyone else. `record`: the list is shown (and recorded as read), not only checked."""
    prefectures = organizations_where(user=user, roles={Role.PREFECTURE_ADMIN})
    membership = (
        Membership.objects.filter(
            organization__in=prefectures, role__in=PREFECTURE_ROLES, user__username=username
        )
        .select_related("user")
        .first()
    )
    if membership is None:
        return None
    member = membership.user
    rows = list(
        info_request_list(user=user, personal=holds_personal_permissions(user=user))
        .filter(prefecture__in=prefectures, status__in=OPEN_STATUSES, assigned_to=member)
        .order_by("reference")
    )
    references = [row.reference for row in rows]
    liaisons = [
        (name, label)
        for name, label in colleagues([org.pk for org in prefectures])
        if name != member.username
    ]
    if record:
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
    return MemberRequests(member=member, rows=rows, liaisons=liaisons)
