"""The request API as its clients use it: lifecycle, input errors, filters, schema, docs."""

import json
import os
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from sharing.models import ClarificationMessage, InfoRequest, InternalNote, Status
from sharing.permissions import get_request_for
from sharing.serializers import InfoRequestDetailSerializer
from tests.factories import PASSWORD, PURPOSE, draft, request_in, today

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LIST = "/api/v1/requests/"
PERSONAL = "Concerne Karim BENALI, 06 12 34 56 78, karim.benali@example.fr"
PERSONAL_MARKERS = ("benali", "06 12 34 56 78", "example.fr")


def url(reference: str, action: str = "") -> str:
    return f"{LIST}{reference}/" + (f"{action}/" if action else "")


def new_request_body(**overrides):
    return {
        "category": "general-threat-briefing",
        "legal_basis": "instruction-intk1826096j",
        "purpose": PURPOSE,
        "urgency": "normal",
        **overrides,
    }


def token_client(api, username: str):
    """A client authenticated the way an outside client is: token from the token endpoint."""
    response = api().post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


# --- the lifecycle, end to end, as each role, with token authentication ------------------


def test_whole_lifecycle_through_the_api_as_each_role(api, people):
    legal_officer = token_client(api, "legal_officer-26198")
    mayor = token_client(api, "mayor-26198")
    liaison = token_client(api, "liaison-26")
    admin = token_client(api, "prefecture_admin-26")

    created = legal_officer.post(LIST, new_request_body(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    reference = body["reference"]
    assert reference == f"26198-{today().year}-0001"
    assert (body["status"], body["commune"], body["prefecture"]) == ("draft", "26198", "26")

    edited = legal_officer.patch(url(reference), {"urgency": "urgent"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["urgency"] == "urgent"

    steps = [
        (mayor, "sign", {}, "submitted"),
        (liaison, "acknowledge", {}, "acknowledged"),
        (admin, "assign", {"liaison": "liaison-26"}, "acknowledged"),
        (
            liaison,
            "request-clarification",
            {"message": "Quel quartier est concerné ?"},
            "clarification_requested",
        ),
        (legal_officer, "clarify", {"message": "Le quartier du centre-ville."}, "acknowledged"),
        (liaison, "decide", {"resolution": "granted", "remarks": ""}, "decided"),
        (
            liaison,
            "record-delivery",
            {"channel": "bilateral_meeting", "delivered_on": today().isoformat()},
            "delivered",
        ),
        (liaison, "close", {}, "closed"),
    ]
    for client, action, payload, status in steps:
        response = client.post(url(reference, action), payload, format="json")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status, action

    final = mayor.get(url(reference)).json()
    assert final["assigned_to"] == "liaison-26"
    assert final["resolution"] == "granted"
    assert final["delivery_channel"] == "bilateral_meeting"
    assert final["delivered_on"] == today().isoformat()
    assert final["closed_at"] is not None

    thread = mayor.get(url(reference, "messages"))
    assert thread.status_code == 200
    assert [(m["side"], m["author"]) for m in thread.json()] == [
        ("prefecture", "liaison-26"),
        ("commune", "legal_officer-26198"),
    ]

    timeline = mayor.get(url(reference, "events"))
    assert timeline.status_code == 200
    assert [event["action"] for event in timeline.json()] == [
        "request.created",
        "request.updated",
        "request.signed",
        "request.acknowledged",
        "request.assigned",
        "request.clarification_requested",
        "request.clarified",
        "request.decided",
        "request.delivery_recorded",
        "request.closed",
    ]
    assert timeline.json()[2]["actor"] == "mayor-26198"


def test_withdraw_through_the_api(api, people, orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    response = api(people.mayor).post(
        url(info_request.reference, "withdraw"),
        {"reason": "Le sujet sera traité en CLSPD."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["withdraw_reason"] == "Le sujet sera traité en CLSPD."


def test_refused_request_closes_without_delivery(api, people, orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = api(people.liaison)
    decided = client.post(
        url(info_request.reference, "decide"),
        {"resolution": "refused", "reason_code": "national_defence_secret"},
        format="json",
    )
    assert decided.status_code == 200
    assert (decided.json()["resolution"], decided.json()["reason_code"]) == (
        "refused",
        "national_defence_secret",
    )
    closed = client.post(url(info_request.reference, "close"), {}, format="json")
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"


def test_granted_request_cannot_close_before_delivery(api, people, orgs):
    info_request = request_in(Status.DECIDED, orgs.montelimar)
    response = api(people.liaison).post(url(info_request.reference, "close"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


def test_extend_through_the_api(api, people, orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    new_date = info_request.decision_due + timedelta(days=20)
    response = api(people.liaison).post(
        url(info_request.reference, "extend"),
        {"new_due_date": new_date.isoformat(), "reason": "Avis du procureur attendu."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["decision_due"] == new_date.isoformat()


def test_notes_are_written_and_listed_by_the_prefecture(api, people, orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = api(people.liaison)
    posted = client.post(
        url(info_request.reference, "notes"),
        {"text": "À évoquer en état-major de sécurité."},
        format="json",
    )
    assert posted.status_code == 201
    assert posted.json()["author"] == "liaison-26"
    listed = api(people.prefecture_admin).get(url(info_request.reference, "notes"))
    assert [note["text"] for note in listed.json()] == ["À évoquer en état-major de sécurité."]


def test_notes_never_appear_in_what_the_commune_receives(api, people, orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    api(people.liaison).post(
        url(info_request.reference, "notes"), {"text": "Note interne sensible."}, format="json"
    )
    client = api(people.mayor)
    for path in (
        url(info_request.reference),
        url(info_request.reference, "messages"),
        url(info_request.reference, "events"),
        LIST,
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert "Note interne sensible" not in response.content.decode()
    assert client.get(url(info_request.reference, "notes")).status_code == 404
    timeline = client.get(url(info_request.reference, "events")).json()
    assert not [event for event in timeline if event["action"].startswith("note.")]


@pytest.mark.parametrize("reference", ["26198-2026-9999", "not-a-reference", "26198-26-1"])
def test_unknown_or_malformed_reference_answers_404(api, people, reference):
    assert api(people.mayor).get(f"{LIST}{reference}/").status_code == 404


def test_create_names_the_commune_when_the_user_belongs_to_several(api, people, orgs):
    from accounts.models import Role
    from accounts.services import membership_create

    membership_create(
        user=people.legal_officer, organization=orgs.valence, role=Role.LEGAL_OFFICER, actor=None
    )
    client = api(people.legal_officer)
    ambiguous = client.post(LIST, new_request_body(), format="json")
    assert ambiguous.status_code == 400
    assert "commune" in ambiguous.json()
    named = client.post(LIST, new_request_body(commune="26362"), format="json")
    assert named.status_code == 201
    assert named.json()["commune"] == "26362"


def test_create_for_a_commune_the_user_does_not_belong_to_is_refused(api, people):
    response = api(people.legal_officer).post(
        LIST, new_request_body(commune="62041"), format="json"
    )
    assert response.status_code == 400
    assert "commune" in response.json()
    assert not InfoRequest.objects.exists()


def test_token_endpoint_refuses_a_wrong_password(api, people):
    response = api().post(
        "/api/v1/auth/token/", {"username": "mayor-26198", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_session_authentication_is_accepted(client, people):
    client.force_login(people.mayor)
    assert client.get(LIST).status_code == 200


def test_an_invalid_token_answers_401(api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get(LIST).status_code == 401


# --- bad input: 400 with field errors, never a 500, never an echo ------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"surname": "x"}, "surname"),
        ({"urgency": "extreme"}, "urgency"),
        ({"category": "watchlist-match"}, "category"),
        ({"legal_basis": "no-such-text"}, "legal_basis"),
        ({"legal_basis": "cpp-11-2"}, "legal_basis"),
        ({"purpose": "x" * 1001}, "purpose"),
        ({"purpose": ""}, "purpose"),
        ({"purpose": "   "}, "purpose"),
        ({"purpose": None}, "purpose"),
        ({"secure_channel_ref": "lettre du 3 mars"}, "secure_channel_ref"),
        ({"secure_channel_ref": "B" * 41}, "secure_channel_ref"),
        ({"secure_channel_ref": "DDN-12/03/1987"}, "secure_channel_ref"),
        ({"commune": "123456"}, "commune"),
    ],
)
def test_create_with_bad_input_answers_400_naming_the_field(api, people, overrides, field):
    response = api(people.legal_officer).post(LIST, new_request_body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not InfoRequest.objects.exists()


@pytest.mark.parametrize("content", ["multipart", "form"])
def test_a_form_means_what_the_same_json_means(api, people, orgs, content):
    """An empty form value is a value given, as `""` in JSON: refused where the schema asks
    for at least one character (an outside fuzzer's form with `commune` empty was taken as
    no commune, and the request created); a field left out takes its default."""
    client = api(people.legal_officer)

    def post(body):
        if content == "form":
            return client.post(
                LIST, urlencode(body), content_type="application/x-www-form-urlencoded"
            )
        return client.post(LIST, body, format="multipart")

    for blank in ({"commune": ""}, {"urgency": ""}):
        response = post(new_request_body(**blank))
        assert response.status_code == 400, response.content
        assert set(response.json()) == set(blank)
    assert not InfoRequest.objects.exists()
    created = post(new_request_body())
    assert created.status_code == 201, created.content
    assert created.json()["commune"] == orgs.montelimar.code


def test_create_without_a_required_field_answers_400(api, people):
    body = new_request_body()
    del body["category"]
    response = api(people.legal_officer).post(LIST, body, format="json")
    assert response.status_code == 400
    assert "category" in response.json()


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
        ('"a string"', "application/json"),
        ("null", "application/json"),
    ],
)
def test_create_with_a_body_that_is_not_an_object_answers_400(api, people, content, content_type):
    response = api(people.legal_officer).generic("POST", LIST, content, content_type)
    assert response.status_code == 400


def test_personal_data_in_the_purpose_is_refused_without_echo_and_not_stored(api, people):
    seq = sequenced_size()
    response = api(people.legal_officer).post(
        LIST, new_request_body(purpose=PERSONAL), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["purpose"]
    text = response.content.decode().lower()
    for marker in PERSONAL_MARKERS:
        assert marker not in text
    assert not InfoRequest.objects.exists()
    audit_sequence()
    logged = json.dumps(
        list(AuditEvent.objects.filter(seq__gt=seq).values("details")), ensure_ascii=False
    ).lower()
    for marker in PERSONAL_MARKERS:
        assert marker not in logged


# (who, status the request is in, action, body with personal data, field named in the error)
PERSONAL_DATA_ACTIONS = [
    ("legal_officer", Status.DRAFT, "", {"purpose": PERSONAL}, "purpose"),
    ("liaison", Status.ACKNOWLEDGED, "request-clarification", {"message": PERSONAL}, "message"),
    ("legal_officer", Status.CLARIFICATION_REQUESTED, "clarify", {"message": PERSONAL}, "message"),
    (
        "liaison",
        Status.ACKNOWLEDGED,
        "decide",
        {"resolution": "refused", "reason_code": "no_legal_basis", "remarks": PERSONAL},
        "remarks",
    ),
    ("mayor", Status.SUBMITTED, "withdraw", {"reason": PERSONAL}, "reason"),
    ("liaison", Status.ACKNOWLEDGED, "notes", {"text": PERSONAL}, "text"),
]


@pytest.mark.parametrize(
    ("who", "status", "action", "payload", "field"),
    PERSONAL_DATA_ACTIONS,
    ids=[case[2] or "patch" for case in PERSONAL_DATA_ACTIONS],
)
def test_personal_data_in_any_free_text_answers_400_and_nothing_is_saved(
    api, people, orgs, who, status, action, payload, field
):
    info_request = request_in(status, orgs.montelimar)
    seq = sequenced_size()
    client = api(getattr(people, who))
    path = url(info_request.reference, action)
    response = (
        client.patch(path, payload, format="json")
        if not action
        else client.post(path, payload, format="json")
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    text = response.content.decode().lower()
    for marker in PERSONAL_MARKERS:
        assert marker not in text
    assert InfoRequest.objects.get(pk=info_request.pk).status == status
    stored = json.dumps(
        [
            *InfoRequest.objects.values_list("purpose", "decision_remarks", "withdraw_reason"),
            *ClarificationMessage.objects.values_list("text"),
            *InternalNote.objects.values_list("text"),
        ],
        ensure_ascii=False,
    ).lower()
    audit_sequence()
    logged = json.dumps(
        list(AuditEvent.objects.filter(seq__gt=seq).values("details")), ensure_ascii=False
    ).lower()
    for marker in PERSONAL_MARKERS:
        assert marker not in stored
        assert marker not in logged


@pytest.mark.parametrize(
    ("status", "action", "payload", "field"),
    [
        (
            Status.DECIDED,
            "record-delivery",
            {"channel": "pigeon", "delivered_on": "2026-03-02"},
            "channel",
        ),
        (
            Status.DECIDED,
            "record-delivery",
            {"channel": "secure_phone", "delivered_on": "31/02/2026"},
            "delivered_on",
        ),
        (
            Status.DECIDED,
            "record-delivery",
            {"channel": "secure_phone", "delivered_on": "2026-02-31"},
            "delivered_on",
        ),
        (Status.DECIDED, "record-delivery", {"channel": "secure_phone"}, "delivered_on"),
        (
            Status.DECIDED,
            "record-delivery",
            {"channel": "secure_phone", "delivered_on": "2999-01-01"},
            "delivered_on",
        ),
        (Status.ACKNOWLEDGED, "decide", {"resolution": "implicit_rejection"}, "resolution"),
        (Status.ACKNOWLEDGED, "decide", {"resolution": "refused"}, "reason_code"),
        (
            Status.ACKNOWLEDGED,
            "decide",
            {"resolution": "refused", "reason_code": "because"},
            "reason_code",
        ),
        (Status.ACKNOWLEDGED, "decide", {"resolution": "granted", "remarks": "x" * 501}, "remarks"),
        (Status.ACKNOWLEDGED, "decide", {"resolution": "granted", "person": "x"}, "person"),
        (Status.ACKNOWLEDGED, "request-clarification", {"message": ""}, "message"),
        (Status.ACKNOWLEDGED, "request-clarification", {"message": "x" * 1001}, "message"),
        (Status.ACKNOWLEDGED, "request-clarification", {}, "message"),
        (
            Status.ACKNOWLEDGED,
            "extend",
            {"new_due_date": "tomorrow", "reason": "r"},
            "new_due_date",
        ),
        (
            Status.ACKNOWLEDGED,
            "extend",
            {"new_due_date": "2020-01-01", "reason": "Avis attendu."},
            "new_due_date",
        ),
        (Status.ACKNOWLEDGED, "assign", {"liaison": "nobody-here"}, "liaison"),
        (Status.ACKNOWLEDGED, "assign", {"liaison": "liaison-62"}, "liaison"),
        (Status.ACKNOWLEDGED, "acknowledge", {"force": True}, "force"),
        (Status.SUBMITTED, "withdraw", {}, "reason"),
        (Status.ACKNOWLEDGED, "notes", {"text": ""}, "text"),
    ],
)
def test_action_with_bad_input_answers_400_naming_the_field(
    api, people, orgs, status, action, payload, field
):
    info_request = request_in(status, orgs.montelimar)
    actor = {"withdraw": people.mayor}.get(action, people.prefecture_admin)
    response = api(actor).post(url(info_request.reference, action), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert InfoRequest.objects.get(pk=info_request.pk).status == status


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"reference": "26198-2026-9999"}, "reference"),
        ({"urgency": "now"}, "urgency"),
        ({"secure_channel_ref": "br 2026"}, "secure_channel_ref"),
    ],
)
def test_patch_with_bad_input_answers_400_naming_the_field(api, people, orgs, payload, field):
    info_request = draft(orgs.montelimar)
    response = api(people.legal_officer).patch(url(info_request.reference), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert InfoRequest.objects.get(pk=info_request.pk).status == Status.DRAFT


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "resolution=maybe",
        "created_after=yesterday",
        "created_before=2026-13-01",
        "urgency=extreme",
    ],
)
def test_bad_filter_answers_400(api, people, query):
    response = api(people.liaison).get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize(
    "query",
    [
        "Foo-Bar=1",
        "commune=%0A26198",
        "reference=%E2%80%AE26198",
        "ordering=nonexistent",
        "page=2",
        "overdue=perhaps",
        "X=" + "a" * 300,
    ],
    ids=[
        "odd-key",
        "control-char",
        "bidi-char",
        "bad-ordering",
        "page-out-of-range",
        "bad-boolean",
        "long-value",
    ],
)
def test_odd_query_parameters_never_cause_a_500(api, people, orgs, query):
    request_in(Status.SUBMITTED, orgs.montelimar)
    response = api(people.liaison).get(f"{LIST}?{query}")
    assert response.status_code in {200, 400, 404}


def test_personal_data_typed_in_a_filter_is_refused_and_not_written_to_the_audit_log(api, people):
    seq = sequenced_size()
    response = api(people.liaison).get(f"{LIST}?reference=karim.benali@example.fr&name=BENALI")
    assert response.status_code == 400
    assert list(response.json()) == ["reference"]
    assert "e-mail" in response.json()["reference"][0]
    for marker in PERSONAL_MARKERS:
        assert marker not in response.content.decode().lower()
    audit_sequence()
    [event] = AuditEvent.objects.filter(seq__gt=seq)
    assert (event.action, event.outcome) == ("request.listed", "refused")
    assert event.details == {"via": "api", "refused": {"reference": ["email"]}}


# --- 409: the lifecycle forbids the action in the current status -------------------------


@pytest.mark.parametrize(
    ("who", "status", "action", "payload"),
    [
        ("mayor", Status.WITHDRAWN, "sign", {}),
        ("liaison", Status.DECIDED, "acknowledge", {}),
        ("liaison", Status.SUBMITTED, "decide", {"resolution": "redirected"}),
        ("liaison", Status.SUBMITTED, "request-clarification", {"message": "Précisez."}),
        ("legal_officer", Status.ACKNOWLEDGED, "clarify", {"message": "Voici."}),
        ("liaison", Status.ACKNOWLEDGED, "close", {}),
        (
            "liaison",
            Status.ACKNOWLEDGED,
            "record-delivery",
            {"channel": "secure_phone", "delivered_on": "2026-01-05"},
        ),
        ("mayor", Status.DECIDED, "withdraw", {"reason": "Plus d'objet."}),
        ("mayor", Status.CLOSED, "withdraw", {"reason": "Plus d'objet."}),
        ("prefecture_admin", Status.CLOSED, "assign", {"liaison": "liaison-26"}),
        (
            "liaison",
            Status.WITHDRAWN,
            "extend",
            {"new_due_date": "2099-01-01", "reason": "Avis attendu."},
        ),
    ],
)
def test_forbidden_transition_answers_409_and_changes_nothing(
    api, people, orgs, who, status, action, payload
):
    info_request = request_in(status, orgs.montelimar)
    response = api(getattr(people, who)).post(
        url(info_request.reference, action), payload, format="json"
    )
    assert response.status_code == 409, response.content
    assert response.json()["status"] == status
    assert InfoRequest.objects.get(pk=info_request.pk).status == status


def test_patch_of_a_signed_request_answers_409(api, people, orgs):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    response = api(people.legal_officer).patch(
        url(info_request.reference), {"urgency": "urgent"}, format="json"
    )
    assert response.status_code == 409


def test_repeating_an_action_answers_200_and_changes_nothing(api, people, orgs):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    before = InfoRequest.objects.get(pk=info_request.pk)
    response = api(people.mayor).post(url(info_request.reference, "sign"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    after = InfoRequest.objects.get(pk=info_request.pk)
    assert (after.updated_at, after.submitted_at) == (before.updated_at, before.submitted_at)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_requests_are_neither_replaced_nor_deleted(api, people, orgs, method):
    info_request = draft(orgs.montelimar)
    response = getattr(api(people.legal_officer), method)(url(info_request.reference), {})
    assert response.status_code == 405
    assert InfoRequest.objects.filter(pk=info_request.pk).exists()


# --- filters, ordering, pagination --------------------------------------------------------


def test_list_is_paginated(api, people, orgs):
    for _ in range(51):
        draft(orgs.montelimar)
    client = api(people.legal_officer)
    first = client.get(LIST).json()
    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert first["next"] is not None
    second = client.get(f"{LIST}?page=2").json()
    assert len(second["results"]) == 1
    assert second["previous"] is not None
    assert client.get(f"{LIST}?page=3").status_code == 404


def test_list_query_count_does_not_grow_with_the_number_of_requests(
    api, people, orgs, django_assert_max_num_queries
):
    client = api(people.liaison)
    request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for index in range(29):
        request_in(
            Status.ACKNOWLEDGED if index % 2 else Status.SUBMITTED,
            orgs.montelimar if index % 3 else orgs.valence,
        )
    for info_request in InfoRequest.objects.filter(status=Status.ACKNOWLEDGED)[:5]:
        api(people.prefecture_admin).post(
            url(info_request.reference, "assign"), {"liaison": "liaison-26"}, format="json"
        )
    # visibility, count, page, chain head lock, audit insert, head update, savepoints
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as thirty:
        response = client.get(LIST)
    assert len(response.json()["results"]) == 30
    assert len(thirty) == len(one)


def test_detail_query_count_is_bounded(api, people, orgs, django_assert_max_num_queries):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = api(people.liaison)
    # The visibility check, the request, the reader's memberships, the read's audit record
    # (savepoint, head, insert, head, release) and the reader's permissions on it for
    # `allowed_actions` (django-guardian: the user's own, then their groups').
    with django_assert_max_num_queries(10):
        response = client.get(url(info_request.reference))
    assert response.status_code == 200


class _FieldsRebuilt(InfoRequestDetailSerializer):
    """The detail as DRF renders it with the fields it builds for every instance."""

    def get_fields(self):
        return serializers.ModelSerializer.get_fields(self)


def test_detail_renders_byte_for_byte_as_with_fields_built_for_each_instance(api, people, orgs):
    requests = [
        draft(orgs.montelimar),
        request_in(Status.SUBMITTED, orgs.montelimar),
        request_in(Status.CLARIFICATION_REQUESTED, orgs.montelimar),
        request_in(Status.DELIVERED, orgs.montelimar),
        request_in(Status.WITHDRAWN, orgs.montelimar),
    ]
    assigned = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    assigned.assigned_to = people.liaison
    assigned.save(update_fields=["assigned_to"])
    rendered = set()
    for reader in (people.mayor, people.liaison):
        client = api(reader)
        for info_request in [*requests, assigned]:
            response = client.get(url(info_request.reference))
            if response.status_code == 404:  # a draft, for the liaison
                continue
            found = get_request_for(user=reader, reference=info_request.reference)
            context = {"request": response.wsgi_request}
            rebuilt = _FieldsRebuilt(found, context=context).data
            assert response.content == JSONRenderer().render(rebuilt)
            rendered.add(response.content)
    assert len(rendered) == 11


def test_detail_serializer_builds_its_fields_once(orgs, monkeypatch):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    monkeypatch.delattr(InfoRequestDetailSerializer, "_fields_built", raising=False)
    building = mock.patch.object(
        serializers.ModelSerializer,
        "get_fields",
        autospec=True,
        side_effect=serializers.ModelSerializer.get_fields,
    )
    with building as built:
        first, second = (InfoRequestDetailSerializer(info_request) for _ in range(2))
        assert first.fields.keys() == second.fields.keys()
    assert built.call_count == 1
    assert first.fields["commune"] is not second.fields["commune"]
    assert first.fields["commune"].parent is first
    assert second.fields["allowed_actions"].parent is second


def test_a_serializer_whose_fields_are_built_once_takes_no_input():
    with pytest.raises(ImproperlyConfigured):
        InfoRequestDetailSerializer(data={"purpose": "x"}).is_valid()


# --- reference data, me, organisations ----------------------------------------------------


def test_categories_list_the_seeded_legal_frame(api, people):
    response = api(people.legal_officer).get("/api/v1/categories/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert set(rows) == {
        "general-threat-briefing",
        "municipal-employee-sensitive-post",
        "association-subsidy",
        "social-support",
        "report-feedback",
        "fsprt-presence",
        "clspd-cpraf-working-group",
    }
    assert rows["general-threat-briefing"]["legal_bases"] == [
        "instruction-intk1826096j",
        "csi-d132-7",
    ]


def test_category_detail_by_code(api, people):
    response = api(people.liaison).get("/api/v1/categories/fsprt-presence/")
    assert response.status_code == 200
    assert response.json()["may_concern_person"] is False


def test_legal_bases_list_the_verified_texts(api, people):
    response = api(people.mayor).get("/api/v1/legal-bases/")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()]
    assert "instruction-intk1826096j" in codes
    assert len(codes) == 5
    detail = api(people.mayor).get("/api/v1/legal-bases/instruction-intk1826096j/").json()
    assert detail["citation"] == "Instruction NOR INTK1826096J du 13 novembre 2018"


@pytest.mark.parametrize("path", ["/api/v1/categories/", "/api/v1/legal-bases/"])
def test_reference_data_requires_authentication(api, path):
    assert api().get(path).status_code == 401


# --- OpenAPI schema and docs --------------------------------------------------------------


def test_openapi_schema_generates_without_warnings_and_validates():
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
    assert not GENERATOR_STATS


def test_openapi_schema_is_served_and_documents_every_error_code(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    paths = schema["paths"]
    sign = paths["/api/v1/requests/{reference}/sign/"]["post"]["responses"]
    assert {"200", "400", "401", "404", "409"} <= set(sign)
    detail = paths["/api/v1/requests/{reference}/"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(detail)
    for action in (
        "sign",
        "acknowledge",
        "assign",
        "request-clarification",
        "clarify",
        "decide",
        "record-delivery",
        "close",
        "withdraw",
        "extend",
        "notes",
        "messages",
        "events",
    ):
        assert f"/api/v1/requests/{{reference}}/{action}/" in paths


def test_swagger_ui_is_served_from_local_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for cdn in ("cdn.", "jsdelivr", "unpkg", "cdnjs", "https://"):
        assert cdn not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")


def test_action_not_allowed_escaping_any_view_answers_as_not_found():
    from rest_framework.exceptions import NotFound

    from config.api import exception_handler
    from sharing.exceptions import ActionNotAllowed

    context = {"view": None, "args": (), "kwargs": {}, "request": None}
    refused = exception_handler(ActionNotAllowed(action="remind"), context)
    missing = exception_handler(NotFound(), context)
    assert refused.status_code == missing.status_code == 404
    assert refused.data == missing.data


# --- send-back: the mayor returns a draft with a remark ------------------------------------


def test_the_mayor_sends_a_draft_back_and_the_legal_officer_reads_the_remark(api, people, orgs):
    info_request = draft(orgs.montelimar)
    remark = "Préciser la base légale retenue."

    response = api(people.mayor).post(
        url(info_request.reference, "send-back"), {"remark": remark}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "draft"
    remarks = api(people.legal_officer).get(url(info_request.reference, "remarks")).json()
    assert [(r["author"], r["text"], r["addressed_at"]) for r in remarks] == [
        ("mayor-26198", remark, None)
    ]


def test_send_back_answers_400_with_field_errors_and_409_once_signed(api, people, orgs):
    info_request = draft(orgs.montelimar)
    client = api(people.mayor)
    path = url(info_request.reference, "send-back")

    for body in ({}, {"remark": PERSONAL}, {"remark": "x" * 501}, {"remark": "ok", "x": 1}):
        response = client.post(path, body, format="json")
        assert response.status_code == 400, body
        assert set(response.json()) & {"remark", "x"}
        for marker in PERSONAL_MARKERS:
            assert marker not in response.content.decode().lower()

    client.post(url(info_request.reference, "sign"), {}, format="json")
    response = client.post(path, {"remark": "Trop tard."}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


# --- people by their names, the username beside as the identifier --------------------------


def test_authors_assignee_and_actors_are_named_beside_their_username(api, people, orgs):
    for user, first, last in (
        (people.liaison, "Claire", "Moreau"),
        (people.prefecture_admin, "Paul", "Girard"),
        (people.mayor, "Hélène", "Roux"),
    ):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    reference = info_request.reference
    admin, liaison = api(people.prefecture_admin), api(people.liaison)
    assigned = admin.post(url(reference, "assign"), {"liaison": "liaison-26"}, format="json")
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["assigned_to"], assigned.json()["assigned_to_name"]) == (
        "liaison-26",
        "Claire Moreau",
    )
    note = liaison.post(url(reference, "notes"), {"text": "À voir."}, format="json").json()
    assert (note["author"], note["author_name"]) == ("liaison-26", "Claire Moreau")
    liaison.post(
        url(reference, "request-clarification"), {"message": "Quel périmètre ?"}, format="json"
    )
    [message] = api(people.mayor).get(url(reference, "messages")).json()
    assert (message["author"], message["author_name"]) == ("liaison-26", "Claire Moreau")
    events = liaison.get(url(reference, "events")).json()
    assigned_event = next(event for event in events if event["action"] == "request.assigned")
    assert (assigned_event["actor"], assigned_event["actor_name"]) == (
        "prefecture_admin-26",
        "Paul Girard",
    )
    listed = liaison.get("/api/v1/requests/").json()["results"]
    assert [row["assigned_to_name"] for row in listed] == ["Claire Moreau"]
    # Without a name, the username stands in.
    draft_request = draft(orgs.montelimar)
    api(people.mayor).post(
        url(draft_request.reference, "send-back"), {"remark": "À revoir."}, format="json"
    )
    people.mayor.first_name = people.mayor.last_name = ""
    people.mayor.save(update_fields=["first_name", "last_name"])
    [remark] = api(people.legal_officer).get(url(draft_request.reference, "remarks")).json()
    assert (remark["author"], remark["author_name"]) == ("mayor-26198", "mayor-26198")


def test_the_schema_documents_names_and_usernames(api, people):
    schema = api(people.liaison).get("/api/schema/?format=json").json()["components"]["schemas"]
    for component, field in (
        ("InfoRequest", "assigned_to_name"),
        ("Note", "author_name"),
        ("Message", "author_name"),
        ("Remark", "author_name"),
        ("TimelineEvent", "actor_name"),
    ):
        described = schema[component]["properties"][field]
        assert "name" in described["description"], (component, field)
    assert "identifier" in schema["Note"]["properties"]["author"]["description"]
