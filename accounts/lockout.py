"""Brute-force lockout with django-axes: the client's address as the audit log reads it, what
is kept of the account tried, the answer while locked out, and the audit event of each lock."""

from __future__ import annotations

import hashlib

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit import context
from audit.services import audit_record

USERNAME_MAX = 150


def client_address(request) -> str:
    """The client's address behind AUDIT_TRUSTED_PROXY_COUNT proxies: the audit log's own
    reading (audit.context.client_ip), so that rotating X-Forwarded-For changes nothing."""
    meta = request.META
    return context.client_ip(
        remote_addr=meta.get("REMOTE_ADDR", ""),
        forwarded_for=meta.get("HTTP_X_FORWARDED_FOR", ""),
        trusted_proxies=settings.AUDIT_TRUSTED_PROXY_COUNT,
    )


def _typed_username(request, credentials: dict | None) -> str:
    if credentials and credentials.get("username"):
        value = credentials["username"]
    else:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username", "") if hasattr(data, "get") else ""
    return "".join(ch for ch in str(value) if ch.isprintable())[:USERNAME_MAX]


def account_of(username: str):
    """The account a typed username names, or None."""
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def attempted_account(request, credentials: dict | None = None) -> str | None:
    """What the attempts table keeps as the username: the account's username when it exists;
    otherwise a digest of what was typed (a mistyped password must not be stored), which still
    counts repeated guesses of one unknown name."""
    typed = _typed_username(request, credentials)
    if not typed:
        return None
    if account_of(typed) is not None:
        return typed
    return "unknown:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def locked_out_response(request, original_response=None, credentials=None):
    """429 with a JSON code on the API, the sign-in page's explanation elsewhere."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Trop d'échecs de connexion : la connexion est bloquée pendant %(minutes)s minutes. "
        "Un administrateur peut la débloquer."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message, "code": "locked_out", "retry_after_minutes": minutes},
            status=429,
            headers={"Retry-After": str(minutes * 60)},
        )
    response = render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """`auth.locked_out` for every attempt that ends locked out: the account when it exists,
    never what was typed."""
    account = account_of(username) if username and not username.startswith("unknown:") else None
    audit_record(
        actor=None,
        action="auth.locked_out",
        target=account,
        outcome="locked",
        details={"username": account.get_username()} if account else {"account": "unknown"},
    )


def connect() -> None:

    user_locked_out.connect(on_locked_out, dispatch_uid="accounts.locked_out")


class ScreenedDatabaseHandler(AxesDatabaseHandler):
    """axes' database handler, keeping of a failed sign-in only what the audit log may keep:
    the user agent reduced to browser and OS families, no query or form field (their names are
    typed by the client as much as their values: a planted name or date of birth would
    otherwise stay in the attempts table) and no Accept header (free text too). The request
    itself is left as it was for the view."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        AxesProxyHandler.update_request(request)
        request.axes_user_agent = context.reduce_user_agent(request.META.get("HTTP_USER_AGENT", ""))
        request.axes_http_accept = ""
        kept_get, kept_post = request.GET, request.POST
        request.GET, request.POST = QueryDict(), QueryDict()
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            request.GET, request.POST = kept_get, kept_post

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a success, the account's own failures only, from every address. axes would also
        clear every failure from the address: signing in to one's own account would then reset
        the count of any account guessed from there, and guessing would never lock (an outside
        tester's finding)."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
