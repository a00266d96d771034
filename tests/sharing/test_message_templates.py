"""A prefecture's reusable wordings: its admin manages them (screened, audited); its liaisons
pick one to prefill a clarification request or a decision's remarks."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from sharing.exceptions import ActionNotAllowed, InvalidInput, PersonalDataRefused
from sharing.message_templates import (
    message_template_create,
    message_template_delete,
    message_template_update,
    templates_for,
)
from sharing.models import MessageTemplate, Status
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

WORDING = "Merci de préciser le périmètre géographique et la période visée par la demande."


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def create(people, orgs, *, kind="clarification", text=WORDING, actor=None):
    return message_template_create(
        actor=actor or people.prefecture_admin,
        prefecture=orgs.pref26,
        kind=kind,
        title="Périmètre",
        text=text,
    )


def test_admin_creates_edits_and_deletes_each_audited(orgs, people):
    template = create(people, orgs)
    message_template_update(
        actor=people.prefecture_admin,
        template=template,
        kind="clarification",
        title="Périmètre et période",
        text=WORDING,
    )
    template.refresh_from_db()
    assert template.title == "Périmètre et période"
    message_template_delete(actor=people.prefecture_admin, template=template)
    assert not MessageTemplate.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="template.").values_list("action", flat=True)
    )
    assert actions == ["template.created", "template.updated", "template.deleted"]


def test_template_with_personal_data_is_refused(orgs, people):
    with pytest.raises(PersonalDataRefused):
        create(people, orgs, text="Précisez la situation de M. Jean Dupont, né le 12/03/1985.")
    assert not MessageTemplate.objects.exists()


def test_decision_template_must_fit_the_remarks_field(orgs, people):
    with pytest.raises(InvalidInput) as refused:
        create(people, orgs, kind="decision", text="Motif. " * 80)
    assert refused.value.errors["text"].code == "too_long"


def test_only_the_prefectures_admin_manages_templates(orgs, people):
    with pytest.raises(ActionNotAllowed):
        create(people, orgs, actor=people.liaison)
    template = create(people, orgs)
    with pytest.raises(ActionNotAllowed):
        message_template_delete(actor=people.liaison62, template=template)


def test_templates_are_read_by_their_own_prefecture_only(orgs, people):
    create(people, orgs)
    assert templates_for(user=people.liaison, prefecture_id=orgs.pref26.pk).count() == 1
    assert not templates_for(user=people.liaison62, prefecture_id=orgs.pref26.pk).exists()
    assert not templates_for(user=people.mayor, prefecture_id=orgs.pref26.pk).exists()


def test_liaison_picks_a_template_to_prefill_the_clarification(orgs, people):
    template = create(people, orgs)
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    url = reverse(
        "request-action",
        kwargs={"reference": info_request.reference, "action": "request-clarification"},
    )
    client = client_for(people.liaison)
    page = client.get(url).content.decode()
    assert 'id="template-picker"' in page
    assert WORDING not in page
    page = client.get(url, {"template": template.pk}).content.decode()
    assert f"{WORDING}</textarea>" in page
    assert client.get(url, {"template": "x"}).status_code == 200


def test_decision_page_offers_decision_templates_only(orgs, people):
    create(people, orgs)
    decision = create(people, orgs, kind="decision", text="Information transmise en réunion.")
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    url = reverse(
        "request-action", kwargs={"reference": info_request.reference, "action": "decide"}
    )
    page = client_for(people.liaison).get(url, {"template": decision.pk}).content.decode()
    assert "Information transmise en réunion.</textarea>" in page
    assert WORDING not in page


def test_admin_page_creates_edits_and_deletes(orgs, people):
    client = client_for(people.prefecture_admin)
    response = client.post(
        reverse("message-templates"),
        {"kind": "clarification", "title": "Périmètre", "text": WORDING},
    )
    assert response.status_code == 302
    template = MessageTemplate.objects.get()
    response = client.post(
        reverse("message-template-edit", args=[template.pk]),
        {"kind": "clarification", "title": "Période", "text": WORDING},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "Période"
    response = client.post(
        reverse("message-templates"),
        {
            "kind": "clarification",
            "title": "Cas",
            "text": "Le cas de Jean Dupont, né le 12/03/1985.",
        },
    )
    assert response.status_code == 400
    assert "semble contenir" in response.content.decode()
    assert client.post(reverse("message-template-delete", args=[template.pk])).status_code == 302
    assert not MessageTemplate.objects.exists()


def test_admin_pages_are_not_found_for_others(orgs, people):
    template = create(people, orgs)
    assert client_for(people.liaison).get(reverse("message-templates")).status_code == 404
    other_admin = client_for(people.liaison62)
    assert other_admin.get(reverse("message-template-edit", args=[template.pk])).status_code == 404
    response = other_admin.post(reverse("message-template-delete", args=[template.pk]))
    assert response.status_code == 404
    assert MessageTemplate.objects.exists()
