"""Reads of requests, always filtered by who is asking."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User

from .models import (
    RESOLUTIONS_TO_DELIVER,
    ClarificationMessage,
    InfoRequest,
    InfoRequestGroupObjectPermission,
    InfoRequestUserObjectPermission,
    InternalNote,
    Status,
)
from .permissions import VIEW


def info_requests_visible_to(*, user: User) -> QuerySet[InfoRequest]:
    """Requests on which one of the user's groups (or the user) holds the view permission.

    Staff administer through the admin, not through this list: they see nothing here unless
    they also hold a role. Auditors see no request content: their access is the audit log.
    """
    if not user.is_authenticated or not user.is_active:
        return InfoRequest.objects.none()
    by_group = InfoRequestGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename=VIEW,
        group__in=user.groups.all(),
    )
    by_user = InfoRequestUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), permission__codename=VIEW, user=user
    )
    return InfoRequest.objects.filter(Exists(by_group) | Exists(by_user))


def overdue_q(*, today: date) -> Q:
    """The running deadline of the request's current step has passed (the clock stops while
    a clarification is pending)."""
    return (
        Q(status=Status.SUBMITTED, acknowledgement_due__lt=today)
        | Q(status=Status.ACKNOWLEDGED, decision_due__lt=today)
        | Q(status=Status.DECIDED, delivery_due__lt=today, resolution__in=RESOLUTIONS_TO_DELIVER)
    )


def running_due_date(info_request: InfoRequest) -> date | None:
    """The due date of the step the request is waiting for, if any."""
    if info_request.status == Status.SUBMITTED:
        return info_request.acknowledgement_due
    if info_request.status == Status.ACKNOWLEDGED:
        return info_request.decision_due
    if info_request.status == Status.DECIDED and info_request.resolution in RESOLUTIONS_TO_DELIVER:
        return info_request.delivery_due
    return None


def is_overdue(info_request: InfoRequest, *, today: date | None = None) -> bool:
    due = running_due_date(info_request)
    return due is not None and due < (today or timezone.localdate())


def info_request_list(*, user: User) -> QuerySet[InfoRequest]:
    """The visible requests with what a list renders, in a fixed number of queries."""
    return info_requests_visible_to(user=user).select_related(
        "commune", "prefecture", "category", "legal_basis", "assigned_to"
    )


def messages_of(*, info_request: InfoRequest) -> QuerySet[ClarificationMessage]:
    return info_request.messages.select_related("author")


def notes_of(*, info_request: InfoRequest) -> QuerySet[InternalNote]:
    return info_request.notes.select_related("author")


# What a timeline shows: the changes, not who read what (that is the auditors' business).
TIMELINE_ACTIONS = (
    "request.created",
    "request.updated",
    "request.signed",
    "request.acknowledged",
    "request.assigned",
    "request.clarification_requested",
    "request.clarified",
    "request.decided",
    "request.delivery_recorded",
    "request.closed",
    "request.withdrawn",
    "request.extended",
    "request.expired",
)


def timeline_of(*, info_request: InfoRequest) -> list[dict]:
    """The request's recorded changes, oldest first, from the audit log."""
    from audit.models import AuditEvent

    events = AuditEvent.objects.filter(
        target_type=InfoRequest._meta.label_lower,
        target_ref=info_request.reference,
        action__in=TIMELINE_ACTIONS,
    ).order_by("seq")
    return [
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at,
            "action": event.action,
            "actor": event.actor_username or None,
            "details": event.details,
        }
        for event in events
    ]
