"""The legal frame's rules on categories: a category that needs prior agreements (of the
procureur, of the intelligence services) is granted only once both were given."""

import pytest

from sharing.exceptions import InvalidInput
from sharing.models import AgreementStatus, Category, Resolution, Status
from sharing.services.handling import info_request_decide
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

SENSITIVE = "municipal-employee-sensitive-post"


def acknowledged(orgs):
    return request_in(Status.ACKNOWLEDGED, orgs.montelimar, category_code=SENSITIVE)


def test_the_legal_frame_marks_the_sensitive_post_category():
    sensitive = Category.objects.get(code=SENSITIVE)
    assert sensitive.requires_procureur_agreement
    assert sensitive.requires_intelligence_agreement
    assert not Category.objects.get(code="general-threat-briefing").requires_procureur_agreement


@pytest.mark.parametrize(
    ("procureur", "intelligence", "refused"),
    [
        (None, None, {"procureur_agreement", "intelligence_agreement"}),
        (AgreementStatus.NOT_REQUIRED, AgreementStatus.AGREED, {"procureur_agreement"}),
        (AgreementStatus.AGREED, AgreementStatus.PENDING, {"intelligence_agreement"}),
    ],
)
def test_granting_without_the_required_agreements_is_refused(
    orgs, people, procureur, intelligence, refused
):
    info_request = acknowledged(orgs)
    with pytest.raises(InvalidInput) as caught:
        info_request_decide(
            info_request=info_request,
            actor=people.liaison,
            resolution=Resolution.GRANTED,
            procureur_agreement=procureur,
            intelligence_agreement=intelligence,
        )
    assert set(caught.value.errors) == refused
    info_request.refresh_from_db()
    assert info_request.status == Status.ACKNOWLEDGED


def test_granting_with_both_agreements_given_and_refusing_without_them_are_allowed(orgs, people):
    granted = info_request_decide(
        info_request=acknowledged(orgs),
        actor=people.liaison,
        resolution=Resolution.GRANTED,
        procureur_agreement=AgreementStatus.AGREED,
        intelligence_agreement=AgreementStatus.AGREED,
    )
    assert granted.status == Status.DECIDED
    refused = info_request_decide(
        info_request=acknowledged(orgs),
        actor=people.liaison,
        resolution=Resolution.REFUSED,
        reason_code="no_legal_basis",
    )
    assert refused.status == Status.DECIDED


def test_the_decide_page_shows_the_refusal_next_to_the_agreement(orgs, people, client):
    info_request = acknowledged(orgs)
    client.force_login(people.liaison)
    response = client.post(
        f"/demandes/{info_request.reference}/decide/",
        {
            "resolution": Resolution.GRANTED,
            "procureur_agreement": AgreementStatus.NOT_REQUIRED,
            "intelligence_agreement": AgreementStatus.AGREED,
        },
    )
    assert response.status_code == 400
    assert "Cette catégorie exige cet accord préalable" in response.content.decode()
