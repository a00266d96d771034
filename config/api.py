"""How domain errors become HTTP answers: 400 with field errors, 404, 409; never a 500."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sharing.exceptions import (
    ActionNotAllowed,
    InvalidInput,
    PersonalDataRefused,
    TransitionNotAllowed,
)


def exception_handler(exc, context):
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
