"""The work lists of the requests page: what each role looks at first, with its count.

A prefecture's liaisons and admins: "À traiter" (to acknowledge, decide or deliver), "En
attente de la commune" (a clarification asked), "En retard", "Qui me sont confiées", and
"En remplacement" while covering for an absent colleague (sharing.cover). A
commune: "À signer" (drafts waiting for the mayor, not those the mayor sent back), "Renvoyés
au juriste", "En attente de la commune" (a clarification to answer), "En retard". The
conditions apply on top of the visibility filter; the counts come in one query
(`sharing.selectors.request_list`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.lookups import IsNull
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .cover import covered_for
from .models import (
    DraftRemark,
    InfoRequest,
    Status,
    running_due_expression,
)
from .selectors import clarification_overdue_q, overdue_q, running_due_before_q
from .statements import Statement, compile_once, per_vendor


@dataclass(frozen=True)
class WorkList:
    key: str
    label: Promise
    condition: Q


# Every work list's key, whoever reads them: the only values the list's `worklist` filter (and
# a saved view) takes.
KEYS = frozenset(
    {
        "a-traiter",
        "attente-commune",
        "en-retard",
        "confiees",
        "en-remplacement",
        "a-signer",
        "renvoyes",
    }
)


def _open_remark() -> Exists:
    return Exists(DraftRemark.objects.filter(info_request=OuterRef("pk"), addressed_at=None))


def covering_of(*, user, today: date) -> list[int]:
    """The ids of the liaisons the user covers for today, in order: `covered_for`, its query
    compiled once (`_covering_statement`), as the inbox asks it on every page."""
    statement = _covering_statement(connection.vendor)
    values = statement.values(user=user.pk, on=connection.ops.adapt_datefield_value(today))
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, values)
        return sorted(pk for (pk,) in cursor.fetchall())


@per_vendor(maxsize=4)
def _covering_statement() -> Statement:
    """`covered_for`'s ids, compiled once per database vendor (`sharing.statements`)."""
    user, on = -1_000_000_009, date(1901, 3, 4)  # stand-ins
    rows = covered_for(user=User(pk=user), on=on).values_list("pk")
    return compile_once(rows, user=user, on=connection.ops.adapt_datefield_value(on))


def lists_for(
    *, prefecture_side: bool, user_id: int, today: date, covering: list[int]
) -> list[WorkList]:
    """The work lists of a user (by id) who covers for the liaisons `covering`, today."""
    waiting_for_commune = Q(status=Status.CLARIFICATION_REQUESTED)
    # Late: the prefecture on its running deadline, or the commune on its answer.
    late = overdue_q(today=today) | clarification_overdue_q(today=today)
    if prefecture_side:
        # The same rows, in the form the prefecture inbox's index answers as a range: a rare
        # list's capped count reads its rows only, not the scope's open requests one by one.
        late = running_due_before_q(today=today) | clarification_overdue_q(today=today)
        open_assigned = ~Q(status__in=[Status.CLOSED, Status.WITHDRAWN, Status.DRAFT])
        cover_list = (
            [
                WorkList(
                    "en-remplacement",
                    _("En remplacement"),
                    Q(assigned_to__in=covering) & open_assigned,
                )
            ]
            if covering
            else []
        )
        return [
            # What is to acknowledge, decide or deliver: the requests with a running deadline
            # (`running_due_expression`: the acknowledgement's date once signed, the decision's
            # once acknowledged, the delivery's once granted; the services set each date with
            # its status), in the form the inbox index answers as a range read in order up to
            # the cap. Written as its statuses, PostgreSQL read a bitmap of every such request
            # of the prefecture and of the country's `resolution` index first (18 ms against
            # 3.4 ms warm at 500,000 requests in the prefecture; the same 57,953 rows).
            WorkList("a-traiter", _("À traiter"), Q(IsNull(running_due_expression(), False))),
            WorkList("attente-commune", _("En attente de la commune"), waiting_for_commune),
            WorkList("en-retard", _("En retard"), late),
            WorkList("confiees", _("Qui me sont confiées"), Q(assigned_to=user_id) & open_assigned),
            # A colleague covering for an absent liaison: that liaison's open requests.
            *cover_list,
        ]
    return [
        WorkList("a-signer", _("À signer"), Q(status=Status.DRAFT, sent_back_open=False)),
        WorkList("renvoyes", _("Renvoyés au juriste"), Q(status=Status.DRAFT, sent_back_open=True)),
        WorkList("attente-commune", _("En attente de la commune"), waiting_for_commune),
        WorkList("en-retard", _("En retard"), late),
    ]


def with_work_marks(queryset: QuerySet[InfoRequest]) -> QuerySet[InfoRequest]:
    """What the commune's lists need to tell a draft waiting for the mayor from one sent back."""
    return queryset.annotate(sent_back_open=_open_remark())
