"""Who may see and work on a request: object permissions held by organisation role groups.

Which action each role may take in which status is `sharing.rules`; this module holds the
permissions it reads and the one fetch-and-check."""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, router
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Role, User
from accounts.selectors import group_ids_of

from .models import InfoRequest, InfoRequestGroupObjectPermission, InfoRequestUserObjectPermission
from .selectors import SHOWN_WITH, info_requests_visible_to
from .statements import (
    InstancesRead,
    Statement,
    compile_instances_once,
    compile_once,
    instances,
    per_vendor,
)

VIEW = "view_inforequest"
CHANGE = "change_inforequest"
SIGN = "sign_inforequest"
DRAFT = "draft_inforequest"
WORK = "work_inforequest"
ASSIGN = "assign_inforequest"
NOTES = "view_internal_notes"

# Granted on each request to the commune's and the prefecture's role groups.
PERMS_BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.LEGAL_OFFICER: (VIEW, CHANGE, DRAFT),
    Role.MAYOR: (VIEW, CHANGE, DRAFT, SIGN),
    Role.LIAISON: (VIEW, WORK, NOTES),
    Role.PREFECTURE_ADMIN: (VIEW, WORK, NOTES, ASSIGN),
}


def perms_on(user: User, info_request: InfoRequest) -> frozenset[str]:
    """The permissions the user holds on this request (through their role groups or their
    own), read once per user on this instance of the request: an action's check, its refusal
    and its answer's `allowed_actions` ask the same question. A grant forgets them
    (`forget_perms`); a new instance, as each HTTP request fetches, reads them afresh."""
    known = info_request.__dict__.setdefault("_perms_by_user", {})
    if user.pk not in known:
        known[user.pk] = _perms_on_one(user, info_request)
    return known[user.pk]


def _perms_on_one(user: User, info_request: InfoRequest) -> frozenset[str]:
    """`perms_on_each` for one request, with the user's groups read in the same statement (a
    subquery: the request index finds the few rows whatever the groups, and a query less on
    every detail and action). The statement is compiled once (`_one_request_statement`): built
    and compiled by the ORM on every request page, action and API detail, it took 1.9 ms
    here."""
    if not user.is_active or user.is_superuser:
        return perms_on_each(user=user, info_requests=[info_request])[info_request.pk]
    statement = _one_request_statement()
    alias = router.db_for_read(InfoRequestGroupObjectPermission)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            statement.sql,
            statement.values(
                request=info_request.pk,
                user=user.pk,
                type=ContentType.objects.get_for_model(InfoRequest).pk,
            ),
        )
        return frozenset(codename for _, codename in cursor.fetchall())


@lru_cache(maxsize=1)
def _one_request_statement() -> Statement:
    """`perms_on_each`'s query for one request, the groups as a subquery, compiled once
    (`sharing.statements`)."""
    request, user, content_type = -1001, -1002, -1003  # stand-ins
    query = _perms_query(
        ids=[request],
        user_id=user,
        content_type_id=content_type,
        group_ids=Group.objects.filter(user__pk=user).values("pk"),
    )
    return compile_once(query, request=request, user=user, type=content_type)


def _perms_query(*, ids: list[int], user_id: int, content_type_id: int, group_ids: Any):
    by_group = InfoRequestGroupObjectPermission.objects.filter(
        content_object_id__in=ids,
        group_id__in=group_ids,
        permission__content_type_id=content_type_id,
    ).values_list("content_object_id", "permission__codename")
    by_user = InfoRequestUserObjectPermission.objects.filter(
        content_object_id__in=ids, user_id=user_id, permission__content_type_id=content_type_id
    ).values_list("content_object_id", "permission__codename")
    return by_group.union(by_user, all=True)


def forget_perms(info_request: InfoRequest) -> None:
    """After a grant on this instance: the next `perms_on` reads the permissions again."""
    info_request.__dict__.pop("_perms_by_user", None)


def keep_perms(read: InfoRequest, again: InfoRequest) -> None:
    """The same request read again (`again`, locked say) keeps what `read` knew of them."""
    if "_perms_by_user" in read.__dict__:
        again.__dict__["_perms_by_user"] = read.__dict__["_perms_by_user"]


def can(user: User, perm: str, info_request: InfoRequest) -> bool:
    """True when one of the user's role groups holds the permission on this request."""
    return perm in perms_on(user, info_request)


def get_request_for(*, user: User, reference: str, perm: str = VIEW) -> InfoRequest:
    """The one fetch-and-check: missing and forbidden both answer Http404.

    The request is read by its reference with what its page shows, then the user's permissions
    on it in one query (`perms_on`, kept on the instance for the action's own check and the
    answer's `allowed_actions`): without the view permission it is as missing. The same rows
    decide as `info_requests_visible_to`, whose condition a list needs but one request does
    not. A superuser holds every permission in guardian's answer, yet sees only the requests
    one of their roles gives them: that condition again."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    info_request = _read_by_reference(user=user, reference=reference)
    if info_request is None:
        raise Http404
    held = perms_on(user, info_request)
    if VIEW not in held or perm not in held:
        raise Http404
    return info_request


def _read_by_reference(*, user: User, reference: str) -> InfoRequest | None:
    """The request with what its detail shows, read by its reference from a statement
    compiled once (`_by_reference_read`); a superuser's through the visibility condition."""
    if user.is_superuser:
        visible = info_requests_visible_to(user=user).select_related(*SHOWN_WITH)
        return visible.filter(reference=reference).first()
    alias = router.db_for_read(InfoRequest)
    read = _by_reference_read(connections[alias].vendor)
    found = instances(read, using=alias, reference=reference)
    return cast(InfoRequest, found[0]) if found else None  # the reference is unique


@per_vendor(maxsize=4)
def _by_reference_read() -> InstancesRead:
    """`get_request_for`'s read of one request by its reference with what its detail shows
    (`SHOWN_WITH`), compiled once per database vendor (`sharing.statements`): built and
    compiled by the ORM with its five joins on every detail, page and action, it took about
    0.75 ms of CPU."""

    def build(reference: str) -> QuerySet[InfoRequest]:
        return InfoRequest.objects.select_related(*SHOWN_WITH).filter(reference=reference)

    return compile_instances_once(
        build, {"reference": "stand-in reference 1"}, {"reference": "stand-in reference 2"}
    )


def perms_on_each(
    *, user: User, info_requests: Sequence[InfoRequest], group_ids_read: list[int] | None = None
) -> dict[int, frozenset[str]]:
    """The permissions the user holds on each request (by its id), as django-guardian's
    `ObjectPermissionChecker(user).get_perms` answers them (none for an inactive user, every
    one for a superuser, else those of the user's groups and the user's own), read for a whole
    page in one query by the requests' ids after the user's group ids. Guardian's
    `prefetch_perms` joins the user's groups instead, and PostgreSQL then reads the group's
    every permission row through the group index (300,000 rows at a prefecture of 100,000
    requests, 30 to 100 ms for a page of 50) rather than the page's own through the request
    index. For one request, `perms_on` reads the groups in the same statement instead.
    `group_ids_read`: the user's group ids as `group_ids_of` read them for this same page (the
    list read them for its own rows)."""
    if not user.is_active:
        return {info_request.pk: frozenset() for info_request in info_requests}
    content_type = ContentType.objects.get_for_model(InfoRequest)
    if user.is_superuser:
        every = frozenset(content_type.permission_set.values_list("codename", flat=True))
        return {info_request.pk: every for info_request in info_requests}
    found: dict[int, set[str]] = {info_request.pk: set() for info_request in info_requests}
    if not found:
        return {}
    group_ids = sorted(set(group_ids_of(user=user) if group_ids_read is None else group_ids_read))
    statement = _each_request_statement(connection.vendor, len(found), len(group_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            statement.sql,
            statement.values(
                user=user.pk,
                type=content_type.pk,
                **{f"r{i}": pk for i, pk in enumerate(found)},
                **{f"g{i}": pk for i, pk in enumerate(group_ids)},
            ),
        )
        for pk, codename in cursor.fetchall():
            found[pk].add(codename)
    return {pk: frozenset(codenames) for pk, codenames in found.items()}


@per_vendor(maxsize=128)
def _each_request_statement(requests: int, groups: int) -> Statement:
    """`perms_on_each`'s query for this many requests and groups, compiled once per database
    vendor (`sharing.statements`): built and compiled for every page of the inbox (whose "take
    it" buttons read the page's permissions), it took about 1.5 ms a page."""
    ids = {f"r{i}": -1_000_000_000 - i for i in range(requests)}
    group_ids = {f"g{i}": -1_100_000_000 - i for i in range(groups)}
    user, content_type = -1_200_000_000, -1_200_000_001  # stand-ins
    query = _perms_query(
        ids=list(ids.values()),
        user_id=user,
        content_type_id=content_type,
        group_ids=list(group_ids.values()),
    )
    return compile_once(query, user=user, type=content_type, **ids, **group_ids)
