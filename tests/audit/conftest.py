"""Fixtures for the audit tests: a signing key, organisations and users, and the attacker's
tool (disabling the append-only triggers, which only the tables' owner can do)."""

import base64
import contextlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from accounts.models import Membership, Organization, User
from audit import triggers
from audit.keys import signing_key


def raw_key() -> str:
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(seed).decode("ascii")


@pytest.fixture
def audit_key(settings):
    """A fresh Ed25519 key configured as AUDIT_SIGNING_KEY; returns the SignerKey."""
    settings.AUDIT_SIGNING_KEY = raw_key()
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_LOG_ORIGIN = "relais.test/audit"
    return signing_key()


@contextlib.contextmanager
def triggers_disabled(*tables: str):
    """What an attacker with the tables' owner rights can do: switch the triggers off."""
    tables = tables or triggers.APPEND_ONLY_TABLES
    vendor = connection.vendor
    for table in tables:
        triggers.execute(connection, triggers.disable_statements(vendor, table))
    try:
        yield
    finally:
        for table in tables:
            triggers.execute(connection, triggers.enable_statements(vendor, table))


@pytest.fixture
def tamper():
    return triggers_disabled


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def orgs(db):
    pref26 = Organization.objects.create(
        kind="prefecture", code="26", name="Préfecture de la Drôme", departement_code="26"
    )
    pref62 = Organization.objects.create(
        kind="prefecture", code="62", name="Préfecture du Pas-de-Calais", departement_code="62"
    )
    return {
        "pref26": pref26,
        "pref62": pref62,
        "montelimar": Organization.objects.create(
            kind="commune",
            code="26198",
            name="Montélimar",
            departement_code="26",
            prefecture=pref26,
        ),
        "arras": Organization.objects.create(
            kind="commune", code="62041", name="Arras", departement_code="62", prefecture=pref62
        ),
        "oversight_national": Organization.objects.create(
            kind="oversight", code="national", name="Inspection nationale", departement_code=""
        ),
        "oversight_26": Organization.objects.create(
            kind="oversight", code="ctrl-26", name="Contrôle Drôme", departement_code="26"
        ),
    }


def make_user(username: str, *memberships: tuple[Organization, str], **extra) -> User:
    user = User.objects.create_user(username=username, password="pw-for-tests-only", **extra)
    for organization, role in memberships:
        Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def users(orgs):
    return {
        "mayor": make_user("mayor-26198", (orgs["montelimar"], "mayor")),
        "liaison26": make_user("liaison-26", (orgs["pref26"], "liaison")),
        "liaison62": make_user("liaison-62", (orgs["pref62"], "liaison")),
        "auditor_national": make_user("auditor-national", (orgs["oversight_national"], "auditor")),
        "auditor26": make_user("auditor-26", (orgs["oversight_26"], "auditor")),
        "staff": make_user("admin", is_staff=True),
        "nobody": make_user("nobody"),
    }


# -- tampering, as someone with the tables' owner rights but without the signing key ---------


def rehash_from(seq: int, *, prev_hash: str | None = None) -> None:
    """Recompute every hash from `seq` on, as an attacker without the key can."""
    from audit.models import AuditEvent, ChainHead
    from audit.verifier.encoding import body_hash, link_hash

    events = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
    if prev_hash is None:
        prev_hash = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for event in events:
        new_hash = link_hash(
            seq=event.seq, prev_hash=prev_hash, body_digest=body_hash(event.body())
        )
        sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
            [prev_hash, new_hash, event.seq],
        )
        prev_hash = new_hash
    last = AuditEvent.objects.order_by("-seq").first()
    ChainHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash)


def sync_head() -> None:
    """Make the head row agree with the (tampered) events, to hide the tampering."""
    from audit.models import AuditEvent, ChainHead

    last = AuditEvent.objects.order_by("-seq").first()
    ChainHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash)
