"""A cursor that sends its parameters apart from the statement (PostgreSQL's extended protocol),
for the audit log's hot statements.

Django's psycopg cursor binds parameters on the client: each value is quoted into the SQL text,
which the server then parses again. For the sequencer's arrays of 2,000 ids and hashes that
quoting was a quarter of its CPU per event, and for an append's seventeen values a tenth of the
writer's; sent apart, they are dumped in binary or as they are. The cursor is wrapped as
Django wraps its own, so query logging, the tests' query counts and execute wrappers see it."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg.pq import Format


def server_binding_cursor(db: BaseDatabaseWrapper, *, binary: bool = False):
    """A Django cursor over psycopg's server-binding cursor (PostgreSQL only); `binary`: its
    results in PostgreSQL's binary format (a bytea as its bytes, not hex text)."""
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        db.validate_thread_sharing()
        raw = ServerBindingCursor(db.connection)
        if binary:
            raw.format = Format.BINARY
        return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
