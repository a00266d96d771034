"""Several requests of a prefecture's inbox at once: acknowledge, take, assign, remind.

Each selected request goes through the same fetch-and-check, service and rule as on its own
page, in its own transaction, and is audited by that service; one refused does not stop the
others, and the page says which were done and which were refused, and why."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User

from ..exceptions import ActionNotAllowed, InvalidInput, PersonalDataRefused, TransitionNotAllowed
from ..forms import BulkForm
from ..models import InfoRequest, Status
from ..permissions import get_request_for
from ..reminders.personal import personal_reminder_create
from ..selectors.people import BulkChoices, bulk_choices
from ..services.handling import info_request_acknowledge, info_request_assign, info_request_take
from .common import audit_denied

BULK_MAX = 100  # a page of the inbox is 50 rows: more is not a selection made by hand
REFERENCE = re.compile(r"[0-9AB]{5}-[0-9]{4}-[0-9]{4,}")


def bulk_form(user: User, data=None) -> BulkForm | None:
    """The inbox's form for several requests at once, for a prefecture's people only."""
    return form_for(bulk_choices(user=user), data)


def form_for(choices: BulkChoices | None, data=None) -> BulkForm | None:
    if choices is None:
        return None
    return BulkForm(data, liaisons=choices.liaisons, can_assign=choices.can_assign)


def _runner(form: BulkForm, actor: User) -> Callable[[InfoRequest], object]:
    data = form.cleaned_data
    operation = data["operation"]
    if operation == BulkForm.ACKNOWLEDGE:
        return lambda r: info_request_acknowledge(info_request=r, actor=actor)
    if operation == BulkForm.TAKE:
        return lambda r: info_request_take(info_request=r, actor=actor)
    if operation == BulkForm.ASSIGN:
        liaison = User.objects.get(username=data["liaison"])
        return lambda r: info_request_assign(info_request=r, actor=actor, liaison=liaison)

    return lambda r: personal_reminder_create(
        info_request=r, actor=actor, remind_on=data["remind_on"]
    )


def _selected(request) -> list[str]:
    seen: dict[str, None] = {}
    for value in request.POST.getlist("selected"):
        seen.setdefault(value.strip().upper()[:40], None)
    return list(seen)


def apply_each(
    request, references: list[str], run: Callable[[InfoRequest], object]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Runs `run` on each request through the one fetch-and-check, each in the service's own
    transaction; returns the references done and those refused, with why."""
    user = request.user
    done, refused = [], []
    for reference in references:
        readable = REFERENCE.fullmatch(reference) is not None
        try:
            if not readable:
                raise Http404
            info_request = get_request_for(user=user, reference=reference)
        except Http404:
            audit_denied(request, action="request.not_found", reference=reference)
            # What was sent is shown only when it is a reference: never typed text back.
            shown = reference if readable else _("Sélection illisible")
            refused.append((shown, _("Introuvable, ou pas de votre ressort.")))
            continue
        try:
            run(info_request)
        except ActionNotAllowed:
            audit_denied(request, action="permission.denied", reference=reference)
            refused.append(
                (reference, _("Cette action ne vous est pas ouverte sur cette demande."))
            )
        except TransitionNotAllowed as exc:
            status = Status(exc.status).label if exc.status in Status.values else exc.status
            refused.append(
                (reference, _("Pas possible au statut « %(status)s ».") % {"status": status})
            )
        except (InvalidInput, PersonalDataRefused) as exc:
            errors = exc.errors.values() if isinstance(exc, InvalidInput) else [exc]
            refused.append((reference, " ".join(str(error) for error in errors)))
        else:
            done.append(reference)
    return done, refused


@login_required
@require_POST
def request_bulk(request):
    user = request.user
    form = bulk_form(user, request.POST)
    if form is None:
        audit_denied(request, action="permission.denied")
        raise Http404
    references = _selected(request)
    problems = []
    if not references:
        problems.append(_("Cochez au moins une demande."))
    elif len(references) > BULK_MAX:
        problems.append(_("Au plus %(max)s demandes à la fois.") % {"max": BULK_MAX})
    if not form.is_valid() or problems:
        return render(
            request,
            "sharing/request_bulk.html",
            {"form": form, "problems": problems, "done": [], "refused": []},
            status=400,
        )
    done, refused = apply_each(request, references, _runner(form, user))
    operation = dict(form.fields["operation"].choices)[form.cleaned_data["operation"]]
    return render(
        request,
        "sharing/request_bulk.html",
        {"form": form, "operation": operation, "done": done, "refused": refused},
    )
