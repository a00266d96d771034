"""Organisations (communes, prefectures, oversight bodies), users and their roles."""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_siret


class OrgKind(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    PREFECTURE = "prefecture", _("Préfecture")
    OVERSIGHT = "oversight", _("Organe de contrôle")


class Role(models.TextChoices):
    LEGAL_OFFICER = "legal_officer", _("Juriste de la commune")
    MAYOR = "mayor", _("Maire")
    LIAISON = "liaison", _("Référent préfecture")
    PREFECTURE_ADMIN = "prefecture_admin", _("Administrateur préfecture")
    AUDITOR = "auditor", _("Auditeur")


# Which roles an organisation of each kind can hold.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrgKind.COMMUNE: frozenset({Role.LEGAL_OFFICER, Role.MAYOR}),
    OrgKind.PREFECTURE: frozenset({Role.LIAISON, Role.PREFECTURE_ADMIN}),
    OrgKind.OVERSIGHT: frozenset({Role.AUDITOR}),
}
# Each side's roles, as the table above has them: who works for a commune, for a prefecture.
COMMUNE_ROLES = ROLES_BY_KIND[OrgKind.COMMUNE]
PREFECTURE_ROLES = ROLES_BY_KIND[OrgKind.PREFECTURE]


class User(AbstractUser):
    """A platform account; the people a request concerns are never users nor rows."""

    language = models.CharField(
        _("langue"), max_length=2, choices=[("fr", "Français"), ("en", "English")], default="fr"
    )
    # Set at each ProConnect sign-in: the names then come from ProConnect (read-only on the
    # profile page) and the password pages are not offered.
    proconnect_last_login = models.DateTimeField(
        _("dernière connexion par ProConnect"), null=True, blank=True, editable=False
    )

    @property
    def display_name(self) -> str:
        """The person's name as people read it; the username when no name is known."""
        full_name = f"{self.first_name} {self.last_name}".strip()
        return full_name or self.get_username()

    @property
    def uses_proconnect(self) -> bool:
        return self.proconnect_last_login is not None


class Organization(models.Model):
    """A commune (INSEE code), a prefecture (département code) or an oversight body."""

    kind = models.CharField(_("type"), max_length=12, choices=OrgKind.choices)
    code = models.CharField(
        _("code"),
        max_length=40,
        help_text=_(
            "Code INSEE (commune), code du département (préfecture), identifiant (contrôle)."
        ),
    )
    name = models.CharField(_("nom"), max_length=200)
    departement_code = models.CharField(
        _("département"),
        max_length=3,
        blank=True,
        help_text=_("Vide pour un organe de contrôle de portée nationale."),
    )
    prefecture = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="communes",
        limit_choices_to={"kind": OrgKind.PREFECTURE},
        verbose_name=_("préfecture"),
    )
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    # The institution's own contact details, printed on acknowledgements of receipt (CRPA
    # R.112-5: designation, postal address and telephone of the service in charge).
    postal_address = models.TextField(
        _("adresse postale du service"),
        max_length=300,
        blank=True,
        help_text=_(
            "L'adresse de l'institution, jamais celle d'une personne : une ligne par ligne "
            "d'adresse. Imprimée sur les accusés de réception."
        ),
    )
    phone = models.CharField(
        _("téléphone du service"),
        max_length=30,
        blank=True,
        help_text=_("Le standard de l'institution. Imprimé sur les accusés de réception."),
    )

    # The establishment ProConnect names in its `siret` claim: a ProConnect sign-in binds to an
    # account only when the identity's SIRET is one of the account's organisations'.
    siret = models.CharField(
        _("SIRET"),
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text=_(
            "Le SIRET de l'établissement (14 chiffres), tel que ProConnect le transmet. "
            "Vide : personne de cette organisation ne peut se connecter par ProConnect."
        ),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="org_unique_kind_code"),
            models.CheckConstraint(
                condition=~models.Q(kind="commune") | models.Q(prefecture__isnull=False),
                name="org_commune_has_prefecture",
            ),
        ]
        indexes = [models.Index(fields=["departement_code", "kind"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.postal_address.splitlines() if line.strip()]

    @property
    def is_national(self) -> bool:
        return self.kind == OrgKind.OVERSIGHT and not self.departement_code


class Membership(models.Model):
    """A user's role in one organisation; it puts the user in that organisation's role group."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.organization}"


class OrganizationGroup(models.Model):
    """The one Django group of an organisation and role; object permissions go to it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="role_groups"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="org_role")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "role"], name="org_group_unique"),
        ]

    def __str__(self) -> str:
        return self.group.name


class PersonalAccessToken(models.Model):
    """A named, expiring, revocable API token. Only the SHA-256 of its secret is kept: the
    secret is shown once, when it is issued."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("nom"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The secret's first characters, so that its owner can tell tokens apart.
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expire le"))
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    # Issued after a second factor (a sign-in verified with one, or a code given with the
    # password at the token endpoint): only such a token acts for an account that needs one.
    second_factor = models.BooleanField(default=False)
    # The last time its holder proved again who they are (step-up, accounts.policy).
    reauthenticated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'accès personnel")
        verbose_name_plural = _("jetons d'accès personnels")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
