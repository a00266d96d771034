"""Absence cover, for a prefecture's liaisons and admin: list, arrange, end. Whoever works for
no prefecture gets the same 404 as for a page that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..cover import absence_cover_create, absence_cover_end, cover_page, cover_with_pk
from ..exceptions import ActionNotAllowed, InvalidInput
from ..forms import CoverForm
from .common import audit_denied


@login_required
@require_http_methods(["GET", "POST"])
def cover_list(request):
    page = cover_page(user=request.user)
    if page is None:
        audit_denied(request, action="cover.not_found")
        raise Http404
    choices = [(str(user.pk), user.display_name) for user in page.people]
    absentees = choices if page.admin else [(str(request.user.pk), request.user.display_name)]
    form = CoverForm(
        request.POST if request.method == "POST" else None,
        colleagues=choices,
        absentees=absentees,
        initial={"absent": str(request.user.pk)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {str(user.pk): user for user in page.people}
        try:
            absence_cover_create(
                actor=request.user,
                prefecture=page.prefecture,
                absent=by_pk[data["absent"]],
                colleague=by_pk[data["colleague"]],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except InvalidInput as exc:
            form.refuse_input(exc)
        except ActionNotAllowed:
            audit_denied(request, action="cover.not_found")
            raise Http404 from None
        else:
            messages.success(request, _("Remplacement enregistré."))
            return redirect("covers")
    return render(
        request,
        "sharing/covers.html",
        {
            "prefecture": page.prefecture,
            "covers": page.covers,
            "form": form,
            "admin": page.admin,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def cover_end(request, pk: int):
    cover = cover_with_pk(pk)
    try:
        if cover is None:
            raise ActionNotAllowed(action="end_cover")
        absence_cover_end(actor=request.user, cover=cover)
    except ActionNotAllowed:
        audit_denied(request, action="cover.not_found")
        raise Http404 from None
    messages.success(request, _("Remplacement terminé."))
    return redirect(reverse("covers"))
