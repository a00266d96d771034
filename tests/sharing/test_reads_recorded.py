"""Every read is recorded in the same transaction as the answer, and so are a refused
transition (409) and a refusal by the privacy screen (its kinds, never the text)."""

import pytest

from audit.models import AuditEvent
from sharing.models import Status
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LIST = "/api/v1/requests/"


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-id").first()


def test_a_requests_timeline_and_reminders_are_recorded(api, people, orgs):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    client = api(people.liaison)
    assert client.get(f"{LIST}{info_request.reference}/events/").status_code == 200
    event = last("request.timeline_viewed")
    assert (event.actor_username, event.target_ref) == ("liaison-26", info_request.reference)
    assert event.details["count"] >= 1
    assert client.get(f"{LIST}{info_request.reference}/reminders/").status_code == 200
    event = last("reminder.listed")
    assert (event.actor_username, event.target_ref) == ("liaison-26", info_request.reference)


def test_me_is_recorded(api, people):
    assert api(people.mayor).get("/api/v1/me/").status_code == 200
    assert last("account.viewed").actor_username == people.mayor.username


def test_a_refused_transition_is_recorded(api, people, orgs):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    response = api(people.legal_officer).patch(
        f"{LIST}{info_request.reference}/", {"urgency": "urgent"}, format="json"
    )
    assert response.status_code == 409, response.content
    event = last("request.transition_refused")
    assert event.outcome == "conflict"
    assert event.actor_username == people.legal_officer.username
    assert event.details["reference"] == info_request.reference
    assert event.details["status"] == Status.SUBMITTED


def test_a_refusal_by_the_privacy_screen_records_the_kinds_never_the_text(api, people):
    text = "Concerne Karim BENALI, 06 12 34 56 78, karim.benali@example.fr"
    body = {
        "category": "general-threat-briefing",
        "legal_basis": "instruction-intk1826096j",
        "purpose": text,
        "urgency": "normal",
    }
    response = api(people.legal_officer).post(LIST, body, format="json")
    assert response.status_code == 400
    event = last("privacy.refused")
    assert event.details["field"] == "purpose"
    assert event.details["kinds"]
    stored = str(event.line())
    for marker in ("BENALI", "06 12 34 56 78", "example.fr"):
        assert marker not in stored


def test_a_timeline_event_not_yet_sequenced_is_shown_as_its_schema_says(api, people, orgs):
    """On PostgreSQL an event has no seq until the sequencer chains it (seconds later): the
    timeline shows it with a null seq, which the schema allows (an outside fuzzer found the
    schema saying integer)."""
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    rows = api(people.liaison).get(f"{LIST}{info_request.reference}/events/").json()
    schema = _json_schema(SchemaGenerator().get_schema(request=None, public=True))
    item = {**schema["components"]["schemas"]["TimelineEvent"], "components": schema["components"]}
    for row in rows:
        jsonschema.validate(row, item)
    unsequenced = [row for row in rows if row["seq"] is None]
    assert bool(unsequenced) == (AuditEvent.objects.filter(seq__isnull=True).exists())


def _json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it (a null type beside the other)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]
    return node
