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

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
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
