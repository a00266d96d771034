"""Web forms: they parse what the user typed; the services decide. Refusals from the services
come back here as field errors, in plain words, with the refused text cleared."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from config.forms import DsfrForm
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
    TemplateKind,
    Urgency,
)

from .exceptions import InvalidInput, PersonalDataRefused
from .formats import localised_field
from .privacy import find_highlights
from .screening import ScreenedFiltersMixin, known_worklist, reference_part
from .selectors.request_list import OPEN, SORTS

# What the personal-data screen found, said to the person who typed it (never the value).
KIND_LABELS = {
    "nir": _("un numéro de sécurité sociale"),
    "date_of_birth": _("une date de naissance"),
    "phone": _("un numéro de téléphone"),
    "email": _("une adresse électronique"),
    "address": _("une adresse postale"),
    "id_document": _("un numéro de pièce d'identité"),
    "watchlist": _("un numéro de fiche ou de dossier judiciaire"),
    "person_name": _("le nom d'une personne"),
    "plate": _("une plaque d'immatriculation"),
    "iban": _("un numéro de compte bancaire"),
}


def marked_segments(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (words, kind label) pairs, the label empty outside identifiers.

    Empty when the screen cannot place what it found (the kinds are then named only). The
    template escapes every segment; nothing here is marked safe.
    """
    highlights = [h for h in find_highlights(text) if h.end > h.start]
    if not highlights:
        return []
    segments: list[tuple[str, str]] = []
    at = 0
    for highlight in sorted(highlights, key=lambda h: (h.start, -h.end)):
        if highlight.end <= at:
            continue
        start = max(at, highlight.start)
        if start > at:
            segments.append((text[at:start], ""))
        segments.append((text[start : highlight.end], str(KIND_LABELS[highlight.kind])))
        at = highlight.end
    if at < len(text):
        segments.append((text[at:], ""))
    return segments


class RelaisForm(DsfrForm):
    """A DSFR form that can show a service's refusal next to the right field."""

    def refuse_personal_data(self, exc: PersonalDataRefused) -> None:
        """Shows the refusal next to the field, with the words in question marked, so that the
        author rewords the text kept in the form (it was not saved, and is shown only to them).
        """
        kinds = ", ".join(str(KIND_LABELS.get(kind, kind)) for kind in exc.kinds)
        message = _(
            "Ce texte semble contenir %(kinds)s. Relais n'enregistre aucune donnée personnelle : "
            "décrivez la demande sans identifier personne ; une personne concernée est désignée "
            "uniquement dans le courrier sécurisé. Votre texte n'a pas été enregistré : "
            "reformulez-le."
        ) % {"kinds": kinds}
        field = exc.field if exc.field in self.fields else None
        if field is not None:
            text = self.data.get(self.add_prefix(field)) or ""
            segments = marked_segments(str(text))
            if segments:
                self.personal_data_marks.append(
                    {"label": self.fields[field].label, "segments": segments}
                )
        self.add_error(field, message)

    @property
    def personal_data_marks(self) -> list[dict]:
        """For the author's page only: each refused field's text cut into marked segments."""
        if not hasattr(self, "_personal_data_marks"):
            self._personal_data_marks: list[dict] = []
        return self._personal_data_marks

    def refuse_input(self, exc: InvalidInput) -> None:
        """Each refused field's words, from the catalogues, in the page's language."""
        for field, refusal in exc.errors.items():
            self.add_error(field if field in self.fields else None, str(refusal))


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

    @property
    def bases_by_category(self) -> dict[str, list[int]]:
        """Each offered category's legal bases (an empty list: any), so that a small static
        script narrows the legal-basis choices as the category changes; without it, the
        service refuses a basis that does not apply, next to the field."""
        return {
            str(category.pk): sorted(basis.pk for basis in category.legal_bases.all())
            for category in self.fields["category"].queryset
        }

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


class ClarificationRequestForm(MessageForm):
    answer_by = forms.DateField(
        label=_("Réponse attendue avant le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=format_lazy(
            _("Par défaut, {days} jours ouvrés ; au plus trois mois."),
            days=settings.RELAIS_CLARIFICATION_DAYS,
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


class BulkForm(RelaisForm):
    """Several requests of the inbox at once: what to do, and what it needs."""

    ACKNOWLEDGE, TAKE, ASSIGN, REMIND = "acknowledge", "take", "assign", "remind"

    operation = forms.ChoiceField(label=_("Pour les demandes cochées"))
    liaison = forms.ChoiceField(label=_("Référent (pour « Confier à »)"), required=False)
    remind_on = forms.DateField(
        label=_("Date du rappel (pour « Me le rappeler »)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, liaisons: list[tuple[str, str]], can_assign: bool, **kwargs):
        super().__init__(*args, **kwargs)
        operations = [
            (self.ACKNOWLEDGE, _("Accuser réception")),
            (self.TAKE, _("Me les confier")),
            (self.REMIND, _("Me le rappeler")),
        ]
        if can_assign:
            operations.insert(2, (self.ASSIGN, _("Confier à un référent")))
            self.fields["liaison"].choices = [("", "—"), *liaisons]
        else:
            del self.fields["liaison"]
        self.fields["operation"].choices = operations

    def clean(self):
        data = super().clean()
        operation = data.get("operation")
        if operation == self.ASSIGN and not data.get("liaison"):
            self.add_error("liaison", _("Choisissez le référent à qui confier les demandes."))
        if operation == self.REMIND and not data.get("remind_on"):
            self.add_error("remind_on", _("Choisissez le jour du rappel."))
        return data


class ReassignForm(RelaisForm):
    """The team page: a member's open requests (all ticked at first) to another liaison."""

    liaison = forms.ChoiceField(label=_("Confier au référent"))
    selected = forms.MultipleChoiceField(
        label=_("Demandes à réassigner"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, liaisons: list[tuple[str, str]], references: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["liaison"].choices = [("", "—"), *liaisons]
        self.fields["selected"].choices = [(reference, reference) for reference in references]
        self.fields["selected"].initial = references


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


class RequestFilterForm(ScreenedFiltersMixin, RelaisForm):
    """The list's filters; they become the API's own filter set's parameters. What is typed
    in the reference filter is screened before the list (and its query) is recorded."""

    screened_fields = ("reference", "q")

    reference = forms.CharField(
        label=_("Référence"), required=False, max_length=20, validators=[reference_part]
    )
    status = forms.ChoiceField(label=_("Statut"), required=False)
    # Typed with the browser's own suggestions (a datalist: no script), by name or INSEE code.
    commune = forms.CharField(
        label=_("Commune"),
        required=False,
        max_length=100,
        help_text=_("Tapez le début du nom ou le code INSEE."),
    )
    category = forms.ChoiceField(label=_("Catégorie"), required=False)
    overdue = forms.BooleanField(label=_("En retard seulement"), required=False)
    mine = forms.BooleanField(label=_("Qui me sont confiées"), required=False)
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        help_text=_("Une partie de la référence ou de l'objet de la demande."),
    )
    received_from = forms.DateField(
        label=_("Reçue à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = forms.DateField(
        label=_("Reçue jusqu'au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)
    # A work list's key (sharing.worklists.KEYS), nothing else: a saved view keeps it.
    worklist = forms.CharField(
        required=False, max_length=30, widget=forms.HiddenInput, validators=[known_worklist]
    )

    def __init__(self, *args, communes, prefecture_side: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [("", ""), *((key, key) for key in SORTS)]
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
        self.commune_choices: list[tuple[str, str]] = []
        if len(communes) > 1:
            self.commune_choices = [(c.code, f"{c.name} ({c.code})") for c in communes]
        else:
            del self.fields["commune"]
        if not prefecture_side:
            del self.fields["mine"]

    def commune_options(self) -> SafeString:
        """The commune filter's datalist options, one per commune: a département has hundreds,
        written here rather than by a template loop."""
        return mark_safe(  # noqa: S308 - each label is escaped
            "".join(f'<option value="{escape(name)}"></option>' for _, name in self.commune_choices)
        )

    def clean_commune(self) -> str:
        """A commune's INSEE code, from the code itself, "Name (code)" or the exact name."""
        text = self.cleaned_data.get("commune", "").strip()
        if not text:
            return ""
        for code, label in self.commune_choices:
            if text in (code, label) or text.casefold() == label.rsplit(" (", 1)[0].casefold():
                return code
        raise forms.ValidationError(_("Aucune commune de votre département ne porte ce nom."))

    def clean_q(self) -> str:
        """A search term; screened with the reference by ScreenedFiltersMixin, since the audit
        log keeps the list's query."""
        return self.cleaned_data.get("q", "").strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("La date de fin précède la date de début."))
        return data


class DelegationForm(RelaisForm):
    """A mayor's delegation of signature: to whom, under which order, for which period."""

    deputy = forms.ChoiceField(
        label=_("Délégataire"),
        help_text=_("Un membre de la commune, qui signera pour le maire et par délégation."),
    )
    order_reference = forms.CharField(
        label=_("Référence de l'arrêté de délégation"),
        max_length=20,
        help_text=_("Par exemple 2026-045, ARR-2026-045 ou AM/2026/12."),
    )
    starts_on = forms.DateField(
        label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("Au (inclus)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, deputies: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"].choices = [("", "—"), *deputies]


class CoverForm(RelaisForm):
    """An absence cover: who is absent (the admin chooses; a liaison arranges their own), who
    covers, for which period."""

    absent = forms.ChoiceField(label=_("Personne absente"))
    colleague = forms.ChoiceField(
        label=_("Remplacée par"),
        help_text=_(
            "Un membre de la même préfecture : les demandes ouvertes confiées à la personne "
            "absente apparaissent dans sa liste « En remplacement »."
        ),
    )
    starts_on = forms.DateField(
        label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("Au (inclus)"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(
        self, *args, colleagues: list[tuple[str, str]], absentees: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colleague"].choices = [("", "—"), *colleagues]
        self.fields["absent"].choices = absentees


class MessageTemplateForm(RelaisForm):
    """A prefecture's reusable wording; never a person's name or any personal data."""

    kind = forms.ChoiceField(label=_("Usage"), choices=TemplateKind.choices)
    title = forms.CharField(label=_("Intitulé"), max_length=80)
    text = forms.CharField(
        label=_("Texte"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=format_lazy(
            _("Sans identifier personne. {max} caractères au plus."), max=MESSAGE_MAX
        ),
    )
