"""The in-app inbox (`/api/v1/notifications/`) and personal reminders
(`/api/v1/requests/{reference}/reminders/`): one's own only, 404 for anyone else's."""

from datetime import date

import pytest
from django.core import mail

from accounts.models import Membership
from audit.models import AuditEvent
from sharing.formats import long_date
from sharing.models import Notification, Reminder, ReminderKind, ReminderStatus, Status
from sharing.reminders import delivery
from sharing.services.drafting import info_request_sign
from sharing.services.handling import info_request_acknowledge
from tests.factories import draft
from tests.integration.support import Clock, at

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

INBOX = "/api/v1/notifications/"


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine)


@pytest.fixture
def signed(orgs, people):
    return info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)


def reminders_url(info_request) -> str:
    return f"/api/v1/requests/{info_request.reference}/reminders/"


def test_the_inbox_lists_ones_own_notifications_with_reference_status_due_date_and_link(
    api, people, signed
):
    response = api(people.liaison).get(INBOX)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["kind"] == ReminderKind.STATUS_CHANGED
    assert row["reference"] == signed.reference
    assert row["status"] == Status.SUBMITTED
    assert row["due_on"] == signed.acknowledgement_due.isoformat()
    assert row["message"] == (
        "Nouvelle demande signée par le maire — à vous d'en accuser réception avant le "
        f"{long_date(signed.acknowledgement_due, 'fr')}."
    )
    assert signed.reference in row["link"]
    assert row["read_at"] is None
    assert signed.purpose not in str(row)
    # Nobody else's: the Arras mayor has nothing.
    assert api(people.mayor_arras).get(INBOX).json()["results"] == []


def test_the_inbox_speaks_the_readers_language(api, people, signed):
    people.liaison.language = "en"
    people.liaison.save(update_fields=["language"])
    [row] = api(people.liaison).get(INBOX).json()["results"]
    assert row["message"] == (
        "New request signed by the mayor — yours to acknowledge by "
        f"{long_date(signed.acknowledgement_due, 'en')}."
    )


def test_listing_the_inbox_is_audited_with_the_references_shown(api, people, signed):
    api(people.liaison).get(INBOX)
    event = AuditEvent.objects.filter(action="notification.listed").latest("seq")
    assert event.actor_username == people.liaison.username
    assert event.details["references"] == [signed.reference]


def test_marking_one_as_read_and_the_unread_filter(api, people, signed):
    client = api(people.liaison)
    info_request_acknowledge(info_request=signed, actor=people.liaison)
    rows = client.get(INBOX).json()["results"]
    assert len(rows) == 2
    response = client.post(f"{INBOX}{rows[0]['id']}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    unread = client.get(f"{INBOX}?unread=true").json()["results"]
    assert [row["id"] for row in unread] == [rows[1]["id"]]
    read = client.get(f"{INBOX}?unread=false").json()["results"]
    assert [row["id"] for row in read] == [rows[0]["id"]]
    # Marking again is harmless.
    assert client.post(f"{INBOX}{rows[0]['id']}/read/").status_code == 200


def test_read_all_marks_only_ones_own(api, people, signed):
    response = api(people.liaison).post(f"{INBOX}read-all/")
    assert response.json() == {"marked": 1}
    assert Notification.objects.filter(user=people.liaison, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=people.mayor, read_at__isnull=True).count() == 1


def test_someone_elses_notification_answers_404(api, people, signed):
    theirs = Notification.objects.get(user=people.mayor)
    assert api(people.liaison).post(f"{INBOX}{theirs.pk}/read/").status_code == 404
    assert api(people.liaison).post(f"{INBOX}999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_about_a_request_one_can_no_longer_see_are_hidden(api, people, signed):
    Membership.objects.filter(user=people.liaison).delete()
    people.liaison.groups.clear()
    assert api(people.liaison).get(INBOX).json()["results"] == []


def test_read_all_marks_what_the_inbox_shows_and_leaves_hidden_notices_alone(api, people, signed):
    hidden = Notification.objects.get(user=people.liaison)
    Membership.objects.filter(user=people.liaison).delete()
    people.liaison.groups.clear()
    assert api(people.liaison).post(f"{INBOX}read-all/").json() == {"marked": 0}
    hidden.refresh_from_db()
    assert hidden.read_at is None


def test_the_inbox_needs_authentication(api):
    assert api().get(INBOX).status_code == 401


# --- personal reminders ---------------------------------------------------------------------


def test_anyone_who_can_see_a_request_may_ask_to_be_reminded(api, people, signed, clock):
    clock.set(date(2026, 3, 4))
    client = api(people.legal_officer)
    response = client.post(reminders_url(signed), {"remind_on": "2026-03-14"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    # A Saturday: the reminder waits for Monday morning.
    assert body["remind_on"] == "2026-03-14"
    assert body["status"] == ReminderStatus.PENDING
    assert body["send_after"] == at(date(2026, 3, 16), 8).isoformat().replace("+00:00", "Z")
    again = client.post(reminders_url(signed), {"remind_on": "2026-03-14"}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    listed = client.get(reminders_url(signed)).json()
    assert [row["id"] for row in listed] == [body["id"]]
    event = AuditEvent.objects.filter(action="reminder.created").latest("seq")
    assert event.details == {"reminder": body["id"], "remind_on": "2026-03-14"}


def test_a_personal_reminder_is_sent_on_its_day_with_an_in_app_notice(api, people, signed, clock):
    clock.set(date(2026, 3, 4))
    api(people.liaison).post(reminders_url(signed), {"remind_on": "2026-03-12"}, format="json")
    [row] = Reminder.objects.filter(kind=ReminderKind.PERSONAL)
    clock.set(date(2026, 3, 12), 7)
    assert delivery.deliver(reminder_id=row.pk) == "early"
    clock.set(date(2026, 3, 12), 8, 1)
    assert delivery.deliver(reminder_id=row.pk) == "sent"
    [message] = mail.outbox
    assert message.to == [people.liaison.email]
    assert signed.reference in message.body
    assert "Le rappel que vous avez demandé" in message.body
    assert signed.purpose not in message.body
    [notice] = Notification.objects.filter(user=people.liaison, kind=ReminderKind.PERSONAL)
    assert (notice.info_request, notice.due_on) == (signed, signed.acknowledgement_due)


def test_a_personal_reminder_can_be_cancelled_by_its_owner_only(api, people, signed, clock):
    clock.set(date(2026, 3, 4))
    created = api(people.liaison).post(
        reminders_url(signed), {"remind_on": "2026-03-12"}, format="json"
    )
    url = f"{reminders_url(signed)}{created.json()['id']}/cancel/"
    assert api(people.prefecture_admin).post(url).status_code == 404
    response = api(people.liaison).post(url)
    assert response.status_code == 200
    assert response.json()["status"] == ReminderStatus.CANCELLED
    clock.set(date(2026, 3, 12), 9)
    assert delivery.deliver(reminder_id=created.json()["id"]) == "done"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"remind_on": "2026-03-01"}, "remind_on"),  # in the past
        ({"remind_on": "2030-01-01"}, "remind_on"),  # more than two years ahead
        ({"remind_on": "soon"}, "remind_on"),
        ({}, "remind_on"),
        ({"remind_on": "2026-03-12", "note": "x"}, "note"),
    ],
)
def test_a_bad_reminder_date_answers_400_naming_the_field(api, people, signed, clock, body, field):
    clock.set(date(2026, 3, 4))
    response = api(people.liaison).post(reminders_url(signed), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Reminder.objects.filter(kind=ReminderKind.PERSONAL).exists()


@pytest.mark.parametrize("who", ["mayor_arras", "liaison62", "auditor26", "staff"])
def test_a_request_one_cannot_see_answers_404_for_reminders(api, people, signed, who):
    client = api(getattr(people, who))
    assert client.get(reminders_url(signed)).status_code == 404
    response = client.post(reminders_url(signed), {"remind_on": "2030-01-01"}, format="json")
    assert response.status_code == 404
    assert not Reminder.objects.filter(kind=ReminderKind.PERSONAL).exists()
    assert AuditEvent.objects.filter(
        action="request.not_found", actor_username=getattr(people, who).username
    ).exists()
