"""Statistics read from a real streaming replica; writes and audit records stay on the
primary. Run against a primary and a replica built with pg_basebackup
(`bench/pg_replica.sh start DIR PORT`, then DATABASE_URL on PORT and DATABASE_REPLICA_URL on
PORT+1); skipped without DATABASE_REPLICA_URL."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext

from config.db_router import REPLICA, reading_from_replica
from sharing.legal_frame import seed_legal_frame
from sharing.models import Category, InfoRequest, LegalBasis, Status
from tests.factories import request_in

pytestmark = [
    pytest.mark.skipif(
        REPLICA not in settings.DATABASES, reason="needs DATABASE_REPLICA_URL (a real replica)"
    ),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]


@pytest.fixture(autouse=True)
def legal_frame():
    """Transactional tests start from a flushed database: seed the legal frame again."""
    seed_legal_frame(category_model=Category, legal_basis_model=LegalBasis)


def replicated(info_request: InfoRequest) -> None:
    deadline = time.monotonic() + 30
    while not InfoRequest.objects.using(REPLICA).filter(pk=info_request.pk).exists():
        assert time.monotonic() < deadline, "the replica never caught up"
        time.sleep(0.1)


def test_the_replica_alias_is_a_standby_of_the_primary():
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is False


def test_statistics_read_from_the_replica_and_their_audit_record_goes_to_the_primary(
    orgs, people, client
):
    replicated(request_in(Status.SUBMITTED, orgs.montelimar))
    cache.clear()
    client.force_login(people.liaison)
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/statistiques/")
    assert response.status_code == 200
    replica_sql = [query["sql"] for query in on_replica.captured_queries]
    primary_sql = [query["sql"] for query in on_primary.captured_queries]
    assert any("sharing_inforequest" in sql for sql in replica_sql)
    assert not any(word in sql.upper() for sql in replica_sql for word in ("INSERT", "UPDATE"))
    assert any("audit_auditevent" in sql and "INSERT" in sql.upper() for sql in primary_sql)


def test_reads_outside_the_block_and_writes_inside_it_stay_on_the_primary(orgs):
    info_request = request_in(Status.DRAFT, orgs.montelimar)
    assert InfoRequest.objects.filter(pk=info_request.pk).db == "default"
    with reading_from_replica():
        assert InfoRequest.objects.all().db == REPLICA
        InfoRequest.objects.filter(pk=info_request.pk).update(purpose="Mise à jour du motif.")
    info_request.refresh_from_db()
    assert info_request.purpose == "Mise à jour du motif."
