"""References stay unique when a commune's officers create requests at the same moment.

A transactional test (real commits from several threads), apart from test_services.py whose
tests share one set of people in a transaction (`SHARED_PEOPLE`)."""

import threading

import pytest
from django.db import connection, connections

from sharing.legal_frame import seed_legal_frame
from sharing.models import Category, LegalBasis
from tests.factories import draft, today


@pytest.fixture
def legal_frame_after_flush(transactional_db):
    """Transactional tests start from a flushed database: the seeded legal frame is gone."""
    seed_legal_frame(category_model=Category, legal_basis_model=LegalBasis)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every writer: concurrency is only meaningful on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_for_one_commune_never_duplicate_a_reference(
    legal_frame_after_flush, orgs, people
):
    threads_count = 8
    per_thread = 3
    barrier = threading.Barrier(threads_count)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def create_some():
        try:
            barrier.wait(timeout=30)
            for _ in range(per_thread):
                reference = draft(orgs.montelimar, actor=people.legal_officer).reference
                with lock:
                    references.append(reference)
        except BaseException as exc:  # reported below, with the thread's traceback lost
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create_some) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    total = threads_count * per_thread
    assert len(references) == total
    assert len(set(references)) == total
    year = today().year
    assert sorted(references) == [f"26198-{year}-{n:04d}" for n in range(1, total + 1)]
