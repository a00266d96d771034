"""A prefecture's message templates, managed by its admin: list, create, edit, delete. Anyone
else gets the same 404 as for a page that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..exceptions import ActionNotAllowed, InvalidInput, PersonalDataRefused
from ..forms import MessageTemplateForm
from ..message_templates import (
    managed_template,
    message_template_create,
    message_template_delete,
    message_template_update,
    template_page,
)
from ..models import MessageTemplate
from .common import audit_denied


def _template(request, pk: int) -> MessageTemplate:
    """One of the administered prefecture's templates; anything else is a 404."""
    template = managed_template(user=request.user, pk=pk)
    if template is None:
        audit_denied(request, action="template.not_found")
        raise Http404
    return template


def _save(request, form: MessageTemplateForm, run) -> bool:
    """Runs the service with the form's data; False (and the form's errors) when refused."""
    if not form.is_valid():
        return False
    try:
        run(**form.cleaned_data)
    except PersonalDataRefused as exc:
        form.refuse_personal_data(exc)
    except InvalidInput as exc:
        form.refuse_input(exc)
    except ActionNotAllowed:
        audit_denied(request, action="template.not_found")
        raise Http404 from None
    else:
        return True
    return False


@login_required
@require_http_methods(["GET", "POST"])
def template_list(request):
    page = template_page(user=request.user)
    if page is None:
        audit_denied(request, action="template.not_found")
        raise Http404
    form = MessageTemplateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and _save(
        request,
        form,
        lambda **data: message_template_create(
            actor=request.user, prefecture=page.prefecture, **data
        ),
    ):
        messages.success(request, _("Modèle enregistré."))
        return redirect("message-templates")
    return render(
        request,
        "sharing/message_templates.html",
        {
            "prefecture": page.prefecture,
            "templates": page.templates,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk: int):
    template = _template(request, pk)
    form = MessageTemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": template.kind, "title": template.title, "text": template.text},
    )
    if request.method == "POST" and _save(
        request,
        form,
        lambda **data: message_template_update(actor=request.user, template=template, **data),
    ):
        messages.success(request, _("Modèle enregistré."))
        return redirect("message-templates")
    return render(
        request,
        "sharing/message_template_edit.html",
        {"prefecture": template.prefecture, "template": template, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def template_delete(request, pk: int):
    template = _template(request, pk)
    try:
        message_template_delete(actor=request.user, template=template)
    except ActionNotAllowed:
        audit_denied(request, action="template.not_found")
        raise Http404 from None
    messages.success(request, _("Modèle supprimé."))
    return redirect("message-templates")
