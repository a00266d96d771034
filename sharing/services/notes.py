"""Internal notes: the prefecture's own remarks on a request, never shown to the commune."""

from django.db import transaction

from accounts.models import User
from audit.services import audit_record

from .. import rules
from ..models import InfoRequest, InternalNote
from ._common import check_text


@transaction.atomic
def note_add(*, info_request: InfoRequest, actor: User, text: str) -> InternalNote:
    """A prefecture-only note; screened like every free text."""
    text = check_text(field="text", text=text, max_length=InternalNote.text.field.max_length)
    rules.check(actor, "add_note", info_request)
    note = InternalNote.objects.create(info_request=info_request, author=actor, text=text)
    audit_record(
        actor=actor,
        action="note.added",
        target=info_request,
        organization=info_request.commune,
        details={"note": note.pk},
    )
    return note
