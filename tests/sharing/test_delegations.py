"""Delegation of signature: a mayor lets a member of the commune sign "pour le maire et par
délégation" for a period, under a delegation order; the receipt and the timeline say so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sharing import rules
from sharing.deadlines import years_after
from sharing.delegations import signature_delegation_create, signature_delegation_revoke
from sharing.exceptions import ActionNotAllowed, InvalidInput, PersonalDataRefused
from sharing.models import SignatureDelegation, Status
from sharing.services.drafting import info_request_send_back, info_request_sign
from tests.factories import draft, request_in
from tests.web.test_requests import pdf_text

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def delegate(people, orgs, *, starts_in=0, lasts=10, order="ARR-2026-045", deputy=None):
    today = timezone.localdate()
    return signature_delegation_create(
        actor=people.mayor,
        commune=orgs.montelimar,
        deputy=deputy or people.legal_officer,
        starts_on=today + timedelta(days=starts_in),
        ends_on=today + timedelta(days=starts_in + lasts),
        order_reference=order,
    )


def test_sign_refused_when_actor_is_legal_officer_without_delegation(orgs, people):
    info_request = draft(orgs.montelimar)
    assert "sign" not in rules.allowed_actions(people.legal_officer, info_request)
    with pytest.raises(ActionNotAllowed):
        info_request_sign(info_request=info_request, actor=people.legal_officer)


def test_deputy_signs_for_the_mayor_and_the_signature_records_the_delegation(orgs, people):
    delegation = delegate(people, orgs)
    info_request = draft(orgs.montelimar)
    allowed = rules.allowed_actions(people.legal_officer, info_request)
    assert {"sign", "send_back"} <= set(allowed)
    assert "withdraw" not in allowed  # the delegation is of signature, nothing more

    signed = info_request_sign(info_request=info_request, actor=people.legal_officer)

    assert signed.status == Status.SUBMITTED
    assert signed.signed_by == people.legal_officer
    assert signed.signature_delegation == delegation
    event = AuditEvent.objects.get(action="request.signed", target_ref=signed.reference)
    assert event.details["delegation_order"] == "ARR-2026-045"
    assert event.details["delegation"] == delegation.pk


def test_mayor_signature_records_no_delegation(orgs, people):
    delegate(people, orgs)
    signed = info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    assert signed.signature_delegation is None
    event = AuditEvent.objects.get(action="request.signed", target_ref=signed.reference)
    assert "delegation_order" not in event.details


def test_deputy_may_send_back_and_the_remark_records_the_capacity(orgs, people):
    delegate(people, orgs)
    info_request = draft(orgs.montelimar)
    info_request_send_back(
        info_request=info_request, actor=people.legal_officer, remark="Préciser le cadre."
    )
    event = AuditEvent.objects.get(action="request.sent_back", target_ref=info_request.reference)
    assert event.details["delegation_order"] == "ARR-2026-045"


def test_expired_delegation_stops_working(orgs, people, travel):
    delegate(people, orgs, lasts=3)
    info_request = draft(orgs.montelimar)
    travel(days=4)
    assert "sign" not in rules.allowed_actions(people.legal_officer, info_request)
    with pytest.raises(ActionNotAllowed):
        info_request_sign(info_request=info_request, actor=people.legal_officer)


def test_delegation_works_on_its_last_day(orgs, people, travel):
    delegate(people, orgs, lasts=3)
    travel(days=3)
    signed = info_request_sign(info_request=draft(orgs.montelimar), actor=people.legal_officer)
    assert signed.signature_delegation is not None


def test_delegation_not_yet_started_does_not_work(orgs, people):
    delegate(people, orgs, starts_in=2)
    with pytest.raises(ActionNotAllowed):
        info_request_sign(info_request=draft(orgs.montelimar), actor=people.legal_officer)


def test_revoked_delegation_stops_working_and_the_revocation_is_audited(orgs, people):
    delegation = delegate(people, orgs)
    signature_delegation_revoke(actor=people.mayor, delegation=delegation)
    with pytest.raises(ActionNotAllowed):
        info_request_sign(info_request=draft(orgs.montelimar), actor=people.legal_officer)
    assert AuditEvent.objects.filter(
        action="delegation.revoked", details__delegation=delegation.pk
    ).exists()


def test_delegation_is_for_its_own_commune_only(orgs, people):
    delegate(people, orgs)
    with pytest.raises(InvalidInput) as refused:
        delegate(people, orgs, deputy=people.legal_officer_valence)
    assert refused.value.errors["deputy"].code == "not_a_deputy"
    other = draft(orgs.valence)
    with pytest.raises(ActionNotAllowed):
        info_request_sign(info_request=other, actor=people.legal_officer)


def test_only_the_communes_mayor_delegates_or_revokes(orgs, people):
    with pytest.raises(ActionNotAllowed):
        signature_delegation_create(
            actor=people.mayor_valence,
            commune=orgs.montelimar,
            deputy=people.legal_officer,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            order_reference="2026-1",
        )
    delegation = delegate(people, orgs)
    with pytest.raises(ActionNotAllowed):
        signature_delegation_revoke(actor=people.legal_officer, delegation=delegation)


@pytest.mark.parametrize(
    ("order", "refusal"),
    [
        ("Arrêté du maire", "delegation_order_shape"),
        ("", "required"),
        ("2026", "delegation_order_shape"),
        ("HADDAD-2026-0403", "delegation_order_shape"),  # a surname as its prefix
        ("karim/2026/12", "delegation_order_shape"),
    ],
)
def test_order_reference_shape_is_checked(orgs, people, order, refusal):
    with pytest.raises(InvalidInput) as refused:
        delegate(people, orgs, order=order)
    assert refused.value.errors["order_reference"].code == refusal
    assert not SignatureDelegation.objects.exists()


def test_order_reference_is_screened_for_personal_data(orgs, people):
    with pytest.raises(PersonalDataRefused):
        delegate(people, orgs, order="2 91 07 13 055 348 91")
    assert not SignatureDelegation.objects.exists()


def test_period_ending_before_it_starts_is_refused(orgs, people):
    with pytest.raises(InvalidInput) as refused:
        delegate(people, orgs, lasts=-1)
    assert refused.value.errors["ends_on"].code == "delegation_period"


def test_a_delegation_ends_at_the_latest_six_years_from_today(orgs, people):
    today = timezone.localdate()
    last_day = (years_after(today, 6) - today).days
    assert delegate(people, orgs, lasts=last_day).ends_on == years_after(today, 6)
    with pytest.raises(InvalidInput) as refused:
        delegate(people, orgs, lasts=last_day + 1)
    assert refused.value.errors["ends_on"].code == "delegation_too_far"
    assert SignatureDelegation.objects.count() == 1


def test_a_second_delegation_to_the_same_person_over_the_same_days_is_refused(orgs, people):
    first = delegate(people, orgs, lasts=10)
    with pytest.raises(InvalidInput) as refused:
        delegate(people, orgs, starts_in=10, lasts=5, order="ARR-2026-046")
    assert refused.value.errors["starts_on"].code == "delegation_overlaps"
    assert delegate(people, orgs, starts_in=11, lasts=5, order="ARR-2026-047").pk != first.pk
    signature_delegation_revoke(actor=people.mayor, delegation=first)
    assert delegate(people, orgs, lasts=3, order="ARR-2026-048").pk != first.pk  # once revoked
    assert SignatureDelegation.objects.count() == 3


# --- the web --------------------------------------------------------------------------------


def test_mayor_creates_lists_and_revokes_on_the_page(orgs, people):
    mayor = client_for(people.mayor)
    today = timezone.localdate()
    response = mayor.post(
        reverse("delegations"),
        {
            "deputy": str(people.legal_officer.pk),
            "order_reference": "am/2026/12",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    delegation = SignatureDelegation.objects.get()
    assert delegation.order_reference == "AM/2026/12"
    assert AuditEvent.objects.filter(action="delegation.created").exists()
    page = mayor.get(reverse("delegations")).content.decode()
    assert "AM/2026/12" in page
    assert people.legal_officer.display_name in page

    response = mayor.post(reverse("delegation-revoke", args=[delegation.pk]))
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_page_refuses_a_bad_order_with_a_field_error(orgs, people):
    today = timezone.localdate()
    response = client_for(people.mayor).post(
        reverse("delegations"),
        {
            "deputy": str(people.legal_officer.pk),
            "order_reference": "du 3 mai",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "2026-045" in response.content.decode()
    assert not SignatureDelegation.objects.exists()


def test_page_refuses_an_end_in_year_9999_with_a_field_error(orgs, people):
    response = client_for(people.mayor).post(
        reverse("delegations"),
        {
            "deputy": str(people.legal_officer.pk),
            "order_reference": "ARR-2026-045",
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": "9999-12-31",
        },
    )
    assert response.status_code == 400
    assert "mandat municipal" in response.content.decode()
    assert not SignatureDelegation.objects.exists()


def test_page_and_revocation_are_not_found_for_anyone_but_the_mayor(orgs, people):
    delegation = delegate(people, orgs)
    for user in (people.legal_officer, people.liaison, people.mayor_valence):
        client = client_for(user)
        if user != people.mayor_valence:
            assert client.get(reverse("delegations")).status_code == 404
        response = client.post(reverse("delegation-revoke", args=[delegation.pk]))
        assert response.status_code == 404
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_receipt_and_timeline_say_pour_le_maire_et_par_delegation(orgs, people):
    people.legal_officer.first_name, people.legal_officer.last_name = "Claire", "Adjointe"
    people.legal_officer.save()
    delegate(people, orgs)
    signed = info_request_sign(info_request=draft(orgs.montelimar), actor=people.legal_officer)
    mayor = client_for(people.mayor)
    response = mayor.get(reverse("request-receipt", kwargs={"reference": signed.reference}))
    text = " ".join(pdf_text(response.content).split())
    assert "Pour le maire et par délégation, Claire Adjointe" in text
    assert "ARR-2026-045" in text
    page = mayor.get(reverse("request-detail", kwargs={"reference": signed.reference}))
    assert "Pour le maire et par délégation (arrêté de délégation n° ARR-2026-045)" in (
        page.content.decode()
    )


def test_receipt_of_the_mayors_signature_names_the_mayor(orgs, people):
    signed = request_in(Status.SUBMITTED, orgs.montelimar)
    response = client_for(people.mayor).get(
        reverse("request-receipt", kwargs={"reference": signed.reference})
    )
    text = " ".join(pdf_text(response.content).split())
    assert "Le maire de la commune." in text
    assert "par délégation" not in text


def test_the_api_documents_who_may_sign():
    text = rules.describe("sign")
    assert "`legal_officer`, `mayor`" in text
    assert "holds_signature_delegation" in text


def test_the_deputys_request_page_offers_signing_only_during_the_delegation(orgs, people, travel):
    info_request = draft(orgs.montelimar)
    sign_url = reverse(
        "request-action", kwargs={"reference": info_request.reference, "action": "sign"}
    )
    detail = reverse("request-detail", kwargs={"reference": info_request.reference})
    deputy = client_for(people.legal_officer)
    assert sign_url not in deputy.get(detail).content.decode()
    delegate(people, orgs, lasts=1)
    assert sign_url in deputy.get(detail).content.decode()
    travel(days=2)
    assert sign_url not in deputy.get(detail).content.decode()
