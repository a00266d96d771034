"""manage.py demo: the organisations and `<role>-<code>` users of DESIGN.md, requests in every
status, built through the services; a second run creates nothing."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, OrgKind, User
from audit.models import AuditCheckpoint, AuditEvent
from sharing.models import (
    ClarificationMessage,
    DeadlineChange,
    DraftRemark,
    InfoRequest,
    InternalNote,
    Resolution,
    Status,
    Urgency,
)
from sharing.selectors import overdue_q

PASSWORD = "demo-pass-for-tests"

# The contract outside clients rely on: username -> (organisation kind, code, role).
EXPECTED_MEMBERSHIPS = {
    **{
        f"{role}-{insee}": (OrgKind.COMMUNE, insee, role)
        for insee in ("26198", "26362", "62041", "62498", "07186")
        for role in ("legal_officer", "mayor")
    },
    **{
        f"{role}-{dep}": (OrgKind.PREFECTURE, dep, role)
        for dep in ("26", "62", "07")
        for role in ("liaison", "prefecture_admin")
    },
    "auditor-national": (OrgKind.OVERSIGHT, "national", "auditor"),
    "auditor-26": (OrgKind.OVERSIGHT, "26", "auditor"),
}


def sign_in(client, *, username: str, password: str) -> bool:
    """client.login through the lockout, which counts attempts per request."""
    from django.test import RequestFactory

    return client.login(request=RequestFactory().post("/"), username=username, password=password)


def run_demo(password: str = PASSWORD) -> str:
    out = io.StringIO()
    # The demo's own départements only: the full territory load has its own test.
    call_command("demo", password=password, territories="26,62,07", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        "organisations": Organization.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "groups": Group.objects.count(),
        "requests": InfoRequest.objects.count(),
        "messages": ClarificationMessage.objects.count(),
        "notes": InternalNote.objects.count(),
        "deadline_changes": DeadlineChange.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker):
    """One demo load shared by the read-only tests of this module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_demo()
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_loaded, db):
    """The shared demo data; each test's own writes roll back to it."""
    return _demo_loaded


def test_second_run_creates_nothing_and_resets_passwords(demo, client):
    first = snapshot()

    output = run_demo(password="another-demo-password")

    assert snapshot() == first
    assert "0 oversight bodies, 0 users, 0 memberships and 0 requests created" in output
    assert f"({first['requests']} requests already there)" in output
    assert sign_in(client, username="mayor-26198", password="another-demo-password")
    client.logout()
    assert not sign_in(client, username="mayor-26198", password=PASSWORD)


def test_every_demo_user_holds_exactly_its_role(demo):
    for username, (kind, code, role) in EXPECTED_MEMBERSHIPS.items():
        user = User.objects.get(username=username)
        memberships = list(
            user.memberships.values_list("organization__kind", "organization__code", "role")
        )
        assert memberships == [(kind, code, role)], username
        assert user.groups.filter(name=f"{kind}:{code}:{role}").exists(), username
        assert not user.is_staff
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser


def test_demo_organisations(demo):
    national = Organization.objects.get(kind=OrgKind.OVERSIGHT, code="national")
    assert national.is_national
    drome_body = Organization.objects.get(kind=OrgKind.OVERSIGHT, code="26")
    assert drome_body.departement_code == "26"
    for insee, dep in (
        ("26198", "26"),
        ("26362", "26"),
        ("62041", "62"),
        ("62498", "62"),
        ("07186", "07"),
    ):
        commune = Organization.objects.get(kind=OrgKind.COMMUNE, code=insee)
        assert commune.prefecture.code == dep
    drome = Organization.objects.get(kind=OrgKind.PREFECTURE, code="26")
    assert drome.address_lines == ["3 boulevard Vauban", "26030 Valence Cedex"]
    assert drome.phone == "04 75 79 28 00"
    for dep in ("62", "07"):
        prefecture = Organization.objects.get(kind=OrgKind.PREFECTURE, code=dep)
        assert prefecture.address_lines, dep
        assert prefecture.phone, dep


def test_requests_in_every_status_and_decided_with_every_resolution(demo):
    requests = InfoRequest.objects.all()
    assert set(requests.values_list("status", flat=True)) == set(Status.values)
    decided = requests.filter(status=Status.DECIDED)
    assert set(decided.values_list("resolution", flat=True)) == set(Resolution.values)
    assert requests.filter(overdue_q(today=timezone.localdate())).count() >= 2
    assert requests.filter(
        urgency=Urgency.URGENT, status__in=[Status.SUBMITTED, Status.ACKNOWLEDGED]
    ).exists()
    assert {r.commune.code for r in requests} == {"26198", "26362", "62041", "62498", "07186"}
    # A clarification round trip, an internal note and an extension give those screens content.
    assert ClarificationMessage.objects.filter(side="commune").exists()
    assert InternalNote.objects.exists()
    assert DeadlineChange.objects.exclude(reason="clarification pause").exists()


def test_requests_went_through_the_services(demo):
    """Each transition left its audit event: nothing was put in place by setting a status."""
    expected = {
        Status.SUBMITTED: "request.signed",
        Status.ACKNOWLEDGED: "request.acknowledged",
        Status.CLARIFICATION_REQUESTED: "request.clarification_requested",
        Status.DELIVERED: "request.delivery_recorded",
        Status.CLOSED: "request.closed",
        Status.WITHDRAWN: "request.withdrawn",
    }
    for info_request in InfoRequest.objects.all():
        actions = set(
            AuditEvent.objects.filter(target_ref=info_request.reference).values_list(
                "action", flat=True
            )
        )
        assert "request.created" in actions, info_request.reference
        if info_request.status == Status.DECIDED:
            assert actions & {"request.decided", "request.expired"}, info_request.reference
        elif info_request.status in expected:
            assert expected[info_request.status] in actions, info_request.reference
        assert info_request.secure_channel_ref.startswith("DEMO-")


def test_a_draft_sent_back_by_the_mayor_awaits_the_legal_officer(demo):
    [remark] = DraftRemark.objects.filter(addressed_at__isnull=True)
    sent_back = remark.info_request
    assert sent_back.status == Status.DRAFT
    assert sent_back.commune.code == "26362"


def test_every_demo_login_works(demo, client):
    for username in [*EXPECTED_MEMBERSHIPS, "admin"]:
        assert sign_in(client, username=username, password=PASSWORD), username
        client.logout()


def test_output_lists_the_logins_and_the_password(demo):
    assert f"password for all: {PASSWORD}" in demo
    for username in [*EXPECTED_MEMBERSHIPS, "admin"]:
        assert f"  {username} " in demo


def test_missing_local_audit_key_is_created(db, settings, tmp_path):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "audit-key.pem")

    run_demo()

    assert (tmp_path / "audit-key.pem").exists()
    # ... and the demo's events are anchored by a signed checkpoint straight away.
    assert AuditCheckpoint.objects.exists()


def test_refused_under_production_settings(db, settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    before = snapshot()

    with pytest.raises(CommandError, match="production"):
        run_demo()

    assert snapshot() == before


def test_output_gives_the_totp_secret_of_each_account_that_needs_a_second_factor(demo):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.security_services import totp_secret

    for username in ["liaison-26", "prefecture_admin-62", "auditor-national", "admin"]:
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert totp_secret(device) in demo
        assert device.config_url in demo
    assert not TOTPDevice.objects.filter(user__username="mayor-26198").exists()
    assert "RELAIS_DEMO_SKIP_MFA=1" in demo


def test_finished_requests_are_spread_over_the_last_twelve_months_in_order(demo):
    from sharing.stats_period import default_period

    now = timezone.now()
    finished = InfoRequest.objects.filter(
        status__in=[Status.DELIVERED, Status.CLOSED, Status.WITHDRAWN],
        submitted_at__isnull=False,
    )
    period = default_period(timezone.localdate())
    months = {timezone.localtime(r.submitted_at).date().replace(day=1) for r in finished}
    assert len(months) >= 10
    assert min(months) >= period.start
    steps = ("created_at", "submitted_at", "acknowledged_at", "decided_at", "delivered_at")
    for info_request in finished:
        dates = [getattr(info_request, name) for name in (*steps, "closed_at", "withdrawn_at")]
        dates = [day for day in dates if day is not None]
        assert dates == sorted(dates), info_request.reference
        assert dates[-1] < now, info_request.reference
        assert info_request.decision_due > timezone.localdate(info_request.submitted_at)
    # Open requests keep their running deadlines: signed today, as the services left them.
    for info_request in InfoRequest.objects.filter(status=Status.SUBMITTED):
        assert timezone.localdate(info_request.submitted_at) == timezone.localdate()


def test_the_demos_statistics_show_real_durations(demo):
    from sharing.stats import statistics_for

    drome = Organization.objects.get(kind=OrgKind.PREFECTURE, code="26")
    own = statistics_for(prefectures=[drome], scope_label="", masked=False)
    assert own.median_ack_days is not None
    assert own.median_ack_days >= 1
    assert own.median_decision_days is not None
    assert own.median_decision_days >= 7
    national = statistics_for(prefectures=None, scope_label="")
    assert national.median_decision_days is not None
    assert national.median_decision_days >= 7
    assert national.on_time_percent is not None
    assert national.on_time_percent < 100
    every = statistics_for(
        prefectures=list(
            Organization.objects.filter(kind=OrgKind.PREFECTURE, code__in=["26", "62", "07"])
        ),
        scope_label="",
        masked=False,
    )
    assert sum(1 for cell in every.monthly if cell.value) >= 10


def test_nobody_is_told_today_about_requests_finished_months_ago(demo):
    from sharing.models import Notification, Reminder, ReminderStatus

    history = InfoRequest.objects.filter(secure_channel_ref__startswith="DEMO-HIST-")
    assert history.count() >= 20
    assert not Reminder.objects.filter(
        info_request__in=history, status=ReminderStatus.PENDING
    ).exists()
    assert not Notification.objects.filter(info_request__in=history, read_at__isnull=True).exists()
