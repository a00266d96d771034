"""Each prefecture's reusable wordings for clarification requests and decision remarks: its
admin creates, edits and deletes them (screened: no personal data in a template); its liaisons
pick one to prefill a form. Each write audited in its transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import PREFECTURE_ROLES, Membership, Organization, Role, User
from audit.services import audit_record

from .exceptions import ActionNotAllowed, InvalidInput, Refusal
from .models import MESSAGE_MAX, REMARKS_MAX, MessageTemplate, TemplateKind
from .privacy import screen_text

TITLE_MAX = MessageTemplate.title.field.max_length
# Which form field each kind prefills, in the web's action forms.
FIELD_OF_KIND = {TemplateKind.CLARIFICATION: "message", TemplateKind.DECISION: "remarks"}
KIND_OF_ACTION = {
    "request_clarification": TemplateKind.CLARIFICATION,
    "decide": TemplateKind.DECISION,
}


def templates_for(
    *, user: User, prefecture_id: int, kind: str | None = None
) -> QuerySet[MessageTemplate]:
    """The prefecture's templates, for its own liaisons and admins only."""
    works_there = Membership.objects.filter(
        user=user, organization_id=prefecture_id, role__in=PREFECTURE_ROLES, user__is_active=True
    ).exists()
    if not works_there:
        return MessageTemplate.objects.none()
    rows = MessageTemplate.objects.filter(prefecture_id=prefecture_id)
    return rows.filter(kind=kind) if kind else rows


def administered_prefecture(*, user: User) -> Organization | None:
    """The prefecture the user administers (the first by code), whose templates they manage."""
    membership = (
        Membership.objects.filter(user=user, role=Role.PREFECTURE_ADMIN, user__is_active=True)
        .select_related("organization")
        .order_by("organization__code")
        .first()
    )
    return membership.organization if membership is not None else None


@dataclass(frozen=True)
class TemplatePage:
    prefecture: Organization  # the one the user administers
    templates: QuerySet[MessageTemplate]  # its templates, read when the page is rendered


def template_page(*, user: User) -> TemplatePage | None:
    """None for whoever administers no prefecture."""
    prefecture = administered_prefecture(user=user)
    if prefecture is None:
        return None
    return TemplatePage(
        prefecture=prefecture, templates=MessageTemplate.objects.filter(prefecture=prefecture)
    )


def managed_template(*, user: User, pk: int) -> MessageTemplate | None:
    """One of the templates of the prefecture the user administers, with its prefecture."""
    prefecture = administered_prefecture(user=user)
    if prefecture is None:
        return None
    template = MessageTemplate.objects.filter(pk=pk, prefecture=prefecture).first()
    if template is not None:
        template.prefecture = prefecture
    return template


def _ensure_admin(actor: User, prefecture: Organization | int) -> None:
    if not Membership.objects.filter(
        user=actor, organization=prefecture, role=Role.PREFECTURE_ADMIN, user__is_active=True
    ).exists():
        raise ActionNotAllowed(action="manage_templates")


def _clean(*, kind: str, title: str, text: str) -> tuple[str, str]:
    if kind not in TemplateKind.values:
        raise InvalidInput({"kind": Refusal("invalid_choice", {"value": kind})})
    title, text = (title or "").strip(), (text or "").strip()
    errors: dict[str, str | Refusal] = {}
    # A decision's remarks are shorter than a message: a template must fit the field it fills.
    text_max = REMARKS_MAX if kind == TemplateKind.DECISION else MESSAGE_MAX
    for field, value, limit in (("title", title, TITLE_MAX), ("text", text, text_max)):
        if not value:
            errors[field] = "required"
        elif len(value) > limit:
            errors[field] = Refusal("too_long", {"max_length": limit})
    if errors:
        raise InvalidInput(errors)
    screen_text(field="title", text=title)
    screen_text(field="text", text=text)
    return title, text


@transaction.atomic
def message_template_create(
    *, actor: User, prefecture: Organization, kind: str, title: str, text: str
) -> MessageTemplate:
    """The prefecture's admin adds a wording."""
    _ensure_admin(actor, prefecture)
    title, text = _clean(kind=kind, title=title, text=text)
    template = MessageTemplate.objects.create(
        prefecture=prefecture, kind=kind, title=title, text=text
    )
    audit_record(
        actor=actor,
        action="template.created",
        organization=prefecture,
        details={"template": template.pk, "kind": kind},
    )
    return template


@transaction.atomic
def message_template_update(
    *, actor: User, template: MessageTemplate, kind: str, title: str, text: str
) -> MessageTemplate:
    """The prefecture's admin rewords a template; the same words again change nothing."""
    template = (
        MessageTemplate.objects.select_for_update().select_related("prefecture").get(pk=template.pk)
    )
    _ensure_admin(actor, template.prefecture_id)
    title, text = _clean(kind=kind, title=title, text=text)
    if (template.kind, template.title, template.text) == (kind, title, text):
        return template
    template.kind, template.title, template.text = kind, title, text
    template.save(update_fields=["kind", "title", "text", "updated_at"])
    audit_record(
        actor=actor,
        action="template.updated",
        organization=template.prefecture,
        details={"template": template.pk, "kind": kind},
    )
    return template


@transaction.atomic
def message_template_delete(*, actor: User, template: MessageTemplate) -> None:
    """The prefecture's admin removes a template."""
    template = (
        MessageTemplate.objects.select_for_update().select_related("prefecture").get(pk=template.pk)
    )
    _ensure_admin(actor, template.prefecture_id)
    audit_record(
        actor=actor,
        action="template.deleted",
        organization=template.prefecture,
        details={"template": template.pk, "kind": template.kind},
    )
    template.delete()
