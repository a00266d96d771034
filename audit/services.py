"""Every write to the audit log: appending events, issuing checkpoints, rotating the key,
purging behind an anchor."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from . import context, triggers
from .cursors import server_binding_cursor
from .exceptions import AuditRecordRefused, SigningKeyMismatch
from .keys import signing_key
from .models import HEAD_PK, AuditCheckpoint, AuditEvent, ChainHead
from .partitions import purge_partitions
from .sequencer import audit_sequence, sequence_locked
from .tree import tree_integrate
from .verifier.encoding import (
    FORMAT_VERSION,
    MAX_SAFE_INTEGER,
    EncodingError,
    canonical_json,
    link_hash,
    sha256_hex,
)
from .verifier.notes import SignerKey, checkpoint_text, sign_checkpoint, text_hash

ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
OUTCOME = re.compile(r"[a-z][a-z0-9_]{0,31}")
DETAIL_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
DETAIL_STRING_MAX = 200
DETAIL_LIST_MAX = 1000
DETAILS_MAX_BYTES = 32_768


def _check_detail_value(value: object, path: str, *, depth: int) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        raise AuditRecordRefused(f"details.{path}: floats are not allowed (no canonical form)")
    if isinstance(value, str):
        if len(value) > DETAIL_STRING_MAX or any(not ch.isprintable() for ch in value):
            raise AuditRecordRefused(
                f"details.{path}: identifiers only (at most {DETAIL_STRING_MAX} printable "
                "characters), never free text"
            )
        return
    if isinstance(value, list | tuple):
        if len(value) > DETAIL_LIST_MAX:
            raise AuditRecordRefused(f"details.{path}: more than {DETAIL_LIST_MAX} items")
        for item in value:
            if isinstance(item, dict | list | tuple):
                raise AuditRecordRefused(f"details.{path}: lists hold scalars only")
            _check_detail_value(item, path, depth=depth)
        return
    if isinstance(value, dict) and depth == 0:
        _check_details(value, prefix=f"{path}.", depth=1)
        return
    raise AuditRecordRefused(f"details.{path}: {type(value).__name__} is not allowed")


def _check_details(details: dict, *, prefix: str = "", depth: int = 0) -> None:
    for key, value in details.items():
        if not isinstance(key, str) or not DETAIL_KEY.fullmatch(key):
            raise AuditRecordRefused(f"details key {prefix}{key!r} is not a lowercase identifier")
        _check_detail_value(value, f"{prefix}{key}", depth=depth)


def _plain(value):
    """Plain JSON types: str/int subclasses (enums, Django choices) become their value."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dict):
        return {str.__str__(key): _plain(item) for key, item in value.items()}
    return [_plain(item) for item in value]


# The usual details: a few keys, each a plain str, int, bool or None (most events). Such a dict
# of at most FLAT_KEYS_MAX keys cannot reach DETAILS_MAX_BYTES: a key is at most 64 ASCII
# characters and a string DETAIL_STRING_MAX printable characters (at most 4 bytes each once
# encoded, 2 for the escaped quote and backslash), and has a canonical encoding (a printable
# string holds no NUL and no lone surrogate, a key is ASCII, an int is checked here).
FLAT_KEYS_MAX = 32
_FLAT_SCALARS = frozenset({bool, type(None)})
_valid_keys: set[str] = set()


def _flat_plain(details: dict) -> bool:
    """The details are FLAT_KEYS_MAX keys or fewer of plain scalars, all allowed."""
    if len(details) > FLAT_KEYS_MAX:
        return False
    for key, value in details.items():
        if key not in _valid_keys:
            if type(key) is not str or not DETAIL_KEY.fullmatch(key):
                return False
            if len(_valid_keys) < 10_000:  # keys are written in the code: a handful
                _valid_keys.add(key)
        kind = type(value)
        if kind is str:
            if len(value) > DETAIL_STRING_MAX or not value.isprintable():
                return False
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                return False
        elif kind not in _FLAT_SCALARS:
            return False
    return True


def clean_details(details: dict | None) -> dict:
    """Small dicts of identifiers (references, counts, codes); floats and free text refused."""
    if details is None:
        return {}
    if not isinstance(details, dict):
        raise AuditRecordRefused("details must be a dict")
    if type(details) is dict and _flat_plain(details):
        return dict(details)  # the rules below would accept it as it is (no walk, no encoding)
    _check_details(details)
    cleaned = _plain(details)
    try:
        size = len(canonical_json(cleaned))
    except EncodingError as exc:
        raise AuditRecordRefused(f"details: {exc}") from exc
    if size > DETAILS_MAX_BYTES:
        raise AuditRecordRefused(f"details: {size} bytes, more than {DETAILS_MAX_BYTES}")
    return cleaned


def actor_snapshot(actor) -> tuple[int | None, str, bool, list[dict]]:
    """Who, as they were at the time: id, username, staff flag, roles in organisations."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "", False, []
    cursor = _append_cursor(connections[DEFAULT_DB_ALIAS])
    cursor.execute(_roles_statement(actor._meta.model), [actor.pk])
    roles = sorted(
        (
            {"dep": departement_code or "", "kind": kind, "org": code, "role": role}
            for departement_code, kind, code, role in cursor.fetchall()
        ),
        key=lambda role: (role["org"], role["kind"], role["role"]),
    )
    return actor.pk, actor.get_username(), bool(actor.is_staff), roles


@lru_cache(maxsize=8)
def _roles_statement(user_model: Any) -> str:
    """The SELECT of a user's roles (their `memberships`, each with its organisation), as the
    ORM writes it, compiled once per user model and run on the appends' kept cursor. Compiled
    for each event through the related manager, this read took about 0.85 ms against 0.35 ms
    now, and half the CPU an access record added to an API detail (1.1 to 1.3 ms, now 0.6)."""
    memberships = user_model.memberships  # the reverse relation's descriptor
    query = (
        memberships.rel.related_model._default_manager.filter(**{memberships.field.attname: 0})
        .values_list(
            "organization__departement_code", "organization__kind", "organization__code", "role"
        )
        .query
    )
    return query.sql_with_params()[0]


def scope_of(*, departement_code: str, roles: list[dict]) -> str:
    """ ",07,26,": the départements an event concerns, for departmental auditors' filter."""
    codes = {departement_code} | {role["dep"] for role in roles}
    codes.discard("")
    return f",{','.join(sorted(codes))}," if codes else ""


_INSERT_COLUMNS = (
    "v",
    "occurred_at",
    "actor_id",
    "actor_username",
    "actor_is_staff",
    "actor_roles",
    "action",
    "outcome",
    "target_type",
    "target_ref",
    "org_code",
    "departement_code",
    "scope",
    "ip",
    "user_agent",
    "request_id",
    "details",
)
_JSON_COLUMNS = {"actor_roles", "details"}
_ROLES, _DETAILS = _INSERT_COLUMNS.index("actor_roles"), _INSERT_COLUMNS.index("details")

# A plain INSERT: no lock, no seq (the sequencer gives it). Built from the constant column list
# above, never from input; values go as parameters.
_INSERT_POSTGRESQL = (
    f"INSERT INTO audit_auditevent ({', '.join(_INSERT_COLUMNS)}) VALUES ("  # noqa: S608
    + ", ".join("%s::jsonb" if c in _JSON_COLUMNS else "%s" for c in _INSERT_COLUMNS)
    + ") RETURNING id"
)
# SQLite: sequenced at once, so the row goes in with its seq and hashes.
_INSERT_SQLITE = (
    "INSERT INTO audit_auditevent (seq, prev_hash, hash, "  # noqa: S608
    f"{', '.join(_INSERT_COLUMNS)}) VALUES (%s, %s, %s, "
    + ", ".join("%s" for _ in _INSERT_COLUMNS)
    + ") RETURNING id"
)


def _insert(db, event: AuditEvent, values: dict[str, Any]) -> None:
    params: list[Any] = [values[column] for column in _INSERT_COLUMNS]
    params[_ROLES] = json.dumps(params[_ROLES]) if params[_ROLES] else "[]"
    params[_DETAILS] = json.dumps(params[_DETAILS]) if params[_DETAILS] else "{}"
    statement = _INSERT_POSTGRESQL
    if db.vendor != "postgresql":
        params[_INSERT_COLUMNS.index("occurred_at")] = db.ops.adapt_datetimefield_value(
            event.occurred_at
        )
        params = [event.seq, event.prev_hash, event.hash, *params]
        statement = _INSERT_SQLITE
    if db.vendor == "postgresql" and answer_waits.get() and _autocommit_unlogged(db):
        db.send_without_waiting(
            statement, params, answered=lambda value: setattr(event, "id", int(value))
        )
        return
    cursor = _append_cursor(db)
    cursor.execute(statement, params)
    event.id = cursor.fetchone()[0]


# Set while a request is being answered (audit/middleware.py): an access record made then, in
# autocommit, is sent without waiting, so that PostgreSQL commits it while the view builds its
# answer; the middleware settles it before the answer leaves. 0.86 ms of a 5.5 ms API detail
# were spent waiting for the record's INSERT and its durable commit (bench/audit_bench.py).
answer_waits: ContextVar[bool] = ContextVar("audit_answer_waits", default=False)


def _autocommit_unlogged(db) -> bool:
    """In a transaction the record commits with it; while Django logs queries it reads each
    statement's text back from the cursor, which a statement sent this way has none of."""
    return not db.in_atomic_block and not db.queries_logged


def settle_records() -> None:
    """Waits for the access record sent without waiting, if any, and raises its error."""
    settle = getattr(connections[DEFAULT_DB_ALIAS], "settle", None)  # config/postgresql
    if settle is not None:
        settle()


def _append_cursor(db):
    """The appends' cursor (the actor's roles, then the INSERT), one per database connection
    and thread, kept and reused: opening Django's cursor for each event took about 35 µs of the
    writer's CPU, as much as executing the INSERT. A new one after a reconnection, in another
    thread sharing the connection (live server tests), and when query logging turns on or off
    (the debug cursor records queries, for DEBUG and the tests' query counts); the checks
    opening a cursor makes come first. On PostgreSQL the values go apart from the statement,
    and both statements are prepared where the connection keeps them (audit/cursors.py)."""
    db.close_if_health_check_failed()
    db.ensure_connection()
    key = (db.connection, threading.get_ident(), db.queries_logged)
    kept = db.__dict__.get("_audit_append_cursor")
    if kept is not None and kept[0][0] is key[0] and kept[0][1:] == key[1:]:
        return kept[1]
    cursor = server_binding_cursor(db, prepared=True) if db.vendor == "postgresql" else db.cursor()
    db.__dict__["_audit_append_cursor"] = (key, cursor)
    return cursor


# The columns the sequencer fills later (and the id the INSERT returns): None in a new event.
_UNSEQUENCED = dict.fromkeys(
    field.attname
    for field in AuditEvent._meta.concrete_fields
    if field.attname not in _INSERT_COLUMNS
)


def _new_event(values: dict, *, db) -> AuditEvent:
    """The event being inserted, from its column values. Built without Model.__init__ while
    nothing listens to pre_init and post_init (for any model: asking for this one's listeners
    costs a third of what it saves): its two signals and its setattr for each field were an
    eighth of an append's instructions (34,000 of 265,000, README). Its state is a saved
    row's: the INSERT follows at once, or the event is refused."""
    if pre_init.receivers or post_init.receivers:
        event = AuditEvent(**_UNSEQUENCED, **values)
    else:
        event = AuditEvent.__new__(AuditEvent)
        event.__dict__.update(_UNSEQUENCED, **values)
        event._state = ModelState()
    event._state.adding, event._state.db = False, db.alias
    return event


def _take_seq_sqlite() -> tuple[int, str]:
    """SQLite: the next seq under the database's write lock (one writer at a time), kept until
    commit, so a rollback leaves no gap; the tree follows at the next sequencer run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_chainhead SET seq = seq + 1 WHERE id = %s RETURNING seq, hash",
            [HEAD_PK],
        )
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the audit chain head row is missing: run the audit migrations")
    return row[0], row[1]


def _check_values(values: dict) -> None:
    """Refuse an event whose body has no canonical form, as canonical_json(body) would, from the
    values as audit_record builds them, without walking again the details that clean_details
    has checked: the other members are str, int, bool or None, the roles a list of dicts of
    str, checked here at once (one join), and the time a datetime (always encodable: the body
    writes it with format_timestamp); anything else takes canonical_json's own walk."""
    texts: list[str] = []
    for name, value in values.items():
        kind = type(value)
        if kind is str:
            texts.append(value)
        elif name == "actor_roles" and kind is list and all(_plain_strings(r) for r in value):
            texts.extend(text for role in value for text in role.values())
        elif not (
            value is None
            or kind is bool
            or name == "details"
            or (name == "occurred_at" and isinstance(value, datetime))
            or (kind is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
        ):
            if isinstance(values.get("occurred_at"), datetime):
                values = {**values, "occurred_at": ""}  # as encodable as its timestamp
            canonical_json(values)
            return
    joined = "".join(texts)
    if "\x00" in joined:
        raise EncodingError("NUL character in a string")
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodingError("lone surrogate in a string") from exc


def _plain_strings(role: object) -> bool:
    """A dict of ASCII str keys and str values (the values are checked with the other texts)."""
    return type(role) is dict and all(
        type(key) is str and key.isascii() and type(value) is str for key, value in role.items()
    )


def _target_fields(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    reference = getattr(target, "reference", None) or str(target.pk)
    return target._meta.label_lower, str(reference)[:100]


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    organization=None,
    outcome: str = "ok",
    details: dict | None = None,
) -> AuditEvent:
    """Record one event in the caller's transaction (if it fails, so does the action, and if
    the action rolls back, so does the event). A request's record made in autocommit (a read)
    is sent without waiting and settled before the answer leaves (`answer_waits`): if it
    fails, so does the answer; its `id` is None until the connection's next statement. On
    PostgreSQL the event has no seq yet (None):
    the sequencer chains it within seconds, and before any checkpoint, verification or
    export; callers needing its seq call audit.sequencer.audit_sequence first. On SQLite (one
    writer at a time) it is sequenced at once."""
    if not isinstance(action, str) or len(action) > 64 or not ACTION.fullmatch(action):
        raise AuditRecordRefused(f"action {action!r} is not a dotted lowercase name")
    if not isinstance(outcome, str) or not OUTCOME.fullmatch(outcome):
        raise AuditRecordRefused(f"outcome {outcome!r} is not a lowercase word")
    details = clean_details(details)
    actor_id, username, is_staff, roles = actor_snapshot(actor)
    target_type, target_ref = _target_fields(target)
    org_code = organization.code if organization is not None else ""
    departement_code = (organization.departement_code or "") if organization is not None else ""
    where = context.current()
    values = {
        "v": FORMAT_VERSION,
        "occurred_at": timezone.now(),
        "actor_id": actor_id,
        "actor_username": username[:150],
        "actor_is_staff": is_staff,
        "actor_roles": roles,
        "action": action,
        "outcome": outcome,
        "target_type": target_type,
        "target_ref": target_ref,
        "org_code": org_code,
        "departement_code": departement_code,
        "scope": scope_of(departement_code=departement_code, roles=roles),
        "ip": where.ip,
        "user_agent": where.user_agent,
        "request_id": where.request_id,
        "details": details,
    }
    # Refused here, not at sequencing: a body without a canonical form never gets in. The
    # hash itself is the sequencer's (from the row as stored); only SQLite needs it now.
    _check_values(values)
    db = connections[DEFAULT_DB_ALIAS]
    event = _new_event(values, db=db)
    if db.vendor == "postgresql":
        # One statement: atomic on its own, in autocommit as in the caller's transaction.
        _insert(db, event, values)
        return event
    with transaction.atomic():
        event.seq, event.prev_hash = _take_seq_sqlite()
        event.hash = link_hash(
            seq=event.seq,
            prev_hash=event.prev_hash,
            body_digest=sha256_hex(canonical_json(event.body(), checked=False)),
        )
        _insert(db, event, values)
        ChainHead.objects.filter(pk=HEAD_PK).update(hash=event.hash)
    return event


logger = logging.getLogger("relais.audit")


def checkpoint_file_append(*, note: str) -> None:
    """Append a committed checkpoint to AUDIT_CHECKPOINT_FILE, outside the database (one note
    and a blank line each, as in an export's checkpoints.txt). A failure is logged, never
    raised: the database holds the checkpoint, and audit_verify compares the two."""
    path = getattr(settings, "AUDIT_CHECKPOINT_FILE", "")
    if not path:
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        with os.fdopen(descriptor, "a", encoding="utf-8", newline="\n") as handle:
            handle.write(note + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        logger.exception("could not append the checkpoint to AUDIT_CHECKPOINT_FILE")


def _issue(
    *,
    head: ChainHead,
    signers: list[SignerKey],
    reason: str,
    rotate_to: SignerKey | None = None,
    purged_to: int | None = None,
) -> AuditCheckpoint:
    signer_vkey = signers[0].verifier.encode()
    if head.signer and head.signer != signer_vkey:
        raise SigningKeyMismatch(
            "the configured audit signing key is not the chain's current key "
            f"({head.signer}); after a rotation, configure the new key"
        )
    number = head.checkpoint_number + 1
    issued_at = timezone.now()
    root_hash = tree_integrate(head).root().hex()
    text = checkpoint_text(
        origin=settings.AUDIT_LOG_ORIGIN,
        size=head.seq,
        head_hash=head.hash,
        root_hash=root_hash,
        number=number,
        time=issued_at,
        prev=head.checkpoint_hash,
        reason=reason,
        rotate_to=rotate_to.verifier if rotate_to else None,
        purged_to=purged_to,
    )
    checkpoint = AuditCheckpoint.objects.create(
        number=number,
        size=head.seq,
        head_hash=head.hash,
        root_hash=root_hash,
        issued_at=issued_at,
        prev=head.checkpoint_hash,
        reason=reason,
        signer=signer_vkey,
        note=sign_checkpoint(text, signers),
    )
    transaction.on_commit(partial(checkpoint_file_append, note=checkpoint.note))
    ChainHead.objects.filter(pk=HEAD_PK).update(
        checkpoint_number=number,
        checkpoint_hash=text_hash(text),
        signer=rotate_to.verifier.encode() if rotate_to else signer_vkey,
    )
    return checkpoint


def checkpoint_issue(
    *, reason: str = "periodic", signer: SignerKey | None = None
) -> AuditCheckpoint:
    """Sequence every committed event, then sign the head, even when nothing happened since
    the last checkpoint. The batches go in their own transactions when called outside one;
    the last one, under the lock the checkpoint keeps, catches those committed meanwhile."""
    if not connection.in_atomic_block:
        audit_sequence()
    with transaction.atomic():
        head = sequence_locked()
        return _issue(head=head, signers=[signer or signing_key()], reason=reason)


@transaction.atomic
def signing_key_rotate(*, new_key: SignerKey, actor=None) -> AuditCheckpoint:
    """Announce the next key in a checkpoint signed by the current key and by the new one."""
    old_key = signing_key()
    if new_key.verifier == old_key.verifier:
        raise SigningKeyMismatch("the new key is the current key")
    audit_record(
        actor=actor,
        action="audit.key_rotated",
        details={"new_key_id": new_key.verifier.key_id.hex()},
    )
    head = sequence_locked()
    return _issue(head=head, signers=[old_key, new_key], reason="rotation", rotate_to=new_key)


@dataclass(frozen=True)
class PurgeResult:
    purged_to: int
    deleted: int
    checkpoint: AuditCheckpoint | None
    dropped_partitions: tuple[str, ...] = ()


def purge_cut(*, before: datetime) -> int:
    """The last seq that may go: the largest checkpointed size whose events are all older
    than `before` (so an existing signed checkpoint anchors what remains)."""
    newest_old = (
        AuditEvent.objects.filter(occurred_at__lt=before, seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if newest_old is None:
        return 0
    younger = AuditEvent.objects.filter(seq__lte=newest_old, occurred_at__gte=before)
    first_young = younger.order_by("seq").values_list("seq", flat=True).first()
    limit = newest_old if first_young is None else first_young - 1
    size = (
        AuditCheckpoint.objects.filter(size__lte=limit)
        .order_by("-size")
        .values_list("size", flat=True)
        .first()
    )
    return size or 0


@transaction.atomic
def audit_purge(*, before: datetime | None = None, actor=None) -> PurgeResult:
    """Delete events older than the retention period behind a signed anchor: a purge checkpoint
    states where the log now starts, and an older checkpoint commits to the hash it starts from.
    On PostgreSQL the months entirely behind the anchor are dropped as whole partitions.

    Needs the audit tables' owner (the triggers are disabled for this transaction only)."""
    if before is None:
        before = timezone.now() - timedelta(days=getattr(settings, "AUDIT_RETENTION_DAYS", 365))
    cut = purge_cut(before=before)
    first = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if cut == 0 or first is None or first > cut:
        return PurgeResult(purged_to=(first or 1) - 1, deleted=0, checkpoint=None)
    key = signing_key()
    audit_record(
        actor=actor,
        action="audit.purged",
        details={"purged_to_seq": cut, "count": cut - first + 1},
    )
    head = sequence_locked()
    checkpoint = _issue(head=head, signers=[key], reason="purge", purged_to=cut)
    vendor = connection.vendor
    if vendor == "postgresql":
        dropped = purge_partitions(cut=cut, before=before)
        return PurgeResult(
            purged_to=cut,
            deleted=cut - first + 1,  # the chain's seqs are contiguous; a drop counts no row
            checkpoint=checkpoint,
            dropped_partitions=tuple(dropped),
        )
    triggers.execute(connection, triggers.disable_statements(vendor, "audit_auditevent"))
    deleted, _ = AuditEvent.objects.filter(seq__lte=cut).delete()
    triggers.execute(connection, triggers.enable_statements(vendor, "audit_auditevent"))
    return PurgeResult(purged_to=cut, deleted=deleted, checkpoint=checkpoint)
