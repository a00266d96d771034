"""Requests: their status, never their substance. The transition table lives here."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.models import Organization

from .exceptions import REFUSALS

PURPOSE_MAX = 1000
MESSAGE_MAX = 1000
NOTE_MAX = 1000
REMARKS_MAX = 500
REASON_MAX = 300
DRAFT_REMARK_MAX = 500

# The shape of a secure-channel letter's reference and nothing else: one to three groups of one
# to four capital letters, the year, a number (BR-2026-0141, DEMO-BR-2026-0101, CAB/2026/12).
# It cannot spell a name, carry a date of birth (the year is this century's, the number at most
# six digits) or a NIR's thirteen digits. The database holds the same rule (a check constraint).
SECURE_CHANNEL_REF_PATTERN = r"^[A-Z]{1,4}([-/][A-Z]{1,4}){0,2}[-/]20[0-9]{2}[-/][0-9]{1,6}$"
secure_channel_ref_validator = RegexValidator(
    SECURE_CHANNEL_REF_PATTERN, REFUSALS["secure_channel_ref_shape"]
)


# The shape of a delegation order's reference (arrêté de délégation): an optional prefix of one
# to six capital letters, the year, a number (2026-045, ARR-2026-045, AM/2026/12). Like the
# secure-channel reference, it cannot spell a name or carry a date of birth.
DELEGATION_ORDER_PATTERN = r"^([A-Z]{1,6}[-/])?20[0-9]{2}[-/][0-9]{1,5}$"
delegation_order_validator = RegexValidator(
    DELEGATION_ORDER_PATTERN, REFUSALS["delegation_order_shape"]
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Signée et transmise")
    ACKNOWLEDGED = "acknowledged", _("Accusé de réception")
    CLARIFICATION_REQUESTED = "clarification_requested", _("Précisions demandées")
    DECIDED = "decided", _("Décidée")
    DELIVERED = "delivered", _("Réponse remise")
    CLOSED = "closed", _("Close")
    WITHDRAWN = "withdrawn", _("Retirée")
    # A draft its author gave up before signing: kept (its reference is never reused and the
    # audit events naming it still verify), out of every list.
    DISCARDED = "discarded", _("Brouillon abandonné")


class Resolution(models.TextChoices):
    GRANTED = "granted", _("Accordée")
    PARTIALLY_GRANTED = "partially_granted", _("Partiellement accordée")
    REFUSED = "refused", _("Refusée")
    REDIRECTED = "redirected", _("Orientée vers le CLSPD/CPRAF")
    IMPLICIT_REJECTION = "implicit_rejection", _("Rejet implicite")


class ReasonCode(models.TextChoices):
    NO_LEGAL_BASIS = "no_legal_basis", _("Pas de base légale")
    NATIONAL_DEFENCE_SECRET = "national_defence_secret", _("Secret de la défense nationale")
    INVESTIGATION_SECRET = "investigation_secret", _("Secret de l'enquête")
    PROCUREUR_DISAGREED = "procureur_disagreed", _("Désaccord du procureur")
    INFORMATION_NOT_HELD = "information_not_held", _("Information non détenue")
    OUTSIDE_COMPETENCE = "outside_competence", _("Hors compétence")


class DeliveryChannel(models.TextChoices):
    BILATERAL_MEETING = "bilateral_meeting", _("Entretien bilatéral")
    CLSPD_SESSION = "clspd_session", _("Séance du CLSPD/CPRAF")
    SECURE_PHONE = "secure_phone", _("Appel téléphonique sécurisé")
    HAND_DELIVERED_LETTER = (
        "hand_delivered_letter",
        _("Lettre confidentielle remise en main propre"),
    )


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normale")
    URGENT = "urgent", _("Urgente")


class AgreementStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Non requis")
    PENDING = "pending", _("En attente")
    AGREED = "agreed", _("Accord")
    DISAGREED = "disagreed", _("Désaccord")


class ExpiryPolicy(models.TextChoices):
    FLAG = "flag", _("Signaler le retard seulement")
    IMPLICIT_REJECTION = "implicit_rejection", _("Rejet implicite à l'échéance")


# action -> (statuses it may start from, status it leads to). The single source of truth.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "sign": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    # Instead of signing, the mayor returns the draft to the legal officers: it stays a draft.
    "send_back": (frozenset({Status.DRAFT}), Status.DRAFT),
    "acknowledge": (frozenset({Status.SUBMITTED}), Status.ACKNOWLEDGED),
    "request_clarification": (frozenset({Status.ACKNOWLEDGED}), Status.CLARIFICATION_REQUESTED),
    "clarify": (frozenset({Status.CLARIFICATION_REQUESTED}), Status.ACKNOWLEDGED),
    "decide": (frozenset({Status.ACKNOWLEDGED}), Status.DECIDED),
    "record_delivery": (frozenset({Status.DECIDED}), Status.DELIVERED),
    "close": (frozenset({Status.DELIVERED, Status.DECIDED}), Status.CLOSED),
    "withdraw": (
        frozenset(
            {Status.DRAFT, Status.SUBMITTED, Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED}
        ),
        Status.WITHDRAWN,
    ),
    "discard": (frozenset({Status.DRAFT}), Status.DISCARDED),
    "expire": (
        frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED}),
        Status.DECIDED,
    ),
}

# Resolutions with something to hand over go through delivery; the others may close directly.
RESOLUTIONS_TO_DELIVER = frozenset({Resolution.GRANTED, Resolution.PARTIALLY_GRANTED})


def running_due_expression() -> models.Case:
    """The due date of the step each request waits for (`selectors.running_due_date`), as an
    expression, for sorting an inbox by what is due first. Its text must not vary between
    processes (the resolutions are sorted, not a set's order): the inbox index below is built
    on this very expression, and PostgreSQL uses it only for an identical one."""
    return models.Case(
        models.When(status=Status.SUBMITTED, then=models.F("acknowledgement_due")),
        models.When(status=Status.ACKNOWLEDGED, then=models.F("decision_due")),
        models.When(
            resolution__in=sorted(RESOLUTIONS_TO_DELIVER),
            status=Status.DECIDED,
            then=models.F("delivery_due"),
        ),
        default=None,
    )


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED, Status.DECIDED}
)


class Category(models.Model):
    """A kind of request the legal frame allows; data, editable in the admin."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200, blank=True)
    help_text = models.TextField(_("aide"), max_length=1000, blank=True)
    help_text_en = models.TextField(_("aide (anglais)"), max_length=1000, blank=True)
    may_concern_person = models.BooleanField(
        _("peut concerner une personne"),
        default=False,
        help_text=_("La personne est désignée par courrier sécurisé, jamais dans Relais."),
    )
    acknowledgement_days = models.PositiveSmallIntegerField(
        _("délai d'accusé de réception (jours ouvrés)"), default=5
    )
    decision_months = models.PositiveSmallIntegerField(_("délai de décision (mois)"), default=2)
    delivery_days = models.PositiveSmallIntegerField(
        _("délai de remise après accord (jours ouvrés)"), default=10
    )
    expiry_policy = models.CharField(
        _("à l'échéance"),
        max_length=20,
        choices=ExpiryPolicy.choices,
        default=ExpiryPolicy.IMPLICIT_REJECTION,
    )
    requires_procureur_agreement = models.BooleanField(
        _("accord préalable du procureur requis"), default=False
    )
    requires_intelligence_agreement = models.BooleanField(
        _("accord préalable des services de renseignement requis"), default=False
    )
    legal_bases = models.ManyToManyField("LegalBasis", related_name="categories", blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.Model):
    """A verified legal text a request may rely on; data, editable in the admin."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("intitulé"), max_length=300)
    title_en = models.CharField(_("intitulé (anglais)"), max_length=300, blank=True)
    citation = models.CharField(_("référence"), max_length=200)
    summary = models.TextField(_("résumé"), max_length=1500, blank=True)
    summary_en = models.TextField(_("résumé (anglais)"), max_length=1500, blank=True)
    source = models.CharField(_("source vérifiée"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("base légale")
        verbose_name_plural = _("bases légales")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.citation


class ReferenceCounter(models.Model):
    """Last sequence number used per commune and year; locked to allocate references."""

    commune = models.ForeignKey(Organization, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["commune", "year"], name="refcounter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.commune_id}/{self.year}: {self.last}"


class InfoRequest(models.Model):
    """One formal request from a mayor to the prefecture: who, what kind, where it stands."""

    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    commune = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="requests_sent"
    )
    prefecture = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="requests_received"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="requests")
    legal_basis = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, related_name="requests")
    purpose = models.CharField(_("objet"), max_length=PURPOSE_MAX)
    urgency = models.CharField(
        _("urgence"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    secure_channel_ref = models.CharField(
        _("référence du courrier sécurisé"),
        max_length=40,
        blank=True,
        validators=[secure_channel_ref_validator],
    )
    status = models.CharField(
        _("statut"), max_length=30, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    resolution = models.CharField(
        _("issue"), max_length=30, choices=Resolution.choices, blank=True, db_index=True
    )
    reason_code = models.CharField(
        _("motif"), max_length=40, choices=ReasonCode.choices, blank=True
    )
    decision_remarks = models.CharField(_("observations"), max_length=REMARKS_MAX, blank=True)
    procureur_agreement = models.CharField(
        _("accord du procureur"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.NOT_REQUIRED,
    )
    intelligence_agreement = models.CharField(
        _("accord des services de renseignement"),
        max_length=20,
        choices=AgreementStatus.choices,
        default=AgreementStatus.NOT_REQUIRED,
    )
    delivery_channel = models.CharField(
        _("canal de remise"), max_length=30, choices=DeliveryChannel.choices, blank=True
    )
    delivered_on = models.DateField(_("remise le"), null=True, blank=True)
    withdraw_reason = models.CharField(_("motif du retrait"), max_length=REASON_MAX, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Signed by a deputy "pour le maire et par délégation": the delegation it was signed under.
    signature_delegation = models.ForeignKey(
        "SignatureDelegation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_requests",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
    )

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    acknowledgement_due = models.DateField(null=True, blank=True, db_index=True)
    decision_due = models.DateField(null=True, blank=True, db_index=True)
    delivery_due = models.DateField(null=True, blank=True, db_index=True)
    clarification_requested_at = models.DateTimeField(null=True, blank=True)
    # The day the commune's answer to a clarification is expected by (reminders watch it).
    clarification_due = models.DateField(null=True, blank=True, db_index=True)
    # Business days of the decision clock still to run when a clarification paused it.
    decision_days_remaining = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        ordering = ["-created_at"]
        permissions = [
            ("sign_inforequest", "Sign, submit and withdraw the request"),
            ("draft_inforequest", "Edit the draft and answer clarifications"),
            ("work_inforequest", "Acknowledge, clarify, decide, deliver, close, extend"),
            ("assign_inforequest", "Assign the request to a liaison"),
            ("view_internal_notes", "Read and write the prefecture's internal notes"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(secure_channel_ref="")
                | models.Q(secure_channel_ref__regex=SECURE_CHANNEL_REF_PATTERN),
                name="inforequest_secure_channel_ref_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["prefecture", "status"]),
            # A prefecture's inbox, what is due first: read in index order, a page stops after
            # its rows instead of sorting every request of the département.
            models.Index(
                "prefecture",
                running_due_expression(),
                models.F("created_at").desc(),
                "id",
                name="inforequest_inbox_idx",
            ),
            models.Index(fields=["commune", "status"]),
            # The API inbox, open requests by decision date (`ordering=decision_due`): a page
            # reads its rows in index order within the prefecture instead of walking the
            # country's `decision_due` (3.1 s to 1.6 ms at 1,000,000 requests).
            models.Index(
                fields=["prefecture", "decision_due"],
                condition=models.Q(status__in=["submitted", "acknowledged"]),
                name="inforequest_pref_open_due_idx",
            ),
            # A prefecture's answers to deliver ("À traiter" holds them beside what is to
            # acknowledge or decide): its capped count reads them from here instead of
            # intersecting the prefecture's decided requests with the country's granted ones
            # (the national `resolution` index, which grows with the country).
            models.Index(
                fields=["prefecture", "delivery_due"],
                condition=models.Q(
                    status="decided", resolution__in=["granted", "partially_granted"]
                ),
                name="inforequest_pref_deliver_idx",
            ),
            # The API list's default order (newest first) within the reader's scope: a page's
            # ids are read from the index alone (the status is included for the discarded
            # drafts' test), instead of the country's `created_at` index filtered row by row
            # (501,003 rows read for a page of 50 at 1,000,000 requests: 0.8 s to 0.2 ms).
            models.Index(
                fields=["prefecture", "created_at", "id"],
                include=["status"],
                name="inforequest_pref_created_idx",
            ),
            models.Index(
                fields=["commune", "created_at", "id"],
                include=["status"],
                name="inforequest_comm_created_idx",
            ),
            # Every open request of a prefecture, with what an inbox's count tests, read from
            # the index alone (the inbox's capped total; the team page's counts read it until
            # `OpenLoad` took them over). Open requests only: the size of the work in hand.
            models.Index(
                fields=["prefecture", "assigned_to"],
                include=[
                    "id",
                    "status",
                    "urgency",
                    "resolution",
                    "acknowledgement_due",
                    "decision_due",
                    "delivery_due",
                ],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="inforequest_pref_open_load_idx",
            ),
            # The reminder sweep finds clarifications by the day they were asked.
            models.Index(fields=["clarification_requested_at"], name="inforequest_clarif_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class InfoRequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(InfoRequest, on_delete=models.CASCADE)


class InfoRequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(InfoRequest, on_delete=models.CASCADE)


class OpenLoad(models.Model):
    """How many open requests (`OPEN_STATUSES`) a prefecture has per holder (none: nobody holds
    them), urgency and running due date (`running_due_expression`; none while a clarification
    stops the clock). Written by the database's triggers on the requests' table only
    (`sharing.open_load`), in the transaction of each change; read by the team page. No
    foreign-key constraints: the rows follow the requests, whatever is deleted first."""

    prefecture = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    urgent = models.BooleanField()
    running_due = models.DateField(null=True)
    n = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.prefecture_id}/{self.assigned_to_id}: {self.n}"


class Author(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    PREFECTURE = "prefecture", _("Préfecture")


class ClarificationMessage(models.Model):
    """One message of the clarification thread between prefecture and commune."""

    info_request = models.ForeignKey(InfoRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=12, choices=Author.choices)
    text = models.CharField(_("message"), max_length=MESSAGE_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.info_request_id}"


class DraftRemark(models.Model):
    """The mayor's remark on a draft sent back instead of signed; the commune's only.

    Open until the draft is edited or signed (`addressed_at`); kept afterwards as history.
    """

    info_request = models.ForeignKey(
        InfoRequest, on_delete=models.CASCADE, related_name="draft_remarks"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("remarque"), max_length=DRAFT_REMARK_MAX)
    created_at = models.DateTimeField(auto_now_add=True)
    addressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("remarque du maire")
        verbose_name_plural = _("remarques du maire")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"remark {self.pk} on {self.info_request_id}"


class InternalNote(models.Model):
    """A prefecture-only note; the commune never sees it."""

    info_request = models.ForeignKey(InfoRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("note"), max_length=NOTE_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.info_request_id}"


class DeadlineChange(models.Model):
    """Every extension of a due date, with its reason."""

    info_request = models.ForeignKey(
        InfoRequest, on_delete=models.CASCADE, related_name="deadline_changes"
    )
    field = models.CharField(max_length=30)
    old_date = models.DateField(null=True)
    new_date = models.DateField()
    reason = models.CharField(max_length=REASON_MAX)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.field} → {self.new_date}"


class ReminderKind(models.TextChoices):
    ACKNOWLEDGEMENT_DUE_SOON = "acknowledgement_due_soon", _("Accusé de réception bientôt dû")
    ACKNOWLEDGEMENT_OVERDUE = "acknowledgement_overdue", _("Accusé de réception en retard")
    DECISION_DUE_7 = "decision_due_7", _("Décision due dans 7 jours ouvrés")
    DECISION_DUE_2 = "decision_due_2", _("Décision due dans 2 jours ouvrés")
    DECISION_DUE_TODAY = "decision_due_today", _("Décision due aujourd'hui")
    DECISION_OVERDUE = "decision_overdue", _("Décision en retard")
    CLARIFICATION_PENDING = "clarification_pending", _("Précisions attendues")
    CLARIFICATION_DUE_SOON = "clarification_due_soon", _("Précisions bientôt dues")
    CLARIFICATION_OVERDUE = "clarification_overdue", _("Précisions en retard")
    DELIVERY_PENDING = "delivery_pending", _("Remise de la réponse attendue")
    DELIVERY_OVERDUE = "delivery_overdue", _("Remise de la réponse en retard")
    OVERDUE_DIGEST = "overdue_digest", _("Relevé hebdomadaire des retards")
    PERSONAL = "personal", _("Rappel personnel")
    STATUS_CHANGED = "status_changed", _("Changement de statut")
    DEADLINE_CHANGED = "deadline_changed", _("Échéance modifiée")
    SENT_BACK = "sent_back", _("Brouillon renvoyé par le maire")
    DAILY_DIGEST = "daily_digest", _("Relevé quotidien des notifications")


# Told once, by the transition that made them, rather than found by the sweep.
EVENT_KINDS = frozenset(
    {ReminderKind.STATUS_CHANGED, ReminderKind.DEADLINE_CHANGED, ReminderKind.SENT_BACK}
)


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENDING = "sending", _("Envoi en cours")
    SENT = "sent", _("Envoyé")
    CANCELLED = "cancelled", _("Annulé")
    FAILED = "failed", _("Échec")


class Reminder(models.Model):
    """One message owed to one user: the ledger and the outbox of e-mails and notifications.

    A row is created once (the unique constraints make a second sweep a no-op), sent once
    (claimed, sent, then marked in the same row; see `sharing.reminders`), and never
    deleted. `due_on` is the date that makes a reminder unique: the deadline it is about,
    the day a personal reminder was asked for, the Monday of a digest's week, or the day of
    a status or deadline change (those are written once by their transition and are not
    constrained).
    """

    kind = models.CharField(max_length=40, choices=ReminderKind.choices)
    info_request = models.ForeignKey(
        InfoRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # The prefecture of a weekly digest, which concerns no single request. Not indexed on its
    # own (the digests' unique constraint leads with it; organisations are never deleted):
    # every index on this table is paid on each write of the send cycle.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    due_on = models.DateField()
    # The status an event message (status or deadline change) announces, as it was then.
    about_status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    status = models.CharField(
        max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    # Not before: the business morning of the day it is due, later after a failed attempt.
    send_after = models.DateTimeField()
    # When the sweep next hands the row to a worker: send_after at first, then a while after
    # each enqueue (a lost message) or claim (a worker that died), until it is sent.
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # An exception class or a cancellation reason code; never a message text.
    last_error = models.CharField(max_length=100, blank=True)
    # The in-app notice written with this message; never looked up from this side.
    notification = models.ForeignKey(
        "Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rappel")
        verbose_name_plural = _("rappels")
        constraints = [
            models.UniqueConstraint(
                fields=["info_request", "kind", "due_on", "user"],
                condition=models.Q(info_request__isnull=False)
                & ~models.Q(kind__in=sorted(EVENT_KINDS)),
                name="reminder_unique_per_request",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind", "due_on", "user"],
                condition=models.Q(info_request__isnull=True),
                name="reminder_unique_per_organization",
            ),
            models.CheckConstraint(
                condition=models.Q(info_request__isnull=False)
                | models.Q(organization__isnull=False),
                name="reminder_about_something",
            ),
        ]
        indexes = [
            # The sweep's dispatch: what is owed now, in order; a row handed out leaves the
            # range it was found in, so each batch reads only its own rows.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="reminder_dispatch_idx",
            ),
            # The monitor's "sent in the last hour" (ops.metrics): a range at the index's end.
            # Written once per row, with its sent mark.
            models.Index(
                fields=["sent_at"],
                condition=models.Q(status="sent"),
                name="reminder_sent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_on} → user {self.user_id} ({self.status})"


class Notification(models.Model):
    """An in-app notice for one user: which request, what happened, by when; nothing more."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    info_request = models.ForeignKey(
        InfoRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=ReminderKind.choices)
    # What the message shows, as it was when the notice was made.
    status = models.CharField(max_length=30, choices=Status.choices, blank=True)
    due_on = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id}"


class NotificationPreference(models.Model):
    """How a user wants to hear from Relais by e-mail: each notice as it comes (the default),
    or one e-mail a day listing the unread ones (the in-app notices come as usual)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    daily_digest = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"user {self.user_id}: {'daily digest' if self.daily_digest else 'each notice'}"


class SavedView(models.Model):
    """A user's named set of filters of the requests list (`?status=open&sort=commune`). Only
    the filters' checked values are kept (a commune's code, a screened search), and only the
    owner ever sees or uses it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("nom"), max_length=60)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("vue enregistrée")
        verbose_name_plural = _("vues enregistrées")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_unique_name")
        ]

    def __str__(self) -> str:
        return f"saved view {self.pk} of user {self.owner_id}"


class SignatureDelegation(models.Model):
    """A mayor's delegation of signature to a member of the same commune, for a period, under
    a delegation order (arrêté de délégation, CGCT L.2122-18): the deputy signs requests (and
    sends drafts back) "pour le maire et par délégation" from `starts_on` to `ends_on`."""

    commune = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="signature_delegations"
    )
    mayor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_held"
    )
    order_reference = models.CharField(
        _("référence de l'arrêté de délégation"),
        max_length=20,
        validators=[delegation_order_validator],
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("délégation de signature")
        verbose_name_plural = _("délégations de signature")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="delegation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(order_reference__regex=DELEGATION_ORDER_PATTERN),
                name="delegation_order_shape",
            ),
        ]
        indexes = [models.Index(fields=["deputy", "commune", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.order_reference} ({self.starts_on} to {self.ends_on})"


class AbsenceCover(models.Model):
    """A colleague of the same prefecture covers for an absent liaison for a period: the absent
    liaison's open assigned requests show in the colleague's "En remplacement" work list. It
    ends by itself after `ends_on`, or earlier when ended."""

    prefecture = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="absence_covers"
    )
    absent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="covered_absences"
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="covers_given"
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("remplacement")
        verbose_name_plural = _("remplacements")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="cover_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(absent=models.F("colleague")), name="cover_not_oneself"
            ),
        ]
        indexes = [models.Index(fields=["colleague", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.absent_id} -> {self.colleague_id} ({self.starts_on} to {self.ends_on})"


class TemplateKind(models.TextChoices):
    CLARIFICATION = "clarification", _("Demande de précisions")
    DECISION = "decision", _("Observations de la décision")


class MessageTemplate(models.Model):
    """A prefecture's reusable wording: a liaison picks one to prefill a clarification request
    or a decision's remarks. Screened like every typed text: no personal data in a template."""

    prefecture = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="message_templates"
    )
    kind = models.CharField(_("usage"), max_length=20, choices=TemplateKind.choices)
    title = models.CharField(_("intitulé"), max_length=80)
    text = models.TextField(_("texte"), max_length=MESSAGE_MAX)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("modèle de message")
        verbose_name_plural = _("modèles de message")
        ordering = ["kind", "title", "pk"]

    def __str__(self) -> str:
        return self.title
