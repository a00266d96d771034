"""Statistics selectors: aggregates per prefecture (or nationally for oversight), never a list.

Small numbers single people out: a count between 1 and THRESHOLD - 1 is suppressed (shown as
"fewer than THRESHOLD"), and when a group publishes its total and exactly one cell was
suppressed, the next smallest cell is suppressed too, so that no cell can be recomputed by
subtraction. Medians and shares are published only over at least THRESHOLD requests. No
reference and no commune ever appears on the page.

The masking protects requests from readers who cannot see them: a prefecture's own staff
(liaisons, its administrator) looking at their own prefecture's numbers see every request
already, so their numbers are exact (`masked=False`). Oversight bodies, and anyone looking at a
scope that reaches beyond the prefectures they work for, keep the masking.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import PREFECTURE_ROLES, Organization, OrgKind, Role, User
from accounts.selectors import memberships_of, organizations_where
from audit.services import audit_record
from config.db_router import reading_from_replica

from .formats import month_year
from .models import InfoRequest, Resolution
from .selectors import overdue_q
from .stats_period import Period, default_period, months_between

THRESHOLD = 5
STAFF_ROLES = frozenset(PREFECTURE_ROLES)  # a prefecture's own staff


@dataclass(frozen=True)
class Cell:
    """A published number, or None when it is suppressed."""

    label: str
    value: int | None
    key: str = ""

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class Statistics:
    scope_label: str
    start: date
    end: date
    masked: bool
    monthly: list[Cell]
    monthly_total: int | None
    outcomes: list[Cell]
    outcomes_total: int | None
    median_ack_days: float | None
    median_decision_days: float | None
    ack_sample: int
    decision_sample: int
    on_time_percent: int | None
    on_time_sample: int
    overdue_now: int | None
    by_prefecture: list[Cell] = field(default_factory=list)


def suppress(
    counts: list[tuple[str, str, int]], *, with_total: bool = True, threshold: int = THRESHOLD
) -> list[Cell]:
    """Cells for (key, label, count); small counts hidden, plus one more when the total is
    published and a single cell would otherwise be recomputable."""
    hidden = {key for key, _label, n in counts if 0 < n < threshold}
    if with_total and len(hidden) == 1:
        others = sorted(
            ((n, key) for key, _label, n in counts if n > 0 and key not in hidden),
        )
        if others:
            hidden.add(others[0][1])
    return [
        Cell(label=label, value=None if key in hidden else n, key=key) for key, label, n in counts
    ]


def published_total(counts: list[int], *, threshold: int = THRESHOLD) -> int | None:
    total = sum(counts)
    return None if 0 < total < threshold else total


def prefectures_for(*, user: User) -> tuple[list[Organization] | None, str] | None:
    """The prefectures whose statistics the user may see: None for every prefecture
    (a national oversight body), a list otherwise; None when the user may see none."""
    prefecture_ids: set[int] = set()
    departements: set[str] = set()
    national = False
    for membership in memberships_of(user=user):
        organization = membership.organization
        if membership.role in PREFECTURE_ROLES:
            prefecture_ids.add(organization.pk)
        elif membership.role == Role.AUDITOR and organization.kind == OrgKind.OVERSIGHT:
            if organization.departement_code:
                departements.add(organization.departement_code)
            else:
                national = True
    if national:
        return None, "national"
    if departements:
        prefecture_ids |= set(
            Organization.objects.filter(
                kind=OrgKind.PREFECTURE, departement_code__in=departements
            ).values_list("pk", flat=True)
        )
    if not prefecture_ids:
        return None
    prefectures = list(Organization.objects.filter(pk__in=prefecture_ids).order_by("code"))
    return prefectures, "prefecture"


def masked_for(*, user: User, prefectures: list[Organization] | None) -> bool:
    """Whether small numbers are masked for this reader of this scope: always, except for the
    staff of every prefecture in the scope (they see each of its requests already)."""
    if not prefectures:
        return True
    own = {organization.pk for organization in organizations_where(user=user, roles=STAFF_ROLES)}
    return not all(prefecture.pk in own for prefecture in prefectures)


class Median(Aggregate):
    """PostgreSQL's exact median of a number of days."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _days_between(start: str, end: str):
    """Days from `start` to `end`, as a number, in the database."""
    return Func(
        ExpressionWrapper(F(end) - F(start), output_field=DurationField()),
        template="EXTRACT(EPOCH FROM %(expressions)s) / 86400.0",
        output_field=FloatField(),
    )


def _median_days(
    rows: QuerySet[InfoRequest], start: str, end: str, *, threshold: int
) -> tuple[float | None, int]:
    """(median of the days from `start` to `end`, how many requests it is over); the median
    is published over at least `threshold` requests only."""
    rows = rows.filter(**{f"{end}__isnull": False})
    if connection.vendor == "postgresql":
        result = rows.aggregate(n=Count("pk"), median=Median(_days_between(start, end)))
        count, median = result["n"], result["median"]
    else:  # the embedded default: few rows, computed here
        days = [(b - a).total_seconds() / 86400 for a, b in rows.values_list(start, end) if a and b]
        count, median = len(days), statistics.median(days) if days else None
    if count < threshold or median is None:
        return None, count
    return round(median, 1), count


def statistics_for(
    *,
    prefectures: list[Organization] | None,
    scope_label: str,
    period: Period | None = None,
    masked: bool = True,
    today: date | None = None,
) -> Statistics:
    """The page's numbers over the requests signed in the period (the last twelve months
    unless told); small numbers masked unless `masked` is False (masked_for)."""
    today = today or timezone.localdate()
    chosen = period or default_period(today)
    threshold = THRESHOLD if masked else 1
    tz = timezone.get_current_timezone()
    start = datetime.combine(chosen.start, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(chosen.end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    base: QuerySet[InfoRequest] = InfoRequest.objects.filter(submitted_at__isnull=False)
    if prefectures is not None:
        base = base.filter(prefecture__in=prefectures)
    period_rows = base.filter(submitted_at__gte=start, submitted_at__lt=end)

    per_month = {
        row["month"].date() if isinstance(row["month"], datetime) else row["month"]: row["n"]
        for row in period_rows.annotate(month=TruncMonth("submitted_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    months = months_between(chosen.start, chosen.end)
    monthly = suppress(
        [(m.isoformat(), month_year(m), per_month.get(m, 0)) for m in months], threshold=threshold
    )

    per_outcome = {
        row["resolution"]: row["n"]
        for row in period_rows.exclude(resolution="")
        .values("resolution")
        .annotate(n=Count("pk"))
        .order_by()
    }
    outcomes = suppress(
        [(r.value, str(r.label), per_outcome.get(r.value, 0)) for r in Resolution],
        threshold=threshold,
    )

    median_ack, ack_sample = _median_days(
        period_rows, "submitted_at", "acknowledged_at", threshold=threshold
    )
    median_decision, decision_sample = _median_days(
        period_rows.exclude(resolution=Resolution.IMPLICIT_REJECTION),
        "submitted_at",
        "decided_at",
        threshold=threshold,
    )
    decided = period_rows.filter(decided_at__isnull=False).aggregate(
        n=Count("pk"),
        on_time=Count(
            "pk", filter=Q(decided_at__date__lte=F("decision_due"), decision_due__isnull=False)
        ),
    )
    on_time_percent = (
        round(100 * decided["on_time"] / decided["n"]) if decided["n"] >= threshold else None
    )

    overdue = base.filter(overdue_q(today=today)).count()

    by_prefecture: list[Cell] = []
    if prefectures is None:
        rows = (
            period_rows.values_list("prefecture__code", "prefecture__name")
            .annotate(n=Count("pk"))
            .order_by("prefecture__code")
        )
        by_prefecture = suppress(
            [(code, name, n) for code, name, n in rows], with_total=False, threshold=threshold
        )

    return Statistics(
        scope_label=scope_label,
        start=chosen.start,
        end=chosen.end,
        masked=masked,
        monthly=monthly,
        monthly_total=published_total([per_month.get(m, 0) for m in months], threshold=threshold),
        outcomes=outcomes,
        outcomes_total=published_total(list(per_outcome.values()), threshold=threshold),
        median_ack_days=median_ack,
        median_decision_days=median_decision,
        ack_sample=ack_sample,
        decision_sample=decision_sample,
        on_time_percent=on_time_percent,
        on_time_sample=decided["n"],
        overdue_now=None if 0 < overdue < threshold else overdue,
        by_prefecture=by_prefecture,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


def bar_chart(cells: list[Cell], *, width: int = 640, height: int = 220) -> dict:
    """Geometry of a server-rendered SVG bar chart; suppressed cells draw no bar."""
    margin_bottom, margin_top = 40, 20
    plot_height = height - margin_bottom - margin_top
    top = max([cell.value or 0 for cell in cells] + [1])
    slot = width / max(len(cells), 1)
    bars = []
    for index, cell in enumerate(cells):
        value = cell.value or 0
        bar_height = plot_height * value / top
        x = index * slot + slot * 0.15
        bars.append(
            Bar(
                label=cell.label,
                value=cell.value,
                x=round(x, 1),
                y=round(margin_top + plot_height - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                text_x=round(x + slot * 0.35, 1),
                text_y=round(margin_top + plot_height - bar_height - 4, 1),
            )
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "baseline": margin_top + plot_height,
        "label_y": height - margin_bottom + 16,
    }


def hbar_chart(
    cells: list[Cell], *, width: int = 640, row: int = 32, label_width: int = 230
) -> dict:
    """Geometry of a horizontal bar chart (long labels); suppressed cells draw no bar."""
    top = max([cell.value or 0 for cell in cells] + [1])
    plot = width - label_width - 60
    bars = []
    for index, cell in enumerate(cells):
        length = plot * (cell.value or 0) / top
        y = index * row + 6
        bars.append(
            Bar(
                label=cell.label,
                value=cell.value,
                x=label_width,
                y=y,
                width=round(length, 1),
                height=row - 12,
                text_x=round(label_width + length + 6, 1),
                text_y=y + (row - 12) / 2 + 4,
            )
        )
    return {
        "width": width,
        "height": row * len(cells) + 6,
        "bars": bars,
        "label_x": label_width - 8,
    }


CACHE_SECONDS = 300


@dataclass(frozen=True)
class StatsPage:
    numbers: Statistics
    national: bool  # every prefecture's numbers
    kind: str  # prefectures_for's kind of reader
    choices: list[Organization]  # the prefectures the reader may pick among


def stats_page(
    *, user: User, chosen: str, period: Period, today: date, export_format: str = ""
) -> StatsPage | None:
    """The numbers of the prefecture `chosen` (an INSEE-like code, or "" for the reader's
    whole scope), None for whoever reads no statistics. Recorded every time, as viewed or
    (`export_format` given) as exported, with the scope, the period and whether small
    numbers are masked."""
    allowed = prefectures_for(user=user)
    if allowed is None:
        return None
    prefectures, kind = allowed
    choices = prefectures
    if prefectures is None:
        choices = list(Organization.objects.filter(kind=OrgKind.PREFECTURE).order_by("code"))
    selected = [p for p in choices if p.code == chosen] if chosen else []
    scope: list[Organization] | None
    if selected:
        scope, label = selected, selected[0].name
    elif prefectures is None:
        scope, label = None, ""
    else:
        scope, label = prefectures, ", ".join(p.name for p in prefectures)
    masked = masked_for(user=user, prefectures=scope)
    # Aggregates move slowly: computed at most every few minutes per scope, period, masking
    # and language (the read itself is still recorded below, every time).
    key = "relais:stats:{}:{}:{}:{}:{}:{}".format(
        "national" if scope is None else ",".join(p.code for p in scope),
        today.isoformat(),
        period.start.isoformat(),
        period.end.isoformat(),
        "masked" if masked else "exact",
        get_language(),
    )

    def compute():
        # Aggregates over the whole scope: read from the replica when there is one.
        with reading_from_replica():
            return statistics_for(
                prefectures=scope, scope_label=label, period=period, masked=masked, today=today
            )

    numbers = cache.get_or_set(key, compute, CACHE_SECONDS)
    audit_record(
        actor=user,
        action="stats.exported" if export_format else "stats.viewed",
        details={
            **({"format": export_format} if export_format else {}),
            "via": "web",
            "scope": "national" if scope is None else [p.code for p in scope],
            # Choices and validated dates only: nothing typed freely reaches the period.
            "period": {
                "kind": period.kind,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
            },
            "masked": masked,
        },
    )
    return StatsPage(numbers=numbers, national=scope is None, kind=kind, choices=choices)
