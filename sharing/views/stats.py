"""The statistics page: a prefecture's own numbers, or every prefecture's for national
oversight; aggregates only, small numbers suppressed (sharing/stats.py)."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from audit.services import audit_record
from config.db_router import reading_from_replica

from ..stats import (
    THRESHOLD,
    bar_chart,
    hbar_chart,
    masked_for,
    prefectures_for,
    statistics_for,
)
from ..stats_period import StatsPeriodForm
from .common import audit_denied

CACHE_SECONDS = 300


@login_required
def stats(request):
    allowed = prefectures_for(user=request.user)
    if allowed is None:
        audit_denied(request, action="permission.denied")
        raise Http404
    prefectures, kind = allowed
    chosen = request.GET.get("prefecture", "")
    choices = prefectures
    if prefectures is None:
        from accounts.models import Organization, OrgKind

        choices = list(Organization.objects.filter(kind=OrgKind.PREFECTURE).order_by("code"))
    selected = [p for p in choices if p.code == chosen] if chosen else []
    if selected:
        scope, label = selected, selected[0].name
    elif prefectures is None:
        scope, label = None, ""
    else:
        scope, label = prefectures, ", ".join(p.name for p in prefectures)
    today = timezone.localdate()
    form = StatsPeriodForm(request.GET or None, today=today)
    period = form.chosen()
    masked = masked_for(user=request.user, prefectures=scope)
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
        actor=request.user,
        action="stats.viewed",
        details={
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
    return render(
        request,
        "sharing/stats.html",
        {
            "form": form,
            "numbers": numbers,
            "national": scope is None,
            "kind": kind,
            "choices": choices if len(choices) > 1 else [],
            "chosen": chosen,
            "threshold": THRESHOLD,
            "below": THRESHOLD - 1,
            "monthly_chart": bar_chart(numbers.monthly),
            "outcome_chart": hbar_chart(numbers.outcomes),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
