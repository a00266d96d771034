"""How domain errors become HTTP answers: 400 with field errors, 404, 409; never a 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit.services import audit_record
from sharing.exceptions import (
    ActionNotAllowed,
    InvalidInput,
    PersonalDataRefused,
    TransitionNotAllowed,
)


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


def exception_handler(exc, context):
    if isinstance(exc, PersonalDataRefused | TransitionNotAllowed):
        _record_refusal(exc, context)
    if isinstance(exc, PersonalDataRefused):
        return Response({exc.field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, InvalidInput):
        return Response(
            {field: [message] for field, message in exc.errors.items()},
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
    if isinstance(exc, ActionNotAllowed):
        # Not allowed answers exactly as not found (DESIGN.md), whichever view let it through.
        return drf_exception_handler(NotFound(), context)
    return drf_exception_handler(exc, context)
