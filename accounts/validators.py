"""The SIRET: 14 digits whose Luhn sum checks (La Poste's establishments excepted)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_is_valid(value: str) -> bool:
    if len(value) != 14 or not value.isascii() or not value.isdigit():
        return False
    if value.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in value) % 5 == 0
    return luhn_ok(value)


def validate_siret(value: str) -> None:
    """Refuses what cannot be a SIRET, without echoing it."""
    if not siret_is_valid(value):
        raise ValidationError(
            _("Un SIRET compte 14 chiffres, sans espace, et sa clé de contrôle doit être juste."),
            code="invalid_siret",
        )


def with_luhn_key(prefix: str) -> str:
    """The prefix followed by the one digit that makes its Luhn sum check."""
    for key in "0123456789":
        if luhn_ok(prefix + key):
            return prefix + key
    raise ValueError(prefix)
