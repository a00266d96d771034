"""The request API: parse, call one service or selector, render. No business rules here."""

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import COMMUNE_ROLES, Organization, OrgKind, User
from accounts.selectors import organizations_where
from accounts.step_up import api_require_recent_authentication
from audit.services import audit_record
from config.api import StableOrderingFilter

from . import rules
from .exceptions import ActionNotAllowed, InvalidInput
from .filters import InfoRequestFilter
from .models import Category, InfoRequest, LegalBasis, Status
from .pagination import COUNT_MAX, BoundedPageNumberPagination
from .permissions import DRAFT, NOTES, get_request_for
from .screening import reference_for_audit, screen_query
from .selectors import (
    SHOWN_WITH,
    info_request_list_in_scope,
)
from .selectors.api_list import PlainList, plain_list
from .selectors.request_page import (
    record_request_viewed,
    request_messages,
    request_notes,
    request_remarks,
    request_timeline,
)
from .serializers import (
    AssignSerializer,
    CategorySerializer,
    ClarificationRequestSerializer,
    DecideSerializer,
    DeliverySerializer,
    EmptySerializer,
    ExtendSerializer,
    InfoRequestCreateSerializer,
    InfoRequestDetailSerializer,
    InfoRequestSerializer,
    InfoRequestUpdateSerializer,
    LegalBasisSerializer,
    MessageInSerializer,
    MessageSerializer,
    NoteInSerializer,
    NoteSerializer,
    ReasonSerializer,
    RemarkInSerializer,
    RemarkSerializer,
    TimelineEventSerializer,
)
from .services.clarification import info_request_clarify, info_request_request_clarification
from .services.drafting import (
    info_request_create,
    info_request_discard,
    info_request_send_back,
    info_request_sign,
    info_request_update,
    info_request_withdraw,
)
from .services.handling import (
    info_request_acknowledge,
    info_request_assign,
    info_request_close,
    info_request_decide,
    info_request_extend,
    info_request_record_delivery,
    info_request_take,
)
from .services.notes import note_add

NOT_FOUND = OpenApiResponse(description="No such request, or not yours to see: the same answer.")
CONFLICT = OpenApiResponse(description="The lifecycle forbids this action in the current status.")
BAD_INPUT = OpenApiResponse(description="Field errors, including refused personal data.")
UNAUTHENTICATED = OpenApiResponse(description="No valid token or session.")
QUERY_VALUE_MAX = 40


REAUTHENTICATE = OpenApiResponse(
    description='`{"code": "reauthentication_required"}`: the authentication is more than '
    "RELAIS_STEP_UP_SECONDS old. Send the current second-factor code in `X-Relais-OTP`, or "
    "POST /api/v1/auth/reauthenticate/, and try again."
)


def _action_schema(request_serializer, summary: str, *, action: str, step_up: bool = False):
    step_up_params = (
        [
            OpenApiParameter(
                "X-Relais-OTP",
                location=OpenApiParameter.HEADER,
                required=False,
                description="Your current second-factor code, when your authentication is "
                "older than the step-up window.",
            )
        ]
        if step_up
        else []
    )
    return extend_schema(
        summary=summary,
        description=rules.describe(action),
        request=request_serializer,
        parameters=step_up_params,
        responses={
            200: InfoRequestDetailSerializer,
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            409: CONFLICT,
        }
        | ({403: REAUTHENTICATE} if step_up else {}),
    )


def request_list(*, methods: list[str]):
    """An action answering one of a request's own lists (notes, remarks, messages, timeline):
    whole, unpaged and unfiltered, so that the request list's filters and ordering are neither
    applied nor documented there."""
    return action(detail=True, methods=methods, pagination_class=None, filter_backends=[])


@extend_schema_view(
    list=extend_schema(
        summary="Requests visible to you",
        description="Newest first unless `ordering` says otherwise. `count` stops at "
        f"{COUNT_MAX:,} and `count_capped` says when more requests match; the pages stop at "
        f"the {COUNT_MAX:,}th request too (`page=last` is the last of those): narrow the "
        "filters (`created_after`, `created_before`, `status`, `commune`) to reach the others.",
        responses={200: InfoRequestSerializer(many=True), 400: BAD_INPUT, 401: UNAUTHENTICATED},
    ),
    retrieve=extend_schema(
        summary="One request, with the actions you may take on it now",
        responses={200: InfoRequestDetailSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    ),
)
class InfoRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "reference"
    lookup_value_regex = r"[0-9AB]{5}-[0-9]{4}-[0-9]{4,}"
    serializer_class = InfoRequestSerializer
    filterset_class = InfoRequestFilter
    ordering_fields = [
        "created_at",
        "reference",
        "status",
        "acknowledgement_due",
        "decision_due",
        "delivery_due",
        "urgency",
    ]
    # The id breaks ties, so that pages never repeat or skip a request created in the same
    # instant; the scope's (…, created_at, id) indexes serve this order.
    ordering = ["-created_at", "-id"]
    # The count and the pages stop at COUNT_MAX rows: a page costs what it reads, not the
    # reader's whole scope (sharing.pagination).
    pagination_class = BoundedPageNumberPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return info_request_list_in_scope(user=self.request.user)

    def get_object(self, perm: str = "view_inforequest"):
        return get_request_for(
            user=self.request.user, reference=self.kwargs["reference"], perm=perm
        )

    def handle_exception(self, exc):
        """Denials and not-founds are audited outside the transaction that was rolled back
        (a refused filter is recorded where it is refused, by screen_query)."""
        if isinstance(exc, (Http404, ActionNotAllowed)) and self.request.user.is_authenticated:
            audit_record(
                actor=self.request.user,
                action="permission.denied"
                if isinstance(exc, ActionNotAllowed)
                else "request.not_found",
                outcome="denied",
                details={
                    "reference": reference_for_audit(self.kwargs.get("reference")),
                    "endpoint": self.action or "",
                },
            )
            if isinstance(exc, ActionNotAllowed):
                exc = Http404()
        return super().handle_exception(exc)

    def _query_fields(self) -> set[str]:
        """The list's own parameters: the only ones it reads, and the only ones recorded."""
        return set(self.filterset_class.base_filters) | {"ordering", "page"}

    def list(self, request, *args, **kwargs):
        screen_query(
            actor=request.user,
            action="request.listed",
            params=request.query_params,
            fields=self._query_fields(),
            via="api",
        )
        plain = self._plain_list(request)
        if plain is not None:  # narrowed by statuses alone: compiled statements
            page = self.paginator.page_of(plain, request, view=self, counted=plain.counted())
            rows = list(page)
        else:
            queryset = self.filter_queryset(self.get_queryset())
            # The page's ids first, from a narrow read that the scope's indexes answer alone
            # ((prefecture | commune, created_at, id) with the status: no row of the table
            # read but the page's), then only their rows with what they render, in order.
            page = self.paginator.page_of(queryset.values_list("pk", flat=True), request, view=self)
            rows = list(queryset.filter(pk__in=page)) if page is not None else list(queryset)
        audit_record(
            actor=request.user,
            action="request.listed",
            details={
                "references": [row.reference for row in rows],
                "count": self.paginator.page.paginator.count if page is not None else len(rows),
                "query": self._query_for_audit(request),
            },
        )
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _plain_list(self, request) -> PlainList | None:
        """The list from compiled statements (`sharing.selectors.api_list`) when the query
        holds nothing but valid statuses, an order and a page; None otherwise (the filter
        backends then read it, and answer a bad value) and for a list not paginated."""
        params = request.query_params
        if not set(params) <= {"status", "ordering", "page"}:
            return None
        if not self.paginator.get_page_size(request):
            return None
        statuses = params.getlist("status")
        if not set(statuses) <= set(Status.values):
            return None
        ordering = StableOrderingFilter().get_ordering(request, InfoRequest.objects.none(), self)
        return plain_list(user=request.user, statuses=statuses, ordering=ordering)

    def _query_for_audit(self, request) -> dict[str, str]:
        """The list's own parameters only, already screened by `list`: the audit log is
        append-only, so unknown keys and control characters never reach it either (they would
        also be refused by audit_record, turning a typo into a 500)."""
        query = {}
        for key in sorted(self._query_fields() & set(request.query_params)):
            value = "".join(ch for ch in request.query_params.get(key, "") if ch.isprintable())
            if key == "ordering":  # what the list applied, not what was typed
                value = ",".join(
                    term
                    for term in value.split(",")
                    if term.strip().lstrip("-") in self.ordering_fields
                )
            elif key == "page" and not (value.isdigit() or value == "last"):
                value = "(not a page number)"
            # Every real value is a code, a reference, a date or a number: a long one is noise,
            # and is recorded as such rather than cut somewhere in the middle.
            query[key] = value if len(value) <= QUERY_VALUE_MAX else f"({len(value)} characters)"
        return query

    def retrieve(self, request, *args, **kwargs):
        info_request = self.get_object()
        record_request_viewed(user=request.user, info_request=info_request, via="api")
        return Response(self._detail(info_request))

    def _detail(self, info_request) -> dict:
        """The request as its detail shows it, with the reader's `allowed_actions`."""
        return InfoRequestDetailSerializer(info_request, context={"request": self.request}).data

    @extend_schema(
        summary="Draft a new request",
        request=InfoRequestCreateSerializer,
        responses={
            201: InfoRequestDetailSerializer,
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            403: None,
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = InfoRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        commune = self._drafting_commune(request.user, data.pop("commune", None))
        info_request = info_request_create(actor=request.user, commune=commune, **data)
        return Response(self._detail(info_request), status=status.HTTP_201_CREATED)

    @staticmethod
    def _drafting_commune(user: User, insee: str | None) -> Organization:
        communes = organizations_where(user=user, roles=set(COMMUNE_ROLES))
        if not communes:
            raise PermissionDenied("Only a commune's legal officer or mayor drafts requests.")
        if insee is None:
            if len(communes) > 1:
                raise InvalidInput({"commune": "several_communes"})
            return communes[0]
        for commune in communes:
            if commune.code == insee and commune.kind == OrgKind.COMMUNE:
                return commune
        raise InvalidInput({"commune": "not_your_commune"})

    @extend_schema(
        summary="Edit a draft",
        request=InfoRequestUpdateSerializer,
        responses={
            200: InfoRequestDetailSerializer,
            400: BAD_INPUT,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        info_request = self.get_object()
        serializer = InfoRequestUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        info_request = info_request_update(
            info_request=info_request, actor=request.user, **serializer.validated_data
        )
        return self._render(info_request)

    def _render(self, info_request):
        """The request as the service left it, read again with what its detail shows (the
        reader's permissions, already read on this instance, are kept)."""
        info_request.refresh_from_db(from_queryset=InfoRequest.objects.select_related(*SHOWN_WITH))
        return Response(self._detail(info_request))

    def _run(self, request, serializer_class, service, **mapping):
        info_request = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = {mapping.get(k, k): v for k, v in serializer.validated_data.items()}
        return self._render(service(info_request=info_request, actor=request.user, **arguments))

    def _run_after_step_up(self, request, serializer_class, service, *, action: str):
        """Signing and deciding: the permission check first (who may not act gets 404, as
        ever), then a recent authentication (403 reauthentication_required), then the
        service."""
        info_request = self.get_object()
        rules.ensure_permitted(request.user, action, info_request)
        api_require_recent_authentication(request)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._render(
            service(info_request=info_request, actor=request.user, **serializer.validated_data)
        )

    @_action_schema(EmptySerializer, "The mayor signs and submits", action="sign", step_up=True)
    @action(detail=True, methods=["post"])
    def sign(self, request, reference=None):
        return self._run_after_step_up(request, EmptySerializer, info_request_sign, action="sign")

    @_action_schema(
        RemarkInSerializer, "The mayor sends the draft back with a remark", action="send_back"
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, reference=None):
        return self._run(request, RemarkInSerializer, info_request_send_back)

    @_action_schema(EmptySerializer, "The prefecture acknowledges receipt", action="acknowledge")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, reference=None):
        return self._run(request, EmptySerializer, info_request_acknowledge)

    @_action_schema(AssignSerializer, "The prefecture admin assigns a liaison", action="assign")
    @action(detail=True, methods=["post"])
    def assign(self, request, reference=None):
        info_request = self.get_object()
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        liaison = User.objects.filter(username=serializer.validated_data["liaison"]).first()
        if liaison is None:
            raise InvalidInput({"liaison": "not_a_liaison"})
        return self._render(
            info_request_assign(info_request=info_request, actor=request.user, liaison=liaison)
        )

    @_action_schema(EmptySerializer, "A liaison takes the request for themselves", action="take")
    @action(detail=True, methods=["post"])
    def take(self, request, reference=None):
        return self._run(request, EmptySerializer, info_request_take)

    @_action_schema(
        ClarificationRequestSerializer,
        "The prefecture asks for precisions, to answer by a date",
        action="request_clarification",
    )
    @action(detail=True, methods=["post"], url_path="request-clarification")
    def request_clarification(self, request, reference=None):
        return self._run(
            request, ClarificationRequestSerializer, info_request_request_clarification
        )

    @_action_schema(MessageInSerializer, "The commune answers a clarification", action="clarify")
    @action(detail=True, methods=["post"])
    def clarify(self, request, reference=None):
        return self._run(request, MessageInSerializer, info_request_clarify)

    @_action_schema(DecideSerializer, "The prefecture decides", action="decide", step_up=True)
    @action(detail=True, methods=["post"])
    def decide(self, request, reference=None):
        return self._run_after_step_up(
            request, DecideSerializer, info_request_decide, action="decide"
        )

    @_action_schema(
        DeliverySerializer,
        "The prefecture records how the answer was given",
        action="record_delivery",
    )
    @action(detail=True, methods=["post"], url_path="record-delivery")
    def record_delivery(self, request, reference=None):
        return self._run(request, DeliverySerializer, info_request_record_delivery)

    @_action_schema(EmptySerializer, "The prefecture closes the request", action="close")
    @action(detail=True, methods=["post"])
    def close(self, request, reference=None):
        return self._run(request, EmptySerializer, info_request_close)

    @_action_schema(ReasonSerializer, "The mayor withdraws the request", action="withdraw")
    @action(detail=True, methods=["post"])
    def withdraw(self, request, reference=None):
        return self._run(request, ReasonSerializer, info_request_withdraw)

    @_action_schema(
        EmptySerializer, "A legal officer or the mayor discards a draft", action="discard"
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, reference=None):
        return self._run(request, EmptySerializer, info_request_discard)

    @_action_schema(
        ExtendSerializer, "The prefecture extends the running deadline", action="extend"
    )
    @action(detail=True, methods=["post"])
    def extend(self, request, reference=None):
        return self._run(request, ExtendSerializer, info_request_extend)

    @extend_schema(
        methods=["GET"],
        summary="Internal notes (prefecture only)",
        responses={200: NoteSerializer(many=True), 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an internal note (prefecture only)",
        request=NoteInSerializer,
        responses={201: NoteSerializer, 400: BAD_INPUT, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    @request_list(methods=["get", "post"])
    def notes(self, request, reference=None):
        info_request = self.get_object(perm=NOTES)
        if request.method == "POST":
            serializer = NoteInSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            note = note_add(
                info_request=info_request,
                actor=request.user,
                text=serializer.validated_data["text"],
            )
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        notes = request_notes(user=request.user, info_request=info_request)
        return Response(NoteSerializer(notes, many=True).data)

    @extend_schema(
        summary="The mayor's remarks on the draft (the commune only)",
        responses={200: RemarkSerializer(many=True), 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    @request_list(methods=["get"])
    def remarks(self, request, reference=None):
        info_request = self.get_object(perm=DRAFT)
        remarks = request_remarks(user=request.user, info_request=info_request)
        return Response(RemarkSerializer(remarks, many=True).data)

    @extend_schema(
        summary="The clarification thread",
        responses={200: MessageSerializer(many=True), 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    @request_list(methods=["get"])
    def messages(self, request, reference=None):
        info_request = self.get_object()
        messages = request_messages(user=request.user, info_request=info_request)
        return Response(MessageSerializer(messages, many=True).data)

    @extend_schema(
        summary="The request's timeline (its recorded changes)",
        responses={200: TimelineEventSerializer(many=True), 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    @request_list(methods=["get"])
    def events(self, request, reference=None):
        info_request = self.get_object()
        events = request_timeline(user=request.user, info_request=info_request)
        return Response(TimelineEventSerializer(events, many=True).data)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The kinds of request the legal frame allows."""

    serializer_class = CategorySerializer
    lookup_field = "code"
    queryset = Category.objects.filter(active=True).prefetch_related("legal_bases")
    pagination_class = None


class LegalBasisViewSet(viewsets.ReadOnlyModelViewSet):
    """Verified legal texts a request may rely on."""

    serializer_class = LegalBasisSerializer
    lookup_field = "code"
    queryset = LegalBasis.objects.filter(active=True)
    pagination_class = None
