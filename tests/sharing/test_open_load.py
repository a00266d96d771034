"""The open requests' load (`OpenLoad`), kept by the database's triggers, holds after every
change what a count of the requests gives: per prefecture, holder, urgency and running due
date. Checked after each transition of the services, a queryset update of several rows, a
bulk creation and a deletion, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.db.models import BooleanField, Case, Count, Value, When
from django.utils import timezone

from sharing.models import (
    OPEN_STATUSES,
    DeliveryChannel,
    InfoRequest,
    OpenLoad,
    Resolution,
    Status,
    Urgency,
    running_due_expression,
)
from sharing.selectors import info_request_list, overdue_q
from sharing.selectors.team import team_page
from sharing.services.clarification import (
    info_request_clarify,
    info_request_request_clarification,
)
from sharing.services.drafting import info_request_sign, info_request_withdraw
from sharing.services.handling import (
    info_request_acknowledge,
    info_request_assign,
    info_request_close,
    info_request_decide,
    info_request_expire,
    info_request_extend,
    info_request_record_delivery,
    info_request_take,
)
from tests.factories import draft, member, request_in, today

SHARED_PEOPLE = True  # see tests/conftest.py


def counted() -> set[tuple]:
    """The load, counted from the requests themselves."""
    return {
        (row["prefecture"], row["assigned_to"], row["urgent"], row["running_due"], row["n"])
        for row in InfoRequest.objects.filter(status__in=OPEN_STATUSES)
        .annotate(
            running_due=running_due_expression(),
            urgent=Case(
                When(urgency=Urgency.URGENT, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values("prefecture", "assigned_to", "urgent", "running_due")
        .annotate(n=Count("pk"))
        .order_by()
    }


def kept() -> set[tuple]:
    rows = list(
        OpenLoad.objects.values_list("prefecture", "assigned_to", "urgent", "running_due", "n")
    )
    assert len(rows) == len(set(rows)), "one row per key"
    return set(rows)


def check(step: str) -> None:
    assert kept() == counted(), step
    assert not OpenLoad.objects.filter(n__lte=0).exists(), step


@pytest.mark.django_db
def test_the_load_follows_every_transition(orgs, people):
    liaison, admin, mayor = people.liaison, people.prefecture_admin, people.mayor
    other = member(orgs.pref26, "liaison", username="liaison-26-bis")
    reason = "Consultation du service juridique de la préfecture."
    check("empty")
    first = draft(orgs.montelimar, urgency=Urgency.URGENT)
    check("draft")
    first = info_request_sign(info_request=first, actor=mayor)
    check("signed")
    first = info_request_assign(info_request=first, actor=admin, liaison=liaison)
    check("assigned")
    first = info_request_extend(
        info_request=first,
        actor=liaison,
        new_due_date=first.acknowledgement_due + timedelta(days=7),
        reason=reason,
    )
    check("acknowledgement extended")
    first = info_request_take(info_request=first, actor=other)
    check("taken by a colleague")
    first = info_request_acknowledge(info_request=first, actor=other)
    check("acknowledged")
    first = info_request_request_clarification(
        info_request=first, actor=other, message="Merci de préciser le périmètre de la demande."
    )
    check("clarification requested (clock stopped)")
    first = info_request_clarify(
        info_request=first,
        actor=people.legal_officer,
        message="Le périmètre est celui du quartier de la gare.",
    )
    check("clarified")
    first = info_request_decide(info_request=first, actor=other, resolution=Resolution.GRANTED)
    check("decided, to deliver")
    first = info_request_record_delivery(
        info_request=first,
        actor=other,
        channel=DeliveryChannel.BILATERAL_MEETING,
        delivered_on=timezone.localdate(),
    )
    check("delivered (no longer open)")
    info_request_close(info_request=first, actor=other)
    check("closed")

    refused = request_in(Status.DECIDED, orgs.valence, resolution=Resolution.REFUSED)
    check("decided, nothing to deliver (open, no running due date)")
    info_request_close(info_request=refused, actor=liaison)
    check("refused and closed")
    withdrawn = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    info_request_withdraw(info_request=withdrawn, actor=mayor, reason=reason)
    check("withdrawn")
    elsewhere = request_in(Status.SUBMITTED, orgs.arras)
    check("another prefecture")
    late = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    InfoRequest.objects.filter(pk=late.pk).update(decision_due=today() - timedelta(days=3))
    late.refresh_from_db()
    info_request_expire(info_request=late)
    check("expired")

    # Several rows in one statement, moved between keys both ways.
    several = [request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(3)]
    InfoRequest.objects.filter(pk__in=[r.pk for r in several] + [elsewhere.pk]).update(
        assigned_to=liaison, urgency=Urgency.URGENT
    )
    check("a queryset update of several rows")
    InfoRequest.objects.filter(pk__in=[r.pk for r in several]).update(
        assigned_to=None, acknowledgement_due=today() - timedelta(days=1)
    )
    check("back to nobody, overdue")
    template = several[0]
    InfoRequest.objects.bulk_create(
        InfoRequest(
            reference=f"26198-2099-{number:04d}",
            commune=template.commune,
            prefecture=template.prefecture,
            category=template.category,
            legal_basis=template.legal_basis,
            purpose=template.purpose,
            created_by=template.created_by,
            status=Status.SUBMITTED,
            acknowledgement_due=today() + timedelta(days=number),
        )
        for number in range(4)
    )
    check("a bulk creation")
    InfoRequest.objects.filter(reference__startswith="26198-2099-").delete()
    check("a deletion")


@pytest.mark.django_db
def test_the_team_counts_are_the_visible_open_requests_of_the_prefecture(orgs, people):
    """What the team page showed when it counted the requests (open, visible to the admin,
    of the admin's prefecture, per holder) is what it shows from the load."""
    liaison, admin = people.liaison, people.prefecture_admin
    for status in (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED):
        request_in(status, orgs.montelimar)
        request_in(status, orgs.valence, urgency=Urgency.URGENT)
        request_in(status, orgs.arras)
    request_in(Status.DECIDED, orgs.montelimar)
    request_in(Status.DECIDED, orgs.montelimar, resolution=Resolution.REFUSED)
    held = request_in(Status.ACKNOWLEDGED, orgs.valence)
    InfoRequest.objects.filter(pk=held.pk).update(
        assigned_to=liaison, decision_due=today() - timedelta(days=2)
    )
    visible = info_request_list(user=admin).filter(prefecture=orgs.pref26, status__in=OPEN_STATUSES)
    expected = {
        row["assigned_to"]: {key: row[key] for key in ("open", "overdue", "urgent")}
        for row in visible.values("assigned_to")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=overdue_q(today=today())),
            urgent=Count("pk", filter=Case(When(urgency=Urgency.URGENT, then=True))),
        )
        .order_by()
    }
    page = team_page(user=admin)
    shown = {row["user"].pk: row for row in page.rows if row["open"]}
    shown[None] = page.unassigned
    keys = ("open", "overdue", "urgent")
    assert {pk: {key: row[key] for key in keys} for pk, row in shown.items()} == expected
    assert expected[liaison.pk] == {"open": 1, "overdue": 1, "urgent": 0}
