"""The daily flow of issue 13: discarding a draft, a liaison taking a request, the commune's
clarification deadline and its reminders, bulk actions in the inbox, the team page's
reassignment. Each goes through its service and `sharing.rules`, and is audited."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from sharing import rules
from sharing.exceptions import ActionNotAllowed
from sharing.models import InfoRequest, Reminder, ReminderKind, Status
from sharing.services.drafting import info_request_discard
from sharing.services.handling import info_request_assign
from tests.factories import draft, member, request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LIST = reverse("requests")
PARIS = ZoneInfo("Europe/Paris")


def _action_url(info_request, slug: str) -> str:
    return reverse("request-action", kwargs={"reference": info_request.reference, "action": slug})


# --- discarding a draft ------------------------------------------------------------------------


def test_a_legal_officer_discards_their_draft_which_leaves_the_lists_but_keeps_its_history(
    web, orgs, people
):
    kept = draft(orgs.montelimar, actor=people.legal_officer)
    gone = draft(orgs.montelimar, actor=people.legal_officer)
    client = web(people.legal_officer)
    response = client.post(_action_url(gone, "discard"))
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.status == Status.DISCARDED
    html = client.get(LIST).content.decode()
    assert kept.reference in html
    assert gone.reference not in html
    # Its page and its recorded history remain; nothing more may be done with it.
    page = client.get(reverse("request-detail", kwargs={"reference": gone.reference}))
    assert page.status_code == 200
    assert "Brouillon abandonné" in page.content.decode()
    assert list(
        AuditEvent.objects.filter(target_ref=gone.reference, outcome="ok")
        .exclude(action__in=["request.viewed", "request.listed"])
        .order_by("seq", "id")
        .values_list("action", flat=True)
    ) == ["request.created", "request.discarded"]
    assert rules.allowed_actions(people.legal_officer, gone) == []
    assert rules.allowed_actions(people.mayor, gone) == []


def test_a_discarded_drafts_reference_is_never_reused(orgs, people):
    gone = info_request_discard(info_request=draft(orgs.montelimar), actor=people.mayor)
    following = draft(orgs.montelimar)
    assert following.reference != gone.reference
    assert InfoRequest.objects.filter(reference=gone.reference).count() == 1


def test_a_legal_officer_may_not_discard_a_colleagues_draft(web, api, orgs, people):
    colleague = member(orgs.montelimar, "legal_officer", username="juriste-bis")
    theirs = draft(orgs.montelimar, actor=colleague)
    assert "discard" not in rules.allowed_actions(people.legal_officer, theirs)
    with pytest.raises(ActionNotAllowed):
        info_request_discard(info_request=theirs, actor=people.legal_officer)
    response = api(people.legal_officer).post(f"/api/v1/requests/{theirs.reference}/discard/")
    assert response.status_code == 404
    assert web(people.legal_officer).post(_action_url(theirs, "discard")).status_code == 404
    # The mayor may discard any draft of the commune.
    response = api(people.mayor).post(f"/api/v1/requests/{theirs.reference}/discard/")
    assert response.status_code == 200
    assert response.json()["status"] == Status.DISCARDED


def test_a_signed_request_is_withdrawn_not_discarded(api, orgs, people):
    signed = request_in(Status.SUBMITTED, orgs.montelimar)
    response = api(people.mayor).post(f"/api/v1/requests/{signed.reference}/discard/")
    assert response.status_code == 409
    assert InfoRequest.objects.get(pk=signed.pk).status == Status.SUBMITTED


# --- "take it" ---------------------------------------------------------------------------------


def test_a_liaison_takes_a_request_from_its_page_and_from_the_inbox(web, orgs, people):
    on_page = request_in(Status.SUBMITTED, orgs.montelimar)
    in_inbox = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = web(people.liaison)
    page = client.get(reverse("request-detail", kwargs={"reference": on_page.reference}))
    assert f'action="{_action_url(on_page, "take")}"' in page.content.decode()
    assert client.post(_action_url(on_page, "take")).status_code == 302
    inbox = client.get(LIST).content.decode()
    assert f'formaction="{_action_url(in_inbox, "take")}"' in inbox
    assert f'formaction="{_action_url(on_page, "take")}"' not in inbox  # already theirs
    assert client.post(_action_url(in_inbox, "take")).status_code == 302
    for info_request in (on_page, in_inbox):
        info_request.refresh_from_db()
        assert info_request.assigned_to == people.liaison
        event = AuditEvent.objects.filter(
            target_ref=info_request.reference, action="request.taken"
        ).get()
        assert event.details["liaison"] == people.liaison.username
        assert event.details["previous"] is None


def test_a_liaison_takes_a_colleagues_request_and_taking_ones_own_is_a_quiet_repeat(
    api, orgs, people
):
    colleague = member(orgs.pref26, "liaison", username="referent-bis")
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    info_request_assign(info_request=info_request, actor=people.prefecture_admin, liaison=colleague)
    client = api(people.liaison)
    response = client.post(f"/api/v1/requests/{info_request.reference}/take/")
    assert response.status_code == 200
    assert response.json()["assigned_to"] == people.liaison.username
    assert "take" not in response.json()["allowed_actions"]
    event = AuditEvent.objects.get(target_ref=info_request.reference, action="request.taken")
    assert event.details["previous"] == colleague.username
    before = AuditEvent.objects.filter(action="request.taken").count()
    assert client.post(f"/api/v1/requests/{info_request.reference}/take/").status_code == 200
    assert AuditEvent.objects.filter(action="request.taken").count() == before


def test_no_one_takes_a_delivered_request_nor_one_of_another_prefecture(api, orgs, people):
    delivered = request_in(Status.DELIVERED, orgs.montelimar)
    response = api(people.liaison).post(f"/api/v1/requests/{delivered.reference}/take/")
    assert response.status_code == 409
    other = request_in(Status.SUBMITTED, orgs.montelimar)
    response = api(people.liaison62).post(f"/api/v1/requests/{other.reference}/take/")
    assert response.status_code == 404
    assert InfoRequest.objects.get(pk=other.pk).assigned_to is None


# --- the commune's clarification deadline ------------------------------------------------------


def test_the_liaison_chooses_the_communes_answer_date_and_the_commune_sees_it(
    web, api, orgs, people, time_machine
):
    time_machine.move_to(datetime(2026, 3, 10, 10, tzinfo=PARIS))  # a Tuesday
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    liaison = web(people.liaison)
    form = liaison.get(_action_url(info_request, "request-clarification")).content.decode()
    assert 'value="2026-03-24"' in form  # the default: ten business days
    response = liaison.post(
        _action_url(info_request, "request-clarification"),
        {"message": "Merci de préciser le secteur.", "answer_by": "2026-03-20"},
    )
    assert response.status_code == 302
    info_request.refresh_from_db()
    assert info_request.clarification_due == date(2026, 3, 20)
    event = AuditEvent.objects.get(
        target_ref=info_request.reference, action="request.clarification_requested"
    )
    assert event.details["clarification_due"] == "2026-03-20"
    page = web(people.legal_officer).get(
        reverse("request-detail", kwargs={"reference": info_request.reference})
    )
    assert "à vous de répondre avant le 20 mars 2026" in page.content.decode()
    detail = api(people.mayor).get(f"/api/v1/requests/{info_request.reference}/").json()
    assert detail["clarification_due"] == "2026-03-20"
    # Late: counted among the commune's late requests, with the badge in its row.
    time_machine.move_to(datetime(2026, 3, 23, 10, tzinfo=PARIS))
    html = web(people.legal_officer).get(LIST, {"worklist": "en-retard"}).content.decode()
    assert "En retard&nbsp;: 1" in html
    assert info_request.reference in html


def test_an_answer_date_out_of_bounds_is_refused_with_its_field(api, orgs, people, time_machine):
    time_machine.move_to(datetime(2026, 3, 10, 10, tzinfo=PARIS))
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = api(people.liaison)
    url = f"/api/v1/requests/{info_request.reference}/request-clarification/"
    for answer_by in ("2026-03-10", "2026-07-01"):
        response = client.post(
            url, {"message": "Merci de préciser.", "answer_by": answer_by}, format="json"
        )
        assert response.status_code == 400
        assert "answer_by" in response.json()
    assert InfoRequest.objects.get(pk=info_request.pk).status == Status.ACKNOWLEDGED


# --- bulk actions in the inbox -----------------------------------------------------------------

BULK = reverse("requests-bulk")


def test_the_inbox_offers_checkboxes_and_a_bulk_form_without_script(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    html = web(people.liaison).get(LIST).content.decode()
    assert f'name="selected" value="{info_request.reference}"' in html
    assert f'action="{BULK}"' in html
    assert 'value="assign"' not in html  # assigning is the admin's
    assert "onclick" not in html
    assert 'value="assign"' in web(people.prefecture_admin).get(LIST).content.decode()
    assert 'name="selected"' not in web(people.mayor).get(LIST).content.decode()


def test_a_liaison_acknowledges_several_requests_and_is_told_which_were_refused_and_why(
    web, orgs, people
):
    first = request_in(Status.SUBMITTED, orgs.montelimar)
    second = request_in(Status.SUBMITTED, orgs.valence)
    decided = request_in(Status.DECIDED, orgs.montelimar)
    elsewhere = request_in(Status.SUBMITTED, orgs.arras)
    response = web(people.liaison).post(
        BULK,
        {
            "operation": "acknowledge",
            "selected": [first.reference, decided.reference, second.reference, elsewhere.reference],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    done = html[html.index('id="bulk-done"') : html.index('id="bulk-refused"')]
    refused = html[html.index('id="bulk-refused"') :]
    assert "2 demandes traitées" in done
    assert first.reference in done
    assert second.reference in done
    assert "2 demandes refusées" in refused
    assert f"{decided.reference}</span> : Pas possible au statut « Décidée »" in refused
    assert f"{elsewhere.reference}</span> : Introuvable" in refused
    for info_request in (first, second):
        info_request.refresh_from_db()
        assert info_request.status == Status.ACKNOWLEDGED
        assert AuditEvent.objects.filter(
            target_ref=info_request.reference, action="request.acknowledged"
        ).exists()
    assert InfoRequest.objects.get(pk=elsewhere.pk).status == Status.SUBMITTED
    assert AuditEvent.objects.filter(
        action="request.not_found", details__reference=elsewhere.reference
    ).exists()


def test_a_selection_that_is_no_reference_is_refused_without_being_shown(web, orgs, people):
    first = request_in(Status.SUBMITTED, orgs.montelimar)
    response = web(people.liaison).post(
        BULK,
        {"operation": "acknowledge", "selected": [first.reference, "Karim HADDAD né le 03/04/98"]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    refused = html[html.index('id="bulk-refused"') :]
    assert "Sélection illisible</span> : Introuvable" in refused
    assert "HADDAD" not in html.upper()
    assert "03/04" not in html


def test_the_admin_assigns_several_requests_to_a_colleague_and_a_liaison_may_not(web, orgs, people):
    rows = [request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(2)]
    references = [row.reference for row in rows]
    refused = web(people.liaison).post(
        BULK,
        {"operation": "assign", "liaison": people.liaison.username, "selected": references},
    )
    assert refused.status_code == 400
    response = web(people.prefecture_admin).post(
        BULK,
        {"operation": "assign", "liaison": people.liaison.username, "selected": references},
    )
    assert response.status_code == 200
    assert "2 demandes traitées" in response.content.decode()
    assert set(
        InfoRequest.objects.filter(pk__in=[r.pk for r in rows]).values_list(
            "assigned_to", flat=True
        )
    ) == {people.liaison.pk}
    assert (
        AuditEvent.objects.filter(action="request.assigned", target_ref__in=references).count() == 2
    )


def test_a_liaison_takes_and_is_reminded_of_several_requests(web, orgs, people):
    rows = [request_in(Status.ACKNOWLEDGED, orgs.montelimar) for _ in range(2)]
    references = [row.reference for row in rows]
    client = web(people.liaison)
    assert client.post(BULK, {"operation": "take", "selected": references}).status_code == 200
    assert set(
        InfoRequest.objects.filter(reference__in=references).values_list("assigned_to", flat=True)
    ) == {people.liaison.pk}
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    missing = client.post(BULK, {"operation": "remind", "selected": references})
    assert missing.status_code == 400
    response = client.post(BULK, {"operation": "remind", "remind_on": day, "selected": references})
    assert "2 demandes traitées" in response.content.decode()
    assert (
        Reminder.objects.filter(
            kind=ReminderKind.PERSONAL, user=people.liaison, info_request__reference__in=references
        ).count()
        == 2
    )
    assert client.post(BULK, {"operation": "take"}).status_code == 400  # nothing selected
    assert (
        web(people.mayor).post(BULK, {"operation": "take", "selected": references}).status_code
        == 404
    )


# --- the team page: reassigning a member's open requests ---------------------------------------


def _held_by(liaison, people, orgs, count: int) -> list[InfoRequest]:
    rows = [request_in(Status.ACKNOWLEDGED, orgs.montelimar) for _ in range(count)]
    for row in rows:
        info_request_assign(info_request=row, actor=people.prefecture_admin, liaison=liaison)
    return rows


def test_the_admin_reassigns_the_requests_a_member_holds_all_or_those_ticked(web, orgs, people):
    absent = member(orgs.pref26, "liaison", username="referent-absent")
    rows = _held_by(absent, people, orgs, 3)
    client = web(people.prefecture_admin)
    team = client.get(reverse("team")).content.decode()
    url = reverse("team-reassign", kwargs={"username": absent.username})
    assert f'href="{url}"' in team
    page = client.get(url).content.decode()
    for row in rows:
        assert f'value="{row.reference}"' in page
    assert page.count("checked") == 3  # all ticked at first
    keep = rows[2]
    response = client.post(
        url,
        {"liaison": people.liaison.username, "selected": [rows[0].reference, rows[1].reference]},
    )
    assert response.status_code == 200
    assert "2 demandes traitées" in response.content.decode()
    assert [InfoRequest.objects.get(pk=row.pk).assigned_to for row in rows] == [
        people.liaison,
        people.liaison,
        absent,
    ]
    assert (
        AuditEvent.objects.filter(
            action="request.assigned",
            target_ref__in=[rows[0].reference, rows[1].reference],
            details__liaison=people.liaison.username,
        ).count()
        == 2
    )
    assert keep.reference in client.get(url).content.decode()


def test_only_an_admin_of_the_members_prefecture_reassigns(web, orgs, people):
    _held_by(people.liaison, people, orgs, 1)
    url = reverse("team-reassign", kwargs={"username": people.liaison.username})
    assert web(people.liaison).get(url).status_code == 404
    assert web(people.mayor).get(url).status_code == 404
    admin62 = member(orgs.arras.prefecture, "prefecture_admin", username="admin-62")
    assert web(admin62).get(url).status_code == 404
    missing = web(people.prefecture_admin).post(url, {"selected": []})
    assert missing.status_code == 400
