"""The requests page's work lists per role, with counts; substring and free-text search
(screened); date ranges; sorting; the columns people sort by."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from sharing.models import InfoRequestGroupObjectPermission, Resolution, Status
from sharing.services.drafting import info_request_send_back
from tests.factories import draft, request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LIST = reverse("requests")


def table_of(response) -> str:
    html = response.content.decode()
    return html[html.index('id="requests-table"') :] if 'id="requests-table"' in html else ""


def test_the_prefectures_work_lists_count_and_filter(web, orgs, people):
    submitted = request_in(Status.SUBMITTED, orgs.montelimar)
    waiting = request_in(Status.CLARIFICATION_REQUESTED, orgs.valence)
    client = web(people.liaison)
    html = client.get(LIST).content.decode()
    assert "À traiter&nbsp;: 1" in html
    assert "En attente de la commune&nbsp;: 1" in html
    table = table_of(client.get(LIST, {"worklist": "attente-commune"}))
    assert waiting.reference in table
    assert submitted.reference not in table
    assert "La commune" in table  # waiting on whom


def test_a_signer_lists_only_drafts_waiting_for_the_mayor(web, orgs, people):
    waiting = draft(orgs.montelimar)
    sent_back = draft(orgs.montelimar)
    info_request_send_back(
        info_request=sent_back, actor=people.mayor, remark="Merci de préciser le périmètre."
    )
    request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(people.mayor)
    html = client.get(LIST).content.decode()
    assert "À signer&nbsp;: 1" in html
    assert "Renvoyés au juriste&nbsp;: 1" in html
    table = table_of(client.get(LIST, {"worklist": "a-signer"}))
    assert waiting.reference in table
    assert sent_back.reference not in table


def test_reference_search_matches_any_part_and_free_text_the_purpose(web, orgs, people):
    first = request_in(Status.SUBMITTED, orgs.montelimar)
    other = request_in(
        Status.SUBMITTED,
        orgs.montelimar,
        purpose="Point de situation sur la sécurité du marché de Noël avant son ouverture.",
    )
    client = web(people.liaison)
    number = first.reference.rsplit("-", 1)[1]
    table = table_of(client.get(LIST, {"reference": number}))
    assert first.reference in table
    assert other.reference not in table
    table = table_of(client.get(LIST, {"q": "marché de noël"}))
    assert other.reference in table
    assert first.reference not in table
    assert "Point de situation sur la sécurité du marché" in table  # the purpose's excerpt


def test_a_search_that_identifies_someone_is_refused_and_not_recorded(web, orgs, people):
    request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.liaison).get(LIST, {"q": "Jean DUPONT"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "fr-input-group--error" in html
    assert 'value="Jean DUPONT"' not in html  # the refused text is cleared from the field
    listed = AuditEvent.objects.filter(action="request.listed").latest("seq")
    assert "DUPONT" not in str(listed.details)


def test_date_range_and_sorting(web, orgs, people, travel):
    travel(days=-40)
    old = request_in(Status.SUBMITTED, orgs.montelimar)
    travel.back()
    recent = request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(people.liaison)
    since = recent.submitted_at.date().isoformat()
    table = table_of(client.get(LIST, {"received_from": since}))
    assert recent.reference in table
    assert old.reference not in table
    table = table_of(client.get(LIST, {"sort": "-recue"}))
    assert table.index(recent.reference) < table.index(old.reference)
    table = table_of(client.get(LIST, {"sort": "recue"}))
    assert table.index(old.reference) < table.index(recent.reference)


def test_the_commune_filter_takes_a_name_or_a_suggestion(web, orgs, people):
    montelimar = request_in(Status.SUBMITTED, orgs.montelimar)
    valence = request_in(Status.SUBMITTED, orgs.valence)
    client = web(people.liaison)
    page = client.get(LIST).content.decode()
    assert 'list="communes-list"' in page
    assert f'<option value="{orgs.montelimar.name} ({orgs.montelimar.code})">' in page
    for typed in (f"{orgs.montelimar.name} ({orgs.montelimar.code})", orgs.montelimar.name.upper()):
        table = table_of(client.get(LIST, {"commune": typed}))
        assert montelimar.reference in table
        assert valence.reference not in table
    unknown = client.get(LIST, {"commune": "Nulle-Part"}).content.decode()
    assert "Aucune commune de votre département ne porte ce nom." in unknown


def test_sorting_by_commune_puts_accented_names_in_their_alphabetical_place(web, orgs, people):
    from tests.factories import CommuneFactory

    etoile = CommuneFactory(code="26124", name="Étoile-sur-Rhône", prefecture=orgs.pref26)
    eurre = CommuneFactory(code="26131", name="Eurre", prefecture=orgs.pref26)
    rows = {
        name: request_in(Status.SUBMITTED, commune).reference
        for name, commune in (
            ("Étoile", etoile),
            ("Eurre", eurre),
            ("Valence", orgs.valence),
            ("Montélimar", orgs.montelimar),
        )
    }
    client = web(people.liaison)
    table = table_of(client.get(LIST, {"sort": "commune"}))
    order = sorted(rows, key=lambda name: table.index(rows[name]))
    assert order == ["Étoile", "Eurre", "Montélimar", "Valence"]
    table = table_of(client.get(LIST, {"sort": "-commune"}))
    order = sorted(rows, key=lambda name: table.index(rows[name]))
    assert order == ["Valence", "Montélimar", "Eurre", "Étoile"]


def test_the_overdue_only_box_lists_the_overdue_requests(web, orgs, people, travel):
    travel(days=-60)
    late = request_in(Status.SUBMITTED, orgs.montelimar)
    travel.back()
    on_time = request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.liaison).get(LIST, {"overdue": "on"})
    assert response.status_code == 200
    table = table_of(response)
    assert late.reference in table
    assert on_time.reference not in table


def test_to_do_counts_the_readers_prefecture_and_what_its_groups_may_see(web, orgs, people):
    """ "À traiter" holds what is to acknowledge, decide or deliver in the reader's own
    prefecture and visible to its groups; its count is read through a condition narrowed to
    that prefecture (which the prefecture's partial indexes answer), not the country's."""
    request_in(Status.SUBMITTED, orgs.montelimar)
    request_in(Status.DECIDED, orgs.valence, resolution=Resolution.GRANTED)  # to deliver
    request_in(Status.DECIDED, orgs.valence, resolution=Resolution.REFUSED)  # nothing to do
    request_in(Status.DECIDED, orgs.arras, resolution=Resolution.GRANTED)  # another prefecture
    request_in(Status.ACKNOWLEDGED, orgs.arras)
    unseen = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    InfoRequestGroupObjectPermission.objects.filter(
        content_object=unseen, permission__codename="view_inforequest"
    ).delete()
    with CaptureQueriesContext(connection) as queries:
        html = web(people.liaison).get(LIST).content.decode()
    assert "À traiter&nbsp;: 2" in html
    counts = [q["sql"] for q in queries if "SELECT (SELECT COUNT(*)" in q["sql"]]
    assert len(counts) == 1
    to_do = counts[0][: counts[0].index(") AS bounded)")]
    assert f'"prefecture_id" IN ({orgs.pref26.pk})' in to_do
    assert "'granted'" in to_do  # the first count is "À traiter"


def test_to_do_is_what_is_to_acknowledge_decide_or_deliver_in_every_status(web, orgs, people):
    """ "À traiter" is read as "the request has a running deadline" (the inbox index's form):
    the same requests as its statuses, the services setting each due date with its status."""
    from django.utils import timezone

    from sharing import worklists
    from sharing.models import RESOLUTIONS_TO_DELIVER, InfoRequest

    made = [
        request_in(status, orgs.montelimar)
        for status in (
            Status.DRAFT,
            Status.SUBMITTED,
            Status.ACKNOWLEDGED,
            Status.CLARIFICATION_REQUESTED,
            Status.DELIVERED,
            Status.CLOSED,
            Status.WITHDRAWN,
            Status.DISCARDED,
        )
    ]
    made += [
        request_in(Status.DECIDED, orgs.valence, resolution=resolution)
        for resolution in (
            Resolution.GRANTED,
            Resolution.PARTIALLY_GRANTED,
            Resolution.REFUSED,
            Resolution.REDIRECTED,
        )
    ]
    [to_do] = [
        item
        for item in worklists.lists_for(
            prefecture_side=True, user_id=people.liaison.pk, today=timezone.localdate(), covering=[]
        )
        if item.key == "a-traiter"
    ]
    by_statuses = InfoRequest.objects.filter(
        Q(status__in=[Status.SUBMITTED, Status.ACKNOWLEDGED])
        | Q(status=Status.DECIDED, resolution__in=RESOLUTIONS_TO_DELIVER)
    )
    mine = InfoRequest.objects.filter(pk__in=[r.pk for r in made])
    expected = set(mine.filter(pk__in=by_statuses.values("pk")).values_list("reference", flat=True))
    assert set(mine.filter(to_do.condition).values_list("reference", flat=True)) == expected
    assert len(expected) == 4
    html = web(people.liaison).get(LIST, {"worklist": "a-traiter"}).content.decode()
    assert "À traiter&nbsp;: 4" in html
