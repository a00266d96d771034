"""Saved views of the requests list: save the current filters under a name, list and delete
one's own (sharing.saved_views)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ..exceptions import InvalidInput, PersonalDataRefused
from ..forms import RelaisForm, RequestFilterForm
from ..saved_views import (
    NAME_MAX,
    get_saved_view_for,
    saved_view_create,
    saved_view_delete,
    saved_view_query,
    saved_views_of,
)
from ..screening import record_refused_filters
from ..selectors.request_list import list_scope


class SavedViewForm(RelaisForm):
    name = forms.CharField(
        label=gettext_lazy("Nom de la vue"),
        max_length=NAME_MAX,
        help_text=gettext_lazy("Par exemple « Urgentes en retard ». Sans nom de personne."),
    )
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


def _checked_query(request, raw: str) -> tuple[str, dict]:
    """The list's filters in `raw` as the list's own form checks them: (query, refused)."""
    scope = list_scope(user=request.user)
    filters = RequestFilterForm(
        QueryDict(raw), communes=scope.filter_communes, prefecture_side=scope.prefecture_side
    )
    filters.is_valid()
    return saved_view_query(getattr(filters, "cleaned_data", {})), filters.refused


@login_required
@require_http_methods(["GET", "POST"])
def saved_view_list(request):
    """The user's saved views, and saving the list's current filters under a name."""
    data = request.POST if request.method == "POST" else None
    form = SavedViewForm(data, initial={"query": request.GET.get("query", "")})
    if request.method == "POST" and form.is_valid():
        query, refused = _checked_query(request, form.cleaned_data["query"])
        try:
            if refused:
                record_refused_filters(
                    actor=request.user, action="saved_view.created", kinds=refused, via="web"
                )
                raise InvalidInput({"query": "saved_view_filters_refused"})
            saved_view = saved_view_create(
                owner=request.user, name=form.cleaned_data["name"], query=query
            )
        except PersonalDataRefused as exc:
            record_refused_filters(
                actor=request.user,
                action="saved_view.created",
                kinds={exc.field: exc.kinds},
                via="web",
            )
            form.refuse_personal_data(exc)
        except InvalidInput as exc:
            form.refuse_input(exc)
        else:
            saved = _("Vue « %(name)s » enregistrée.") % {"name": saved_view.name}
            messages.success(request, saved)
            return redirect(f"{reverse('requests')}?{saved_view.query}")
    return render(
        request,
        "sharing/saved_views.html",
        {"form": form, "saved_views": saved_views_of(user=request.user)},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def saved_view_remove(request, view_id: int):
    """Deletes one of the user's own views; another's answers 404 like a missing one."""
    saved_view = get_saved_view_for(user=request.user, view_id=view_id)
    saved_view_delete(saved_view=saved_view, actor=request.user)
    messages.success(request, _("Vue « %(name)s » supprimée.") % {"name": saved_view.name})
    return redirect("saved-views")
