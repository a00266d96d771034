"""List filters of the request API."""

import django_filters
from django.utils import timezone

from .models import InfoRequest, Resolution, Status, Urgency
from .selectors import overdue_q


class InfoRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    resolution = django_filters.MultipleChoiceFilter(choices=Resolution.choices)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    commune = django_filters.CharFilter(field_name="commune__code")
    category = django_filters.CharFilter(field_name="category__code")
    assigned_to = django_filters.CharFilter(field_name="assigned_to__username")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    decision_due_before = django_filters.DateFilter(field_name="decision_due", lookup_expr="lte")
    reference = django_filters.CharFilter(field_name="reference", lookup_expr="istartswith")

    class Meta:
        model = InfoRequest
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value):
        condition = overdue_q(today=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)
