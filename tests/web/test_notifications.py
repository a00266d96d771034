"""The notifications page: notices grouped per request, saying what is expected of the reader;
the choice of one e-mail a day (the daily digest, sent once a day by the sweep)."""

import pytest
from django.core import mail

from audit.models import AuditEvent
from sharing.models import Notification, Reminder, ReminderKind, ReminderStatus
from sharing.reminders import ledger
from sharing.services.drafting import info_request_sign
from sharing.services.handling import info_request_acknowledge
from tests.factories import draft

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def test_the_inbox_groups_notices_per_request(web, orgs, people):
    signed = info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    info_request_acknowledge(info_request=signed, actor=people.liaison)
    page = web(people.legal_officer).get("/notifications/").content.decode()
    assert page.count(f">{signed.reference}</a>") == 1
    assert "1 notification plus ancienne sur cette demande" in page
    assert "2 non lues" in page
    assert "décision attendue avant le" in page


def test_a_user_who_chose_the_daily_digest_gets_one_email_a_day_with_the_unread_notices(
    web, orgs, people, settings, django_capture_on_commit_callbacks
):
    settings.REMINDER_WORKING_HOURS = None
    response = web(people.legal_officer).post("/notifications/preference/", {"daily_digest": "on"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="notification.preference_changed").exists()

    with django_capture_on_commit_callbacks(execute=True):
        signed = info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
        info_request_acknowledge(info_request=signed, actor=people.liaison)
    officer_mail = [m for m in mail.outbox if people.legal_officer.email in m.to]
    assert officer_mail == []  # the in-app notices only, for now
    assert Notification.objects.filter(user=people.legal_officer, read_at=None).count() == 2
    assert [m for m in mail.outbox if people.mayor.email in m.to]  # the others as before

    with django_capture_on_commit_callbacks(execute=True):
        ledger.sweep()
    with django_capture_on_commit_callbacks(execute=True):
        ledger.sweep()  # the same day: nothing more
    [row] = Reminder.objects.filter(kind=ReminderKind.DAILY_DIGEST)
    assert row.user == people.legal_officer
    assert row.status == ReminderStatus.SENT
    [digest] = [m for m in mail.outbox if people.legal_officer.email in m.to]
    assert "2 notification(s) non lue(s)" in digest.subject
    assert signed.reference in digest.body
    assert "décision attendue avant le" in digest.body
    assert signed.purpose not in digest.body


def test_the_headers_unread_count_is_the_unread_notices_the_reader_may_see(web, orgs, people):
    """The header's count, run from a statement compiled once for every reader, counts each
    reader's own unread notices about requests they can still see, as `notifications_of`."""
    from django.utils import timezone

    from sharing.context_processors import unread_notifications
    from sharing.models import InfoRequestGroupObjectPermission
    from sharing.selectors import notifications_of

    first = info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    info_request_acknowledge(info_request=first, actor=people.liaison)
    second = info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    info_request_acknowledge(info_request=second, actor=people.liaison)
    officer = people.legal_officer
    unread = Notification.objects.filter(user=officer, read_at=None)
    assert unread.count() == 4
    unread.filter(info_request=first).update(read_at=timezone.now())
    hidden, _ = InfoRequestGroupObjectPermission.objects.filter(
        content_object=second, group__in=officer.groups.all()
    ).delete()  # the officer's groups may no longer see it: its notices are not counted
    assert hidden
    readers = [officer, people.mayor, people.liaison, people.liaison62, people.auditor_national]
    expected = {user.username: notifications_of(user=user, unread=True).count() for user in readers}
    assert {user.username: unread_notifications(user) for user in readers} == expected
    assert expected[officer.username] == 0
    assert expected[people.mayor.username] == 4
    assert "4 notifications non lues" in web(people.mayor).get("/demandes/").content.decode()
