"""The request screens: the list (a commune's requests, a prefecture's inbox), a request's page,
and the draft's form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Organization

from .. import rules
from ..exceptions import (
    ActionNotAllowed,
    InvalidInput,
    PersonalDataRefused,
    TransitionNotAllowed,
)
from ..formats import localised_field, long_date
from ..forms import InfoRequestForm, RequestFilterForm
from ..models import InfoRequest, Resolution, Status, Urgency
from ..permissions import CHANGE
from ..selectors import awaited_date, is_late, running_due_date
from ..selectors.request_list import (
    EXPORT_MAX_ROWS,
    ListScope,
    list_scope,
    request_list_export,
    request_list_page,
    sides_of,
)
from ..selectors.request_page import record_request_viewed, request_receipt_pdf
from ..services.drafting import EDITABLE_FIELDS, info_request_create, info_request_update
from ..spreadsheets import FORMATS, Sheet, spreadsheet_response
from ..templatetags.relais import STATUS_BADGE, urgency_label, waiting_on
from .actions import render_detail
from .bulk import form_for
from .common import audit_denied, fetch


@login_required
def request_list(request):
    """A commune's requests, newest first; a prefecture's inbox, what is due first."""
    user = request.user
    export = request.GET.get("export", "")
    query = request.GET.copy()
    query.pop("export", None)
    scope = list_scope(user=user)
    form = RequestFilterForm(
        query or None,
        communes=scope.filter_communes,
        prefecture_side=scope.prefecture_side,
        initial={"status": scope.default_status},
    )
    # A refused filter (personal data typed in the reference filter) is left out with its
    # error shown; the valid ones still apply.
    chosen = form.cleaned_data if form.is_bound and (form.is_valid() or form.refused) else {}
    if export in FORMATS:
        return _export_list(request, scope=scope, chosen=chosen, form=form, file_format=export)
    listing = request_list_page(
        user=user,
        scope=scope,
        chosen=chosen,
        page_number=request.GET.get("page"),
        refused=form.refused,
    )
    # The links keep the filters the list applies (a refused value was cleared from the form).
    kept = form.data.copy() if form.is_bound else query
    kept.pop("page", None)
    export_query = kept.urlencode()
    kept.pop("sort", None)
    return render(
        request,
        "sharing/request_list.html",
        {
            "form": form,
            "page": listing.page,
            "rows": list_rows(listing.rows, today=listing.today),
            "prefecture_side": scope.prefecture_side,
            "can_draft": bool(scope.communes),
            "today": listing.today,
            "work_lists": listing.work_lists,
            "bulk_form": form_for(listing.bulk),
            "sort": listing.sort,
            "sort_query": kept.urlencode(),
            "saved_views": listing.saved_views,
            "export_query": export_query,
        },
    )


STATUS_BADGE_CLASS = {status: f"fr-badge--sm {css}" for status, css in STATUS_BADGE.items()}


def list_rows(rows: list[InfoRequest], *, today: date) -> list[dict[str, Any]]:
    """What each row of the list shows, worked out here rather than by template tags and
    filters cell by cell (fifty rows, a dozen cells each). Plain values: the template escapes
    them as it escapes any variable, and marks nothing safe."""
    language = get_language()
    shown = []
    for row in rows:
        due = awaited_date(row)
        purpose = row.purpose
        assignee = row.assigned_to
        shown.append(
            {
                "reference": row.reference,
                "url": reverse("request-detail", kwargs={"reference": row.reference}),
                "commune": row.commune.name,
                "category": localised_field(row.category, "name"),
                # As `truncatechars:70`, which never shortens a text of 70 characters or fewer.
                "purpose": purpose if len(purpose) <= 70 else Truncator(purpose).chars(70),
                "received": long_date(row.submitted_at, language) or "—",
                "status": Status(row.status).label,
                "status_class": STATUS_BADGE_CLASS.get(row.status, "fr-badge--sm "),
                "sent_back": row.status == Status.DRAFT and getattr(row, "sent_back", False),
                "due": long_date(due, language) if due else "—",
                "late": is_late(row, today=today),
                "waiting_on": waiting_on(row),
                "urgent": row.urgency == Urgency.URGENT,
                "urgency": urgency_label(row.urgency),
                "assignee": (assignee.display_name if assignee else "") or "—",
                "take_url": (
                    reverse("request-action", kwargs={"reference": row.reference, "action": "take"})
                    if getattr(row, "takeable", False)
                    else ""
                ),
                "select_label": _("Sélectionner %(reference)s") % {"reference": row.reference},
            }
        )
    return shown


def _export_list(request, *, scope: ListScope, chosen: dict, form, file_format: str):
    """The filtered list as a spreadsheet, or back to the list when it holds too many rows."""
    export = request_list_export(
        user=request.user,
        scope=scope,
        chosen=chosen,
        refused=form.refused,
        file_format=file_format,
    )
    if export.rows is None:
        messages.error(
            request,
            _(
                "Cette liste compte %(count)s demandes : affinez les filtres pour en exporter "
                "%(most)s au plus."
            )
            % {"count": export.count, "most": EXPORT_MAX_ROWS},
        )
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    sheet = request_sheet(export.rows, prefecture_side=scope.prefecture_side)
    filename = f"relais-demandes-{timezone.localdate().isoformat()}"
    return spreadsheet_response(sheets=[sheet], file_format=file_format, filename=filename)


def request_sheet(rows, *, prefecture_side: bool) -> Sheet:
    """One row per request: reference, status, dates, category, commune, prefecture, who
    is expected to act and, for the prefecture, who the request is assigned to."""
    header = [
        _("Référence"),
        _("Statut"),
        _("Urgence"),
        _("Catégorie"),
        _("Commune"),
        _("Code INSEE"),
        _("Préfecture"),
        _("Reçue le"),
        _("Réception accusée le"),
        _("Décidée le"),
        _("Issue"),
        _("Remise le"),
        _("Close le"),
        _("Retirée le"),
        _("Échéance"),
        _("Attendue de"),
    ]
    if prefecture_side:
        header.append(_("Confiée à"))
    sheet = Sheet(name=_("Demandes"), header=header)
    for row in rows:
        line = [
            row.reference,
            Status(row.status).label,
            Urgency(row.urgency).label,
            localised_field(row.category, "name"),
            row.commune.name,
            row.commune.code,
            row.commune.prefecture.name if row.commune.prefecture_id else "",
            row.submitted_at,
            row.acknowledged_at,
            row.decided_at,
            Resolution(row.resolution).label if row.resolution else "",
            row.delivered_on or row.delivered_at,
            row.closed_at,
            row.withdrawn_at,
            running_due_date(row),
            waiting_on(row),
        ]
        if prefecture_side:
            line.append(row.assigned_to.display_name if row.assigned_to_id else "")
        sheet.rows.append(line)
    return sheet


@login_required
def request_detail(request, reference: str):
    return render_detail(request, fetch(request, reference))


def _drafting_communes(request) -> list[Organization]:
    communes, _prefecture_side = sides_of(user=request.user)
    if not communes:
        audit_denied(request, action="permission.denied")
        raise Http404
    return communes


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    """A legal officer (or the mayor) drafts a request for their commune."""
    communes = _drafting_communes(request)
    form = InfoRequestForm(request.POST if request.method == "POST" else None, communes=communes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        commune = communes[0]
        if "commune" in form.fields:
            commune = next(c for c in communes if c.code == data["commune"])
        try:
            info_request = info_request_create(
                actor=request.user,
                commune=commune,
                category=data["category"],
                legal_basis=data["legal_basis"],
                purpose=data["purpose"],
                urgency=data["urgency"],
                secure_channel_ref=data["secure_channel_ref"],
            )
        except PersonalDataRefused as exc:
            form.refuse_personal_data(exc)
        except InvalidInput as exc:
            form.refuse_input(exc)
        else:
            messages.success(
                request,
                _("Brouillon %(reference)s enregistré. Le maire peut maintenant le signer.")
                % {"reference": info_request.reference},
            )
            return redirect("request-detail", reference=info_request.reference)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "sharing/request_form.html", {"form": form, "info_request": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request, reference: str):
    """Edits a draft; once signed, the wording is frozen."""
    info_request = fetch(request, reference, perm=CHANGE)
    if not rules.possible("update", info_request):
        messages.info(request, _("Seul un brouillon peut être modifié."))
        return redirect("request-detail", reference=reference)
    initial = {name: getattr(info_request, name) for name in EDITABLE_FIELDS}
    form = InfoRequestForm(
        request.POST if request.method == "POST" else None, initial=initial, communes=[]
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS}
        try:
            info_request_update(info_request=info_request, actor=request.user, **changes)
        except PersonalDataRefused as exc:
            form.refuse_personal_data(exc)
        except InvalidInput as exc:
            form.refuse_input(exc)
        except TransitionNotAllowed:
            messages.error(
                request,
                _("Cette demande a été signée entre-temps : elle ne peut plus être modifiée."),
            )
            return redirect("request-detail", reference=reference)
        except ActionNotAllowed:
            audit_denied(request, action="permission.denied", reference=reference)
            raise Http404 from None
        else:
            messages.success(request, _("Brouillon enregistré."))
            return redirect("request-detail", reference=reference)
    elif request.method == "GET":
        record_request_viewed(user=request.user, info_request=info_request, form="edit")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sharing/request_form.html",
        {"form": form, "info_request": info_request},
        status=status,
    )


@login_required
def request_receipt(request, reference: str):
    """The acknowledgement of receipt (CRPA L.112-3, R.112-5) of a signed request, as a PDF."""
    info_request = fetch(request, reference)
    if info_request.submitted_at is None:
        audit_denied(request, action="request.not_found", reference=reference)
        raise Http404
    pdf = request_receipt_pdf(user=request.user, info_request=info_request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="accuse-reception-{info_request.reference}.pdf"'
    )
    return response
