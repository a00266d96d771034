"""The audit API's pages: keyed by `seq`, as the web log's, so that a page costs the same at
ten thousand events as at a hundred million.

A page is the newest events of the auditor's scope matching the filters, up to `PAGE_SIZE`;
`next` asks for those older than the page's last (`?before=<seq>`). Nothing is counted: a
count of the scope's events read every monthly partition (0.5 s at 2,000,000 events), and a
page number skipped that many rows. The API paginated by page number before (`?page=N`,
`count`, `previous`); `page` is now refused past the first page (a 400 naming the field),
so that a client written for it stops instead of reading the first page over and over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

PAGE_SIZE = 50
SEQ_MAX = 2**63 - 1  # the column is a bigint: past it the database would refuse the value


class CursorSerializer(serializers.Serializer):
    before = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=SEQ_MAX,
        help_text="Only events whose seq is lower (the `next` link carries it).",
    )
    page = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=1,
        help_text="Deprecated: the API no longer has page numbers. 1 (the first page) is "
        "accepted; any other number answers 400: follow `next` instead.",
        error_messages={
            "max_value": "Pages are no longer numbered: follow the `next` link (?before=<seq>)."
        },
    )


@dataclass(frozen=True)
class SeqPage:
    events: list[Any]  # newest first
    has_more: bool  # older events match the same filters


class SeqCursorPagination(BasePagination):
    """`?before=<seq>`: the events older than that seq, newest first, `PAGE_SIZE` at most.
    The queryset must be ordered by `-seq`."""

    page_size = PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list[Any]:
        params = CursorSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        before = params.validated_data.get("before")
        if before is not None:
            queryset = queryset.filter(seq__lt=before)
        self.request = request
        rows = list(queryset[: self.page_size + 1])
        self.page = SeqPage(events=rows[: self.page_size], has_more=len(rows) > self.page_size)
        return self.page.events

    def get_next_link(self) -> str | None:
        if not self.page.has_more:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        return replace_query_param(url, "before", self.page.events[-1].seq)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": "https://relais.example/api/v1/audit/events/?before=4021",
                    "description": "The next (older) page, or null when this is the last.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "before",
                "required": False,
                "in": "query",
                "description": CursorSerializer().fields["before"].help_text,
                "schema": {"type": "integer", "minimum": 1, "maximum": SEQ_MAX},
            },
            {
                "name": "page",
                "required": False,
                "in": "query",
                "deprecated": True,
                "description": CursorSerializer().fields["page"].help_text,
                "schema": {"type": "integer", "minimum": 1, "maximum": 1},
            },
        ]
