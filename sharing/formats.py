"""Dates written out so that nobody reads them wrong, in French and in English: `1er décembre
2026`, `12 décembre 2026`, `1 December 2026`; never 12/08/2026, which a French reader and an
English reader take for two different days."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import lru_cache

from django.db.models import Func
from django.utils import timezone
from django.utils.translation import get_language

MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


WEEKDAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def _language(language: str | None) -> str:
    language = (language or get_language() or "fr")[:2]
    return language if language in MONTHS else "fr"


def month_name(month: int, language: str | None = None) -> str:
    return MONTHS[_language(language)][month - 1]


def month_year(value: date, language: str | None = None) -> str:
    """`janvier 2026` / `January 2026`."""
    return f"{month_name(value.month, language)} {value.year}"


def long_date(
    value: date | datetime | None, language: str | None = None, *, weekday: bool = False
) -> str:
    """`1er décembre 2026` / `1 December 2026` (`mardi 1er décembre 2026` with the weekday);
    a datetime is shown on its local day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    language = _language(language)
    day = "1er" if language == "fr" and value.day == 1 else str(value.day)
    written = f"{day} {month_name(value.month, language)} {value.year}"
    return f"{WEEKDAYS[language][value.weekday()]} {written}" if weekday else written


def long_datetime(value: datetime | None, language: str | None = None) -> str:
    """`1er décembre 2026 à 14:05` / `1 December 2026 at 14:05`, in local time."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    language = _language(language)
    word = "à" if language == "fr" else "at"
    return f"{long_date(local.date(), language)} {word} {local:%H:%M}"


@lru_cache(maxsize=4096)
def alphabetical(text: str) -> str:
    """A sort key that puts accented letters with their base letter (É with E, Œ with OE),
    whatever the database's collation: SQLite compares bytes and sorts É after Z. Kept for
    each text, the function of it alone: the list's filter sorts a département's communes
    (hundreds) by it on every page."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# The collation each database sorts names by, as a reader expects: SQLite's is registered on
# every connection (sharing.apps); PostgreSQL's ICU French collation (a database created with
# the C locale would otherwise sort É after Z too).
COLLATIONS = {"sqlite": "relais_alphabetical", "postgresql": "fr-x-icu"}


def _compare(left: str, right: str) -> int:
    keys = (alphabetical(left), left), (alphabetical(right), right)
    return (keys[0] > keys[1]) - (keys[0] < keys[1])


def register_collation(sender, connection, **kwargs) -> None:
    """connection_created: SQLite learns the alphabetical order of `alphabetical`."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATIONS["sqlite"], _compare)


class Alphabetical(Func):
    """`ORDER BY name COLLATE …`: a column in alphabetical order whatever the database."""

    template = "%(expressions)s COLLATE %(collation)s"

    def as_sql(self, compiler, connection, **extra_context):
        collation = COLLATIONS.get(connection.vendor)
        if collation is None:
            return compiler.compile(self.source_expressions[0])
        extra_context["collation"] = connection.ops.quote_name(collation)
        return super().as_sql(compiler, connection, **extra_context)


def localised_field(obj, field: str) -> str:
    """The English variant of a data field when the page is in English and it exists."""
    if get_language() == "en":
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field)
