"""Logins, logouts and failed logins, recorded through Django's auth signals."""

from django.contrib.auth import get_user_model
from django.contrib.auth import signals as auth_signals

from .services import audit_record

USERNAME_MAX = 150


def on_login(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.login")


def on_logout(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.logout")


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """The account tried, when it exists; otherwise only that it was unknown. What was typed
    in the username field may be a mistyped password, and the log keeps it forever."""
    username = credentials.get("username") or credentials.get("email") or ""
    username = "".join(ch for ch in str(username) if ch.isprintable())[:USERNAME_MAX]
    model = get_user_model()
    known = (
        bool(username)
        and model._default_manager.filter(**{model.USERNAME_FIELD: username}).exists()
    )
    audit_record(
        actor=None,
        action="auth.login_failed",
        outcome="failed",
        details={"username": username} if known else {"account": "unknown"},
    )


def connect() -> None:
    auth_signals.user_logged_in.connect(on_login, dispatch_uid="audit.login")
    auth_signals.user_logged_out.connect(on_logout, dispatch_uid="audit.logout")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
