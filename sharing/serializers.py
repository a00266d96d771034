"""Shapes of the API: input parsing and output rendering, no business rules."""

import copy

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.fields import TextField

from . import rules
from .models import (
    AgreementStatus,
    Category,
    ClarificationMessage,
    DeliveryChannel,
    DraftRemark,
    InfoRequest,
    InternalNote,
    LegalBasis,
    ReasonCode,
    Resolution,
    Urgency,
)
from .selectors import day_counters, is_overdue

USERNAME_HELP = "The account's username: a stable identifier (what `assign` takes)."


def person_name(source: str, **kwargs) -> serializers.CharField:
    """The person's name as the web pages show it (first and last name; the username when the
    account has none), beside the username field that identifies the account."""
    return TextField(
        source=f"{source}.display_name",
        read_only=True,
        help_text="The person's name as the web pages show it; the username when the account "
        "has no name.",
        **kwargs,
    )


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so that a typo is an error and not silently ignored."""

    def validate(self, attrs):
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in sorted(unknown)}
            )
        return attrs


class CategorySerializer(serializers.ModelSerializer):
    legal_bases = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "name_en",
            "help_text",
            "help_text_en",
            "may_concern_person",
            "acknowledgement_days",
            "decision_months",
            "delivery_days",
            "expiry_policy",
            "legal_bases",
        ]


class LegalBasisSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalBasis
        fields = ["code", "title", "title_en", "citation", "summary", "summary_en", "source"]


# A read-only serializer whose fields are built once per class, not at each instance: DRF
# builds a model serializer's fields for every instance (the model's field information, a
# serializer field for each model field, a deep copy of each declared one), about 0.55 ms of
# every API detail. Each instance binds a shallow copy of each field, as DRF binds the fresh
# fields it builds: binding sets the copy's name, parent and source, and rendering changes
# nothing else of a field. Such a serializer renders and never takes input: validating would
# fill a field's own state (its validators, its errors). No docstring: drf-spectacular would
# give it as the description of every schema component built from these serializers.
class FieldsBuiltOnce:
    def get_fields(self):
        if hasattr(self, "initial_data"):
            raise ImproperlyConfigured(f"{type(self).__name__} renders and takes no input")
        cls = type(self)
        built = cls.__dict__.get("_fields_built")  # a subclass builds its own
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built = built  # type: ignore[attr-defined]
        return {name: copy.copy(field) for name, field in built.items()}


class InfoRequestSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    commune = TextField(source="commune.code")
    commune_name = TextField(source="commune.name")
    prefecture = TextField(source="prefecture.code")
    category = TextField(source="category.code")
    legal_basis = TextField(source="legal_basis.code")
    assigned_to = TextField(
        source="assigned_to.username",
        default=None,
        allow_null=True,
        read_only=True,
        help_text=USERNAME_HELP,
    )
    assigned_to_name = person_name("assigned_to", default=None, allow_null=True)
    # Empty ("") until the decision or the delivery sets them: the schema says so.
    resolution = serializers.ChoiceField(Resolution.choices, allow_blank=True, read_only=True)
    reason_code = serializers.ChoiceField(ReasonCode.choices, allow_blank=True, read_only=True)
    procureur_agreement = serializers.ChoiceField(
        AgreementStatus.choices, allow_blank=True, read_only=True
    )
    intelligence_agreement = serializers.ChoiceField(
        AgreementStatus.choices, allow_blank=True, read_only=True
    )
    delivery_channel = serializers.ChoiceField(
        DeliveryChannel.choices, allow_blank=True, read_only=True
    )
    is_overdue = serializers.SerializerMethodField()
    days_to_acknowledgement = serializers.SerializerMethodField(
        help_text="Business days until the acknowledgement is due (negative: passed); "
        "null unless the request awaits its acknowledgement."
    )
    days_to_decision = serializers.SerializerMethodField(
        help_text="Business days until the decision is due (negative: passed); while a "
        "clarification is pending, the days left on the stopped clock."
    )
    days_to_delivery = serializers.SerializerMethodField(
        help_text="Business days until a granted answer is due to be delivered."
    )
    days_overdue = serializers.SerializerMethodField(
        help_text="Business days since the running deadline passed; 0 when it has not."
    )
    decision_clock_paused = serializers.SerializerMethodField()

    class Meta:
        model = InfoRequest
        fields = [
            "reference",
            "commune",
            "commune_name",
            "prefecture",
            "category",
            "legal_basis",
            "purpose",
            "urgency",
            "secure_channel_ref",
            "status",
            "resolution",
            "reason_code",
            "decision_remarks",
            "procureur_agreement",
            "intelligence_agreement",
            "delivery_channel",
            "delivered_on",
            "withdraw_reason",
            "assigned_to",
            "assigned_to_name",
            "acknowledgement_due",
            "decision_due",
            "delivery_due",
            "clarification_due",
            "is_overdue",
            "days_to_acknowledgement",
            "days_to_decision",
            "days_to_delivery",
            "days_overdue",
            "decision_clock_paused",
            "created_at",
            "updated_at",
            "submitted_at",
            "acknowledged_at",
            "decided_at",
            "delivered_at",
            "closed_at",
            "withdrawn_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, obj: InfoRequest) -> bool:

        return is_overdue(obj)

    def _counters(self, obj: InfoRequest):

        cache = self.context.setdefault("_day_counters", {})
        if obj.pk not in cache:
            cache[obj.pk] = day_counters(obj)
        return cache[obj.pk]

    def get_days_to_acknowledgement(self, obj: InfoRequest) -> int | None:
        return self._counters(obj).days_to_acknowledgement

    def get_days_to_decision(self, obj: InfoRequest) -> int | None:
        return self._counters(obj).days_to_decision

    def get_days_to_delivery(self, obj: InfoRequest) -> int | None:
        return self._counters(obj).days_to_delivery

    def get_days_overdue(self, obj: InfoRequest) -> int:
        return self._counters(obj).days_overdue

    def get_decision_clock_paused(self, obj: InfoRequest) -> bool:
        return self._counters(obj).decision_clock_paused


class InfoRequestDetailSerializer(InfoRequestSerializer):
    """One request, with what the reader may do to it now (`sharing.rules`)."""

    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions you may take on this request now, from the same rules the "
        "endpoints enforce. `update` is PATCH on the request, `add_note` POST notes/, "
        "`remind` POST reminders/; every other action is POST on its own path, with `-` for "
        "`_` (`record_delivery`: record-delivery/). A repeat of an action already done answers "
        "200 without change; any other action not listed answers 404 (not yours) or 409 (not "
        "in this status)."
    )

    class Meta(InfoRequestSerializer.Meta):
        fields = [*InfoRequestSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=list(rules.ACTIONS)))
    )
    def get_allowed_actions(self, obj: InfoRequest) -> list[str]:
        return rules.allowed_actions(self.context["request"].user, obj)


class InfoRequestCreateSerializer(StrictSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all())
    legal_basis = serializers.SlugRelatedField(slug_field="code", queryset=LegalBasis.objects.all())
    purpose = TextField(max_length=InfoRequest.purpose.field.max_length)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    secure_channel_ref = TextField(max_length=40, required=False, allow_blank=True, default="")
    commune = TextField(max_length=5, required=False)


class InfoRequestUpdateSerializer(StrictSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False
    )
    legal_basis = serializers.SlugRelatedField(
        slug_field="code", queryset=LegalBasis.objects.all(), required=False
    )
    purpose = TextField(max_length=InfoRequest.purpose.field.max_length, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    secure_channel_ref = TextField(max_length=40, required=False, allow_blank=True)


class EmptySerializer(StrictSerializer):
    pass


class MessageInSerializer(StrictSerializer):
    message = TextField(max_length=ClarificationMessage.text.field.max_length)


class ClarificationRequestSerializer(MessageInSerializer):
    answer_by = serializers.DateField(
        required=False,
        help_text="The day the commune's answer is expected by: after today, within three "
        "months; by default RELAIS_CLARIFICATION_DAYS business days from today.",
    )


class RemarkInSerializer(StrictSerializer):
    remark = TextField(max_length=DraftRemark.text.field.max_length)


class RemarkSerializer(serializers.ModelSerializer):
    author = TextField(source="author.username", help_text=USERNAME_HELP)
    author_name = person_name("author")

    class Meta:
        model = DraftRemark
        fields = ["id", "author", "author_name", "text", "created_at", "addressed_at"]


class AssignSerializer(StrictSerializer):
    liaison = TextField(max_length=150)


class DecideSerializer(StrictSerializer):
    resolution = serializers.ChoiceField(
        choices=[c for c in Resolution.choices if c[0] != Resolution.IMPLICIT_REJECTION]
    )
    reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices, required=False, allow_blank=True, default=""
    )
    remarks = TextField(
        max_length=InfoRequest.decision_remarks.field.max_length,
        required=False,
        allow_blank=True,
        default="",
    )
    procureur_agreement = serializers.ChoiceField(choices=AgreementStatus.choices, required=False)
    intelligence_agreement = serializers.ChoiceField(
        choices=AgreementStatus.choices, required=False
    )


class DeliverySerializer(StrictSerializer):
    channel = serializers.ChoiceField(choices=DeliveryChannel.choices)
    delivered_on = serializers.DateField()


class ExtendSerializer(StrictSerializer):
    new_due_date = serializers.DateField()
    reason = TextField(max_length=300)


class ReasonSerializer(StrictSerializer):
    reason = TextField(max_length=InfoRequest.withdraw_reason.field.max_length)


class NoteInSerializer(StrictSerializer):
    text = TextField(max_length=InternalNote.text.field.max_length)


class NoteSerializer(serializers.ModelSerializer):
    author = TextField(source="author.username", help_text=USERNAME_HELP)
    author_name = person_name("author")

    class Meta:
        model = InternalNote
        fields = ["id", "author", "author_name", "text", "created_at"]


class MessageSerializer(serializers.ModelSerializer):
    author = TextField(source="author.username", help_text=USERNAME_HELP)
    author_name = person_name("author")

    class Meta:
        model = ClarificationMessage
        fields = ["id", "author", "author_name", "side", "text", "created_at"]


class TimelineEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField(
        allow_null=True,
        help_text="The event's place in the audit log; null for the seconds until the sequencer "
        "chains it (docs/audit-format.md, section 3.2).",
    )
    occurred_at = serializers.DateTimeField()
    action = TextField()
    actor = TextField(
        allow_null=True, help_text="The username the event recorded (null: the system)."
    )
    actor_name = TextField(
        allow_null=True,
        help_text="The person's name as their account shows it today; the username when the "
        "account has no name (null: the system).",
    )
    details = serializers.DictField()


class NotificationSerializer(serializers.Serializer):
    """An inbox line: what happened, to which request, by when, and where to look."""

    id = serializers.IntegerField()
    kind = TextField()
    reference = TextField(allow_null=True)
    status = TextField(allow_blank=True)
    due_on = serializers.DateField(allow_null=True)
    count = serializers.IntegerField(allow_null=True)
    message = TextField()
    link = TextField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class ReminderInSerializer(StrictSerializer):
    remind_on = serializers.DateField()


class PersonalReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    remind_on = serializers.DateField(source="due_on")
    status = TextField()
    send_after = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
