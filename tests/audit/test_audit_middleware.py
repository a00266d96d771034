"""RequestContextMiddleware: where each recorded action comes from."""

import re

import pytest
from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.test import RequestFactory

from audit.context import header_text, reduce_user_agent
from audit.middleware import RequestContextMiddleware
from audit.models import AuditEvent
from audit.sequencer import audit_sequence
from audit.services import audit_record

pytestmark = pytest.mark.django_db


def call(request, *, actor=None):
    recorded = {}

    def view(req):
        recorded["event"] = audit_record(actor=actor, action="request.listed")
        return HttpResponse("ok")

    response = RequestContextMiddleware(view)(request)
    return response, recorded["event"]


FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_request_id_ip_and_user_agent_are_recorded_and_echoed(rf: RequestFactory):
    request = rf.get("/", HTTP_USER_AGENT=FIREFOX_WINDOWS, REMOTE_ADDR="198.51.100.7")
    response, event = call(request)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert event.request_id == response["X-Request-ID"]
    assert event.ip == "198.51.100.7"
    assert event.user_agent == "Firefox 133 / Windows 10"


@pytest.mark.parametrize(
    "request_id",
    ["7f3a9c21e0014b2d", "1b4e28ba-2fa1-41d2-883f-0016d3cca427", "c0ffee00" * 8],
)
def test_an_opaque_request_id_the_proxy_sets_is_kept_and_echoed(rf, settings, request_id):
    settings.AUDIT_REQUEST_ID_FROM_PROXY = True
    response, event = call(rf.get("/", HTTP_X_REQUEST_ID=request_id))
    assert response["X-Request-ID"] == event.request_id == request_id


@pytest.mark.parametrize(
    "request_id",
    [
        "7f3a9c21e0014b2d",
        # "KarimHADDAD!" and "03/04/1998" in hex: an opaque id's shape, a person's data.
        "4b6172696d48414444414421",
        "30332f30342f31393938abcdef",
    ],
)
def test_without_a_proxy_setting_it_a_clients_request_id_is_never_kept(rf, request_id):
    response, event = call(rf.get("/", HTTP_X_REQUEST_ID=request_id))
    assert event.request_id != request_id
    assert response["X-Request-ID"] == event.request_id
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)


@pytest.mark.parametrize(
    "request_id",
    [
        "<script>alert(1)</script>",
        "Jean-Dupont-1985",
        "lb-7f3a9c21-0001",  # letters other than hex: they could spell a name
        "jean.dupont@example.fr",
        "0612345678abcdef",  # a phone number in hex clothing
        "1850375123456789",  # digits only: a NIR and more
        "06-12-34-56-78-90",
        "7f3a9c21",  # too short to be an opaque id
        "f" * 65,
    ],
)
def test_a_request_id_that_is_not_opaque_is_replaced_by_a_fresh_one(rf, settings, request_id):
    settings.AUDIT_REQUEST_ID_FROM_PROXY = True
    response, event = call(rf.get("/", HTTP_X_REQUEST_ID=request_id))
    assert event.request_id != request_id
    assert response["X-Request-ID"] == event.request_id
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)


def test_forwarded_for_is_ignored_without_trusted_proxies(rf, settings):
    settings.AUDIT_TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert call(request)[1].ip == "10.0.0.2"


def test_forwarded_for_is_read_behind_one_trusted_proxy(rf, settings):
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    assert call(request)[1].ip == "203.0.113.50"


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        (FIREFOX_WINDOWS, "Firefox 133 / Windows 10"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            "Safari 17 / Mac OS X 10",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.6778.39 Mobile Safari/537.36",
            "Chrome Mobile 131 / Android 14",
        ),
        ("curl/8.5.0", "curl 8"),
        ("python-requests/2.32.3", "Python Requests 2"),
        ("", ""),
        ("A" * 1000, "Other"),
        ("Mozilla/5.0 \x07Test", "Other"),
        # Never text copied from the header: names, dates, a crawler named after someone.
        ("Jean Dupont né le 12/03/1985", "Other"),
        ("Mozilla/5.0 (compatible; JeanDupontBot/2.1; +https://example.fr)", "Other"),
        (
            "Mozilla/5.0 (Windows NT 10.0; rv:133.0) Gecko/20100101 Firefox/133.0612345678",
            "Firefox 133 / Windows 10",
        ),
        # Versions a client chose to carry a date: majors of plausible length only.
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 3_4 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/1998.75 Mobile/15E148 Safari/604.1",
            "Mobile Safari / iOS 3",
        ),
        ("curl/1998.04.03", "curl"),
        (
            "Mozilla/5.0 (Windows NT 10.0; rv:1998.4) Gecko/20100101 Firefox/1998.4",
            "Firefox / Windows 10",
        ),
    ],
)
def test_user_agent_is_reduced_to_browser_and_system_families_and_versions(rf, header, kept):
    assert call(rf.get("/", HTTP_USER_AGENT=header))[1].user_agent == kept


def test_a_utf8_user_agent_is_read_as_utf8_before_it_is_reduced(rf):
    header = "Jérôme-Agent/1.0 Firefox/133.0".encode().decode("latin-1")  # as WSGI hands it
    assert reduce_user_agent(header) == "Firefox 133"
    assert header_text(header) == "Jérôme-Agent/1.0 Firefox/133.0"


def test_context_does_not_leak_after_the_request(rf):
    call(rf.get("/", REMOTE_ADDR="198.51.100.7"))
    assert audit_record(actor=None, action="reminder.sent").ip == ""


def test_login_logout_and_failed_login_are_recorded(client, users, rf):
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    # The lockout counts attempts per client: authenticating needs the request.
    assert client.login(request=rf.post("/"), username="mayor-26198", password="pw-for-tests-only")
    client.logout()
    assert authenticate(rf.post("/"), username="mayor-26198", password="wrong-password") is None
    audit_sequence()
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [(e.action, e.outcome, e.actor_username) for e in events] == [
        ("auth.login", "ok", "mayor-26198"),
        ("auth.logout", "ok", "mayor-26198"),
        ("auth.login_failed", "failed", ""),
    ]
    assert events[-1].details == {"username": "mayor-26198"}
    assert "wrong-password" not in str(events[-1].details)
