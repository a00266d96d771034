"""RequestContextMiddleware: where each recorded action comes from."""

import re

import pytest
from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.test import RequestFactory

from audit.middleware import RequestContextMiddleware
from audit.models import AuditEvent
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def call(request, *, actor=None):
    recorded = {}

    def view(req):
        recorded["event"] = audit_record(actor=actor, action="request.listed")
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(request)
    return response, recorded["event"]


def test_request_id_ip_and_user_agent_are_recorded_and_echoed(rf: RequestFactory):
    request = rf.get("/", HTTP_USER_AGENT="Mozilla/5.0 \x07Test", REMOTE_ADDR="198.51.100.7")
    response, event = call(request)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert event.request_id == response["X-Request-ID"]
    assert event.ip == "198.51.100.7"
    assert event.user_agent == "Mozilla/5.0 ?Test"


def test_a_sane_incoming_request_id_is_kept_and_a_strange_one_replaced(rf):
    response, event = call(rf.get("/", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001"))
    assert response["X-Request-ID"] == event.request_id == "lb-7f3a9c21-0001"
    response, event = call(rf.get("/", HTTP_X_REQUEST_ID="<script>alert(1)</script>"))
    assert event.request_id != "<script>alert(1)</script>"
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)


def test_forwarded_for_is_ignored_without_trusted_proxies(rf, settings):
    settings.AUDIT_TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert call(request)[1].ip == "10.0.0.2"


def test_forwarded_for_is_read_behind_one_trusted_proxy(rf, settings):
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    assert call(request)[1].ip == "203.0.113.50"


def test_user_agent_is_truncated(rf):
    assert len(call(rf.get("/", HTTP_USER_AGENT="A" * 1000))[1].user_agent) == 256


def test_context_does_not_leak_after_the_request(rf):
    call(rf.get("/", REMOTE_ADDR="198.51.100.7"))
    assert audit_record(actor=None, action="reminder.sent").ip == ""


def test_login_logout_and_failed_login_are_recorded(client, users, rf):
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    # The lockout counts attempts per client: authenticating needs the request.
    assert client.login(request=rf.post("/"), username="mayor-26198", password="pw-for-tests-only")
    client.logout()
    assert authenticate(rf.post("/"), username="mayor-26198", password="wrong-password") is None
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [(e.action, e.outcome, e.actor_username) for e in events] == [
        ("auth.login", "ok", "mayor-26198"),
        ("auth.logout", "ok", "mayor-26198"),
        ("auth.login_failed", "failed", ""),
    ]
    assert events[-1].details == {"username": "mayor-26198"}
    assert "wrong-password" not in str(events[-1].details)
