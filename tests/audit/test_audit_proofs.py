"""The inclusion proof of one event from the API, checked as an outside auditor would: with
the log's public key and RFC 9162 alone."""

import base64

import pytest

from audit.models import AuditEvent
from audit.sequencer import sequenced
from audit.services import audit_record, checkpoint_issue
from audit.verifier import merkle
from audit.verifier.encoding import body_hash, link_hash
from audit.verifier.notes import parse_checkpoint

from .test_audit_api import activity, client_for  # noqa: F401

pytestmark = pytest.mark.django_db

PROOF = "/api/v1/audit/events/{seq}/proof/"


def check_like_an_auditor(answer: dict, key) -> None:
    """Body -> body hash -> chain hash -> leaf -> root in a checkpoint signed by the log."""
    line = answer["event"]
    digest = body_hash(line["body"])
    assert (
        link_hash(seq=line["seq"], prev_hash=line["prev_hash"], body_digest=digest)
        == (line["hash"])
    )
    leaf = merkle.leaf_hash(bytes.fromhex(line["hash"]))
    assert base64.b64decode(answer["leaf_hash"]) == leaf
    checkpoint = parse_checkpoint(answer["checkpoint"])
    assert checkpoint.note.signed_by(key.verifier)
    assert checkpoint.size == answer["tree_size"]
    proof = [base64.b64decode(node) for node in answer["inclusion_proof"]]
    assert len(proof) <= max(1, checkpoint.size.bit_length())
    merkle.verify_inclusion(
        line["seq"] - 1, checkpoint.size, leaf, proof, bytes.fromhex(checkpoint.root_hash)
    )


def test_an_auditor_gets_a_proof_that_verifies_in_the_latest_and_an_older_checkpoint(
    activity,  # noqa: F811
    users,
    audit_key,
):
    first = checkpoint_issue()
    for _ in range(9):
        audit_record(actor=users["mayor"], action="request.viewed")
    latest = checkpoint_issue()
    seq = AuditEvent.objects.filter(action="request.viewed").order_by("seq").first().seq
    client = client_for(users["auditor_national"])
    answer = client.get(PROOF.format(seq=seq)).json()
    assert answer["checkpoint_number"] == latest.number
    check_like_an_auditor(answer, audit_key)
    older = client.get(PROOF.format(seq=seq), {"checkpoint": first.number}).json()
    assert older["tree_size"] == first.size
    check_like_an_auditor(older, audit_key)
    assert AuditEvent.objects.filter(action="audit.proof_viewed").count() == 2


def test_a_proof_is_refused_when_no_checkpoint_covers_the_event(activity, users, audit_key):  # noqa: F811
    checkpoint_issue()
    seq = sequenced(audit_record(actor=users["mayor"], action="request.viewed")).seq
    client = client_for(users["auditor_national"])
    assert client.get(PROOF.format(seq=seq)).status_code == 409
    assert client.get(PROOF.format(seq=1), {"checkpoint": "x"}).status_code == 400


def test_outside_the_scope_or_not_an_auditor_answers_404(activity, users, audit_key):  # noqa: F811
    checkpoint_issue()
    arras = AuditEvent.objects.get(actor_username="liaison-62").seq
    assert client_for(users["auditor26"]).get(PROOF.format(seq=arras)).status_code == 404
    assert client_for(users["mayor"]).get(PROOF.format(seq=arras)).status_code == 404
    assert client_for(users["auditor26"]).get(PROOF.format(seq=10**9)).status_code == 404


@pytest.mark.parametrize("seq", [0, 2**53, 2**63, 10**20])
def test_a_seq_no_log_can_hold_is_bad_input_not_a_server_error(activity, users, audit_key, seq):  # noqa: F811
    """Past 2**53 - 1 no event can exist (the format's integers are JSON's exact ones), and the
    denial's record could not hold it: found by schemathesis run from outside, as an auditor."""
    response = client_for(users["auditor26"]).get(PROOF.format(seq=seq))
    assert response.status_code == 400
    assert response.json() == {"seq": ["A seq from 1 to 9007199254740991."]}


@pytest.mark.parametrize("number", ["\u00b2", "1" * 19, "-1"])
def test_a_checkpoint_number_that_is_not_one_is_bad_input(activity, users, audit_key, number):  # noqa: F811
    response = client_for(users["auditor_national"]).get(
        PROOF.format(seq=1), {"checkpoint": number}
    )
    assert response.status_code == 400
    assert response.json() == {"checkpoint": ["A checkpoint number."]}
