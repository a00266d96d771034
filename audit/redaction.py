"""Redaction: an event found to carry personal data loses its personal fields, on the
authorisation of an auditor's request, while its body hash, link and leaf stay as they were
(docs/audit-format.md, section 5.6)."""

from __future__ import annotations

import re

from django.db import connection, transaction
from django.utils import timezone

from sharing.privacy import find_identifiers

from .exceptions import AuditError
from .models import AuditEvent, AuditRedaction
from .selectors import auditor_scope
from .services import audit_record
from .triggers import REDACTED_BLANK
from .verifier.encoding import body_hash, link_hash

AUTHORISATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:-]{0,99}")


class RedactionRefused(AuditError):
    """Not authorised, not found, already redacted, or an event that does not verify."""


def redacted_line(event: AuditEvent, digest: str) -> dict:
    return {"seq": event.seq, "prev_hash": event.prev_hash, "hash": event.hash, "body_hash": digest}


def redactions_in(first: int, last: int) -> dict[int, str]:
    """{seq: body_hash} of the redacted events in [first, last]."""
    return dict(
        AuditRedaction.objects.filter(seq__gte=first, seq__lte=last).values_list("seq", "body_hash")
    )


@transaction.atomic
def audit_redact(*, seq: int, authorisation: str, auditor) -> AuditRedaction:
    """Remove event `seq`'s personal fields (REDACTED_BLANK), keep its body hash, and record the
    redaction as an audit event, all in one transaction. `auditor` is the account of the
    auditor whose request (`authorisation`, its reference) authorises it."""
    if not isinstance(authorisation, str) or not AUTHORISATION.fullmatch(authorisation):
        raise RedactionRefused("the authorisation is the reference of an auditor's request")
    if find_identifiers(authorisation):
        raise RedactionRefused("the authorisation reference carries personal data")
    is_auditor = (
        auditor is not None
        and auditor_scope(user=auditor) is not False
        and auditor.memberships.filter(role="auditor", organization__kind="oversight").exists()
    )
    if not is_auditor:
        # Platform staff see the log but do not authorise its redaction: an oversight body does.
        raise RedactionRefused("only an auditor's request authorises a redaction")
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise RedactionRefused(f"no event {seq}")
    scope = None if auditor.is_staff else auditor_scope(user=auditor)
    if scope is not None and not any(f",{code}," in event.scope for code in scope):
        raise RedactionRefused(f"event {seq} is outside the auditor's scope")
    if AuditRedaction.objects.filter(seq=seq).exists():
        raise RedactionRefused(f"event {seq} is already redacted")
    digest = body_hash(event.body())
    if link_hash(seq=event.seq, prev_hash=event.prev_hash, body_digest=digest) != event.hash:
        raise RedactionRefused(f"event {seq} does not match its hash: verify the log first")
    redaction = AuditRedaction.objects.create(
        seq=seq,
        body_hash=digest,
        authorisation=authorisation,
        auditor_id=auditor.pk,
        auditor_username=auditor.get_username()[:150],
        redacted_at=timezone.now(),
    )
    blanks = ", ".join(
        f"{column} = {value}{'::jsonb' if connection.vendor == 'postgresql' and column in ('actor_roles', 'details') else ''}"  # noqa: E501
        for column, value in REDACTED_BLANK.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE audit_auditevent SET {blanks} WHERE seq = %s", [seq])  # noqa: S608
    audit_record(
        actor=auditor,
        action="audit.event_redacted",
        details={"seq": seq, "authorisation": authorisation, "body_hash": digest},
    )
    return redaction
