"""The request screens: the list (a commune's requests, a prefecture's inbox), a request's page,
and the draft's form."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from guardian.core import ObjectPermissionChecker

from accounts.models import COMMUNE_ROLES, PREFECTURE_ROLES, Organization, OrgKind
from accounts.selectors import memberships_of, organizations_where
from audit.services import audit_record

from .. import rules, services, worklists
from ..exceptions import (
    ActionNotAllowed,
    InvalidInput,
    PersonalDataRefused,
    TransitionNotAllowed,
)
from ..filters import InfoRequestFilter
from ..formats import alphabetical, localised_field
from ..forms import OPEN, InfoRequestForm, NoteForm, RequestFilterForm
from ..models import (
    OPEN_STATUSES,
    DeadlineChange,
    InfoRequest,
    InfoRequestUserObjectPermission,
    ReminderStatus,
    Resolution,
    Status,
    Urgency,
    running_due_expression,
)
from ..permissions import CHANGE, DRAFT, NOTES
from ..saved_views import saved_views_of
from ..selectors import (
    info_request_list,
    is_late,
    messages_of,
    notes_of,
    personal_reminders_of,
    remarks_of,
    running_due_date,
    timeline_of,
    with_sent_back,
)
from ..services import EDITABLE_FIELDS
from ..spreadsheets import FORMATS, Sheet, spreadsheet_response
from .actions import available_actions
from .bulk import bulk_form
from .common import (
    audit_denied,
    audit_view,
    fetch,
    render_detail,
)

PAGE_SIZE = 50
FULL_REFERENCE = re.compile(r"[0-9AB]{5}-[0-9]{4}-[0-9]{4,}")


def _sides(user) -> tuple[list[Organization], bool]:
    """The communes the user works for, and whether the user works for a prefecture."""
    memberships = memberships_of(user=user)
    communes = {m.organization_id: m.organization for m in memberships if m.role in COMMUNE_ROLES}
    prefecture_side = any(m.role in PREFECTURE_ROLES for m in memberships)
    return list(communes.values()), prefecture_side


def _filter_communes(user, communes, prefecture_side) -> list[Organization]:
    if prefecture_side:
        prefectures = organizations_where(user=user, roles=set(PREFECTURE_ROLES))
        communes = Organization.objects.filter(
            kind=OrgKind.COMMUNE, prefecture__in=prefectures
        ).only("code", "name")
    # Sorted here, as a reader expects (Étoile among the E), not by SQLite's byte order.
    return sorted(communes, key=lambda commune: (alphabetical(commune.name), commune.code))


def within_own_organisations(queryset, *, user, communes, prefecture_side):
    """Narrows the visible requests to the user's own communes and prefectures, which is where
    the services grant the role groups their permissions: the same rows, but a condition the
    database can use an index for instead of testing visibility on every request. A user
    holding a permission granted to them personally (never done by the services) keeps the
    plain visibility filter, so that nothing visible is ever left out."""
    if InfoRequestUserObjectPermission.objects.filter(user=user).exists():
        return queryset
    own = Q(commune__in=communes)
    if prefecture_side:
        own |= Q(prefecture__in=organizations_where(user=user, roles=set(PREFECTURE_ROLES)))
    return queryset.filter(own)


@login_required
def request_list(request):
    """A commune's requests, newest first; a prefecture's inbox, what is due first."""
    user = request.user
    communes, prefecture_side = _sides(user)
    export = request.GET.get("export", "")
    query = request.GET.copy()
    query.pop("export", None)
    form = RequestFilterForm(
        query or None,
        communes=_filter_communes(user, communes, prefecture_side),
        prefecture_side=prefecture_side,
        initial={"status": OPEN if prefecture_side else ""},
    )
    # A refused filter (personal data typed in the reference filter) is left out with its
    # error shown; the valid ones still apply.
    chosen = form.cleaned_data if form.is_bound and (form.is_valid() or form.refused) else {}
    status = chosen.get("status", OPEN if prefecture_side else "")
    params: dict = {}
    for name in ("commune", "category"):
        if chosen.get(name):
            params[name] = chosen[name]
    reference = chosen.get("reference", "").strip().upper()
    exact = reference if FULL_REFERENCE.fullmatch(reference) else ""
    if chosen.get("overdue"):
        params["overdue"] = "true"  # the filter set reads query strings, as the API sends them
    if chosen.get("mine"):
        params["assigned_to"] = user.get_username()
    today = timezone.localdate()
    lists = worklists.work_lists(prefecture_side=prefecture_side, user=user, today=today)
    chosen_list = next((item for item in lists if item.key == chosen.get("worklist")), None)
    if chosen_list is not None:
        status = ""  # a work list says which statuses it holds
    statuses = sorted(OPEN_STATUSES) if status == OPEN else [status] if status else []

    visible = info_request_list(user=user)
    own = within_own_organisations(
        visible, user=user, communes=communes, prefecture_side=prefecture_side
    )
    if prefecture_side and not communes:
        own = own.exclude(status=Status.DRAFT)  # a draft has not reached them yet
    if not prefecture_side:
        own = worklists.with_work_marks(own)
    list_counts = worklists.counts(own, lists)
    queryset = own
    if chosen_list is not None:
        queryset = queryset.filter(chosen_list.condition)
    if exact:  # a whole reference: the unique index, not a scan of every request
        queryset = queryset.filter(reference=exact)
    elif reference:
        queryset = queryset.filter(reference__icontains=reference)
    if chosen.get("q"):
        queryset = queryset.filter(
            Q(reference__icontains=chosen["q"]) | Q(purpose__icontains=chosen["q"])
        )
    if chosen.get("received_from"):
        queryset = queryset.filter(submitted_at__date__gte=chosen["received_from"])
    if chosen.get("received_to"):
        queryset = queryset.filter(submitted_at__date__lte=chosen["received_to"])
    if statuses:
        # Filtered here rather than by the filter set, whose multiple-choice filter adds a
        # DISTINCT that the visibility subquery does not need and that costs a sort.
        queryset = queryset.filter(status__in=statuses)
    # The filter set reads query values, as the API gives them ("true", not True).
    query_values = {key: "true" if value is True else value for key, value in params.items()}
    queryset = InfoRequestFilter(query_values, queryset=queryset).qs
    sort = chosen.get("sort", "")

    def in_order(rows):
        if sort in RequestFilterForm.SORTS:
            return rows.order_by(*RequestFilterForm.SORTS[sort], "pk")
        if prefecture_side:
            return rows.annotate(running_due=running_due_expression()).order_by(
                F("running_due").asc(nulls_last=True), "-created_at", "pk"
            )
        return rows.order_by("-created_at", "pk")

    recorded = {
        **params,
        "status": ",".join(statuses),
        "reference": reference,
        "q": chosen.get("q", ""),  # screened by the form: refused text never gets here
        "received_from": chosen.get("received_from") or "",
        "received_to": chosen.get("received_to") or "",
        "worklist": chosen_list.key if chosen_list else "",
        "sort": sort,
    }
    if export in FORMATS:
        return _export_list(
            request,
            rows=in_order(queryset),
            prefecture_side=prefecture_side,
            file_format=export,
            kinds=sorted(key for key, value in recorded.items() if value),
            refused=form.refused,
        )
    # The page's ids in a subquery, then only their rows with what they render (still
    # through the visibility filter): sorting and skipping thousands of narrow rows is cheap,
    # joining every row before the sort is not.
    page = Paginator(in_order(queryset).values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = visible.filter(pk__in=page.object_list).select_related("assigned_to", "commune")
    rows = list(in_order(with_sent_back(rows)))
    if prefecture_side and rows:
        _mark_takeable(user, rows)
    audit_record(
        actor=user,
        action="request.listed",
        details={
            "via": "web",
            "references": [row.reference for row in rows],
            "count": page.paginator.count,
            "query": {key: str(value)[:40] for key, value in sorted(recorded.items()) if value},
            **({"refused": form.refused} if form.refused else {}),
        },
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
            "page": page,
            "rows": rows,
            "prefecture_side": prefecture_side,
            "can_draft": bool(communes),
            "today": today,
            "work_lists": [
                {
                    "key": item.key,
                    "label": item.label,
                    "count": list_counts[item.key],
                    "current": chosen_list is not None and item.key == chosen_list.key,
                }
                for item in lists
            ],
            "bulk_form": bulk_form(user) if prefecture_side else None,
            "sort": sort,
            "sort_query": kept.urlencode(),
            "saved_views": saved_views_of(user=user),
            "export_query": export_query,
        },
    )


def _mark_takeable(user, rows: list[InfoRequest]) -> None:
    """`row.takeable`: the inbox's "take it" button, offered exactly where the rules allow
    it, with the page's permissions read in one go."""
    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(rows)
    for row in rows:
        facts = rules.facts_for(user, row, checker.get_perms(row))
        row.takeable = rules.allows(user, "take", row, facts=facts)


EXPORT_MAX_ROWS = 1000  # every exported reference is recorded, and the record has a bound


def _export_list(
    request, *, rows, prefecture_side: bool, file_format: str, kinds: list[str], refused: dict
):
    """The filtered list as a spreadsheet: the columns the list shows (the prefecture too),
    never the purpose or any other typed text. Recorded as one event with the kinds of filter
    applied (not their values) and every reference exported."""
    count = rows.count()
    if count > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _(
                "Cette liste compte %(count)s demandes : affinez les filtres pour en exporter "
                "%(most)s au plus."
            )
            % {"count": count, "most": EXPORT_MAX_ROWS},
        )
        query = request.GET.copy()
        query.pop("export", None)
        return redirect(f"{request.path}?{query.urlencode()}")
    rows = list(
        with_sent_back(rows).select_related(
            "assigned_to", "commune", "commune__prefecture", "category"
        )
    )
    audit_record(
        actor=request.user,
        action="request.exported",
        details={
            "via": "web",
            "format": file_format,
            "count": len(rows),
            "filters": kinds,
            "references": [row.reference for row in rows],
            **({"refused": refused} if refused else {}),
        },
    )
    sheet = request_sheet(rows, prefecture_side=prefecture_side)
    filename = f"relais-demandes-{timezone.localdate().isoformat()}"
    return spreadsheet_response(sheets=[sheet], file_format=file_format, filename=filename)


def request_sheet(rows, *, prefecture_side: bool) -> Sheet:
    """One row per request: reference, status, dates, category, commune, prefecture, who
    is expected to act and, for the prefecture, who the request is assigned to."""
    from ..templatetags.relais import waiting_on

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


def detail_context(request, info_request: InfoRequest, **extra) -> dict:
    """Everything the request's page shows, for this user; internal notes only to those
    who hold the notes permission."""
    perms = set(ObjectPermissionChecker(request.user).get_perms(info_request))
    allowed = rules.allowed_actions(request.user, info_request, perms)
    show_notes = NOTES in perms
    remarks = list(remarks_of(info_request=info_request)) if DRAFT in perms else []
    return {
        "info_request": info_request,
        "overdue": is_late(info_request),
        "actions": available_actions(allowed),
        "can_edit": "update" in allowed,
        "to_answer": "clarify" in allowed,
        "answer_late": info_request.status == Status.CLARIFICATION_REQUESTED
        and info_request.clarification_due is not None
        and info_request.clarification_due < timezone.localdate(),
        "thread": list(messages_of(info_request=info_request)),
        "notes": list(notes_of(info_request=info_request)) if show_notes else None,
        "remarks": remarks,
        "sent_back": info_request.status == Status.DRAFT
        and any(remark.addressed_at is None for remark in remarks),
        "note_form": extra.pop("note_form", None) or (NoteForm() if show_notes else None),
        "timeline": timeline_of(info_request=info_request),
        "deadline_changes": list(
            DeadlineChange.objects.filter(info_request=info_request).select_related("actor")
        ),
        "has_receipt": info_request.submitted_at is not None,
        "my_reminders": list(
            personal_reminders_of(user=request.user, info_request=info_request).filter(
                status=ReminderStatus.PENDING
            )
        ),
        "english": get_language() == "en",
        **extra,
    }


@login_required
def request_detail(request, reference: str):
    return render_detail(request, fetch(request, reference))


def _drafting_communes(request) -> list[Organization]:
    communes, _prefecture_side = _sides(request.user)
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
            info_request = services.info_request_create(
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
            services.info_request_update(info_request=info_request, actor=request.user, **changes)
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
        audit_view(request, info_request, form="edit")
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
    from ..receipts import receipt_pdf

    info_request = fetch(request, reference)
    if info_request.submitted_at is None:
        audit_denied(request, action="request.not_found", reference=reference)
        raise Http404
    pdf = receipt_pdf(info_request=info_request)
    audit_record(
        actor=request.user,
        action="request.receipt_downloaded",
        target=info_request,
        organization=info_request.commune,
        details={"via": "web"},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="accuse-reception-{info_request.reference}.pdf"'
    )
    return response
