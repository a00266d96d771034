"""The lifecycle services: the transition table, roles, idempotency, audit, side effects."""

import json
import re
from datetime import date, timedelta

import pytest
from django.core import mail

from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from sharing import deadlines
from sharing.exceptions import (
    ActionNotAllowed,
    InvalidInput,
    PersonalDataRefused,
    TransitionNotAllowed,
)
from sharing.models import (
    TRANSITIONS,
    AgreementStatus,
    Author,
    ClarificationMessage,
    DeadlineChange,
    DeliveryChannel,
    DraftRemark,
    InfoRequest,
    InfoRequestGroupObjectPermission,
    InfoRequestUserObjectPermission,
    InternalNote,
    Notification,
    ReasonCode,
    ReferenceCounter,
    ReminderKind,
    Resolution,
    Status,
)
from sharing.notifications import outbox
from sharing.selectors import is_overdue
from sharing.services import _common, drafting
from sharing.services.clarification import info_request_clarify, info_request_request_clarification
from sharing.services.drafting import (
    info_request_create,
    info_request_send_back,
    info_request_sign,
    info_request_update,
    info_request_withdraw,
)
from sharing.services.handling import (
    info_request_acknowledge,
    info_request_assign,
    info_request_close,
    info_request_decide,
    info_request_expire,
    info_request_extend,
    info_request_record_delivery,
)
from sharing.services.inbox import notification_mark_read, notifications_mark_all_read
from sharing.services.notes import note_add
from tests.factories import category, draft, legal_basis, request_in, today
from tests.integration.support import at

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py; the one transactional test is in test_references.py

WITHDRAW_REASON = "La question a été traitée en séance du CLSPD."
CLARIFICATION = "Merci de préciser le périmètre géographique de la demande."
ANSWER = "La demande porte sur le quartier prioritaire du centre-ville uniquement."
EXTEND_REASON = "Consultation du procureur en cours."
NOTE = "Dossier à évoquer au prochain état-major de sécurité."

# Text that carries identifiers of several kinds; none of it may be stored anywhere.
PERSONAL = (
    "Signalement concernant Karim BENALI, joignable au 06 12 34 56 78 ou karim.benali@example.fr"
)
PERSONAL_MARKERS = ("benali", "06 12 34 56 78", "example.fr")


def events_of(info_request, action=None):
    qs = AuditEvent.objects.filter(target_ref=info_request.reference)
    if action:
        qs = qs.filter(action=action)
    return list(qs.order_by("seq", "id"))


def head_seq() -> int:
    return sequenced_size()


def audit_text_since(seq: int) -> str:
    audit_sequence()
    rows = AuditEvent.objects.filter(seq__gt=seq).values(
        "action", "target_ref", "details", "actor_username"
    )
    return json.dumps(list(rows), ensure_ascii=False).lower()


def reload(info_request):
    return InfoRequest.objects.get(pk=info_request.pk)


# --- each service, by the right role, leaves the right fields ------------------------------


def test_create_drafts_a_request_in_the_commune_with_its_prefecture(orgs, legal_officer):
    info_request = draft(orgs.montelimar, actor=legal_officer, secure_channel_ref="BR-2026-0141")
    assert info_request.status == Status.DRAFT
    assert re.fullmatch(rf"26198-{today().year}-\d{{4}}", info_request.reference)
    assert info_request.commune == orgs.montelimar
    assert info_request.prefecture == orgs.pref26
    assert info_request.created_by == legal_officer
    assert info_request.secure_channel_ref == "BR-2026-0141"
    assert info_request.submitted_at is None
    assert info_request.acknowledgement_due is None
    [event] = events_of(info_request)
    assert event.action == "request.created"
    assert event.actor_username == legal_officer.username
    assert event.details["category"] == "general-threat-briefing"


def test_create_by_the_mayor_is_allowed(orgs, mayor):
    assert draft(orgs.montelimar, actor=mayor).created_by == mayor


@pytest.mark.parametrize("who", ["liaison", "legal_officer_valence", "auditor_national", "staff"])
def test_create_refused_when_actor_does_not_draft_for_the_commune(orgs, people, who):
    with pytest.raises(InvalidInput) as caught:
        draft(orgs.montelimar, actor=getattr(people, who))
    assert "commune" in caught.value.errors
    assert not InfoRequest.objects.exists()


def _groups_granted(info_request) -> set[str]:
    return set(
        InfoRequestGroupObjectPermission.objects.filter(content_object=info_request).values_list(
            "group__name", flat=True
        )
    )


def test_create_grants_permissions_to_the_commune_groups_never_to_users(orgs, legal_officer):
    info_request = draft(orgs.montelimar, actor=legal_officer)
    assert not InfoRequestUserObjectPermission.objects.exists()
    assert _groups_granted(info_request) == {
        "commune:26198:legal_officer",
        "commune:26198:mayor",
    }


def test_sign_grants_permissions_to_the_prefecture_groups(orgs, mayor):
    info_request = draft(orgs.montelimar)
    info_request_sign(info_request=info_request, actor=mayor)
    assert not InfoRequestUserObjectPermission.objects.exists()
    assert _groups_granted(info_request) == {
        "commune:26198:legal_officer",
        "commune:26198:mayor",
        "prefecture:26:liaison",
        "prefecture:26:prefecture_admin",
    }


def test_create_refused_when_legal_basis_does_not_apply_to_category(orgs, legal_officer):
    with pytest.raises(InvalidInput) as caught:
        info_request_create(
            actor=legal_officer,
            commune=orgs.montelimar,
            category=category("general-threat-briefing"),
            legal_basis=legal_basis("cpp-11-2"),
            purpose="Point de situation sur la menace.",
        )
    assert "legal_basis" in caught.value.errors


def test_create_refused_when_secure_channel_ref_is_not_opaque(orgs, legal_officer):
    with pytest.raises(InvalidInput) as caught:
        draft(orgs.montelimar, actor=legal_officer, secure_channel_ref="lettre du 3 mars")
    assert "secure_channel_ref" in caught.value.errors


@pytest.mark.parametrize("value", ["12/03/1987", "DDN-12/03/1987"])
def test_create_refused_when_secure_channel_ref_is_a_date_of_birth(orgs, legal_officer, value):
    with pytest.raises(PersonalDataRefused) as caught:
        draft(orgs.montelimar, actor=legal_officer, secure_channel_ref=value)
    assert caught.value.field == "secure_channel_ref"
    assert value not in str(caught.value)
    assert not InfoRequest.objects.exists()


def test_create_refused_when_purpose_is_too_long(orgs, legal_officer):
    with pytest.raises(InvalidInput) as caught:
        draft(orgs.montelimar, actor=legal_officer, purpose="Point de situation. " * 60)
    assert "purpose" in caught.value.errors


def test_update_changes_a_draft_and_audits_the_field_names(orgs, legal_officer):
    info_request = draft(orgs.montelimar, actor=legal_officer)
    info_request_update(info_request=info_request, actor=legal_officer, urgency="urgent")
    assert reload(info_request).urgency == "urgent"
    [event] = events_of(info_request, "request.updated")
    assert event.details["fields"] == ["urgency"]


def test_update_without_change_records_nothing(orgs, legal_officer):
    info_request = draft(orgs.montelimar, actor=legal_officer)
    info_request_update(info_request=info_request, actor=legal_officer, urgency="normal")
    assert events_of(info_request, "request.updated") == []


def test_update_refused_once_signed(orgs, legal_officer):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    with pytest.raises(TransitionNotAllowed):
        info_request_update(info_request=info_request, actor=legal_officer, urgency="urgent")
    assert reload(info_request).urgency == "normal"


def test_update_refused_for_a_field_that_is_not_editable(orgs, legal_officer):
    info_request = draft(orgs.montelimar, actor=legal_officer)
    with pytest.raises(InvalidInput) as caught:
        info_request_update(info_request=info_request, actor=legal_officer, status=Status.CLOSED)
    assert "status" in caught.value.errors
    assert reload(info_request).status == Status.DRAFT


def test_sign_by_mayor_submits_and_starts_the_deadlines(orgs, mayor):
    info_request = draft(orgs.montelimar)
    info_request_sign(info_request=info_request, actor=mayor)
    info_request = reload(info_request)
    assert info_request.status == Status.SUBMITTED
    assert info_request.signed_by == mayor
    assert info_request.submitted_at is not None
    assert info_request.acknowledgement_due == deadlines.add_business_days(
        today(), info_request.category.acknowledgement_days, departement_code="26"
    )
    assert info_request.decision_due == deadlines.add_months(
        today(), info_request.category.decision_months, departement_code="26"
    )
    [event] = events_of(info_request, "request.signed")
    assert event.actor_username == mayor.username


def test_acknowledge_by_liaison_records_receipt(orgs, liaison):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    info_request_acknowledge(info_request=info_request, actor=liaison)
    info_request = reload(info_request)
    assert info_request.status == Status.ACKNOWLEDGED
    assert info_request.acknowledged_at is not None
    assert len(events_of(info_request, "request.acknowledged")) == 1


def test_assign_by_prefecture_admin_sets_the_liaison(orgs, prefecture_admin, liaison):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    info_request_assign(info_request=info_request, actor=prefecture_admin, liaison=liaison)
    assert reload(info_request).assigned_to == liaison
    [event] = events_of(info_request, "request.assigned")
    assert event.details["liaison"] == liaison.username


@pytest.mark.parametrize("who", ["liaison62", "legal_officer", "auditor26"])
def test_assign_refused_when_assignee_is_not_a_liaison_of_the_prefecture(
    orgs, people, prefecture_admin, who
):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    with pytest.raises(InvalidInput) as caught:
        info_request_assign(
            info_request=info_request, actor=prefecture_admin, liaison=getattr(people, who)
        )
    assert "liaison" in caught.value.errors
    assert reload(info_request).assigned_to is None


@pytest.mark.parametrize("status", [Status.CLOSED, Status.WITHDRAWN])
def test_assign_refused_when_request_is_not_open(orgs, prefecture_admin, liaison, status):
    info_request = request_in(status, orgs.montelimar, resolution=Resolution.REFUSED)
    with pytest.raises(TransitionNotAllowed):
        info_request_assign(info_request=info_request, actor=prefecture_admin, liaison=liaison)


def test_request_clarification_by_liaison_stops_the_clock_and_posts_the_message(orgs, liaison):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    info_request_request_clarification(
        info_request=info_request, actor=liaison, message=CLARIFICATION
    )
    info_request = reload(info_request)
    assert info_request.status == Status.CLARIFICATION_REQUESTED
    assert info_request.clarification_requested_at is not None
    assert info_request.decision_days_remaining == deadlines.business_days_between(
        today(), info_request.decision_due, departement_code="26"
    )
    [message] = ClarificationMessage.objects.filter(info_request=info_request)
    assert (message.side, message.author, message.text) == (
        Author.PREFECTURE,
        liaison,
        CLARIFICATION,
    )


def test_clarify_by_legal_officer_resumes_with_the_business_days_left(
    orgs, legal_officer, time_machine
):
    info_request = request_in(Status.CLARIFICATION_REQUESTED, orgs.montelimar)
    remaining = info_request.decision_days_remaining
    assert remaining > 0
    old_due = info_request.decision_due
    answered_on = today() + timedelta(days=30)
    time_machine.move_to(at(answered_on), tick=False)

    info_request_clarify(info_request=info_request, actor=legal_officer, message=ANSWER)

    info_request = reload(info_request)
    assert info_request.status == Status.ACKNOWLEDGED
    assert info_request.decision_due == deadlines.add_business_days(
        answered_on, remaining, departement_code="26"
    )
    assert info_request.decision_due > old_due
    assert info_request.decision_days_remaining is None
    assert info_request.clarification_requested_at is None
    [change] = DeadlineChange.objects.filter(info_request=info_request)
    assert (change.field, change.old_date, change.new_date) == (
        "decision_due",
        old_due,
        info_request.decision_due,
    )
    sides = list(info_request.messages.values_list("side", flat=True))
    assert sides == [Author.PREFECTURE, Author.COMMUNE]


def test_pending_clarification_is_never_overdue_nor_expired(orgs, time_machine):
    info_request = request_in(Status.CLARIFICATION_REQUESTED, orgs.montelimar)
    far_future = info_request.decision_due + timedelta(days=60)
    assert not is_overdue(info_request, today=far_future)
    time_machine.move_to(at(far_future), tick=False)
    info_request_expire(info_request=info_request)
    assert reload(info_request).status == Status.CLARIFICATION_REQUESTED


def test_expire_after_the_decision_deadline_is_an_implicit_rejection(orgs, time_machine):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    time_machine.move_to(at(info_request.decision_due + timedelta(days=1)), tick=False)
    info_request_expire(info_request=info_request)
    info_request = reload(info_request)
    assert (info_request.status, info_request.resolution) == (
        Status.DECIDED,
        Resolution.IMPLICIT_REJECTION,
    )
    [event] = events_of(info_request, "request.expired")
    assert event.actor_username == ""


def test_expire_before_the_deadline_changes_nothing(orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    info_request_expire(info_request=info_request)
    assert reload(info_request).status == Status.ACKNOWLEDGED
    assert events_of(info_request, "request.expired") == []


def test_decide_granted_by_liaison_sets_outcome_and_delivery_deadline(orgs, liaison):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    info_request_decide(
        info_request=info_request,
        actor=liaison,
        resolution=Resolution.GRANTED,
        procureur_agreement=AgreementStatus.AGREED,
    )
    info_request = reload(info_request)
    assert info_request.status == Status.DECIDED
    assert info_request.resolution == Resolution.GRANTED
    assert info_request.procureur_agreement == AgreementStatus.AGREED
    assert info_request.decided_at is not None
    assert info_request.delivery_due == deadlines.add_business_days(
        today(), info_request.category.delivery_days, departement_code="26"
    )
    [event] = events_of(info_request, "request.decided")
    assert event.details["resolution"] == Resolution.GRANTED


def test_decide_refused_records_reason_code_and_no_delivery_deadline(orgs, liaison):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    info_request_decide(
        info_request=info_request,
        actor=liaison,
        resolution=Resolution.REFUSED,
        reason_code=ReasonCode.INVESTIGATION_SECRET,
        remarks="Une procédure judiciaire est en cours.",
    )
    info_request = reload(info_request)
    assert info_request.reason_code == ReasonCode.INVESTIGATION_SECRET
    assert info_request.decision_remarks == "Une procédure judiciaire est en cours."
    assert info_request.delivery_due is None


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"resolution": Resolution.REFUSED}, "reason_code"),
        ({"resolution": Resolution.GRANTED, "reason_code": "no_legal_basis"}, "reason_code"),
        ({"resolution": Resolution.IMPLICIT_REJECTION}, "resolution"),
        ({"resolution": "maybe"}, "resolution"),
        ({"resolution": Resolution.REFUSED, "reason_code": "too_busy"}, "reason_code"),
        (
            {"resolution": Resolution.GRANTED, "intelligence_agreement": "disagreed"},
            "resolution",
        ),
    ],
)
def test_decide_refused_for_inconsistent_outcome(orgs, liaison, arguments, field):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    with pytest.raises(InvalidInput) as caught:
        info_request_decide(info_request=info_request, actor=liaison, **arguments)
    assert field in caught.value.errors
    assert reload(info_request).status == Status.ACKNOWLEDGED


def test_record_delivery_by_liaison_records_channel_and_date(orgs, liaison):
    info_request = request_in(Status.DECIDED, orgs.montelimar)
    info_request_record_delivery(
        info_request=info_request,
        actor=liaison,
        channel=DeliveryChannel.SECURE_PHONE,
        delivered_on=today(),
    )
    info_request = reload(info_request)
    assert info_request.status == Status.DELIVERED
    assert (info_request.delivery_channel, info_request.delivered_on) == (
        DeliveryChannel.SECURE_PHONE,
        today(),
    )
    assert info_request.delivered_at is not None


def test_record_delivery_refused_in_the_future(orgs, liaison):
    info_request = request_in(Status.DECIDED, orgs.montelimar)
    with pytest.raises(InvalidInput) as caught:
        info_request_record_delivery(
            info_request=info_request,
            actor=liaison,
            channel=DeliveryChannel.SECURE_PHONE,
            delivered_on=today() + timedelta(days=1),
        )
    assert "delivered_on" in caught.value.errors


def test_record_delivery_refused_before_the_decision_date(orgs, liaison):
    info_request = request_in(Status.DECIDED, orgs.montelimar)
    with pytest.raises(InvalidInput) as caught:
        info_request_record_delivery(
            info_request=info_request,
            actor=liaison,
            channel=DeliveryChannel.SECURE_PHONE,
            delivered_on=today() - timedelta(days=1),
        )
    assert "delivered_on" in caught.value.errors


def test_close_after_delivery(orgs, liaison):
    info_request = request_in(Status.DELIVERED, orgs.montelimar)
    info_request_close(info_request=info_request, actor=liaison)
    info_request = reload(info_request)
    assert info_request.status == Status.CLOSED
    assert info_request.closed_at is not None


@pytest.mark.parametrize("resolution", [Resolution.REFUSED, Resolution.REDIRECTED])
def test_close_directly_after_a_decision_with_nothing_to_deliver(orgs, liaison, resolution):
    info_request = request_in(Status.DECIDED, orgs.montelimar, resolution=resolution)
    info_request_close(info_request=info_request, actor=liaison)
    assert reload(info_request).status == Status.CLOSED


@pytest.mark.parametrize("resolution", [Resolution.GRANTED, Resolution.PARTIALLY_GRANTED])
def test_close_refused_when_granted_request_was_not_delivered(orgs, liaison, resolution):
    info_request = request_in(Status.DECIDED, orgs.montelimar, resolution=resolution)
    with pytest.raises(TransitionNotAllowed):
        info_request_close(info_request=info_request, actor=liaison)
    assert reload(info_request).status == Status.DECIDED


@pytest.mark.parametrize("resolution", [Resolution.REFUSED, Resolution.REDIRECTED])
def test_record_delivery_refused_when_nothing_was_granted(orgs, liaison, resolution):
    info_request = request_in(Status.DECIDED, orgs.montelimar, resolution=resolution)
    with pytest.raises(TransitionNotAllowed):
        info_request_record_delivery(
            info_request=info_request,
            actor=liaison,
            channel=DeliveryChannel.SECURE_PHONE,
            delivered_on=today(),
        )


@pytest.mark.parametrize(
    "status",
    [Status.DRAFT, Status.SUBMITTED, Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED],
)
def test_withdraw_by_mayor_before_a_decision(orgs, mayor, status):
    info_request = request_in(status, orgs.montelimar)
    info_request_withdraw(info_request=info_request, actor=mayor, reason=WITHDRAW_REASON)
    info_request = reload(info_request)
    assert info_request.status == Status.WITHDRAWN
    assert info_request.withdraw_reason == WITHDRAW_REASON
    assert info_request.withdrawn_at is not None


@pytest.mark.parametrize(
    ("status", "field"),
    [
        (Status.SUBMITTED, "acknowledgement_due"),
        (Status.ACKNOWLEDGED, "decision_due"),
        (Status.DECIDED, "delivery_due"),
    ],
)
def test_extend_moves_the_running_deadline_with_its_reason(orgs, liaison, status, field):
    info_request = request_in(status, orgs.montelimar)
    old = getattr(info_request, field)
    new = old + timedelta(days=15)
    info_request_extend(
        info_request=info_request, actor=liaison, new_due_date=new, reason=EXTEND_REASON
    )
    assert getattr(reload(info_request), field) == new
    [change] = DeadlineChange.objects.filter(info_request=info_request)
    assert (change.field, change.old_date, change.new_date, change.reason) == (
        field,
        old,
        new,
        EXTEND_REASON,
    )


def test_extend_refused_when_it_brings_the_deadline_forward(orgs, liaison):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    with pytest.raises(InvalidInput) as caught:
        info_request_extend(
            info_request=info_request,
            actor=liaison,
            new_due_date=info_request.decision_due - timedelta(days=1),
            reason=EXTEND_REASON,
        )
    assert "new_due_date" in caught.value.errors


def test_extend_reaches_at_most_one_year_past_the_current_deadline(orgs, liaison):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    due = info_request.decision_due
    for too_far in (due.replace(year=due.year + 1) + timedelta(days=1), date(9999, 12, 31)):
        with pytest.raises(InvalidInput) as caught:
            info_request_extend(
                info_request=info_request,
                actor=liaison,
                new_due_date=too_far,
                reason=EXTEND_REASON,
            )
        assert "new_due_date" in caught.value.errors
    assert reload(info_request).decision_due == due
    info_request_extend(
        info_request=info_request,
        actor=liaison,
        new_due_date=due + timedelta(days=300),
        reason=EXTEND_REASON,
    )
    assert reload(info_request).decision_due == due + timedelta(days=300)


@pytest.mark.parametrize(
    "status", [Status.CLARIFICATION_REQUESTED, Status.CLOSED, Status.WITHDRAWN]
)
def test_extend_refused_without_a_running_deadline(orgs, liaison, status):
    info_request = request_in(status, orgs.montelimar, resolution=Resolution.REFUSED)
    with pytest.raises(TransitionNotAllowed):
        info_request_extend(
            info_request=info_request,
            actor=liaison,
            new_due_date=today() + timedelta(days=200),
            reason=EXTEND_REASON,
        )


def test_note_by_liaison_is_stored_and_audited_without_its_text(orgs, liaison):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    note = note_add(info_request=info_request, actor=liaison, text=NOTE)
    assert InternalNote.objects.get(pk=note.pk).text == NOTE
    [event] = events_of(info_request, "note.added")
    assert NOTE not in json.dumps(event.details, ensure_ascii=False)


@pytest.mark.parametrize("who", ["legal_officer", "mayor"])
def test_note_refused_when_actor_is_a_commune_role(orgs, people, who):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    with pytest.raises(ActionNotAllowed):
        note_add(info_request=info_request, actor=getattr(people, who), text=NOTE)
    assert not InternalNote.objects.exists()


# --- the transition table, action by action ----------------------------------------------

# Who performs each action, and how it is called with valid arguments.
ACTIONS = {
    "sign": ("mayor", lambda r, u: info_request_sign(info_request=r, actor=u)),
    "acknowledge": (
        "liaison",
        lambda r, u: info_request_acknowledge(info_request=r, actor=u),
    ),
    "request_clarification": (
        "liaison",
        lambda r, u: info_request_request_clarification(
            info_request=r, actor=u, message=CLARIFICATION
        ),
    ),
    "clarify": (
        "legal_officer",
        lambda r, u: info_request_clarify(info_request=r, actor=u, message=ANSWER),
    ),
    "decide": (
        "liaison",
        lambda r, u: info_request_decide(info_request=r, actor=u, resolution=Resolution.REDIRECTED),
    ),
    "record_delivery": (
        "liaison",
        lambda r, u: info_request_record_delivery(
            info_request=r, actor=u, channel=DeliveryChannel.CLSPD_SESSION, delivered_on=today()
        ),
    ),
    "close": ("liaison", lambda r, u: info_request_close(info_request=r, actor=u)),
    "withdraw": (
        "mayor",
        lambda r, u: info_request_withdraw(info_request=r, actor=u, reason=WITHDRAW_REASON),
    ),
}

# Every other role able to see the request but not to perform the action, per action.
ALLOWED_ROLES = {
    "sign": {"mayor"},
    "acknowledge": {"liaison", "prefecture_admin"},
    "request_clarification": {"liaison", "prefecture_admin"},
    "clarify": {"legal_officer", "mayor"},
    "decide": {"liaison", "prefecture_admin"},
    "record_delivery": {"liaison", "prefecture_admin"},
    "close": {"liaison", "prefecture_admin"},
    "withdraw": {"mayor"},
}
EVERY_ROLE = (
    "legal_officer",
    "mayor",
    "liaison",
    "prefecture_admin",
    "legal_officer_valence",
    "mayor_valence",
    "liaison62",
    "mayor_arras",
    "auditor_national",
    "auditor26",
    "staff",
)
EVENT_OF = {
    "sign": "request.signed",
    "acknowledge": "request.acknowledged",
    "request_clarification": "request.clarification_requested",
    "clarify": "request.clarified",
    "decide": "request.decided",
    "record_delivery": "request.delivery_recorded",
    "close": "request.closed",
    "withdraw": "request.withdrawn",
}


def source_status(action: str) -> str:
    """A status from which the table allows the action (delivered for close)."""
    sources, _ = TRANSITIONS[action]
    return sorted(sources)[0]


def request_for(action: str, status: str, commune):
    # decided requests for delivery must be granted; for close, a refusal may close directly.
    resolution = Resolution.GRANTED if action == "record_delivery" else Resolution.REFUSED
    if status == Status.DELIVERED:
        resolution = Resolution.GRANTED
    return request_in(status, commune, resolution=resolution)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_reaches_the_target_of_the_table(orgs, people, action):
    role, perform = ACTIONS[action]
    info_request = request_for(action, source_status(action), orgs.montelimar)
    perform(info_request, getattr(people, role))
    assert reload(info_request).status == TRANSITIONS[action][1]
    assert len(events_of(info_request, EVENT_OF[action])) == 1


@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "clarify"])
def test_repeating_a_transition_is_a_no_op_without_second_audit_event(orgs, people, action):
    role, perform = ACTIONS[action]
    actor = getattr(people, role)
    info_request = request_for(action, source_status(action), orgs.montelimar)
    perform(info_request, actor)
    before = reload(info_request)
    seq = head_seq()

    again = perform(info_request, actor)

    assert again.status == TRANSITIONS[action][1]
    assert reload(info_request).updated_at == before.updated_at
    assert len(events_of(info_request, EVENT_OF[action])) == 1
    assert head_seq() == seq


def test_repeating_clarify_is_refused_because_it_cannot_be_told_from_a_mistake(orgs, legal_officer):
    info_request = request_in(Status.CLARIFICATION_REQUESTED, orgs.montelimar)
    info_request_clarify(info_request=info_request, actor=legal_officer, message=ANSWER)
    with pytest.raises(TransitionNotAllowed):
        info_request_clarify(info_request=info_request, actor=legal_officer, message=ANSWER)
    assert info_request.messages.filter(side=Author.COMMUNE).count() == 1


def test_repeating_assign_to_the_same_liaison_records_nothing(orgs, prefecture_admin, liaison):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    info_request_assign(info_request=info_request, actor=prefecture_admin, liaison=liaison)
    info_request_assign(info_request=info_request, actor=prefecture_admin, liaison=liaison)
    assert len(events_of(info_request, "request.assigned")) == 1


PREFECTURE_ACTIONS = [a for a in ACTIONS if "liaison" in ALLOWED_ROLES[a]]


def _forbidden_cases():
    for action in ACTIONS:
        sources, target = TRANSITIONS[action]
        for status in Status:
            if status in sources:
                continue
            if status == target and action != "clarify":
                continue  # an idempotent repeat, tested above
            if status in {Status.DRAFT, Status.DISCARDED} and action in PREFECTURE_ACTIONS:
                continue  # a draft (discarded or not) never reached the prefecture: below
            yield action, status


@pytest.mark.parametrize(("action", "status"), list(_forbidden_cases()))
def test_transition_refused_when_table_forbids_it(orgs, people, action, status):
    role, perform = ACTIONS[action]
    info_request = request_in(status, orgs.montelimar)
    seq = head_seq()
    with pytest.raises(TransitionNotAllowed) as caught:
        perform(info_request, getattr(people, role))
    assert caught.value.status == status
    assert reload(info_request).status == status
    assert head_seq() == seq


@pytest.mark.parametrize("action", PREFECTURE_ACTIONS)
def test_prefecture_action_on_a_draft_is_not_allowed_as_the_draft_never_reached_it(
    orgs, people, action
):
    _, perform = ACTIONS[action]
    info_request = request_in(Status.DRAFT, orgs.montelimar)
    for actor in (people.liaison, people.prefecture_admin):
        with pytest.raises(ActionNotAllowed):
            perform(info_request, actor)
    assert reload(info_request).status == Status.DRAFT


def _wrong_role_cases():
    for action in ACTIONS:
        for role in EVERY_ROLE:
            if role not in ALLOWED_ROLES[action]:
                yield action, role


@pytest.mark.parametrize(("action", "role"), list(_wrong_role_cases()))
def test_transition_refused_when_actor_lacks_the_role(orgs, people, action, role):
    _, perform = ACTIONS[action]
    status = source_status(action)
    info_request = request_for(action, status, orgs.montelimar)
    seq = head_seq()
    with pytest.raises(ActionNotAllowed):
        perform(info_request, getattr(people, role))
    assert reload(info_request).status == status
    assert head_seq() == seq


@pytest.mark.parametrize("action", list(ACTIONS))
def test_prefecture_admin_may_do_what_a_liaison_does_but_not_what_a_mayor_does(
    orgs, people, action
):
    info_request = request_for(action, source_status(action), orgs.montelimar)
    _, perform = ACTIONS[action]
    if "prefecture_admin" in ALLOWED_ROLES[action]:
        perform(info_request, people.prefecture_admin)
        assert reload(info_request).status == TRANSITIONS[action][1]
    else:
        with pytest.raises(ActionNotAllowed):
            perform(info_request, people.prefecture_admin)


def test_inactive_user_may_not_act_even_with_the_role(orgs, mayor):
    info_request = draft(orgs.montelimar)
    mayor.is_active = False
    mayor.save(update_fields=["is_active"])
    with pytest.raises(ActionNotAllowed):
        info_request_sign(info_request=info_request, actor=mayor)


# --- audit in the same transaction, side effects on commit -------------------------------


@pytest.mark.parametrize("action", list(ACTIONS))
def test_failure_after_the_audit_write_rolls_back_both_change_and_event(
    orgs, people, monkeypatch, action
):
    role, perform = ACTIONS[action]
    status = source_status(action)
    info_request = request_for(action, status, orgs.montelimar)
    seq = head_seq()

    def broken_notify(**_kwargs):
        raise RuntimeError("the queue is down")

    monkeypatch.setattr(outbox, "notify_status_change", broken_notify)
    with pytest.raises(RuntimeError):
        perform(info_request, getattr(people, role))
    assert reload(info_request).status == status
    assert events_of(info_request, EVENT_OF[action]) == []
    assert head_seq() == seq


def test_failure_of_the_audit_write_refuses_the_change(orgs, mayor, monkeypatch):
    info_request = draft(orgs.montelimar)

    def broken_audit(**_kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(_common, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        info_request_sign(info_request=info_request, actor=mayor)
    assert reload(info_request).status == Status.DRAFT


def test_create_failure_after_allocation_leaves_no_request_and_no_reference_used(
    orgs, legal_officer, monkeypatch
):
    def broken_grant(*_args):
        raise RuntimeError("grant failed")

    monkeypatch.setattr(drafting, "_grant_to_organisation_groups", broken_grant)
    with pytest.raises(RuntimeError):
        draft(orgs.montelimar, actor=legal_officer)
    monkeypatch.undo()
    assert not InfoRequest.objects.exists()
    assert draft(orgs.montelimar, actor=legal_officer).reference.endswith("-0001")


def test_notification_is_sent_only_once_the_transaction_commits(
    orgs, people, django_capture_on_commit_callbacks
):
    info_request = draft(orgs.montelimar)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        info_request_sign(info_request=info_request, actor=people.mayor)
    assert callbacks
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    assert {address for message in mail.outbox for address in message.to} == {
        people.legal_officer.email,
        people.mayor.email,
        people.liaison.email,
        people.prefecture_admin.email,
    }
    for message in mail.outbox:
        assert info_request.reference in message.subject
        assert info_request.reference in message.body
        assert "Signée et transmise" in message.body
        assert info_request.purpose not in message.body


def test_no_notification_when_the_service_fails(orgs, mayor, django_capture_on_commit_callbacks):
    withdrawn = request_in(Status.WITHDRAWN, orgs.montelimar)
    submitted = request_in(Status.SUBMITTED, orgs.montelimar)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TransitionNotAllowed):
            info_request_sign(info_request=withdrawn, actor=mayor)
        with pytest.raises(ActionNotAllowed):
            info_request_close(info_request=submitted, actor=mayor)
    assert callbacks == []
    assert mail.outbox == []


def test_idempotent_repeat_sends_no_second_notification(
    orgs, liaison, django_capture_on_commit_callbacks
):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    info_request_acknowledge(info_request=info_request, actor=liaison)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        info_request_acknowledge(info_request=info_request, actor=liaison)
    assert callbacks == []


# --- references ----------------------------------------------------------------------------


def test_references_increase_per_commune_and_year_without_gaps(orgs, people):
    year = today().year
    montelimar = [draft(orgs.montelimar).reference for _ in range(3)]
    valence = draft(orgs.valence).reference
    assert montelimar == [f"26198-{year}-0001", f"26198-{year}-0002", f"26198-{year}-0003"]
    assert valence == f"26362-{year}-0001"


def test_references_restart_at_one_each_year(orgs, people, time_machine):
    year = today().year
    draft(orgs.montelimar)
    time_machine.move_to(at(today().replace(year=year + 1, day=1)), tick=False)
    assert draft(orgs.montelimar).reference == f"26198-{year + 1}-0001"


def test_refused_creation_does_not_consume_a_reference(orgs, legal_officer):
    with pytest.raises(PersonalDataRefused):
        draft(orgs.montelimar, actor=legal_officer, purpose=PERSONAL)
    assert not ReferenceCounter.objects.filter(last__gt=0).exists()
    assert draft(orgs.montelimar, actor=legal_officer).reference.endswith("-0001")


# --- personal data: refused, nothing saved, nothing logged ------------------------------


def _refusing_calls(orgs, people):
    """(field, status the request starts in, call) for every free-text input."""
    return {
        "create.purpose": (
            "purpose",
            None,
            lambda r: draft(orgs.montelimar, actor=people.legal_officer, purpose=PERSONAL),
        ),
        "update.purpose": (
            "purpose",
            Status.DRAFT,
            lambda r: info_request_update(
                info_request=r, actor=people.legal_officer, purpose=PERSONAL
            ),
        ),
        "request_clarification.message": (
            "message",
            Status.ACKNOWLEDGED,
            lambda r: info_request_request_clarification(
                info_request=r, actor=people.liaison, message=PERSONAL
            ),
        ),
        "clarify.message": (
            "message",
            Status.CLARIFICATION_REQUESTED,
            lambda r: info_request_clarify(
                info_request=r, actor=people.legal_officer, message=PERSONAL
            ),
        ),
        "decide.remarks": (
            "remarks",
            Status.ACKNOWLEDGED,
            lambda r: info_request_decide(
                info_request=r,
                actor=people.liaison,
                resolution=Resolution.REFUSED,
                reason_code=ReasonCode.NO_LEGAL_BASIS,
                remarks=PERSONAL,
            ),
        ),
        "withdraw.reason": (
            "reason",
            Status.SUBMITTED,
            lambda r: info_request_withdraw(info_request=r, actor=people.mayor, reason=PERSONAL),
        ),
        "extend.reason": (
            "reason",
            Status.ACKNOWLEDGED,
            lambda r: info_request_extend(
                info_request=r,
                actor=people.liaison,
                new_due_date=r.decision_due + timedelta(days=10),
                reason=PERSONAL,
            ),
        ),
        "note.text": (
            "text",
            Status.ACKNOWLEDGED,
            lambda r: note_add(info_request=r, actor=people.liaison, text=PERSONAL),
        ),
    }


PERSONAL_DATA_INPUTS = [
    "create.purpose",
    "update.purpose",
    "request_clarification.message",
    "clarify.message",
    "decide.remarks",
    "withdraw.reason",
    "extend.reason",
    "note.text",
]


def _stored_text() -> str:
    """Every free text Relais keeps about requests, lower-cased."""
    parts = [
        *InfoRequest.objects.values_list("purpose", "decision_remarks", "withdraw_reason"),
        *ClarificationMessage.objects.values_list("text"),
        *InternalNote.objects.values_list("text"),
        *DeadlineChange.objects.values_list("reason"),
    ]
    return json.dumps(parts, ensure_ascii=False).lower()


@pytest.mark.parametrize("case", PERSONAL_DATA_INPUTS)
def test_personal_data_is_refused_naming_the_field_and_nothing_is_saved(orgs, people, case):
    field, status, call = _refusing_calls(orgs, people)[case]
    info_request = request_in(status, orgs.montelimar) if status else None
    before = reload(info_request) if info_request else None
    requests_before = InfoRequest.objects.count()
    seq = head_seq()

    with pytest.raises(PersonalDataRefused) as caught:
        call(info_request)

    assert caught.value.field == field
    assert caught.value.kinds
    message = str(caught.value).lower()
    assert field in message
    for marker in PERSONAL_MARKERS:
        assert marker not in message
    assert InfoRequest.objects.count() == requests_before
    if before is not None:
        after = reload(info_request)
        assert (after.status, after.updated_at) == (before.status, before.updated_at)
    stored = _stored_text()
    for marker in PERSONAL_MARKERS:
        assert marker not in stored
    assert head_seq() == seq
    assert not any(marker in audit_text_since(0) for marker in PERSONAL_MARKERS)


def test_every_free_text_input_of_the_services_is_screened(orgs, people):
    assert set(_refusing_calls(orgs, people)) == set(PERSONAL_DATA_INPUTS)


# --- the mayor sends a draft back with a remark ---------------------------------------------

REMARK = "Préciser la base légale retenue et le périmètre du quartier."


def test_send_back_keeps_the_draft_and_records_the_remark_for_the_commune_only(orgs, people):
    info_request = draft(orgs.montelimar)
    seq = head_seq()

    info_request_send_back(info_request=info_request, actor=people.mayor, remark=REMARK)

    assert reload(info_request).status == Status.DRAFT
    [remark] = DraftRemark.objects.filter(info_request=info_request)
    assert (remark.author, remark.text, remark.addressed_at) == (people.mayor, REMARK, None)
    [event] = events_of(info_request, "request.sent_back")
    assert event.details == {"status": "draft", "remark": remark.pk}
    assert "quartier" not in audit_text_since(seq)


def test_send_back_tells_the_legal_officers_without_the_remark(
    orgs, people, django_capture_on_commit_callbacks
):
    info_request = draft(orgs.montelimar)
    with django_capture_on_commit_callbacks(execute=True):
        info_request_send_back(info_request=info_request, actor=people.mayor, remark=REMARK)
    notices = Notification.objects.filter(info_request=info_request, kind=ReminderKind.SENT_BACK)
    assert {notice.user for notice in notices} == {people.legal_officer}
    assert [message.to for message in mail.outbox] == [[people.legal_officer.email]]
    assert "Brouillon renvoyé par le maire avec une remarque" in mail.outbox[0].body
    assert "quartier" not in mail.outbox[0].body


@pytest.mark.parametrize(
    "role", ["legal_officer", "liaison", "prefecture_admin", "mayor_valence", "mayor_arras"]
)
def test_send_back_is_refused_to_anyone_but_the_communes_mayor(orgs, people, role):
    info_request = draft(orgs.montelimar)
    seq = head_seq()
    with pytest.raises(ActionNotAllowed):
        info_request_send_back(
            info_request=info_request, actor=getattr(people, role), remark=REMARK
        )
    assert not DraftRemark.objects.exists()
    assert head_seq() == seq


@pytest.mark.parametrize("status", [s for s in Status if s != Status.DRAFT])
def test_send_back_is_refused_once_the_request_is_no_longer_a_draft(orgs, people, status):
    info_request = request_in(status, orgs.montelimar)
    with pytest.raises(TransitionNotAllowed):
        info_request_send_back(info_request=info_request, actor=people.mayor, remark=REMARK)
    assert not DraftRemark.objects.exists()


def test_send_back_refuses_personal_data_and_an_empty_or_long_remark(orgs, people):
    info_request = draft(orgs.montelimar)
    with pytest.raises(PersonalDataRefused) as caught:
        info_request_send_back(info_request=info_request, actor=people.mayor, remark=PERSONAL)
    assert caught.value.field == "remark"
    for remark in ("  ", "x" * 501):
        with pytest.raises(InvalidInput) as invalid:
            info_request_send_back(info_request=info_request, actor=people.mayor, remark=remark)
        assert set(invalid.value.errors) == {"remark"}
    assert not DraftRemark.objects.exists()
    assert not events_of(info_request, "request.sent_back")


def test_sending_the_same_remark_twice_records_it_once(orgs, people):
    info_request = draft(orgs.montelimar)
    for _ in range(2):
        info_request_send_back(info_request=info_request, actor=people.mayor, remark=REMARK)
    assert DraftRemark.objects.count() == 1
    assert len(events_of(info_request, "request.sent_back")) == 1


def test_editing_the_draft_addresses_the_open_remarks(orgs, people):
    info_request = draft(orgs.montelimar)
    info_request_send_back(info_request=info_request, actor=people.mayor, remark=REMARK)

    info_request_update(info_request=info_request, actor=people.legal_officer, urgency="urgent")

    assert DraftRemark.objects.get().addressed_at is not None
    [event] = events_of(info_request, "request.updated")
    assert event.details["remarks_addressed"] == 1


def test_signing_addresses_the_open_remarks(orgs, people):
    info_request = draft(orgs.montelimar)
    info_request_send_back(info_request=info_request, actor=people.mayor, remark=REMARK)
    info_request_sign(info_request=info_request, actor=people.mayor)
    assert DraftRemark.objects.get().addressed_at is not None


# --- the in-app inbox -----------------------------------------------------------------------


def test_marking_a_notice_read_is_audited_once_and_harmless_again(orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    notice = Notification.objects.get(user=people.liaison, info_request=info_request)

    notification_mark_read(notification=notice, actor=people.liaison)
    seq = head_seq()
    notification_mark_read(notification=notice, actor=people.liaison)

    notice.refresh_from_db()
    assert notice.read_at is not None
    assert head_seq() == seq
    [event] = AuditEvent.objects.filter(action="notification.read")
    assert (event.actor_username, event.details) == (
        people.liaison.username,
        {"notification": notice.pk, "count": 1},
    )


def test_nobody_marks_someone_elses_notice_read(orgs, people):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    theirs = Notification.objects.get(user=people.mayor, info_request=info_request)
    with pytest.raises(ActionNotAllowed):
        notification_mark_read(notification=theirs, actor=people.liaison)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_touches_only_ones_own_unread_notices(orgs, people):
    request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    unread = Notification.objects.filter(user=people.liaison, read_at__isnull=True).count()
    assert unread == 2

    assert notifications_mark_all_read(actor=people.liaison) == 2
    assert notifications_mark_all_read(actor=people.liaison) == 0

    assert not Notification.objects.filter(user=people.liaison, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=people.mayor, read_at__isnull=True).count() == 2
    [event] = AuditEvent.objects.filter(action="notification.read", actor_username="liaison-26")
    assert event.details == {"count": 2}
