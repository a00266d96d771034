"""The statistics page: a prefecture's own numbers, or every prefecture's for national
oversight; aggregates only, small numbers suppressed (sharing/stats.py)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ..spreadsheets import FORMATS, Sheet, spreadsheet_response
from ..stats import (
    THRESHOLD,
    Cell,
    Statistics,
    bar_chart,
    hbar_chart,
    stats_page,
)
from ..stats_period import StatsPeriodForm
from .common import audit_denied


@login_required
def stats(request):
    chosen = request.GET.get("prefecture", "")
    today = timezone.localdate()
    form = StatsPeriodForm(request.GET or None, today=today)
    period = form.chosen()
    export = request.GET.get("export", "")
    exporting = export in FORMATS and (form.is_valid() if form.is_bound else True)
    page = stats_page(
        user=request.user,
        chosen=chosen,
        period=period,
        today=today,
        export_format=export if exporting else "",
    )
    if page is None:
        audit_denied(request, action="permission.denied")
        raise Http404
    numbers = page.numbers
    if exporting:
        return spreadsheet_response(
            sheets=statistics_sheets(numbers, national=page.national),
            file_format=export,
            filename=f"relais-statistiques-{period.start.isoformat()}-{period.end.isoformat()}",
        )
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "sharing/stats.html",
        {
            "form": form,
            "numbers": numbers,
            "national": page.national,
            "kind": page.kind,
            "choices": page.choices if len(page.choices) > 1 else [],
            "chosen": chosen,
            "threshold": THRESHOLD,
            "below": THRESHOLD - 1,
            "monthly_chart": bar_chart(numbers.monthly),
            "outcome_chart": hbar_chart(numbers.outcomes),
            "export_query": query.urlencode() if not form.errors else None,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _shown(value) -> str | int | float:
    return _("non publié") if value is None else value


def _cells(cells: list[Cell]) -> list[list]:
    """A masked cell reads as on the page: fewer than the threshold."""
    less = _("moins de %(threshold)s") % {"threshold": THRESHOLD}
    return [[cell.label, less if cell.value is None else cell.value] for cell in cells]


def statistics_sheets(numbers: Statistics, *, national: bool) -> list[Sheet]:
    """The page's tables, one sheet each: the same numbers, masked the same way."""
    count = _("Demandes")
    key = Sheet(
        name=_("Chiffres clés"),
        header=[_("Indicateur"), _("Valeur")],
        rows=[
            [_("Périmètre"), _("Toutes les préfectures") if national else numbers.scope_label],
            [_("Signées à partir du"), numbers.start],
            [_("Signées jusqu'au (inclus)"), numbers.end],
            [_("Délai médian d'accusé de réception (jours)"), _shown(numbers.median_ack_days)],
            [_("Délai médian de décision (jours)"), _shown(numbers.median_decision_days)],
            [_("Décidées dans le délai (%)"), _shown(numbers.on_time_percent)],
            [
                _("En retard aujourd'hui"),
                _("moins de %(threshold)s") % {"threshold": THRESHOLD}
                if numbers.overdue_now is None
                else numbers.overdue_now,
            ],
        ],
    )
    monthly = Sheet(name=_("Par mois"), header=[_("Mois"), count], rows=_cells(numbers.monthly))
    if numbers.monthly_total is not None:
        monthly.rows.append([_("Total"), numbers.monthly_total])
    outcomes = Sheet(name=_("Issues"), header=[_("Issue"), count], rows=_cells(numbers.outcomes))
    if numbers.outcomes_total is not None:
        outcomes.rows.append([_("Total"), numbers.outcomes_total])
    sheets = [key, monthly, outcomes]
    if national and numbers.by_prefecture:
        sheets.append(
            Sheet(
                name=_("Par préfecture"),
                header=[_("Préfecture"), count],
                rows=_cells(numbers.by_prefecture),
            )
        )
    return sheets
