"""Query strings nobody types by hand, found by a fuzzer sending them to every web page as
every role: each was a server error, each is now a page (with a field error where one is due)
or a 404."""

import pytest
from django.urls import reverse

from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


@pytest.mark.parametrize("who", ["auditor_national", "auditor26", "staff"])
def test_the_request_list_of_someone_with_no_commune_nor_prefecture_is_empty(web, people, who):
    """Their reader's communes were an empty IN list, which the ORM cannot compile."""
    response = web(getattr(people, who)).get(reverse("requests"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("field", ["reference", "q"])
def test_an_invisible_character_in_a_list_filter_is_a_field_error(web, people, field):
    """The list records its filters in the audit log, which refuses control characters."""
    response = web(people.legal_officer).get(reverse("requests"), {field: "26198\x01"})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    listed = last_event("request.listed")
    assert field not in listed.details.get("query", {})


@pytest.mark.parametrize(
    ("field", "value"), [("user", "\x01"), ("user", "\x00"), ("reference", "\x01")]
)
@pytest.mark.parametrize("page", ["audit-log", "audit-export-list"])
def test_an_invisible_character_in_the_auditors_filters_is_a_field_error(
    web, people, page, field, value
):
    response = web(people.auditor_national).get(reverse(page), {field: value})
    # A NUL is refused before any view runs (config.api.InputGuardMiddleware).
    assert response.status_code == (400 if value == "\x00" else 200)


def test_the_journals_links_carry_only_the_filters_it_accepted(web, people):
    response = web(people.auditor_national).get(
        reverse("audit-log"),
        {"user": "Karim HADDAD", "organization": "03041998", "action": "request.viewed"},
    )
    assert response.status_code == 200
    assert {"user", "organization"} <= set(response.context["form"].errors)
    assert response.context["export_query"] == "action=request.viewed"
    assert f'href="{reverse("audit-export-list")}?action=request.viewed"' in (
        response.content.decode()
    )


def test_a_not_found_page_with_too_many_fields_is_not_a_server_error(web, people):
    query = "&".join(f"f{i}=1" for i in range(1001))
    response = web(people.legal_officer).get(f"/demandes/99999-2026-0001/?{query}")
    assert response.status_code in {400, 404}
