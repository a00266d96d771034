"""Saved views: a user names the filters of the requests list to come back to them in one click.

The writes and reads of one small feature, kept together (the services and selectors modules
are the requests' own). What is kept is what the list's filter form checked: the commune's code
rather than what was typed, a search only once the personal-data screen has passed it; the name
goes through the screen too, and each creation and deletion is audited with the kinds of filter,
never their values.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.http import Http404, QueryDict

from audit.services import audit_record

from .exceptions import ActionNotAllowed, InvalidInput, Refusal
from .models import SavedView
from .privacy import screen_text

MAX_PER_USER = 30
NAME_MAX = 60
# The list's filters that a view keeps, in the order of its address.
FIELDS = (
    "worklist",
    "q",
    "reference",
    "received_from",
    "received_to",
    "status",
    "commune",
    "category",
    "overdue",
    "mine",
    "sort",
)


def saved_view_query(cleaned: dict) -> str:
    """The list's address for a checked filter form's values (a refused value is not there)."""
    query = QueryDict(mutable=True)
    for field in FIELDS:
        value = cleaned.get(field)
        if value is True:
            query[field] = "on"
        elif isinstance(value, date):
            query[field] = value.isoformat()
        elif value:
            query[field] = str(value)
    return query.urlencode()


def saved_views_of(*, user) -> list[SavedView]:
    """The user's own views, by name."""
    return list(SavedView.objects.filter(owner=user))


def get_saved_view_for(*, user, view_id: int) -> SavedView:
    """The user's own view; another user's answers like one that does not exist."""
    try:
        return SavedView.objects.get(pk=view_id, owner=user)
    except SavedView.DoesNotExist:
        raise Http404 from None


def _clean_name(name: str) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise InvalidInput({"name": "saved_view_name_required"})
    if len(name) > NAME_MAX:
        raise InvalidInput({"name": Refusal("too_long", {"max_length": NAME_MAX})})
    screen_text(field="name", text=name)
    return name


@transaction.atomic
def saved_view_create(*, owner, name: str, query: str) -> SavedView:
    """Keeps the list's checked filters under a name of the owner's (screened, unique for the
    owner, at most MAX_PER_USER views)."""
    name = _clean_name(name)
    if SavedView.objects.filter(owner=owner).count() >= MAX_PER_USER:
        raise InvalidInput({"name": Refusal("saved_view_limit", {"max": MAX_PER_USER})})
    try:
        with transaction.atomic():
            saved_view = SavedView.objects.create(owner=owner, name=name, query=query)
    except IntegrityError:
        raise InvalidInput({"name": "saved_view_name_taken"}) from None
    audit_record(
        actor=owner,
        action="saved_view.created",
        target=saved_view,
        details={"filters": sorted(QueryDict(query).keys())},
    )
    return saved_view


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, actor) -> None:
    """Deletes one of the actor's own views."""
    if saved_view.owner_id != actor.pk:
        raise ActionNotAllowed(action="saved_view.delete")
    audit_record(actor=actor, action="saved_view.deleted", target=saved_view)
    saved_view.delete()
