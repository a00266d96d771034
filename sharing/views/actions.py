"""Every lifecycle action as a web page: one registry entry per action, one view for all.

The view fetches with the action's permission (missing or forbidden: the same 404), parses the
form, calls the one service, and turns the service's refusals into field errors (400) or, when
the request moved on meanwhile, into the request's page with an explanation (409)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.step_up import web_reauthentication_redirect

from .. import rules
from ..exceptions import ActionNotAllowed, InvalidInput, PersonalDataRefused, TransitionNotAllowed
from ..forms import (
    AssignForm,
    ClarificationRequestForm,
    DecideForm,
    DeliveryForm,
    EmptyForm,
    ExtendForm,
    MessageForm,
    NoteForm,
    ReasonForm,
    RelaisForm,
    RemarkForm,
    RemindForm,
)
from ..message_templates import FIELD_OF_KIND, KIND_OF_ACTION, templates_for
from ..models import InfoRequest
from ..reminders.personal import personal_reminder_create
from ..selectors.people import colleagues
from ..selectors.request_page import record_request_viewed, request_page
from ..services.clarification import (
    clarification_due_default,
    info_request_clarify,
    info_request_request_clarification,
)
from ..services.drafting import (
    info_request_discard,
    info_request_send_back,
    info_request_sign,
    info_request_withdraw,
)
from ..services.handling import (
    info_request_acknowledge,
    info_request_assign,
    info_request_close,
    info_request_decide,
    info_request_extend,
    info_request_record_delivery,
    info_request_take,
)
from ..services.notes import note_add
from .common import audit_denied, fetch


def _assign(request, info_request: InfoRequest, data: dict):
    liaison = User.objects.filter(username=data["liaison"]).first()
    if liaison is None:
        raise InvalidInput({"liaison": "not_a_liaison"})
    return info_request_assign(info_request=info_request, actor=request.user, liaison=liaison)


def _remind(request, info_request: InfoRequest, data: dict):

    return personal_reminder_create(
        info_request=info_request, actor=request.user, remind_on=data["remind_on"]
    )


@dataclass(frozen=True)
class WebAction:
    slug: str  # the URL segment, as in the API
    name: str  # the action's name in `rules.RULES`
    title: str
    done: str
    form_class: type[RelaisForm]
    run: Callable
    explanation: str = ""
    one_click: bool = False  # a button on the request's page, no form to fill
    danger: bool = False
    quiet: bool = False  # a side action, not a step of the lifecycle

    def form(self, data, info_request: InfoRequest) -> RelaisForm:
        if self.form_class is AssignForm:
            return AssignForm(
                data,
                liaisons=colleagues([info_request.prefecture_id]),
                initial={"liaison": getattr(info_request.assigned_to, "username", "")},
            )
        if self.form_class is ClarificationRequestForm:
            return ClarificationRequestForm(
                data,
                initial={
                    "answer_by": clarification_due_default(
                        today=timezone.localdate(),
                        departement_code=info_request.commune.departement_code,
                    )
                },
            )
        if self.form_class is DecideForm:
            return DecideForm(
                data,
                initial={
                    "procureur_agreement": info_request.procureur_agreement,
                    "intelligence_agreement": info_request.intelligence_agreement,
                },
            )
        return self.form_class(data)


def _service(function, **renames):
    """Calls `function(info_request=…, actor=…, **form data)` with the form's field names."""

    def run(request, info_request, data):
        arguments = {renames.get(key, key): value for key, value in data.items()}
        return function(info_request=info_request, actor=request.user, **arguments)

    return run


ACTIONS: dict[str, WebAction] = {
    action.slug: action
    for action in [
        WebAction(
            "sign",
            "sign",
            _("Signer et transmettre"),
            _("Demande signée et transmise à la préfecture."),
            EmptyForm,
            _service(info_request_sign),
            explanation=_(
                "En signant, vous transmettez la demande à la préfecture en votre qualité de "
                "maire, ou pour le maire et par délégation si vous tenez une délégation de "
                "signature. Son texte ne pourra plus être modifié, et les délais de réponse "
                "courent à compter de ce jour. Un accusé de réception sera disponible."
            ),
        ),
        WebAction(
            "send-back",
            "send_back",
            _("Renvoyer au juriste"),
            _("Brouillon renvoyé au juriste avec votre remarque."),
            RemarkForm,
            _service(info_request_send_back),
            explanation=_(
                "Au lieu de signer, vous renvoyez le brouillon aux juristes de la commune avec "
                "une courte remarque. Ils sont prévenus ; la remarque reste visible de la seule "
                "commune et la demande reste un brouillon jusqu'à votre signature."
            ),
        ),
        WebAction(
            "acknowledge",
            "acknowledge",
            _("Accuser réception"),
            _("Réception accusée."),
            EmptyForm,
            _service(info_request_acknowledge),
            one_click=True,
        ),
        WebAction(
            "assign",
            "assign",
            _("Confier à un référent"),
            _("Demande confiée."),
            AssignForm,
            _assign,
        ),
        WebAction(
            "take",
            "take",
            _("Je la prends"),
            _("Demande prise en charge : elle vous est confiée."),
            EmptyForm,
            _service(info_request_take),
            one_click=True,
        ),
        WebAction(
            "request-clarification",
            "request_clarification",
            _("Demander des précisions"),
            _("Demande de précisions envoyée à la commune ; le délai de décision est suspendu."),
            ClarificationRequestForm,
            _service(info_request_request_clarification),
            explanation=_(
                "Le délai de décision est suspendu jusqu'à la réponse de la commune ; il reprend "
                "ensuite avec les jours ouvrés qui restaient."
            ),
        ),
        WebAction(
            "clarify",
            "clarify",
            _("Apporter les précisions"),
            _("Précisions envoyées à la préfecture ; le délai de décision reprend."),
            MessageForm,
            _service(info_request_clarify),
        ),
        WebAction(
            "decide",
            "decide",
            _("Enregistrer la décision"),
            _("Décision enregistrée."),
            DecideForm,
            _service(info_request_decide),
            explanation=_(
                "Relais enregistre l'issue, le motif et les accords préalables, jamais "
                "l'information elle-même : celle-ci est remise hors de Relais."
            ),
        ),
        WebAction(
            "record-delivery",
            "record_delivery",
            _("Enregistrer la remise"),
            _("Remise enregistrée."),
            DeliveryForm,
            _service(info_request_record_delivery),
            explanation=_("Comment et quand la réponse a été remise ; jamais ce qu'elle disait."),
        ),
        WebAction(
            "close",
            "close",
            _("Clore la demande"),
            _("Demande close."),
            EmptyForm,
            _service(info_request_close),
            one_click=True,
        ),
        WebAction(
            "extend",
            "extend",
            _("Prolonger l'échéance"),
            _("Échéance prolongée."),
            ExtendForm,
            _service(info_request_extend),
        ),
        WebAction(
            "withdraw",
            "withdraw",
            _("Retirer la demande"),
            _("Demande retirée."),
            ReasonForm,
            _service(info_request_withdraw),
            explanation=_("Le retrait est définitif ; la préfecture en est informée."),
            danger=True,
        ),
        WebAction(
            "discard",
            "discard",
            _("Abandonner le brouillon"),
            _("Brouillon abandonné : il n'apparaît plus dans les listes."),
            EmptyForm,
            _service(info_request_discard),
            explanation=_(
                "Le brouillon n'est pas transmis et disparaît des listes. Sa référence n'est "
                "jamais réattribuée et son historique reste consultable depuis sa page."
            ),
            danger=True,
        ),
        WebAction(
            "remind",
            "remind",
            _("Me le rappeler"),
            _("Rappel enregistré : vous serez prévenu le jour choisi."),
            RemindForm,
            _remind,
            explanation=_(
                "Vous recevrez une notification et un courriel ce jour-là (le matin du jour "
                "ouvré suivant s'il tombe un week-end ou un jour férié)."
            ),
            quiet=True,
        ),
        WebAction(
            "notes",
            "add_note",
            _("Ajouter une note interne"),
            _("Note interne ajoutée."),
            NoteForm,
            _service(note_add),
        ),
    ]
}


def available_actions(allowed: Iterable[str]) -> list[WebAction]:
    """The pages of the actions `rules.allowed_actions` allows, in the lifecycle's order;
    internal notes have their own form on the request's page."""
    allowed = set(allowed)
    return [
        action
        for action in ACTIONS.values()
        if action.name != "add_note" and action.name in allowed
    ]


STEP_UP_ACTIONS = frozenset({"sign", "decide"})


def _templates(request, spec: WebAction, info_request: InfoRequest):
    """The prefecture's wordings for this action's free text, and the one picked (`?template=`)
    to prefill it; none for an action without one, or for the commune's side."""
    kind = KIND_OF_ACTION.get(spec.name)
    if kind is None:
        return [], None
    templates = list(
        templates_for(user=request.user, prefecture_id=info_request.prefecture_id, kind=kind)
    )
    picked = request.GET.get("template", "")
    chosen = next((t for t in templates if str(t.pk) == picked), None)
    return templates, chosen


def _fresh(info_request: InfoRequest) -> InfoRequest:
    return InfoRequest.objects.select_related(
        "commune", "prefecture", "category", "legal_basis", "assigned_to"
    ).get(pk=info_request.pk)


@login_required
@require_http_methods(["GET", "POST"])
def request_action(request, reference: str, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    info_request = fetch(request, reference)
    if not rules.permitted(spec.name, rules.facts_for(request.user, info_request)):
        # Not allowed answers exactly as not found, and is recorded as one.
        audit_denied(request, action="request.not_found", reference=reference)
        raise Http404
    if spec.name in STEP_UP_ACTIONS:
        # Signing and deciding need a recent authentication: a prompt, then back to the form.
        prompt = web_reauthentication_redirect(request, next_url=request.path)
        if prompt is not None:
            return prompt
    if not rules.possible(spec.name, info_request) and request.method == "GET":
        return render_conflict(request, info_request)
    form = spec.form(request.POST if request.method == "POST" else None, info_request)
    templates, chosen = _templates(request, spec, info_request)
    if chosen is not None and request.method == "GET":
        form.initial[FIELD_OF_KIND[chosen.kind]] = chosen.text
    if request.method == "POST" and form.is_valid():
        try:
            spec.run(request, info_request, form.cleaned_data)
        except PersonalDataRefused as exc:
            form.refuse_personal_data(exc)
        except InvalidInput as exc:
            form.refuse_input(exc)
        except TransitionNotAllowed:
            return render_conflict(request, _fresh(info_request))
        except ActionNotAllowed:
            audit_denied(request, action="permission.denied", reference=reference)
            raise Http404 from None
        else:
            messages.success(request, spec.done)
            return redirect("request-detail", reference=info_request.reference)
    if spec.slug == "notes" and request.method == "POST":
        return render_detail(request, info_request, status=400, note_form=form)
    if request.method == "GET":
        record_request_viewed(user=request.user, info_request=info_request, form=spec.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sharing/request_action.html",
        {
            "info_request": info_request,
            "action": spec,
            "form": form,
            "templates": templates,
            "chosen_template": chosen,
        },
        status=status,
    )


def render_detail(
    request: HttpRequest,
    info_request: InfoRequest,
    *,
    status: int = 200,
    note_form: NoteForm | None = None,
    **extra,
):
    """The request's page (read and recorded as seen by `request_page`), with the actions the
    rules allow as buttons, and the form for a note to those who may write one."""
    page = request_page(user=request.user, info_request=info_request)
    context = {
        **page,
        "actions": available_actions(page["allowed"]),
        "note_form": note_form or (NoteForm() if page["notes"] is not None else None),
        "english": get_language() == "en",
        **extra,
    }
    return render(request, "sharing/request_detail.html", context, status=status)


def render_conflict(request: HttpRequest, info_request: InfoRequest):
    """A forbidden transition: the request moved on meanwhile; show where it stands (409)."""
    return render_detail(request, info_request, status=409, conflict=True)
