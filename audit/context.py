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
from functools import lru_cache

from ua_parser import load_builtins, parse

USER_AGENT_MAX = 256
USER_AGENT_OTHER = "Other"
# An opaque id: plain hex (16 to 64 digits) or a UUID, with at least one letter and no run of
# ten digits or more, so that neither a phone number, a NIR nor a date and digits alone pass.
_REQUEST_ID = re.compile(
    r"(?i)(?=.*[a-f])(?!.*[0-9]{10})"
    r"(?:[0-9a-f]{16,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
_VERSION = re.compile(r"[1-9][0-9]*")
# Browsers count to three digits (Chrome 156), systems to two (Windows 11, Android 16, iOS 26).
AGENT_VERSION_DIGITS, SYSTEM_VERSION_DIGITS = 3, 2


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


def header_text(value: str) -> str:
    """A header as the client wrote it: WSGI hands over its bytes decoded as latin-1, so UTF-8
    text comes back as mojibake until re-decoded."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


@lru_cache(maxsize=1)
def _families() -> tuple[frozenset[str], frozenset[str]]:
    """Browser and OS family names that are the parser's own words, never text copied from the
    header: the literal family names of its rules, and the main families that its rules take
    from the header itself (a rule such as "(\\w+)bot" would otherwise copy any word)."""
    agents, systems, _devices = load_builtins()
    literal_agents = {m.family for m in agents if "$" not in m.family}
    literal_systems = {m.family for m in systems if "$" not in m.family}
    return (
        frozenset(literal_agents | COMMON_AGENT_FAMILIES),
        frozenset(literal_systems | COMMON_OS_FAMILIES),
    )


COMMON_AGENT_FAMILIES = frozenset(
    {
        "Chrome",
        "Chromium",
        "Firefox",
        "HeadlessChrome",
        "Safari",
        "Edge",
        "Opera",
        "Brave",
        "Vivaldi",
        "Yandex Browser",
        "Thunderbird",
        "curl",
        "Wget",
        "okhttp",
        "PostmanRuntime",
        "Go-http-client",
        "Python-urllib",
        "aiohttp",
        "httpx",
        "Apache-HttpClient",
        "Java",
        "node-fetch",
        "axios",
    }
)
COMMON_OS_FAMILIES = frozenset(
    {"Ubuntu", "Fedora", "Linux Mint", "Arch Linux", "openSUSE", "CentOS", "Windows"}
)


def _version(major: str | None, digits: int) -> str:
    """The major version alone, of at most `digits` digits: the client writes it, and a major
    and a minor for the browser and the system held eight digits or more ("Mobile Safari
    1998.75 / iOS 3.4" is a date of birth; an outside tester's finding)."""
    if not major or not _VERSION.fullmatch(major) or len(major) > digits:
        return ""
    return major


@lru_cache(maxsize=512)
def reduce_user_agent(value: str) -> str:
    """What auditors need of a User-Agent: browser family and major version, OS family and
    major version ("Firefox 133 / Windows 10", "curl 8", "Other"), never the header as sent.
    Families are the parser's own names; anything else is dropped."""
    value = header_text(value or "").strip()
    if not value:
        return ""

    parsed = parse(value[:1000])
    agent_families, os_families = _families()
    parts = []
    agent = parsed.user_agent
    if agent is not None and agent.family in agent_families and agent.family != "Other":
        parts.append(f"{agent.family} {_version(agent.major, AGENT_VERSION_DIGITS)}".strip())
    system = parsed.os
    if system is not None and system.family in os_families and system.family != "Other":
        parts.append(f"{system.family} {_version(system.major, SYSTEM_VERSION_DIGITS)}".strip())
    return " / ".join(parts)[:USER_AGENT_MAX] or USER_AGENT_OTHER


def request_id_from(value: str | None, *, from_proxy: bool) -> str:
    """The X-Request-ID the proxy in front set, when the deployment says it sets one
    (AUDIT_REQUEST_ID_FROM_PROXY) and it has the shape of an opaque id; else a new one.

    A client's own never: no shape keeps out a name or a date of birth written in hex digits
    ("4b6172696d48414444414421" is "KarimHADDAD!"), and the audit log keeps what it takes for
    good."""
    if from_proxy and value and _REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex
