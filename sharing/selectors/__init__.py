"""Reads of requests, always filtered by who is asking."""

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import LessThan
from django.utils import timezone

from accounts.models import COMMUNE_ROLES, PREFECTURE_ROLES, User
from accounts.selectors import group_ids_of, memberships_of
from audit.models import AuditEvent

from .. import deadlines
from ..models import (
    RESOLUTIONS_TO_DELIVER,
    ClarificationMessage,
    DraftRemark,
    InfoRequest,
    InfoRequestGroupObjectPermission,
    InfoRequestUserObjectPermission,
    InternalNote,
    Notification,
    Reminder,
    ReminderKind,
    Status,
    running_due_expression,
)
from ..statements import Statement, compile_once, per_vendor


class ProbedExists(Exists):
    """An EXISTS that PostgreSQL evaluates for each row the outer query reads, as a probe of
    the subquery's index, never as a join that first reads every row the subquery could match.

    The visibility test of a list narrowed to the reader's scope is such a probe: a page, a
    capped count, reads at most a thousand rows, each checked in the permission table's unique
    index (group, permission, request) in three buffers. Left to itself, the planner turns the
    EXISTS into a hash join that first reads every view permission of the user's groups (the
    whole prefecture's, 100,000 rows at a scope of 100,000 requests) because it cannot know the
    permission id (a subquery) nor how few rows the LIMIT will read. `OFFSET 0` keeps the
    subquery from being pulled up into a join or hashed (PostgreSQL plans neither for a subquery
    with an OFFSET), which leaves the per-row probe; the rows are the same."""

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="EXISTS(%(subquery)s OFFSET 0)", **extra_context
        )


def _view_permission() -> QuerySet[Permission, Any]:
    """The view permission's id, as a subquery the database evaluates once per statement:
    never cached in the process, where a flush or a restore would leave a stale id."""
    return Permission.objects.filter(
        content_type__app_label=InfoRequest._meta.app_label,
        content_type__model=InfoRequest._meta.model_name,
        # Django's own view permission (permissions.VIEW), named without importing the
        # permissions module, whose fetch-and-check reads through this one.
        codename=get_permission_codename("view", InfoRequest._meta),
    ).values("pk")


# A condition no row meets, that compiles: an empty IN list has no SQL (the ORM raises
# EmptyResultSet, which a queryset absorbs but a list's compiled statement cannot), this has.
NO_ROW = Q(pk__lt=0)


def visible_condition(
    *,
    user: User,
    ref: str = "pk",
    personal: bool = True,
    groups_in_query: bool = False,
    probed: bool = True,
    group_ids_read: list[int] | None = None,
) -> Q:
    """The condition "one of the user's groups (or the user) holds the view permission on the
    request at `ref`". The user's group ids are resolved first (`group_ids_of`), so that the
    database looks up the group-object-permission table by its unique index (group,
    permission, request) instead of joining through the user's groups for every request.

    `personal=False` leaves out the permissions granted to the user personally, for a caller
    that has checked the user holds none: the same rows, and one EXISTS instead of two joined
    by OR, which PostgreSQL can run as a semi-join probing the index for each row a page reads
    (an OR of two EXISTS is a hashed subplan that first reads every permission row of the
    user's groups: the whole prefecture's, for a page of 50). That EXISTS is a `ProbedExists`:
    a caller leaving out the personal permissions narrows the rows to the reader's scope, whose
    lists and capped counts read a bounded number of rows, each probed.

    `groups_in_query=True` reads the user's groups in the same statement (a subquery) instead
    of a query of their own first: for a caller whose rows are few (the user's own notices, the
    header's count on every page), where a query less counts for more than the plan. Read
    afresh by that statement all the same.

    `probed=False` (with `personal=False`) leaves the group EXISTS plain, for a caller that
    reads every row of a scope already narrowed to the user's organisations (the team page's
    counts of every open request): there the probe per row costs three buffers a row, while
    PostgreSQL's hash join reads the scope's permission rows once, in index order (at 100,000
    requests, 11,209 open rows: 33,632 buffers probed against 208 read once). Both cost what
    the scope holds; a page or a capped count, which stops after a few rows, keeps the probe.

    `group_ids_read`: the user's group ids as `group_ids_of` read them for this same answer
    (a caller making two queries of one page reads them once)."""
    group_ids: Any
    if groups_in_query:
        group_ids = user.groups.values("pk")
        if not personal:
            raise ValueError("groups_in_query reads few rows: keep the personal permissions")
    elif group_ids_read is not None:
        group_ids = group_ids_read
    else:
        group_ids = group_ids_of(user=user)
    permission = Subquery(_view_permission())
    by_user = Exists(
        InfoRequestUserObjectPermission.objects.filter(
            content_object=OuterRef(ref), permission_id=permission, user=user
        )
    )
    if not groups_in_query and not group_ids:
        return Q(by_user) if personal else NO_ROW
    by_groups = InfoRequestGroupObjectPermission.objects.filter(
        content_object=OuterRef(ref), permission_id=permission, group_id__in=group_ids
    )
    if not personal:
        return Q(ProbedExists(by_groups) if probed else Exists(by_groups))
    if groups_in_query:
        # Probed for each of the few rows: hashed, it would first read every view permission
        # of the user's groups (the prefecture's 100,000 for a liaison's 5 notices).
        return Q(ProbedExists(by_groups)) | Q(by_user)
    return Q(Exists(by_groups)) | Q(by_user)


def info_requests_visible_to(
    *,
    user: User,
    personal: bool = True,
    probed: bool = True,
    group_ids_read: list[int] | None = None,
) -> QuerySet[InfoRequest]:
    """Requests on which one of the user's groups (or the user) holds the view permission.

    Staff administer through the admin, not through this list: they see nothing here unless
    they also hold a role. Auditors see no request content: their access is the audit log.
    """
    if not user.is_authenticated or not user.is_active:
        return InfoRequest.objects.none()
    return InfoRequest.objects.filter(
        visible_condition(
            user=user, personal=personal, probed=probed, group_ids_read=group_ids_read
        )
    )


def overdue_q(*, today: date) -> Q:
    """The running deadline of the request's current step has passed (the clock stops while
    a clarification is pending)."""
    return _running_due_q("lt", today)


def running_due_before_q(*, today: date) -> Q:
    """The rows of `overdue_q`, written as "the running due date (`running_due_expression`) is
    before today": the form the prefecture inbox's index (prefecture, running due date) answers
    as a range, for a query narrowed to prefectures. Unnarrowed, it reads every request (the
    national due-date indexes answer `overdue_q`'s form instead)."""
    return Q(LessThan(running_due_expression(), today))


def clarification_overdue_q(*, today: date) -> Q:
    """The commune's answer to a clarification is late (the prefecture's clock is stopped
    meanwhile: this is the commune's lateness, not the prefecture's)."""
    return Q(status=Status.CLARIFICATION_REQUESTED, clarification_due__lt=today)


def awaited_date(info_request: InfoRequest) -> date | None:
    """The date a list shows as due: the running deadline, or the commune's answer date."""
    if info_request.status == Status.CLARIFICATION_REQUESTED:
        return info_request.clarification_due
    return running_due_date(info_request)


def is_late(info_request: InfoRequest, *, today: date | None = None) -> bool:
    """Whoever is awaited is late: the prefecture on its deadline, or the commune's answer."""
    due = awaited_date(info_request)
    return due is not None and due < (today or timezone.localdate())


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


@dataclass(frozen=True)
class DayCounters:
    """Business days on the commune's calendar. `days_to_*` is set while that clock runs (0:
    due today, negative: passed); `days_to_decision` shows the days left while a
    clarification stops the clock (`decision_clock_paused`). `days_overdue` counts how far
    the running step's deadline has passed (0 when it has not)."""

    days_to_acknowledgement: int | None
    days_to_decision: int | None
    days_to_delivery: int | None
    days_overdue: int
    decision_clock_paused: bool

    def as_dict(self) -> dict:
        return asdict(self)


def day_counters(info_request: InfoRequest, *, today: date | None = None) -> DayCounters:
    today = today or timezone.localdate()
    dep = info_request.commune.departement_code

    def days_to(due: date | None) -> int | None:
        if due is None:
            return None
        return deadlines.business_days_between(today, due, departement_code=dep)

    status = info_request.status
    paused = status == Status.CLARIFICATION_REQUESTED
    to_decision = None
    if status in {Status.SUBMITTED, Status.ACKNOWLEDGED}:
        to_decision = days_to(info_request.decision_due)
    elif paused:
        to_decision = info_request.decision_days_remaining
    running = running_due_date(info_request)
    overdue = 0
    if running is not None and running < today:
        overdue = deadlines.business_days_between(running, today, departement_code=dep)
    return DayCounters(
        days_to_acknowledgement=(
            days_to(info_request.acknowledgement_due) if status == Status.SUBMITTED else None
        ),
        days_to_decision=to_decision,
        days_to_delivery=days_to(info_request.delivery_due)
        if status == Status.DECIDED and info_request.resolution in RESOLUTIONS_TO_DELIVER
        else None,
        days_overdue=overdue,
        decision_clock_paused=paused,
    )


def _by_calendar(build) -> Q:
    """One condition per calendar, each limited to the communes that follow it."""
    special = [code for codes in deadlines.SPECIAL_CALENDARS.values() for code in codes]
    condition = build(deadlines.representative_departement(deadlines.NATIONAL_CALENDAR)) & ~Q(
        commune__departement_code__in=special
    )
    for calendar_key, codes in deadlines.SPECIAL_CALENDARS.items():
        condition |= build(deadlines.representative_departement(calendar_key)) & Q(
            commune__departement_code__in=sorted(codes)
        )
    return condition


def _running_due_q(lookup: str, value: date) -> Q:
    return (
        Q(status=Status.SUBMITTED, **{f"acknowledgement_due__{lookup}": value})
        | Q(status=Status.ACKNOWLEDGED, **{f"decision_due__{lookup}": value})
        | Q(
            status=Status.DECIDED,
            resolution__in=RESOLUTIONS_TO_DELIVER,
            **{f"delivery_due__{lookup}": value},
        )
    )


def overdue_by_at_least_q(*, days: int, today: date) -> Q:
    """The running deadline passed at least `days` business days ago (`days_overdue >= days`)."""
    if days <= 0:
        return overdue_q(today=today)

    def build(departement_code: str) -> Q:
        # days_overdue >= n  <=>  the due date precedes the n-th last business day up to today
        nth_last = deadlines.subtract_business_days(
            today, days - 1, departement_code=departement_code
        )
        return _running_due_q("lt", nth_last)

    return _by_calendar(build)


def due_within_q(*, days: int, today: date) -> Q:
    """The running deadline is today or within the next `days` business days."""

    def build(departement_code: str) -> Q:
        # business_days_between(today, due) <= n  <=>  due < the (n+1)-th business day after today
        limit = deadlines.add_business_days(today, days + 1, departement_code=departement_code)
        return _running_due_q("lt", limit)

    return _running_due_q("gte", today) & _by_calendar(build)


def notifications_of(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notices, about requests they can still see (and their digests). The
    visibility check is correlated to each notice's request: it costs what the user's notices
    cost, not a scan of every visible request (the header shows the unread count on every
    page)."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    rows = Notification.objects.filter(user=user).filter(
        Q(info_request__isnull=True)
        | visible_condition(user=user, ref="info_request_id", groups_in_query=True)
    )
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    return rows.select_related("info_request", "organization").order_by("-created_at", "-pk")


def personal_reminders_of(*, user: User, info_request: InfoRequest) -> QuerySet[Reminder]:
    """The reminders the user asked for about this request, soonest first."""
    return Reminder.objects.filter(
        user=user, info_request=info_request, kind=ReminderKind.PERSONAL
    ).order_by("due_on", "pk")


# What a request's detail, page or list row shows beside the request itself, read with it.
SHOWN_WITH = ("commune", "prefecture", "category", "legal_basis", "assigned_to")


def info_request_list(
    *,
    user: User,
    personal: bool = True,
    probed: bool = True,
    group_ids_read: list[int] | None = None,
) -> QuerySet[InfoRequest]:
    """The visible requests with what a list renders, in a fixed number of queries; a
    discarded draft is no one's work any more and leaves every list (its page remains).
    `personal`, `probed`, `group_ids_read`: see `visible_condition`."""
    return (
        info_requests_visible_to(
            user=user, personal=personal, probed=probed, group_ids_read=group_ids_read
        )
        .exclude(status=Status.DISCARDED)
        .select_related(*SHOWN_WITH)
    )


def holds_personal_permissions(*, user: User) -> bool:
    """Whether a request permission was granted to the user personally (never done by the
    services, which grant to organisation role groups). Asked by every list page: its query is
    compiled once (`_personal_statement`)."""
    statement = _personal_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.values(user=user.pk))
        return cursor.fetchone() is not None


@per_vendor(maxsize=4)
def _personal_statement() -> Statement:
    """`holds_personal_permissions`' query, compiled once per database vendor."""
    user = -1_000_000_007  # stand-in
    rows = InfoRequestUserObjectPermission.objects.filter(user_id=user).values_list("pk")[:1]
    return compile_once(rows, user=user)


def info_request_list_in_scope(*, user: User) -> QuerySet[InfoRequest]:
    """`info_request_list` narrowed to the user's own communes and prefectures, which is where
    the services grant the role groups their permissions: the same rows, but a condition the
    database answers from the commune and prefecture indexes, so that a list, its count and
    its pages cost what the reader's scope holds, not what the country holds. A user holding
    a permission granted to them personally (never done by the services) keeps the plain
    visibility filter, so that nothing visible is ever left out."""
    if not user.is_authenticated or not user.is_active:
        return info_request_list(user=user)
    if holds_personal_permissions(user=user):
        return info_request_list(user=user)
    communes, prefectures = own_organisations(user=user)
    return info_request_list_within(
        user=user, groups=group_ids_of(user=user), communes=communes, prefectures=prefectures
    )


def own_organisations(*, user: User) -> tuple[list[int], list[int]]:
    """The ids of the communes and of the prefectures the user works for, each in order."""
    memberships = memberships_of(user=user)
    communes = sorted({m.organization_id for m in memberships if m.role in COMMUNE_ROLES})
    prefectures = sorted({m.organization_id for m in memberships if m.role in PREFECTURE_ROLES})
    return communes, prefectures


def info_request_list_within(
    *, user: User, groups: list[int], communes: list[int], prefectures: list[int]
) -> QuerySet[InfoRequest]:
    """`info_request_list_in_scope` for a user who holds no personal permission, given the
    user's group ids and own organisations (`own_organisations`)."""
    queryset = info_request_list(user=user, personal=False, group_ids_read=groups)
    return queryset.filter(Q(commune_id__in=communes) | Q(prefecture_id__in=prefectures))


def messages_of(*, info_request: InfoRequest) -> QuerySet[ClarificationMessage]:
    return info_request.messages.select_related("author")


def notes_of(*, info_request: InfoRequest) -> QuerySet[InternalNote]:
    return info_request.notes.select_related("author")


def remarks_of(*, info_request: InfoRequest) -> QuerySet[DraftRemark]:
    """The mayor's remarks on the draft, oldest first; for the commune's eyes only."""
    return info_request.draft_remarks.select_related("author")


def with_sent_back(queryset: QuerySet[InfoRequest]) -> QuerySet[InfoRequest]:
    """Marks each row `sent_back` when the mayor returned it and nobody edited or signed it since
    (a draft withdrawn meanwhile keeps the mark: show it on drafts only)."""
    open_remark = DraftRemark.objects.filter(info_request=OuterRef("pk"), addressed_at__isnull=True)
    return queryset.annotate(sent_back=Exists(open_remark))


# What a timeline shows: the changes, not who read what (that is the auditors' business).
TIMELINE_ACTIONS = (
    "request.created",
    "request.updated",
    "request.sent_back",
    "request.signed",
    "request.acknowledged",
    "request.assigned",
    "request.taken",
    "request.clarification_requested",
    "request.clarified",
    "request.decided",
    "request.delivery_recorded",
    "request.closed",
    "request.withdrawn",
    "request.discarded",
    "request.extended",
    "request.expired",
)


def timeline_of(*, info_request: InfoRequest) -> list[dict]:
    """The request's recorded changes, oldest first, from the audit log."""
    events = AuditEvent.objects.filter(
        target_type=InfoRequest._meta.label_lower,
        target_ref=info_request.reference,
        action__in=TIMELINE_ACTIONS,
    ).order_by(F("seq").asc(nulls_last=True), "id")  # not yet sequenced: last, as they came
    # People by their names today (in the same query); the username the log recorded when
    # no name is known.
    names = User.objects.filter(pk=OuterRef("actor_id"))
    events = events.annotate(
        actor_first_name=Subquery(names.values("first_name")[:1]),
        actor_last_name=Subquery(names.values("last_name")[:1]),
    )
    return [
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at,
            "action": event.action,
            "actor": event.actor_username or None,
            "actor_name": (
                f"{event.actor_first_name or ''} {event.actor_last_name or ''}".strip()
                or event.actor_username
                or None
            ),
            "details": event.details,
        }
        for event in events
    ]
