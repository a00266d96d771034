"""The session store renews a session in one UPDATE outside a transaction, and answers as
Django's own store does otherwise."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.sessions import SessionStore


def made() -> SessionStore:
    session = SessionStore()
    session["seen"] = 1
    session.create()
    return session


@pytest.mark.django_db(transaction=True)
def test_a_renewal_outside_a_transaction_is_one_update():
    session = made()
    session["seen"] = 2
    with CaptureQueriesContext(connection) as queries:
        session.save()
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]
    assert SessionStore(session.session_key)["seen"] == 2


@pytest.mark.django_db(transaction=True)
def test_renewing_a_session_that_is_gone_answers_update_error():
    session = made()
    Session.objects.filter(session_key=session.session_key).delete()
    with pytest.raises(UpdateError):
        session.save()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_inside_a_transaction_the_renewal_takes_djangos_own_path():
    session = made()
    session["seen"] = 3
    with transaction.atomic():
        session.save()
    assert SessionStore(session.session_key)["seen"] == 3
    Session.objects.filter(session_key=session.session_key).delete()
    with pytest.raises(UpdateError):
        session.save()


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_page_renews_its_session_once(client, django_user_model):
    user = django_user_model.objects.create_user(username="sans-role", password="x")
    client.force_login(user)
    before = Session.objects.get().expire_date
    with CaptureQueriesContext(connection) as queries:
        client.get("/compte/")
    writes = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]
    assert [sql.split()[0] for sql in writes] == ["SELECT", "UPDATE"]
    assert Session.objects.get().expire_date >= before
