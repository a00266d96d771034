"""The sequencer: integrates recorded events into the hash chain and the Merkle tree in batches
(docs/audit-format.md, section 3.2).

`audit_record` inserts an event with no `seq`, in the caller's transaction and without any
global lock, so writers never wait on one another. The sequencer takes the committed events
not yet sequenced, in their order of arrival (`id`), and in one transaction per batch, under
the head row's lock: gives each the next `seq`, computes its body hash from the row as stored,
its `prev_hash` and `hash` (section 3), fills the three columns (the one UPDATE the events
table's guard allows besides redaction), appends the leaves to the tree and moves the head row.

It runs as a Celery beat task every few seconds (AUDIT_SEQUENCER_SECONDS), before every
checkpoint (in the checkpoint's transaction, so a checkpoint covers every event committed
before it), and at the start of audit_verify. On SQLite, audit_record calls it at once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Max

from . import stored
from .cursors import server_binding_cursor
from .models import HEAD_PK, AuditEvent, ChainHead
from .tree import tree_integrate
from .verifier.encoding import body_hash, link_hash

BATCH = 2000

# PostgreSQL: the pending events as the verification reads them (audit/stored.py), one line of
# bytes each with empty seq, prev_hash and hash, their canonical bodies written from those
# bytes instead of from model instances and their decoded JSON (half of the sequencer's own
# CPU per event). Their order of arrival, up to a known id.
_PENDING_POSTGRESQL = (  # constant columns, never input
    "SELECT id, occurred_at, textsend(concat_ws(E'\\t', '', '', '', "  # noqa: S608
    + ", ".join(stored.field_sql(column) for column in stored.LINE_COLUMNS[3:])
    + ")) FROM audit_auditevent WHERE seq IS NULL AND id <= %s ORDER BY id LIMIT %s"
)

_UPDATE_POSTGRESQL = (
    "UPDATE audit_auditevent AS e SET seq = s.seq, prev_hash = s.prev_hash, hash = s.hash"
    " FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[])"
    " AS s(id, seq, prev_hash, hash) WHERE e.id = s.id"
    # The batch's time span: the planner then reads only its months' partitions.
    " AND e.occurred_at BETWEEN %s AND %s"
)
_UPDATE_SQLITE = "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s"


def lock_head() -> ChainHead:
    """The head row, locked until commit (a no-op UPDATE takes the lock on every vendor)."""
    ChainHead.objects.filter(pk=HEAD_PK).update(checkpoint_number=F("checkpoint_number"))
    return ChainHead.objects.get(pk=HEAD_PK)


def _fill(rows: list[tuple[int, int, str, str]], span: tuple[datetime, datetime]) -> None:
    if connection.vendor == "postgresql":
        columns = [list(column) for column in zip(*rows, strict=True)]
        with server_binding_cursor(connection) as cursor:
            cursor.execute(_UPDATE_POSTGRESQL, [*columns, *span])
    else:
        with connection.cursor() as cursor:
            cursor.executemany(_UPDATE_SQLITE, [(s, p, h, i) for i, s, p, h in rows])


def _pending_digests(limit: int, up_to_id: int | None) -> list[tuple[int, datetime, str]]:
    """(id, occurred_at, body hash) of up to `limit` events not yet sequenced, in their order
    of arrival, up to `up_to_id`."""
    if connection.vendor != "postgresql":
        pending = AuditEvent.objects.filter(seq__isnull=True).order_by("id")
        if up_to_id is not None:
            pending = pending.filter(id__lte=up_to_id)
        return [(e.id, e.occurred_at, body_hash(e.body())) for e in pending[:limit]]
    if up_to_id is None:
        up_to_id = _last_pending_id() or 0
    with server_binding_cursor(connection, binary=True) as cursor:
        cursor.execute(stored.TEXT_SETTINGS_AT_ONCE)
        cursor.execute(_PENDING_POSTGRESQL, [up_to_id, limit])
        rows = cursor.fetchall()
    bodies, sha256 = stored.Bodies(), hashlib.sha256
    digests = []
    for event_id, occurred_at, line in rows:
        parts = line.split(b"\t")
        body = bodies.body(line, parts) if len(parts) == stored.FIELDS else None
        if body is None:  # a tab or a NULL in a column, an odd timestamp: read it as a model
            digest = body_hash(AuditEvent.objects.get(id=event_id, occurred_at=occurred_at).body())
        else:
            digest = sha256(body[0]).hexdigest()
        digests.append((event_id, occurred_at, digest))
    return digests


def sequence_batch(
    head: ChainHead, *, limit: int = BATCH, up_to_id: int | None = None, tree: bool = True
) -> list:
    """Sequence up to `limit` events, oldest arrival first; the caller holds the head's lock
    (lock_head) and its transaction. Returns the (id, seq, prev_hash, hash) it gave.
    tree=False leaves the tree to the next checkpoint (SQLite's immediate sequencing, so that
    a broken tree stops checkpoints, never the actions being recorded)."""
    rows: list[tuple[int, int, str, str]] = []
    moments = []
    seq, prev = head.seq, head.hash
    for event_id, occurred_at, body_digest in _pending_digests(limit, up_to_id):
        moments.append(occurred_at)
        seq += 1
        digest = link_hash(seq=seq, prev_hash=prev, body_digest=body_digest)
        rows.append((event_id, seq, prev, digest))
        prev = digest
    if rows:
        _fill(rows, (min(moments), max(moments)))
        ChainHead.objects.filter(pk=HEAD_PK).update(seq=seq, hash=prev)
        head.seq, head.hash = seq, prev
    if tree:
        tree_integrate(head, known=[(s, h) for _, s, _, h in rows])
    return rows


def sequence_locked(*, batch: int = BATCH, tree: bool = True) -> ChainHead:
    """Lock the head and sequence every event committed (or written by this transaction) so
    far, in the current transaction; returns the locked head, for a checkpoint to sign."""
    head = lock_head()
    up_to = _last_pending_id()
    while up_to is not None:
        if len(sequence_batch(head, limit=batch, up_to_id=up_to, tree=False)) < batch:
            break
    if tree:
        tree_integrate(head)
    return head


def _last_pending_id() -> int | None:
    return AuditEvent.objects.filter(seq__isnull=True).aggregate(last=Max("id"))["last"]


def audit_sequence(*, batch: int = BATCH) -> int:
    """Sequence every event committed before the call, one transaction per batch (savepoints
    when called inside a transaction); returns how many. Events recorded meanwhile wait for
    the next run, so a steady stream of writers cannot keep it running."""
    up_to = _last_pending_id()
    total = 0
    while up_to is not None:
        with transaction.atomic():
            done = len(sequence_batch(lock_head(), limit=batch, up_to_id=up_to))
        total += done
        if done < batch:
            break
    return total


def sequenced(event: AuditEvent) -> AuditEvent:
    """The event as audit_record returned it, with its seq, prev_hash and hash (sequencing
    first when it has none yet: proofs, tests)."""
    if event.seq is None:
        audit_sequence()
        event.seq, event.prev_hash, event.hash = (
            AuditEvent.objects.filter(id=event.id, occurred_at=event.occurred_at)
            .values_list("seq", "prev_hash", "hash")
            .get()
        )
    return event


def sequenced_size() -> int:
    """The log's size once every event committed so far is sequenced (a mark to read the
    events recorded after it by seq)."""
    audit_sequence()
    return ChainHead.objects.get(pk=HEAD_PK).seq
