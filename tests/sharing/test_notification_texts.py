"""Notices say what happened and what is expected of the reader, by kind, by new status and by
the reader's side; dates are written out; a user may choose one e-mail a day instead of one
per notice (the daily digest, sent once a day by the sweep)."""

from datetime import date

import pytest
from django.core import mail

from sharing.models import Reminder, ReminderKind, Status
from sharing.notifications.recipients import COMMUNE, PREFECTURE
from sharing.notifications.texts import describe
from sharing.reminders import ledger
from sharing.services.drafting import info_request_sign
from sharing.services.inbox import notification_preference_set, notifications_mark_all_read
from tests.factories import draft

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def test_a_clarification_request_tells_the_commune_to_answer_and_the_prefecture_to_wait():
    commune = describe(
        kind=ReminderKind.STATUS_CHANGED,
        status=Status.CLARIFICATION_REQUESTED,
        due_on=None,
        side=COMMUNE,
        language="fr",
    )
    prefecture = describe(
        kind=ReminderKind.STATUS_CHANGED,
        status=Status.CLARIFICATION_REQUESTED,
        due_on=None,
        side=PREFECTURE,
        language="fr",
    )
    assert commune.startswith("Précisions demandées par la préfecture — à vous de répondre")
    assert "rien à faire avant sa réponse" in prefecture


@pytest.mark.parametrize(
    ("side", "language", "expected"),
    [
        (COMMUNE, "fr", "décision attendue avant le 12 décembre 2026."),
        (PREFECTURE, "fr", "à vous de décider avant le 12 décembre 2026."),
        (PREFECTURE, "en", "yours to decide by 12 December 2026."),
    ],
)
def test_an_acknowledgement_says_who_decides_by_when(side, language, expected):
    text = describe(
        kind=ReminderKind.STATUS_CHANGED,
        status=Status.ACKNOWLEDGED,
        due_on=date(2026, 12, 12),
        side=side,
        language=language,
    )
    assert text.endswith(expected)


def test_every_kind_and_status_has_a_sentence_without_a_placeholder_left():
    for kind in ReminderKind:
        if kind in {ReminderKind.OVERDUE_DIGEST, ReminderKind.DAILY_DIGEST}:
            continue
        for status in Status:
            for side in (COMMUNE, PREFECTURE):
                for language in ("fr", "en"):
                    for due_on in (None, date(2026, 12, 1)):
                        text = describe(
                            kind=kind, status=status, due_on=due_on, side=side, language=language
                        )
                        assert text
                        assert "{" not in text
                        assert " ." not in text
                        assert ",." not in text


def test_the_email_of_a_signature_tells_the_prefecture_what_to_do(
    orgs, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    [to_liaison] = [m for m in mail.outbox if people.liaison.email in m.to]
    assert "à vous d'en accuser réception avant le" in to_liaison.subject
    [to_officer] = [m for m in mail.outbox if people.legal_officer.email in m.to]
    assert "accusé de réception attendu avant le" in to_officer.body


def test_no_daily_digest_when_nothing_is_unread(orgs, people, settings):
    settings.REMINDER_WORKING_HOURS = None
    notification_preference_set(actor=people.legal_officer, daily_digest=True)
    info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    notifications_mark_all_read(actor=people.legal_officer)
    ledger.sweep()
    assert not Reminder.objects.filter(kind=ReminderKind.DAILY_DIGEST).exists()
