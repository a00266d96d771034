"""The statistics page's period: the last 30 days, 3 or 12 months, a calendar year, or two
dates. Only choices and dates are accepted (nothing free is typed), within bounds: no date after
today, none more than YEARS_BACK years ago, and at most MAX_MONTHS months between the two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from .formats import long_date
from .forms import RelaisForm

YEARS_BACK = 10
MAX_MONTHS = 36
DEFAULT = "12m"


def month_start(day: date, months_back: int = 0) -> date:
    month = day.month - months_back
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """The first day of every month from `start`'s to `end`'s, both included."""
    months = []
    month = month_start(start)
    while month <= end:
        months.append(month)
        month = month_start(date(month.year, month.month, 28) + timedelta(days=4))
    return months


@dataclass(frozen=True)
class Period:
    """Requests signed from `start` to `end`, both days included."""

    kind: str
    start: date
    end: date


def default_period(today: date) -> Period:
    """The last twelve months, the current one included, from the first of the month."""
    return Period(kind=DEFAULT, start=month_start(today, 11), end=today)


class StatsPeriodForm(RelaisForm):
    """The period, read from the page's address; an invalid one is a field error and the page
    falls back to the last twelve months."""

    period = forms.ChoiceField(
        label=_("Période"),
        required=False,
        initial=DEFAULT,
        choices=[
            ("30j", _("Les 30 derniers jours")),
            ("3m", _("Les 3 derniers mois")),
            ("12m", _("Les 12 derniers mois")),
            ("annee", _("Une année civile")),
            ("dates", _("Entre deux dates")),
        ],
    )
    year = forms.TypedChoiceField(label=_("Année"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Au (inclus)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, today: date, **kwargs) -> None:
        if data is not None and not data.get("period"):
            data = data.copy()  # another filter alone (the prefecture): the default period
            data["period"] = DEFAULT
        super().__init__(data, **kwargs)
        self.today = today
        self.earliest = date(today.year - YEARS_BACK, 1, 1)
        self.fields["year"].choices = [
            (year, str(year)) for year in range(today.year, today.year - YEARS_BACK - 1, -1)
        ]
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs.update(
                min=self.earliest.isoformat(), max=today.isoformat()
            )

    def _in_bounds(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not self.earliest <= day <= self.today:
            raise forms.ValidationError(
                _("Choisissez une date entre le %(earliest)s et aujourd'hui.")
                % {"earliest": long_date(self.earliest)}
            )
        return day

    def clean_date_from(self) -> date | None:
        return self._in_bounds("date_from")

    def clean_date_to(self) -> date | None:
        return self._in_bounds("date_to")

    def clean(self):
        data = super().clean()
        kind = data.get("period") or DEFAULT
        if kind == "annee" and not data.get("year"):
            self.add_error("year", _("Choisissez une année."))
        if kind == "dates":
            start, end = data.get("date_from"), data.get("date_to")
            for name in ("date_from", "date_to"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Indiquez les deux dates."))
            if start and end and start > end:
                self.add_error("date_to", _("La date de fin précède la date de début."))
            elif start and end and len(months_between(start, end)) > MAX_MONTHS:
                self.add_error(
                    "date_to",
                    _("Choisissez une période d'au plus %(months)s mois.") % {"months": MAX_MONTHS},
                )
        return data

    def chosen(self) -> Period:
        """The period asked for, once the form is valid; the last twelve months otherwise."""
        today = self.today
        if not self.is_bound or not self.is_valid():
            return default_period(today)
        data = self.cleaned_data
        kind = data.get("period") or DEFAULT
        if kind == "30j":
            return Period(kind=kind, start=today - timedelta(days=29), end=today)
        if kind == "3m":
            return Period(kind=kind, start=month_start(today, 2), end=today)
        if kind == "annee":
            year = data["year"]
            return Period(kind=kind, start=date(year, 1, 1), end=min(date(year, 12, 31), today))
        if kind == "dates":
            return Period(kind=kind, start=data["date_from"], end=data["date_to"])
        return default_period(today)
