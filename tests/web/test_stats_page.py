"""The statistics page: its period, its months by name, and exact numbers for a prefecture's
own staff."""

import re
from html import unescape

import pytest
from django.urls import reverse

from sharing.models import Status
from tests.factories import request_in
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def table(html: str, table_id: str) -> str:
    return unescape(re.search(rf'id="{table_id}"(.*?)</table>', html, re.S).group(1))


def test_the_liaison_sees_exact_small_numbers_of_their_prefecture(web, orgs, people):
    for _ in range(2):
        request_in(Status.SUBMITTED, orgs.montelimar)
    html = web(people.liaison).get(reverse("stats")).content.decode()
    monthly = table(html, "monthly-table")
    assert "moins de" not in monthly
    assert re.search(r"Total</th><td>2</td>", monthly)
    assert 'id="exact-numbers"' in html
    assert (
        last_event("stats.viewed", actor_username=people.liaison.username).details["masked"]
        is False
    )


def test_oversight_still_sees_small_numbers_masked(web, orgs, people):
    for _ in range(2):
        request_in(Status.SUBMITTED, orgs.montelimar)
    for who in (people.auditor26, people.auditor_national):
        html = web(who).get(reverse("stats")).content.decode()
        assert "moins de 5" in table(html, "monthly-table"), who.username
        assert 'id="exact-numbers"' not in html


def test_months_are_named_in_french_and_in_english(web, people):
    french = unescape(web(people.liaison).get(reverse("stats")).content.decode())
    english = unescape(web(people.liaison, language="en").get(reverse("stats")).content.decode())
    assert not re.search(r"<th scope=\"row\">20\d\d-\d\d</th>", french)
    assert re.search(
        r"<th scope=\"row\">(janvier|février|mars|avril|mai|juin|juillet|août|septembre"
        r"|octobre|novembre|décembre) 20\d\d</th>",
        table(french, "monthly-table"),
    )
    assert re.search(
        r"<th scope=\"row\">(January|February|March|April|May|June|July|August|September"
        r"|October|November|December) 20\d\d</th>",
        table(english, "monthly-table"),
    )


def test_the_period_is_chosen_and_recorded(web, people):
    response = web(people.liaison).get(reverse("stats"), {"period": "3m"})
    assert response.status_code == 200
    months = re.findall(r'<th scope="row">', table(response.content.decode(), "monthly-table"))
    assert len(months) == 4  # three months and the total
    period = last_event("stats.viewed", actor_username=people.liaison.username).details["period"]
    assert period["kind"] == "3m"


def test_a_bad_period_answers_400_with_the_fields_error_and_nothing_typed_is_kept(web, people):
    typed = "née le 17/08/1992"
    response = web(people.liaison).get(
        reverse("stats"), {"period": "dates", "date_from": typed, "date_to": "2026-01-01"}
    )
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "fr-input-group--error" in html or "fr-error-text" in html
    event = last_event("stats.viewed", actor_username=people.liaison.username)
    assert event.details["period"]["kind"] == "12m"
    assert "1992" not in str(event.details)
