"""docs/audit-format.md's worked examples are what the code computes: an auditor who
implements the document gets the same bytes."""

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from audit.verifier.encoding import GENESIS_HASH, body_hash, canonical_json, link_hash
from audit.verifier.export import parse_line
from audit.verifier.notes import SignerKey, VerifierKey, parse_checkpoint, split_notes


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
    block = re.search(r"```\n(relais\.example/audit\n1\n.*?\n)```", doc, re.DOTALL).group(1)
    (note,) = split_notes(block + "\n")
    checkpoint = parse_checkpoint(note)
    assert checkpoint.note.signed_by(key.verifier)
    assert checkpoint.head_hash == value(doc, "hash")
    assert f"`{checkpoint.text_hash}`" in doc
    # Ed25519 is deterministic: signing the same text again gives the documented line.
    assert key.sign_line(checkpoint.note.text) == note.split("\n\n")[1]
