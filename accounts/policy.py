"""Who needs a second factor, and how recent an authentication is: predicates only, no writes
(besides stamping the session, which is the request's own state)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import PersonalAccessToken
from .selectors import memberships_of

# Session keys: when the session was opened by a sign-in (absolute lifetime), and when its
# holder last proved who they are (sign-in, second factor or a step-up prompt).
SIGNED_IN_AT = "relais_signed_in_at"
AUTHENTICATED_AT = "relais_authenticated_at"
# "proconnect" when the identity provider reported a second factor (acr/amr) at sign-in.
MFA_VIA = "relais_mfa_via"
STAFF = "staff"


def mfa_enforced() -> bool:
    return settings.RELAIS_MFA_ENFORCED and not settings.RELAIS_DEMO_SKIP_MFA


def second_factor_required(user) -> bool:
    """The account holds a role listed in RELAIS_MFA_REQUIRED_ROLES ("staff": platform
    staff), and the second factor is enforced."""
    return mfa_enforced() and roles_need_second_factor(user)


def roles_need_second_factor(user) -> bool:
    """The account holds a role listed in RELAIS_MFA_REQUIRED_ROLES, enforced or not."""
    if not getattr(user, "is_authenticated", False):
        return False
    required = set(settings.RELAIS_MFA_REQUIRED_ROLES)
    if STAFF in required and (user.is_staff or user.is_superuser):
        return True
    return any(membership.role in required for membership in memberships_of(user=user))


def _now() -> float:
    return timezone.now().timestamp()


def stamp_sign_in(session) -> None:
    now = _now()
    session[SIGNED_IN_AT] = now
    session[AUTHENTICATED_AT] = now


def stamp_authenticated(session, *, at: float | None = None) -> None:
    """The holder proved who they are now, or at `at` (an identity provider's auth_time; a
    time in the future counts as now)."""
    session[AUTHENTICATED_AT] = _now() if at is None else min(at, _now())


def second_factor_verified(request) -> bool:
    """This session passed a second factor: a code here (django-otp's mark on the user), or a
    ProConnect sign-in whose acr/amr showed one."""
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return True
    session = getattr(request, "session", None)
    return session is not None and session.get(MFA_VIA) == "proconnect"


def session_age(session) -> float | None:
    """Seconds since the sign-in that opened the session, None if it was not stamped."""
    started = session.get(SIGNED_IN_AT)
    return None if started is None else _now() - started


def step_up_window() -> timedelta | None:
    seconds = settings.RELAIS_STEP_UP_SECONDS
    return timedelta(seconds=seconds) if seconds > 0 else None


def authenticated_recently(request) -> bool:
    """True when the caller authenticated within RELAIS_STEP_UP_SECONDS: a token counts from
    its issue or its holder's last re-authentication, a session from its sign-in or last
    prompt. Any other way in (none in production) does not count."""
    window = step_up_window()
    if window is None:
        return True
    token = getattr(request, "auth", None)
    if isinstance(token, PersonalAccessToken):
        moment = max(token.created_at, token.reauthenticated_at or token.created_at)
        return timezone.now() - moment <= window
    session = getattr(request, "session", None)
    moment = session.get(AUTHENTICATED_AT) if session is not None else None
    return moment is not None and _now() - moment <= window.total_seconds()
