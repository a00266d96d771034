"""The Merkle tree over the audit events, as stored: complete subtrees in audit_merklenode, the
compact range in the head row (docs/audit-format.md, section 4).

Appends do not touch the tree: the sequencer (audit/sequencer.py) integrates each batch it
chains, under the head row's lock, with `tree_integrate`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db import connection

from .cursors import server_binding_cursor
from .exceptions import AuditError
from .models import HEAD_PK, AuditEvent, ChainHead
from .verifier import merkle

BATCH = 5000


class ProofUnavailable(AuditError):
    """No proof can be given (event not yet in a checkpoint, or sizes out of range)."""


# PostgreSQL: a batch's nodes in one statement (three arrays), not one INSERT per node: about
# two nodes per event, so this was most of the sequencer's own CPU per event.
_INSERT_NODES_POSTGRESQL = (
    "INSERT INTO audit_merklenode (level, idx, hash)"
    " SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])"
)


def _insert_nodes(nodes: list[tuple[int, int, bytes]]) -> None:
    if connection.vendor == "postgresql":
        levels, indexes, hashes = (list(column) for column in zip(*nodes, strict=True))
        with server_binding_cursor(connection) as cursor:
            cursor.execute(_INSERT_NODES_POSTGRESQL, [levels, indexes, hashes])
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO audit_merklenode (level, idx, hash) VALUES (%s, %s, %s)", nodes
        )


def tree_integrate(
    head: ChainHead, *, known: list[tuple[int, str]] | None = None
) -> merkle.CompactRange:
    """Add events tree_size+1 … head.seq to the tree; the caller holds the head row's lock.
    `known`: the (seq, hash) of the events just sequenced, read from the table otherwise."""
    compact = merkle.CompactRange.decode(head.tree_size, head.tree_range)
    if compact.size == head.seq:
        return compact
    first = compact.size + 1
    hashes: Iterable[Any]
    if known and known[0][0] == first and known[-1][0] == head.seq:
        hashes = known
    else:
        hashes = (
            AuditEvent.objects.filter(seq__gte=first, seq__lte=head.seq)
            .order_by("seq")
            .values_list("seq", "hash")
            .iterator(chunk_size=BATCH)
        )
    expected = first
    nodes: list[tuple[int, int, bytes]] = []
    for seq, event_hash in hashes:
        if seq != expected:
            raise AuditError(
                f"the Merkle tree cannot integrate seq {seq}: seq {expected} is missing"
                " (events purged before the tree was built, or deleted)"
            )
        compact.append(merkle.event_leaf(cast(str, event_hash)), nodes)
        expected += 1
        if len(nodes) >= BATCH:
            _insert_nodes(nodes)
            nodes = []
    if nodes:
        _insert_nodes(nodes)
    if compact.size != head.seq:
        raise AuditError(f"the Merkle tree ends at {compact.size}, the head at {head.seq}")
    ChainHead.objects.filter(pk=HEAD_PK).update(tree_size=compact.size, tree_range=compact.encode())
    head.tree_size, head.tree_range = compact.size, compact.encode()
    return compact


def _fetch(wanted: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not wanted:
        return {}
    found: dict[tuple[int, int], bytes] = {}
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        by_level.setdefault(level, []).append(index)
    with connection.cursor() as cursor:
        for level, indexes in by_level.items():
            marks = ", ".join(["%s"] * len(indexes))
            cursor.execute(
                f"SELECT idx, hash FROM audit_merklenode WHERE level = %s AND idx IN ({marks})",  # noqa: S608
                [level, *indexes],
            )
            for index, digest in cursor.fetchall():
                found[(level, index)] = bytes(digest)
    missing = wanted - found.keys()
    if missing:
        raise ProofUnavailable(f"{len(missing)} Merkle tree nodes are missing from the store")
    return found


def _prove(make):
    nodes = _fetch(merkle.needed_nodes(make))
    return make(lambda level, index: nodes[(level, index)])


def inclusion_proof(*, seq: int, size: int) -> list[bytes]:
    """The hashes proving that event `seq` is leaf seq-1 of the tree of `size` events."""
    return _prove(lambda node: merkle.inclusion_proof(node, seq - 1, size))


def consistency_proof(*, old_size: int, new_size: int) -> list[bytes]:
    return _prove(lambda node: merkle.consistency_proof(node, old_size, new_size))


def compact_range_at(size: int) -> merkle.CompactRange:
    """The compact range of the first `size` events, from the stored subtrees."""
    wanted, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size & (1 << level):
            wanted.append((level, start >> level))
            start += 1 << level
    nodes = _fetch(set(wanted))
    return merkle.CompactRange(size, [nodes[key] for key in wanted])
