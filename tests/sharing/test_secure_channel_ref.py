"""The secure-channel reference has the shape of a channel reference (letters, year, number):
it cannot carry a name, a date of birth or a NIR. The database checks the same shape."""

import pytest
from django.db import IntegrityError, transaction

from sharing.exceptions import InvalidInput, PersonalDataRefused
from sharing.models import InfoRequest
from tests.factories import draft

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


@pytest.mark.parametrize(
    "reference",
    ["BR-2026-0141", "DEMO-BR-2026-0101", "CAB/2026/12", "CS-2026-1", "A/B/C-2031-999999"],
)
def test_channel_references_are_accepted(orgs, legal_officer, reference):
    info_request = draft(orgs.montelimar, actor=legal_officer, secure_channel_ref=reference)
    assert InfoRequest.objects.get(pk=info_request.pk).secure_channel_ref == reference


@pytest.mark.parametrize(
    "reference",
    [
        "DUPONT-JEAN",
        "JEAN-DUPONT-1985",
        "MARTIN-2026",
        "MARTIN-2026-12",  # a surname as the letters
        "BR-DUPONT-01",
        "br-2026-0141",
        "BR 2026 0141",
        "2026/0141",  # no letters
        "CS-26-12/3",  # no year
        "LS-20260141",
        "BR-1985-0312",  # a year of birth and a day
        "BR-2026-185037512345678",  # a NIR's digits as the number
        "1850375123456-78",
        "BR-2026-0141-12",
    ],
)
def test_anything_but_a_channel_reference_is_refused_and_nothing_is_saved(
    orgs, legal_officer, reference
):
    with pytest.raises((InvalidInput, PersonalDataRefused)) as refused:
        draft(orgs.montelimar, actor=legal_officer, secure_channel_ref=reference)
    error = refused.value
    fields = set(error.errors) if isinstance(error, InvalidInput) else {error.field}
    assert fields == {"secure_channel_ref"}
    assert reference not in str(error)
    assert not InfoRequest.objects.exists()


def test_api_names_the_field_and_does_not_echo_the_value(orgs, legal_officer, api):
    response = api(legal_officer).post(
        "/api/v1/requests/",
        {
            "category": "general-threat-briefing",
            "legal_basis": "instruction-intk1826096j",
            "purpose": "Point général sur l'état de la menace dans la commune.",
            "secure_channel_ref": "JEAN-DUPONT-1985",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["secure_channel_ref"]
    assert "DUPONT" not in response.content.decode()
    assert not InfoRequest.objects.exists()


@pytest.mark.parametrize("reference", ["JEAN-DUPONT-1985", "1850375123456", "br-2026-0141"])
def test_the_database_refuses_a_reference_of_another_shape_written_around_the_services(
    orgs, legal_officer, reference
):
    info_request = draft(orgs.montelimar, actor=legal_officer, secure_channel_ref="BR-2026-0141")
    with pytest.raises(IntegrityError), transaction.atomic():
        InfoRequest.objects.filter(pk=info_request.pk).update(secure_channel_ref=reference)
    assert InfoRequest.objects.get(pk=info_request.pk).secure_channel_ref == "BR-2026-0141"
