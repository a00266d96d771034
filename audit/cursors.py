"""A cursor that sends its parameters apart from the statement (PostgreSQL's extended protocol),
for the audit log's hot statements.

Django's psycopg cursor binds parameters on the client: each value is quoted into the SQL text,
which the server then parses again. For the sequencer's arrays of 2,000 ids and hashes that
quoting was a quarter of its CPU per event, and for an append's seventeen values a tenth of the
writer's; sent apart, they are dumped in binary or as they are. The cursor is wrapped as
Django wraps its own, so query logging, the tests' query counts and execute wrappers see it.

Django leaves psycopg's prepared statements off, for transaction-mode poolers: a statement
prepared in one server session is unknown to the next transaction's. An append's two
statements, its actor's roles and its INSERT, were then parsed and planned for every event, about
0.4 ms of the 0.85 an access record added to an answer (`bench/audit_bench.py --latency-only`).
On a direct connection, statements are prepared where the code asks (config/settings/base.py,
`database`), and these two are (`prepared`); behind a pooler, psycopg prepares nothing. Nor
while Django logs queries (DEBUG, the tests' query counts): it reads a statement's text back
from psycopg, which keeps none for a prepared one.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg.pq import Format


class _PreparingCursor(ServerBindingCursor):
    """Prepares each statement it executes, on the first execution (psycopg keeps the most
    recent hundred of a connection's), or with `prepare=False` executes each unprepared even
    where the connection has prepared it (psycopg would otherwise run the prepared one)."""

    def __init__(self, connection, *, prepare: bool) -> None:
        super().__init__(connection)
        self._prepare = prepare

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
        return super().execute(query, params, prepare=self._prepare, binary=binary)


def server_binding_cursor(db: BaseDatabaseWrapper, *, binary: bool = False, prepared: bool = False):
    """A Django cursor over psycopg's server-binding cursor (PostgreSQL only); `binary`: its
    results in PostgreSQL's binary format (a bytea as its bytes, not hex text); `prepared`: its
    statements prepared once per connection, where the connection allows it."""
    db.close_if_health_check_failed()
    db.ensure_connection()
    with db.wrap_database_errors:
        db.validate_thread_sharing()
        raw = (
            _PreparingCursor(db.connection, prepare=not db.queries_logged)
            if prepared
            else ServerBindingCursor(db.connection)
        )
        if binary:
            raw.format = Format.BINARY
        return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
