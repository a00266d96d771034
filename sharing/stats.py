"""Statistics selectors: aggregates per prefecture (or nationally for oversight), never a list.

Small numbers single people out: a count between 1 and THRESHOLD - 1 is suppressed (shown as
"fewer than THRESHOLD"), and when a group publishes its total and exactly one cell was
suppressed, the next smallest cell is suppressed too, so that no cell can be recomputed by
subtraction. Medians and shares are published only over at least THRESHOLD requests. No
reference and no commune ever appears on the page.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Organization, OrgKind, Role, User
from accounts.selectors import memberships_of

from .models import InfoRequest, Resolution
from .selectors import overdue_q

THRESHOLD = 5
MONTHS = 12


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
    since: date
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


def suppress(counts: list[tuple[str, str, int]], *, with_total: bool = True) -> list[Cell]:
    """Cells for (key, label, count); small counts hidden, plus one more when the total is
    published and a single cell would otherwise be recomputable."""
    hidden = {key for key, _label, n in counts if 0 < n < THRESHOLD}
    if with_total and len(hidden) == 1:
        others = sorted(
            ((n, key) for key, _label, n in counts if n > 0 and key not in hidden),
        )
        if others:
            hidden.add(others[0][1])
    return [
        Cell(label=label, value=None if key in hidden else n, key=key) for key, label, n in counts
    ]


def published_total(counts: list[int]) -> int | None:
    total = sum(counts)
    return None if 0 < total < THRESHOLD else total


def prefectures_for(*, user: User) -> tuple[list[Organization] | None, str] | None:
    """The prefectures whose statistics the user may see: None for every prefecture
    (a national oversight body), a list otherwise; None when the user may see none."""
    prefecture_ids: set[int] = set()
    departements: set[str] = set()
    national = False
    for membership in memberships_of(user=user):
        organization = membership.organization
        if membership.role in {Role.LIAISON, Role.PREFECTURE_ADMIN}:
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


def _days(pairs) -> list[float]:
    return [(end - start).total_seconds() / 86400 for start, end in pairs if start and end]


def _median(values: list[float]) -> float | None:
    if len(values) < THRESHOLD:
        return None
    return round(statistics.median(values), 1)


def _month_start(day: date, months_back: int) -> date:
    month = day.month - months_back
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def statistics_for(
    *, prefectures: list[Organization] | None, scope_label: str, today: date | None = None
) -> Statistics:
    """The page's numbers over the last MONTHS months of signed requests."""
    today = today or timezone.localdate()
    since = _month_start(today, MONTHS - 1)
    tz = timezone.get_current_timezone()
    start = datetime.combine(since, datetime.min.time(), tzinfo=tz)
    base: QuerySet[InfoRequest] = InfoRequest.objects.filter(submitted_at__isnull=False)
    if prefectures is not None:
        base = base.filter(prefecture__in=prefectures)
    period = base.filter(submitted_at__gte=start)

    per_month = {
        row["month"].date() if isinstance(row["month"], datetime) else row["month"]: row["n"]
        for row in period.annotate(month=TruncMonth("submitted_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    months = [_month_start(today, back) for back in range(MONTHS - 1, -1, -1)]
    monthly = suppress([(m.isoformat(), m.strftime("%Y-%m"), per_month.get(m, 0)) for m in months])

    per_outcome = {
        row["resolution"]: row["n"]
        for row in period.exclude(resolution="")
        .values("resolution")
        .annotate(n=Count("pk"))
        .order_by()
    }
    outcomes = suppress([(r.value, str(r.label), per_outcome.get(r.value, 0)) for r in Resolution])

    ack_days = _days(period.values_list("submitted_at", "acknowledged_at"))
    decided = period.filter(decided_at__isnull=False)
    decision_days = _days(
        decided.exclude(resolution=Resolution.IMPLICIT_REJECTION).values_list(
            "submitted_at", "decided_at"
        )
    )
    on_time_rows = list(decided.values_list("decided_at", "decision_due"))
    on_time = sum(
        1
        for decided_at, due in on_time_rows
        if due is not None and timezone.localdate(decided_at, tz) <= due
    )
    on_time_percent = (
        round(100 * on_time / len(on_time_rows)) if len(on_time_rows) >= THRESHOLD else None
    )

    overdue = base.filter(overdue_q(today=today)).count()

    by_prefecture: list[Cell] = []
    if prefectures is None:
        rows = (
            period.values_list("prefecture__code", "prefecture__name")
            .annotate(n=Count("pk"))
            .order_by("prefecture__code")
        )
        by_prefecture = suppress([(code, name, n) for code, name, n in rows], with_total=False)

    return Statistics(
        scope_label=scope_label,
        since=since,
        monthly=monthly,
        monthly_total=published_total([per_month.get(m, 0) for m in months]),
        outcomes=outcomes,
        outcomes_total=published_total(list(per_outcome.values())),
        median_ack_days=_median(ack_days),
        median_decision_days=_median(decision_days),
        ack_sample=len(ack_days),
        decision_sample=len(decision_days),
        on_time_percent=on_time_percent,
        on_time_sample=len(on_time_rows),
        overdue_now=None if 0 < overdue < THRESHOLD else overdue,
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
