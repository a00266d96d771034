"""The mayor's delegations of signature: list, create, revoke. Whoever is not the commune's
mayor gets the same 404 as for a page that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..delegations import (
    delegation_page,
    delegation_with_pk,
    signature_delegation_create,
    signature_delegation_revoke,
)
from ..exceptions import ActionNotAllowed, InvalidInput, PersonalDataRefused
from ..forms import DelegationForm
from .common import audit_denied


@login_required
@require_http_methods(["GET", "POST"])
def delegation_list(request):
    page = delegation_page(user=request.user, code=request.GET.get("commune", ""))
    if page is None:
        audit_denied(request, action="delegation.not_found")
        raise Http404
    form = DelegationForm(
        request.POST if request.method == "POST" else None,
        deputies=[(str(user.pk), user.display_name) for user in page.deputies],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        deputy = next((user for user in page.deputies if str(user.pk) == data["deputy"]), None)
        try:
            if deputy is None:
                raise InvalidInput({"deputy": "not_a_deputy"})
            signature_delegation_create(
                actor=request.user,
                commune=page.commune,
                deputy=deputy,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                order_reference=data["order_reference"],
            )
        except PersonalDataRefused as exc:
            form.refuse_personal_data(exc)
        except InvalidInput as exc:
            form.refuse_input(exc)
        else:
            messages.success(request, _("Délégation de signature enregistrée."))
            return redirect(request.get_full_path())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sharing/delegations.html",
        {
            "commune": page.commune,
            "delegations": page.delegations,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def delegation_revoke(request, pk: int):
    delegation = delegation_with_pk(pk)
    try:
        if delegation is None:
            raise ActionNotAllowed(action="revoke_delegation")
        signature_delegation_revoke(actor=request.user, delegation=delegation)
    except ActionNotAllowed:
        audit_denied(request, action="delegation.not_found")
        raise Http404 from None
    messages.success(request, _("Délégation révoquée."))
    query = f"?commune={delegation.commune.code}"
    return redirect(reverse("delegations") + query)
