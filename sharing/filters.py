"""List filters of the request API."""

import django_filters
from django import forms
from django.utils import timezone

from .models import InfoRequest, Resolution, Status, Urgency
from .screening import existing_category_code, existing_username, insee_code, reference_part
from .selectors import due_within_q, overdue_by_at_least_q, overdue_q

BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def parse_boolean(value: str | bool | None) -> bool | None:
    """A boolean query value: absent or blank is None; anything but true/false/1/0 is refused
    (django-filter's own boolean reads "null" or "yes" as "no filter", which the schema does
    not say)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):  # a filter set built in code rather than from a query
        return value
    try:
        return BOOLEANS[value.lower()]
    except KeyError:
        raise forms.ValidationError("Expected true or false.", code="invalid") from None


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        return parse_boolean(value)


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class DaysFilter(django_filters.NumberFilter):
    """A whole number of days: django-filter's number is a decimal, whose own limit (1e+50) was
    refused beside the filter's ("1e308" named two maximums)."""

    field_class = forms.IntegerField


class InfoRequestFilter(django_filters.FilterSet):
    # Columns of the request itself: one row per request whatever the values chosen, so no
    # DISTINCT (django-filter's default for a multiple choice), which would make the list's
    # count and pages sort every row of the reader's scope on all its columns.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    resolution = django_filters.MultipleChoiceFilter(choices=Resolution.choices, distinct=False)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    commune = django_filters.CharFilter(field_name="commune__code", validators=[insee_code])
    category = django_filters.CharFilter(
        field_name="category__code", validators=[existing_category_code]
    )
    assigned_to = django_filters.CharFilter(
        field_name="assigned_to__username", validators=[existing_username]
    )
    overdue = StrictBooleanFilter(method="filter_overdue")
    min_days_overdue = DaysFilter(
        method="filter_min_days_overdue",
        min_value=0,
        max_value=10_000,
        help_text="Running deadline passed by at least this many business days.",
    )
    due_within = DaysFilter(
        method="filter_due_within",
        min_value=0,
        max_value=10_000,
        help_text="Running deadline today or within this many business days.",
    )
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    decision_due_before = django_filters.DateFilter(field_name="decision_due", lookup_expr="lte")
    reference = django_filters.CharFilter(
        field_name="reference", lookup_expr="istartswith", validators=[reference_part]
    )

    class Meta:
        model = InfoRequest
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value):
        condition = overdue_q(today=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_min_days_overdue(self, queryset, name, value):
        return queryset.filter(overdue_by_at_least_q(days=int(value), today=timezone.localdate()))

    def filter_due_within(self, queryset, name, value):
        return queryset.filter(due_within_q(days=int(value), today=timezone.localdate()))
