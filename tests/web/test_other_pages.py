"""The prefecture admin's team page, statistics, notifications and the auditors' pages."""

import re
from html import unescape

import pytest
from django.urls import reverse

from audit.models import AuditExport
from sharing.models import InfoRequest, Notification, Resolution, Status
from sharing.stats import THRESHOLD, statistics_for, suppress
from tests.factories import request_in
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


# --- team -------------------------------------------------------------------------------------


def test_the_admin_sees_the_teams_load_and_the_overdue_list(web, orgs, people):
    late = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    InfoRequest.objects.filter(pk=late.pk).update(
        decision_due=late.decision_due.replace(year=2000), assigned_to=people.liaison
    )
    request_in(Status.SUBMITTED, orgs.valence)
    request_in(Status.SUBMITTED, orgs.arras)  # another prefecture
    response = web(people.prefecture_admin).get(reverse("team"))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    row = re.search(r"<th scope=\"row\">liaison-26</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>(?:<p[^>]*>)?(\d+)", row)[:2] == ["1", "1"]
    unassigned = re.search(r"Non attribuées</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>(\d+)", unassigned)[0] == "1"
    overdue = re.search(r'id="overdue-table"(.*?)</table>', html, re.S).group(1)
    assert late.reference in overdue
    assert "62041" not in html


def test_the_team_page_is_for_prefecture_admins_only(web, people):
    for who in ("liaison", "legal_officer", "auditor_national"):
        assert web(getattr(people, who)).get(reverse("team")).status_code == 404, who


# --- statistics -----------------------------------------------------------------------------


def test_small_counts_are_suppressed_with_a_complementary_cell():
    cells = suppress([("a", "A", 12), ("b", "B", 3), ("c", "C", 7), ("d", "D", 0)])
    values = {cell.key: cell.value for cell in cells}
    assert values == {"a": 12, "b": None, "c": None, "d": 0}


def test_no_complementary_suppression_without_a_published_total():
    cells = suppress([("a", "A", 12), ("b", "B", 3)], with_total=False)
    assert [cell.value for cell in cells] == [12, None]


def test_medians_and_shares_need_enough_requests(orgs, people):
    for _ in range(THRESHOLD - 1):
        request_in(Status.DECIDED, orgs.montelimar, resolution=Resolution.REFUSED)
    numbers = statistics_for(prefectures=[orgs.pref26], scope_label="")
    assert numbers.median_decision_days is None
    assert numbers.on_time_percent is None
    assert all(cell.value in (None, 0) for cell in numbers.outcomes)
    request_in(Status.DECIDED, orgs.montelimar, resolution=Resolution.REFUSED)
    numbers = statistics_for(prefectures=[orgs.pref26], scope_label="")
    assert numbers.median_decision_days is not None
    assert numbers.on_time_percent == 100
    refused = next(cell for cell in numbers.outcomes if cell.key == Resolution.REFUSED)
    assert refused.value == THRESHOLD


def test_statistics_page_shows_charts_with_tables_and_no_reference(web, orgs, people):
    created = [request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(6)]
    response = web(people.liaison).get(reverse("stats"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') == 2
    assert "<table>" in html
    assert 'id="monthly-table"' in html
    assert 'id="outcomes-table"' in html
    for info_request in created:
        assert info_request.reference not in html
    assert "Montélimar" not in html
    assert last_event("stats.viewed", actor_username=people.liaison.username) is not None


def test_national_oversight_sees_every_prefecture_and_communes_do_not_see_statistics(
    web, orgs, people
):
    for _ in range(THRESHOLD):
        request_in(Status.SUBMITTED, orgs.arras)
    html = web(people.auditor_national).get(reverse("stats")).content.decode()
    assert 'id="prefectures-table"' in html
    table = re.search(r'id="prefectures-table"(.*?)</table>', html, re.S).group(1)
    assert "Préfecture du Pas-de-Calais" in table
    assert web(people.auditor26).get(reverse("stats")).status_code == 200
    assert web(people.legal_officer).get(reverse("stats")).status_code == 404


# --- notifications --------------------------------------------------------------------------


def test_notifications_count_in_the_header_and_the_list(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    Notification.objects.create(
        user=people.legal_officer,
        info_request=info_request,
        kind="status_changed",
        status=Status.SUBMITTED,
    )
    unread = Notification.objects.filter(user=people.legal_officer, read_at__isnull=True).count()
    client = web(people.legal_officer)
    html = client.get(reverse("requests")).content.decode()
    assert re.search(rf"\b{unread} notifications? non lues?", html)
    page = client.get(reverse("notifications")).content.decode()
    assert info_request.reference in page
    assert "Non lue" in page
    assert client.post(reverse("notifications-mark-read")).status_code == 302
    assert not Notification.objects.filter(user=people.legal_officer, read_at__isnull=True)
    html = client.get(reverse("requests")).content.decode()
    assert "0 notification non lue" in html or "0 notifications non lues" in html


def test_one_notification_is_marked_read_from_the_list_and_only_ones_own(web, orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    mine, other = (
        Notification.objects.filter(user=user, info_request=info_request).first()
        for user in (people.legal_officer, people.mayor)
    )
    client = web(people.legal_officer)
    url = reverse("notification-mark-read", kwargs={"pk": mine.pk})
    assert url in client.get(reverse("notifications")).content.decode()

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert (
        client.post(reverse("notification-mark-read", kwargs={"pk": other.pk})).status_code == 404
    )

    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at is not None
    assert other.read_at is None
    assert url not in client.get(reverse("notifications")).content.decode()


# --- auditors -------------------------------------------------------------------------------


def test_the_auditor_searches_the_log_of_their_scope(web, orgs, people):
    montelimar = request_in(Status.SUBMITTED, orgs.montelimar)
    arras = request_in(Status.SUBMITTED, orgs.arras)
    client = web(people.auditor26)
    html = client.get(reverse("audit-log")).content.decode()
    assert montelimar.reference in html
    assert arras.reference not in html
    html = client.get(reverse("audit-log"), {"action": "request.signed"}).content.decode()
    table = html[html.index('id="events-table"') :]
    assert "Brouillon créé" not in table
    assert "Demande signée et transmise" in table  # plain words, not request.signed
    assert "request.signed" not in table
    assert '<option value="request.signed" selected>' in html  # the picker
    listed = last_event("audit.listed", actor_username=people.auditor26.username)
    assert listed.details["filters"] == {"action": "request.signed"}
    family = client.get(reverse("audit-log"), {"action": "request.*"}).content.decode()
    assert "Brouillon créé" in family[family.index('id="events-table"') :]
    bad = client.get(reverse("audit-log"), {"action": "NOT AN ACTION"})
    assert bad.status_code == 200
    assert "fr-select-group--error" in bad.content.decode()


def test_the_log_names_people_and_keeps_their_username_as_the_identifier(web, orgs, people):
    people.mayor.first_name, people.mayor.last_name = "Hélène", "Roux"
    people.mayor.save(update_fields=["first_name", "last_name"])
    request_in(Status.SUBMITTED, orgs.montelimar)
    html = web(people.auditor26).get(reverse("audit-log"), {"action": "request.signed"})
    table = html.content.decode()[html.content.decode().index('id="events-table"') :]
    assert '<td>Hélène Roux<br><span class="fr-text--xs">mayor-26198</span></td>' in table
    # Without a name, the username once.
    people.mayor.first_name = people.mayor.last_name = ""
    people.mayor.save(update_fields=["first_name", "last_name"])
    html = web(people.auditor26).get(reverse("audit-log"), {"action": "request.signed"})
    table = html.content.decode()[html.content.decode().index('id="events-table"') :]
    assert "<td>mayor-26198</td>" in table


def test_audit_pages_are_for_auditors_only(web, people):
    for name in ("audit-log", "audit-export-list", "audit-integrity"):
        for who in ("legal_officer", "liaison", "prefecture_admin"):
            assert web(getattr(people, who)).get(reverse(name)).status_code == 404, (name, who)
    assert last_event("permission.denied", actor_username=people.prefecture_admin.username)


def test_an_auditor_requests_an_export_watches_it_and_downloads_it(
    web, orgs, people, audit_signing_key, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.AUDIT_EXPORT_DIR = tmp_path
    request_in(Status.SUBMITTED, orgs.montelimar)
    client = web(people.auditor26)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit-export-list"), {"action": "request.*"})
    assert response.status_code == 302
    export = AuditExport.objects.get(owner=people.auditor26)
    assert response["Location"] == reverse("audit-export-page", kwargs={"export_id": export.pk})
    page = client.get(response["Location"])
    assert 'id="export-bar"' in page.content.decode()
    # The filters in plain words, as the search form names them, not as recorded.
    assert "Action : Toutes les actions sur les demandes" in page.content.decode()
    assert "request.*" not in page.content.decode()
    progress = client.get(response["Location"], HTTP_ACCEPT="application/json").json()
    assert progress["done"] is True
    assert progress["progress"] == 100
    download = client.get(progress["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert b"".join(download.streaming_content).startswith(b"PK")
    assert last_event("audit.export_downloaded", outcome="ok") is not None
    other = web(people.auditor_national).get(response["Location"])
    assert other.status_code == 404


def test_the_integrity_page_shows_the_checkpoint_and_verifies_on_demand(
    web, orgs, people, audit_signing_key
):
    from audit.services import checkpoint_issue

    request_in(Status.SUBMITTED, orgs.montelimar)
    checkpoint = checkpoint_issue(reason="periodic")
    client = web(people.auditor_national)
    html = client.get(reverse("audit-integrity")).content.decode()
    assert f'id="checkpoint-number">{checkpoint.number}<' in html
    assert "Périodique" in html
    response = client.post(reverse("audit-integrity"))
    assert response.status_code == 200
    assert "Vérification réussie" in response.content.decode()
    assert "événements vérifiés" in response.content.decode()
    assert last_event("audit.verified").outcome == "ok"


def test_the_auditors_pages_speak_english_to_an_english_reader(
    web, orgs, people, audit_signing_key
):
    from audit.services import checkpoint_issue

    request_in(Status.SUBMITTED, orgs.montelimar)
    checkpoint_issue(reason="periodic")
    people.auditor_national.language = "en"
    people.auditor_national.save(update_fields=["language"])
    client = web(people.auditor_national, language="en")
    log = client.get(reverse("audit-log")).content.decode()
    assert "Request signed and sent" in log
    assert "Succeeded" in log
    assert "Every action on requests" in log
    assert "Code INSEE" not in log
    verified = client.post(reverse("audit-integrity")).content.decode()
    assert "events verified" in verified
    assert "événements" not in verified


def test_notifications_about_requests_no_longer_visible_are_not_counted(web, orgs, people):
    from sharing.selectors import notifications_of

    own = request_in(Status.SUBMITTED, orgs.montelimar)
    other = request_in(Status.SUBMITTED, orgs.valence)
    for info_request in (own, other):
        Notification.objects.create(
            user=people.legal_officer, info_request=info_request, kind="status_changed"
        )
    Notification.objects.create(user=people.legal_officer, kind="overdue_digest", count=2)
    mine = set(notifications_of(user=people.legal_officer).values_list("pk", flat=True))
    assert not Notification.objects.filter(pk__in=mine, info_request=other).exists()
    assert Notification.objects.filter(pk__in=mine, info_request__isnull=True).count() == 1


def test_the_integrity_page_tells_an_anomaly_in_the_readers_language(
    web, orgs, people, audit_signing_key, monkeypatch
):
    from audit import views as audit_views
    from audit.verifier.chain import Report

    broken = Report(errors=["seq 3: hash does not match the event's content (edited event)"])
    monkeypatch.setattr(audit_views, "verify_database", lambda **_: broken)
    people.auditor_national.language = "en"
    people.auditor_national.save(update_fields=["language"])
    html = web(people.auditor_national, language="en").post(reverse("audit-integrity"))
    html = html.content.decode()
    assert "Event no. 3: its content was changed after it was recorded." in html
    assert "ERROR seq 3: hash does not match" in html  # the verifier's own line, for the team
    assert last_event("audit.verified").outcome == "failed"
