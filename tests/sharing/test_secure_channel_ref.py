"""The secure-channel reference is opaque: it cannot carry a name."""

import pytest

from sharing.exceptions import InvalidInput
from sharing.models import InfoRequest
from tests.factories import draft

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "reference", ["BR-2026-0141", "DEMO-BR-2026-0101", "2026/0141", "CS-26-12/3", "LS-20260141"]
)
def test_opaque_references_are_accepted(orgs, legal_officer, reference):
    info_request = draft(orgs.montelimar, actor=legal_officer, secure_channel_ref=reference)
    assert InfoRequest.objects.get(pk=info_request.pk).secure_channel_ref == reference


@pytest.mark.parametrize(
    "reference",
    ["DUPONT-JEAN", "JEAN-DUPONT-1985", "MARTIN-2026", "BR-DUPONT-01", "br-2026-0141", "BR 2026"],
)
def test_references_that_could_spell_a_name_are_refused_and_nothing_is_saved(
    orgs, legal_officer, reference
):
    with pytest.raises(InvalidInput) as refused:
        draft(orgs.montelimar, actor=legal_officer, secure_channel_ref=reference)
    assert set(refused.value.errors) == {"secure_channel_ref"}
    assert reference not in str(refused.value)
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
