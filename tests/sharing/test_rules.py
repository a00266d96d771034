"""One table of who may do what (sharing.rules): the services, the web and the API agree on it.

Every role (and people of another commune, another prefecture, an oversight body), every
status (a decided request with and without an answer to deliver), every action:

- the service, called directly with valid input, either does the action (and records it),
  repeats quietly (the action was already done), or refuses: not allowed, or not in this status;
- the request's page offers an action exactly when the service does it;
- the API lists it in `allowed_actions` exactly then, answers 2xx exactly when the service does
  it or repeats it quietly, 409 when the status forbids it, and 404 to whoever may not take it
  (including whoever does not see the request).

Each request is built once for the module; each attempt runs in a savepoint that is rolled
back, so that every action meets the request in the same state. People of another commune,
prefecture or body see none of these requests: their pages and details answer 404 in every
status, and their action endpoints, which all start with that same fetch, are walked on one
status.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sharing import rules
from sharing.exceptions import ActionNotAllowed, InvalidInput, TransitionNotAllowed
from sharing.models import DeliveryChannel, InfoRequest, Resolution, Status
from sharing.permissions import perms_on
from sharing.reminders.personal import personal_reminder_create
from sharing.services.clarification import info_request_clarify, info_request_request_clarification
from sharing.services.drafting import (
    info_request_discard,
    info_request_send_back,
    info_request_sign,
    info_request_update,
    info_request_withdraw,
)
from sharing.services.handling import (
    info_request_acknowledge,
    info_request_assign,
    info_request_close,
    info_request_decide,
    info_request_extend,
    info_request_record_delivery,
    info_request_take,
)
from sharing.services.notes import note_add
from sharing.views.actions import ACTIONS as WEB_ACTIONS
from tests.factories import request_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
SHARED_PEOPLE = True  # see tests/conftest.py


@pytest.fixture
def web():
    """`web(user)` → a Django test client signed in as `user`, in French."""

    def client_for(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="fr")
        client.force_login(user)
        return client

    return client_for


ROLES = [
    "legal_officer",
    "mayor",
    "liaison",
    "prefecture_admin",
    "mayor_valence",  # another commune of the same prefecture
    "liaison62",  # another prefecture
    "auditor26",  # an oversight body
]
OUTSIDERS = {"mayor_valence", "liaison62", "auditor26"}

# name: (status, options of request_in)
VARIANTS = {
    "draft": (Status.DRAFT, {}),
    "submitted": (Status.SUBMITTED, {}),
    "acknowledged": (Status.ACKNOWLEDGED, {}),
    "clarification_requested": (Status.CLARIFICATION_REQUESTED, {}),
    "decided_granted": (Status.DECIDED, {"resolution": Resolution.GRANTED}),
    "decided_refused": (Status.DECIDED, {"resolution": Resolution.REFUSED}),
    "delivered": (Status.DELIVERED, {}),
    "closed": (Status.CLOSED, {}),
    "withdrawn": (Status.WITHDRAWN, {}),
    "withdrawn_draft": (Status.WITHDRAWN, {"withdrawn_from": Status.DRAFT}),
    "discarded": (Status.DISCARDED, {}),
}

MESSAGE = "Merci de préciser le périmètre géographique de la demande."


def _new_due(info_request: InfoRequest):
    """A valid later deadline for whatever is running (any date when nothing is)."""
    field = rules.EXTENDABLE.get(info_request.status)
    current = getattr(info_request, field) if field else None
    today = timezone.localdate()
    return max(current or today, today) + timedelta(days=10)


def _service_call(action: str, info_request: InfoRequest, actor, people):
    """The action's service with valid input."""
    today = timezone.localdate()
    calls = {
        "update": lambda: info_request_update(
            info_request=info_request, actor=actor, urgency="urgent"
        ),
        "sign": lambda: info_request_sign(info_request=info_request, actor=actor),
        "send_back": lambda: info_request_send_back(
            info_request=info_request, actor=actor, remark="Merci de revoir l'objet."
        ),
        "withdraw": lambda: info_request_withdraw(
            info_request=info_request, actor=actor, reason="La demande n'a plus d'objet."
        ),
        "clarify": lambda: info_request_clarify(
            info_request=info_request, actor=actor, message=MESSAGE
        ),
        "acknowledge": lambda: info_request_acknowledge(info_request=info_request, actor=actor),
        "assign": lambda: info_request_assign(
            info_request=info_request, actor=actor, liaison=people.liaison
        ),
        "request_clarification": lambda: info_request_request_clarification(
            info_request=info_request, actor=actor, message=MESSAGE
        ),
        "decide": lambda: info_request_decide(
            info_request=info_request, actor=actor, resolution=Resolution.REDIRECTED
        ),
        "record_delivery": lambda: info_request_record_delivery(
            info_request=info_request,
            actor=actor,
            channel=DeliveryChannel.SECURE_PHONE,
            delivered_on=today,
        ),
        "close": lambda: info_request_close(info_request=info_request, actor=actor),
        "take": lambda: info_request_take(info_request=info_request, actor=actor),
        "discard": lambda: info_request_discard(info_request=info_request, actor=actor),
        "extend": lambda: info_request_extend(
            info_request=info_request,
            actor=actor,
            new_due_date=_new_due(info_request),
            reason="Avis du procureur attendu.",
        ),
        "add_note": lambda: note_add(
            info_request=info_request, actor=actor, text="Point à revoir lundi."
        ),
        "remind": lambda: personal_reminder_create(
            info_request=info_request, actor=actor, remind_on=today + timedelta(days=3)
        ),
    }
    return calls[action]


def _api_call(action: str, info_request: InfoRequest):
    """(method, path, body) of the action on the API, with valid input."""
    base = f"/api/v1/requests/{info_request.reference}/"
    today = timezone.localdate()
    bodies = {
        "update": ("patch", base, {"urgency": "urgent"}),
        "add_note": ("post", f"{base}notes/", {"text": "Point à revoir lundi."}),
        "remind": ("post", f"{base}reminders/", {"remind_on": str(today + timedelta(days=3))}),
        "send_back": ("post", f"{base}send-back/", {"remark": "Merci de revoir l'objet."}),
        "withdraw": ("post", f"{base}withdraw/", {"reason": "La demande n'a plus d'objet."}),
        "clarify": ("post", f"{base}clarify/", {"message": MESSAGE}),
        "assign": ("post", f"{base}assign/", {"liaison": "liaison-26"}),
        "request_clarification": ("post", f"{base}request-clarification/", {"message": MESSAGE}),
        "decide": ("post", f"{base}decide/", {"resolution": "redirected"}),
        "record_delivery": (
            "post",
            f"{base}record-delivery/",
            {"channel": "secure_phone", "delivered_on": str(today)},
        ),
        "extend": (
            "post",
            f"{base}extend/",
            {"new_due_date": str(_new_due(info_request)), "reason": "Avis du procureur attendu."},
        ),
    }
    return bodies.get(action, ("post", f"{base}{action.replace('_', '-')}/", {}))


def _rolled_back(function):
    """Runs `function` in a savepoint that is always rolled back; returns its outcome."""
    with transaction.atomic():
        try:
            return function()
        finally:
            transaction.set_rollback(True)


def _attempt(call) -> str:
    """What the service did: "done" (and recorded it), "repeat" (quietly nothing), or its
    refusal."""
    before = AuditEvent.objects.count()
    try:
        call()
    except ActionNotAllowed:
        return "not_allowed"
    except TransitionNotAllowed:
        return "conflict"
    except InvalidInput as exc:  # the walk's input is valid: this is a bug in the walk
        return f"invalid input {exc}"
    return "done" if AuditEvent.objects.count() > before else "repeat"


def _offered_on_the_page(client, info_request: InfoRequest) -> set[str]:
    """The actions the request's page offers: its action links and forms, the edit link."""
    response = client.get(reverse("request-detail", kwargs={"reference": info_request.reference}))
    if response.status_code == 404:
        return set()
    assert response.status_code == 200
    page = response.content.decode()
    offered = {
        spec.name
        for spec in WEB_ACTIONS.values()
        if re.search(
            r'(href|action)="'
            + re.escape(
                reverse(
                    "request-action",
                    kwargs={"reference": info_request.reference, "action": spec.slug},
                )
            )
            + '"',
            page,
        )
    }
    if reverse("request-edit", kwargs={"reference": info_request.reference}) in page:
        offered.add("update")
    return offered


@pytest.fixture(scope="module")
def _variants(shared_orgs, django_db_blocker) -> dict[str, int]:
    """One request of Montélimar in each status, built once for the module."""
    with django_db_blocker.unblock():
        return {
            name: request_in(status, shared_orgs.montelimar, **options).pk
            for name, (status, options) in VARIANTS.items()
        }


@pytest.fixture
def requests_by_variant(_variants, db):
    """The module's requests, read afresh for each test (whose changes are rolled back)."""
    found = InfoRequest.objects.in_bulk(_variants.values())
    return {name: found[pk] for name, pk in _variants.items()}


def _expected(actor, action: str, info_request: InfoRequest) -> str:
    """What the rules say the service does, in their own words."""
    if not rules.permitted(action, rules.facts_for(actor, info_request)):
        return "not_allowed"
    if rules.possible(action, info_request):
        return "done"
    if rules.already_done(action, info_request):
        return "repeat"
    return "conflict"


# One role per test, so that the walk spreads over the test processes.
@pytest.mark.parametrize("role", ROLES)
def test_services_web_and_api_agree_on_every_status_and_action(
    role, requests_by_variant, people, web, api
):
    actor = getattr(people, role)
    page_client, api_client = web(actor), api(actor)
    service_wrong, web_wrong, api_wrong = [], [], []
    for variant, info_request in requests_by_variant.items():
        done = set()
        for action in rules.ACTIONS:
            call = _service_call(action, info_request, actor, people)
            outcome = _rolled_back(lambda call=call: _attempt(call))
            expected = _expected(actor, action, info_request)
            if outcome != expected:
                service_wrong.append((variant, action, outcome, expected))
            if outcome == "done":
                done.add(action)
            if role in OUTSIDERS and variant != "submitted":
                continue

            method, path, body = _api_call(action, info_request)
            response = _rolled_back(
                lambda method=method, path=path, body=body: getattr(api_client, method)(
                    path, body, format="json"
                )
            )
            wanted = {"done": {200, 201}, "repeat": {200}, "conflict": {409}}.get(outcome, {404})
            if response.status_code not in wanted:
                api_wrong.append((variant, action, outcome, response.status_code))

        offered = _offered_on_the_page(page_client, info_request)
        if offered != done:
            web_wrong.append(
                (variant, "offered but refused / done but not offered", offered ^ done)
            )

        detail = api_client.get(f"/api/v1/requests/{info_request.reference}/")
        if role in OUTSIDERS and detail.status_code != 404:
            api_wrong.append((variant, "an outsider sees the request", detail.status_code))
        listed = set(detail.json()["allowed_actions"]) if detail.status_code == 200 else set()
        if listed != done:
            api_wrong.append((variant, "allowed_actions", detail.status_code, listed ^ done))

    assert service_wrong == []
    assert web_wrong == []
    assert api_wrong == []


# What each role of the request's own commune and prefecture may do, status by status.
NOTHING: set[str] = set()
EXPECTED = {
    "legal_officer": {
        "draft": {"update", "discard", "remind"},  # a draft they wrote
        "submitted": {"remind"},
        "acknowledged": {"remind"},
        "clarification_requested": {"clarify", "remind"},
        "decided_granted": {"remind"},
        "decided_refused": {"remind"},
        "delivered": {"remind"},
        "closed": NOTHING,
        "withdrawn": NOTHING,
        "withdrawn_draft": NOTHING,
        "discarded": NOTHING,
    },
    "mayor": {
        "draft": {"update", "sign", "send_back", "withdraw", "discard", "remind"},
        "submitted": {"withdraw", "remind"},
        "acknowledged": {"withdraw", "remind"},
        "clarification_requested": {"withdraw", "clarify", "remind"},
        "decided_granted": {"remind"},
        "decided_refused": {"remind"},
        "delivered": {"remind"},
        "closed": NOTHING,
        "withdrawn": NOTHING,
        "withdrawn_draft": NOTHING,
        "discarded": NOTHING,
    },
    "liaison": {
        "draft": NOTHING,  # not signed: the prefecture does not see it
        "submitted": {"acknowledge", "take", "extend", "add_note", "remind"},
        "acknowledged": {
            "take",
            "request_clarification",
            "decide",
            "extend",
            "add_note",
            "remind",
        },
        "clarification_requested": {"take", "add_note", "remind"},  # the clock is stopped
        "decided_granted": {"take", "record_delivery", "extend", "add_note", "remind"},
        "decided_refused": {"take", "close", "add_note", "remind"},
        "delivered": {"close", "add_note", "remind"},
        "closed": {"add_note"},
        "withdrawn": {"add_note"},
        "withdrawn_draft": NOTHING,
        "discarded": NOTHING,
    },
}
# The administrator does what a liaison does, and gives the request to a liaison from its
# signature until its decision; not once the answer is delivered.
ASSIGNABLE = {
    "submitted",
    "acknowledged",
    "clarification_requested",
    "decided_granted",
    "decided_refused",
}
EXPECTED["prefecture_admin"] = {
    variant: actions | {"assign"} if variant in ASSIGNABLE else actions
    for variant, actions in EXPECTED["liaison"].items()
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_what_each_role_may_do_in_each_status(role, requests_by_variant, people):
    actor = getattr(people, role)
    allowed = {
        variant: set(rules.allowed_actions(actor, info_request))
        for variant, info_request in requests_by_variant.items()
    }
    assert allowed == EXPECTED[role]


def test_a_signed_requests_actions_read_no_delegation_of_signature(orgs, people):
    """Only a draft's signature needs the legal officer's delegation of signature: the
    status rules it out first, without a query, on every other request."""
    officer = people.legal_officer
    for status, reads_the_delegation in ((Status.SUBMITTED, False), (Status.DRAFT, True)):
        info_request = request_in(status, orgs.montelimar)
        perms = perms_on(officer, info_request)
        with CaptureQueriesContext(connection) as queries:
            rules.allowed_actions(officer, info_request, perms)
        read = any("sharing_signaturedelegation" in query["sql"] for query in queries)
        assert read is reads_the_delegation, status
        assert len(queries) == (1 if reads_the_delegation else 0), status


def test_no_reassignment_once_the_answer_is_delivered(orgs, people, web, api):
    """The admin may give a request to a liaison while it is worked on, not afterwards: the
    API and the web both refuse with 409 and the page offers nothing of the kind."""
    info_request = request_in(Status.DELIVERED, orgs.montelimar)
    response = api(people.prefecture_admin).post(
        f"/api/v1/requests/{info_request.reference}/assign/",
        {"liaison": people.liaison.username},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["status"] == Status.DELIVERED
    page = web(people.prefecture_admin).post(
        reverse("request-action", kwargs={"reference": info_request.reference, "action": "assign"}),
        {"liaison": people.liaison.username},
    )
    assert page.status_code == 409
    assert InfoRequest.objects.get(pk=info_request.pk).assigned_to is None
    assert "assign" not in rules.allowed_actions(people.prefecture_admin, info_request)


def test_the_api_schema_documents_the_rules_and_allowed_actions(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assign = schema["paths"]["/api/v1/requests/{reference}/assign/"]["post"]
    assert "`prefecture_admin`" in assign["description"]
    assert "`delivered`" not in assign["description"]
    detail = schema["paths"]["/api/v1/requests/{reference}/"]["get"]["responses"]["200"]
    component = detail["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    allowed = schema["components"]["schemas"][component]["properties"]["allowed_actions"]
    enum = schema["components"]["schemas"][allowed["items"]["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert set(enum) == set(rules.ACTIONS)
