"""The events as PostgreSQL stores them, read for `audit_verify` and exports over millions of
events: one line of text per event, and its canonical body (docs/audit-format.md, section 2)
written from that line.

PostgreSQL writes each event as its columns' plain text joined by tabs (`LINE_SELECT`), which
costs it less than JSON or `to_char`, and costs psycopg one bytes value per row instead of
twenty values. A line is split on its tabs; a column holding a tab, or a NULL (written as two
tabs), gives a line with more than `FIELDS` fields, which no caller trusts: it reads that event
again through `RAW_SELECT`, column by column, and treats it as before. A line none of whose
strings holds a character the canonical encoder escapes (`NOT_ESCAPED`) has its body written
with one template (`PLAIN_BODY`), any other through the encoder's own escaping."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.db import connection, transaction

CHUNK = 5000

# The line's fields in order, the two JSON columns last (they are canonicalised apart).
LINE_COLUMNS = (
    "seq",
    "prev_hash",
    "hash",
    "v",
    "actor_id",
    "actor_is_staff",
    "scope",
    "occurred_at",
    "action",
    "actor_username",
    "departement_code",
    "ip",
    "org_code",
    "outcome",
    "request_id",
    "target_ref",
    "target_type",
    "user_agent",
    "actor_roles",
    "details",
)
FIELDS = len(LINE_COLUMNS)
_NULL = "E'\\t\\t'"
_AS_TEXT = {
    "v": "v::text",
    "actor_is_staff": "actor_is_staff::text",  # 'true' or 'false', as in JSON
    "occurred_at": "occurred_at::text",
    "actor_roles": "actor_roles::text",
    "details": "details::text",
}


def field_sql(column: str) -> str:
    """The column's text in a line: a NULL written as two tabs."""
    if column == "seq":
        return "seq"  # never NULL in a seq range
    if column == "actor_id":
        return "coalesce(actor_id::text, 'null')"  # the anonymous actor, as in JSON
    return f"coalesce({_AS_TEXT.get(column, column)}, {_NULL})"


# textsend: the line's UTF-8 bytes, received as they are (a binary result); a bytes line is
# split, checked and hashed without decoding it.
LINE_SELECT = (
    "SELECT textsend(concat_ws(E'\\t', " + ", ".join(field_sql(c) for c in LINE_COLUMNS) + "))"
)

# The same columns as values, PostgreSQL writing the JSON and the timestamp's canonical text:
# for an event whose line cannot be trusted, read again alone.
RAW_SELECT = (
    "SELECT seq, prev_hash, hash, action, actor_id, actor_is_staff, actor_roles::text,"
    " actor_username, departement_code, details::text, ip,"
    " to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " org_code, outcome, request_id, target_ref, target_type, user_agent, v, scope"
)
RANGE = " FROM audit_auditevent WHERE seq >= %s AND seq <= %s ORDER BY seq"

# Read in seq order through the seq index whatever the table's statistics say (right after a
# bulk load a sort spilled to disk), timestamps as ISO text in UTC, no JIT for one scan.
# Timestamps as canonical_timestamp reads them, for this transaction.
TEXT_SETTINGS = ("SET LOCAL TimeZone = 'UTC'", "SET LOCAL DateStyle = 'ISO'")
# The same two, in one round trip (set_config with is_local: as SET LOCAL), for the sequencer.
TEXT_SETTINGS_AT_ONCE = (
    "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO', true)"
)
_SCAN_SETTINGS = (
    "SET LOCAL enable_sort = off",
    "SET LOCAL enable_bitmapscan = off",
    "SET LOCAL jit = off",
    *TEXT_SETTINGS,
)


def line_chunks(
    first: int, last: int, *, extra: str = "", params: list | None = None, chunk: int = CHUNK
) -> Iterator[list[tuple]]:
    """The rows of LINE_SELECT (and `extra`, further columns) for seq first..last in seq order,
    CHUNK rows at a time, the line as bytes, from a cursor on the server inside a transaction
    (outside one, a cursor WITH HOLD would have the whole result written out first)."""
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            for statement in _SCAN_SETTINGS:
                cursor.execute(statement)
        with connection.connection.cursor(name="audit_lines") as cursor:
            cursor.execute(LINE_SELECT + extra + RANGE, [*(params or []), first, last], binary=True)
            while rows := cursor.fetchmany(chunk):
                yield rows


def raw_row(seq: int, *, extra: str = "", params: list | None = None) -> tuple | None:
    """One event's RAW_SELECT row (and `extra`)."""
    with connection.cursor() as cursor:
        cursor.execute(RAW_SELECT + extra + RANGE, [*(params or []), seq, seq])
        return cursor.fetchone()


def canonical_timestamp(text: bytes) -> bytes | None:
    """The canonical text of a timestamp written by PostgreSQL in UTC with DateStyle ISO
    (b"2026-01-02 03:04:05.12+00", trailing zeros of the fraction left out), or None for
    anything else (BC, years past 9999, infinity), which the caller reads again through
    RAW_SELECT."""
    if len(text) == 29 and text[26:] == b"+00" and text[10] == 32:  # b" "
        return text[:10] + b"T" + text[11:26] + b"Z"  # the usual case, six digits
    if len(text) < 22 or text[10:11] != b" " or text[-3:] != b"+00":
        return None
    fraction = text[20:-3]
    if (
        text[19:20] not in (b".", b"+")
        or len(fraction) > 6
        or not (fraction.isdigit() or not fraction)
    ):
        return None
    return text[:10] + b"T" + text[11:19] + b"." + fraction.ljust(6, b"0") + b"Z"


# The bytes the canonical encoder escapes but the tab, which separates the fields: a line
# holds no more of them than its two JSON columns (quotes, escapes) when no string needs
# escaping. len(line.translate(None, NOT_ESCAPED)) counts them in one pass.
_ESCAPED = {*range(0x20), ord('"'), ord("\\")} - {ord("\t")}
NOT_ESCAPED = bytes(c for c in range(256) if c not in _ESCAPED)

# The canonical body, keys sorted, for a line none of whose strings needs escaping: the
# roles, details, actor_id, actor_is_staff and v in their JSON text, the timestamp's date and
# time (canonical_timestamp's text on either side of the "T").
PLAIN_BODY = (
    b'{"action":"%s","actor_id":%s,"actor_is_staff":%s,"actor_roles":%s,"actor_username":"%s",'
    b'"departement_code":"%s","details":%s,"ip":"%s","occurred_at":"%sT%sZ","org_code":"%s",'
    b'"outcome":"%s","request_id":"%s","target_ref":"%s","target_type":"%s","user_agent":"%s",'
    b'"v":%s}'
)
_BODY = PLAIN_BODY.decode().replace('"%sT%sZ"', "%s").replace('"%s"', "%s")
_json_string = json.encoder.encode_basestring


def escaped_body(parts: list[bytes], roles: bytes, details: bytes, occurred_at: bytes) -> bytes:
    """The canonical body of a line's fields whose strings need escaping."""
    s = _json_string
    fields = [part.decode() for part in parts[3:18]]
    (v, actor_id, is_staff, _scope, _timestamp, action, username, dep, ip, org, outcome,
     request_id, target_ref, target_type, user_agent) = fields  # fmt: skip
    return (_BODY % (
        s(action), actor_id, is_staff, roles.decode(), s(username), s(dep), details.decode(),
        s(ip), s(occurred_at.decode()), s(org), s(outcome), s(request_id), s(target_ref),
        s(target_type), s(user_agent), v,
    )).encode()  # fmt: skip


class Bodies:
    """The canonical bodies of lines, the distinct JSON values among them parsed and encoded
    once (the same few roles recur; details vary more: at most CACHED of them are kept)."""

    CACHED = 10_000

    def __init__(self) -> None:
        # JSON text as stored: (value, canonical bytes, how many of its bytes are escapes).
        self.canonical: dict[bytes, tuple[object, bytes, int]] = {}

    def json(self, text: bytes) -> tuple[object, bytes, int]:
        entry = self.canonical.get(text)
        if entry is None:
            value = json.loads(text)
            entry = (value, _CANONICAL(value).encode(), len(text.translate(None, NOT_ESCAPED)))
            if len(self.canonical) < self.CACHED:
                self.canonical[text] = entry
        return entry

    def body(self, line: bytes, parts: list[bytes]) -> tuple[bytes, bool] | None:
        """The canonical body of a line split into its FIELDS parts and whether none of the
        line's fields but the JSON needed escaping (the hashes can then be written as they
        are), or None when it must be read again through RAW_SELECT (an odd timestamp)."""
        timestamp = canonical_timestamp(parts[7])
        if timestamp is None:
            return None
        roles, details = self.json(parts[18]), self.json(parts[19])
        if len(line.translate(None, NOT_ESCAPED)) != roles[2] + details[2]:
            return escaped_body(parts, roles[1], details[1], timestamp), False
        (v, actor_id, is_staff, _scope, _timestamp, action, username, dep, ip, org, outcome,
         request_id, target_ref, target_type, user_agent) = parts[3:18]  # fmt: skip
        return PLAIN_BODY % (
            action, actor_id, is_staff, roles[1], username, dep, details[1], ip, timestamp[:10],
            timestamp[11:-1], org, outcome, request_id, target_ref, target_type, user_agent, v,
        ), True  # fmt: skip


# The canonical encoder (docs/audit-format.md, section 2) for values known to have an encoding.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
