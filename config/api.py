"""How the API answers bad input and errors: always JSON, never a 500 for what a client sent.

- domain errors: 400 with field errors, 404, 409 (`exception_handler`);
- a request body nested too deep, carrying NUL characters or non-finite numbers: 400
  (`config.parsers.JSONParser`; form bodies are flat);
- a path or query string carrying control characters: 400 before any view runs
  (`InputGuardMiddleware`), since no reference, code or filter value contains them and
  PostgreSQL refuses NUL in text (a NUL is refused on the web pages too: the admin's searches
  sent it to the database);
- whatever Django answers itself under /api/ (no such URL, a body too large, an error):
  JSON too (`handler400`, `handler403`, `handler404`, wired in config/urls.py; the 500 handler is
  ops.views.server_error);
- the OpenAPI schema says so (`document_generic_responses`, a drf-spectacular hook).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit.services import audit_record
from config.forms import NOT_A_CHOICE
from sharing.exceptions import (
    ActionNotAllowed,
    InvalidInput,
    PersonalDataRefused,
    TransitionNotAllowed,
)

API_PREFIX = "/api/"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
NUL = re.compile("\x00")


class StableOrderingFilter(OrderingFilter):
    """DRF's ordering filter, whose order is completed by the view's default order: requests
    with the same due date (`?ordering=decision_due`) then come newest first, and ties end
    on the id, so that the pages of a list never repeat or skip a row between them."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        named = {term.lstrip("-") for term in ordering}
        default = self.get_default_ordering(view) or ()
        return [*ordering, *(term for term in default if term.lstrip("-") not in named)]


def _record_refusal(exc, context) -> None:
    """A refused transition and a refusal by the privacy screen are recorded (the field and the
    kinds found, never the text), in the same transaction as the answer."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    view = context.get("view")
    reference = str(getattr(view, "kwargs", {}).get("reference", ""))[:20]
    endpoint = str(getattr(view, "action", "") or type(view).__name__)[:64]
    if isinstance(exc, TransitionNotAllowed):
        action, outcome = "request.transition_refused", "conflict"
        details = {"action": exc.action[:64], "status": str(exc.status)[:32]}
    else:
        action, outcome = "privacy.refused", "refused"
        details = {"field": str(exc.field)[:64], "kinds": [str(k)[:64] for k in exc.kinds]}
    with transaction.atomic():
        audit_record(
            actor=user,
            action=action,
            outcome=outcome,
            details={**details, "reference": reference, "endpoint": endpoint},
        )


# Field errors whose words quote what was typed: a choice that is none of the field's ("« X »
# n'est pas un choix valide"), an object looked up by a value ("L'objet avec code=X n'existe
# pas"). Answered without it: a refusal never repeats a value, and one that cannot be encoded
# (a lone surrogate in a JSON string) made the answer itself fail with a 500. The web forms'
# words for it (config/forms.py), which quote nothing.
_QUOTING_CODES = {"invalid_choice", "does_not_exist", "invalid_pk_value"}


def _unquoted(detail):
    if isinstance(detail, list):
        return [_unquoted(item) for item in detail]
    if isinstance(detail, dict):
        return {key: _unquoted(value) for key, value in detail.items()}
    if isinstance(detail, ErrorDetail) and detail.code in _QUOTING_CODES:
        return ErrorDetail(str(NOT_A_CHOICE), code=detail.code)
    return detail


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        exc.detail = _unquoted(exc.detail)
    if isinstance(exc, PersonalDataRefused | TransitionNotAllowed):
        _record_refusal(exc, context)
    if isinstance(exc, PersonalDataRefused):
        return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, InvalidInput):
        # The words from the English catalogue, as the API has always answered.
        return Response(
            {field: [refusal.in_english()] for field, refusal in exc.errors.items()},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        body = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TransitionNotAllowed):
        return Response(
            {"detail": str(exc), "code": "transition_not_allowed", "status": exc.status},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ActionNotAllowed | Http404):
        # Not allowed answers exactly as not found (DESIGN.md), whichever view let it through;
        # and every not found the same, without Django's "No LegalBasis matches the given
        # query." naming the model looked in.
        return drf_exception_handler(NotFound(), context)
    if isinstance(exc, (DataError, OverflowError)):
        # A value the database or the calendar cannot hold (a date past year 9999, a number
        # past 64 bits) that a field's own bounds missed: still the client's input.
        return Response(
            {"detail": "A value is out of range or malformed.", "code": "out_of_range"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)


# --- before any view, and Django's own answers under /api/ ------------------------------


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


class InputGuardMiddleware:
    """Refuses with a 400 before any view runs a path or query string carrying control
    characters on the API (in JSON), or a NUL anywhere (the web's 400 page elsewhere)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_api(request):
            if _carries(CONTROL_CHARACTERS, request):
                return JsonResponse(
                    {
                        "detail": "The path or query string carries control characters.",
                        "code": "control_characters",
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        elif _carries(NUL, request):
            return defaults.bad_request(request, exception=None)
        return self.get_response(request)


def _carries(characters: re.Pattern, request) -> bool:
    return bool(characters.search(request.path_info)) or any(
        characters.search(key) or characters.search(value)
        for key, values in request.GET.lists()
        for value in values
    )


def handler400(request, exception=None):
    if _is_api(request):
        too_large = type(exception).__name__ in {"RequestDataTooBig", "TooManyFieldsSent"}
        return JsonResponse(
            {"detail": "The request is too large." if too_large else "Bad request."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if too_large else 400,
        )
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Forbidden."}, status=status.HTTP_403_FORBIDDEN)
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if _is_api(request):
        # In the reader's language, as DRF's own not found answers (its catalogue).
        return JsonResponse({"detail": gettext("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


# --- the schema says so -----------------------------------------------------------------

GENERIC_RESPONSES = {
    "400": "Malformed request: a path or query string carrying control characters, a body that "
    "is not acceptable JSON (nested too deep, NUL characters, NaN), a value out of range.",
    "401": "No valid token or session.",
    "413": "The request body is too large.",
}


def document_generic_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the answers the layers
    above its view may give (this module), and every paginated list its 404 for a page out of
    range. An optional query parameter sent blank (`?status=`) means "not given" everywhere in
    this API (django-filter, DRF's form-style reading, the pagination), so the schema says it may
    be empty."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            responses.setdefault("400", {"description": GENERIC_RESPONSES["400"]})
            if any(requirement for requirement in operation.get("security", [])):
                responses.setdefault("401", {"description": GENERIC_RESPONSES["401"]})
            if "requestBody" in operation:
                responses.setdefault("413", {"description": GENERIC_RESPONSES["413"]})
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            if any(p.get("in") == "path" for p in parameters):
                responses.setdefault("404", {"description": "Not found."})
            if any(p.get("name") == "page" for p in parameters):
                responses.setdefault("404", {"description": "No such page."})
    return result
