"""Lifecycle actions through the web pages: each role's buttons, refusals shown next to the
field, forbidden transitions answered 409 with the request's page, never a 500."""

import datetime
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sharing.models import InfoRequest, Resolution, Status
from tests.factories import draft, request_in
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def action(info_request: InfoRequest, name: str) -> str:
    return reverse("request-action", kwargs={"reference": info_request.reference, "action": name})


def detail(info_request: InfoRequest) -> str:
    return reverse("request-detail", kwargs={"reference": info_request.reference})


def status_of(info_request: InfoRequest) -> str:
    return InfoRequest.objects.get(pk=info_request.pk).status


def test_the_whole_lifecycle_through_the_web(web, orgs, people):
    """Legal officer drafts, mayor signs, the admin assigns, the liaison works it to the end."""
    info_request = draft(orgs.montelimar, actor=people.legal_officer)
    mayor, liaison, admin = web(people.mayor), web(people.liaison), web(people.prefecture_admin)

    assert "Signer et transmettre" in mayor.get(detail(info_request)).content.decode()
    assert mayor.post(action(info_request, "sign")).status_code == 302
    assert status_of(info_request) == Status.SUBMITTED

    response = admin.post(action(info_request, "assign"), {"liaison": people.liaison.username})
    assert response.status_code == 302
    assert InfoRequest.objects.get(pk=info_request.pk).assigned_to == people.liaison

    assert liaison.post(action(info_request, "acknowledge")).status_code == 302
    assert status_of(info_request) == Status.ACKNOWLEDGED

    response = liaison.post(
        action(info_request, "request-clarification"),
        {"message": "Merci de préciser le périmètre géographique."},
    )
    assert response.status_code == 302
    assert status_of(info_request) == Status.CLARIFICATION_REQUESTED

    response = web(people.legal_officer).post(
        action(info_request, "clarify"), {"message": "Le périmètre est le quartier nord."}
    )
    assert response.status_code == 302
    assert status_of(info_request) == Status.ACKNOWLEDGED

    response = liaison.post(
        action(info_request, "decide"),
        {
            "resolution": Resolution.GRANTED,
            "reason_code": "",
            "procureur_agreement": "agreed",
            "intelligence_agreement": "agreed",
            "remarks": "",
        },
    )
    assert response.status_code == 302
    assert status_of(info_request) == Status.DECIDED

    response = liaison.post(
        action(info_request, "record-delivery"),
        {"channel": "bilateral_meeting", "delivered_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert status_of(info_request) == Status.DELIVERED

    assert liaison.post(action(info_request, "close")).status_code == 302
    assert status_of(info_request) == Status.CLOSED

    page = web(people.legal_officer).get(detail(info_request)).content.decode()
    for label in ("Signée et transmise", "Précisions apportées", "Décision enregistrée", "Close"):
        assert label in page
    actions = list(
        AuditEvent.objects.filter(target_ref=info_request.reference)
        .exclude(action="request.viewed")
        .values_list("action", flat=True)
    )
    assert "request.delivery_recorded" in actions


def test_the_legal_officer_cannot_sign_and_gets_a_404(web, orgs, people):
    info_request = draft(orgs.montelimar)
    client = web(people.legal_officer)
    assert "Signer et transmettre" not in client.get(detail(info_request)).content.decode()
    assert client.post(action(info_request, "sign")).status_code == 404
    assert status_of(info_request) == Status.DRAFT


def test_a_commune_cannot_act_for_the_prefecture(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    for name in ("acknowledge", "decide", "close", "extend", "assign", "request-clarification"):
        assert web(people.mayor).post(action(info_request, name)).status_code == 404, name
    assert status_of(info_request) == Status.SUBMITTED


def test_a_liaison_cannot_assign(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.liaison).post(
        action(info_request, "assign"), {"liaison": people.liaison.username}
    )
    assert response.status_code == 404


def test_an_unknown_action_is_a_404(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    assert web(people.liaison).post(action(info_request, "explode")).status_code == 404


def test_a_forbidden_transition_shows_the_request_with_a_409(web, orgs, people):
    info_request = request_in(Status.CLOSED, orgs.montelimar)
    response = web(people.liaison).post(action(info_request, "acknowledge"))
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert "Cette action n'est pas possible maintenant" in html
    assert info_request.reference in html


def test_opening_an_action_that_is_no_longer_possible_answers_409(web, orgs, people):
    info_request = request_in(Status.DECIDED, orgs.montelimar, resolution=Resolution.REFUSED)
    assert web(people.liaison).get(action(info_request, "decide")).status_code == 409


def test_acknowledging_twice_is_harmless(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(people.liaison)
    assert client.post(action(info_request, "acknowledge")).status_code == 302
    assert client.post(action(info_request, "acknowledge")).status_code == 302
    assert status_of(info_request) == Status.ACKNOWLEDGED


def test_a_refusal_without_reason_code_is_an_error_next_to_the_field(web, orgs, people):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    remarks = "Réponse apportée oralement en CLSPD."
    response = web(people.liaison).post(
        action(info_request, "decide"),
        {
            "resolution": Resolution.REFUSED,
            "reason_code": "",
            "procureur_agreement": "not_required",
            "intelligence_agreement": "not_required",
            "remarks": remarks,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Un refus doit indiquer un motif." in html
    assert "fr-select-group--error" in html
    assert remarks in html
    assert status_of(info_request) == Status.ACKNOWLEDGED


def test_personal_data_in_a_clarification_is_refused_and_kept_for_rewording(web, orgs, people):
    info_request = request_in(Status.CLARIFICATION_REQUESTED, orgs.montelimar)
    response = web(people.legal_officer).post(
        action(info_request, "clarify"),
        {"message": "Il s'agit de M. Dupont, joignable au 06 12 34 56 78."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "un numéro de téléphone" in html
    assert '<mark title="un numéro de téléphone">06 12 34 56 78</mark>' in html
    assert status_of(info_request) == Status.CLARIFICATION_REQUESTED
    assert not info_request.messages.filter(text__contains="06 12").exists()


def test_a_delivery_in_the_future_is_refused_next_to_the_date(web, orgs, people):
    info_request = request_in(Status.DECIDED, orgs.montelimar)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = web(people.liaison).post(
        action(info_request, "record-delivery"),
        {"channel": "secure_phone", "delivered_on": tomorrow.isoformat()},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "La date de remise ne peut pas être dans le futur." in html
    assert f'value="{tomorrow.isoformat()}"' in html


def test_an_extension_records_the_new_date_and_reason(web, orgs, people):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    new_date = info_request.decision_due + datetime.timedelta(days=15)
    response = web(people.liaison).post(
        action(info_request, "extend"),
        {"new_due_date": new_date.isoformat(), "reason": "Attente de l'avis du procureur."},
    )
    assert response.status_code == 302
    assert InfoRequest.objects.get(pk=info_request.pk).decision_due == new_date
    assert "Attente de l" in web(people.legal_officer).get(detail(info_request)).content.decode()


def test_the_mayor_withdraws_with_a_reason(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.mayor).post(
        action(info_request, "withdraw"), {"reason": "Information obtenue en séance du CLSPD."}
    )
    assert response.status_code == 302
    assert status_of(info_request) == Status.WITHDRAWN


def test_an_empty_required_field_is_a_form_error_not_a_500(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.mayor).post(action(info_request, "withdraw"), {"reason": ""})
    assert response.status_code == 400
    assert "fr-input-group--error" in response.content.decode()


def test_remind_me_creates_a_personal_reminder(web, orgs, people):
    from sharing.models import Reminder

    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(people.legal_officer)
    assert "Me le rappeler" in client.get(detail(info_request)).content.decode()
    day = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(action(info_request, "remind"), {"remind_on": day.isoformat()})
    assert response.status_code == 302
    reminder = Reminder.objects.get(
        user=people.legal_officer, info_request=info_request, kind="personal"
    )
    assert reminder.due_on == day
    page = client.get(detail(info_request)).content.decode()
    assert "Vos rappels" in page
    response = client.post(
        action(info_request, "remind"),
        {"remind_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 400
    assert "dans le passé" in response.content.decode()


def test_the_audit_log_records_a_denied_action(web, orgs, people):
    info_request = draft(orgs.montelimar)
    web(people.liaison62).post(action(info_request, "sign"))
    denied = last_event("request.not_found", actor_username=people.liaison62.username)
    assert denied.details["endpoint"] == "web:request-action"


# --- the mayor sends a draft back with a remark ---------------------------------------------

REMARK = "Préciser la base légale retenue."


def test_the_mayor_sends_a_draft_back_and_the_legal_officer_sees_it_until_editing(
    web, orgs, people
):
    info_request = draft(orgs.montelimar, actor=people.legal_officer)
    mayor, officer = web(people.mayor), web(people.legal_officer)
    page = mayor.get(detail(info_request)).content.decode()
    assert "Renvoyer au juriste" in page
    assert mayor.get(action(info_request, "send-back")).status_code == 200

    response = mayor.post(action(info_request, "send-back"), {"remark": REMARK})

    assert response.status_code == 302
    assert status_of(info_request) == Status.DRAFT
    page = unescape(officer.get(detail(info_request)).content.decode())
    assert REMARK in page
    assert "Renvoyé par le maire" in page
    listing = officer.get(reverse("requests")).content.decode()
    assert "Renvoyé par le maire" in listing

    response = officer.post(
        reverse("request-edit", kwargs={"reference": info_request.reference}),
        {
            "category": info_request.category_id,
            "legal_basis": info_request.legal_basis_id,
            "purpose": info_request.purpose + " Base légale précisée.",
            "urgency": "normal",
            "secure_channel_ref": "",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert "Renvoyé par le maire" not in officer.get(reverse("requests")).content.decode()
    page = unescape(officer.get(detail(info_request)).content.decode())
    assert "Renvoyé par le maire" not in page
    assert REMARK in page  # kept as history, marked as dealt with


@pytest.mark.parametrize("role", ["legal_officer", "mayor_valence", "liaison"])
def test_only_the_communes_mayor_may_send_back(web, orgs, people, role):
    info_request = draft(orgs.montelimar)
    client = web(getattr(people, role))
    assert "Renvoyer au juriste" not in client.get(detail(info_request)).content.decode()
    assert client.get(action(info_request, "send-back")).status_code == 404
    assert client.post(action(info_request, "send-back"), {"remark": REMARK}).status_code == 404


def test_the_prefecture_never_sees_the_mayors_remarks(web, orgs, people):
    info_request = draft(orgs.montelimar)
    web(people.mayor).post(action(info_request, "send-back"), {"remark": REMARK})
    web(people.mayor).post(action(info_request, "sign"))
    page = unescape(web(people.liaison).get(detail(info_request)).content.decode())
    assert status_of(info_request) == Status.SUBMITTED
    assert REMARK not in page
    assert "Remarques du maire" not in page


def test_a_remark_with_personal_data_is_refused_and_kept_for_rewording(web, orgs, people):
    info_request = draft(orgs.montelimar)
    response = web(people.mayor).post(
        action(info_request, "send-back"), {"remark": "Voir avec M. Dupont au 06 12 34 56 78."}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "un numéro de téléphone" in html
    assert '<mark title="un numéro de téléphone">06 12 34 56 78</mark>' in html


def test_sending_back_a_signed_request_answers_409(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.mayor).post(action(info_request, "send-back"), {"remark": REMARK})
    assert response.status_code == 409
