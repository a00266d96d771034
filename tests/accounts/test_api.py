"""Token, "who am I" and organisations endpoints."""

import pytest

from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

TOKEN = "/api/v1/auth/token/"


def test_token_is_issued_for_valid_credentials_and_authenticates(api, people):
    response = api().post(TOKEN, {"username": "mayor-26198", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["username"] == "mayor-26198"


def test_each_request_issues_a_new_token_and_both_work(api, people):
    body = {"username": "liaison-26", "password": PASSWORD}
    first = api().post(TOKEN, body, format="json").json()["token"]
    second = api().post(TOKEN, body, format="json").json()["token"]
    assert first != second
    for token in (first, second):
        client = api()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/me/").status_code == 200


def test_token_issue_is_audited(api, people):
    api().post(TOKEN, {"username": "liaison-26", "password": PASSWORD}, format="json")
    event = AuditEvent.objects.filter(action="auth.token_issued").order_by("-id").first()
    assert event is not None
    assert event.actor_username == "liaison-26"


@pytest.mark.parametrize(
    "body",
    [
        {"username": "mayor-26198", "password": "not-the-password"},
        {"username": "nobody-here", "password": PASSWORD},
        {"username": "mayor-26198"},
        {},
    ],
)
def test_token_refused_for_bad_credentials_with_400(api, people, body):
    response = api().post(TOKEN, body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_failed_login_is_audited_without_the_password(api, people):
    seq = sequenced_size()
    api().post(TOKEN, {"username": "mayor-26198", "password": "s3cret-guess"}, format="json")
    audit_sequence()
    [event] = AuditEvent.objects.filter(seq__gt=seq, action="auth.login_failed")
    assert event.outcome == "failed"
    assert event.details == {"username": "mayor-26198"}
    assert "s3cret-guess" not in str(event.details)


def test_failed_login_with_an_unknown_username_keeps_nothing_typed(api, people):
    # A password typed in the username field must not land in an append-only log.
    seq = sequenced_size()
    api().post(TOKEN, {"username": "Tr0ub4dor&3", "password": "x"}, format="json")
    audit_sequence()
    [event] = AuditEvent.objects.filter(seq__gt=seq, action="auth.login_failed")
    assert event.details == {"account": "unknown"}
    assert "Tr0ub4dor" not in str(event.details)
    assert "Tr0ub4dor" not in event.actor_username


def test_token_refused_for_an_inactive_user(api, people):
    people.mayor.is_active = False
    people.mayor.save(update_fields=["is_active"])
    response = api().post(TOKEN, {"username": "mayor-26198", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_me_describes_the_user_and_their_roles(api, people):
    response = api(people.legal_officer).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "legal_officer-26198"
    assert body["display_name"] == "legal_officer-26198"  # no name set: the username
    assert body["is_staff"] is False
    assert body["language"] == "fr"
    assert [(m["role"], m["organization"]["code"]) for m in body["memberships"]] == [
        ("legal_officer", "26198")
    ]
    assert body["memberships"][0]["organization"]["prefecture"] == "26"


def test_me_of_staff_without_role_has_no_membership(api, people):
    body = api(people.staff).get("/api/v1/me/").json()
    assert (body["is_staff"], body["memberships"]) == (True, [])


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/organizations/"])
def test_anonymous_gets_401(api, path):
    assert api().get(path).status_code == 401


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("legal_officer", {("commune", "26198"), ("prefecture", "26")}),
        ("mayor_arras", {("commune", "62041"), ("prefecture", "62")}),
        ("liaison", {("prefecture", "26")}),
        ("prefecture_admin", {("prefecture", "26")}),
        ("auditor26", {("oversight", "ctrl-26")}),
        ("auditor_national", {("oversight", "igrs-national")}),
    ],
)
def test_organizations_lists_own_organisations_and_the_communes_prefecture(
    api, people, who, expected
):
    response = api(getattr(people, who)).get("/api/v1/organizations/")
    assert response.status_code == 200
    assert {(row["kind"], row["code"]) for row in response.json()["results"]} == expected


def test_organizations_lists_everything_for_staff(api, people, orgs):
    body = api(people.staff).get("/api/v1/organizations/").json()
    assert body["count"] == 7


def test_organizations_filter_by_kind(api, people):
    body = api(people.staff).get("/api/v1/organizations/?kind=commune").json()
    assert {row["code"] for row in body["results"]} == {"26198", "26362", "62041"}
