"""The in-app inbox and personal reminders: parse, call one service or selector, render.

A notification belongs to one user: anyone else's answers 404, like a missing one.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import audit_record

from .filters import parse_boolean
from .models import Notification, ReminderKind
from .notifications import recipients, rendering
from .permissions import get_request_for
from .reminders import personal
from .screening import reference_for_audit
from .selectors import notifications_of, personal_reminders_of
from .serializers import (
    EmptySerializer,
    NotificationSerializer,
    PersonalReminderSerializer,
    ReminderInSerializer,
)
from .services.inbox import notification_mark_read, notifications_mark_all_read

NOT_FOUND = OpenApiResponse(description="No such item, or not yours: the same answer.")


class AuditedNotFoundMixin:
    """A 404 about a request is audited, as on the request endpoints."""

    def handle_exception(self, exc):
        if isinstance(exc, Http404) and self.request.user.is_authenticated:
            audit_record(
                actor=self.request.user,
                action="request.not_found",
                outcome="denied",
                details={
                    "reference": reference_for_audit(self.kwargs.get("reference")),
                    "endpoint": "reminders",
                },
            )
        return super().handle_exception(exc)


def _render_notification(
    notification: Notification, *, language: str, commune_ids: set[int] | None = None
) -> dict:
    info_request = notification.info_request
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "reference": info_request.reference if info_request else None,
        "status": notification.status,
        "due_on": notification.due_on,
        "count": notification.count,
        "message": rendering.notification_text(
            notification, language=language, commune_ids=commune_ids
        ),
        "link": rendering.request_link(info_request.reference)
        if info_request
        else rendering.overdue_link(),
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


class NotificationViewSet(viewsets.GenericViewSet):
    """The signed-in user's notifications, newest first."""

    serializer_class = NotificationSerializer
    filter_backends: list = []  # the one filter is `unread`, read in `list`

    def get_queryset(self):
        return notifications_of(user=self.request.user)

    def _data(self, rows) -> list[dict]:
        language = rendering.language_of(self.request.user)
        commune_ids = recipients.commune_ids_of(self.request.user)
        return [
            _render_notification(row, language=language, commune_ids=commune_ids) for row in rows
        ]

    @extend_schema(
        summary="Your notifications",
        parameters=[
            OpenApiParameter("unread", bool, description="true: unread only; false: read only")
        ],
        responses={200: NotificationSerializer(many=True)},
    )
    def list(self, request):
        try:
            flag = parse_boolean(request.query_params.get("unread"))
        except DjangoValidationError as error:
            raise ValidationError({"unread": error.messages}) from None
        rows = notifications_of(user=request.user, unread=flag)
        page = self.paginate_queryset(rows)
        shown = page if page is not None else list(rows)
        audit_record(
            actor=request.user,
            action="notification.listed",
            details={
                "count": len(shown),
                "references": sorted(
                    {row.info_request.reference for row in shown if row.info_request_id}
                ),
            },
        )
        data = NotificationSerializer(self._data(shown), many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _own(self, pk) -> Notification:
        notification = notifications_of(user=self.request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404
        return notification

    @extend_schema(
        summary="Mark one notification as read",
        request=EmptySerializer,
        responses={200: NotificationSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        if not (str(pk).isascii() and str(pk).isdigit() and len(str(pk)) < 19):
            raise Http404
        notification = self._own(pk)
        marked = notification_mark_read(notification=notification, actor=request.user)
        notification.read_at = marked.read_at
        return Response(NotificationSerializer(self._data([notification])[0]).data)

    @extend_schema(
        summary="Mark all your notifications as read",
        request=EmptySerializer,
        responses={200: OpenApiResponse(description='{"marked": <number marked>}')},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_all_read(actor=request.user)})


class PersonalRemindersView(AuditedNotFoundMixin, APIView):
    """`GET|POST /api/v1/requests/{reference}/reminders/`: remind me about this request."""

    serializer_class = PersonalReminderSerializer

    @extend_schema(
        summary="Your reminders about this request",
        responses={200: PersonalReminderSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request, reference: str):
        info_request = get_request_for(user=request.user, reference=reference)
        with transaction.atomic():
            rows = list(personal_reminders_of(user=request.user, info_request=info_request))
            audit_record(
                actor=request.user,
                action="reminder.listed",
                target=info_request,
                organization=info_request.commune,
                details={"count": len(rows)},
            )
        return Response(PersonalReminderSerializer(rows, many=True).data)

    @extend_schema(
        summary="Remind me about this request on a given day",
        request=ReminderInSerializer,
        responses={
            201: PersonalReminderSerializer,
            200: OpenApiResponse(description="Already asked for that day: the same reminder."),
            400: OpenApiResponse(description="A date in the past or too far ahead."),
            404: NOT_FOUND,
            409: OpenApiResponse(description="The request is closed or withdrawn."),
        },
    )
    def post(self, request, reference: str):
        info_request = get_request_for(user=request.user, reference=reference)
        serializer = ReminderInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reminder, created = personal.personal_reminder_create(
            info_request=info_request,
            actor=request.user,
            remind_on=serializer.validated_data["remind_on"],
        )
        return Response(
            PersonalReminderSerializer(reminder).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PersonalReminderCancelView(AuditedNotFoundMixin, APIView):
    """`POST /api/v1/requests/{reference}/reminders/{id}/cancel/`."""

    @extend_schema(
        summary="Cancel one of your reminders before it is sent",
        request=EmptySerializer,
        responses={200: PersonalReminderSerializer, 404: NOT_FOUND, 409: None},
    )
    def post(self, request, reference: str, pk: int):
        info_request = get_request_for(user=request.user, reference=reference)
        reminder = (
            personal_reminders_of(user=request.user, info_request=info_request)
            .filter(pk=pk, kind=ReminderKind.PERSONAL)
            .first()
        )
        if reminder is None:
            raise Http404
        reminder = personal.personal_reminder_cancel(reminder=reminder, actor=request.user)
        return Response(PersonalReminderSerializer(reminder).data)
