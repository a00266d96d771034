"""Step-up: signing, deciding and asking for an audit export need an authentication at most
RELAIS_STEP_UP_SECONDS old. The web sends the user to a prompt and back; the API accepts a
current second-factor code in `X-Relais-OTP`, or refuses with 403 and the code
`reauthentication_required` (then `POST /api/v1/auth/reauthenticate/`)."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from rest_framework import status
from rest_framework.exceptions import APIException

from .models import PersonalAccessToken
from .policy import authenticated_recently, stamp_authenticated
from .security_services import reauthenticate, token_reauthenticated

OTP_HEADER = "HTTP_X_RELAIS_OTP"


class ReauthenticationRequired(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "reauthentication_required"

    def __init__(self) -> None:
        super().__init__(
            {
                "detail": (
                    "This action needs an authentication less than a few minutes old: send "
                    "your current second-factor code in X-Relais-OTP, or POST your password "
                    "(or code) to /api/v1/auth/reauthenticate/ and try again."
                ),
                "code": self.default_code,
            }
        )


def record_reauthentication(request) -> None:
    """The caller just proved who they are: the token or the session counts from now."""
    token = getattr(request, "auth", None)
    if isinstance(token, PersonalAccessToken):
        token_reauthenticated(token=token)
    session = getattr(request, "session", None)
    if (
        session is not None
        and request.user.is_authenticated
        and not isinstance(token, PersonalAccessToken)
    ):
        stamp_authenticated(session)


def api_require_recent_authentication(request) -> None:
    """For API views: passes when the authentication is recent or X-Relais-OTP carries a
    valid code; raises ReauthenticationRequired otherwise."""
    if authenticated_recently(request):
        return
    code = request.META.get(OTP_HEADER, "")
    if code and reauthenticate(request=request, user=request.user, code=code):
        record_reauthentication(request)
        return
    raise ReauthenticationRequired


def web_reauthentication_redirect(request, *, next_url: str):
    """None when the session's authentication is recent; else the redirect to the prompt,
    which comes back to next_url."""
    if authenticated_recently(request):
        return None
    return redirect(f"{reverse('security-reauthenticate')}?{urlencode({'next': next_url})}")
