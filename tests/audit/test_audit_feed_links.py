"""ChainVerifier.feed_links (the fast path audit_verify takes on PostgreSQL) reaches the same
verdict as feeding the events one by one through feed_link, for a clean chain and for every
kind of tampering of the links, in every tree mode (from seq 1, from a compact range, in a
parallel slice that collects its leaves)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from audit.verifier.chain import ChainVerifier
from audit.verifier.encoding import GENESIS_HASH, link_hash
from audit.verifier.merkle import CompactRange, event_leaf


@dataclass
class Point:
    """What the events' checks read of a checkpoint."""

    number: int
    head_hash: str
    root_hash: str | None


def make_chain(count: int) -> list[tuple[int, str, str, str]]:
    links, prev = [], GENESIS_HASH
    for seq in range(1, count + 1):
        digest = hashlib.sha256(f"body {seq} «é»".encode()).hexdigest()
        stored = link_hash(seq=seq, prev_hash=prev, body_digest=digest)
        links.append((seq, prev, stored, digest))
        prev = stored
    return links


CHAIN = make_chain(40)


def roots(links) -> dict[int, str]:
    tree, out = CompactRange(), {}
    for seq, _prev, stored, _digest in links:
        tree.append(event_leaf(stored))
        out[seq] = tree.root().hex()
    return out


ROOTS = roots(CHAIN)


def verifier(mode: str, first: int) -> ChainVerifier:
    checker = ChainVerifier(trusted_keys=[], segment=mode == "segment")
    checker._checkpoints_loaded = True
    for number, size in enumerate((8, 17, 32, 40), start=1):
        checker.by_size[size] = Point(number, CHAIN[size - 1][2], ROOTS[size])
    if first == 1:
        checker.by_size[0] = Point(0, GENESIS_HASH, None)
    if mode in ("tree", "segment-tree") and first > 1:
        compact = CompactRange()
        for _seq, _prev, stored, _digest in CHAIN[: first - 1]:
            compact.append(event_leaf(stored))
        checker.start_tree(compact)
    if mode == "segment-tree":
        checker.segment = True
    return checker


def state(checker: ChainVerifier) -> tuple:
    report = checker.report
    tree = checker.tree
    return (
        report.errors,
        report.warnings,
        report.events,
        report.first_seq,
        report.last_seq,
        checker._expected_seq,
        checker._prev_stored,
        checker.first_prev_hash,
        checker.merkle_roots_checked,
        checker.root_errors,
        checker.leaves,
        None if tree is None else (tree.size, tree.hashes),
    )


def swap(links, i, j):
    links = list(links)
    links[i], links[j] = links[j], links[i]
    return links


def edit(links, i, **changes):
    links = list(links)
    seq, prev, stored, digest = links[i]
    values = {"seq": seq, "prev": prev, "stored": stored, "digest": digest, **changes}
    links[i] = (values["seq"], values["prev"], values["stored"], values["digest"])
    return links


def rehashed_from(links, i, digest):
    """Event i's body edited and every hash after it recomputed (no key: the checkpoints
    still tell)."""
    links = list(links[:i])
    prev = links[-1][2] if links else GENESIS_HASH
    for seq, _prev, _stored, old_digest in CHAIN[i:]:
        body = digest if seq == i + 1 else old_digest
        stored = link_hash(seq=seq, prev_hash=prev, body_digest=body)
        links.append((seq, prev, stored, body))
        prev = stored
    return links


# Every tampering lies after the latest start tried (seq 18).
TAMPERED = {
    "clean": lambda c: c,
    "body edited": lambda c: edit(c, 24, digest="ab" * 32),
    "body unusable": lambda c: edit(c, 25, digest=None),
    "hash uppercase": lambda c: edit(c, 28, stored=c[28][2].upper()),
    "hash not hex": lambda c: edit(c, 28, stored="z" * 64),
    "prev_hash edited": lambda c: edit(c, 30, prev="0" * 64),
    "event deleted": lambda c: c[:21] + c[22:],
    "event duplicated": lambda c: [*c[:21], c[21], *c[21:]],
    "events swapped": lambda c: swap(c, 22, 23),
    "renumbered": lambda c: edit(c, 20, seq=99),
    "checkpointed event rehashed": lambda c: rehashed_from(c, 23, "cd" * 32),
    "tail rehashed": lambda c: rehashed_from(c, 35, "ef" * 32),
    "truncated": lambda c: c[:30],
}


@pytest.mark.parametrize("mode", ["tree", "segment", "segment-tree"])
@pytest.mark.parametrize("first", [1, 9, 18])
@pytest.mark.parametrize("chunk", [1, 3, 1000])
@pytest.mark.parametrize("tampering", list(TAMPERED))
def test_feed_links_reaches_the_verdict_of_feed_link(mode, first, chunk, tampering):
    links = TAMPERED[tampering](CHAIN)[first - 1 :]
    one_by_one = verifier(mode, first)
    for link in links:
        one_by_one.feed_link(*link)
    fast = verifier(mode, first)
    for offset in range(0, len(links), chunk):
        fast.feed_links(links[offset : offset + chunk])
    assert state(fast) == state(one_by_one)
    found = fast.report.errors + fast.root_errors
    fast_final, slow_final = fast.finish(), one_by_one.finish()
    assert (fast_final.errors, fast_final.warnings) == (slow_final.errors, slow_final.warnings)
    if tampering == "clean":
        assert found == []
        assert fast_final.ok or mode != "tree"
    elif tampering not in ("body unusable", "truncated"):
        # An unusable body is reported by the caller, which could not hash it; a truncated
        # tail by the checkpoints' run, which these checks do not load.
        assert found
