"""Who may see and work on a request: object permissions held by organisation role groups.

Which action each role may take in which status is `sharing.rules`; this module holds the
permissions it reads and the one fetch-and-check."""

from django.http import Http404

from accounts.models import Role, User

from .models import InfoRequest
from .selectors import info_requests_visible_to

VIEW = "view_inforequest"
CHANGE = "change_inforequest"
SIGN = "sign_inforequest"
DRAFT = "draft_inforequest"
WORK = "work_inforequest"
ASSIGN = "assign_inforequest"
NOTES = "view_internal_notes"

# Granted on each request to the commune's and the prefecture's role groups.
PERMS_BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.LEGAL_OFFICER: (VIEW, CHANGE, DRAFT),
    Role.MAYOR: (VIEW, CHANGE, DRAFT, SIGN),
    Role.LIAISON: (VIEW, WORK, NOTES),
    Role.PREFECTURE_ADMIN: (VIEW, WORK, NOTES, ASSIGN),
}


def can(user: User, perm: str, info_request: InfoRequest) -> bool:
    """True when one of the user's role groups holds the permission on this request."""
    if not user.is_active:
        return False
    return user.has_perm(f"sharing.{perm}", info_request)


def get_request_for(*, user: User, reference: str, perm: str = VIEW) -> InfoRequest:
    """The one fetch-and-check: missing and forbidden both answer Http404."""
    try:
        info_request = (
            info_requests_visible_to(user=user)
            .select_related("commune", "prefecture", "category", "legal_basis", "assigned_to")
            .get(reference=reference)
        )
    except InfoRequest.DoesNotExist:
        raise Http404 from None
    if perm != VIEW and not can(user, perm, info_request):
        raise Http404
    return info_request
