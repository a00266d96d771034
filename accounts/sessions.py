"""The session store: Django's database sessions, renewed in one statement.

Every signed-in page renews its session (SESSION_SAVE_EVERY_REQUEST: the idle timeout is the
cookie's age from the last request). Django's store writes that renewal inside
`transaction.atomic()`, which outside any transaction costs three round trips (BEGIN, UPDATE,
COMMIT) for one UPDATE the database runs atomically on its own. Here, outside a transaction,
the renewal is that UPDATE alone; a session that is gone (signed out elsewhere, expired and
purged) still answers `UpdateError`, as Django's store does. Creating a session, and any
save inside a transaction, keep Django's own path."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, router, transaction


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=obj)
        if transaction.get_connection(using).in_atomic_block:
            return super().save(must_create=must_create)
        try:
            renewed = (
                self.model._base_manager.using(using)
                .filter(session_key=obj.session_key)
                .update(session_data=obj.session_data, expire_date=obj.expire_date)
            )
        except DatabaseError:
            raise UpdateError from None
        if not renewed:
            raise UpdateError
        return None
