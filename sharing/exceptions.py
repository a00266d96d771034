"""Domain errors; the API layer maps them to HTTP answers.

A refused input carries a code per field (`Refusal`); its words come from the gettext
catalogues (`REFUSALS`, French source, English translated), so that the web says them in the
reader's language and the API in English, and nobody matches on the English text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

# Every refusal of input a service gives, by code.
REFUSALS = {
    "required": _("Ce champ est obligatoire."),
    "too_long": _("Au plus %(max_length)s caractères."),
    "invalid_choice": _("« %(value)s » n'est pas un choix valide."),
    "not_editable": _("Ce champ ne peut pas être modifié."),
    "secure_channel_ref_shape": _(
        "Une référence du courrier sécurisé a la forme lettres, année, numéro, par exemple "
        "BR-2026-0141 ou CAB/2026/12 : un à trois groupes de 1 à 4 lettres majuscules, "
        "l'année sur quatre chiffres, un numéro de 1 à 6 chiffres, séparés par - ou /."
    ),
    "delegation_order_shape": _(
        "Une référence d'arrêté a la forme préfixe facultatif, année, numéro, par exemple "
        "2026-045, ARR-2026-045 ou AM/2026/12."
    ),
    "delegation_period": _("La fin de la délégation ne peut pas précéder son début."),
    "delegation_ended": _("Une délégation ne peut pas se terminer dans le passé."),
    "delegation_too_far": _(
        "Une délégation se termine au plus tard six ans après aujourd'hui, la durée d'un "
        "mandat municipal."
    ),
    "delegation_overlaps": _(
        "Cette personne a déjà une délégation sur une partie de ces dates : modifiez les "
        "dates, ou révoquez la délégation en cours."
    ),
    "not_a_deputy": _("Cette personne n'est pas membre de la commune, ou en est le maire."),
    "not_a_colleague": _("Choisissez un autre membre de cette préfecture."),
    "cover_period": _("La fin du remplacement ne peut pas précéder son début."),
    "cover_ended": _("Un remplacement ne peut pas se terminer dans le passé."),
    "cover_overlaps": _(
        "Ce collègue remplace déjà cette personne sur une partie de ces dates : modifiez les "
        "dates, ou mettez fin au remplacement en cours."
    ),
    "cover_too_far": _(
        "Un remplacement se termine au plus tard un an après aujourd'hui : au-delà, "
        "organisez-en un nouveau."
    ),
    "category_inactive": _("Cette catégorie n'est plus proposée."),
    "legal_basis_inactive": _("Cette base légale n'est plus proposée."),
    "legal_basis_not_for_category": _(
        "Cette base légale ne s'applique pas à la catégorie choisie : choisissez l'une de "
        "celles indiquées sous la catégorie."
    ),
    "not_your_commune": _("Vous ne rédigez pas de demandes pour cette commune."),
    "several_communes": _("Vous appartenez à plusieurs communes : indiquez laquelle."),
    "reason_code_required": _("Un refus doit indiquer un motif."),
    "reason_code_unexpected": _(
        "Seul un refus ou un accord partiel comporte un motif : laissez ce champ vide."
    ),
    "agreement_missing": _(
        "Cette catégorie exige cet accord préalable : rien ne peut être accordé tant qu'il "
        "n'a pas été donné."
    ),
    "agreement_refused": _("Rien ne peut être accordé lorsqu'un accord préalable a été refusé."),
    "delivery_in_future": _("La date de remise ne peut pas être dans le futur."),
    "delivery_before_decision": _("La date de remise ne peut pas précéder la décision."),
    "extension_earlier": _("Une prolongation ne peut pas avancer l'échéance."),
    "extension_not_future": _("La nouvelle échéance doit être dans le futur."),
    "extension_too_far": _("Une prolongation va au plus un an au-delà de l'échéance actuelle."),
    "answer_by_not_future": _("La date de réponse attendue doit être dans le futur."),
    "answer_by_too_far": _("La commune a au plus trois mois pour répondre."),
    "not_a_liaison": _("Cette personne n'est pas référente de cette préfecture."),
    "reminder_in_past": _("Un rappel ne peut pas être fixé dans le passé."),
    "reminder_too_far": _("Un rappel peut être fixé au plus deux ans à l'avance."),
    "saved_view_name_required": _("Donnez un nom à cette vue."),
    "saved_view_name_taken": _("Vous avez déjà une vue de ce nom."),
    "saved_view_limit": _("Vous avez déjà %(max)s vues : supprimez-en une."),
    "saved_view_filters_refused": _("Ces filtres ne peuvent pas être enregistrés."),
}


@dataclass(frozen=True)
class Refusal:
    """Why one field was refused: a code of `REFUSALS` and the values its words name."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    # Words already made elsewhere (the personal-data screen's), said as they are.
    text: str = ""

    def __post_init__(self) -> None:
        if not self.text and self.code not in REFUSALS:
            raise ValueError(f"unknown refusal code {self.code!r}")

    def __str__(self) -> str:
        """The words in the active language."""
        if self.text:
            return self.text
        words = str(REFUSALS[self.code])
        return words % dict(self.params) if self.params else words

    def in_english(self) -> str:
        """The words the API answers with."""
        with override("en"):
            return str(self)


class RelaisError(Exception):
    """Base of domain errors; `code` says which, whatever the words."""

    code = "error"


class TransitionNotAllowed(RelaisError):
    """The transition table forbids this action from the request's current status."""

    code = "transition_not_allowed"

    def __init__(self, *, action: str, status: str, detail: str = "") -> None:
        self.action = action
        self.status = status
        super().__init__(detail or f"'{action}' is not allowed while the request is '{status}'.")


class ActionNotAllowed(RelaisError):
    """The actor holds no permission for this action on this request."""

    code = "not_allowed"

    def __init__(self, *, action: str) -> None:
        self.action = action
        super().__init__(f"You may not perform '{action}' on this request.")


class InvalidInput(RelaisError):
    """Input that breaks a domain rule, keyed by field name like a form error: a refusal code
    per field (`InvalidInput({"reason_code": "reason_code_required"})`) or a `Refusal`."""

    code = "invalid"

    def __init__(self, errors: Mapping[str, str | Refusal]) -> None:
        self.errors: dict[str, Refusal] = {
            name: reason if isinstance(reason, Refusal) else Refusal(reason)
            for name, reason in errors.items()
        }
        super().__init__(
            "; ".join(f"{name}: {refusal.code}" for name, refusal in self.errors.items())
        )


class PersonalDataRefused(RelaisError):
    """Free text carried personal identifiers; the message names the field and the kinds only.

    The offending value is deliberately not kept on the exception: it would otherwise travel
    into logs, error reports and API answers, which is exactly what the screen prevents.
    """

    code = "personal_data"

    def __init__(self, *, field: str, kinds: list[str], labels: list[str] | None = None) -> None:
        self.field = field
        self.kinds = list(kinds)
        described = ", ".join(labels or self.kinds)
        super().__init__(
            f"{field}: refused, contains personal data ({described}); "
            "describe the request without identifying anyone"
        )


class FiltersRefused(InvalidInput):
    """Filters or search terms carried personal identifiers: a field error for each, naming
    the kinds found, never the value; `kinds` ({field: [kind, …]}) is what may be recorded."""

    code = "personal_data"

    def __init__(self, refusals: list[PersonalDataRefused]) -> None:
        self.kinds = {refusal.field: list(refusal.kinds) for refusal in refusals}
        super().__init__(
            {refusal.field: Refusal("personal_data", text=str(refusal)) for refusal in refusals}
        )
