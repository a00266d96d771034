"""Django's PostgreSQL backend, whose health check of a persistent connection costs no round
trip to the server while the connection is alive.

With `CONN_HEALTH_CHECKS`, Django asks `SELECT 1` before a request reuses its connection:
under load, that round trip was the longest wait of an API detail (13 % of a web worker's
time, more than reading the request itself), for an answer that is almost always yes. A
connection that PostgreSQL ended while it sat idle between two requests (a restart, a
failover, `pg_terminate_backend`) has something to read on its socket: the server's last
message and the end of the stream. A live idle one has nothing. So the socket is polled
first, without waiting, and only a readable one is asked with `SELECT 1`, as Django does
(a notice or a notification also makes it readable: the question then costs what it cost
before). A connection lost without a word (a network cut) is not seen here: the request's
first query fails and the request answers 503 with Retry-After (ops.views.server_error), as
Django's check would have left it waiting on a socket that never answers."""

import itertools
import select

from django.db import DatabaseError
from django.db.backends.postgresql import base
from psycopg import errors, generators, pq
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer

# SQLSTATE 26000: a prepared statement's name the session does not know.
INVALID_STATEMENT_NAME = b"26000"
_NAMES = itertools.count()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._settling)

    def is_usable(self) -> bool:
        try:
            self.settle()  # (the request that sent it has settled it already)
        except DatabaseError:
            return False
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.pgconn.status != pq.ConnStatus.OK:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable or super().is_usable()

    # -- a statement sent without waiting for its answer -------------------------------------

    def send_without_waiting(self, sql: str, params: list, *, answered) -> None:
        """Sends one statement, in autocommit, and returns at once: PostgreSQL runs and commits
        it while the caller goes on, and `answered(value)` gets the first column of its first
        row, as text (None without one), once `settle()` has read the answer. Anything else on
        this connection settles it first (the statements of Django's cursors, through an
        execute wrapper; commit, rollback, a change of autocommit, the health check and
        closing, below), so that nothing is ever sent before its answer is read, and its error
        is raised there. The audit log sends a request's access records this way and settles
        them before the answer leaves (audit/middleware.py). Prepared once per connection,
        except behind a pooler (config/settings/base.py).

        psycopg deallocates every prepared statement of the session (DEALLOCATE ALL) after a
        rollback, a rollback to a savepoint, an ALTER or a DROP, ours with its own: a statement
        that finds its name gone is prepared again and sent again once, at settle (it ran
        nothing, in autocommit). Without that, every later record on the connection failed,
        and the answers with them."""
        self._send(sql, params, answered, again=True)

    def _send(self, sql: str, params: list, answered, *, again: bool) -> None:
        self.settle()
        self.ensure_connection()
        with self.wrap_database_errors:
            connection = self.connection
            query = PostgresQuery(Transformer(connection))
            query.convert(sql, params)
            pgconn = connection.pgconn
            if connection.prepare_threshold is None:
                pgconn.send_query_params(query.query, query.params, query.types, query.formats)
            else:
                name = self._prepared(connection, query)
                pgconn.send_query_prepared(name, query.params, query.formats)
            while pgconn.flush():  # what did not fit in the socket's buffer yet
                select.select([], [connection.fileno()], [])
        self._unanswered = (answered, (sql, params) if again else None)

    def _prepared(self, connection, query) -> bytes:
        kept, names = self.__dict__.get("_sent_prepared", (None, {}))
        if kept is not connection:  # a new connection has none of the old one's
            names = {}
            self.__dict__["_sent_prepared"] = (connection, names)
        key = (query.query, tuple(query.types))
        if key not in names:
            name = f"relais_sent_{next(_NAMES)}".encode()  # never one already used
            result = connection.pgconn.prepare(name, query.query, query.types)
            if result.status != pq.ExecStatus.COMMAND_OK:
                raise errors.error_from_result(result, encoding=connection.info.encoding)
            names[key] = name
        return names[key]

    def settle(self) -> None:
        """Reads the answer of the statement `send_without_waiting` sent, if one is owed, and
        raises its error as Django's (the connection stays usable)."""
        pending = self.__dict__.pop("_unanswered", None)
        if pending is None:
            return
        answered, statement = pending
        with self.wrap_database_errors:
            connection = self.connection
            results = connection.wait(generators.fetch_many(connection.pgconn))
            for result in results:
                if result.status != pq.ExecStatus.FATAL_ERROR:
                    continue
                sqlstate = result.error_field(pq.DiagnosticField.SQLSTATE)
                if sqlstate == INVALID_STATEMENT_NAME and statement is not None:
                    self.__dict__.pop("_sent_prepared", None)  # deallocated: prepare anew
                    self._send(*statement, answered, again=False)
                    self.settle()
                    return
                raise errors.error_from_result(result, encoding=connection.info.encoding)
        first = results[0] if results else None
        value = first.get_value(0, 0) if first is not None and first.ntuples else None
        answered(None if value is None else value.decode())

    def _settling(self, execute, sql, params, many, context):
        self.settle()
        return execute(sql, params, many, context)

    def _commit(self):
        self.settle()
        return super()._commit()

    def _rollback(self):
        self.settle()
        return super()._rollback()

    def _set_autocommit(self, autocommit):
        self.settle()
        return super()._set_autocommit(autocommit)

    def _close(self):
        try:
            self.settle()
        finally:
            super()._close()
