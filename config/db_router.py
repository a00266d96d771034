"""Read-only heavy work (statistics, and whatever else asks) reads from a streaming replica
when one is configured (DATABASE_REPLICA_URL); everything else, every write and every audit
record included, stays on the primary.

Only code that asks goes to the replica, inside `reading_from_replica()`: a request's own
reads stay on the primary, so that it sees what it has just written (a replica lags)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_on_replica: ContextVar[bool] = ContextVar("relais_reading_from_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads of the block go to the replica, when there is one; writes never do."""
    token = _on_replica.set(True)
    try:
        yield
    finally:
        _on_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _on_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both sides

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
