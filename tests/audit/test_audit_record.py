"""audit_record: the chain, the snapshot of who, what and where, and what is refused."""

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import transaction

from accounts.models import Membership
from audit import context
from audit.exceptions import AuditRecordRefused
from audit.models import AuditEvent, ChainHead
from audit.sequencer import audit_sequence, sequenced
from audit.services import audit_record
from audit.verifier.encoding import (
    GENESIS_HASH,
    body_hash,
    canonical_json,
    format_timestamp,
    link_hash,
)

from .conftest import make_user

pytestmark = pytest.mark.django_db


def last_seq() -> int:
    return ChainHead.objects.get().seq


def test_events_form_a_contiguous_chain_that_recomputes_from_the_database(users, orgs):
    start = last_seq()
    for action in ("request.viewed", "request.updated", "request.signed"):
        audit_record(actor=users["mayor"], action=action, organization=orgs["montelimar"])
    audit_sequence()
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [e.seq for e in events] == [start + 1, start + 2, start + 3]
    previous = AuditEvent.objects.filter(seq=start).values_list("hash", flat=True).first()
    assert events[0].prev_hash == (previous or GENESIS_HASH)
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    for event in events:
        digest = body_hash(event.body())
        assert link_hash(seq=event.seq, prev_hash=event.prev_hash, body_digest=digest) == event.hash
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def test_rolled_back_transaction_leaves_no_gap(users):
    start = last_seq()

    def failing_action():
        with transaction.atomic():
            audit_record(actor=users["mayor"], action="request.created")
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    event = sequenced(audit_record(actor=users["mayor"], action="request.created"))
    assert event.seq == start + 1
    assert not AuditEvent.objects.filter(seq__gt=event.seq).exists()


def test_snapshot_records_who_what_and_the_organisation_scope(users, orgs):
    event = audit_record(
        actor=users["liaison26"],
        action="request.acknowledged",
        target=orgs["montelimar"],
        organization=orgs["montelimar"],
        details={"references": ["26198-2026-0007"], "count": 1},
    )
    event.refresh_from_db()
    assert event.actor_id == users["liaison26"].pk
    assert event.actor_username == "liaison-26"
    assert event.actor_roles == [
        {"dep": "26", "kind": "prefecture", "org": "26", "role": "liaison"}
    ]
    assert (event.target_type, event.target_ref) == (
        "accounts.organization",
        str(orgs["montelimar"].pk),
    )
    assert (event.org_code, event.departement_code) == ("26198", "26")
    assert event.scope == ",26,"
    assert event.details == {"references": ["26198-2026-0007"], "count": 1}
    assert event.occurred_at.tzinfo is not None


def test_snapshot_holds_every_role_as_it_is_now_in_a_fixed_order(orgs):
    """Sorted by organisation, kind and role; an organisation without a département gives "";
    a role given or taken away earlier in the same transaction is as the database has it."""
    actor = make_user(
        "several",
        (orgs["pref62"], "prefecture_admin"),
        (orgs["oversight_national"], "auditor"),
        (orgs["pref26"], "liaison"),
        (orgs["pref26"], "prefecture_admin"),
    )
    with transaction.atomic():
        Membership.objects.filter(user=actor, organization=orgs["pref62"]).delete()
        Membership.objects.create(user=actor, organization=orgs["arras"], role="mayor")
        event = audit_record(actor=actor, action="request.viewed")
    roles = [
        {"dep": "26", "kind": "prefecture", "org": "26", "role": "liaison"},
        {"dep": "26", "kind": "prefecture", "org": "26", "role": "prefecture_admin"},
        {"dep": "62", "kind": "commune", "org": "62041", "role": "mayor"},
        {"dep": "", "kind": "oversight", "org": "national", "role": "auditor"},
    ]
    assert (event.actor_roles, event.scope) == (roles, ",26,62,")
    event.refresh_from_db()
    assert (event.actor_roles, event.scope) == (roles, ",26,62,")


def test_target_reference_is_preferred_to_the_primary_key(users, orgs):
    orgs["arras"].reference = "62041-2026-0001"
    event = audit_record(actor=users["liaison62"], action="request.viewed", target=orgs["arras"])
    assert event.target_ref == "62041-2026-0001"


def test_anonymous_actor_is_recorded_without_identity(db):
    event = audit_record(actor=None, action="reminder.sent", details={"count": 3})
    assert (event.actor_id, event.actor_username, event.actor_roles) == (None, "", [])
    assert (event.ip, event.user_agent, event.request_id) == ("", "", "")


def test_where_comes_from_the_request_context(users):
    where = context.RequestContext(
        ip="203.0.113.9", user_agent="Firefox", request_id="abcdef123456"
    )
    with context.bound(where):
        event = audit_record(actor=users["mayor"], action="request.listed")
    assert (event.ip, event.user_agent, event.request_id) == (
        "203.0.113.9",
        "Firefox",
        "abcdef123456",
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "Request Viewed"}, "dotted lowercase"),
        ({"action": "viewed"}, "dotted lowercase"),
        ({"action": "request.viewed", "outcome": "Denied!"}, "lowercase word"),
        ({"action": "request.viewed", "details": {"ratio": 0.5}}, "floats"),
        ({"action": "request.viewed", "details": {"purpose": "x" * 201}}, "free text"),
        ({"action": "request.viewed", "details": {"note": "line\nbreak"}}, "free text"),
        ({"action": "request.viewed", "details": {"Bad Key": 1}}, "lowercase identifier"),
        ({"action": "request.viewed", "details": {"n": 2**60}}, "integer outside"),
        ({"action": "request.viewed", "details": {"a": {"b": {"c": 1}}}}, "not allowed"),
    ],
)
def test_malformed_records_are_refused_and_nothing_is_written(users, kwargs, message):
    start = last_seq()
    with pytest.raises(AuditRecordRefused, match=message):
        audit_record(actor=users["mayor"], **kwargs)
    assert last_seq() == start


def test_canonical_encoding_is_stable_across_unicode_forms():
    body = {"z": "Montélimar — «citée» 🚨", "a": ["é", "e\u0301"], "m": None, "b": True}
    encoded = canonical_json(body)
    assert encoded == (
        '{"a":["é","e\u0301"],"b":true,"m":null,"z":"Montélimar — «citée» 🚨"}'.encode()
    )
    # No normalisation: two spellings of é are two different strings, hashed as stored.
    assert canonical_json(["é"]) != canonical_json(["e\u0301"])


def test_timestamps_encode_the_same_instant_identically_in_every_time_zone():
    instant = datetime(2026, 3, 29, 1, 30, 0, 7, tzinfo=UTC)
    paris = instant.astimezone(timezone(timedelta(hours=2)))
    reunion = instant.astimezone(timezone(timedelta(hours=4)))
    assert format_timestamp(instant) == format_timestamp(paris) == format_timestamp(reunion)
    assert format_timestamp(instant) == "2026-03-29T01:30:00.000007Z"


def test_hash_does_not_depend_on_the_active_time_zone(users, settings):
    event = sequenced(
        audit_record(actor=users["mayor"], action="request.viewed", details={"nom": "Ñoño"})
    )
    expected = event.hash
    settings.TIME_ZONE = "Indian/Reunion"
    stored = AuditEvent.objects.get(seq=event.seq)
    recomputed = link_hash(
        seq=stored.seq, prev_hash=stored.prev_hash, body_digest=body_hash(stored.body())
    )
    assert recomputed == expected


def test_enum_and_choice_values_are_recorded_as_their_plain_value(users):
    from accounts.models import Role

    event = audit_record(
        actor=users["mayor"], action="membership.created", details={"role": Role.MAYOR}
    )
    assert type(event.details["role"]) is str
    event.refresh_from_db()
    assert event.details == {"role": "mayor"}
    sequenced(event)
    digest = body_hash(event.body())
    assert link_hash(seq=event.seq, prev_hash=event.prev_hash, body_digest=digest) == event.hash


def test_the_returned_event_is_the_row_as_stored(users, orgs):
    where = context.RequestContext(ip="203.0.113.9", user_agent="Firefox", request_id="a" * 32)
    with context.bound(where):
        event = audit_record(
            actor=users["liaison26"],
            action="request.acknowledged",
            target=orgs["montelimar"],
            organization=orgs["montelimar"],
            details={"count": 2, "urgent": True, "references": ["26198-2026-0007"]},
        )
    stored = AuditEvent.objects.get(id=event.id, occurred_at=event.occurred_at)
    fields = [field.attname for field in AuditEvent._meta.concrete_fields]
    assert [getattr(event, name) for name in fields] == [getattr(stored, name) for name in fields]
    assert canonical_json(event.body()) == canonical_json(stored.body())
    sequenced(event)
    digest = body_hash(stored.body())
    assert link_hash(seq=event.seq, prev_hash=event.prev_hash, body_digest=digest) == event.hash


@pytest.mark.parametrize(
    "details",
    [
        {"references": ["26198-2026-0007", "Jean DUPONT\n"]},
        {"filters": {"q": "x" * 201}},
        {"filters": {"ids": [1, 2, "tab\there"]}},
        {"count": 1, "note": "\x00"},
    ],
)
def test_text_anywhere_in_the_details_is_still_screened(users, details):
    start = AuditEvent.objects.count()
    with pytest.raises(AuditRecordRefused, match="free text"):
        audit_record(actor=users["mayor"], action="request.viewed", details=details)
    assert AuditEvent.objects.count() == start


def test_appends_reuse_one_cursor_per_connection_and_queries_are_still_counted(users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.services import _append_cursor

    first = audit_record(actor=users["mayor"], action="request.viewed")
    kept = _append_cursor(connection)
    assert _append_cursor(connection) is kept
    with CaptureQueriesContext(connection) as queries:
        second = audit_record(actor=None, action="reminder.sent", details={"count": 1})
        # While queries are logged, the debug cursor: the INSERT is seen and counted.
        assert _append_cursor(connection) is not kept
    inserts = [q for q in queries if q["sql"].startswith("INSERT INTO audit_auditevent")]
    assert len(inserts) == 1
    third = audit_record(actor=None, action="reminder.sent")
    assert _append_cursor(connection) is not kept  # a new one after logging stops, reused
    assert first.id < second.id < third.id
    assert AuditEvent.objects.filter(id__in=[first.id, second.id, third.id]).count() == 3


def test_an_appends_statements_are_prepared_and_logged_unprepared_while_queries_are(users):
    """Its actor's roles and its INSERT, prepared on their first execution (PostgreSQL on a
    direct connection: behind a pooler, tests/ops/test_pgbouncer.py); while Django logs
    queries, sent unprepared, or the log would show None for their text."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    audit_record(actor=users["mayor"], action="request.viewed")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(s.startswith("INSERT INTO audit_auditevent") for s in prepared), prepared
    assert any('FROM "accounts_membership"' in s for s in prepared), prepared

    with CaptureQueriesContext(connection) as queries:
        audit_record(actor=users["mayor"], action="request.viewed")
    logged = [q["sql"] for q in queries]
    assert len(logged) == 2, logged
    assert 'FROM "accounts_membership"' in logged[0]
    assert logged[1].startswith("INSERT INTO audit_auditevent")


def _body(**changes):
    body = {
        "action": "request.viewed",
        "actor_id": 7,
        "actor_is_staff": False,
        "actor_roles": [{"dep": "26", "kind": "prefecture", "org": "26", "role": "liaison"}],
        "actor_username": "liaison-26",
        "departement_code": "26",
        "details": {"count": 3},
        "ip": "203.0.113.9",
        "occurred_at": "2026-03-29T01:30:00.000007Z",
        "org_code": "26198",
        "outcome": "ok",
        "request_id": "a" * 32,
        "target_ref": "26198-2026-0007",
        "target_type": "sharing.inforequest",
        "user_agent": "Firefox 133 / Windows 10",
        "v": 1,
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    "body",
    [
        _body(),
        _body(actor_id=None, actor_roles=[], actor_username="", actor_is_staff=True),
        _body(actor_username="Ñoño 🚨"),
        _body(actor_username="nul\x00"),
        _body(target_ref="\ud800"),
        _body(actor_id=2**53),
        _body(actor_id=-(2**53) + 1),
        _body(actor_roles=[{"dep": "26", "kind": "prefecture", "org": "26", "role": "\x00"}]),
        _body(actor_roles=[{"dép": "26"}]),
        _body(actor_roles=[{"dep": 26}]),
        _body(actor_roles=[{"dep": 0.5}]),
        _body(actor_roles=["26"]),
        _body(org_code=1.5),
        _body(org_code=b"26198"),
    ],
)
def test_the_body_check_refuses_exactly_what_canonical_json_refuses(body):
    """audit_record checks the body without walking its details again (clean_details has);
    what it refuses must be what canonical_json refuses."""
    from audit.services import _check_values
    from audit.verifier.encoding import EncodingError

    try:
        canonical_json(body)
    except EncodingError:
        with pytest.raises(EncodingError):
            _check_values(body)
    else:
        assert _check_values(body) is None


def test_the_values_check_takes_the_time_as_a_datetime_and_still_refuses_the_rest():
    """audit_record checks its values before the body exists: the time is a datetime there."""
    from audit.services import _check_values
    from audit.verifier.encoding import EncodingError

    moment = datetime(2026, 3, 29, 1, 30, 0, 7, tzinfo=UTC)
    assert _check_values(_body(occurred_at=moment, scope=",26,")) is None
    for refused in (_body(occurred_at=moment, target_ref="nul\x00"), _body(occurred_at=1.5)):
        with pytest.raises(EncodingError):
            _check_values(refused)


def _values() -> dict:
    return {
        **_body(occurred_at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        "scope": ",26,",
        "details": {"count": 3},
    }


def test_a_new_event_is_the_model_built_by_django_without_its_constructor():
    from django.db import connection

    from audit.services import _new_event

    event = _new_event(_values(), db=connection)
    expected = AuditEvent(**_values())
    assert type(event) is AuditEvent
    for field in AuditEvent._meta.concrete_fields:
        assert getattr(event, field.attname) == getattr(expected, field.attname), field.attname
    assert event.body() == expected.body()
    assert (event._state.adding, event._state.db) == (False, connection.alias)


def test_a_listener_of_pre_or_post_init_gets_its_signal_for_a_new_event():
    from django.db import connection
    from django.db.models.signals import post_init, pre_init

    from audit.services import _new_event

    heard = []

    def listen(sender, **kwargs):
        heard.append(sender)

    for signal in (pre_init, post_init):
        signal.connect(listen, sender=AuditEvent)
        try:
            event = _new_event(_values(), db=connection)
        finally:
            signal.disconnect(listen, sender=AuditEvent)
        assert heard == [AuditEvent], signal
        assert (event.target_ref, event.seq) == ("26198-2026-0007", None)
        assert not event._state.adding
        heard.clear()


def test_a_target_reference_without_canonical_form_is_refused_and_nothing_is_written(users, orgs):
    from audit.verifier.encoding import EncodingError

    start = AuditEvent.objects.count()
    orgs["arras"].reference = "62041-2026-\ud800"
    with pytest.raises(EncodingError):
        audit_record(actor=users["liaison62"], action="request.viewed", target=orgs["arras"])
    assert AuditEvent.objects.count() == start


class Code(str):
    """A str subclass, as Django's choices are."""


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"count": 3, "urgent": True, "via": "api", "none": None},
        {"ref": "26198-2026-0007", "n": 2**53 - 1, "m": -(2**53) + 1},
        {"n": 2**53},
        {"x": 0.5},
        {"role": Code("mayor")},
        {"nested": {"a": 1}},
        {"ids": [1, 2]},
        {"Upper": 1},
        {1: "a"},
        {"text": "tab\there"},
        {"text": "x" * 201},
        {"text": "\ud800"},
        {f"k{i}": "x" for i in range(40)},
    ],
)
def test_flat_details_are_cleaned_as_the_full_rules_clean_them(details, monkeypatch):
    """clean_details takes a short cut for a few plain scalars: same result, same refusals."""
    from audit import services

    def cleaned():
        try:
            return services.clean_details(details)
        except AuditRecordRefused as exc:
            return type(exc)

    fast = cleaned()
    monkeypatch.setattr(services, "_flat_plain", lambda details: False)
    assert fast == cleaned()
    assert type(fast) is not dict or all(type(key) is str for key in fast)


def test_the_largest_flat_details_fit_the_size_limit():
    """The short cut does not measure: FLAT_KEYS_MAX keys of the longest names and strings,
    in characters of four bytes, must fit DETAILS_MAX_BYTES."""
    from audit.services import DETAIL_STRING_MAX, DETAILS_MAX_BYTES, FLAT_KEYS_MAX, clean_details

    details = {f"k{i:02d}" + "x" * 61: "🚨" * DETAIL_STRING_MAX for i in range(FLAT_KEYS_MAX)}
    assert len(canonical_json(clean_details(details))) <= DETAILS_MAX_BYTES
