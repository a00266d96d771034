"""The auditors' API: parse, call one selector or service, render."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.step_up import api_require_recent_authentication
from config.fields import TextField
from sharing.screening import (
    existing_organization_code,
    existing_username,
    reference_part,
    screen_query,
)

from .exports import export_downloaded, export_path, export_request
from .labels import known_action
from .models import AuditEvent, AuditExport, ExportStatus
from .pagination import SeqCursorPagination
from .permissions import get_export_for, scope_or_404
from .proofs import EventNotVisible, event_proof
from .selectors import EventFilters, audit_events_visible_to, with_actor_names
from .services import audit_record
from .tree import ProofUnavailable
from .verifier.encoding import MAX_SAFE_INTEGER

CHECKPOINT_MAX = 10**18 - 1

# Bounds of a filter's moment: past them Python's calendar or the database overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, tzinfo=UTC)

NOT_FOUND = OpenApiResponse(description="Not an auditor, or no such export: the same answer.")
BAD_INPUT = OpenApiResponse(
    description="Field errors in the filters, personal data typed in them included."
)
UNAUTHENTICATED = OpenApiResponse(description="No valid token or session.")
NOT_READY = OpenApiResponse(description="The export is not finished (or failed).")


@extend_schema_field(OpenApiTypes.STR)
class MomentField(serializers.Field):
    """An ISO date (a whole day) or datetime; naive values are in the site's time zone."""

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("an ISO date or datetime")
        try:
            day = parse_date(data) if len(data) == 10 else None
            moment = None if day else parse_datetime(data)
        except ValueError:
            moment = day = None
        if moment is None and day is None:
            raise serializers.ValidationError("an ISO date or datetime")
        try:
            if day is not None:
                moment = datetime.combine(day + timedelta(days=1) if self.end else day, time.min)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            in_range = EARLIEST <= moment.astimezone(UTC) <= LATEST
        except OverflowError:
            in_range = False
        if not in_range:
            raise serializers.ValidationError("a date between the years 1900 and 9998")
        return moment

    def to_representation(self, value):
        return value.isoformat()


def printable(value: str) -> str:
    """A filter is an identifier: it is recorded with the export that uses it, and the audit
    log keeps printable identifiers only."""
    if not value.isprintable():
        raise serializers.ValidationError("printable characters only")
    return value


class EventFilterSerializer(serializers.Serializer):
    date_from = MomentField(required=False, help_text="From this date or datetime (inclusive).")
    date_to = MomentField(
        end=True, required=False, help_text="Until this datetime (exclusive) or date (inclusive)."
    )
    # Optional filters: blank means "any", as DRF reads a blank query or form value as absent.
    user = TextField(
        required=False,
        allow_blank=True,
        max_length=150,
        validators=[printable, existing_username],
        help_text="Username of an account.",
    )
    organization = TextField(
        required=False,
        allow_blank=True,
        max_length=40,
        validators=[printable, existing_organization_code],
        help_text="Code of an organisation: the one the event concerns.",
    )
    action = TextField(
        required=False,
        allow_blank=True,
        max_length=64,
        validators=[printable, known_action],
        help_text='An action the log records, or a family of them such as "request.*" (the '
        "auditors' journal lists both); anything else is refused.",
    )
    reference = TextField(
        required=False,
        allow_blank=True,
        max_length=100,
        validators=[printable, reference_part],
        help_text="A request reference or its beginning, e.g. 26198-2026-0007.",
    )

    def validate(self, attrs):
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_to"] <= attrs["date_from"]
        ):
            raise serializers.ValidationError({"date_to": "must be after date_from"})
        return attrs

    def filters(self) -> EventFilters:
        return EventFilters(**{k: v for k, v in self.validated_data.items() if v != ""})


class AuditEventSerializer(serializers.ModelSerializer):
    actor_username = TextField(
        read_only=True,
        help_text="The username the event recorded: the identifier to search the log by "
        "(`?user=`) and to verify the chain with; empty when no one acted.",
    )
    actor_name = TextField(
        read_only=True,
        help_text="The person's name as their account shows it today; the username when the "
        "account has no name; empty when no one acted.",
    )

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "actor_id",
            "actor_username",
            "actor_name",
            "actor_is_staff",
            "actor_roles",
            "action",
            "outcome",
            "target_type",
            "target_ref",
            "org_code",
            "departement_code",
            "ip",
            "user_agent",
            "request_id",
            "details",
            "prev_hash",
            "hash",
        ]


class AuditExportSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True, help_text="Percent written.")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = AuditExport
        fields = [
            "id",
            "status",
            "progress",
            "processed",
            "total",
            "matching",
            "filters",
            "scope",
            "created_at",
            "started_at",
            "finished_at",
            "first_seq",
            "last_seq",
            "checkpoint_number",
            "file_sha256",
            "file_size",
            "error",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        if export.status != ExportStatus.DONE:
            return None
        path = reverse(_download_view_name(self.context), kwargs={"export_id": export.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def _download_view_name(context) -> str:
    request = context.get("request")
    namespace = request.resolver_match.namespace if request and request.resolver_match else ""
    return f"{namespace}:audit-export-download" if namespace else "audit-export-download"


class AuditEventListView(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    filter_backends = []
    # Keyed by seq: a page reads its own rows, never a count of the scope's events.
    pagination_class = SeqCursorPagination

    @extend_schema(
        summary="Audit events of your scope, newest first",
        description="50 events a page; `next` links to the older ones (`?before=<seq>`). "
        "Pages are not numbered and nothing is counted, so that a page costs the same "
        "whatever the log holds. Clients of the former page-number pagination: `count` and "
        "`previous` are gone, `page=1` is the first page and any other `page` answers 400.",
        parameters=[EventFilterSerializer],
        responses={
            200: AuditEventSerializer(many=True),
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request, *args, **kwargs):
        scope_or_404(user=request.user, resource="audit.events")
        screen_query(
            actor=request.user,
            action="audit.listed",
            params=request.query_params,
            fields=EventFilters.fields_to_screen(user=request.query_params.get("user", "")),
            via="api",
        )
        params = EventFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.filters()
        page = self.paginate_queryset(
            with_actor_names(audit_events_visible_to(user=request.user, filters=filters))
        )
        seqs = [event.seq for event in page]
        audit_record(
            actor=request.user,
            action="audit.listed",
            details={"count": len(seqs), "seqs": seqs, "filters": filters.as_dict()},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AuditEventProofView(APIView):
    @extend_schema(
        summary="Inclusion proof of one event in a signed, cosigned checkpoint",
        parameters=[
            OpenApiParameter(
                "seq",
                {"type": "integer", "minimum": 1, "maximum": MAX_SAFE_INTEGER},
                OpenApiParameter.PATH,
                description="The event's seq (a log never holds more than 2**53 - 1 events: "
                "its integers are JSON's exact ones, docs/audit-format.md, section 2.2).",
            ),
            OpenApiParameter(
                "checkpoint",
                {"type": "integer", "minimum": 0, "maximum": CHECKPOINT_MAX},
                description="Checkpoint number (default: the latest that covers the event).",
            ),
        ],
        responses={
            200: OpenApiResponse(
                description="seq, leaf_index, tree_size, event (its export line), leaf_hash, "
                "inclusion_proof (base64 hashes, RFC 9162), checkpoint (the signed note with "
                "witnesses' cosignatures)."
            ),
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            409: OpenApiResponse(description="No checkpoint covers the event yet."),
        },
    )
    def get(self, request, seq):
        scope_or_404(user=request.user, resource="audit.proof")
        if not 1 <= seq <= MAX_SAFE_INTEGER:
            # No event can have it, and it could not be written in the denial's record.
            return Response(
                {"seq": [f"A seq from 1 to {MAX_SAFE_INTEGER}."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        raw = request.query_params.get("checkpoint")
        number = None
        if raw is not None:
            if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(CHECKPOINT_MAX)):
                return Response(
                    {"checkpoint": ["A checkpoint number."]}, status=status.HTTP_400_BAD_REQUEST
                )
            number = int(raw)
        try:
            body = event_proof(user=request.user, seq=seq, checkpoint_number=number)
        except EventNotVisible as exc:
            raise Http404 from exc
        except ProofUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(body)


class AuditExportCreateView(APIView):
    @extend_schema(
        summary="Ask for an export of your scope (runs in the background)",
        request=EventFilterSerializer,
        responses={
            202: AuditExportSerializer,
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(
                description='`{"code": "reauthentication_required"}`: the authentication is '
                "more than RELAIS_STEP_UP_SECONDS old; send the current second-factor code in "
                "`X-Relais-OTP`, or POST /api/v1/auth/reauthenticate/, and try again."
            ),
            404: NOT_FOUND,
        },
    )
    def post(self, request):
        scope = scope_or_404(user=request.user, resource="audit.exports")
        api_require_recent_authentication(request)
        user = request.data.get("user", "") if hasattr(request.data, "get") else ""
        screen_query(
            actor=request.user,
            action="audit.export_requested",
            params=request.data if hasattr(request.data, "get") else {},
            fields=EventFilters.fields_to_screen(user=user if isinstance(user, str) else ""),
            via="api",
        )
        params = EventFilterSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        export = export_request(owner=request.user, scope=scope, filters=params.filters())
        export.refresh_from_db()
        body = AuditExportSerializer(export, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class AuditExportDetailView(APIView):
    @extend_schema(
        summary="An export's status and progress",
        responses={200: AuditExportSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request, export_id):
        with transaction.atomic():
            export = get_export_for(user=request.user, export_id=export_id)
            audit_record(
                actor=request.user,
                action="audit.export_viewed",
                target=export,
                details={"status": export.status},
            )
        return Response(AuditExportSerializer(export, context={"request": request}).data)


class AuditExportDownloadView(APIView):
    @extend_schema(
        summary="Download a finished export (zip: events.jsonl, checkpoints.txt, pubkey.txt, "
        "manifest.json)",
        responses={
            (200, "application/zip"): OpenApiResponse(description="The export zip."),
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            409: NOT_READY,
        },
    )
    def get(self, request, export_id):
        export = get_export_for(user=request.user, export_id=export_id)
        if export.status != ExportStatus.DONE or not export_path(export).exists():
            audit_record(
                actor=request.user,
                action="audit.export_downloaded",
                target=export,
                outcome="not_ready",
            )
            return Response(
                {"detail": "The export is not ready.", "status": export.status},
                status=status.HTTP_409_CONFLICT,
            )
        export_downloaded(export=export, actor=request.user)
        return FileResponse(
            export_path(export).open("rb"),
            as_attachment=True,
            filename=f"relais-audit-export-{export.pk}.zip",
            content_type="application/zip",
        )
