"""Where an action comes from (IP, user agent, request id), carried by a context variable that
RequestContextMiddleware sets for the duration of a request; empty in tasks and commands."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

USER_AGENT_MAX = 256
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""
    request_id: str = ""


EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("audit_request_context", default=EMPTY)


def current() -> RequestContext:
    return _current.get()


@contextlib.contextmanager
def bound(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def normalize_ip(value: str) -> str:
    """Canonical text of an IP address, or "" when it is not one."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_ip(*, remote_addr: str, forwarded_for: str, trusted_proxies: int) -> str:
    """REMOTE_ADDR, or with N trusted proxies the address the outermost of them saw."""
    if trusted_proxies > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if hops:
            return normalize_ip(hops[-min(trusted_proxies, len(hops))])
    return normalize_ip(remote_addr)


def clean_user_agent(value: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in value)
    return printable[:USER_AGENT_MAX]


def request_id_from(value: str | None) -> str:
    """The caller's X-Request-ID when it looks like an id, else a new one."""
    if value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex
