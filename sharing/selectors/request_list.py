"""The request list's reads: what its filter form offers, one page of it, the rows of its
export. Each page and each export is recorded as the read it is (`request.listed`,
`request.exported`) once its rows are read and before they are returned: no list is answered
without its record, and a failed record fails the read."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import Combinable, RawSQL
from django.utils import timezone

from accounts.models import COMMUNE_ROLES, PREFECTURE_ROLES, Organization, OrgKind, User
from accounts.selectors import group_ids_of, memberships_of, organizations_where
from audit.services import audit_record

from .. import pagination, rules, worklists
from ..filters import InfoRequestFilter
from ..formats import Alphabetical, alphabetical
from ..models import (
    OPEN_STATUSES,
    InfoRequest,
    SavedView,
    Status,
    running_due_expression,
)
from ..pagination import (
    BoundedPaginator,
    CountedPaginator,
    bounded_counts_read,
    bounded_counts_sql,
)
from ..permissions import perms_on_each
from ..saved_views import saved_views_of
from ..screening import search_for_audit
from ..statements import Statement, kept_slots, per_vendor, stand_in_ids
from . import NO_ROW, holds_personal_permissions, info_request_list, with_sent_back
from .people import BulkChoices, bulk_choices

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 1000  # every exported reference is recorded, and the record has a bound
FULL_REFERENCE = re.compile(r"[0-9AB]{5}-[0-9]{4}-[0-9]{4,}")
OPEN = "open"  # the status filter's "every open status"
SORTS: dict[str, tuple[str | Combinable, ...]] = {
    "reference": ("reference",),
    "-reference": ("-reference",),
    "recue": ("submitted_at",),
    "-recue": ("-submitted_at",),
    # É among the E, not after Z (SQLite's and the C locale's byte order).
    "commune": (Alphabetical("commune__name").asc(),),
    "-commune": (Alphabetical("commune__name").desc(),),
}


@dataclass(frozen=True)
class ListScope:
    """Whom the list is for: the communes the user works for (where they may draft), whether
    they work for a prefecture, and the communes the filter offers."""

    communes: list[Organization]
    prefecture_side: bool
    filter_communes: list[Organization]

    @property
    def default_status(self) -> str:
        """A prefecture's inbox opens on what is in progress; a commune's list on everything."""
        return OPEN if self.prefecture_side else ""


def sides_of(*, user: User) -> tuple[list[Organization], bool]:
    """The communes the user works for, and whether the user works for a prefecture."""
    memberships = memberships_of(user=user)
    communes = {m.organization_id: m.organization for m in memberships if m.role in COMMUNE_ROLES}
    prefecture_side = any(m.role in PREFECTURE_ROLES for m in memberships)
    return list(communes.values()), prefecture_side


def list_scope(*, user: User) -> ListScope:
    communes, prefecture_side = sides_of(user=user)
    offered: Any = communes
    if prefecture_side:
        prefectures = organizations_where(user=user, roles=set(PREFECTURE_ROLES))
        offered = Organization.objects.filter(
            kind=OrgKind.COMMUNE, prefecture__in=prefectures
        ).only("code", "name")
    # Sorted here, as a reader expects (Étoile among the E), not by SQLite's byte order.
    offered = sorted(offered, key=lambda commune: (alphabetical(commune.name), commune.code))
    return ListScope(communes=communes, prefecture_side=prefecture_side, filter_communes=offered)


def within_own_organisations(
    queryset, *, communes: list[int], prefectures: list[int], prefecture_side: bool, personal: bool
):
    """Narrows the visible requests to the user's own communes and prefectures (by id), which
    is where the services grant the role groups their permissions: the same rows, but a
    condition the database can use an index for instead of testing visibility on every
    request. A user holding a permission granted to them personally (`personal`, never done by
    the services) keeps the plain visibility filter, so that nothing visible is ever left out."""
    if personal:
        return queryset
    if not communes and not prefecture_side:
        return queryset.filter(NO_ROW)  # no organisation (an auditor, an administrator)
    own = Q(commune__in=communes)
    if prefecture_side:
        own |= Q(prefecture__in=prefectures)
    return queryset.filter(own)


@dataclass(frozen=True)
class _Reader:
    """Who reads the list, as its queries take them: the values that change from one reader
    (or one day) to the next, each list of ids in order."""

    user_id: int
    personal: bool  # holds a permission of their own (`holds_personal_permissions`)
    groups: list[int]
    communes: list[int]
    prefectures: list[int]  # where they work for the prefecture
    prefecture_side: bool
    today: date
    covering: list[int]  # the liaisons they cover for today

    def own(self, user: User) -> QuerySet[InfoRequest]:
        """Every row of the reader's scope (`user`: the reader, or a stand-in of the same id)."""
        own = within_own_organisations(
            info_request_list(user=user, personal=self.personal, group_ids_read=self.groups),
            communes=self.communes,
            prefectures=self.prefectures,
            prefecture_side=self.prefecture_side,
            personal=self.personal,
        )
        if self.prefecture_side and not self.communes:
            own = own.exclude(status=Status.DRAFT)  # a draft has not reached them yet
        if not self.prefecture_side:
            own = worklists.with_work_marks(own)
        return own

    def lists(self) -> list[worklists.WorkList]:
        return worklists.lists_for(
            prefecture_side=self.prefecture_side,
            user_id=self.user_id,
            today=self.today,
            covering=self.covering,
        )

    def shape(self) -> tuple:
        """What the SQL of the reader's statements depends on, beside the values it is given."""
        return (
            self.personal,
            self.prefecture_side,
            len(self.groups),
            len(self.communes),
            len(self.prefectures),
            len(self.covering),
        )

    def values(self) -> dict[str, Any]:
        """The reader's values, by the names of the statements' stand-ins (`_stand_in`)."""
        return {
            "reader": self.user_id,
            "today": connection.ops.adapt_datefield_value(self.today),
            **{f"g{i}": pk for i, pk in enumerate(self.groups)},
            **{f"c{i}": pk for i, pk in enumerate(self.communes)},
            **{f"p{i}": pk for i, pk in enumerate(self.prefectures)},
            **{f"v{i}": pk for i, pk in enumerate(self.covering)},
        }


def _stand_in(shape: tuple, run: int) -> tuple[_Reader, dict[str, Any]]:
    """A reader of this shape whose every value is a stand-in no id or constant of the lists
    takes (negative ids, a date in 1901), and those stand-ins by name; `run` gives another
    set of them."""
    personal, prefecture_side, groups, communes, prefectures, covering = shape

    reader = _Reader(
        user_id=-1_000_000_000 - run,
        personal=personal,
        groups=stand_in_ids(1_100_000_000, groups, run),
        communes=stand_in_ids(1_200_000_000, communes, run),
        prefectures=stand_in_ids(1_300_000_000, prefectures, run),
        prefecture_side=prefecture_side,
        today=date(1901, 2, 3 + run),
        covering=stand_in_ids(1_400_000_000, covering, run),
    )
    return reader, reader.values()


def _page_condition(lists: list[worklists.WorkList], plain: tuple[str, tuple[str, ...]]) -> Q:
    """The condition `_narrowed` applies for a plain page (`_Query.plain`), as one."""
    key, statuses = plain
    chosen = next((item for item in lists if item.key == key), None)
    condition = chosen.condition if chosen is not None else Q()
    if statuses:
        condition &= Q(status__in=list(statuses))
    return condition


def _compiled_twice(shape: tuple, build: Callable[[_Reader, User], tuple[str, Any]]) -> Statement:
    """`build`'s SQL (from a reader and the same reader as a user) for readers of this shape,
    with the reader's values as named slots (`sharing.statements`). Compiled twice, with two
    sets of stand-ins, to make sure every value of the reader that the statement reads is one
    of its parameters, never a constant of its SQL (a commune's counts do not read the
    reader's id, for one)."""
    compiled = []
    for run in (0, 1):
        reader, stand_ins = _stand_in(shape, run)
        sql, params = build(reader, User(pk=reader.user_id, is_active=True))
        compiled.append(kept_slots(sql, params, stand_ins, every=False))
    if compiled[0] != compiled[1]:
        raise AssertionError("a value of the reader is a constant of a list's statement")
    return compiled[0]


@per_vendor(maxsize=256)
def _ids_statement(shape: tuple, plain: tuple[str, tuple[str, ...]], sort: str) -> Statement:
    """The ids of a plain list's rows (`_Query.plain`) in the list's order, for readers of
    this shape, compiled once per database vendor: the page's LIMIT and OFFSET are added as
    parameters. Built and compiled by the ORM, as the subquery of the page's rows, the
    visibility test with it, it took about 1.5 ms a page."""

    def build(reader: _Reader, user: User) -> tuple[str, Any]:
        key, statuses = plain
        chosen = next((item for item in reader.lists() if item.key == key), None)
        rows = _narrowed(reader.own(user), chosen_list=chosen, statuses=statuses)
        ordered = _in_order(rows, sort=sort, prefecture_side=reader.prefecture_side)
        return ordered.values_list("pk", flat=True).query.sql_with_params()

    return _compiled_twice(shape, build)


class _PlainIds:
    """A plain list's ids (`_ids_statement`), sliced as the paginator slices a list: a
    subquery of the page's rows, or nothing to read for an empty page."""

    def __init__(self, statement: Statement, values: dict[str, Any]) -> None:
        self.sql = f"{statement.sql} LIMIT %s OFFSET %s"
        self.params = statement.values(**values)

    def __getitem__(self, window: slice) -> RawSQL | list[int]:
        if window.stop <= window.start:
            return []
        # The ORM's own compiled SQL, its values passed as parameters.
        return RawSQL(self.sql, (*self.params, window.stop - window.start, window.start))  # noqa: S611


@per_vendor(maxsize=256)
def _counts_statement(
    shape: tuple, plain: tuple[str, tuple[str, ...]] | None, limit: int
) -> tuple[tuple[str, ...], Statement]:
    """The work lists' capped counts (`pagination.bounded_counts_sql`) for readers of this
    shape, and a plain page's (`_Query.plain`, under the key ""), compiled once per database
    vendor
    (`sharing.statements`): building and compiling the four to six querysets with their
    visibility test took about 3 ms a page, running them a tenth of it. `limit`: the cap
    (`COUNT_MAX`), part of the SQL."""
    keys: list[str] = []

    def build(reader: _Reader, user: User) -> tuple[str, Any]:
        lists = reader.lists()
        conditions = {item.key: item.condition for item in lists}
        if plain is not None:
            conditions[""] = _page_condition(lists, plain)
        keys[:] = conditions
        return bounded_counts_sql(reader.own(user), conditions, limit)

    statement = _compiled_twice(shape, build)
    return tuple(keys), statement


def _work_list_counts(
    reader: _Reader, plain: tuple[str, tuple[str, ...]] | None
) -> dict[str, tuple[int, bool]]:
    """Each of the reader's work lists' count, up to COUNT_MAX, and whether it holds more
    (`sharing.pagination.bounded_counts_read`), with a plain page's under the key "", in one query
    from its compiled statement."""
    limit = pagination.COUNT_MAX
    keys, statement = _counts_statement(connection.vendor, reader.shape(), plain, limit)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.values(**reader.values()))
        return bounded_counts_read(list(keys), cursor.fetchone(), limit)


@dataclass
class _Query:
    """The list's rows for the chosen filters, before ordering and paging."""

    reader: _Reader  # for the work lists' counts
    filtered: Callable[[], QuerySet[InfoRequest]]  # the rows, built when asked
    # (work list, statuses) when the list is narrowed by these alone, as most pages are: its
    # count and its page's ids are then read from statements compiled once.
    plain: tuple[str, tuple[str, ...]] | None
    lists: list[worklists.WorkList]
    chosen_list: worklists.WorkList | None
    recorded: dict[str, Any]
    sort: str
    prefecture_side: bool
    today: date

    def in_order(self, rows: QuerySet[InfoRequest]) -> QuerySet[InfoRequest]:
        return _in_order(rows, sort=self.sort, prefecture_side=self.prefecture_side)


def _in_order(rows: QuerySet[InfoRequest], *, sort: str, prefecture_side: bool):
    if sort in SORTS:
        return rows.order_by(*SORTS[sort], "pk")
    if prefecture_side:
        return rows.annotate(running_due=running_due_expression()).order_by(
            F("running_due").asc(nulls_last=True), "-created_at", "pk"
        )
    return rows.order_by("-created_at", "pk")


def _narrowed(
    rows: QuerySet[InfoRequest], *, chosen_list: worklists.WorkList | None, statuses
) -> QuerySet[InfoRequest]:
    """The rows of a list narrowed by a work list, or by statuses, alone."""
    if chosen_list is not None:
        rows = rows.filter(chosen_list.condition)
    if statuses:
        # Filtered here rather than by the filter set, whose multiple-choice filter adds a
        # DISTINCT that the visibility subquery does not need and that costs a sort.
        rows = rows.filter(status__in=list(statuses))
    return rows


def _query(*, user: User, scope: ListScope, chosen: dict) -> _Query:
    """`chosen`: the filter form's cleaned values (a refused one left out)."""
    prefecture_side = scope.prefecture_side
    status = chosen.get("status", scope.default_status)
    params: dict = {}
    for name in ("commune", "category"):
        if chosen.get(name):
            params[name] = chosen[name]
    reference = chosen.get("reference", "").strip().upper()
    exact = reference if FULL_REFERENCE.fullmatch(reference) else ""
    if chosen.get("overdue"):
        params["overdue"] = "true"  # the filter set reads query strings, as the API sends them
    if chosen.get("mine"):
        params["assigned_to"] = user.get_username()
    today = timezone.localdate()
    # Without personal permissions, the group condition alone (see `visible_condition`).
    personal = holds_personal_permissions(user=user)
    reader = _Reader(
        user_id=user.pk,
        personal=personal,
        groups=sorted(group_ids_of(user=user)),
        communes=sorted(commune.pk for commune in scope.communes),
        prefectures=sorted(
            org.pk for org in organizations_where(user=user, roles=set(PREFECTURE_ROLES))
        )
        if prefecture_side
        else [],
        prefecture_side=prefecture_side,
        today=today,
        covering=worklists.covering_of(user=user, today=today) if prefecture_side else [],
    )
    lists = reader.lists()
    chosen_list = next((item for item in lists if item.key == chosen.get("worklist")), None)
    if chosen_list is not None:
        status = ""  # a work list says which statuses it holds
    statuses = sorted(OPEN_STATUSES) if status == OPEN else [status] if status else []

    # The filter set reads query values, as the API gives them ("true", not True).
    query_values = {key: "true" if value is True else value for key, value in params.items()}
    searched = reference or chosen.get("q")
    dated = chosen.get("received_from") or chosen.get("received_to")

    def filtered() -> QuerySet[InfoRequest]:
        queryset = reader.own(user)
        if chosen_list is not None:
            queryset = queryset.filter(chosen_list.condition)
        if exact:  # a whole reference: the unique index, not a scan of every request
            queryset = queryset.filter(reference=exact)
        elif reference:
            queryset = queryset.filter(reference__icontains=reference)
        if chosen.get("q"):
            queryset = queryset.filter(
                Q(reference__icontains=chosen["q"]) | Q(purpose__icontains=chosen["q"])
            )
        if chosen.get("received_from"):
            queryset = queryset.filter(submitted_at__date__gte=chosen["received_from"])
        if chosen.get("received_to"):
            queryset = queryset.filter(submitted_at__date__lte=chosen["received_to"])
        queryset = _narrowed(queryset, chosen_list=None, statuses=statuses)
        if query_values:  # without any, the filter set leaves the rows as they are (about 1 ms)
            queryset = InfoRequestFilter(query_values, queryset=queryset).qs
        return queryset

    plain = None
    if not (searched or dated or query_values):
        plain = (chosen_list.key if chosen_list is not None else "", tuple(statuses))
    sort = chosen.get("sort", "")
    recorded = {
        **params,
        "status": ",".join(statuses),
        "reference": reference,
        # Screened by the form (refused text never gets here), then kept as a digest.
        "q": search_for_audit(chosen.get("q", "")),
        "received_from": chosen.get("received_from") or "",
        "received_to": chosen.get("received_to") or "",
        "worklist": chosen_list.key if chosen_list else "",
        "sort": sort,
    }
    return _Query(
        filtered=filtered,
        plain=plain,
        lists=lists,
        chosen_list=chosen_list,
        reader=reader,
        recorded=recorded,
        sort=sort,
        prefecture_side=prefecture_side,
        today=today,
    )


@dataclass(frozen=True)
class RequestListPage:
    """One page of the list, with what the page shows around it."""

    page: Page
    rows: list[InfoRequest]
    today: date
    sort: str
    work_lists: list[dict]
    saved_views: list[SavedView]
    bulk: BulkChoices | None  # the form for several requests at once, a prefecture's only


def request_list_page(
    *, user: User, scope: ListScope, chosen: dict, page_number: Any, refused: dict
) -> RequestListPage:
    """A commune's requests, newest first; a prefecture's inbox, what is due first. `refused`:
    the filters the personal-data screen refused, recorded by their kinds."""
    query = _query(user=user, scope=scope, chosen=chosen)
    counts = _work_list_counts(query.reader, query.plain)
    # The page's ids in a subquery, then only their rows with what they render: sorting and
    # skipping thousands of narrow rows is cheap, joining every row before the sort is not.
    # The count and the pages stop at COUNT_MAX rows (sharing.pagination): they cost a page's
    # reading, not the reader's whole scope.
    paginator: BoundedPaginator
    if query.plain is not None:
        ids = _ids_statement(connection.vendor, query.reader.shape(), query.plain, query.sort)
        paginator = CountedPaginator(
            _PlainIds(ids, query.reader.values()), PAGE_SIZE, counted=counts.pop("")
        )
    else:
        paginator = BoundedPaginator(
            query.in_order(query.filtered()).values_list("pk", flat=True), PAGE_SIZE
        )
    page = paginator.get_page(page_number)
    # The ids come through the visibility filter (the subquery is the list's own rows), so
    # the rows are read by id alone, joined to what a row shows (its commune, category and
    # assignee) and nothing else: testing visibility a second time and joining the prefecture
    # and the legal basis cost PostgreSQL more to plan (about 10 ms) than to run the query.
    rows = InfoRequest.objects.filter(pk__in=page.object_list).select_related(
        "assigned_to", "commune", "category"
    )
    rows_read = list(query.in_order(with_sent_back(rows)))
    if scope.prefecture_side and rows_read:
        _mark_takeable(user, rows_read, group_ids=query.reader.groups)
    audit_record(
        actor=user,
        action="request.listed",
        details={
            "via": "web",
            "references": [row.reference for row in rows_read],
            "count": page.paginator.count,
            "query": {
                key: str(value)[:40] for key, value in sorted(query.recorded.items()) if value
            },
            **({"refused": refused} if refused else {}),
        },
    )
    chosen_key = query.chosen_list.key if query.chosen_list is not None else None
    return RequestListPage(
        page=page,
        rows=rows_read,
        today=query.today,
        sort=query.sort,
        work_lists=[
            {
                "key": item.key,
                "label": item.label,
                "count": counts[item.key][0],
                "capped": counts[item.key][1],
                "current": item.key == chosen_key,
            }
            for item in query.lists
        ],
        bulk=bulk_choices(user=user) if scope.prefecture_side else None,
        saved_views=saved_views_of(user=user),
    )


def _mark_takeable(user: User, rows: list[InfoRequest], *, group_ids: list[int]) -> None:
    """`row.takeable`: the inbox's "take it" button, offered exactly where the rules allow
    it, with the page's permissions read in one go. The user's group ids are those the list
    read for its rows (`group_ids`), in a query of their own: read in the permissions' own
    statement, the inbox took 30 to 60 ms longer at 500,000 requests in the prefecture
    (bench/pages_bench.py, A/B)."""
    perms = perms_on_each(user=user, info_requests=rows, group_ids_read=group_ids)
    for row in rows:
        facts = rules.facts_for(user, row, perms[row.pk])
        row.takeable = rules.allows(user, "take", row, facts=facts)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RequestListExport:
    """The filtered list's rows for a spreadsheet; `rows` is None when there are more than
    EXPORT_MAX_ROWS (nothing read, nothing recorded: the filters are to be narrowed)."""

    count: int
    rows: list[InfoRequest] | None


def request_list_export(
    *, user: User, scope: ListScope, chosen: dict, refused: dict, file_format: str
) -> RequestListExport:
    """The filtered list for a spreadsheet (the columns the list shows, the prefecture too),
    recorded as one event with the kinds of filter applied (not their values) and every
    reference exported."""
    query = _query(user=user, scope=scope, chosen=chosen)
    ordered = query.in_order(query.filtered())
    count = ordered.count()
    if count > EXPORT_MAX_ROWS:
        return RequestListExport(count=count, rows=None)
    rows = list(
        with_sent_back(ordered).select_related(
            "assigned_to", "commune", "commune__prefecture", "category"
        )
    )
    audit_record(
        actor=user,
        action="request.exported",
        details={
            "via": "web",
            "format": file_format,
            "count": len(rows),
            "filters": sorted(key for key, value in query.recorded.items() if value),
            "references": [row.reference for row in rows],
            **({"refused": refused} if refused else {}),
        },
    )
    return RequestListExport(count=len(rows), rows=rows)
