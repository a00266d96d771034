"""Web forms: they parse what the user typed; the services decide. Refusals from the services
come back here as field errors, in plain words, with the refused text cleared."""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm, DsfrDjangoTemplates

from accounts.models import Organization
from sharing.models import (
    DRAFT_REMARK_MAX,
    MESSAGE_MAX,
    NOTE_MAX,
    PURPOSE_MAX,
    REASON_MAX,
    REMARKS_MAX,
    AgreementStatus,
    Category,
    DeliveryChannel,
    LegalBasis,
    ReasonCode,
    Resolution,
    Status,
    Urgency,
)

from .exceptions import InvalidInput, PersonalDataRefused

# What the personal-data screen found, said to the person who typed it (never the value).
KIND_LABELS = {
    "nir": _("un numéro de sécurité sociale"),
    "date_of_birth": _("une date de naissance"),
    "phone": _("un numéro de téléphone"),
    "email": _("une adresse électronique"),
    "address": _("une adresse postale"),
    "id_document": _("un numéro de pièce d'identité"),
    "person_name": _("le nom d'une personne"),
    "plate": _("une plaque d'immatriculation"),
    "iban": _("un numéro de compte bancaire"),
}

# The services speak English to the API; these are the same refusals for the web pages.
SERVICE_MESSAGES = {
    "This field is required.": _("Ce champ est obligatoire."),
    "This category is no longer offered.": _("Cette catégorie n'est plus proposée."),
    "This legal basis is no longer offered.": _("Cette base légale n'est plus proposée."),
    "This legal basis does not apply to this category.": _(
        "Cette base légale ne s'applique pas à la catégorie choisie : choisissez l'une de "
        "celles indiquées sous la catégorie."
    ),
    "You do not draft requests for this commune.": _(
        "Vous ne rédigez pas de demandes pour cette commune."
    ),
    "A refusal needs a reason code.": _("Un refus doit indiquer un motif."),
    "Only a refusal or a partial grant has a reason code.": _(
        "Seul un refus ou un accord partiel comporte un motif : laissez ce champ vide."
    ),
    "Nothing can be granted when a prior agreement was refused.": _(
        "Rien ne peut être accordé lorsqu'un accord préalable a été refusé."
    ),
    "A delivery cannot be recorded in the future.": _(
        "La date de remise ne peut pas être dans le futur."
    ),
    "The delivery cannot precede the decision.": _(
        "La date de remise ne peut pas précéder la décision."
    ),
    "An extension cannot bring the deadline forward.": _(
        "Une prolongation ne peut pas avancer l'échéance."
    ),
    "The new deadline must be in the future.": _("La nouvelle échéance doit être dans le futur."),
    "An extension reaches at most one year past the current deadline.": _(
        "Une prolongation va au plus un an au-delà de l'échéance actuelle."
    ),
    "No liaison of this prefecture has that username.": _(
        "Cette personne n'est pas référente de cette préfecture."
    ),
    "A reminder cannot be set in the past.": _("Un rappel ne peut pas être fixé dans le passé."),
    "A reminder can be set at most two years ahead.": _(
        "Un rappel peut être fixé au plus deux ans à l'avance."
    ),
}


def localised_field(obj, field: str) -> str:
    """The English variant of a data field when the page is in English and it exists."""
    if get_language() == "en":
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)


# One renderer for every form: DsfrBaseForm otherwise builds a new template engine (and
# recompiles the field templates) for each form instance.
DSFR_RENDERER = DsfrDjangoTemplates()


class RelaisForm(DsfrBaseForm):
    """A DSFR form that can show a service's refusal next to the right field."""

    default_renderer = DSFR_RENDERER

    def get_context(self):
        # DsfrBaseForm.get_context only adds a transitional warning; the fields render the same.
        return forms.Form.get_context(self)

    def refuse_personal_data(self, exc: PersonalDataRefused) -> None:
        """Shows the refusal next to the field and clears the refused text, keeping the rest."""
        kinds = ", ".join(str(KIND_LABELS.get(kind, kind)) for kind in exc.kinds)
        message = _(
            "Ce texte semble contenir %(kinds)s. Relais n'enregistre aucune donnée personnelle : "
            "décrivez la demande sans identifier personne ; une personne concernée est désignée "
            "uniquement dans le courrier sécurisé. Le texte refusé a été effacé."
        ) % {"kinds": kinds}
        field = exc.field if exc.field in self.fields else None
        if field is not None:
            data = self.data.copy()
            data[self.add_prefix(field)] = ""
            self.data = data
        self.add_error(field, message)

    def refuse_input(self, exc: InvalidInput) -> None:
        for field, text in exc.errors.items():
            message = SERVICE_MESSAGES.get(text, text)
            self.add_error(field if field in self.fields else None, message)


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> dict:
        bases = ", ".join(basis.citation for basis in obj.legal_bases.all())
        help_text = localised_field(obj, "help_text")
        if bases:
            help_text = f"{help_text} " + str(_("Bases légales possibles : %(bases)s.")) % {
                "bases": bases
            }
        return {"label": localised_field(obj, "name"), "help_text": help_text}


class LegalBasisChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LegalBasis) -> dict:
        return {"label": obj.citation, "help_text": localised_field(obj, "title")}


class InfoRequestForm(RelaisForm):
    """A new request or a draft's edition; the commune is asked only of who drafts for several."""

    commune = forms.ChoiceField(label=_("Commune"), required=False)
    category = CategoryChoiceField(
        label=_("Catégorie de la demande"),
        queryset=Category.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_(
            "Ce que la commune demande ; chaque catégorie rappelle ce que le cadre permet."
        ),
    )
    legal_basis = LegalBasisChoiceField(
        label=_("Base légale"),
        queryset=LegalBasis.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_("Le texte sur lequel la demande s'appuie."),
    )
    purpose = forms.CharField(
        label=_("Objet de la demande"),
        max_length=PURPOSE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=format_lazy(
            _(
                "Décrivez ce que vous demandez et pourquoi, sans identifier personne : ni nom, "
                "ni date de naissance, ni adresse, ni numéro. Une personne concernée est désignée "
                "uniquement dans le courrier sécurisé. {max} caractères au plus."
            ),
            max=PURPOSE_MAX,
        ),
    )
    urgency = forms.ChoiceField(
        label=_("Urgence"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    secure_channel_ref = forms.CharField(
        label=_("Référence du courrier sécurisé"),
        max_length=40,
        required=False,
        help_text=_(
            "Facultatif. Si la demande concerne une personne, la référence du courrier transmis "
            "par le canal sécurisé, par exemple BR-2026-0141."
        ),
    )

    def __init__(self, *args, communes: list[Organization], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(active=True).prefetch_related(
            "legal_bases"
        )
        self.fields["legal_basis"].queryset = LegalBasis.objects.filter(active=True)
        if len(communes) > 1:
            self.fields["commune"].required = True
            self.fields["commune"].choices = [("", "—")] + [(c.code, c.name) for c in communes]
        else:
            del self.fields["commune"]

    def clean_secure_channel_ref(self) -> str:
        return self.cleaned_data["secure_channel_ref"].strip().upper()


class EmptyForm(RelaisForm):
    """A confirmation: the button is the whole form."""


class ReasonForm(RelaisForm):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("Sans identifier personne. {max} caractères au plus."),
            max=REASON_MAX,
        ),
    )


class RemarkForm(RelaisForm):
    remark = forms.CharField(
        label=_("Remarque au juriste"),
        max_length=DRAFT_REMARK_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("Ce qui est à revoir, sans identifier personne. {max} caractères au plus."),
            max=DRAFT_REMARK_MAX,
        ),
    )


class MessageForm(RelaisForm):
    message = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=format_lazy(
            _("Sans identifier personne. {max} caractères au plus."),
            max=MESSAGE_MAX,
        ),
    )


class NoteForm(RelaisForm):
    text = forms.CharField(
        label=_("Note interne"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Visible de la seule préfecture, jamais de la commune. Sans identifier personne."
        ),
    )


class AssignForm(RelaisForm):
    liaison = forms.ChoiceField(label=_("Référent"))

    def __init__(self, *args, liaisons: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["liaison"].choices = [("", "—"), *liaisons]


class DecideForm(RelaisForm):
    resolution = forms.ChoiceField(
        label=_("Décision"),
        choices=[(r.value, r.label) for r in Resolution if r != Resolution.IMPLICIT_REJECTION],
        widget=forms.RadioSelect,
    )
    reason_code = forms.ChoiceField(
        label=_("Motif"),
        choices=[("", "—"), *ReasonCode.choices],
        required=False,
        help_text=_("Obligatoire pour un refus ; possible pour un accord partiel."),
    )
    procureur_agreement = forms.ChoiceField(
        label=_("Accord du procureur de la République"), choices=AgreementStatus.choices
    )
    intelligence_agreement = forms.ChoiceField(
        label=_("Accord des services de renseignement"), choices=AgreementStatus.choices
    )
    remarks = forms.CharField(
        label=_("Observations"),
        max_length=REMARKS_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _(
                "Facultatif. Jamais l'information elle-même ni l'identité d'une personne. "
                "{max} caractères au plus."
            ),
            max=REMARKS_MAX,
        ),
    )


class DeliveryForm(RelaisForm):
    channel = forms.ChoiceField(
        label=_("Canal de remise"), choices=DeliveryChannel.choices, widget=forms.RadioSelect
    )
    delivered_on = forms.DateField(
        label=_("Date de la remise"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )


class ExtendForm(RelaisForm):
    new_due_date = forms.DateField(
        label=_("Nouvelle échéance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Motif de la prolongation"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("Sans identifier personne. {max} caractères au plus."),
            max=REASON_MAX,
        ),
    )


class RemindForm(RelaisForm):
    remind_on = forms.DateField(
        label=_("Me le rappeler le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Au plus tard dans deux ans."),
    )


# The list's status filter: "open" is what still waits for someone.
OPEN = "open"


class RequestFilterForm(RelaisForm):
    """The list's filters; they become the API's own filter set's parameters."""

    reference = forms.CharField(label=_("Référence"), required=False, max_length=20)
    status = forms.ChoiceField(label=_("Statut"), required=False)
    commune = forms.ChoiceField(label=_("Commune"), required=False)
    category = forms.ChoiceField(label=_("Catégorie"), required=False)
    overdue = forms.BooleanField(label=_("En retard seulement"), required=False)
    mine = forms.BooleanField(label=_("Qui me sont confiées"), required=False)

    def __init__(self, *args, communes, prefecture_side: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        statuses = [(s.value, s.label) for s in Status]
        if prefecture_side:
            statuses = [s for s in statuses if s[0] != Status.DRAFT]
        self.fields["status"].choices = [
            (OPEN, _("En cours")),
            ("", _("Tous")),
            *statuses,
        ]
        self.fields["category"].choices = [("", _("Toutes"))] + [
            (c.code, localised_field(c, "name")) for c in Category.objects.filter(active=True)
        ]
        if len(communes) > 1:
            self.fields["commune"].choices = [("", _("Toutes"))] + [
                (c.code, f"{c.name} ({c.code})") for c in communes
            ]
        else:
            del self.fields["commune"]
        if not prefecture_side:
            del self.fields["mine"]
