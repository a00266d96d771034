"""The auditors' web pages, on the audit app's own selectors, permissions and services: search
the log of one's scope, ask for an export and watch it being written, download it, and see the
latest signed checkpoint and a verification of the chain's most recent events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import FileResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.step_up import web_reauthentication_redirect
from sharing.forms import RelaisForm
from sharing.screening import (
    ScreenedFiltersMixin,
    existing_organization_code,
    existing_username,
    record_refused_filters,
    reference_part,
)

from .exceptions import AuditError
from .exports import export_downloaded, export_path, export_request
from .findings import checkpoint_reason, findings
from .labels import action_choices, filters_in_words
from .models import HEAD_PK, AuditCheckpoint, ChainHead, ExportStatus
from .permissions import get_export_for, scope_or_404
from .selectors import (
    EventFilters,
    audit_export_viewed,
    audit_exports_page,
    audit_log_page,
)
from .services import audit_record
from .verification import default_max_gap, verify_database

PAGE_SIZE = 50
EXPORTS_SHOWN = 50
# The integrity page re-verifies this many of the newest events (widened to the enclosing
# checkpoints); the whole chain is verified by `manage.py audit_verify` or offline.
RECENT_EVENTS = 5000


# Past these the calendar arithmetic (the day after date_to) or the database overflows.
DATE_BOUNDS = [MinValueValidator(date(1900, 1, 1)), MaxValueValidator(date(9998, 12, 31))]


class EventFilterForm(ScreenedFiltersMixin, RelaisForm):
    """The auditor's filters, the API's own (audit.selectors.EventFilters); those typed as
    free text are screened before they are recorded (in the log, in an export)."""

    screened_fields = ("user", "organization", "action", "reference")

    date_from = forms.DateField(
        label=gettext_lazy("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_BOUNDS,
    )
    date_to = forms.DateField(
        label=gettext_lazy("Au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=DATE_BOUNDS,
    )
    user = forms.CharField(
        label=gettext_lazy("Utilisateur"),
        required=False,
        max_length=150,
        validators=[existing_username],
    )
    organization = forms.CharField(
        label=gettext_lazy("Organisation (code)"),
        required=False,
        max_length=40,
        validators=[existing_organization_code],
        help_text=gettext_lazy("Code INSEE, de département ou de l'organe de contrôle."),
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        required=False,
        choices=action_choices,
        help_text=gettext_lazy("Une action, ou une famille d'actions."),
    )
    reference = forms.CharField(
        label=gettext_lazy("Référence de demande"),
        required=False,
        max_length=100,
        validators=[reference_part],
        help_text=gettext_lazy("Par exemple 26198-2026-0007."),
    )

    def clean(self):
        # The user as cleaned (a NUL refused): the raw value went to the database as typed.
        user = self.cleaned_data.get("user", "")
        self.screened_fields = EventFilters.fields_to_screen(user=user)
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("La date de fin précède la date de début."))
        return data

    def filters(self) -> EventFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}

        def moment(day, *, end=False):
            if not day:
                return None
            return timezone.make_aware(
                datetime.combine(day + timedelta(days=1) if end else day, time.min)
            )

        return EventFilters(
            date_from=moment(data.get("date_from")),
            date_to=moment(data.get("date_to"), end=True),
            user=data.get("user", ""),
            organization=data.get("organization", ""),
            action=data.get("action", ""),
            reference=data.get("reference", ""),
        )


@login_required
def audit_log(request):
    """Events of the auditor's scope, newest first, 50 at a time (by seq, so no count of a
    million-row table is needed)."""
    scope_or_404(user=request.user, resource="audit.events")
    form = EventFilterForm(request.GET or None)
    before = request.GET.get("before", "")
    listing = audit_log_page(
        user=request.user,
        filters=form.filters(),
        before=int(before) if before.isascii() and before.isdigit() and len(before) < 19 else None,
        refused=form.refused,
        page_size=PAGE_SIZE,
    )
    query = _accepted_filters(form)
    export_query = query.urlencode()
    if listing.events:
        query["before"] = str(listing.events[-1].seq)
    return render(
        request,
        "audit/events.html",
        {
            "form": form,
            "events": listing.events,
            "older_query": query.urlencode() if listing.has_more else "",
            "first_page": not before,
            "export_query": export_query,
        },
    )


def _accepted_filters(form: EventFilterForm) -> QueryDict:
    """The filters the form accepted, as typed, for the page's links (older events, export):
    a refused one (personal data, a bad date) is not carried on into them."""
    query = QueryDict(mutable=True)
    if not form.is_bound:
        return query
    errors = form.errors  # cleaned once: a refused value is cleared from form.data
    for name in form.fields:
        value = form.data.get(name, "")
        if value and name not in errors:
            query[name] = value
    return query


@login_required
@require_http_methods(["GET", "POST"])
def export_list(request):
    """The auditor's exports, and a new one for the chosen filters (run in the background)."""
    scope = scope_or_404(user=request.user, resource="audit.exports")
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = EventFilterForm(data)
    if request.method == "POST":
        # Asking for an export needs a recent authentication: a prompt, then back to the
        # list with the same filters.
        prompt = web_reauthentication_redirect(
            request, next_url=f"{request.path}?{request.POST.urlencode()}"
        )
        if prompt is not None:
            return prompt
    if request.method == "POST" and form.is_valid():
        export = export_request(owner=request.user, scope=scope, filters=form.filters())
        messages.success(request, _("Export demandé : il est préparé en arrière-plan."))
        return redirect("audit-export-page", export_id=export.pk)
    if form.refused:  # an export asked for with personal data in its filters: none is made
        record_refused_filters(
            actor=request.user, action="audit.export_requested", kinds=form.refused, via="web"
        )
    exports = audit_exports_page(user=request.user, shown=EXPORTS_SHOWN)
    return render(
        request,
        "audit/exports.html",
        {"form": form, "exports": exports},
        status=400 if request.method == "POST" else 200,
    )


def _progress(export) -> dict:
    done = export.status == ExportStatus.DONE
    return {
        "status": export.status,
        "status_label": export.get_status_display(),
        "progress": export.progress,
        "processed": export.processed,
        "total": export.total,
        "done": done,
        "failed": export.status == ExportStatus.FAILED,
        "download_url": reverse("audit-export-file", kwargs={"export_id": export.pk})
        if done
        else None,
    }


@login_required
def export_page(request, export_id):
    """An export's progress; the page's script asks for the JSON form until it is done."""
    export = get_export_for(user=request.user, export_id=export_id)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(_progress(export))  # the page's own polling, like the API's
    audit_export_viewed(user=request.user, export=export)
    context = {"export": export, "filters": filters_in_words(export.filters), **_progress(export)}
    return render(request, "audit/export.html", context)


@login_required
def export_file(request, export_id):
    """The zip, once written; its download is recorded before it is served."""
    export = get_export_for(user=request.user, export_id=export_id)
    if export.status != ExportStatus.DONE or not export_path(export).exists():
        audit_record(
            actor=request.user,
            action="audit.export_downloaded",
            target=export,
            outcome="not_ready",
        )
        context = {
            "export": export,
            "not_ready": True,
            "filters": filters_in_words(export.filters),
            **_progress(export),
        }
        return render(request, "audit/export.html", context, status=409)
    export_downloaded(export=export, actor=request.user)
    return FileResponse(
        export_path(export).open("rb"),
        as_attachment=True,
        filename=f"relais-audit-export-{export.pk}.zip",
        content_type="application/zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def integrity(request):
    """The latest signed checkpoint, its freshness, and on demand a verification of the
    newest events against the signed checkpoints."""
    scope_or_404(user=request.user, resource="audit.integrity")
    latest = AuditCheckpoint.objects.order_by("-number").first()
    head = ChainHead.objects.filter(pk=HEAD_PK).first()
    max_gap = default_max_gap()
    fresh = bool(latest and (max_gap is None or timezone.now() - latest.issued_at <= max_gap))
    report = error = None
    verified_from = None
    if request.method == "GET":
        audit_record(
            actor=request.user,
            action="audit.integrity_viewed",
            details={"via": "web", "checkpoint": latest.number if latest else 0},
        )
    if request.method == "POST":
        last_seq = ChainHead.objects.filter(pk=HEAD_PK).values_list("seq", flat=True).first() or 0
        verified_from = max(1, last_seq - RECENT_EVENTS + 1)
        try:
            report = verify_database(from_seq=verified_from)
        except AuditError as exc:
            error = str(exc)
        audit_record(
            actor=request.user,
            action="audit.verified",
            outcome="ok" if report is not None and report.ok else "failed",
            details={
                "via": "web",
                "from_seq": verified_from,
                "errors": len(report.errors) if report is not None else -1,
            },
        )
    return render(
        request,
        "audit/integrity.html",
        {
            "latest": latest,
            "head": head,
            "fresh": fresh,
            "max_gap_minutes": int(max_gap.total_seconds() // 60) if max_gap else None,
            "report": report,
            "findings": findings(report) if report is not None else ([], []),
            "reason": checkpoint_reason(latest.reason) if latest else "",
            "error": error,
            "verified_from": verified_from,
            "recent": RECENT_EVENTS,
        },
    )
