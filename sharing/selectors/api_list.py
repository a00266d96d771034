"""The API list when it is narrowed by statuses alone, or not at all: the list as it opens, a
liaison's inbox (`?status=submitted&status=acknowledged&ordering=decision_due`). Its capped
count, and its page's rows with their ids in a subquery, are each run from a statement
compiled once per reader shape, statuses and order (`sharing.statements`) with the reader's
values: built and compiled by the ORM for every answer, the two cost about half of the
answer's CPU. The statements are the ORM's own for the rows the API view reads otherwise: the
list's queryset (`info_request_list_within`), the filter set's status filter, the order the
ordering filter gives. Any other filter, a reader holding a personal permission, or one with
no group or organisation, keeps the view's path through the filter backends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils.datastructures import MultiValueDict

from accounts.models import COMMUNE_ROLES, PREFECTURE_ROLES, Membership, User

from .. import pagination
from ..filters import InfoRequestFilter
from ..models import InfoRequest, InfoRequestUserObjectPermission
from ..pagination import bounded_counts_read, bounded_counts_sql
from ..statements import (
    InstancesRead,
    Statement,
    compile_instances_once,
    compile_once,
    compile_twice,
    instances,
    per_vendor,
    stand_in_ids,
)
from . import SHOWN_WITH, info_request_list_within


@dataclass(frozen=True)
class _Reader:
    """The reader's values that the statements take, each list of ids in order."""

    groups: tuple[int, ...]
    communes: tuple[int, ...]
    prefectures: tuple[int, ...]

    def shape(self) -> tuple[int, int, int]:
        """What the SQL depends on beside the values: the length of each `IN` list."""
        return len(self.groups), len(self.communes), len(self.prefectures)

    def values(self) -> dict[str, int]:
        return _named(self.groups, self.communes, self.prefectures)


def _named(groups, communes, prefectures) -> dict[str, int]:
    return {
        **{f"g{i}": pk for i, pk in enumerate(groups)},
        **{f"c{i}": pk for i, pk in enumerate(communes)},
        **{f"p{i}": pk for i, pk in enumerate(prefectures)},
    }


def _stand_ins(shape: tuple[int, int, int], run: int) -> dict[str, int]:
    """A reader of this shape whose every id is a stand-in no id or constant takes (negative
    ids), by name; `run` gives another set of them."""
    groups, communes, prefectures = shape
    return _named(
        stand_in_ids(1_100_000_000, groups, run),
        stand_in_ids(1_200_000_000, communes, run),
        stand_in_ids(1_300_000_000, prefectures, run),
    )


def _page_stand_ins(run: int) -> dict[str, int]:
    return {"limit": -1_400_000_000 - run, "offset": -1_500_000_000 - run}


def _rows(shape: tuple[int, int, int], statuses: tuple[str, ...], **stand_ins: int) -> QuerySet:
    """The list's rows as the API view filters them, for the reader the stand-ins make up."""
    groups, communes, prefectures = shape
    queryset = info_request_list_within(
        user=User(pk=-1, is_active=True),  # not read: no personal permission is looked up
        groups=[stand_ins[f"g{i}"] for i in range(groups)],
        communes=[stand_ins[f"c{i}"] for i in range(communes)],
        prefectures=[stand_ins[f"p{i}"] for i in range(prefectures)],
    )
    if statuses:
        chosen = InfoRequestFilter(MultiValueDict({"status": list(statuses)}), queryset=queryset)
        queryset = chosen.qs
    return queryset


@per_vendor(maxsize=64)
def _count_statement(
    shape: tuple[int, int, int], statuses: tuple[str, ...], limit: int
) -> Statement:
    """The rows' count up to `limit` (COUNT_MAX, part of the SQL) and whether there are more,
    as `bounded_count` reads it."""

    def build(**stand_ins: int) -> tuple[str, Any]:
        return bounded_counts_sql(_rows(shape, statuses, **stand_ins), {"": Q()}, limit)

    return compile_twice(build, _stand_ins(shape, 0), _stand_ins(shape, 1))


@per_vendor(maxsize=256)
def _page_read(
    shape: tuple[int, int, int], statuses: tuple[str, ...], ordering: tuple[str, ...]
) -> InstancesRead:
    """A page's rows in the list's order, with what a row shows: their ids in a subquery (the
    list's own rows, ordered, with LIMIT and OFFSET), then those rows alone, by id."""

    def build(**stand_ins: int) -> QuerySet:
        ids = _rows(shape, statuses, **stand_ins).values_list("pk", flat=True).order_by(*ordering)
        sql, params = ids.query.sql_with_params()
        page = RawSQL(  # noqa: S611  # the ORM's own compiled SQL, its values as parameters
            f"{sql} LIMIT %s OFFSET %s", (*params, stand_ins["limit"], stand_ins["offset"])
        )
        rows = InfoRequest.objects.filter(pk__in=page).select_related(*SHOWN_WITH)
        return rows.order_by(*ordering)

    first, second = (_stand_ins(shape, run) | _page_stand_ins(run) for run in (0, 1))
    return compile_instances_once(build, first, second)


class PlainList:
    """The list for a reader, narrowed by statuses alone, in an order: `counted()` is its
    capped count, and a slice of it (as the paginator takes a page) reads that page's rows."""

    def __init__(
        self, reader: _Reader, statuses: tuple[str, ...], ordering: tuple[str, ...]
    ) -> None:
        self.reader, self.statuses, self.ordering = reader, statuses, ordering

    def counted(self) -> tuple[int, bool]:
        limit = pagination.COUNT_MAX
        shape = self.reader.shape()
        statement = _count_statement(connection.vendor, shape, self.statuses, limit)
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.values(**self.reader.values()))
            return bounded_counts_read([""], cursor.fetchone(), limit)[""]

    def __getitem__(self, window: slice) -> list[InfoRequest]:
        if window.stop <= window.start:
            return []
        read = _page_read(connection.vendor, self.reader.shape(), self.statuses, self.ordering)
        return instances(  # type: ignore[return-value]  # the read's model: InfoRequest
            read,
            using=connection.alias,
            **self.reader.values(),
            limit=window.stop - window.start,
            offset=window.start,
        )


GROUP, MEMBER, PERSONAL = "group", "member", "personal"  # the kinds of row `_reader_of` reads


@per_vendor(maxsize=4)
def _reader_statement() -> Statement:
    """In one read, the user's groups, memberships and personal permissions, a row each (what
    it is, an id, a role), where `group_ids_of`, `own_organisations` and
    `holds_personal_permissions` make a query each."""
    user = -1_000_000_009  # stand-in
    no_role = Value("")
    user_groups: Any = User.groups.through  # Django's own table, which the stubs do not type
    rows = (
        user_groups.objects.filter(user_id=user)
        .annotate(kind=Value(GROUP), role=no_role)
        .values_list("kind", "group_id", "role"),
        Membership.objects.filter(user_id=user)
        .annotate(kind=Value(MEMBER))
        .values_list("kind", "organization_id", "role"),
        InfoRequestUserObjectPermission.objects.filter(user_id=user)
        .annotate(kind=Value(PERSONAL), role=no_role)
        .values_list("kind", "pk", "role"),
    )
    return compile_once(rows[0].union(*rows[1:], all=True), user=user)


def _reader_of(user: User) -> tuple[_Reader, bool]:
    """The reader's values, and whether they hold a personal permission."""
    statement = _reader_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.values(user=user.pk))
        found = cursor.fetchall()

    def ids(kind: str, roles=None) -> tuple[int, ...]:
        return tuple(
            sorted({pk for k, pk, role in found if k == kind and (not roles or role in roles)})
        )

    reader = _Reader(
        groups=ids(GROUP),
        communes=ids(MEMBER, COMMUNE_ROLES),
        prefectures=ids(MEMBER, PREFECTURE_ROLES),
    )
    return reader, bool(ids(PERSONAL))


def plain_list(*, user: User, statuses: list[str], ordering: list[str]) -> PlainList | None:
    """The API list of `user` narrowed by these statuses (valid ones; none: every status) in
    this order (the ordering filter's terms), read from compiled statements; None for a reader
    whose list is not read this way (see the module's docstring)."""
    reader, personal = _reader_of(user)
    if personal or not reader.groups or not (reader.communes or reader.prefectures):
        return None
    return PlainList(reader, tuple(sorted(set(statuses))), tuple(ordering))
