"""Lists whose cost is bounded by the page, not by the reader's scope: counts stop at
`COUNT_MAX` rows, and so do the pages.

A prefecture holds hundreds of thousands of requests over the years. Counting them all for
every page (the total under the list, each work list's figure) costs what the prefecture holds,
for a figure nobody reads past "many"; skipping to a page deep in them costs the same. Here a
count reads at most `COUNT_MAX + 1` rows of the filtered list and says whether there are more
(`capped`); the pages end at the `COUNT_MAX`-th row, and the reader narrows the filters (the
dates, the status, the commune) to reach the others."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_MAX = 1000


def bounded_count(queryset: QuerySet, limit: int | None = None) -> tuple[int, bool]:
    """(count, capped): the number of rows, at most `limit` (COUNT_MAX), and whether there are
    more. The database stops after `limit + 1` rows in whatever order is cheapest."""
    limit = COUNT_MAX if limit is None else limit
    found = queryset.order_by()[: limit + 1].count()
    return min(found, limit), found > limit


def bounded_counts_sql(
    queryset: QuerySet, conditions: dict[str, Q], limit: int | None = None
) -> tuple[str, list[Any]]:
    """One `bounded_count` of the queryset narrowed by each condition, in one statement and
    one row (read with `bounded_counts_read`)."""
    limit = COUNT_MAX if limit is None else limit
    parts, params = [], []
    for condition in conditions.values():
        rows = queryset.filter(condition).order_by().values("pk")[: limit + 1]
        sql, part_params = rows.query.sql_with_params()
        # The ORM's own compiled SQL, its values passed as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded)")  # noqa: S608
        params.extend(part_params)
    return "SELECT " + ", ".join(parts), params


def bounded_counts_read(
    keys: list[str], found: Sequence[Any], limit: int | None = None
) -> dict[str, tuple[int, bool]]:
    """The counts by key from `bounded_counts_sql`'s row: each up to `limit`, and whether
    there are more."""
    limit = COUNT_MAX if limit is None else limit
    return {
        key: (min(number, limit), number > limit) for key, number in zip(keys, found, strict=True)
    }


class BoundedPaginator(Paginator):
    """Django's paginator over the first `COUNT_MAX` rows: `count` is exact up to there and
    `capped` says when the list holds more."""

    @cached_property
    def counted(self) -> tuple[int, bool]:
        return bounded_count(self.object_list)

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return self.counted[0]

    @property
    def capped(self) -> bool:
        return self.counted[1]


class CountedPaginator(BoundedPaginator):
    """`BoundedPaginator` whose capped count was read beforehand (with other counts, or from a
    compiled statement)."""

    def __init__(self, object_list: Any, per_page: int, *, counted: tuple[int, bool]) -> None:
        super().__init__(object_list, per_page)
        self._counted = counted

    @cached_property
    def counted(self) -> tuple[int, bool]:
        return self._counted


class BoundedPageNumberPagination(PageNumberPagination):
    """The API's page-number pagination over `BoundedPaginator`: `count` stops at
    `COUNT_MAX` and `count_capped` says there are more (narrow the filters to reach them)."""

    django_paginator_class = BoundedPaginator

    def page_of(
        self, queryset: Any, request, view=None, *, counted: tuple[int, bool] | None = None
    ) -> Any:
        """As `paginate_queryset`, but the page is returned unread (a sliced queryset), for
        the caller to read its rows through it as a subquery: one query, not two. `counted`:
        the list's capped count, read beforehand, for a list that is not a queryset (its
        slice is the page)."""
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = (
            self.django_paginator_class(queryset, page_size)
            if counted is None
            else CountedPaginator(queryset, page_size, counted=counted)
        )
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            message = self.invalid_page_message.format(page_number=page_number, message=str(exc))
            raise NotFound(message) from exc
        return self.page.object_list

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        properties = described["properties"]
        properties["count"] = {
            "type": "integer",
            "example": 123,
            "description": f"The number of matching requests, counted up to {COUNT_MAX:,}.",
        }
        properties["count_capped"] = {
            "type": "boolean",
            "description": f"More than {COUNT_MAX:,} requests match: `count` is {COUNT_MAX:,} "
            f"and the pages stop at the {COUNT_MAX:,}th; narrow the filters (dates, status, "
            "commune) to reach the others.",
        }
        described["required"] = ["count", "count_capped", "results"]
        ordered = ["count", "count_capped", "next", "previous", "results"]
        described["properties"] = {key: properties[key] for key in ordered}
        return described
