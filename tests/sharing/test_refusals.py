"""Refused input carries a code per field; its words come from the catalogues: the page's
language on the web, English on the API, whatever the words."""

import pytest
from django.urls import reverse
from django.utils.translation import override

from sharing.exceptions import REFUSALS, InvalidInput, Refusal
from sharing.models import Resolution, Status
from sharing.services.handling import info_request_decide
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def test_every_refusal_code_has_french_and_english_words():
    for code in REFUSALS:
        params = {"max_length": 10, "max": 10, "value": "x"}
        with override("fr"):
            french = str(Refusal(code, params))
        with override("en"):
            english = str(Refusal(code, params))
        assert french, code
        assert english not in {"", french}, code


def test_an_unknown_code_is_a_mistake_of_the_code_not_a_message():
    with pytest.raises(ValueError, match="unknown refusal code"):
        InvalidInput({"reason_code": "A refusal needs a reason code."})


def test_the_service_refuses_with_a_code(orgs, people):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    with pytest.raises(InvalidInput) as caught:
        info_request_decide(
            info_request=info_request, actor=people.liaison, resolution=Resolution.REFUSED
        )
    assert caught.value.errors["reason_code"].code == "reason_code_required"


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", "Un refus doit indiquer un motif."), ("en", "A refusal needs a reason.")],
)
def test_the_web_says_the_refusal_in_the_page_language(orgs, people, client, language, words):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client.force_login(people.liaison)
    response = client.post(
        reverse("request-action", kwargs={"reference": info_request.reference, "action": "decide"}),
        {
            "resolution": Resolution.REFUSED,
            "reason_code": "",
            "procureur_agreement": "not_required",
            "intelligence_agreement": "not_required",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert words in response.content.decode()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_api_says_the_refusal_in_english(orgs, people, api, language):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    response = api(people.liaison).post(
        f"/api/v1/requests/{info_request.reference}/extend/",
        {"new_due_date": "2020-01-01", "reason": "Avis du procureur attendu."},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json() == {"new_due_date": ["An extension cannot bring the deadline forward."]}
