"""Category rules where people meet them: the draft form offers the legal bases of the chosen
category (a static script reads the page's map; without it the server refuses, next to the
field), and granting a category that needs prior agreements left at "Non requis" is refused
with a field error on the web and in the API."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from sharing.models import AgreementStatus, Category, InfoRequest, Resolution, Status
from tests.factories import request_in
from tests.sharing.test_api import url

SHARED_PEOPLE = True  # see tests/conftest.py

pytestmark = pytest.mark.django_db

SENSITIVE = "municipal-employee-sensitive-post"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


def test_draft_form_carries_each_categorys_legal_bases_and_the_static_script(people):
    html = client_for(people.legal_officer).get(reverse("request-create")).content.decode()
    found = re.search(
        r'<script id="relais-bases-by-category" type="application/json">(.*?)</script>', html
    )
    bases = json.loads(found.group(1))
    for category in Category.objects.filter(active=True):
        expected = sorted(category.legal_bases.values_list("pk", flat=True))
        assert bases[str(category.pk)] == expected
    assert any(bases.values()), "the legal frame narrows at least one category"
    assert re.search(r'<script src="[^"]*relais/legal-basis-filter\.js" nonce="[^"]+"', html)


def test_the_filter_script_is_served_as_a_static_file():
    from django.contrib.staticfiles import finders

    path = finders.find("relais/legal-basis-filter.js")
    assert path is not None
    with open(path, encoding="utf-8") as script:
        assert "relais-bases-by-category" in script.read()


@pytest.mark.parametrize("resolution", [Resolution.GRANTED, Resolution.PARTIALLY_GRANTED])
def test_api_refuses_granting_with_agreements_left_not_required(api, orgs, people, resolution):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar, category_code=SENSITIVE)
    payload = {
        "resolution": resolution,
        "procureur_agreement": AgreementStatus.NOT_REQUIRED,
        "intelligence_agreement": AgreementStatus.NOT_REQUIRED,
    }
    if resolution == Resolution.PARTIALLY_GRANTED:
        payload["reason_code"] = "no_legal_basis"
    response = api(people.liaison).post(
        url(info_request.reference, "decide"), payload, format="json"
    )
    assert response.status_code == 400
    body = json.dumps(response.json())
    assert "procureur_agreement" in body
    assert "intelligence_agreement" in body
    assert InfoRequest.objects.get(pk=info_request.pk).status == Status.ACKNOWLEDGED


def test_web_refuses_granting_with_both_agreements_left_not_required(orgs, people):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar, category_code=SENSITIVE)
    response = client_for(people.liaison).post(
        reverse("request-action", kwargs={"reference": info_request.reference, "action": "decide"}),
        {
            "resolution": Resolution.GRANTED,
            "procureur_agreement": AgreementStatus.NOT_REQUIRED,
            "intelligence_agreement": AgreementStatus.NOT_REQUIRED,
        },
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    for field in ("procureur_agreement", "intelligence_agreement"):
        group = re.search(rf'id="id_{field}".*?</div>\s*</div>', html, re.S)
        assert group is not None, field
    assert html.count("Cette catégorie exige cet accord préalable") == 2
    assert InfoRequest.objects.get(pk=info_request.pk).status == Status.ACKNOWLEDGED
