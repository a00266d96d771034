"""The requests page counts and pages at most COUNT_MAX rows of the reader's scope, its work
lists too (sharing.pagination): exact below, "more than" above."""

import pytest
from django.urls import reverse

from sharing import pagination
from sharing.models import Status
from tests.factories import request_in

SHARED_PEOPLE = True  # see tests/conftest.py

pytestmark = pytest.mark.django_db
WEB_LIST = reverse("requests")


@pytest.fixture
def cap(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_MAX", 3)
    return 3


def test_the_web_list_and_its_work_lists_say_more_than(web, people, orgs, cap):
    mine = [request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(4)]
    elsewhere = request_in(Status.SUBMITTED, orgs.arras)
    html = web(people.liaison).get(WEB_LIST).content.decode()
    assert "Plus de 3 demandes" in html
    assert "À traiter&nbsp;: plus de 3" in html
    assert "En attente de la commune&nbsp;: 0" in html
    assert elsewhere.reference not in html
    assert sum(r.reference in html for r in mine) == 3
    one = web(people.liaison).get(WEB_LIST, {"reference": mine[0].reference, "status": ""})
    assert "1 demande" in one.content.decode()


def test_the_web_list_below_the_cap_is_exact(web, people, orgs):
    request_in(Status.SUBMITTED, orgs.montelimar)
    html = web(people.liaison).get(WEB_LIST).content.decode()
    assert "1 demande" in html
    assert "À traiter&nbsp;: 1" in html
    assert "Plus de" not in html
