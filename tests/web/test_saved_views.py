"""Saved views of the requests list: a user saves the current filters under a name, finds them
on the list, and deletes them; names and filters are screened; only the owner sees a view;
creation and deletion are audited without the values."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from sharing.models import SavedView, Status
from tests.factories import request_in
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LIST = reverse("requests")
VIEWS = reverse("saved-views")


def save(client, name: str, **filters):
    return client.post(VIEWS, {"name": name, "query": urlencode(filters)})


def test_a_liaison_saves_the_current_filters_and_finds_them_on_the_list(web, orgs, people):
    urgent = request_in(Status.SUBMITTED, orgs.montelimar, urgency="urgent")
    other = request_in(Status.SUBMITTED, orgs.valence)
    client = web(people.liaison)
    assert "Enregistrer cette vue" not in client.get(LIST).content.decode()  # no filter yet
    page = client.get(LIST, {"commune": "Montélimar", "sort": "-recue"}).content.decode()
    # The list's own query, encoded once more as the value of `query`.
    assert f"{VIEWS}?query=commune%3DMont%25C3%25A9limar%26sort%3D-recue" in page
    response = save(client, "Montélimar récentes", commune="MONTÉLIMAR", sort="-recue")
    assert response.status_code == 302
    saved = SavedView.objects.get(owner=people.liaison)
    # The commune kept by its code, as the list's form checked it, not as typed.
    assert saved.query == f"commune={orgs.montelimar.code}&sort=-recue"
    assert response["Location"] == f"{LIST}?{saved.query}"
    listed = client.get(response["Location"]).content.decode()
    assert f'href="?{saved.query.replace("&", "&amp;")}">Montélimar récentes<' in listed
    table = listed[listed.index('id="requests-table"') :]
    assert urgent.reference in table
    assert other.reference not in table
    event = last_event("saved_view.created")
    assert event.actor_username == people.liaison.username
    assert event.details["filters"] == ["commune", "sort"]
    assert "Montélimar" not in str(event.details)


def test_a_name_that_identifies_someone_is_refused_and_nothing_is_kept(web, orgs, people):
    response = save(web(people.liaison), "Dossiers de Jean DUPONT", status="open")
    assert response.status_code == 400
    assert "semble contenir" in response.content.decode()
    assert not SavedView.objects.exists()
    refused = last_event("saved_view.created", outcome="refused")
    assert "name" in refused.details["refused"]
    assert "DUPONT" not in str(refused.details)


def test_filters_that_identify_someone_are_not_saved(web, orgs, people):
    response = save(web(people.liaison), "Recherche", q="Jean DUPONT")
    assert response.status_code == 400
    assert not SavedView.objects.exists()
    assert "DUPONT" not in str(AuditEvent.objects.filter(action="saved_view.created").values())


def test_a_blank_or_repeated_name_is_a_field_error(web, orgs, people):
    client = web(people.liaison)
    assert save(client, "   ", status="open").status_code == 400
    assert save(client, "En cours", status="open").status_code == 302
    again = save(client, "En cours", sort="commune")
    assert again.status_code == 400
    assert "Vous avez déjà une vue de ce nom." in again.content.decode()
    assert SavedView.objects.count() == 1


def test_views_are_their_owners_alone(web, orgs, people):
    save(web(people.liaison), "Les miennes", mine="on")
    mine = SavedView.objects.get()
    colleague = web(people.prefecture_admin)
    assert "Les miennes" not in colleague.get(LIST).content.decode()
    assert "Les miennes" not in colleague.get(VIEWS).content.decode()
    delete = reverse("saved-view-delete", kwargs={"view_id": mine.pk})
    assert colleague.post(delete).status_code == 404
    assert colleague.post(reverse("saved-view-delete", kwargs={"view_id": 9999})).status_code == 404
    assert SavedView.objects.filter(pk=mine.pk).exists()


def test_the_owner_lists_and_deletes_a_view(web, orgs, people):
    client = web(people.liaison)
    save(client, "En retard", overdue="on")
    view = SavedView.objects.get()
    page = client.get(VIEWS).content.decode()
    assert f'href="{LIST}?overdue=on">En retard<' in page
    assert 'name="name"' not in page  # nothing to save without the list's filters
    asked = client.get(VIEWS, {"query": "status=open"}).content.decode()
    assert 'name="query" value="status=open"' in asked
    response = client.post(reverse("saved-view-delete", kwargs={"view_id": view.pk}))
    assert response.status_code == 302
    assert not SavedView.objects.exists()
    assert last_event("saved_view.deleted").actor_username == people.liaison.username
    assert client.get(reverse("saved-view-delete", kwargs={"view_id": view.pk})).status_code == 405


def test_saved_views_need_a_signed_in_user(web):
    assert web().get(VIEWS).status_code == 302
