"""docs/audit-format.md's worked examples are what the code computes: an auditor who
implements the document gets the same bytes."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from audit.verifier import merkle
from audit.verifier.encoding import GENESIS_HASH, body_hash, canonical_json, link_hash
from audit.verifier.export import parse_line
from audit.verifier.notes import (
    ALG_COSIGNATURE_V1,
    SignerKey,
    VerifierKey,
    cosigned_message,
    parse_checkpoint,
    parse_note,
    split_notes,
)


@pytest.fixture(scope="module")
def doc() -> str:
    return (Path(settings.BASE_DIR) / "docs" / "audit-format.md").read_text(encoding="utf-8")


def value(doc: str, name: str) -> str:
    """The worked value (the last `name = value` line without spaces in its value)."""
    return re.findall(rf"^{name}\s+= (\S+)$", doc, re.MULTILINE)[-1]


def test_worked_event_example_matches_the_code(doc):
    line = re.search(r"```json\n(.*)\n```", doc).group(1)
    body = parse_line(line.encode())
    assert canonical_json(body) == line.encode()
    assert f"canonical encoding, {len(line.encode())} bytes" in doc
    assert body_hash(body) == value(doc, "body_hash")
    expected_link = canonical_json(
        {"body_hash": body_hash(body), "prev_hash": GENESIS_HASH, "seq": 1}
    ).decode()
    assert value(doc, "link") == expected_link
    assert link_hash(seq=1, prev_hash=GENESIS_HASH, body_digest=body_hash(body)) == value(
        doc, "hash"
    )


def test_worked_key_and_checkpoint_examples_match_the_code(doc):
    key = SignerKey(
        name="relais.example/audit",
        private_key=Ed25519PrivateKey.from_private_bytes(bytes(range(32))),
    )
    vkey = key.verifier.encode()
    assert f"e.g. `{vkey}`" in doc
    assert VerifierKey.parse(vkey) == key.verifier
    (note,) = split_notes(checkpoint_block(doc, 3) + "\n")
    checkpoint = parse_checkpoint(note)
    assert checkpoint.note.signed_by(key.verifier)
    hashes, leaves, _store = example_tree(doc)
    assert (checkpoint.size, checkpoint.number) == (3, 1)
    assert (checkpoint.head_hash, checkpoint.prev) == (hashes[2], GENESIS_HASH)
    assert checkpoint.root_hash == merkle.root_of(leaves[:3]).hex() == value(doc, "root_3")
    assert f"`{checkpoint.text_hash}`" in doc
    # Ed25519 is deterministic: signing the same text again gives the documented line.
    assert key.sign_line(checkpoint.note.text) == note.split("\n\n")[1]
    # The same checkpoint in format 1: the chain hash as its third line, no chain line.
    format_1 = r"```\n(relais\.example/audit\n3\n[^\n]*\nnumber .*?\n)```"
    text = re.search(format_1, doc, re.DOTALL).group(1)
    old = parse_checkpoint(text + "\n" + key.sign_line(text))
    assert (old.root_hash, old.head_hash, old.number, old.size) == (None, hashes[2], 1, 3)
    assert text == checkpoint.note.text.replace(
        f"{checkpoint.note.text.split(chr(10))[2]}\nchain ", ""
    )


# -- version 2: the Merkle tree, format-2 checkpoints, witnesses -------------------------------


def hex_list(doc: str, name: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in value(doc, name).split(",")]


def example_tree(doc: str):
    hashes = [value(doc, f"hash_{i}") for i in range(1, 6)]
    assert hashes == [
        hashlib.sha256(f"relais example event {i}".encode()).hexdigest() for i in range(1, 6)
    ]
    leaves = [merkle.event_leaf(h) for h in hashes]
    compact, nodes = merkle.CompactRange(), []
    for leaf in leaves:
        compact.append(leaf, nodes)
    store = {(level, index): digest for level, index, digest in nodes}
    return hashes, leaves, store


def test_worked_merkle_example_matches_the_code(doc):
    _hashes, leaves, store = example_tree(doc)
    for i, leaf in enumerate(leaves, start=1):
        assert value(doc, f"leaf_{i}") == leaf.hex()
    assert value(doc, "node_12") == merkle.node_hash(leaves[0], leaves[1]).hex()
    assert value(doc, "node_34") == merkle.node_hash(leaves[2], leaves[3]).hex()
    root3, root5 = merkle.root_of(leaves[:3]), merkle.root_of(leaves)
    assert (value(doc, "root_3"), value(doc, "root_5")) == (root3.hex(), root5.hex())

    def node(level, index):
        return store[(level, index)]

    inclusion = hex_list(doc, "inclusion_2_in_5")
    assert merkle.inclusion_proof(node, 1, 5) == inclusion
    merkle.verify_inclusion(1, 5, leaves[1], inclusion, root5)
    consistency = hex_list(doc, "consistency_3_to_5")
    assert merkle.consistency_proof(node, 3, 5) == consistency
    merkle.verify_consistency(3, 5, consistency, root3, root5)
    # tree.txt's example: the compact range of size 5, largest subtree first.
    compact = merkle.CompactRange()
    for leaf in leaves:
        compact.append(leaf, [])
    documented = re.search(r"`5`, then `(\S+)`.*?then `(\S+)`", doc, re.DOTALL).groups()
    assert [base64.b64decode(h) for h in documented] == compact.hashes


def checkpoint_block(doc: str, size: int) -> str:
    """The signed note of section 4.5 of that size."""
    pattern = rf"```\n(relais\.example/audit\n{size}\n[^\n]*\nchain .*?\n)```"
    return re.search(pattern, doc, re.DOTALL).group(1)


def format2_block(doc: str) -> str:
    return checkpoint_block(doc, 5)


def test_worked_format_2_checkpoint_matches_the_code(doc):
    hashes, leaves, _store = example_tree(doc)
    key = SignerKey(
        name="relais.example/audit",
        private_key=Ed25519PrivateKey.from_private_bytes(bytes(range(32))),
    )
    (note,) = split_notes(format2_block(doc) + "\n")
    checkpoint = parse_checkpoint(note)
    assert checkpoint.note.signed_by(key.verifier)
    assert (checkpoint.size, checkpoint.number) == (5, 2)
    assert checkpoint.root_hash == merkle.root_of(leaves).hex()
    assert checkpoint.head_hash == hashes[4]
    previous = checkpoint_block(doc, 3)
    assert checkpoint.prev == parse_checkpoint(split_notes(previous + "\n")[0]).text_hash
    assert key.sign_line(checkpoint.note.text) == note.split("\n\n")[1]


def test_worked_cosignature_matches_the_code(doc):
    witness = SignerKey(
        name="ctrl.example/w1",
        private_key=Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64))),
        alg=ALG_COSIGNATURE_V1,
    )
    vkey = witness.verifier.encode()
    assert f"`{vkey}`" in doc
    assert VerifierKey.parse(vkey, cosigner=True) == witness.verifier
    (note,) = split_notes(format2_block(doc) + "\n")
    text = parse_checkpoint(note).note.text
    message = re.search(r"```\n(cosignature/v1\n.*?\n)```", doc, re.DOTALL).group(1)
    assert cosigned_message(text, 1774748400).decode() == message
    line = re.search(r"```\n(\u2014 ctrl\.example/w1 \S+\n)```", doc).group(1)
    assert witness.cosign_line(text, 1774748400) == line
    assert parse_note(note + line).cosigned_by(witness.verifier) == 1774748400


def test_witness_answers_are_documented_as_the_witness_gives_them(doc):
    for status in ("400", "403", "404", "409", "422", "200"):
        assert f"| {status}" in doc
    assert "text/x.tlog.size" in doc


def test_the_witness_request_example_is_what_relais_sends_and_the_witness_cosigns(doc, tmp_path):
    """Section 8.1's body, byte for byte: old 3, consistency_3_to_5, checkpoint 2's note; a
    witness that holds checkpoint 1 cosigns it, and the line verifies as section 8.2 says."""
    from witness.server import Witness, parse_request
    from witness.store import Store

    body = re.search(r"```\n(old 3\n.*?\n)```", doc, re.DOTALL).group(1)
    old, proof, note = parse_request(body.encode())
    assert (old, proof) == (3, hex_list(doc, "consistency_3_to_5"))
    assert note == format2_block(doc)
    key = SignerKey(
        name="relais.example/audit",
        private_key=Ed25519PrivateKey.from_private_bytes(bytes(range(32))),
    )
    witness_key = SignerKey(
        name="ctrl.example/w1",
        private_key=Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64))),
        alg=ALG_COSIGNATURE_V1,
    )
    witness = Witness(
        key=witness_key,
        store=Store(tmp_path / "witness.db", init=True),
        logs={"relais.example/audit": [key.verifier]},
    )
    first = checkpoint_block(doc, 3)
    assert witness.add_checkpoint(("old 0\n\n" + first).encode()).status == 200
    answer = witness.add_checkpoint(body.encode())
    assert answer.status == 200
    assert parse_note(note + answer.body).cosigned_by(witness_key.verifier) is not None
