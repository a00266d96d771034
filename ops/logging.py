"""Log lines that carry no text a user typed, as text or one JSON object per line.

The fields are the record's own (time, level, logger, message) plus whatever the caller passed
in `extra`: the request log passes only identifiers, codes and numbers (see
`ops.middleware.RequestLogMiddleware`), never text a user typed. Two things would otherwise
bring such text in, and are kept out here for every logger:

- Django's own loggers: `django.request` writes the path of every answer of 400 and more
  ("Not Found: /demandes/<whatever was typed>/"), `django.server` (runserver, the demo's) the
  request line with its query string, `django.security` the offending value ("Invalid
  HTTP_HOST header: '…'"). `KeepNoTypedText` puts the route the path matched (its pattern, with
  `<reference>` rather than the reference) or "(no route)" in place of the path, drops the
  query string, and leaves a security record its kind only.
- An exception's message, which may quote a value (a database error's failing row, a key): a
  traceback keeps its frames and each exception's type, never its message (`traceback_lines`),
  and an exception logged as the message itself or among its arguments (a library's
  `logger.exception(exc)`) is written as its type only.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_PLAIN = (str, int, float, bool, type(None))


def route_of(path: str) -> str:
    """The URL pattern the path matches ("demandes/<str:reference>/"), or "(no route)"."""
    try:
        return "/" + resolve(urlsplit(path).path).route
    except (Resolver404, ValueError, UnicodeError):
        return "(no route)"


def traceback_lines(exc_info) -> str:
    """The traceback of an exception and of those it was raised from or while handling, with
    each exception's type and not its message."""
    chain, exc, seen = [], exc_info[1], set()
    while exc is not None and id(exc) not in seen:
        chain.append(exc)
        seen.add(id(exc))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    lines = []
    for exc in reversed(chain):
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_tb(exc.__traceback__))
        lines.append(f"{_kind(exc)} (message not kept)\n")
    return "".join(lines).rstrip("\n")


class KeepNoTypedText(logging.Filter):
    """For the console handler: Django's request, server and security records without the
    path, query string or value a client sent (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and len(record.args or ()) == 2:
            reason, path = record.args  # type: ignore[misc]
            record.args = (reason, route_of(str(path)))
        elif record.name == "django.server" and record.args and isinstance(record.args[0], int):
            # "code %d, message %s": the message quotes the request line it could not read.
            record.msg, record.args = "code %d", record.args[:1]
        elif record.name == "django.server" and record.args:
            line, *rest = record.args  # type: ignore[misc]
            method, _, target = str(line).partition(" ")
            record.args = (f"{method} {route_of(target.rsplit(' ', 1)[0])}", *rest)
        elif record.name.startswith("django.security."):
            record.msg, record.args = record.name.rsplit(".", 1)[1], ()
        # A library's `logger.exception(exc)`, or an exception among the arguments: its message
        # may quote what a client sent (the passkey library's "Unexpected client data type …").
        if isinstance(record.msg, BaseException):
            record.msg, record.args = f"{_kind(record.msg)} (message not kept)", ()
        elif isinstance(record.args, tuple) and any(
            isinstance(arg, BaseException) for arg in record.args
        ):
            record.args = tuple(
                f"{_kind(arg)} (message not kept)" if isinstance(arg, BaseException) else arg
                for arg in record.args
            )
        return True


def _kind(exc: BaseException) -> str:
    kind = type(exc)
    return f"{kind.__module__}.{kind.__qualname__}"


class TextFormatter(logging.Formatter):
    def formatException(self, ei) -> str:
        return traceback_lines(ei)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            # Only plain values: Django's loggers pass the request object itself, whose text
            # carries the query string.
            if key not in _STANDARD and not key.startswith("_") and isinstance(value, _PLAIN):
                line[key] = value
        if record.exc_info:
            line["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["exc"] = traceback_lines(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)
