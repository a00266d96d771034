"""RFC 9162 Merkle tree, compact range and proofs against the published RFC 6962 vectors
(tests/audit/data/merkle_vectors.json, from transparency-dev/merkle)."""

import json
from pathlib import Path

import pytest

from audit.verifier import merkle

VECTORS = json.loads((Path(__file__).parent / "data" / "merkle_vectors.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(data)) for data in VECTORS["leaf_inputs"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["root_hashes"]]
NODES = [[bytes.fromhex(h) for h in level] for level in VECTORS["node_hashes"]]


def _hashes(hexes):
    return [bytes.fromhex(h) for h in hexes]


def stored_nodes(leaves):
    """Every complete subtree, as the database keeps them, built by appends."""
    compact, nodes = merkle.CompactRange(), []
    for leaf in leaves:
        compact.append(leaf, nodes)
    return {(level, index): digest for level, index, digest in nodes}


STORE = stored_nodes(LEAVES)


def getter(level, index):
    return STORE[(level, index)]


def test_leaf_and_node_hashes_match_the_vectors():
    assert NODES[0] == LEAVES
    for (level, index), digest in STORE.items():
        assert NODES[level][index] == digest


@pytest.mark.parametrize("size", range(9))
def test_roots_by_definition_and_by_compact_range_match_the_vectors(size):
    assert merkle.root_of(LEAVES[:size]) == ROOTS[size]
    compact = merkle.CompactRange()
    for leaf in LEAVES[:size]:
        compact.append(leaf)
    assert compact.root() == ROOTS[size]
    assert len(compact.hashes) == size.bit_count()
    again = merkle.CompactRange.decode(size, compact.encode())
    assert again.root() == ROOTS[size]


@pytest.mark.parametrize("vector", VECTORS["inclusion_proofs"], ids=str)
def test_inclusion_proofs_match_and_verify(vector):
    index, size, proof = vector["leaf"] - 1, vector["size"], _hashes(vector["proof"])
    assert merkle.inclusion_proof(getter, index, size) == proof
    merkle.verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])


@pytest.mark.parametrize("vector", VECTORS["consistency_proofs"], ids=str)
def test_consistency_proofs_match_and_verify(vector):
    size1, size2, proof = vector["size1"], vector["size2"], _hashes(vector["proof"])
    assert merkle.consistency_proof(getter, size1, size2) == proof
    merkle.verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])


def test_every_proof_in_the_eight_leaf_tree_verifies_and_corruption_is_refused():
    for size in range(1, 9):
        for index in range(size):
            proof = merkle.inclusion_proof(getter, index, size)
            assert len(proof) <= size.bit_length()
            merkle.verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])
            with pytest.raises(merkle.ProofError):
                merkle.verify_inclusion(index, size, LEAVES[(index + 1) % 8], proof, ROOTS[size])
            if proof:
                bad = [bytes([proof[0][0] ^ 8]) + proof[0][1:], *proof[1:]]
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(index, size, LEAVES[index], bad, ROOTS[size])
                with pytest.raises(merkle.ProofError):
                    merkle.verify_inclusion(index, size, LEAVES[index], proof[:-1], ROOTS[size])
        for old in range(0, size + 1):
            proof = merkle.consistency_proof(getter, old, size)
            merkle.verify_consistency(old, size, proof, ROOTS[old], ROOTS[size])
            if proof:
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(old, size, proof, ROOTS[old], ROOTS[size - 1])
                with pytest.raises(merkle.ProofError):
                    merkle.verify_consistency(
                        old, size, [*proof, ROOTS[1]], ROOTS[old], ROOTS[size]
                    )


def test_proofs_in_a_larger_tree_are_logarithmic_and_verify():
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(1000)]
    store = stored_nodes(leaves)
    roots = {n: merkle.root_of(leaves[:n]) for n in (1, 37, 512, 513, 999, 1000)}
    for size, root in roots.items():
        for index in {0, size // 3, size - 1}:
            proof = merkle.inclusion_proof(lambda lv, ix: store[(lv, ix)], index, size)
            assert len(proof) <= 10
            merkle.verify_inclusion(index, size, leaves[index], proof, root)
        for old, old_root in roots.items():
            if old <= size:
                proof = merkle.consistency_proof(lambda lv, ix: store[(lv, ix)], old, size)
                assert len(proof) <= 20
                merkle.verify_consistency(old, size, proof, old_root, root)


def test_needed_nodes_lists_what_a_proof_reads():
    wanted = merkle.needed_nodes(lambda node: merkle.inclusion_proof(node, 5, 8))
    assert wanted == {(0, 4), (1, 3), (2, 0)}
