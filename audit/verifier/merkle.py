"""RFC 9162 Merkle trees: leaf and node hashes, compact ranges, inclusion and consistency proofs;
see docs/audit-format.md, section 4.

Standard library only. Leaf index i (from 0) is the event with seq i + 1. Hashes are bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, or a request for a proof that cannot exist."""


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(event_hash_hex: str) -> bytes:
    """An event's leaf: its entry is the 32 bytes of its chain hash (docs section 3)."""
    return hashlib.sha256(b"\x00" + bytes.fromhex(event_hash_hex)).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) by the definition (reference, for tests and small trees)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


class CompactRange:
    """The roots of the perfect subtrees that make up [0, size), largest first: O(log n) hashes
    from which the root is computed and to which leaves are appended."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != size.bit_count():
            raise ProofError(f"a compact range of size {size} has {size.bit_count()} hashes")

    def append(self, leaf: bytes, nodes: list | None = None) -> None:
        """Add one leaf; `nodes` collects (level, index, hash) of every subtree it completes,
        the leaf itself at level 0."""
        index = self.size
        hashes = self.hashes
        if nodes is not None:
            nodes.append((0, index, leaf))
        current = leaf
        level = 0
        while index & 1:
            current = node_hash(hashes.pop(), current)
            level += 1
            index >>= 1
            if nodes is not None:
                nodes.append((level, index, current))
        hashes.append(current)
        self.size += 1

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        current = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            current = node_hash(left, current)
        return current

    def encode(self) -> str:
        return ",".join(h.hex() for h in self.hashes)

    @classmethod
    def decode(cls, size: int, text: str) -> CompactRange:
        return cls(size, [bytes.fromhex(part) for part in text.split(",") if part])

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)


# -- proofs from stored complete subtrees ------------------------------------------------------
#
# `node(level, index)` returns the hash of the perfect subtree of 2**level leaves starting at
# leaf index * 2**level. Any range [start, end) used by the proofs is cut into such subtrees.


NodeGetter = Callable[[int, int], bytes]


def _range_hash(node: NodeGetter, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range that is a subtree of some tree (start aligned)."""
    width = end - start
    if width & (width - 1) == 0 and start % width == 0:
        level = width.bit_length() - 1
        return node(level, start >> level)
    k = _split(width)
    return node_hash(_range_hash(node, start, start + k), _range_hash(node, start + k, end))


def _path(node: NodeGetter, index: int, start: int, end: int) -> list[bytes]:
    """PATH(m, D[start:end]) of RFC 9162 section 2.1.3.1, leaf first."""
    width = end - start
    if width <= 1:
        return []
    k = _split(width)
    if index < k:
        return [*_path(node, index, start, start + k), _range_hash(node, start + k, end)]
    return [*_path(node, index - k, start + k, end), _range_hash(node, start, start + k)]


def _subproof(node: NodeGetter, m: int, start: int, end: int, complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[start:end], b) of RFC 9162 section 2.1.4.1."""
    width = end - start
    if m == width:
        return [] if complete else [_range_hash(node, start, end)]
    k = _split(width)
    if m <= k:
        return [*_subproof(node, m, start, start + k, complete), _range_hash(node, start + k, end)]
    return [*_subproof(node, m - k, start + k, end, False), _range_hash(node, start, start + k)]


def inclusion_proof(node: NodeGetter, index: int, size: int) -> list[bytes]:
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    return _path(node, index, 0, size)


def consistency_proof(node: NodeGetter, old_size: int, new_size: int) -> list[bytes]:
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    return _subproof(node, old_size, 0, new_size, True)


def needed_nodes(make_proof: Callable[[NodeGetter], list[bytes]]) -> set[tuple[int, int]]:
    """The (level, index) pairs a proof reads, so that a store can fetch them in one query."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return bytes(HASH_SIZE)

    make_proof(record)
    return wanted


# -- verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) --------------------------------------


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is beyond the tree size {size}")
    if len(leaf) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("hashes are 32 bytes")
    fn, sn = index, size - 1
    result = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(p, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return result


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(
    old_size: int, new_size: int, proof: list[bytes], old_root: bytes, new_root: bytes
) -> None:
    if not 0 <= old_size <= new_size:
        raise ProofError("the old size is larger than the new size")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("hashes are 32 bytes")
    if old_size == new_size:
        if proof:
            raise ProofError("a proof between equal sizes is empty")
        if old_root != new_root:
            raise ProofError("same size, different roots")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a proof from the empty tree is empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root or sr != new_root:
        raise ProofError("the consistency proof does not lead to both roots")
