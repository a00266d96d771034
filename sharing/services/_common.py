"""What every service of the package shares: the row lock and the rules check that
begin a transition, the checks of what a user typed, the audit record and the notices."""

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from .. import rules
from ..exceptions import InvalidInput, Refusal
from ..models import DeadlineChange, InfoRequest
from ..notifications import outbox
from ..permissions import keep_perms
from ..privacy import screen_text


def local_today() -> date:
    return timezone.localdate()


def check_text(*, field: str, text: str, max_length: int | None, required: bool = True) -> str:
    """Trims, bounds and screens a free-text field; raises InvalidInput naming the field."""
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput({field: "required"})
    if max_length is not None and len(text) > max_length:
        raise InvalidInput({field: Refusal("too_long", {"max_length": max_length})})
    if text:
        screen_text(field=field, text=text)
    return text


def check_choice(*, field: str, value: str, choices: Iterable[str]) -> str:
    if value not in set(choices):
        raise InvalidInput({field: Refusal("invalid_choice", {"value": value})})
    return value


def lock(info_request: InfoRequest) -> InfoRequest:
    """The request's row read again under a lock, with its commune and prefecture (the audit
    record and the notices name them); the actor's permissions already read on the instance
    given are kept, as only a create or a sign grants any."""
    locked = (
        InfoRequest.objects.select_for_update(of=("self",))
        .select_related("commune", "prefecture")
        .get(pk=info_request.pk)
    )
    keep_perms(info_request, locked)
    return locked


def begin(
    *, info_request: InfoRequest, actor: User, action: str, repeatable: bool = True
) -> tuple[InfoRequest, bool]:
    """Locks the row and checks the rules; returns (row, already_done) or raises 409.

    A repeat that finds the request already in the target state is harmless and does
    nothing (`rules.already_done`), unless the target is also reached otherwise (clarify
    leads back to acknowledged), where a repeat cannot be told from a mistake.
    """
    info_request = lock(info_request)
    rules.ensure_permitted(actor, action, info_request)
    if repeatable and rules.already_done(action, info_request):
        return info_request, True
    rules.ensure_possible(action, info_request)
    return info_request, False


def audit_request(*, actor: User | None, action: str, info_request: InfoRequest, **details) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=info_request,
        organization=info_request.commune,
        # Choices are str subclasses; the log's canonical encoding takes plain strings only.
        details={
            key: str(value) if isinstance(value, str) else value
            for key, value in {"status": info_request.status, **details}.items()
        },
    )


def notify(info_request: InfoRequest) -> None:
    """Both sides hear of the change: notices and e-mails written in this transaction."""
    outbox.notify_status_change(info_request=info_request)


def record_due_change(
    *,
    info_request: InfoRequest,
    field: str,
    old_date: date | None,
    new_date: date,
    reason: str,
    actor: User | None,
) -> DeadlineChange:
    """Keeps the reason beside every moved due date; the caller audits the change."""
    return DeadlineChange.objects.create(
        info_request=info_request,
        field=field,
        old_date=old_date,
        new_date=new_date,
        reason=reason,
        actor=actor,
    )
