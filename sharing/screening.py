"""What users type into filters and searches is screened before anything about it is kept.

A list query is recorded in the audit log (`request.listed`, `audit.listed`) and an audit
export keeps its filters: whatever is recorded there stays forever. So every filter and search
value a view records goes through the personal-data screen first. A refused value is a field
error like any other bad input (the API's 400 `{"field": ["…"]}`, the form's error next to
the field); the refusal is recorded with the kinds of identifier found, never the value.

The API's lists call `screen_query`; the web's filter forms inherit `ScreenedFiltersMixin`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from audit.services import audit_record

from .exceptions import FiltersRefused, PersonalDataRefused
from .models import Category
from .privacy import screen_text
from .worklists import KEYS as WORKLIST_KEYS

# A request's reference as the services write it ({insee}-{year}-{seq:04d}); the routes accept
# longer numbers, which are not references and may be anything typed in the address bar.
_REFERENCE = re.compile(r"[0-9AB]{5}-[0-9]{4}-[0-9]{4,6}")


def printable_only(value: str) -> None:
    """A filter is an identifier, a date or a word, recorded with the list it filters: an
    invisible character (a control character, a line break) is bad input, never recorded. The
    audit log refuses it, which made a filter carrying one a server error."""
    if not value.isprintable():
        raise ValidationError(RegexValidator.message, code="invalid")


def reference_for_audit(value: object) -> str:
    """The reference a refused or missing request was asked by, when it has a reference's
    shape once invisible characters are dropped; otherwise nothing (a long run of digits in the
    address is not kept)."""
    value = "".join(char for char in str(value or "") if char.isprintable())
    return value if _REFERENCE.fullmatch(value) else ""


# Filters that name a thing by its identifier take that identifier's shape, or name one that
# exists: anything else is refused as bad input before the list, and its query, are recorded.
# A screen reads prose; "haddad" or "06/12/34/56/78" typed into a reference filter is not prose.
# A reference's beginning, in its shape ({insee}-{year}-{seq}): "03041998", a date of birth
# written without separators, or "0456789", a file number, are no beginning of one.
reference_part = RegexValidator(
    r"^(?:[0-9ABab]{0,5}|[0-9ABab]{5}-[0-9]{0,4}|[0-9ABab]{5}-[0-9]{4}-[0-9]{0,6})$",
    _("Une référence ou son début : chiffres, tirets, A ou B (Corse)."),
    code="invalid",
)
insee_code = RegexValidator(
    r"^(?:[0-9]{2}|2[AB])[0-9]{3}$", _("Un code INSEE de commune, par exemple 26198."), "invalid"
)


# The requests list's search reads the references and the requests' subjects. What it records
# of a search in words is a keyed digest, never the words: the screen reads prose and lets a
# surname alone in lower case pass (its known blind spot), and the audit log keeps what it is
# given for ever. An auditor who wants to know whether someone searched for given words
# computes their digest (`manage.py search_digest WORDS`) and looks for it. A search by a
# reference, or its beginning, is kept as typed.
SEARCH_DIGEST_PREFIX = "digest:"


def search_for_audit(text: str) -> str:
    if not text or re.fullmatch(reference_part.regex, text):
        return text
    words = " ".join(text.casefold().split())
    return SEARCH_DIGEST_PREFIX + salted_hmac("relais.search", words).hexdigest()[:32]


def known_worklist(value: str) -> None:
    if value and value not in WORKLIST_KEYS:
        raise ValidationError(_("Cette liste de travail n'existe pas."), code="invalid")


def _looked_up(value: str) -> bool:
    """Whether to look the value up: an invisible character or an overlong value is refused by
    the field's other validators (all of them run), and never goes to the database."""
    return bool(value) and len(value) <= 200 and value.isprintable()


def existing_username(value: str) -> None:
    if _looked_up(value) and not User.objects.filter(username=value).exists():
        raise ValidationError(_("Aucun compte ne porte ce nom d'utilisateur."), code="invalid")


def existing_organization_code(value: str) -> None:
    if _looked_up(value) and not Organization.objects.filter(code=value).exists():
        raise ValidationError(_("Aucune organisation ne porte ce code."), code="invalid")


def existing_category_code(value: str) -> None:
    if _looked_up(value) and not Category.objects.filter(code=value).exists():
        raise ValidationError(_("Aucune catégorie ne porte ce code."), code="invalid")


def _values(params: Mapping, field: str) -> list[str]:
    """Every value given for the field: a QueryDict may carry the same key several times."""
    if hasattr(params, "getlist"):
        values = params.getlist(field)
    else:
        value = params.get(field)
        values = value if isinstance(value, list | tuple) else [value]
    return [value for value in values if isinstance(value, str) and value.strip()]


def refusals_in(params: Mapping, *, fields: Iterable[str]) -> list[PersonalDataRefused]:
    """The screen's refusal for each field whose value carries personal identifiers."""
    refusals = []
    for field in sorted(set(fields)):
        for value in _values(params, field):
            try:
                screen_text(field=field, text=value)
            except PersonalDataRefused as refusal:
                refusals.append(refusal)
                break
    return refusals


def screen_query(*, actor, action: str, params: Mapping, fields: Iterable[str], **details) -> None:
    """Refuses a list query whose filters carry personal identifiers, before anything about it
    is recorded: the refusal goes to the audit log with the kinds found (never the value), and
    the caller gets FiltersRefused, a field error per refused filter."""
    refusals = refusals_in(params, fields=fields)
    if not refusals:
        return
    refused = FiltersRefused(refusals)
    record_refused_filters(actor=actor, action=action, kinds=refused.kinds, **details)
    raise refused


def record_refused_filters(*, actor, action: str, kinds: dict[str, list[str]], **details) -> None:
    """Someone typed personal data into a filter: who, where and which kinds, not what."""
    audit_record(
        actor=actor,
        action=action,
        outcome="refused",
        details={**details, "refused": {field: sorted(found) for field, found in kinds.items()}},
    )


class ScreenedFiltersMixin:
    """For a filter form (a RelaisForm): the fields named in `screened_fields` go through the
    personal-data screen when the form is cleaned. A refused value becomes the field's error
    and is cleared from the form; `refused` holds {field: [kinds]} for the view to record."""

    screened_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(printable_only)

    @property
    def refused(self) -> dict[str, list[str]]:
        return getattr(self, "_refused", {})

    def clean(self):
        data = super().clean()
        raw = {field: self.data.get(self.add_prefix(field), "") for field in self.screened_fields}
        self._refused = {}
        for refusal in refusals_in(raw, fields=self.screened_fields):
            self._refused[refusal.field] = list(refusal.kinds)
            self.refuse_personal_data(refusal)
            # A filter is not a text being written: the refused value is cleared, not marked.
            cleared = self.data.copy()
            cleared[self.add_prefix(refusal.field)] = ""
            self.data = cleared
        self.personal_data_marks.clear()
        return data
